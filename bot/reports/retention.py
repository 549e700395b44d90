"""Deleting resolved reports after `[storage] report_retention` years: the one exception to
"reports are append-only", and the only code that deletes a report.

Why it is built this way: reports, their evidence, routes and events are append-only because
SQLite triggers refuse UPDATE and DELETE (bot.reports.schema), so no bug or stray statement
anywhere else can change or remove the school's record. A purge has to delete, so inside ONE
transaction it drops the delete triggers, deletes the rows, logs the purge and creates the
triggers again from the same SQL the migration used. SQLite's DDL is transactional: the
transaction holds the write lock throughout, so nothing else can delete while the triggers are
gone, and a failure at any step rolls back the deletes and the dropped triggers alike.

Only resolved reports go, counted from their 'resolved' event; open and acknowledged reports
are never deleted, however old. With a report go its evidence (Telegram file references), routes,
events and outbox rows (the messages about it). Notifications sent (or given up) longer ago than
the retention go too, whatever they are about: their text is a copy, and one of them (a summary
of a burst of reports, filed under the first) can name reports deleted since; the record is the
reports and their events. Each purge that deletes something adds one row to
``report_purges`` (migration 0005_retention, itself append-only): when, the setting, how many
reports and the lowest and highest reference, never anything a report said.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from ..clock import stamp, utc
from ..transactions import transaction
from .schema import IMMUTABLE_TABLES, append_only_trigger, trigger_name

PURGES = "report_purges"
# What holds a report's rows, children first (foreign keys): (table, the column naming the report)
REPORT_ROWS = (
    ("outbox", "report_id"),
    ("report_events", "report_id"),
    ("report_routes", "report_id"),
    ("report_evidence", "report_id"),
    ("reports", "id"),
)


@dataclass(frozen=True)
class Purge:
    """One purge: when (ISO UTC), how many reports went, and the lowest and highest report id."""

    at: str
    reports: int
    lowest: int | None = None
    highest: int | None = None
    notifications: int = 0  # old sent notifications deleted (see the module's docstring)


def migrate_retention(db: sqlite_utils.Database) -> None:
    """The purge log; append-only like the reports, so a purge cannot be hidden afterwards."""
    db.execute(
        f"""
        create table {PURGES} (
            id integer primary key autoincrement,
            purged_at text not null,
            retention_years integer not null,
            reports integer not null,
            lowest_report_id integer not null,
            highest_report_id integer not null
        )
        """
    )
    for action in ("update", "delete"):
        db.execute(append_only_trigger(PURGES, action))


def years_before(moment: datetime, years: int) -> datetime:
    """The same day and time `years` earlier; 29 February becomes 28 February in a common year."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def due(db: sqlite_utils.Database, years: int, at: datetime | None = None) -> list[int]:
    """Ids of the reports resolved more than `years` years before `at`, lowest first."""
    cutoff = stamp(years_before(utc(at), years))
    rows = db.execute(
        "select report_id from report_events where kind = 'resolved'"
        " group by report_id having min(at) < ? order by report_id",
        [cutoff],
    ).fetchall()
    return [row[0] for row in rows]


def purge_resolved(db: sqlite_utils.Database, years: int, at: datetime | None = None) -> Purge:
    """Delete every report resolved more than `years` years ago with all its rows, in one
    transaction; the append-only triggers are back in place when it returns or raises."""
    if years < 1:
        raise ValueError("report retention is at least 1 year")
    moment = stamp(at)
    with transaction(db):
        ids = due(db, years, at)
        sent = _delete_old_notifications(db, stamp(years_before(utc(at), years)))
        if not ids:
            return Purge(moment, 0, notifications=sent)
        _drop_delete_triggers(db)
        _delete_rows(db, ids)
        _record(db, moment, years, ids)
        _create_delete_triggers(db)
    return Purge(moment, len(ids), ids[0], ids[-1], notifications=sent)


def _delete_old_notifications(db: sqlite_utils.Database, cutoff: str) -> int:
    """Outbox rows sent or given up before `cutoff`; a message still waiting is never deleted."""
    cursor = db.execute("delete from outbox where status in ('sent', 'failed') and created_at < ?", [cutoff])
    return int(cursor.rowcount or 0)


def last_purge(db: sqlite_utils.Database) -> Purge | None:
    """The most recent purge that deleted reports, for /status."""
    row = db.execute(
        f"select purged_at, reports, lowest_report_id, highest_report_id from {PURGES}"
        " order by id desc limit 1"
    ).fetchone()
    return Purge(*row) if row else None


def _drop_delete_triggers(db: sqlite_utils.Database) -> None:
    for table in IMMUTABLE_TABLES:
        db.execute(f"drop trigger {trigger_name(table, 'delete')}")


def _create_delete_triggers(db: sqlite_utils.Database) -> None:
    for table in IMMUTABLE_TABLES:
        db.execute(append_only_trigger(table, "delete"))


def _delete_rows(db: sqlite_utils.Database, ids: list[int]) -> None:
    """One statement per table; the ids go in as one JSON array, however many there are."""
    chosen = json.dumps(ids)
    for table, column in REPORT_ROWS:
        db.execute(f"delete from {table} where {column} in (select value from json_each(?))", [chosen])


def _record(db: sqlite_utils.Database, moment: str, years: int, ids: list[int]) -> None:
    db.execute(
        f"insert into {PURGES} (purged_at, retention_years, reports, lowest_report_id, highest_report_id)"
        " values (?, ?, ?, ?, ?)",
        [moment, years, len(ids), ids[0], ids[-1]],
    )
