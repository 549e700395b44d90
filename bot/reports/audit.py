"""The audit trail of a report: events appended, never changed (triggers refuse it), and read back."""

from __future__ import annotations

import sqlite_utils

from .records import Event


def add_event(
    db: sqlite_utils.Database,
    report_id: int,
    kind: str,
    at: str,
    actor_id: int | None = None,
    actor_name: str | None = None,
    detail: str | None = None,
) -> int:
    """Append one event; plain SQL so it joins the caller's transaction."""
    cursor = db.execute(
        "insert into report_events (report_id, at, kind, actor_id, actor_name, detail)"
        " values (?, ?, ?, ?, ?, ?)",
        [report_id, at, kind, actor_id, actor_name, detail],
    )
    return int(cursor.lastrowid or 0)


def events(db: sqlite_utils.Database, report_id: int) -> list[Event]:
    return [
        Event(*row)
        for row in db.execute(
            "select id, report_id, at, kind, actor_id, actor_name, detail from report_events"
            " where report_id = ? order by id",
            [report_id],
        ).fetchall()
    ]


def first_event(db: sqlite_utils.Database, report_id: int, kind: str) -> Event | None:
    row = db.execute(
        "select id, report_id, at, kind, actor_id, actor_name, detail from report_events"
        " where report_id = ? and kind = ? order by id limit 1",
        [report_id, kind],
    ).fetchone()
    return Event(*row) if row else None


def event_kinds(db: sqlite_utils.Database, report_id: int) -> set[str]:
    return {
        row[0]
        for row in db.execute(
            "select distinct kind from report_events where report_id = ?", [report_id]
        ).fetchall()
    }
