"""A report must reach someone who may see it, or the reporter must know at once, and whom to tell."""

from __future__ import annotations

import pytest
from helpers import plain

from bot.config import PeopleConfig
from bot.reports.routing import unreachable
from bot.text import reports as reports_text

ABOUT_THE_HEAD = "the head teacher posted a photo of a pupil in the bath on his facebook"


def test_with_only_a_head_and_staff_reports_about_the_head_reach_nobody() -> None:
    assert unreachable(PeopleConfig(head_teacher=[1], staff=[2])) == ["reports about the Head Teacher"]


@pytest.mark.parametrize("role", ["chair_of_governors", "deputy"])
def test_a_chair_or_a_deputy_gives_reports_about_the_head_a_recipient(role: str) -> None:
    assert unreachable(PeopleConfig(head_teacher=[1], staff=[2], **{role: [3]})) == []


def test_a_head_who_is_also_the_only_deputy_is_no_recipient_for_reports_about_the_head() -> None:
    assert unreachable(PeopleConfig(head_teacher=[1], deputy=[1])) == ["reports about the Head Teacher"]


def test_the_receipt_of_a_report_nobody_can_receive_says_so_and_whom_to_tell() -> None:
    text = plain(
        reports_text.report_receipt(
            "R-0001", [], urgent=False, about_head=True, outside_contact="Mr Chair on 01632 960000"
        )
    )
    assert "nobody in this bot can receive it" in text and "Mr Chair on 01632 960000" in text
    assert "Chair of Governors instead" not in text and "queued" not in text
    default = plain(reports_text.report_receipt("R-0001", [], urgent=False, about_head=True))
    assert reports_text.DEFAULT_OUTSIDE_CONTACT in default


def test_the_receipt_names_who_it_actually_goes_to_instead_of_the_head() -> None:
    text = plain(reports_text.report_receipt("R-0001", ["deputy"], urgent=False, about_head=True))
    assert "so it goes to the Deputy Head instead" in text
    assert "Chair of Governors" not in text


@pytest.mark.e2e
async def test_a_report_about_the_head_with_nobody_to_receive_it_tells_the_reporter_the_truth(
    make_services, running_bot, make_user, people
) -> None:
    services = make_services(
        people={"head_teacher": [people.head_teacher], "staff": [people.teacher]},
        school={"outside_contact": "Mrs Governor on 01632 960000"},
    )
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")

    await teacher.send(f"/report {ABOUT_THE_HEAD}")
    [receipt] = await teacher.replies(timeout=15)

    assert "R-0001" in receipt["text"] and "Mrs Governor on 01632 960000" in plain(receipt["text"])
    assert "nobody in this bot can receive it" in plain(receipt["text"])
    assert services.db["reports"].count == 1, "stored all the same"
    await head.no_reply(wait=0.5)


def test_a_one_line_report_which_nobody_classified_reaches_the_dsl_too() -> None:
    """ "/report a yr 9 told me his stepdad hits him" has no category: the safe side includes the DSL."""
    from bot.reports.routing import route

    send_to, never = route("triage", None)
    assert send_to == ["head_teacher", "dsl"] and never == []


@pytest.mark.parametrize(
    "text",
    [
        "our HT posted a photo of a pupil",
        "the h/t shared it on fb",
        "our ht keeps messaging a yr 9",
        "Head of School sent a pupil a DM",
        "the head's instagram has pupils on it",
    ],
)
def test_the_ways_schools_write_the_head_all_count(text: str) -> None:
    from bot.reports.head import names_head

    assert names_head(text)


@pytest.mark.parametrize("text", ["head of year 9 posted it", "deputy head posted it", "a height (ht) of 2m"])
def test_other_heads_and_look_alikes_do_not(text: str) -> None:
    from bot.reports.head import names_head

    assert not names_head(text)
