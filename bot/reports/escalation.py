"""Reports nobody acknowledged: re-notify their recipients after one period, the deputy after two."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial

import sqlite_utils

from .. import messages
from ..clock import stamp, utc
from ..config import PeopleConfig
from ..transactions import transaction
from .audit import add_event, event_kinds
from .delivery import notify
from .queries import barred_roles, get_report, routed_roles, status
from .records import Report
from .render import render_escalation, review_buttons
from .routing import people_in


def escalate_overdue(
    db: sqlite_utils.Database, people: PeopleConfig, renotify_minutes: float, at: datetime | None = None
) -> list[int]:
    """Reports still open (not acknowledged, not resolved): after one period re-notify their
    recipients; after a second period notify the deputy too (routed to them from then on).
    Each step happens once per report and is recorded as an event. Returns new outbox ids."""
    moment = utc(at)
    period = timedelta(minutes=renotify_minutes)
    created_ids: list[int] = []
    open_ids = [
        row[0]
        for row in db.execute(
            "select report_id from report_status where status = 'open' order by report_id"
        ).fetchall()
    ]
    for report_id in open_ids:
        report = get_report(db, report_id)
        assert report is not None
        age = moment - datetime.fromisoformat(report.created_at)
        kinds = event_kinds(db, report_id)
        if age >= period and "renotified" not in kinds:
            created_ids += _step(
                db,
                report,
                moment,
                kind="renotified",
                purpose="renotify",
                heading=messages.reminder_heading(renotify_minutes),
                recipients=partial(_current_recipients, db, people, report_id),
                detail=lambda to: {"to": to},
            )
        if age >= 2 * period and "escalated" not in kinds:
            created_ids += _step(
                db,
                report,
                moment,
                kind="escalated",
                purpose="escalated",
                heading=messages.escalated_heading(2 * renotify_minutes),
                recipients=partial(_route_to_deputy, db, people, report_id, moment),
                detail=lambda to: {"to": to} if to else {"to": [], "note": "no deputy configured"},
            )
    return created_ids


def _step(
    db: sqlite_utils.Database,
    report: Report,
    moment: datetime,
    *,
    kind: str,
    purpose: str,
    heading: str,
    recipients: Callable[[], list[int]],
    detail: Callable[[list[int]], dict[str, object]],
) -> list[int]:
    """One escalation step, once, in one transaction: notify, then record `kind` with whom."""
    with transaction(db):
        if status(db, report.id) != "open":
            return []
        to = recipients()
        text = f"{heading}\n\n{render_escalation(report)}"
        ids = notify(db, report.id, to, text, purpose, buttons=review_buttons(report.id), at=moment)
        add_event(db, report.id, kind, stamp(moment), None, None, json.dumps(detail(to)))
    return ids


def _current_recipients(db: sqlite_utils.Database, people: PeopleConfig, report_id: int) -> list[int]:
    barred = set(people_in(people, barred_roles(db, report_id), set()))
    return people_in(people, routed_roles(db, report_id), barred)


def _route_to_deputy(
    db: sqlite_utils.Database, people: PeopleConfig, report_id: int, moment: datetime
) -> list[int]:
    """The deputies who may see the report; the deputy role is routed to it from now on."""
    barred = set(people_in(people, barred_roles(db, report_id), set()))
    deputies = people_in(people, ["deputy"], barred)
    if "deputy" not in routed_roles(db, report_id):
        db.execute(
            "insert into report_routes (report_id, role, relation, added_at, reason)"
            " values (?, 'deputy', 'to', ?, 'not acknowledged in time')",
            [report_id, stamp(moment)],
        )
    return deputies
