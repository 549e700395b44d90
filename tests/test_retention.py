"""Report retention (bot.reports.retention) on a real SQLite file.

Why: deleting reports is the one exception to "reports are append-only". These tests pin what
goes (a report resolved longer ago than `[storage] report_retention`, with every row about it),
what stays (open and acknowledged reports however old, recent resolutions, other reports), that
the triggers refuse UPDATE and DELETE again afterwards, that a purge failing halfway changes
nothing, and that the purge log holds numbers, never what a report said.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from bot import outbox, reports
from bot.config import PeopleConfig
from bot.reports import Evidence, NewReport, Result, retention
from bot.storage import open_db
from bot.text.notices import NOTICES

HEAD, TEACHER = 1, 101
T0 = datetime(2019, 3, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
SECRET = "Mr Smith posted my home address"  # a report's words, which must never be logged


@pytest.fixture
def people() -> PeopleConfig:
    return PeopleConfig(head_teacher=[HEAD], staff=[TEACHER])


@pytest.fixture
def db(tmp_path: Path) -> sqlite_utils.Database:
    return open_db(tmp_path / "retention.db")


def file_report(db: sqlite_utils.Database, people: PeopleConfig, at: datetime) -> int:
    """A report with a screenshot, routed to the Head, its alert in the outbox."""
    new = NewReport(
        reporter_id=TEACHER,
        reporter_name="Alice Teacher",
        category="harassment",
        subject="parent",
        place="Facebook",
        description=SECRET,
        evidence=(Evidence("photo", "file-secret", at.isoformat(), "unique-secret"),),
    )
    return reports.create_report(db, people, new, at=at, notices=NOTICES).report.id


def resolve(db: sqlite_utils.Database, people: PeopleConfig, report_id: int, at: datetime) -> None:
    reports.acknowledge(db, people, report_id, HEAD, "Helen Head", at=at - timedelta(days=1), notices=NOTICES)
    reports.add_note(db, people, report_id, HEAD, "Helen Head", "Spoke to the parent", at=at)
    done = reports.resolve(
        db, people, report_id, HEAD, "Helen Head", "Post removed", "Apologised", at=at, notices=NOTICES
    )
    assert done is Result.DONE


def rows_about(db: sqlite_utils.Database, report_id: int) -> dict[str, int]:
    """Rows naming this report in every table with a report_id column, and in reports."""
    counts = {"reports": db.execute("select count(*) from reports where id = ?", [report_id]).fetchone()[0]}
    for table in db.table_names():
        if "report_id" in db[table].columns_dict:
            sql = f"select count(*) from {table} where report_id = ?"
            counts[table] = db.execute(sql, [report_id]).fetchone()[0]
    return counts


def everything(db: sqlite_utils.Database) -> list[str]:
    """The whole database as SQL: every row, table and trigger."""
    return list(db.conn.iterdump())


def triggers(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    return db.execute("select name, sql from sqlite_master where type = 'trigger' order by name").fetchall()


def test_a_report_resolved_longer_ago_than_the_retention_goes_with_every_row_about_it(db, people) -> None:
    old = file_report(db, people, T0)
    resolve(db, people, old, T0 + timedelta(days=10))
    kept = file_report(db, people, T0)  # the same age, still open
    outbox.enqueue(db, recipient_id=HEAD, text="backup failed", purpose="backup_failed")  # about no report
    assert all(rows_about(db, old).values()), "the report has rows in every table before"
    kept_before = rows_about(db, kept)

    purge = reports.purge_resolved(db, years=7, at=NOW)

    assert (purge.reports, purge.lowest, purge.highest) == (1, old, old)
    assert set(rows_about(db, old).values()) == {0}
    assert rows_about(db, kept) == kept_before
    assert db.execute("select count(*) from outbox where report_id is null").fetchone()[0] == 1


def test_old_sent_notifications_go_even_when_filed_under_a_report_that_stays(db, people) -> None:
    """A burst of reports gets one summary, filed under the first report; it names the others.
    Once the others are purged, a copy of that summary must not outlive them."""
    kept = file_report(db, people, T0)  # still open: stays
    gone = file_report(db, people, T0)
    resolve(db, people, gone, T0 + timedelta(days=1))
    summary = outbox.enqueue(
        db,
        recipient_id=HEAD,
        text=f"2 reports from Alice Teacher: R-000{kept}, R-000{gone}",
        purpose="summary",
        report_id=kept,
        at=T0,
    )
    waiting = outbox.enqueue(
        db, recipient_id=HEAD, text="not sent yet", purpose="renotify", report_id=kept, at=T0
    )
    for row in outbox.claim_due(db, at=T0):
        if row.id != waiting:
            outbox.mark_sent(db, row.id, 1000 + row.id, at=T0)
    db.execute("update outbox set status = 'pending', claimed_at = null where id = ?", [waiting])
    recent = outbox.enqueue(
        db, recipient_id=HEAD, text="sent last week", purpose="summary", report_id=kept, at=NOW
    )
    outbox.claim_due(db, at=NOW)
    outbox.mark_sent(db, recent, 42, at=NOW)

    purge = reports.purge_resolved(db, years=7, at=NOW)

    left = {row[0] for row in db.execute("select id from outbox").fetchall()}
    assert summary not in left and {waiting, recent} <= left
    assert purge.notifications >= 2  # the summary and the kept report's own old alert
    assert reports.get_report(db, kept) is not None


def test_open_and_acknowledged_reports_stay_however_old(db, people) -> None:
    ancient = T0 - timedelta(days=365 * 30)
    still_open = file_report(db, people, ancient)
    acknowledged = file_report(db, people, ancient)
    reports.acknowledge(db, people, acknowledged, HEAD, "Helen Head", at=ancient, notices=NOTICES)

    purge = reports.purge_resolved(db, years=1, at=NOW)

    assert purge.reports == 0
    assert reports.get_report(db, still_open).status == "open"
    assert reports.get_report(db, acknowledged).status == "acknowledged"


def test_the_years_count_from_the_resolution_not_from_the_report(db, people) -> None:
    filed_long_ago = file_report(db, people, NOW - timedelta(days=365 * 20))
    resolve(db, people, filed_long_ago, NOW - timedelta(days=365 * 6))
    on_the_day = file_report(db, people, T0)
    resolve(db, people, on_the_day, datetime(2019, 6, 15, 3, 1, tzinfo=UTC))  # 7 years less a minute
    a_minute_more = file_report(db, people, T0)
    resolve(db, people, a_minute_more, datetime(2019, 6, 15, 2, 59, tzinfo=UTC))

    purge = reports.purge_resolved(db, years=7, at=NOW)

    assert (purge.reports, purge.lowest, purge.highest) == (1, a_minute_more, a_minute_more)
    assert reports.get_report(db, filed_long_ago) is not None
    assert reports.get_report(db, on_the_day) is not None


def test_the_triggers_refuse_updates_and_deletes_again_after_a_purge(db, people) -> None:
    gone = file_report(db, people, T0)
    resolve(db, people, gone, T0)
    stays = file_report(db, people, T0)
    before = triggers(db)

    assert reports.purge_resolved(db, years=5, at=NOW).reports == 1

    assert triggers(db) == before
    for sql in (
        "delete from reports",
        "delete from report_events",
        "delete from report_routes",
        "delete from report_evidence",
        "update reports set description = 'x'",
        "update report_events set kind = 'x'",
        "delete from report_purges",
        "update report_purges set reports = 0",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)
    assert reports.get_report(db, stays).description == SECRET


def test_a_purge_failing_halfway_leaves_every_row_and_every_trigger(db, people, monkeypatch) -> None:
    old = file_report(db, people, T0)
    resolve(db, people, old, T0)
    before = everything(db)

    def fail(*_args: object) -> None:
        raise RuntimeError("disk full")  # after the rows are deleted, while the triggers are gone

    monkeypatch.setattr(retention, "_record", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        reports.purge_resolved(db, years=7, at=NOW)

    assert not db.conn.in_transaction
    assert everything(db) == before
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from reports")
    monkeypatch.undo()
    assert reports.purge_resolved(db, years=7, at=NOW).reports == 1  # and the next night it works


def test_the_purge_log_holds_numbers_never_content(db, people) -> None:
    first, second = file_report(db, people, T0), file_report(db, people, T0)
    for report_id in (first, second):
        resolve(db, people, report_id, T0)
    assert reports.last_purge(db) is None

    purge = reports.purge_resolved(db, years=7, at=NOW)

    assert reports.last_purge(db) == purge == reports.Purge(NOW.isoformat(timespec="milliseconds"), 2, 1, 2)
    [row] = db.execute("select * from report_purges").fetchall()
    assert [c[0] for c in db.execute("select * from report_purges").description] == [
        "id",
        "purged_at",
        "retention_years",
        "reports",
        "lowest_report_id",
        "highest_report_id",
    ]
    assert row[2:] == (7, 2, first, second)
    for content in (SECRET, "Alice", "Helen", "Facebook", "file-secret", "Post removed", "Spoke"):
        assert not any(content in line for line in everything(db)), content


def test_a_night_with_nothing_to_delete_changes_nothing(db, people) -> None:
    resolve(
        db,
        people,
        file_report(db, people, NOW - timedelta(days=30)),
        NOW - timedelta(days=20),
    )
    before = everything(db)

    purge = reports.purge_resolved(db, years=1, at=NOW)

    assert purge == reports.Purge(NOW.isoformat(timespec="milliseconds"), 0)
    assert everything(db) == before
    assert reports.last_purge(db) is None


def test_less_than_a_year_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1 year"):
        reports.purge_resolved(sqlite_utils.Database(memory=True), years=0)


def test_the_29th_of_february_counts_back_to_the_28th() -> None:
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)
    assert retention.years_before(leap, 1) == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert retention.years_before(leap, 4) == datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
