"""A report's notifications: written to the outbox with the report, and their fate in its trail."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import sqlite_utils

from .. import outbox
from ..clock import stamp
from .audit import add_event
from .notices import Notice, Notices


def notify(
    db: sqlite_utils.Database,
    report_id: int | None,
    recipients: Iterable[int],
    notice: Notice,
    purpose: str,
    *,
    at: datetime | None = None,
) -> list[int]:
    """One outbox row per recipient, in the caller's transaction; returns their ids."""
    return [
        outbox.enqueue(
            db,
            recipient_id=uid,
            text=notice.text,
            purpose=purpose,
            buttons=notice.buttons,
            report_id=report_id,
            at=at,
        )
        for uid in recipients
    ]


def _record(db: sqlite_utils.Database, outbox_id: int, kind: str, failed: bool) -> None:
    """Append `kind` to the trail of the report an outbox row announced (if it announced one)."""
    row = db.execute(
        "select report_id, recipient_id, purpose, sent_at, last_error from outbox where id = ?", [outbox_id]
    ).fetchone()
    if not row or row[0] is None:
        return
    detail: dict[str, object] = {"to": row[1], "purpose": row[2]}
    if failed:
        detail["error"] = row[4]
    detail["outbox_id"] = outbox_id
    at = stamp() if failed else (row[3] or stamp())
    add_event(db, row[0], kind, at, None, None, json.dumps(detail))


def record_delivery(db: sqlite_utils.Database, outbox_id: int, *, notices: Notices) -> None:
    """outbox.mark_sent's `after` hook: a 'delivered' event in the same transaction; when the
    last urgent alert of a report is delivered, the reporter is told (then, not before)."""
    _record(db, outbox_id, "delivered", failed=False)
    row = db.execute("select report_id, purpose from outbox where id = ?", [outbox_id]).fetchone()
    if not row or row[0] is None or row[1] != "urgent":
        return
    counts = db.execute(
        "select count(*), sum(status = 'sent') from outbox where report_id = ? and purpose = 'urgent'",
        [row[0]],
    ).fetchone()
    if counts[0] != counts[1]:
        return
    reporter = db.execute("select reporter_id from reports where id = ?", [row[0]]).fetchone()
    notify(db, row[0], [reporter[0]], notices.urgent_delivered(row[0], counts[0]), "delivered_notice")


def record_delivery_failure(db: sqlite_utils.Database, outbox_id: int) -> None:
    """outbox.mark_failed's `after_give_up` hook: a 'delivery_failed' event with the error."""
    _record(db, outbox_id, "delivery_failed", failed=True)
