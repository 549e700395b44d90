"""Misuse reports end to end: the real Application against the Bot API emulator.

Why: the promise is "from a school trip to the Head Teacher's queue, with nothing lost". Only
the real python-telegram-bot stack (ConversationHandler, persistence, JobQueue, HTTP) can show
that the flow works tap by tap, that a restart or a failing Telegram loses nothing and sends
nothing twice, and that nobody sees a report not routed to them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json

import pytest
from e2e_harness import TelegramUser, run_application
from helpers import all_pages, labels, plain, stored_alert, tag

from bot import outbox, reports
from bot.app import build_application
from bot.context import Services
from bot.reports import happened
from bot.text import access as access_text
from bot.text import callbacks as cb
from bot.text import common as common_text
from bot.text import report_record
from bot.text import reports as reports_text
from bot.text import review as review_text
from bot.text import telegram as tg
from bot.text.notices import NOTICES
from bot.text.pages import page

pytestmark = pytest.mark.e2e


# What stays under report 1's alert once it is acknowledged: Add note, Resolve, Ask the reporter.
def after_acknowledge(tag: str) -> list[cb.Callback]:
    """The buttons left under report 1's alert once it is acknowledged."""
    return [cb.ReviewAction("note", 1, tag), cb.ReviewAction("res", 1, tag), cb.AskReporter(1, tag)]


def fast(services: Services) -> Services:
    """Drain the outbox every 0.1 s and retry quickly, as production does every second."""
    services.tick_seconds = 0.1
    services.backoff = outbox.Backoff(base=0.1, factor=2, cap=1)
    return services


ALERT_BUTTONS = [
    report_record.ACKNOWLEDGE,
    report_record.ADD_NOTE,
    report_record.RESOLVE,
    report_record.ASK_REPORTER,
]


def summary_text(services: Services, report_id: int = 1, files: int = 0) -> str:
    """The reporter's check before Send, for the report as it was then filed."""
    report = reports.get_report(services.db, report_id)
    assert report is not None
    return reports_text.report_summary(
        what=reports.CATEGORIES[report.category],
        who=reports.SUBJECTS[report.subject or ""],
        where=report.place or "",
        happened=happened.describe(report.happened, report.happened_on),
        description=report.description,
        indecent_image=report.category == reports.INDECENT_IMAGE,
        files=files,
    )


def show_pages(services: Services, report_id: int, viewer: int) -> list[str]:
    """/show's pages for `viewer`, as the bot pages them."""
    report = reports.get_report(services.db, report_id)
    pages = report_record.render_show(services.db, services.config.people, report_id, viewer)
    assert report is not None and pages is not None
    return [report_record.show_page(report, pages, n)[0] for n in range(len(pages))]


def data_of(reply: dict, prefix: str) -> str:
    found = [data for _label, data in reply["reply_markup"] if data.startswith(prefix)]
    assert found, f"no button {prefix!r} in {reply['reply_markup']!r}"
    return found[0]


async def step(user: TelegramUser, reply: dict, data: str) -> dict:
    """Tap `data` on `reply` and return the bot's next new message."""
    await user.tap(data, reply["message_id"])
    [nxt] = await user.replies()
    return nxt


async def guided_report(
    user: TelegramUser, category: str, subject: str, place: str, text: str | None, when: str = "now"
) -> dict:
    """/report, four taps, the text: returns the summary message with its Send button."""
    await user.send("/report")
    [what] = await user.replies()
    assert what["text"] == reports_text.REPORT_STEP_WHAT
    who = await step(user, what, cb.ReportChoice("cat", category).data)
    if category == reports.INDECENT_IMAGE:
        assert who["text"] == reports_text.INDECENT_IMAGE_WARNING
        assert "locked cupboard" in who["text"]  # the policy's own step
        [who] = await user.replies()
    assert who["text"] == reports_text.REPORT_STEP_WHO
    where = await step(user, who, cb.ReportChoice("who", subject).data)
    assert where["text"] == reports_text.REPORT_STEP_WHERE
    happened = await step(user, where, cb.ReportChoice("where", place).data)
    if place == "other":  # the caller types the place
        return happened
    assert happened["text"] == reports_text.REPORT_STEP_WHEN
    nxt = await step(user, happened, cb.ReportChoice("when", when).data)
    if text is None:
        return nxt
    assert nxt["text"] == reports_text.REPORT_STEP_DESCRIBE
    await user.send(text)
    [summary] = await user.replies()
    assert reports_text.CHECK_HEADING in summary["text"]
    return summary


def events_of(services: Services, report_id: int = 1) -> list[str]:
    return [e.kind for e in reports.events(services.db, report_id)]


async def eventually(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


# -- reporting ------------------------------------------------------------------------------------


async def test_guided_flow_from_a_school_trip(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")

    summary = await guided_report(
        teacher,
        "pupil_contact",
        "pupil",
        "school_trip",
        "A Year 8 pupil sent me a friend request on the coach.",
    )
    photo_id = await teacher.send_photo(caption=None)
    [kept] = await teacher.replies()
    assert kept["text"] == reports_text.evidence_kept(1)
    await teacher.tap(data_of(kept, cb.ReportSend().data), kept["message_id"])
    [receipt] = await teacher.replies()
    assert receipt["text"] == reports_text.report_receipt("R-0001", ["head_teacher"], urgent=False)
    assert summary["reply_markup"][0] == (reports_text.SEND_REPORT, cb.ReportSend().data)

    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    report = reports.get_report(services.db, 1)
    assert report is not None and [e.file_id for e in report.evidence] == [photo_id]
    assert report.evidence[0].sent_at
    assert alert["text"] == stored_alert(services)
    text = plain(alert["text"])
    for expected in (
        reports.CATEGORIES["pupil_contact"],
        reports.SUBJECTS["pupil"],
        reports.PLACES["school_trip"],
        "Tess",
        "friend request on the coach",
        f"{happened.today():%d/%m/%Y}",
    ):
        assert expected in text
    assert (report.happened, report.happened_on) == (happened.CHOICES["now"], happened.today().isoformat())
    assert summary["text"] == summary_text(services)
    assert labels(alert) == ALERT_BUTTONS
    assert [cb.parse(data) for _, data in alert["reply_markup"]] == [
        cb.ReviewAction("ack", 1, tag(services, 1)),
        *after_acknowledge(tag(services, 1)),
    ]
    await eventually(lambda: "delivered" in events_of(services))
    await head.no_reply(wait=0.4)  # exactly one message

    # /show gives the Head the screenshot itself, re-sent by its Telegram file id
    await head.send("/show R-0001")
    shown = await head.wait_for(lambda r: r.get("photo") is not None)
    assert shown["photo"][0]["file_id"] == photo_id
    caption = review_text.evidence_caption("R-0001", 1, 1, report_record.when(report.evidence[0].sent_at))
    assert shown["raw"]["message"].get("caption") == caption
    # the reporter's own view of the report carries no files
    await teacher.send("/show R-0001")
    await teacher.replies(count=1)
    await teacher.no_reply(wait=0.4)
    # the draft is gone once persistence catches up (the Application hands it over every ~1 s)
    await eventually(
        lambda: "report_draft" not in json.dumps([r["data"] for r in services.db["ptb_user_data"].rows])
    )


async def test_one_line_report(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")

    await teacher.send("/report A parent is posting about me on Facebook")
    [receipt] = await teacher.replies()
    assert receipt["text"] == reports_text.report_receipt("R-0001", ["head_teacher", "dsl"], urgent=False)
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert alert["text"] == stored_alert(services) and "posting about me on Facebook" in alert["text"]
    assert reports.CATEGORIES["triage"] in alert["text"]
    assert reports.get_report(services.db, 1).source == "one-line"


async def test_indecent_image_flow_stores_no_media(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    dsl = make_user(services, people.dsl, "Dee")

    await teacher.send("/report")
    [what] = await teacher.replies()
    await teacher.tap(cb.ReportChoice("cat", "indecent_image").data, what["message_id"])
    steps, who = await teacher.replies(count=2)
    assert steps["text"] == reports_text.INDECENT_IMAGE_WARNING
    # the policy's own steps
    assert "save, send" in plain(steps["text"]) and "locked cupboard" in steps["text"]
    assert "Police" in steps["text"]
    assert who["text"] == reports_text.REPORT_STEP_WHO

    photo_id = await teacher.send_photo(b"\xff\xd8 not really an image \xff\xd9")
    [refused] = await teacher.replies()
    assert refused["text"] == reports_text.MEDIA_REFUSED
    # The golden wording check: whatever else is reworded, the refusal says the file was not kept.
    assert "not stored or forwarded" in plain(refused["text"])
    document_id = await teacher.send_document("image.jpg", b"data", mime_type="image/jpeg")
    [refused_again] = await teacher.replies()
    assert refused_again["text"] == reports_text.MEDIA_REFUSED

    where = await step(teacher, who, cb.ReportChoice("who", "pupil").data)
    happened = await step(teacher, where, cb.ReportChoice("where", "snapchat").data)
    describe = await step(teacher, happened, cb.ReportChoice("when", "today").data)
    assert describe["text"] == reports_text.REPORT_STEP_DESCRIBE
    await teacher.send("A pupil showed me an image on Snapchat; I have locked the phone away.")
    [summary] = await teacher.replies()
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    [receipt] = await teacher.replies()
    assert summary["text"] == summary_text(services)  # the one that says no files are accepted
    assert receipt["text"] == reports_text.report_receipt("R-0001", ["head_teacher", "dsl"], urgent=True)

    for person in (head, dsl):
        alert = await person.wait_for(lambda r: "R-0001" in (r["text"] or ""))
        assert alert["text"] == stored_alert(services) and "locked cupboard" in alert["text"]
        assert reports.get_report(services.db, 1).urgent
        await person.no_reply(wait=0.2)
    # the files are nowhere: not in the report, the outbox, the drafts or the audit trail
    assert reports.get_report(services.db, 1).evidence == ()
    for table in ("report_evidence", "report_events", "outbox", "ptb_user_data", "reports"):
        dump = json.dumps([dict(r) for r in services.db[table].rows])
        assert photo_id not in dump and document_id not in dump, table


async def test_report_about_the_head_goes_to_the_chair(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    chair = make_user(services, people.chair_of_governors, "Cho")

    summary = await guided_report(
        teacher,
        "staff_post",
        "head_teacher",
        "facebook",
        "The Head posted pupils' photos on a personal page.",
    )
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    [receipt] = await teacher.replies()
    assert receipt["text"] == reports_text.report_receipt(
        "R-0001", ["chair_of_governors"], urgent=False, about_head=True
    )
    alert = await chair.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert alert["text"] == stored_alert(services)
    await head.no_reply(wait=0.6)
    await head.send("/queue")
    [queue] = await head.replies()
    assert queue["text"] == report_record.render_page(page([], 0, 1), review_text.QUEUE_TITLE)  # empty
    await head.send("/show R-0001")
    [shown] = await head.replies()
    assert shown["text"] == reports_text.REPORT_NOT_FOUND.format(ref="R-0001")


# -- reviewing ------------------------------------------------------------------------------------


async def test_acknowledge_and_resolve_tell_the_reporter(
    make_services, running_bot, make_user, people, alerts
) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")

    await teacher.send("/report Someone is sharing staff phone numbers on WhatsApp")
    await teacher.replies()
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))

    await head.tap(cb.ReviewAction("ack", 1, tag(services, 1)).data, alert["message_id"])
    [done] = await head.replies()
    assert done["text"] == review_text.acknowledged_reply("R-0001")
    edited = await head.message(alert["message_id"])
    assert [cb.parse(data) for _, data in edited["reply_markup"]] == after_acknowledge(tag(services, 1))
    assert labels(edited) == ALERT_BUTTONS[1:]
    acknowledged = reports_text.acknowledged_notice("R-0001", "head_teacher")
    await teacher.wait_for(lambda r: r["text"] == acknowledged)

    await head.tap(
        cb.ReviewAction("ack", 1, tag(services, 1)).data, alert["message_id"]
    )  # again, from the old keyboard
    [ack] = [e for e in reports.events(services.db, 1) if e.kind == "acknowledged"]
    already = review_text.already_acknowledged("R-0001", "Hana", report_record.when(ack.at))
    await eventually(lambda: already in alerts)

    await head.tap(cb.ReviewAction("note", 1, tag(services, 1)).data, alert["message_id"])
    [ask] = await head.replies()
    assert ask["text"] == review_text.ask_note("R-0001")
    await head.send("Phoned the parent group admin. 📞")
    [confirm] = await head.replies()
    assert confirm["text"] == review_text.confirm_note("R-0001", "Phoned the parent group admin. 📞")
    assert labels(confirm) == [review_text.ADD_NOTE, review_text.DO_NOT_ADD]
    noted = await step(head, confirm, cb.NoteConfirm(True).data)
    assert noted["text"] == review_text.note_added("R-0001")
    chosen = await head.message(confirm["message_id"])
    assert chosen["text"] == common_text.chosen(review_text.NOTE_ADDED_CHOICE)

    nfa = reports.OUTCOMES["nfa"]
    await head.tap(cb.ReviewAction("res", 1, tag(services, 1)).data, alert["message_id"])
    [outcome] = await head.replies()
    assert outcome["text"] == review_text.ask_outcome("R-0001")
    assert (nfa, cb.Outcome("nfa").data) in outcome["reply_markup"]
    why = await step(head, outcome, cb.Outcome("nfa").data)
    assert why["text"] == review_text.ask_reason(nfa)
    await head.send("Numbers removed within the hour; admin warned.")
    [confirm] = await head.replies()
    assert confirm["text"] == review_text.confirm_resolution(
        "R-0001", nfa, "Numbers removed within the hour; admin warned."
    )
    assert labels(confirm) == [review_text.RESOLVE, review_text.RETYPE_REASON]
    resolved = await step(head, confirm, cb.ResolveConfirm(True).data)
    assert resolved["text"] == review_text.resolved_reply("R-0001")
    told = await teacher.wait_for(
        lambda r: r["text"] == reports_text.resolved_notice("R-0001", "head_teacher", nfa)
    )
    assert "admin warned" not in told["text"]  # the outcome only, never the reasoning

    assert [k for k in events_of(services) if k != "delivered"] == [
        "created",
        "acknowledged",
        "note",
        "resolved",
    ]
    await teacher.no_reply(wait=0.3)


async def test_a_message_typed_at_why_is_shown_back_and_resolves_nothing_until_confirmed(
    make_services, running_bot, make_user, people, alerts
) -> None:
    """Seen before: the Head at "Why?", and the Head's next ordinary message ("can I give my
    personal phone number to a parent") became the reasoning; the report closed, the reporter told."""
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    summary = await guided_report(teacher, "harassment", "parent", "facebook", "Abusive comments.")
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await teacher.replies()
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    outcome = await step(head, alert, cb.ReviewAction("res", 1, tag(services, 1)).data)
    await step(head, outcome, cb.Outcome("nfa").data)

    await head.send("can I give my personal phone number to a parent")
    [confirm] = await head.replies()
    assert "can I give my personal phone number" in plain(confirm["text"])
    again = await step(head, confirm, cb.ResolveConfirm(False).data)

    assert again["text"] == review_text.REASON_AGAIN
    assert "resolved" not in events_of(services)
    await head.send("Comments removed; parent spoken to.")
    [confirm] = await head.replies()
    resolved = await step(head, confirm, cb.ResolveConfirm(True).data)
    assert resolved["text"] == review_text.resolved_reply("R-0001")
    await head.tap(cb.ResolveConfirm(True).data, confirm["message_id"])  # a double tap
    await eventually(lambda: common_text.BUTTON_EXPIRED in alerts)
    assert events_of(services).count("resolved") == 1
    [event] = [e for e in reports.events(services.db, 1) if e.kind == "resolved"]
    assert event.data["reasoning"] == "Comments removed; parent spoken to."


async def test_renotify_then_deputy(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services(escalation={"renotify_minutes": 0.01}))  # 0.6 s
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    deputy = make_user(services, people.deputy, "Dan")

    await teacher.send("/report A parent is threatening me on TikTok")
    await teacher.replies()
    first = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert first["text"] == stored_alert(services)
    reminding = review_text.reminder_heading(services.config.escalation.renotify_minutes)
    reminder = await head.wait_for(lambda r: (r["text"] or "").startswith(reminding))
    assert reminder["text"] == f"{reminding}\n\n{stored_alert(services)}"
    assert labels(reminder) == ALERT_BUTTONS
    escalated = await deputy.wait_for(lambda r: review_text.ESCALATED_TO_YOU in (r["text"] or ""))
    assert escalated["text"].endswith(stored_alert(services))
    # the deputy may now act on it
    await deputy.tap(cb.ReviewAction("ack", 1, tag(services, 1)).data, escalated["message_id"])
    [acknowledged] = await deputy.replies()
    assert acknowledged["text"] == review_text.acknowledged_reply("R-0001")
    await teacher.wait_for(lambda r: r["text"] == reports_text.acknowledged_notice("R-0001", "deputy"))
    await asyncio.sleep(0.5)
    await head.no_reply(wait=0.2)
    await deputy.send("/queue")
    [queue] = await deputy.replies()
    assert review_text.QUEUE_TITLE in queue["text"]
    assert "R-0001" in queue["text"] and reports.get_report(services.db, 1).status in queue["text"]


async def test_queue_show_export_and_refusals(make_services, running_bot, make_user, people, alerts) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    teacher2 = make_user(services, people.teacher2, "Theo")
    head = make_user(services, people.head_teacher, "Hana")

    await teacher.send("/report First: a pupil followed me on Instagram")
    await teacher.replies()
    await teacher2.send("/report Second: =cmd| a post about the school")
    await teacher2.replies()
    await head.wait_for(lambda r: "R-0002" in (r["text"] or ""))

    await head.send("/queue")
    [queue] = await head.replies()
    assert review_text.QUEUE_TITLE in queue["text"]
    assert queue["text"].index("R-0001") < queue["text"].index("R-0002")

    await eventually(lambda: events_of(services, 2).count("delivered") == 2)  # the Head and the DSL
    await head.send("/show R-0002")
    [shown] = await head.replies()
    assert "Second: =cmd| a post" in plain(shown["text"])
    assert [shown["text"]] == show_pages(services, 2, people.head_teacher)  # the full record

    await head.send("/export")
    incidents, document = await head.replies(count=2)
    assert incidents["document"]["file_name"].endswith("-incidents.csv")
    assert document["document"]["file_name"].endswith("-history.csv")
    rows = list(
        csv.DictReader(
            io.StringIO((await head.download(incidents["document"]["file_id"])).decode("utf-8-sig"))
        )
    )
    assert [r["Reference"] for r in rows] == ["R-0001", "R-0002"]
    rows = list(
        csv.DictReader(
            io.StringIO((await head.download(document["document"]["file_id"])).decode("utf-8-sig"))
        )
    )
    assert {r["reference"] for r in rows} == {"R-0001", "R-0002"}
    assert {"created", "delivered"} <= {r["event"] for r in rows}
    assert events_of(services, 1)[-1] == "exported"

    # staff: refused the reviewers' commands, see only their own reports
    for reviewers_only in ("/queue", "/export"):
        await teacher.send(reviewers_only)
        [refused] = await teacher.replies()
        assert refused["text"] == access_text.role_refusal(reports.REVIEWER_ROLES)
    await teacher.send("/show R-0002")
    [hidden] = await teacher.replies()
    assert hidden["text"] == reports_text.REPORT_NOT_FOUND.format(ref="R-0002")
    await teacher.send("/show R-0001")
    [mine] = await teacher.replies()
    assert "First: a pupil followed me" in mine["text"]
    # the reporter's own reduced view, not the reviewers' record
    assert [mine["text"]] == show_pages(services, 1, people.teacher)
    assert [mine["text"]] != show_pages(services, 1, people.head_teacher)
    await teacher.send("/myreports")
    [listing] = await teacher.replies()
    assert reports_text.MY_REPORTS in listing["text"]
    assert "R-0001" in listing["text"] and "R-0002" not in listing["text"]

    # a stranger gets the refusal, nothing else
    stranger = make_user(services, people.stranger, "Sam")
    await stranger.send("/report something")
    [refusal] = await stranger.replies()
    assert plain(refusal["text"]) == plain(access_text.refusal(services.config.school.name, people.stranger))
    assert reports.get_report(services.db, 3) is None


# -- reliability ----------------------------------------------------------------------------------


async def test_restart_between_storing_and_sending(make_services, emulator, make_user, people) -> None:
    """The crash: the report and its outbox rows were committed, nothing was sent. A fresh
    Application on the same database sends the Head Teacher exactly one message."""
    services = fast(make_services())
    created = reports.create_report(
        services.db,
        services.config.people,
        reports.NewReport(
            reporter_id=people.teacher,
            reporter_name="Tess",
            category="harassment",
            subject="parent",
            place="Facebook",
            description="Stored before a crash.",
        ),
        notices=NOTICES,
    )
    [row_id] = created.outbox_ids
    head = make_user(services, people.head_teacher, "Hana")
    # a second report whose row was claimed ('sending') when the process died
    second = reports.create_report(
        services.db,
        services.config.people,
        reports.NewReport(
            reporter_id=people.teacher,
            reporter_name="Tess",
            category="other",
            subject="unknown",
            description="Claimed, then the crash.",
        ),
        notices=NOTICES,
    )
    claimed = outbox.claim_due(services.db)
    assert {r.id for r in claimed} == {row_id, *second.outbox_ids}
    services.db.execute("update outbox set status = 'pending', claimed_at = null where id = ?", [row_id])

    async with run_application(build_application(services, base_url=emulator.base_url), poll_interval=0.05):
        first = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
        again = await head.wait_for(lambda r: "R-0002" in (r["text"] or ""))
        assert "Stored before a crash." in first["text"] and "Claimed" in again["text"]
        await head.no_reply(wait=0.6)
    assert outbox.counts(services.db) == {"sent": 2}

    # and another restart sends nothing again
    async with run_application(build_application(services, base_url=emulator.base_url), poll_interval=0.05):
        await head.no_reply(wait=0.6)
    assert [k for k in events_of(services, 1)] == ["created", "delivered"]


async def test_telegram_failing_for_a_while(make_services, running_bot, make_user, people, emulator) -> None:
    services = fast(make_services())
    await running_bot(services)
    head = make_user(services, people.head_teacher, "Hana")
    await asyncio.sleep(0.2)
    emulator.fail_send_message(4)
    created = reports.create_report(
        services.db,
        services.config.people,
        reports.NewReport(
            reporter_id=people.teacher,
            reporter_name="Tess",
            category="reputation",
            subject="public",
            description="A review site post during an outage.",
        ),
        notices=NOTICES,
    )
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""), timeout=10)
    assert "outage" in alert["text"]
    await head.no_reply(wait=0.5)
    row = services.db.execute(
        "select status, attempts from outbox where id = ?", created.outbox_ids
    ).fetchone()
    assert row == ("sent", 4)
    assert events_of(services).count("delivered") == 1


async def test_half_filled_report_survives_a_restart(make_services, emulator, make_user, people) -> None:
    services = fast(make_services())
    teacher = make_user(services, people.teacher, "Tess")
    async with run_application(build_application(services, base_url=emulator.base_url), poll_interval=0.05):
        await teacher.send("/report")
        [what] = await teacher.replies()
        who = await step(teacher, what, cb.ReportChoice("cat", "data_leak").data)
    async with run_application(build_application(services, base_url=emulator.base_url), poll_interval=0.05):
        where = await step(teacher, who, cb.ReportChoice("who", "staff").data)
        happened = await step(teacher, where, cb.ReportChoice("where", "whatsapp").data)
        describe = await step(teacher, happened, cb.ReportChoice("when", "now").data)
        await teacher.send("A colleague shared a class list in a parents' group.")
        [summary] = await teacher.replies()
        await teacher.tap(cb.ReportSend().data, summary["message_id"])
        [receipt] = await teacher.replies()
        assert "R-0001" in receipt["text"] and describe["text"] == reports_text.REPORT_STEP_DESCRIBE
    report = reports.get_report(services.db, 1)
    assert (report.category, report.subject, report.place) == ("data_leak", "staff", "WhatsApp")


# -- bad input ------------------------------------------------------------------------------------


async def test_long_emoji_and_rtl_text(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    description = "مرحبا بالعالم 👩🏽‍🏫 <i>&amp;</i> " + "🙂 long words " * 400  # > 5,000 characters
    assert len(description) > 5000

    summary = await guided_report(teacher, "harassment", "parent", "other", None)
    assert summary["text"] == reports_text.REPORT_STEP_WHERE_TEXT
    await teacher.send("Parents' forum ‏(منتدى)")
    [when_step] = await teacher.replies()
    typed = await step(teacher, when_step, cb.ReportChoice("when", "other").data)
    assert plain(typed["text"]) == plain(reports_text.REPORT_STEP_WHEN_TEXT)
    await teacher.send("31/02")  # no such day: asked again, nothing lost
    [again] = await teacher.replies()
    with pytest.raises(happened.NotADay) as no_day:
        happened.from_words("31/02")
    assert again["text"] == reports_text.not_a_day(str(no_day.value))
    await teacher.send("the Friday before half term")  # words we cannot date are kept as typed
    [describe] = await teacher.replies()
    assert describe["text"] == reports_text.REPORT_STEP_DESCRIBE
    await teacher.send(description)
    [summary] = await teacher.replies()
    assert tg.tg_len(summary["text"]) <= 4096
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await teacher.replies()

    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert tg.tg_len(alert["text"]) <= 4096 and alert["text"] == stored_alert(services)  # cut to fit
    assert len(plain(alert["text"])) < len(description)
    assert "&lt;i&gt;&amp;amp;&lt;/i&gt;" in alert["text"] and "مرحبا بالعالم 👩🏽‍🏫" in alert["text"]
    assert reports.get_report(services.db, 1).description == description.strip()  # whole, but trimmed
    assert reports.get_report(services.db, 1).place == "Parents' forum ‏(منتدى)"
    assert reports.get_report(services.db, 1).happened == "the Friday before half term"
    assert reports.get_report(services.db, 1).happened_on is None

    await head.send("/show R-0001")
    [first] = await head.replies()
    pages = await all_pages(head, first)  # a phone screen a page, Next ▶ to the end
    assert len(pages) >= 9 and pages == show_pages(services, 1, people.head_teacher)
    assert all(tg.tg_len(plain(page)) <= tg.PHONE_SCREEN for page in pages)
    told = " ".join(plain(page) for page in pages)
    assert told.count("long") == 400 and told.count("words") == 400, "the account whole, over the pages"


async def test_forged_callback_data(make_services, running_bot, make_user, people, alerts) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    teacher2 = make_user(services, people.teacher2, "Theo")
    head = make_user(services, people.head_teacher, "Hana")
    chair = make_user(services, people.chair_of_governors, "Cho")

    await teacher.send("/report A pupil added me on Snapchat")
    [receipt] = await teacher.replies()
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    # a question of teacher's, for the "Report this" button
    services.db["questions"].insert(
        {
            "user_id": people.teacher,
            "asked_at": "2026-01-01T00:00:00+00:00",
            "text": "a pupil just sent me a friend request",
            "answered": 1,
        }
    )

    forged = [
        (teacher, cb.ReviewAction("ack", 1, tag(services, 1)).data, receipt),  # staff acknowledging
        (
            teacher2,
            cb.ReviewAction("res", 1, tag(services, 1)).data,
            receipt,
        ),  # staff resolving someone's report
        (chair, cb.ReviewAction("ack", 1, tag(services, 1)).data, receipt),  # not routed to the chair
        (chair, cb.ReviewAction("note", 1, tag(services, 1)).data, receipt),
        (head, cb.ReviewAction("ack", 999).data, alert),  # no such report
        (head, "rep:zap:1", alert),  # made-up action
        (head, cb.ReportChoice("cat", "made_up").data, alert),  # flow button outside the flow
        (teacher2, cb.ReportThis(1).data, receipt),  # someone else's question
        (teacher, cb.ReportThis(999).data, receipt),
        (head, "rep:ack:" + "9" * 40, alert),
    ]
    for user, data, message in forged:
        before = len(alerts)
        await user.tap(data, message["message_id"])
        await eventually(lambda before=before: len(alerts) > before)
    assert all(a == common_text.BUTTON_EXPIRED for a in alerts), alerts
    assert events_of(services) == ["created", "delivered", "delivered"]  # the Head and the DSL
    await chair.no_reply(wait=0.2)
    await teacher2.no_reply(wait=0.1)

    # the real "Report this" button: the question becomes the description
    await teacher.tap(cb.ReportThis(1).data, receipt["message_id"])
    [what] = await teacher.replies()
    await teacher.tap(cb.ReportChoice("cat", "made_up").data, what["message_id"])  # forged inside the flow
    await eventually(lambda: len(alerts) == len(forged) + 1)
    who = await step(teacher, what, cb.ReportChoice("cat", "pupil_contact").data)
    where = await step(teacher, who, cb.ReportChoice("who", "pupil").data)
    happened = await step(teacher, where, cb.ReportChoice("where", "instagram").data)
    summary = await step(teacher, happened, cb.ReportChoice("when", "now").data)
    assert "a pupil just sent me a friend request" in summary["text"]
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    [receipt2] = await teacher.replies()
    assert "R-0002" in receipt2["text"]
    report = reports.get_report(services.db, 2)
    assert report.source == "question" and report.description == "a pupil just sent me a friend request"


async def test_cancel_anywhere(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    summary = await guided_report(teacher, "other", "unknown", "tiktok", "Something odd.")
    await teacher.send("/cancel")
    [cancelled] = await teacher.replies()
    assert cancelled["text"] == reports_text.REPORT_CANCELLED
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    await teacher.no_reply(wait=0.4)
    assert reports.get_report(services.db, 1) is None


async def test_receipt_survives_a_failing_telegram(
    make_services, running_bot, make_user, people, emulator
) -> None:
    """The direct reply with the reference fails: the report is stored anyway and the
    reference arrives through the outbox; the Head Teacher still gets exactly one alert (and the
    DSL one: a one-line report is not classified)."""
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    await asyncio.sleep(0.2)
    emulator.fail_send_message(2)
    await teacher.send("/report A parent filmed me at the school gate and posted it")
    receipt = await teacher.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    assert receipt["text"] == reports_text.report_receipt("R-0001", ["head_teacher", "dsl"], urgent=False)
    await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    await head.no_reply(wait=0.5)
    await teacher.no_reply(wait=0.1)
    assert outbox.counts(services.db) == {"sent": 3}  # the Head's alert, the DSL's, the receipt


async def test_double_tap_on_send_files_one_report(make_services, running_bot, make_user, people) -> None:
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    summary = await guided_report(teacher, "reputation", "public", "tiktok", "A video mocking the school.")
    await asyncio.gather(
        teacher.tap(cb.ReportSend().data, summary["message_id"]),
        teacher.tap(cb.ReportSend().data, summary["message_id"]),
    )
    [receipt] = await teacher.replies()
    assert "R-0001" in receipt["text"]
    await teacher.no_reply(wait=0.5)
    assert reports.get_report(services.db, 2) is None
