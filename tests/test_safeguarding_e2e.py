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
from helpers import labels, plain, stored_alert, tag
from test_reports_e2e import after_acknowledge, data_of, eventually, fast, guided_report, show_pages, step

from bot import reports
from bot.context import Services
from bot.text import access as access_text
from bot.text import callbacks as cb
from bot.text import common as common_text
from bot.text import policies as policies_text
from bot.text import questions as questions_text
from bot.text import report_record
from bot.text import reports as reports_text
from bot.text import review as review_text
from bot.text.common import ROLE_TITLES
from bot.text.notices import NOTICES, question_of
from bot.text.pages import page
from bot.text.telegram import plain as alert_text

pytestmark = pytest.mark.e2e

ABOUT_HEAD = "the head teacher has been messaging a pupil on Instagram late at night"


def to_the_chair(*also: str) -> str:
    """The receipt for a report naming the Head: it goes to the chair (and `also`, never the
    Head), and says the Head does not see it."""
    return reports_text.report_receipt("R-0001", ["chair_of_governors", *also], urgent=False, about_head=True)


def open_queue(services: Services, viewer: int, number: int = 0) -> str:
    """/queue's page `number` as `viewer` should see it now."""
    found = reports.queue(services.db, services.config.people, viewer)
    return report_record.render_page(page(found, number, report_record.LIST_PAGE), review_text.QUEUE_TITLE)


async def head_sees_nothing(head: TelegramUser, ref: str = "R-0001") -> None:
    """The Head's every way in: no alert, not in /queue, /show refuses, /export has no row."""
    await head.no_reply(wait=0.3)
    await head.send("/queue")
    [queue] = await head.replies()
    empty = report_record.render_page(page([], 0, 1), review_text.QUEUE_TITLE)
    assert ref not in queue["text"] and queue["text"] == empty
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
    assert receipt["text"] == to_the_chair("dsl")
    alert = await chair.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert "messaging a pupil" in alert["text"] and alert["text"] == stored_alert(services)
    reminding = review_text.reminder_heading(services.config.escalation.renotify_minutes)
    await chair.wait_for(lambda r: (r["text"] or "").startswith(reminding))
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
    assert receipt["text"] == to_the_chair()
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

    assert receipt["text"] == to_the_chair()
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
    assert declined["text"].startswith(questions_text.not_covered())
    assert [label for label, _ in declined["reply_markup"]][0] == questions_text.ask_button(about_head=True)
    await teacher.tap(data_of(declined, "ask:"), declined["message_id"])
    [told] = await teacher.replies()
    assert told["text"] == questions_text.question_queued(["chair_of_governors"], about_head=True)
    assert "sent" not in told["text"]  # stored and queued, never claimed as sent
    alert = await chair.wait_for(lambda r: "canteen" in (r["text"] or ""))
    assert alert["text"] == stored_alert(services) and labels(alert)[-1] == report_record.ANSWER
    # the chair answers; the asker hears of a question, not of "report R-0001"
    await chair.tap(cb.ReviewAction("ack", 1, tag(services, 1)).data, alert["message_id"])
    question = question_of(reports.get_report(services.db, 1))
    assert question is not None and "canteen" in question
    acknowledged = reports_text.acknowledged_notice("R-0001", "chair_of_governors", question)
    ack = await teacher.wait_for(lambda r: r["text"] == acknowledged)
    assert "R-0001" not in ack["text"] and "report" not in ack["text"]
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
    assert steps["text"] == reports_text.INDECENT_IMAGE_WARNING
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
    assert receipt["text"] == reports_text.report_receipt("R-0001", ["head_teacher", "dsl"], urgent=True)
    assert "queued" in receipt["text"] and "delivered" not in receipt["text"]
    # said when it is true: once Telegram accepted both alerts (the Head Teacher and the DSL)
    delivered = await teacher.wait_for(lambda r: r["text"] == reports_text.urgent_delivered("R-0001", 2))
    assert "R-0001" in delivered["text"]
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
    assert receipt["text"] == reports_text.report_receipt("R-0001", ["head_teacher", "dsl"], urgent=False)
    # The golden wording check: the receipt says stored and queued, never that anything was sent.
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
    assert why["text"] == review_text.ask_reason('parent\'s "request" noted')
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
    assert revoked["text"] == access_text.REVOKE_MESSAGES["revoked"].format(user_id=people.teacher)
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
    put_aside = reports_text.report_put_aside(services.config.limits.conversation_minutes)
    await teacher.wait_for(lambda r: r["text"] == put_aside, timeout=10)
    await teacher.send("Can I friend an ex-student?")  # later: a question, answered as one
    [answer] = await teacher.replies(timeout=15)
    assert reports_text.CHECK_HEADING not in answer["text"]
    assert answer["text"] != reports_text.confirm_addition("Can I friend an ex-student?")
    assert reports_text.ADD_IT not in labels(answer) and reports_text.SEND_REPORT not in labels(answer)
    # /report picks the draft up where it was left, without the question
    await teacher.send("/report")
    resumed, summary = await teacher.replies(count=2)
    assert resumed["text"] == reports_text.REPORT_RESUMED
    assert "nasty comment" in summary["text"] and "ex-student" not in summary["text"]
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    [receipt] = await teacher.replies()
    assert "R-0001" in receipt["text"] and reports_text.CHECK_HEADING not in receipt["text"]
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
    assert confirm["text"] == review_text.confirm_note("R-0001", "Is this allowed at all?")
    refused = await step(head, confirm, cb.NoteConfirm(False).data)
    assert review_text.NOT_ADDED_CHOICE in refused["text"]

    await head.tap(cb.ReviewAction("note", 1, tag(services, 1)).data, alert["message_id"])
    [ask] = await head.replies()
    assert ask["text"] == review_text.ask_note("R-0001")
    put_aside = review_text.review_put_aside("R-0001", services.config.limits.conversation_minutes)
    await head.wait_for(lambda r: r["text"] == put_aside, timeout=10)
    await head.send("Can I friend an ex-student?")  # a question now, never a note
    [answer] = await head.replies(timeout=15)
    assert answer["text"] != review_text.confirm_note("R-0001", "Can I friend an ex-student?")
    assert review_text.ADD_NOTE not in labels(answer)
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
    roles = ["head_teacher", "dsl"]
    # three alerted one by one, the rest held for one summary; every one stored (the eight
    # receipts may reach the chat in any order: the updates are handled concurrently)
    assert sorted(r["text"] for r in receipts) == sorted(
        reports_text.report_receipt(f"R-000{n}", roles, urgent=False, held=n > 3) for n in range(1, 9)
    )
    assert services.db["reports"].count == 8  # nothing the person wrote is lost
    for n in (1, 2, 3):
        await head.wait_for(lambda r, n=n: f"flood number {n}" in (r["text"] or ""))
    held = reports_text.held_summary("Tess", [f"R-000{n}" for n in range(4, 9)])
    summary = await head.wait_for(lambda r: r["text"] == held)
    assert "R-0004" in summary["text"] and "R-0008" in summary["text"]
    await head.no_reply(wait=1.0)
    assert all("summarised" in [e.kind for e in reports.events(services.db, i)] for i in range(4, 9))
    await head.send("/queue")
    [queue] = await head.replies()
    assert "R-0001" in queue["text"] and queue["text"] == open_queue(services, people.head_teacher)
    assert page(range(8), 0, report_record.LIST_PAGE).count == 2
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
    assert (
        report_record.acknowledge_one("R-0003"),
        cb.ReviewAction("ack", 3, tag(services, 3)).data,
    ) in escalated["reply_markup"]
    await deputy.no_reply(wait=0.8)
    texts = [r["text"] for r in await head.replies(count=6, timeout=10)]
    reminding = review_text.reminder_heading(services.config.escalation.renotify_minutes)
    assert sum(t.startswith(reminding) for t in texts) == 1
    await head.no_reply(wait=0.5)
    await deputy.tap(cb.ReviewAction("ack", 3, tag(services, 3)).data, escalated["message_id"])
    await deputy.wait_for(lambda r: r["text"] == review_text.acknowledged_reply("R-0003"))


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
    await head.wait_for(lambda r: r["text"] == review_text.acknowledged_reply("R-0001"))
    await asyncio.sleep(0.3)
    edited = await dsl.message(dsl_alert["message_id"])
    assert [cb.parse(data) for _, data in edited["reply_markup"]] == after_acknowledge(tag(services, 1))

    outcome = await step(dsl, dsl_alert, cb.ReviewAction("res", 1, tag(services, 1)).data)
    why = await step(dsl, outcome, cb.Outcome("safeguarding").data)
    assert why["text"] == review_text.ask_reason(reports.OUTCOMES["safeguarding"]) and "'" not in why["text"]
    await dsl.send("Referred to children's services.")
    [confirm] = await dsl.replies()
    await dsl.tap(cb.ResolveConfirm(True).data, confirm["message_id"])
    await dsl.wait_for(lambda r: r["text"] == review_text.resolved_reply("R-0001"))
    await asyncio.sleep(0.3)
    for user, alert in ((head, head_alert), (dsl, dsl_alert)):
        now_shown = await user.message(alert["message_id"])
        assert now_shown["reply_markup"] == []
        assert now_shown["text"] == f"{alert['text']}\n\n{review_text.alert_resolved('R-0001')}"


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
    assert receipt["text"] == reports_text.report_receipt("R-0001", ["head_teacher"], urgent=False)
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
    await head.wait_for(lambda r: r["text"] == review_text.acknowledged_reply("R-0001"))
    await teacher.wait_for(lambda r: r["text"] == reports_text.acknowledged_notice("R-0001", "head_teacher"))

    await head.send("/show R-0001")
    shown = await head.wait_for(lambda r: r.get("photo") is None)
    assert shown["raw"]["message"].get("protect_content") in (True, "true")
    text = plain(shown["text"])
    assert photo_id not in text and "file-" not in text
    assert str(people.head_teacher) not in text and "(escalation)" not in text
    assert report_record.EVENT_WORDS["delivered"] in text and ROLE_TITLES["head_teacher"] in text
    photo = await head.wait_for(lambda r: r.get("photo") is not None)
    assert photo["raw"]["message"].get("protect_content") in (True, "true")
    await head.send("/export")
    document = await head.wait_for(lambda r: r.get("document") is not None)
    assert document["raw"]["message"].get("protect_content") in (True, "true")

    await teacher.send("/show R-0001")
    mine = await teacher.wait_for(lambda r: r.get("photo") is None)
    assert [mine["text"]] == show_pages(services, 1, people.teacher)  # the reporter's own view
    text = plain(mine["text"])
    assert report_record.EVENT_WORDS["acknowledged"] in text and ROLE_TITLES["head_teacher"] in text
    assert str(people.head_teacher) not in text and "Hana" not in text


async def test_invites_have_a_per_person_limit(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services(limits={"writes_per_minute": 2}))
    await running_bot(services)
    head = make_user(services, people.head_teacher, "Hana")
    for _ in range(3):
        await head.send("/invite")
    texts = [r["text"] for r in await head.replies(count=3)]
    codes = [row["code"] for row in services.db["invites"].rows]
    assert len(codes) == 2 and all(code in text for code, text in zip(codes, texts, strict=False))
    assert texts[-1] == access_text.write_limited("invites", 2)
