"""Messages between a report's reviewers and its reporter (bot.reports.exchange): no Telegram.

Why: a message about a safeguarding report goes to another person and into the record. Who may
write, who receives a reply, and what each side sees are rules worth pinning exactly.
"""

from __future__ import annotations

import json
from dataclasses import replace

import test_reports
from test_reports import CHAIR, DSL, HEAD, T0, TEACHER, TEACHER2, new

from bot import reports
from bot.reports import Result
from bot.text import callbacks as cb
from bot.text import report_record
from bot.text.notices import NOTICES

db = test_reports.db  # the same fixtures: a real SQLite file, the test school's [people]
people = test_reports.people


def outbox_rows(db, purpose: str) -> list[tuple[int, str, str | None]]:
    return [
        tuple(row)
        for row in db.execute(
            "select recipient_id, text, buttons from outbox where purpose = ? order by id", [purpose]
        ).fetchall()
    ]


def test_a_reviewer_asks_and_the_reporter_hears_by_role(db, people) -> None:
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    assert (
        reports.message_reporter(
            db, people, rid, HEAD, "Hana Head", "  Which <parent>?  ", at=T0, notices=NOTICES
        )
        is Result.DONE
    )
    [(to, text, buttons)] = outbox_rows(db, "to_reporter")
    assert to == TEACHER and "The Head Teacher asks about your report <b>R-0001</b>" in text
    assert "Which &lt;parent&gt;?" in text and "Hana" not in text
    assert json.loads(buttons) == [[["Reply", cb.ReplyToReviewer(rid, reports.get_report(db, rid).tag).data]]]
    # writing acknowledged the open report, without a second notice to the reporter
    assert reports.get_report(db, rid).status == "acknowledged"
    assert outbox_rows(db, "ack_notice") == []
    [event] = [e for e in reports.events(db, rid) if e.kind == "to_reporter"]
    assert json.loads(event.detail) == {"text": "Which <parent>?", "role": "head_teacher"}


def test_only_reviewers_of_the_report_may_write_and_never_an_empty_message(db, people) -> None:
    rid = reports.create_report(
        db, people, new(), at=T0, notices=NOTICES
    ).report.id  # harassment: not the DSL's
    assert (
        reports.message_reporter(db, people, rid, TEACHER2, "Bob", "hello", notices=NOTICES)
        is Result.NOT_ALLOWED
    )
    assert (
        reports.message_reporter(db, people, rid, DSL, "Dee", "hello", notices=NOTICES) is Result.NOT_ALLOWED
    )
    assert reports.message_reporter(db, people, rid, HEAD, "Hana", "   ", notices=NOTICES) is Result.INVALID
    assert "to_reporter" not in [e.kind for e in reports.events(db, rid)]
    assert reports.get_report(db, rid).status == "open"


def test_the_reporter_replies_only_when_asked_and_only_to_who_asked(db, people) -> None:
    rid = reports.create_report(db, people, new("safeguarding", "pupil"), at=T0, notices=NOTICES).report.id
    assert (
        reports.reply_from_reporter(db, people, rid, TEACHER, "Tess", "unprompted", notices=NOTICES)[0]
        is Result.NOT_ALLOWED
    )
    reports.message_reporter(db, people, rid, DSL, "Dee", "Is she safe tonight?", at=T0, notices=NOTICES)
    assert (
        reports.reply_from_reporter(db, people, rid, TEACHER2, "Bob", "not mine", notices=NOTICES)[0]
        is Result.NOT_ALLOWED
    )
    assert (
        reports.reply_from_reporter(db, people, rid, TEACHER, "Tess", " ", notices=NOTICES)[0]
        is Result.INVALID
    )
    result, to = reports.reply_from_reporter(
        db, people, rid, TEACHER, "Tess", "Yes, with her aunt.", at=T0, notices=NOTICES
    )
    assert (result, to) == (Result.DONE, [DSL])  # not the Head, who was sent the alert but did not ask
    [(recipient, text, buttons)] = outbox_rows(db, "from_reporter")
    assert (
        recipient == DSL
        and "Tess" in text
        and "with her aunt" in text
        and cb.AskReporter(rid, reports.get_report(db, rid).tag).data in buttons
    )


def test_a_reply_never_reaches_someone_who_may_no_longer_review(db, people) -> None:
    rid = reports.create_report(db, people, new("safeguarding", "pupil"), at=T0, notices=NOTICES).report.id
    reports.message_reporter(db, people, rid, DSL, "Dee", "One question.", at=T0, notices=NOTICES)
    moved_on = replace(people, dsl=[])  # the DSL left and was taken out of [people]
    assert (
        reports.reply_from_reporter(db, moved_on, rid, TEACHER, "Tess", "An answer.", notices=NOTICES)[0]
        is Result.NOT_ALLOWED
    )
    assert outbox_rows(db, "from_reporter") == []


def test_a_report_about_the_head_keeps_the_head_out_of_its_messages(db, people) -> None:
    rid = reports.create_report(
        db, people, new("harassment", "head_teacher"), at=T0, notices=NOTICES
    ).report.id
    assert (
        reports.message_reporter(db, people, rid, HEAD, "Hana", "What did I do?", notices=NOTICES)
        is Result.NOT_ALLOWED
    )
    assert (
        reports.message_reporter(db, people, rid, CHAIR, "Cho", "When was this?", notices=NOTICES)
        is Result.DONE
    )
    assert reports.reply_from_reporter(db, people, rid, TEACHER, "Tess", "Monday.", notices=NOTICES)[1] == [
        CHAIR
    ]


def test_an_escalated_question_is_answered_in_the_askers_words(db, people) -> None:
    question = new("question", None, description="Can I wear trainers on the trip?", source="question")
    rid = reports.create_report(db, people, question, at=T0, notices=NOTICES).report.id
    reports.message_reporter(db, people, rid, HEAD, "Hana", "Yes, with the school hoodie.", notices=NOTICES)
    [(_to, text, _buttons)] = outbox_rows(db, "to_reporter")
    assert (
        "answers your question “Can I wear trainers on the trip?”" in text
        and "report" not in text.split("Tap")[0]
    )


def test_both_sides_see_the_exchange_in_the_history(db, people) -> None:
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    reports.message_reporter(db, people, rid, HEAD, "Hana Head", "Which parent?", notices=NOTICES)
    reports.reply_from_reporter(db, people, rid, TEACHER, "Tess", "Jo's mum.", notices=NOTICES)
    full = "".join(report_record.render_show(db, people, rid, HEAD))
    assert "Message to the reporter</b> by Hana Head: Which parent?" in full
    assert (
        "Reply from the reporter</b> by Tess: Jo's mum." in full
    )  # quotes need no escaping in Telegram HTML
    mine = "".join(report_record.render_show(db, people, rid, TEACHER))
    assert "Message to the reporter</b> by the Head Teacher: Which parent?" in mine
    assert "Reply from the reporter</b> by you" in mine and "Hana" not in mine


def test_a_telegram_reply_is_matched_only_to_its_own_recipient(db, people) -> None:
    from bot import outbox

    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    reports.message_reporter(db, people, rid, HEAD, "Hana", "Which parent?", at=T0, notices=NOTICES)
    row_id = db.execute("select id from outbox where purpose = 'to_reporter'").fetchone()[0]
    outbox.claim_due(db, at=T0)
    outbox.mark_sent(db, row_id, 555, at=T0)
    assert reports.conversation_of(db, TEACHER, 555) == (rid, "to_reporter")
    assert reports.conversation_of(db, TEACHER2, 555) is None  # same message id, another chat
    assert reports.conversation_of(db, TEACHER, 556) is None


def test_a_long_reply_is_kept_whole_in_the_record_though_its_alert_is_cut(db, people) -> None:
    """Telegram takes 4,096 characters a message: the record keeps all of them, as the alert's
    "/export has it in full" promises."""
    rid = reports.create_report(db, people, new("safeguarding", "pupil"), at=T0, notices=NOTICES).report.id
    reports.message_reporter(db, people, rid, DSL, "Dee", "What exactly did he say?", at=T0, notices=NOTICES)
    long = ("He said that nobody at home would notice if he did not come back. " * 60)[:3960].strip()
    assert reports.reply_from_reporter(db, people, rid, TEACHER, "Tess", long, at=T0, notices=NOTICES)[0] is (
        Result.DONE
    )
    [detail] = [r[0] for r in db.execute("select detail from report_events where kind = 'from_reporter'")]
    assert json.loads(detail)["text"] == long
    [(_recipient, text, _buttons)] = outbox_rows(db, "from_reporter")
    assert len(text) <= 4096 and "/export has it in full" in text
