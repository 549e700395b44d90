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
from test_reports_e2e import data_of, events_of, fast, guided_report, step

from bot import reports
from bot.text import callbacks as cb
from bot.text import exchange as exchange_text
from bot.text.notices import NOTICES

pytestmark = pytest.mark.e2e


async def filed(teacher, head, category: str = "harassment", subject: str = "parent") -> dict:
    """A report filed by `teacher`; returns the Head Teacher's alert."""
    summary = await guided_report(teacher, category, subject, "facebook", "A parent keeps messaging me.")
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await teacher.replies()
    return await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))


async def test_ask_the_reporter_and_their_reply_come_back(
    make_services, running_bot, make_user, people
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    alert = await filed(teacher, head)
    assert ("Ask the reporter", cb.AskReporter(1, tag(services, 1)).data) in alert["reply_markup"]

    prompt = await step(head, alert, cb.AskReporter(1, tag(services, 1)).data)
    assert "Type your question" in prompt["text"]
    await head.send("Did you keep a screenshot of the messages?")
    [confirm] = await head.replies()
    assert "Send this to the person who filed R-0001?" in plain(confirm["text"])
    await head.tap(cb.ExchangeConfirm(True).data, confirm["message_id"])
    [queued] = await head.replies()
    assert "queued" in queued["text"] and "R-0001" in queued["text"]

    asked = await teacher.wait_for(lambda r: "screenshot" in (r["text"] or ""))
    text = plain(asked["text"])
    assert "The Head Teacher asks about your report R-0001" in text and "Hana" not in text
    assert asked["raw"]["message"].get("protect_content") in (True, "true")
    # writing to the reporter acknowledges the report: no one is reminded of it any more
    assert reports.get_report(services.db, 1).status == "acknowledged"

    prompt = await step(teacher, asked, data_of(asked, "rep:reply:"))
    assert "Type your reply about R-0001" in prompt["text"]
    await teacher.send("Yes, three of them. I can send them now.")
    [confirm] = await teacher.replies()
    await teacher.tap(cb.ExchangeConfirm(True).data, confirm["message_id"])
    [stored] = await teacher.replies()
    assert "stored with R-0001" in stored["text"]

    reply = await head.wait_for(lambda r: "three of them" in (r["text"] or ""))
    assert "Tess replies about report R-0001" in plain(reply["text"])
    assert data_of(reply, "rep:ask:") == cb.AskReporter(1, tag(services, 1)).data  # the Head can answer back
    assert events_of(services).count("to_reporter") == 1 and events_of(services).count("from_reporter") == 1

    # both are in the record: the reviewer's /show, and the reporter's own view
    await head.send("/show R-0001")
    first = await head.wait_for(lambda r: "Report R-0001" in (r["text"] or ""))
    full = "\n".join(plain(page) for page in await all_pages(head, first))
    assert "Message to the reporter by Hana: Did you keep a screenshot" in full
    assert "Reply from the reporter by Tess: Yes, three of them" in full
    await teacher.send("/show R-0001")
    first = await teacher.wait_for(lambda r: "Report R-0001" in (r["text"] or ""))
    mine = "\n".join(plain(page) for page in await all_pages(teacher, first))
    assert "Message to the reporter by the Head Teacher" in mine
    assert "Reply from the reporter by you" in mine and "Hana" not in mine


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
    assert "stored with R-0001" in stored["text"]
    reply = await head.wait_for(lambda r: "Jo's mum" in plain(r["text"] or ""))
    # and the Head answers the reply the same way
    await head.send("Thank you, I will call her today.", reply_to=reply)
    [queued] = await head.replies()
    assert "queued" in queued["text"]
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
    assert ("Answer", cb.AskReporter(1, tag(services, 1)).data) in alert["reply_markup"]

    prompt = await step(head, alert, cb.AskReporter(1, tag(services, 1)).data)
    assert "Type your answer" in prompt["text"]
    await head.send("Fish and chips, as every Friday.")
    [confirm] = await head.replies()
    await head.tap(cb.ExchangeConfirm(True).data, confirm["message_id"])
    await head.replies()

    answer = await teacher.wait_for(lambda r: "Fish and chips" in (r["text"] or ""))
    text = plain(answer["text"])
    assert "The Head Teacher answers your question “What is the menu in the canteen" in text
    assert "R-0001" not in text and "report" not in text.split("Tap")[0]


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
    assert ("Recorded in the school's safeguarding system", cb.Outcome("recorded").data) in outcome[
        "reply_markup"
    ]
    ask_ref = await step(dsl, outcome, cb.Outcome("recorded").data)
    assert "CPOMS" in ask_ref["text"]
    await dsl.send("CP-2026-0117")
    [why] = await dsl.replies()
    assert "Why?" in why["text"]
    await dsl.send("Logged in CPOMS; the DSL team follows up there.")
    [confirm] = await dsl.replies()
    await dsl.tap(cb.ResolveConfirm(True).data, confirm["message_id"])
    await dsl.wait_for(lambda r: "R-0001 resolved" in (r["text"] or ""))
    told = await teacher.wait_for(lambda r: "resolved" in (r["text"] or ""))
    assert "Recorded in the school's safeguarding system" in plain(told["text"])
    assert "CP-2026-0117" not in told["text"]

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
    assert sum("stored with R-0001" in t["text"] for t in told) == 2
    assert any("wait" in plain(t["text"]).lower() for t in told)
    assert events_of(services).count("from_reporter") == 2
