"""Safeguarding rules under misuse, end to end over the Bot API emulator.

Why: each rule here failed once when tried the way a tester or an attacker would, on a path the
ordinary flow tests never take (a one-line report naming the Head, a question about the Head, a
stale conversation, a revoked member of staff, a flood). Only the real Application shows that
the rule holds on every path.
"""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import UTC, datetime, timedelta

import pytest
from e2e_harness import TelegramUser
from helpers import plain, tag
from test_reports_e2e import after_acknowledge, data_of, eventually, fast, guided_report, step

from bot import reports
from bot.context import Services
from bot.text import access as access_text
from bot.text import callbacks as cb
from bot.text import common as common_text
from bot.text import policies as policies_text
from bot.text import questions as questions_text
from bot.text import reports as reports_text
from bot.text import review as review_text
from bot.text.notices import NOTICES
from bot.text.telegram import plain as alert_text

pytestmark = pytest.mark.e2e

ABOUT_HEAD = "the head teacher has been messaging a pupil on Instagram late at night"


async def head_sees_nothing(head: TelegramUser, ref: str = "R-0001") -> None:
    """The Head's every way in: no alert, not in /queue, /show refuses, /export has no row."""
    await head.no_reply(wait=0.3)
    await head.send("/queue")
    [queue] = await head.replies()
    assert ref not in queue["text"] and "none" in queue["text"]
    await head.send(f"/show {ref}")
    [shown] = await head.replies()
    assert shown["text"] == reports_text.REPORT_NOT_FOUND.format(ref=ref)
    await head.send("/export")
    for document in await head.replies(count=2):  # incidents, then the full history
        text = (await head.download(document["document"]["file_id"])).decode("utf-8-sig")
        assert ref not in text


def outbox_recipients(services: Services) -> set[int]:
    return {row[0] for row in services.db.execute("select recipient_id from outbox").fetchall()}


# -- 1. nothing about the Head reaches the Head ---------------------------------------------------


async def test_one_line_report_naming_the_head_never_reaches_the_head(
    make_services, running_bot, make_user, people
) -> None:
    """No subject was chosen, the text names the Head: the chair gets it, then the reminder,
    then the deputy; the Head never, by any path."""
    services = fast(make_services(escalation={"renotify_minutes": 0.01}))
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    chair = make_user(services, people.chair_of_governors, "Cho")
    deputy = make_user(services, people.deputy, "Dan")

    await teacher.send(f"/report {ABOUT_HEAD}")
    [receipt] = await teacher.replies()
    assert "R-0001" in receipt["text"] and "Chair of Governors" in receipt["text"]
    assert "the Head does not see it" in receipt["text"]
    alert = await chair.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert "messaging a pupil" in alert["text"]
    await chair.wait_for(lambda r: "Reminder" in (r["text"] or ""))
    await deputy.wait_for(lambda r: review_text.ESCALATED_TO_YOU in (r["text"] or ""))
    await asyncio.sleep(0.3)
    await head_sees_nothing(head)
    assert people.head_teacher not in outbox_recipients(services)


async def test_report_this_from_a_question_about_the_head_goes_to_the_chair(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    chair = make_user(services, people.chair_of_governors, "Cho")

    await teacher.send("the headteacher just sent me a friend request on Facebook")
    [answer] = await teacher.replies(timeout=15)
    what = await step(teacher, answer, data_of(answer, "report:start:"))
    who = await step(teacher, what, cb.ReportChoice("cat", "harassment").data)
    where = await step(
        teacher, who, cb.ReportChoice("who", "staff").data
    )  # not "The Head Teacher": the text says so
    happened = await step(teacher, where, cb.ReportChoice("where", "facebook").data)
    summary = await step(teacher, happened, cb.ReportChoice("when", "now").data)
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    [receipt] = await teacher.replies()
    assert "R-0001" in receipt["text"] and "Chair of Governors" in receipt["text"]
    await chair.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    await head_sees_nothing(head)


async def test_report_this_on_a_long_message_checks_the_whole_text_for_the_head(
    make_services, running_bot, make_user, people
) -> None:
    """The Head is named only after the first 2,000 characters: the search reads the start, the
    report (and its check of who may see it) the whole message."""
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    chair = make_user(services, people.chair_of_governors, "Cho")
    text = "a parent posted about a pupil on facebook and it got worse. " * 40 + "The headteacher shared it."
    assert len(text) > services.config.limits.max_question_chars

    await teacher.send(text)
    [answer] = await teacher.replies(timeout=15)
    what = await step(teacher, answer, data_of(answer, "report:start:"))
    who = await step(teacher, what, cb.ReportChoice("cat", "harassment").data)
    where = await step(teacher, who, cb.ReportChoice("who", "parent").data)
    happened = await step(teacher, where, cb.ReportChoice("where", "facebook").data)
    summary = await step(teacher, happened, cb.ReportChoice("when", "now").data)
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    [receipt] = await teacher.replies()

    assert "R-0001" in receipt["text"] and "Chair of Governors" in receipt["text"]
    assert services.db["reports"].get(1)["description"] == text
    await chair.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    await head_sees_nothing(head)


async def test_a_question_about_the_head_is_reviewed_by_the_chair_never_the_head(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    chair = make_user(services, people.chair_of_governors, "Cho")

    await teacher.send("the head teacher has just sent me creepy messages")
    [answer] = await teacher.replies(timeout=15)
    [question] = services.db["questions"].rows
    if question["answered"]:
        await teacher.tap(cb.Feedback(question["id"], False).data, answer["message_id"])
        await eventually(lambda: services.db["questions"].get(question["id"])["feedback"] == "down")
    await head.send("/review")
    [nothing] = await head.replies(timeout=15)
    assert policies_text.NOTHING_TO_REVIEW in nothing["text"] and "creepy" not in nothing["text"]
    # a forged decision from the Head is refused too
    await head.tap(cb.SkipReview(question["id"]).data, nothing["message_id"])
    await chair.send("/review")
    item = await chair.wait_for(lambda r: "creepy" in (r["text"] or ""), timeout=15)
    assert policies_text.REVIEW_ASKS in plain(item["text"])
    assert services.db["review_decisions"].count == 0


async def test_ask_about_the_head_goes_to_the_chair(make_services, running_bot, make_user, people) -> None:
    """A declined question naming the Head: the button says who it goes to, and it goes there."""
    services = fast(make_services(school={"head_teacher_name": "Mrs Harriet Hale"}))
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    chair = make_user(services, people.chair_of_governors, "Cho")

    await teacher.send("What is Mrs Hale's favourite canteen menu on Friday?")
    [declined] = await teacher.replies(timeout=15)
    assert "do not cover" in declined["text"]
    assert [label for label, _ in declined["reply_markup"]][0] == questions_text.ask_button(about_head=True)
    await teacher.tap(data_of(declined, "ask:"), declined["message_id"])
    [told] = await teacher.replies()
    assert "Chair of Governors" in told["text"] and "sent" not in told["text"]
    alert = await chair.wait_for(lambda r: "canteen" in (r["text"] or ""))
    # the chair answers; the asker hears of a question, not of "report R-0001"
    await chair.tap(cb.ReviewAction("ack", 1, tag(services, 1)).data, alert["message_id"])
    ack = await teacher.wait_for(lambda r: "acknowledged" in (r["text"] or ""))
    assert "Your question" in ack["text"] and "R-0001" not in ack["text"] and "report" not in ack["text"]
    await head_sees_nothing(head)


# -- 7. the bot says only what happened ------------------------------------------------------------


async def test_indecent_image_claims_an_alert_only_once_delivered(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    await teacher.send("/report")
    [what] = await teacher.replies()
    await teacher.tap(cb.ReportChoice("cat", "indecent_image").data, what["message_id"])
    steps, who = await teacher.replies(count=2)
    assert html.escape(reports_text.INDECENT_IMAGE_STEPS, quote=False) in steps["text"]
    assert "have been alerted" not in plain(steps["text"])
    assert services.db["outbox"].count == 0  # nothing was queued, so nothing may be claimed
    where = await step(teacher, who, cb.ReportChoice("who", "pupil").data)
    happened = await step(teacher, where, cb.ReportChoice("where", "snapchat").data)
    await step(teacher, happened, cb.ReportChoice("when", "now").data)
    await teacher.send("A pupil showed me an image; the phone is locked away.")
    [summary] = await teacher.replies()
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    [receipt] = await teacher.replies()
    assert "queued" in receipt["text"] and "delivered" not in receipt["text"]
    # said when it is true: once Telegram accepted both alerts (the Head Teacher and the DSL)
    delivered = await teacher.wait_for(lambda r: "has been delivered" in (r["text"] or ""))
    assert "R-0001" in delivered["text"] and "all 2 people" in delivered["text"]
    assert (
        services.db.execute(
            "select count(*) from outbox where purpose = 'urgent' and status = 'sent'"
        ).fetchone()[0]
        == 2
    )


async def test_receipt_says_queued_not_sent(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    await teacher.send("/report A parent is posting about me")
    [receipt] = await teacher.replies()
    assert "stored" in receipt["text"] and "queued" in receipt["text"]
    assert "sent" not in plain(receipt["text"]).replace("sent to", "")


# -- 10. no Python repr in what people read --------------------------------------------------------


async def test_resolve_prompt_shows_the_outcome_as_typed(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    summary = await guided_report(teacher, "other", "parent", "tiktok", "A parent's video.")
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await teacher.replies()
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    outcome = await step(head, alert, cb.ReviewAction("res", 1, tag(services, 1)).data)
    typed = await step(head, outcome, cb.Outcome("other").data)
    assert review_text.OUTCOME_NEEDED in typed["text"]
    await head.send('parent\'s "request" noted')
    [why] = await head.replies()
    text = plain(why["text"])
    assert 'parent\'s "request" noted' in text and "\\'" not in text and "'parent" not in text


# -- 5. access is checked at every step ------------------------------------------------------------


async def test_revoked_staff_cannot_finish_a_report(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    summary = await guided_report(teacher, "other", "unknown", "tiktok", "Half-way through.")
    await head.send(f"/revoke {people.teacher}")
    [revoked] = await head.replies()
    assert "revoked" in revoked["text"]
    await teacher.send("one more line for the description")
    [refused] = await teacher.replies()
    assert plain(refused["text"]) == plain(access_text.refusal(services.config.school.name, people.teacher))
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await asyncio.sleep(0.4)
    assert reports.get_report(services.db, 1) is None
    await head.no_reply(wait=0.2)


# -- 4. conversations time out; a pending note or addition is confirmed ---------------------------


async def test_a_stale_report_is_put_aside_and_a_later_question_is_not_appended(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services(limits={"conversation_minutes": 0.02}))  # 1.2 s
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    await guided_report(teacher, "harassment", "parent", "facebook", "A parent wrote a nasty comment.")
    aside = await teacher.wait_for(lambda r: "put aside" in (r["text"] or ""), timeout=10)
    assert "Nothing was sent" in aside["text"]
    await teacher.send("Can I friend an ex-student?")  # later: a question, answered as one
    [answer] = await teacher.replies(timeout=15)
    assert reports_text.CHECK_HEADING not in answer["text"] and "Add this" not in answer["text"]
    # /report picks the draft up where it was left, without the question
    await teacher.send("/report")
    resumed, summary = await teacher.replies(count=2)
    assert resumed["text"] == reports_text.REPORT_RESUMED
    assert "nasty comment" in summary["text"] and "ex-student" not in summary["text"]
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    [receipt] = await teacher.replies()
    assert "R-0001" in receipt["text"]
    assert reports.get_report(services.db, 1).description == "A parent wrote a nasty comment."


async def test_more_text_at_the_summary_is_confirmed(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    await guided_report(teacher, "harassment", "parent", "facebook", "A parent wrote a nasty comment.")
    await teacher.send("It was on the school's page.")
    [ask] = await teacher.replies()
    assert plain(ask["text"]) == plain(reports_text.confirm_addition("It was on the school's page."))
    summary = await step(teacher, ask, cb.ReportAddition(True).data)
    assert "school's page" in plain(summary["text"])
    await teacher.send("what is the policy on staff phones?")
    [ask] = await teacher.replies()
    not_added = await step(teacher, ask, cb.ReportAddition(False).data)
    assert reports_text.NOT_ADDED_CHOICE in not_added["text"]
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await teacher.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    description = reports.get_report(services.db, 1).description
    assert "school's page" in description and "phones" not in description


async def test_a_note_is_confirmed_and_a_stale_note_is_put_aside(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services(limits={"conversation_minutes": 0.02}))
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    await teacher.send("/report A parent filmed the nativity and posted it")
    await teacher.replies()
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))

    ask = await step(head, alert, cb.ReviewAction("note", 1, tag(services, 1)).data)
    await head.send("Is this allowed at all?")
    [confirm] = await head.replies()
    assert "Add this as a note to R-0001?" in confirm["text"]
    refused = await step(head, confirm, cb.NoteConfirm(False).data)
    assert review_text.NOT_ADDED_CHOICE in refused["text"]

    await head.tap(cb.ReviewAction("note", 1, tag(services, 1)).data, alert["message_id"])
    [ask] = await head.replies()
    assert "note" in ask["text"]
    aside = await head.wait_for(lambda r: "put aside" in (r["text"] or ""), timeout=10)
    assert "R-0001" in aside["text"] and "nothing was stored" in aside["text"]
    await head.send("Can I friend an ex-student?")  # a question now, never a note
    [answer] = await head.replies(timeout=15)
    assert "Add this" not in answer["text"]
    assert "note" not in [e.kind for e in reports.events(services.db, 1)]


# -- 3. a flood of reports: all stored, one summary -----------------------------------------------


async def test_a_flood_of_reports_is_stored_and_summarised_once(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services(limits={"reports_per_minute": 3}))
    services.summary_settle_seconds = 0.5
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    for n in range(1, 9):
        await teacher.send(f"/report flood number {n}")
    receipts = await teacher.replies(count=8)
    assert all("stored" in r["text"] for r in receipts)
    assert "in one message" in receipts[-1]["text"]
    assert services.db["reports"].count == 8  # nothing the person wrote is lost
    for n in (1, 2, 3):
        await head.wait_for(lambda r, n=n: f"flood number {n}" in (r["text"] or ""))
    summary = await head.wait_for(lambda r: "5 more reports from Tess" in plain(r["text"]))
    assert "R-0004" in summary["text"] and "R-0008" in summary["text"]
    await head.no_reply(wait=1.0)
    assert all("summarised" in [e.kind for e in reports.events(services.db, i)] for i in range(4, 9))
    await head.send("/queue")
    [queue] = await head.replies()
    assert "R-0001" in queue["text"] and "Page 1 of 2" in plain(queue["text"])
    await head.tap(cb.Page("queue", 1).data, queue["message_id"])
    await asyncio.sleep(0.3)
    queue = await head.message(queue["message_id"])
    assert "R-0008" in queue["text"]


# -- 6. re-notification: one message per person per tick ------------------------------------------


async def test_overdue_reports_come_in_one_message_per_person(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services(escalation={"renotify_minutes": 1}))
    past = datetime.now(UTC) - timedelta(minutes=3)  # overdue for the reminder and the deputy
    for n in range(1, 6):
        reports.create_report(
            services.db,
            services.config.people,
            reports.NewReport(people.teacher, "Tess", "other", f"old report {n}"),
            at=past,
            notices=NOTICES,
        )
    await running_bot(services)
    head = make_user(services, people.head_teacher, "Hana")
    deputy = make_user(services, people.deputy, "Dan")
    escalated = await deputy.wait_for(lambda r: review_text.ESCALATED_TO_YOU in (r["text"] or ""))
    assert all(f"R-000{n}" in escalated["text"] for n in range(1, 6))
    assert ("Acknowledge R-0003", cb.ReviewAction("ack", 3, tag(services, 3)).data) in escalated[
        "reply_markup"
    ]
    await deputy.no_reply(wait=0.8)
    texts = [r["text"] for r in await head.replies(count=6, timeout=10)]
    assert sum("Reminder" in t for t in texts) == 1
    await head.no_reply(wait=0.5)
    await deputy.tap(cb.ReviewAction("ack", 3, tag(services, 3)).data, escalated["message_id"])
    await deputy.wait_for(lambda r: "R-0003 acknowledged" in (r["text"] or ""))


async def test_alerts_follow_the_reports_state(make_services, running_bot, make_user, people) -> None:
    """The DSL's copy loses "Acknowledge" when the Head acknowledges; every copy loses its
    buttons and says so once the report is resolved."""
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    dsl = make_user(services, people.dsl, "Dee")
    summary = await guided_report(teacher, "safeguarding", "pupil", "snapchat", "A pupil says she is unsafe.")
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await teacher.replies()
    head_alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    dsl_alert = await dsl.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    await eventually(
        lambda: (
            services.db.execute(
                "select count(*) from outbox where status = 'sent' and purpose = 'urgent'"
            ).fetchone()[0]
            == 2
        )
    )

    await head.tap(cb.ReviewAction("ack", 1, tag(services, 1)).data, head_alert["message_id"])
    await head.wait_for(lambda r: "acknowledged" in (r["text"] or ""))
    await asyncio.sleep(0.3)
    edited = await dsl.message(dsl_alert["message_id"])
    assert [cb.parse(data) for _, data in edited["reply_markup"]] == after_acknowledge(tag(services, 1))

    outcome = await step(dsl, dsl_alert, cb.ReviewAction("res", 1, tag(services, 1)).data)
    why = await step(dsl, outcome, cb.Outcome("safeguarding").data)
    assert "Safeguarding procedures" in why["text"] and "'" not in why["text"]
    await dsl.send("Referred to children's services.")
    [confirm] = await dsl.replies()
    await dsl.tap(cb.ResolveConfirm(True).data, confirm["message_id"])
    await dsl.wait_for(lambda r: "R-0001 resolved" in (r["text"] or ""))
    await asyncio.sleep(0.3)
    for user, alert in ((head, head_alert), (dsl, dsl_alert)):
        now_shown = await user.message(alert["message_id"])
        assert now_shown["reply_markup"] == [] and "R-0001 is resolved" in now_shown["text"]


# -- 9. the database failing while running ---------------------------------------------------------


async def test_disk_full_while_running_tells_the_person_and_recovers(
    make_services, running_bot, make_user, people, alerts, caplog
) -> None:
    """SQLite's max_page_count stands in for a full disk: the report's row needs new pages."""
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    account = "A parent keeps posting about my class on a public page. " * 200  # ~11 kB: new pages
    summary = await guided_report(teacher, "harassment", "parent", "facebook", account)
    pages = services.db.execute("pragma page_count").fetchone()[0]
    services.db.execute(f"pragma max_page_count = {pages}")

    for attempt in (1, 2):
        await teacher.tap(cb.ReportSend().data, summary["message_id"])
        await eventually(
            lambda attempt=attempt: (
                sum(alert_text(common_text.storage_failed()) == a for a in alerts) == attempt
            )
        )
        # all or nothing: no half report, no alert row
        assert services.db["reports"].count == 0 and services.db["report_events"].count == 0
        assert services.db["outbox"].count == 0
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]  # once, with its cause
    assert "database or disk is full" in errors[0].getMessage()

    services.db.execute("pragma max_page_count = 1073741823")  # the disk has room again
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    receipt = await teacher.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert "stored" in receipt["text"]
    await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert reports.get_report(services.db, 1).description == account.strip()
    assert any("can be written again" in r.getMessage() for r in caplog.records)
    caplog.clear()  # the one ERROR above was the point of this test


# -- also: protected content, plain /show, no reviewer ids for the reporter ------------------------


async def test_safeguarding_data_is_protected_and_show_speaks_plainly(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    await guided_report(teacher, "pupil_contact", "pupil", "instagram", "A pupil messaged me.")
    photo_id = await teacher.send_photo()
    [kept] = await teacher.replies()
    await teacher.tap(cb.ReportSend().data, kept["message_id"])
    await teacher.replies()
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert alert["raw"]["message"].get("protect_content") in (True, "true")
    await head.tap(cb.ReviewAction("ack", 1, tag(services, 1)).data, alert["message_id"])
    await teacher.wait_for(lambda r: "acknowledged" in (r["text"] or ""))

    await head.send("/show R-0001")
    shown = await head.wait_for(lambda r: "History" in (r["text"] or ""))
    assert shown["raw"]["message"].get("protect_content") in (True, "true")
    text = plain(shown["text"])
    assert photo_id not in text and "file-" not in text
    assert str(people.head_teacher) not in text and "(escalation)" not in text
    assert "Alert delivered" in text and "the Head Teacher" in text
    photo = await head.wait_for(lambda r: r.get("photo") is not None)
    assert photo["raw"]["message"].get("protect_content") in (True, "true")
    await head.send("/export")
    document = await head.wait_for(lambda r: r.get("document") is not None)
    assert document["raw"]["message"].get("protect_content") in (True, "true")

    await teacher.send("/show R-0001")
    mine = await teacher.wait_for(lambda r: "History" in (r["text"] or ""))
    text = plain(mine["text"])
    assert "Acknowledged by the Head Teacher" in text
    assert str(people.head_teacher) not in text and "Hana" not in text


async def test_invites_have_a_per_person_limit(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services(limits={"writes_per_minute": 2}))
    await running_bot(services)
    head = make_user(services, people.head_teacher, "Hana")
    for _ in range(3):
        await head.send("/invite")
    texts = [r["text"] for r in await head.replies(count=3)]
    assert sum("Invite code" in t for t in texts) == 2
    assert "try again in a minute" in texts[-1]
    assert services.db["invites"].count == 2
