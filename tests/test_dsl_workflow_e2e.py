"""What a DSL's safeguarding workflow expects, end to end against the Bot API emulator.

Why: a DSL working in CPOMS or MyConcern needs one more fact from the reporter before acting,
answers questions staff sent to the Head Teacher, and records where a report went. Each of
those is a conversation between two real people over Telegram; only the real stack shows that
the message arrives, that the answer comes back to the right person, and that both end up in
the report's history and export.
"""

from __future__ import annotations

import csv
import io

import pytest
from helpers import all_pages, plain, tag
from test_reports_e2e import data_of, events_of, eventually, fast, guided_report, labels, show_pages, step

from bot import outbox, reports
from bot.text import callbacks as cb
from bot.text import exchange as exchange_text
from bot.text import questions as questions_text
from bot.text import report_record
from bot.text import reports as reports_text
from bot.text import review as review_text
from bot.text.common import ROLE_TITLES
from bot.text.notices import NOTICES

pytestmark = pytest.mark.e2e


async def filed(teacher, head, category: str = "harassment", subject: str = "parent") -> dict:
    """A report filed by `teacher`; returns the Head Teacher's alert."""
    summary = await guided_report(teacher, category, subject, "facebook", "A parent keeps messaging me.")
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await teacher.replies()
    return await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))


async def test_a_message_to_the_reporter_left_unsent_is_put_aside_and_a_later_text_is_a_question(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services(limits={"conversation_minutes": 0.02}))
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    alert = await filed(teacher, head)
    await step(head, alert, cb.AskReporter(1, tag(services, 1)).data)
    put_aside = exchange_text.exchange_put_aside("R-0001", services.config.limits.conversation_minutes)
    await head.wait_for(lambda r: r["text"] == put_aside, timeout=10)
    await head.send("Can I friend an ex-student?")  # a question now, never a message to the reporter
    [answer] = await head.replies(timeout=15)
    assert answer["text"] != exchange_text.confirm_to_reporter("R-0001", "Can I friend an ex-student?")
    assert "to_reporter" not in events_of(services)


async def test_ask_the_reporter_and_their_reply_come_back(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    alert = await filed(teacher, head)
    assert (report_record.ASK_REPORTER, cb.AskReporter(1, tag(services, 1)).data) in alert["reply_markup"]

    prompt = await step(head, alert, cb.AskReporter(1, tag(services, 1)).data)
    assert prompt["text"] == exchange_text.ask_reporter_prompt("R-0001", question=False)
    await head.send("Did you keep a screenshot of the messages?")
    [confirm] = await head.replies()
    assert confirm["text"] == exchange_text.confirm_to_reporter(
        "R-0001", "Did you keep a screenshot of the messages?"
    )
    assert labels(confirm) == [exchange_text.SEND, exchange_text.DO_NOT_SEND]
    await head.tap(cb.ExchangeConfirm(True).data, confirm["message_id"])
    [queued] = await head.replies()
    assert queued["text"] == exchange_text.to_reporter_queued("R-0001")

    asked = await teacher.wait_for(lambda r: "screenshot" in (r["text"] or ""))
    assert asked["text"] == exchange_text.to_reporter(
        "R-0001", "head_teacher", "Did you keep a screenshot of the messages?"
    )
    assert "Hana" not in plain(asked["text"]) and labels(asked) == [exchange_text.REPLY]
    # The golden wording check: the reporter is told who asks by role, in these words.
    assert "The Head Teacher asks about your report R-0001" in plain(asked["text"])
    assert asked["raw"]["message"].get("protect_content") in (True, "true")
    # writing to the reporter acknowledges the report: no one is reminded of it any more
    assert reports.get_report(services.db, 1).status == "acknowledged"

    prompt = await step(teacher, asked, data_of(asked, "rep:reply:"))
    assert prompt["text"] == exchange_text.reply_prompt("R-0001")
    await teacher.send("Yes, three of them. I can send them now.")
    [confirm] = await teacher.replies()
    assert confirm["text"] == exchange_text.confirm_reply(
        "R-0001", "Yes, three of them. I can send them now."
    )
    await teacher.tap(cb.ExchangeConfirm(True).data, confirm["message_id"])
    [stored] = await teacher.replies()
    assert stored["text"] == exchange_text.reply_queued("R-0001", 1)

    reply = await head.wait_for(lambda r: "three of them" in (r["text"] or ""))
    assert reply["text"] == exchange_text.from_reporter(
        "R-0001", "Tess", "Yes, three of them. I can send them now."
    )
    assert data_of(reply, "rep:ask:") == cb.AskReporter(1, tag(services, 1)).data  # the Head can answer back
    assert events_of(services).count("to_reporter") == 1 and events_of(services).count("from_reporter") == 1

    # both are in the record: the reviewer's /show, and the reporter's own view
    await eventually(lambda: set(outbox.counts(services.db)) == {"sent"})
    expected = show_pages(services, 1, people.head_teacher)
    await head.send("/show R-0001")
    first = await head.wait_for(lambda r: r["text"] == expected[0])
    assert await all_pages(head, first) == expected
    full = "\n".join(plain(page) for page in expected)
    assert "Hana" in full and "Did you keep a screenshot" in full
    assert "Tess" in full and "Yes, three of them" in full
    expected = show_pages(services, 1, people.teacher)
    await teacher.send("/show R-0001")
    first = await teacher.wait_for(lambda r: r["text"] == expected[0])
    assert await all_pages(teacher, first) == expected
    mine = "\n".join(plain(page) for page in expected)
    assert "Did you keep a screenshot" in mine and "Yes, three of them" in mine
    assert ROLE_TITLES["head_teacher"] in mine and "Hana" not in mine  # reviewers by role, never by name


async def test_telegrams_own_reply_needs_no_button(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    await filed(teacher, head)
    assert (
        reports.message_reporter(
            services.db,
            services.config.people,
            1,
            people.head_teacher,
            "Hana",
            "Which parent?",
            notices=NOTICES,
        )
        is reports.Result.DONE
    )
    asked = await teacher.wait_for(lambda r: "Which parent?" in (r["text"] or ""))

    await teacher.send("Jo's mum, in Year 4.", reply_to=asked)
    [stored] = await teacher.replies()
    assert stored["text"] == exchange_text.reply_queued("R-0001", 1)
    reply = await head.wait_for(lambda r: "Jo's mum" in plain(r["text"] or ""))
    assert reply["text"] == exchange_text.from_reporter("R-0001", "Tess", "Jo's mum, in Year 4.")
    # and the Head answers the reply the same way
    await head.send("Thank you, I will call her today.", reply_to=reply)
    [queued] = await head.replies()
    assert queued["text"] == exchange_text.to_reporter_queued("R-0001")
    await teacher.wait_for(lambda r: "call her today" in (r["text"] or ""))
    assert events_of(services).count("to_reporter") == 2


async def test_a_message_typed_by_mistake_is_not_sent(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    alert = await filed(teacher, head)
    await step(head, alert, cb.AskReporter(1, tag(services, 1)).data)
    await head.send("can I friend an ex-student?")  # meant for the policy search
    [confirm] = await head.replies()
    await head.tap(cb.ExchangeConfirm(False).data, confirm["message_id"])
    [dropped] = await head.replies()
    assert dropped["text"] == exchange_text.NOT_SENT
    assert "to_reporter" not in events_of(services)
    await teacher.no_reply(wait=0.3)

    # the reporter cannot reply before anyone wrote to them, even with a forged button
    await teacher.tap(cb.ReplyToReviewer(1, tag(services, 1)).data, alert["message_id"])
    await teacher.no_reply(wait=0.3)
    assert "from_reporter" not in events_of(services)


async def test_a_question_for_the_head_is_answered_to_the_asker(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")

    await teacher.send("What is the menu in the canteen on Friday?")
    [declined] = await teacher.replies(timeout=15)
    await teacher.tap(data_of(declined, "ask:"), declined["message_id"])
    await teacher.replies()
    alert = await head.wait_for(lambda r: "canteen" in (r["text"] or ""))
    assert (report_record.ANSWER, cb.AskReporter(1, tag(services, 1)).data) in alert["reply_markup"]
    assert report_record.ASK_REPORTER not in labels(alert)

    prompt = await step(head, alert, cb.AskReporter(1, tag(services, 1)).data)
    assert prompt["text"] == exchange_text.ask_reporter_prompt("R-0001", question=True)
    await head.send("Fish and chips, as every Friday.")
    [confirm] = await head.replies()
    await head.tap(cb.ExchangeConfirm(True).data, confirm["message_id"])
    await head.replies()

    answer = await teacher.wait_for(lambda r: "Fish and chips" in (r["text"] or ""))
    question = "What is the menu in the canteen on Friday?"
    assert reports.get_report(services.db, 1).description == question
    # told of by its words, as it is no report to the asker
    assert answer["text"] == exchange_text.to_reporter(
        "R-0001", "head_teacher", "Fish and chips, as every Friday.", question=question
    )
    assert "R-0001" not in plain(answer["text"])


async def test_hand_off_to_the_safeguarding_system_with_its_reference(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    dsl = make_user(services, people.dsl, "Dee")
    head = make_user(services, people.head_teacher, "Hana")
    await filed(teacher, head, "safeguarding", "pupil")
    alert = await dsl.wait_for(lambda r: "R-0001" in (r["text"] or ""))

    outcome = await step(dsl, alert, cb.ReviewAction("res", 1, tag(services, 1)).data)
    recorded = reports.OUTCOMES["recorded"]
    assert (recorded, cb.Outcome("recorded").data) in outcome["reply_markup"]
    ask_ref = await step(dsl, outcome, cb.Outcome("recorded").data)
    assert ask_ref["text"] == review_text.ASK_EXTERNAL_REFERENCE
    await dsl.send("CP-2026-0117")
    [why] = await dsl.replies()
    assert why["text"] == review_text.ask_reason(recorded)
    await dsl.send("Logged in CPOMS; the DSL team follows up there.")
    [confirm] = await dsl.replies()
    await dsl.tap(cb.ResolveConfirm(True).data, confirm["message_id"])
    await dsl.wait_for(lambda r: r["text"] == review_text.resolved_reply("R-0001"))
    told = await teacher.wait_for(
        lambda r: r["text"] == reports_text.resolved_notice("R-0001", "dsl", recorded)
    )
    assert "CP-2026-0117" not in told["text"]  # the reference stays with the reviewers

    await dsl.send("/export")
    incidents, _history = await dsl.replies(count=2)
    rows = list(
        csv.DictReader(
            io.StringIO((await dsl.download(incidents["document"]["file_id"])).decode("utf-8-sig"))
        )
    )
    assert rows[0]["Safeguarding system reference"] == "CP-2026-0117"
    assert rows[0]["When it happened (as reported)"] == "Just now"
    assert rows[0]["Outcome"] == "Recorded in the school's safeguarding system"


async def test_replies_share_the_persons_rate_limit(make_services, running_bot, make_user, people) -> None:
    """Each reply alerts a reviewer: a flood of Telegram Replies is held like a flood of questions."""
    services = fast(make_services(limits={"questions_per_minute": 2}))
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    await filed(teacher, head)
    reports.message_reporter(
        services.db, services.config.people, 1, people.head_teacher, "Hana", "Which parent?", notices=NOTICES
    )
    asked = await teacher.wait_for(lambda r: "Which parent?" in (r["text"] or ""))
    for n in range(3):
        await teacher.send(f"reply {n}", reply_to=asked)
    told = await teacher.replies(count=3)
    assert sum(t["text"] == exchange_text.reply_queued("R-0001", 1) for t in told) == 2
    assert told[-1]["text"] == questions_text.rate_limited(2)
    assert events_of(services).count("from_reporter") == 2
