"""A report must reach someone who may see it, or the reporter must know at once, and whom to tell."""

from __future__ import annotations

import asyncio
import functools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from helpers import plain

from bot import outbox, reports
from bot.config import PeopleConfig
from bot.reports import NewReport, unreachable_people
from bot.reports.routing import unreachable
from bot.storage import open_db
from bot.text import reports as reports_text
from bot.text.notices import NOTICES
from bot.text.ops import unreachable_text

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
    assert reports_text.default_outside_contact() in default


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


# -- a recipient Telegram never delivers to ------------------------------------------------------

REFUSED = "Forbidden: bot was blocked by the user"


def _give_up_on(db: sqlite_utils.Database, people: PeopleConfig, recipient: int, contact: str = "") -> None:
    """Every pending message to `recipient` is refused until the outbox gives up on it."""
    hook = functools.partial(
        reports.record_delivery_failure, people=people, notices=NOTICES, outside_contact=contact
    )
    backoff = outbox.Backoff(base=0, max_permanent_attempts=2)
    for _ in range(2):
        for row in outbox.claim_due(db):
            if row.recipient_id == recipient:
                outbox.mark_failed(db, row.id, REFUSED, permanent=True, backoff=backoff, after_give_up=hook)
            else:
                outbox.mark_sent(db, row.id, 1)


def _about_the_head(db: sqlite_utils.Database, people: PeopleConfig) -> int:
    new = NewReport(
        reporter_id=9,
        reporter_name="Tess",
        category="other",
        subject=None,
        place="",
        description=ABOUT_THE_HEAD,
    )
    return reports.create_report(db, people, new, notices=NOTICES).report.id


def _messages_to(db: sqlite_utils.Database, uid: int) -> list[str]:
    return [
        plain(r[0]) for r in db.execute("select text from outbox where recipient_id = ? order by id", [uid])
    ]


def test_a_chair_who_never_started_the_bot_hands_a_report_about_the_head_to_the_deputy(
    tmp_path: Path,
) -> None:
    db = open_db(tmp_path / "r.db")
    people = PeopleConfig(head_teacher=[1], chair_of_governors=[3], deputy=[4], staff=[9])
    report_id = _about_the_head(db, people)

    _give_up_on(db, people, recipient=3)

    assert [ABOUT_THE_HEAD in m for m in _messages_to(db, 4)] == [True], "the deputy has the alert"
    assert _messages_to(db, 1) == [], "never the Head"
    [told] = [m for m in _messages_to(db, 9) if "could not reach" in m]
    assert "the Chair of Governors" in told and "gone to the Deputy Head instead" in told
    routes = db.execute("select role from report_routes where report_id = ? and relation = 'to'", [report_id])
    assert [r[0] for r in routes] == ["chair_of_governors", "deputy"]


def test_with_nobody_else_allowed_the_reporter_is_told_whom_to_tell_and_the_head_still_sees_nothing(
    tmp_path: Path,
) -> None:
    db = open_db(tmp_path / "r.db")
    people = PeopleConfig(head_teacher=[1], chair_of_governors=[3], staff=[9])
    _about_the_head(db, people)

    _give_up_on(db, people, recipient=3, contact="the LADO on 01632 960001")

    [told] = [m for m in _messages_to(db, 9) if "could not reach" in m]
    assert "Nobody else in this bot may receive it" in told and "the LADO on 01632 960001" in told
    assert _messages_to(db, 1) == []


def test_a_second_refusal_to_the_same_role_does_not_tell_the_reporter_twice(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    people = PeopleConfig(head_teacher=[1], chair_of_governors=[3], deputy=[4], staff=[9])
    report_id = _about_the_head(db, people)
    _give_up_on(db, people, recipient=3)
    reports.escalate_overdue(db, people, 1, at=datetime.now(UTC) + timedelta(minutes=1), notices=NOTICES)

    _give_up_on(db, people, recipient=3)

    assert len([m for m in _messages_to(db, 9) if "could not reach" in m]) == 1
    assert [e.kind for e in reports.events(db, report_id)].count("rerouted") == 1


def test_an_unreachable_reviewer_is_named_with_what_to_do(tmp_path: Path) -> None:
    db = open_db(tmp_path / "r.db")
    people = PeopleConfig(head_teacher=[1], chair_of_governors=[3], deputy=[4], staff=[9])
    _about_the_head(db, people)
    assert unreachable_text(people, unreachable_people(db)) is None

    _give_up_on(db, people, recipient=3)

    text = unreachable_text(people, unreachable_people(db))
    assert text is not None and "the Chair of Governors (id 3)" in text and "press Start" in text


@pytest.mark.e2e
async def test_a_dsl_who_blocked_the_bot_leaves_a_safeguarding_report_with_the_deputy(
    make_services, running_bot, make_user, people, emulator
) -> None:
    services = make_services()
    services.backoff = outbox.Backoff(base=0.05, cap=0.1, max_permanent_attempts=2)
    await running_bot(services)
    emulator.block(people.dsl)
    teacher = make_user(services, people.teacher, "Tess")
    deputy = make_user(services, people.deputy, "Dee")
    head = make_user(services, people.head_teacher, "Hana")

    await teacher.send("/report a year 9 girl says her stepdad hits her")
    replies = await teacher.replies(timeout=15)
    while not any("could not reach" in plain(r["text"]) for r in replies):
        replies += await teacher.replies(timeout=15)

    [told] = [plain(r["text"]) for r in replies if "could not reach" in plain(r["text"])]
    assert "the Designated Safeguarding Lead" in told and "gone to the Deputy Head instead" in told
    [alert] = await deputy.replies(timeout=10)
    assert "stepdad hits her" in plain(alert["text"])
    [head_alert] = await head.replies(timeout=10)
    assert "stepdad hits her" in plain(head_alert["text"])


# -- "head" that may not mean the Head Teacher ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unclear"),
    [
        ("a year 7 bumped her head on the coach", "her head"),
        ("pupil hit his head, mum posted it on fb", "his head"),
        ("the head posted a photo of a pupil", None),
        ("our head keeps messaging a yr 9", None),
        ("he hit his head and the head teacher filmed it", None),
        ("the HT saw him hit his head", None),
        ("a parent posted about head lice", None),
    ],
)
def test_a_bare_head_that_may_be_a_body_part_is_unclear_and_a_clear_mention_is_not(
    text: str, unclear: str | None
) -> None:
    from bot.reports.head import unclear_head

    assert unclear_head(text) == unclear


def test_the_heads_own_name_makes_a_mention_clear() -> None:
    from bot.reports.head import unclear_head

    assert unclear_head("Mr Jones hit his head", ["Alan Jones"]) is None


BUMPED = "/report a year 7 bumped her head on the coach and a parent posted a video of it on facebook"


@pytest.mark.e2e
@pytest.mark.parametrize("about_the_head", [False, True])
async def test_an_unclear_head_is_asked_about_once_and_routed_by_the_answer(
    make_services, running_bot, make_user, people, about_the_head: bool
) -> None:
    from bot.text import callbacks as cb

    services = make_services()
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    chair = make_user(services, people.chair_of_governors, "Cai")

    await teacher.send(BUMPED)
    [asked] = await teacher.replies(timeout=15)
    assert "is this report about the Head Teacher?" in plain(asked["text"]) and "her head" in asked["text"]
    assert services.db["reports"].count == 0, "nothing filed until the reporter answers"
    await teacher.tap(cb.HeadCheck(about_the_head).data, asked["message_id"])
    receipt = await teacher.wait_for(lambda r: "R-0001" in (r["text"] or ""), timeout=15)

    assert services.db["reports"].count == 1
    if about_the_head:
        await chair.wait_for(lambda r: "bumped her head" in plain(r["text"]), timeout=15)
        await head.no_reply(wait=0.5)
        assert "Head does not see it" in plain(receipt["text"])
    else:
        await head.wait_for(lambda r: "bumped her head" in plain(r["text"]), timeout=15)
        assert "names the Head" not in plain(receipt["text"])
    await teacher.tap(cb.HeadCheck(not about_the_head).data, asked["message_id"])  # a second tap
    await asyncio.sleep(0.5)
    assert services.db["reports"].count == 1
