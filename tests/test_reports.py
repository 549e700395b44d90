"""Unit tests of the reports domain (bot.reports) and the outbox (bot.outbox): no Telegram.

Why: routing, visibility and the audit trail are the safeguarding-critical rules; they are
plain functions over SQLite, so every rule is pinned here quickly and exactly.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from helpers import plain

from bot import outbox, reports
from bot.config import PeopleConfig
from bot.reports import Evidence, NewReport, Result
from bot.storage import open_db
from bot.text import callbacks as cb
from bot.text import report_record
from bot.text import telegram as tg
from bot.text.notices import NOTICES
from bot.text.pages import page

HEAD, DEPUTY, DSL, CHAIR, TEACHER, TEACHER2 = 1, 2, 3, 4, 101, 102
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def people() -> PeopleConfig:
    return PeopleConfig(
        head_teacher=[HEAD], deputy=[DEPUTY], dsl=[DSL], chair_of_governors=[CHAIR], staff=[TEACHER, TEACHER2]
    )


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return open_db(tmp_path / "reports.db")


def new(category: str = "harassment", subject: str | None = "parent", **kw: object) -> NewReport:
    values: dict = {
        "reporter_id": TEACHER,
        "reporter_name": "Alice Teacher",
        "category": category,
        "subject": subject,
        "place": "Facebook",
        "description": "A parent posted about me.",
    }
    values.update(kw)
    return NewReport(**values)


def recipients_of(db: sqlite_utils.Database, report_id: int) -> list[int]:
    return [
        r[0]
        for r in db.execute(
            "select recipient_id from outbox where report_id = ?"
            " and purpose in ('escalation', 'urgent') order by id",
            [report_id],
        ).fetchall()
    ]


# -- routing --------------------------------------------------------------------------------------


def test_routing_table_rules() -> None:
    assert reports.route("harassment", "parent") == (["head_teacher"], [])
    assert reports.route("safeguarding", "pupil") == (["head_teacher", "dsl"], [])
    assert reports.route("indecent_image", "unknown") == (["head_teacher", "dsl"], [])
    assert reports.route("harassment", "head_teacher") == (["chair_of_governors"], ["head_teacher"])
    assert reports.route("safeguarding", "head_teacher") == (["dsl", "chair_of_governors"], ["head_teacher"])
    assert reports.route("triage", None) == (["head_teacher", "dsl"], [])  # unclassified: the DSL too


def test_every_report_reaches_the_head(db: sqlite_utils.Database, people: PeopleConfig) -> None:
    created = reports.create_report(db, people, new(), at=T0, notices=NOTICES)
    assert created.report.reference == "R-0001"
    assert created.recipients == [(HEAD, "head_teacher")]
    assert recipients_of(db, created.report.id) == [HEAD]


def test_safeguarding_and_indecent_image_also_reach_the_dsl(db, people) -> None:
    for category in ("safeguarding", "indecent_image"):
        created = reports.create_report(db, people, new(category, "pupil"), at=T0, notices=NOTICES)
        assert recipients_of(db, created.report.id) == [HEAD, DSL]
        assert created.report.urgent
        assert (
            db.execute("select purpose from outbox where report_id = ?", [created.report.id]).fetchone()[0]
            == "urgent"
        )


def test_report_about_the_head_goes_to_the_chair_instead(db, people) -> None:
    created = reports.create_report(db, people, new("staff_post", "head_teacher"), at=T0, notices=NOTICES)
    assert recipients_of(db, created.report.id) == [CHAIR]
    assert not reports.can_review(db, people, created.report.id, HEAD)
    assert reports.can_review(db, people, created.report.id, CHAIR)
    assert reports.queue(db, people, HEAD) == []
    assert report_record.render_show(db, people, created.report.id, HEAD) is None


def test_head_who_is_also_dsl_never_sees_a_report_about_the_head(db) -> None:
    people = PeopleConfig(head_teacher=[HEAD], dsl=[HEAD], chair_of_governors=[CHAIR])
    created = reports.create_report(db, people, new("safeguarding", "head_teacher"), at=T0, notices=NOTICES)
    assert recipients_of(db, created.report.id) == [CHAIR]
    assert not reports.can_review(db, people, created.report.id, HEAD)


def test_no_chair_configured_falls_back_to_the_deputy(db) -> None:
    people = PeopleConfig(head_teacher=[HEAD], deputy=[DEPUTY])
    created = reports.create_report(db, people, new("harassment", "head_teacher"), at=T0, notices=NOTICES)
    assert recipients_of(db, created.report.id) == [DEPUTY]
    assert HEAD not in recipients_of(db, created.report.id)


def test_chair_does_not_see_reports_not_routed_to_them(db, people) -> None:
    ordinary = reports.create_report(db, people, new(), at=T0, notices=NOTICES)
    about_head = reports.create_report(db, people, new("harassment", "head_teacher"), at=T0, notices=NOTICES)
    assert [r.id for r in reports.queue(db, people, CHAIR)] == [about_head.report.id]
    assert [r.id for r in reports.queue(db, people, HEAD)] == [ordinary.report.id]
    assert reports.queue(db, people, DSL) == []
    assert report_record.render_show(db, people, ordinary.report.id, CHAIR) is None


# -- creating -------------------------------------------------------------------------------------


def test_create_is_one_transaction(db, people, monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing the outbox fails, neither the report nor its event exists."""

    def boom(*_a: object, **_k: object) -> int:
        raise sqlite3.OperationalError("disk full")

    monkeypatch.setattr(outbox, "enqueue", boom)
    with pytest.raises(sqlite3.OperationalError):
        reports.create_report(db, people, new(), at=T0, notices=NOTICES)
    for table in ("reports", "report_events", "report_routes", "outbox"):
        assert db.execute(f"select count(*) from {table}").fetchone()[0] == 0


def test_created_event_and_evidence(db, people) -> None:
    shots = (
        Evidence("photo", "file-1", "2026-03-02T08:55:00+00:00", "u1"),
        Evidence("document", "file-2", "2026-03-02T08:56:00+00:00"),
    )
    created = reports.create_report(db, people, new(evidence=shots), at=T0, notices=NOTICES)
    report = reports.get_report(db, created.report.id)
    assert report is not None and report.evidence == shots and report.status == "open"
    [event] = reports.events(db, report.id)
    assert (event.kind, event.actor_id, event.at) == ("created", TEACHER, "2026-03-02T09:00:00.000+00:00")
    text = db.execute("select text from outbox").fetchone()[0]
    assert "R-0001" in text and "Evidence: 2 items sent at" in text and "Alice Teacher" in text


def test_only_reviewers_of_a_report_get_its_evidence_files(db, people) -> None:
    shots = (Evidence("photo", "file-1", "2026-03-02T08:55:00+00:00"),)
    created = reports.create_report(db, people, new(evidence=shots), at=T0, notices=NOTICES)
    rid = created.report.id
    assert reports.evidence_for(db, people, rid, HEAD) == list(shots)
    assert reports.evidence_for(db, people, rid, TEACHER) == []  # the reporter's reduced view
    assert reports.evidence_for(db, people, rid, CHAIR) == []  # not routed to the chair
    assert reports.evidence_for(db, people, rid + 99, HEAD) == []  # no such report


def test_indecent_image_report_refuses_media(db, people) -> None:
    with pytest.raises(ValueError):
        reports.create_report(
            db, people, new("indecent_image", evidence=(Evidence("photo", "f", "t"),)), notices=NOTICES
        )
    created = reports.create_report(db, people, new("indecent_image"), at=T0, notices=NOTICES)
    text = db.execute("select text from outbox where report_id = ?", [created.report.id]).fetchone()[0]
    assert "URGENT" in text and "locked cupboard" in text and "Police" in text


def test_invalid_input_is_refused(db, people) -> None:
    with pytest.raises(ValueError):
        reports.create_report(db, people, new("made_up"), notices=NOTICES)
    with pytest.raises(ValueError):
        reports.create_report(db, people, new(subject="aliens"), notices=NOTICES)
    with pytest.raises(ValueError):
        reports.create_report(db, people, new(description="   "), notices=NOTICES)


def test_html_is_escaped_and_long_text_is_cut_for_display_but_stored_whole(db, people) -> None:
    description = "<b>not bold</b> & مرحبا 👋🏽 " + "x" * 5000
    created = reports.create_report(
        db, people, new(description=description, place="<script>"), at=T0, notices=NOTICES
    )
    assert reports.get_report(db, created.report.id).description == description
    text = db.execute("select text from outbox").fetchone()[0]
    assert tg.tg_len(text) <= tg.MESSAGE_LIMIT
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; مرحبا 👋🏽" in text and "&lt;script&gt;" in text
    assert "cut: 5," in text and "/show R-0001" in text
    shown = report_record.render_show(db, people, created.report.id, HEAD)
    assert shown is not None and len(shown) >= 2
    assert all(tg.tg_len(m) <= tg.MESSAGE_LIMIT for m in shown)
    joined = "".join(shown)
    assert joined.count("x") >= 5000


def test_show_comes_a_phone_screen_a_page_with_the_words_whole_and_in_order(db, people) -> None:
    """A long account is read page by page under Previous / Next: no page is longer than a phone
    screen, the words run on from page to page as written, and each heading starts a page's block."""
    words = [f"word{n}" for n in range(400)]
    created = reports.create_report(db, people, new(description=" ".join(words)), at=T0, notices=NOTICES)
    report = created.report
    reports.add_note(db, people, report.id, HEAD, "Hana", "y " * 1000)
    pages = report_record.render_show(db, people, report.id, HEAD)
    assert pages is not None and len(pages) >= 4
    screens = [report_record.show_page(report, pages, n) for n in range(len(pages))]
    assert all(tg.tg_len(text) <= tg.PHONE_SCREEN for text, _rows in screens)
    told = " ".join(plain(page) for page in pages).split()
    assert [w for w in told if w.startswith("word")] == words, "every word once, in order, none cut"
    assert "What happened" in plain(pages[0]) and "word0" in plain(pages[0]), "the account starts at once"
    assert all(not plain(page).rstrip().endswith("History") for page in pages)
    assert "(cut here; /export has it in full)" in plain(pages[-1])
    first_text, first_rows = screens[0]
    assert f"Page 1 of {len(pages)}" in plain(first_text)
    assert [label for label, _data in first_rows[0]] == ["Next ▶"]
    last_text, last_rows = screens[-1]
    assert plain(last_text).startswith(f"R-0001 · Page {len(pages)} of {len(pages)}")
    assert [cb.parse(data) for _label, data in last_rows[0]] == [
        cb.ShowPage(report.id, len(pages) - 2, report.tag)
    ]
    assert report_record.show_page(report, pages, 99)[0] == last_text, "past the end: the last page"


# -- the audit trail ------------------------------------------------------------------------------


def test_events_and_reports_are_append_only(db, people) -> None:
    shot = (Evidence("photo", "file-1", "2026-03-02T08:55:00+00:00"),)
    created = reports.create_report(db, people, new(evidence=shot), at=T0, notices=NOTICES)
    for sql in (
        "update report_events set kind = 'x'",
        "delete from report_events",
        "update reports set description = 'x'",
        "delete from reports",
        "delete from report_routes",
        "update report_evidence set file_id = 'x'",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    assert reports.get_report(db, created.report.id).description == "A parent posted about me."


def test_acknowledge_tells_the_reporter_once(db, people) -> None:
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    assert reports.acknowledge(db, people, rid, CHAIR, "Chair", notices=NOTICES)[0] is Result.NOT_ALLOWED
    assert reports.acknowledge(db, people, rid, TEACHER, "Alice", notices=NOTICES)[0] is Result.NOT_ALLOWED
    result, event = reports.acknowledge(
        db, people, rid, HEAD, "Head", at=T0 + timedelta(minutes=5), notices=NOTICES
    )
    assert result is Result.DONE and event.actor_id == HEAD
    again, first = reports.acknowledge(db, people, rid, HEAD, "Head", notices=NOTICES)
    assert again is Result.ALREADY and first.id == event.id
    assert reports.get_report(db, rid).status == "acknowledged"
    notices = db.execute("select recipient_id, text from outbox where purpose = 'ack_notice'").fetchall()
    assert len(notices) == 1 and notices[0][0] == TEACHER and "the Head Teacher" in notices[0][1]


def test_resolve_needs_reasoning_and_tells_the_outcome_only(db, people) -> None:
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    assert (
        reports.resolve(db, people, rid, HEAD, "Head", "No further action", "  ", notices=NOTICES)
        is Result.INVALID
    )
    assert (
        reports.resolve(
            db,
            people,
            rid,
            HEAD,
            "Head",
            "No further action",
            "Parent apologised; post removed.",
            notices=NOTICES,
        )
        is Result.DONE
    )
    assert reports.resolve(db, people, rid, HEAD, "Head", "x", "y", notices=NOTICES) is Result.ALREADY
    assert reports.acknowledge(db, people, rid, HEAD, "Head", notices=NOTICES)[0] is Result.RESOLVED
    assert reports.get_report(db, rid).status == "resolved"
    [notice] = db.execute(
        "select recipient_id, text from outbox where purpose = 'resolved_notice'"
    ).fetchall()
    assert notice[0] == TEACHER and "No further action" in notice[1] and "apologised" not in notice[1]
    assert reports.queue(db, people, HEAD) == []


def test_notes_and_the_reporter_view(db, people) -> None:
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    assert reports.add_note(db, people, rid, HEAD, "Head", "Spoke to the parent <privately>") is Result.DONE
    assert reports.add_note(db, people, rid, TEACHER, "Alice", "sneaky") is Result.NOT_ALLOWED
    assert reports.add_note(db, people, rid, HEAD, "Head", " ") is Result.INVALID
    full = "".join(report_record.render_show(db, people, rid, HEAD))
    assert "Spoke to the parent &lt;privately&gt;" in full
    mine = "".join(report_record.render_show(db, people, rid, TEACHER))
    assert "R-0001" in mine and "privately" not in mine and "note" not in mine
    assert report_record.render_show(db, people, rid, TEACHER2) is None
    assert report_record.render_show(db, people, 999, HEAD) is None
    assert [r.id for r in reports.my_reports(db, TEACHER)] == [rid]
    assert reports.my_reports(db, TEACHER2) == []


def test_a_question_to_the_head_is_shown_and_listed_as_a_question_not_a_report(db, people) -> None:
    asked = new(category="question", subject=None, place="", description="can I use my phone on the trip?")
    rid = reports.create_report(db, people, asked, at=T0, notices=NOTICES).report.id

    for viewer in (TEACHER, HEAD):
        shown = plain("\n".join(report_record.render_show(db, people, rid, viewer) or []))
        assert "Question R-0001" in shown and "The question" in shown
        assert "Report R-0001" not in shown and "What happened" not in shown
        assert "Who:" not in shown and "Where:" not in shown and "not given" not in shown
    mine = page(reports.my_reports(db, TEACHER), 0, report_record.LIST_PAGE)
    listed = plain(report_record.render_page(mine, "Yours"))
    assert "R-0001" in listed and "not given" not in listed


def test_export_csv_only_visible_reports_and_logs_the_export(db, people) -> None:
    ordinary = reports.create_report(
        db, people, new(description='=HYPERLINK("x")'), at=T0, notices=NOTICES
    ).report.id
    about_head = reports.create_report(
        db, people, new("harassment", "head_teacher"), at=T0, notices=NOTICES
    ).report.id
    reports.add_note(db, people, ordinary, HEAD, "Head", "note one")
    exported = reports.export_reports(db, people, HEAD, "Head", at=T0)
    assert exported.count == 1
    rows = list(csv.DictReader(io.StringIO(exported.history.decode("utf-8-sig"))))
    assert {r["reference"] for r in rows} == {"R-0001"}
    assert [r["event"] for r in rows] == ["created", "note"]
    assert rows[0]["description"].startswith("'=")  # no formula injection
    assert [e.kind for e in reports.events(db, ordinary)][-1] == "exported"
    assert "exported" not in [e.kind for e in reports.events(db, about_head)]
    assert reports.export_reports(db, people, TEACHER, "Alice").count == 0


def test_incidents_export_is_one_row_per_report_in_a_safeguarding_systems_words(db, people) -> None:
    """What a DSL pastes into CPOMS or MyConcern: the incident's own date, what was done, the
    outcome, and the reference the report has there once it was recorded."""
    late = new(
        "safeguarding",
        "pupil",
        description="+44 7700 900123 kept messaging",
        happened="last Tuesday",
        happened_on="2026-02-24",
    )
    rid = reports.create_report(db, people, late, at=T0, notices=NOTICES).report.id
    reports.create_report(
        db, people, new("other", None, happened="Just now", happened_on="2026-03-02"), at=T0, notices=NOTICES
    )
    reports.acknowledge(db, people, rid, HEAD, "Hana Head", at=T0 + timedelta(minutes=5), notices=NOTICES)
    reports.add_note(db, people, rid, HEAD, "Hana Head", "Phoned the parent.", at=T0 + timedelta(minutes=9))
    assert (
        reports.resolve(
            db,
            people,
            rid,
            DSL,
            "Dee Lead",
            reports.OUTCOMES["recorded"],
            "Logged for the DSL's follow-up there.",
            at=T0 + timedelta(hours=2),
            external_reference=" CP-2026-0117 ",
            notices=NOTICES,
        )
        is Result.DONE
    )
    exported = reports.export_reports(db, people, HEAD, "Hana Head", at=T0)
    rows = list(csv.DictReader(io.StringIO(exported.incidents.decode("utf-8-sig"))))
    assert [r["Reference"] for r in rows] == ["R-0001", "R-0002"]
    first, second = rows
    assert first["Date of incident"] == "24/02/2026" and first["Time of incident"] == ""
    assert first["When it happened (as reported)"] == "last Tuesday"
    assert (first["Date reported"], first["Time reported"]) == ("02/03/2026", "09:00")
    assert first["Details"].startswith("'+44")  # a spreadsheet would run it as a formula
    assert first["Actions taken"].splitlines() == [
        "02/03/2026 09:05 Acknowledged by Hana Head",
        "02/03/2026 09:09 Note by Hana Head: Phoned the parent.",
        "02/03/2026 11:00 Resolved by Dee Lead: Recorded in the school's safeguarding system",
    ]
    assert first["Outcome"] == "Recorded in the school's safeguarding system"
    assert first["Safeguarding system reference"] == "CP-2026-0117"
    assert (first["Resolved by"], first["Date resolved"]) == ("Dee Lead", "02/03/2026 11:00")
    assert second["Time of incident"] == "09:00" and second["Status"] == "open"
    assert second["Outcome"] == "" and second["Actions taken"] == ""
    assert "CP-2026-0117" in "".join(report_record.render_show(db, people, rid, DSL))
    assert "CP-2026-0117" not in "".join(report_record.render_show(db, people, rid, TEACHER))
    [notice] = db.execute("select text from outbox where purpose = 'resolved_notice'").fetchall()
    assert "CP-2026-0117" not in notice[0]


def test_parse_reference() -> None:
    assert reports.parse_reference("R-0042") == 42
    assert reports.parse_reference("r42") == 42
    assert reports.parse_reference("42") == 42
    assert reports.parse_reference("R-0") is None
    assert reports.parse_reference("R-42; drop table") is None
    assert reports.parse_reference("") is None


# -- re-notify and escalation ---------------------------------------------------------------------


def test_renotify_then_deputy(db, people) -> None:
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    assert reports.escalate_overdue(db, people, 30, at=T0 + timedelta(minutes=29), notices=NOTICES) == []
    first = reports.escalate_overdue(db, people, 30, at=T0 + timedelta(minutes=30), notices=NOTICES)
    assert [
        db.execute("select recipient_id, purpose from outbox where id = ?", [i]).fetchone() for i in first
    ] == [(HEAD, "renotify")]
    assert reports.escalate_overdue(db, people, 30, at=T0 + timedelta(minutes=45), notices=NOTICES) == []
    second = reports.escalate_overdue(db, people, 30, at=T0 + timedelta(minutes=60), notices=NOTICES)
    assert [
        db.execute("select recipient_id, purpose from outbox where id = ?", [i]).fetchone() for i in second
    ] == [(DEPUTY, "escalated")]
    assert reports.can_review(db, people, rid, DEPUTY)
    assert reports.escalate_overdue(db, people, 30, at=T0 + timedelta(minutes=600), notices=NOTICES) == []
    kinds = [e.kind for e in reports.events(db, rid)]
    assert kinds == ["created", "renotified", "escalated"]


def test_a_deputy_who_is_also_a_recipient_gets_one_message_when_both_steps_fall_due_together(db) -> None:
    """No chair: a report about the Head goes to the deputy, and after a pause (the bot was down)
    the reminder and the escalation fall due in one tick: one message, the escalation."""
    people = PeopleConfig(head_teacher=[HEAD], deputy=[DEPUTY], staff=[TEACHER])
    reports.create_report(db, people, new("harassment", "head_teacher"), at=T0, notices=NOTICES)

    ids = reports.escalate_overdue(db, people, 30, at=T0 + timedelta(hours=3), notices=NOTICES)

    sent = [db.execute("select recipient_id, purpose from outbox where id = ?", [i]).fetchone() for i in ids]
    assert sent == [(DEPUTY, "escalated")]


def test_acknowledged_reports_are_not_renotified(db, people) -> None:
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    reports.acknowledge(db, people, rid, HEAD, "Head", at=T0 + timedelta(minutes=1), notices=NOTICES)
    assert reports.escalate_overdue(db, people, 30, at=T0 + timedelta(hours=5), notices=NOTICES) == []


def test_renotify_about_the_head_never_reaches_the_head(db, people) -> None:
    reports.create_report(db, people, new("harassment", "head_teacher"), at=T0, notices=NOTICES)
    ids = reports.escalate_overdue(db, people, 30, at=T0 + timedelta(minutes=30), notices=NOTICES)
    ids += reports.escalate_overdue(db, people, 30, at=T0 + timedelta(minutes=60), notices=NOTICES)
    who = [db.execute("select recipient_id from outbox where id = ?", [i]).fetchone()[0] for i in ids]
    assert who == [CHAIR, DEPUTY]


# -- outbox ---------------------------------------------------------------------------------------


def test_outbox_claim_is_exclusive_and_sent_rows_never_return(db, people) -> None:
    created = reports.create_report(db, people, new("safeguarding", "pupil"), at=T0, notices=NOTICES)
    rows = outbox.claim_due(db, at=T0)
    assert sorted(r.recipient_id for r in rows) == [HEAD, DSL]
    assert rows[0].buttons == [
        [
            ("Acknowledge", cb.ReviewAction("ack", created.report.id, created.report.tag).data),
            ("Add note", cb.ReviewAction("note", created.report.id, created.report.tag).data),
            ("Resolve", cb.ReviewAction("res", created.report.id, created.report.tag).data),
        ],
        [("Ask the reporter", cb.AskReporter(created.report.id, created.report.tag).data)],
    ]
    assert outbox.claim_due(db, at=T0) == []  # already claimed
    for row in rows:
        assert outbox.mark_sent(
            db, row.id, 10 + row.id, at=T0, after=functools.partial(reports.record_delivery, notices=NOTICES)
        )
        assert not outbox.mark_sent(db, row.id, 99, at=T0)  # twice: refused
    assert outbox.recover_interrupted(db) == 0
    assert outbox.claim_due(db, at=T0 + timedelta(days=1)) == []
    assert [e.kind for e in reports.events(db, created.report.id)] == ["created", "delivered", "delivered"]


def test_outbox_backoff_and_recovery(db, people) -> None:
    reports.create_report(db, people, new(), at=T0, notices=NOTICES)
    backoff = outbox.Backoff(base=1, factor=2, cap=5)
    [row] = outbox.claim_due(db, at=T0)
    assert outbox.mark_failed(db, row.id, "Bad Gateway", backoff=backoff, at=T0) == outbox.PENDING
    assert outbox.claim_due(db, at=T0 + timedelta(seconds=0.9)) == []
    [row] = outbox.claim_due(db, at=T0 + timedelta(seconds=1))
    outbox.mark_failed(db, row.id, "Bad Gateway", backoff=backoff, at=T0 + timedelta(seconds=1))
    assert outbox.claim_due(db, at=T0 + timedelta(seconds=2.9)) == []  # 2 s after the 2nd failure
    [row] = outbox.claim_due(db, at=T0 + timedelta(seconds=3))
    assert row.attempts == 2
    assert [backoff.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    # a crash now: the row stays 'sending' until start-up recovers it (or its lease runs out)
    assert outbox.claim_due(db, at=T0 + timedelta(seconds=60)) == []
    [stale] = outbox.claim_due(db, at=T0 + timedelta(seconds=3 + 301))
    assert stale.id == row.id
    assert outbox.recover_interrupted(db) == 1
    [again] = outbox.claim_due(db, at=T0 + timedelta(hours=1))
    assert again.id == row.id


def test_outbox_gives_up_on_permanent_errors(db, people) -> None:
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    backoff = outbox.Backoff(base=0, max_permanent_attempts=2)
    [row] = outbox.claim_due(db, at=T0)
    assert (
        outbox.mark_failed(db, row.id, "Forbidden", permanent=True, backoff=backoff, at=T0) == outbox.PENDING
    )
    [row] = outbox.claim_due(db, at=T0)
    status = outbox.mark_failed(
        db,
        row.id,
        "Forbidden: bot was blocked",
        permanent=True,
        backoff=backoff,
        at=T0,
        after_give_up=reports.record_delivery_failure,
    )
    assert status == outbox.FAILED
    assert outbox.counts(db) == {"failed": 1}
    failed = reports.events(db, rid)[-1]
    assert failed.kind == "delivery_failed" and "blocked" in json.loads(failed.detail)["error"]


# -- incidents in questions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a pupil just sent me a friend request",
        "A parent is posting about me on Facebook",
        "A Year 9 student has sent me a message on Instagram, what should I do?",
        "I found photos of pupils on a colleague's public TikTok",
        "Someone has shared the class list on a WhatsApp group",
        "I'm being harassed by a parent on Twitter",
        "a parent posted a photo of my car yesterday",
    ],
)
def test_looks_like_incident(text: str) -> None:
    assert reports.looks_like_incident(text)


@pytest.mark.parametrize(
    "text",
    [
        "Can I accept a friend request from a pupil?",
        "What should I do if a parent posts about me?",
        "Am I allowed to use my phone on a school trip?",
        "Who do I report misuse of social media to?",
        "What is the policy on photographs of children?",
        "hello",
        "",
    ],
)
def test_does_not_look_like_incident(text: str) -> None:
    assert not reports.looks_like_incident(text)


class Plain:
    """Notices in bare words: the domain stores whatever it is given, worded nowhere by itself."""

    def alert(self, report: reports.Report) -> reports.Notice:
        return reports.Notice(f"alert {report.id}", [[("Look", f"look:{report.id}")]])

    def overdue(self, step: str, minutes: float, listed: list[reports.Report]) -> reports.Notice:
        return reports.Notice(f"{step} after {minutes:g}: {[r.id for r in listed]}")

    def acknowledged(self, report: reports.Report, role: str) -> reports.Notice:
        return reports.Notice(f"ack {report.id} by {role}")

    def resolved(self, report: reports.Report, role: str, outcome: str) -> reports.Notice:
        return reports.Notice(f"resolved {report.id}: {outcome}")

    def to_reporter(self, report: reports.Report, role: str, text: str) -> reports.Notice:
        return reports.Notice(text)

    def from_reporter(self, report: reports.Report, reporter_name: str, text: str) -> reports.Notice:
        return reports.Notice(text)

    def held(self, reporter_name: str, report_ids: list[int]) -> reports.Notice:
        return reports.Notice(f"held {report_ids}")

    def urgent_delivered(self, report_id: int, count: int) -> reports.Notice:
        return reports.Notice(f"delivered {report_id} to {count}")


def test_the_domain_stores_the_words_its_notices_give_with_each_outbox_row(db, people) -> None:
    words = Plain()
    rid = reports.create_report(db, people, new(), at=T0, notices=words).report.id
    reports.acknowledge(db, people, rid, HEAD, "Head", at=T0, notices=words)
    reports.escalate_overdue(db, people, 10, at=T0 + timedelta(hours=1), notices=words)
    reports.resolve(db, people, rid, HEAD, "Head", "nfa", "why", at=T0, notices=words)
    rows = db.execute("select purpose, text, buttons from outbox order by id").fetchall()
    assert [(purpose, text, json.loads(buttons or "null")) for purpose, text, buttons in rows] == [
        ("escalation", f"alert {rid}", [[["Look", f"look:{rid}"]]]),
        ("ack_notice", f"ack {rid} by head_teacher", None),
        ("resolved_notice", f"resolved {rid}: nfa", None),
    ]


def test_deliveries_in_a_row_are_one_line_of_the_history(db, people) -> None:
    """Seen before: seven of a report's thirteen history lines were "Alert delivered"."""
    rid = reports.create_report(db, people, new("safeguarding", "pupil"), at=T0, notices=NOTICES).report.id
    for row in outbox.claim_due(db, at=T0):
        outbox.mark_sent(db, row.id, 1, after=functools.partial(reports.record_delivery, notices=NOTICES))
    reports.acknowledge(db, people, rid, HEAD, "Head", at=T0 + timedelta(minutes=5), notices=NOTICES)

    shown = plain("\n".join(report_record.render_show(db, people, rid, HEAD) or []))
    history = shown.split("History", 1)[1].strip().splitlines()
    assert len(history) == 3, history  # reported, the deliveries, acknowledged
    assert "2 messages delivered to" in history[1] and "–" not in history[1], "one time when it is one"
    assert "the Designated Safeguarding Lead" in history[1] and "the Head Teacher" in history[1]
    assert "Acknowledged" in history[2]
