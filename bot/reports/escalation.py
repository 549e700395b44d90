"""Reports nobody acknowledged: re-notify their recipients after one period, the deputy after two."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta

import sqlite_utils

from .. import messages
from ..clock import stamp, utc
from ..config import PeopleConfig
from ..transactions import transaction
from .audit import add_event, event_kinds
from .delivery import notify
from .queries import barred_roles, get_report, routed_roles
from .records import Report
from .render import overdue_buttons, render_escalation, render_overdue, review_buttons
from .routing import people_in


def escalate_overdue(
    db: sqlite_utils.Database, people: PeopleConfig, renotify_minutes: float, at: datetime | None = None
) -> list[int]:
    """Reports still open (not acknowledged, not resolved): after one period re-notify their
    recipients; after a second period notify the deputy too (routed to them from then on).
    Each step happens once per report and is recorded as an event. Everyone gets ONE message
    per call listing what fell due for them (with buttons), never one per report.
    Returns new outbox ids."""
    moment = utc(at)
    period = timedelta(minutes=renotify_minutes)
    due: dict[str, dict[int, list[Report]]] = {
        "renotified": defaultdict(list),
        "escalated": defaultdict(list),
    }
    with transaction(db):  # the events and the messages together, or neither
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
                to = _current_recipients(db, people, report_id)
                add_event(db, report_id, "renotified", stamp(moment), None, None, json.dumps({"to": to}))
                for uid in to:
                    due["renotified"][uid].append(report)
            if age >= 2 * period and "escalated" not in kinds:
                to = _route_to_deputy(db, people, report_id, moment)
                detail = {"to": to} if to else {"to": [], "note": "no deputy configured"}
                add_event(db, report_id, "escalated", stamp(moment), None, None, json.dumps(detail))
                for uid in to:
                    due["escalated"][uid].append(report)
        created_ids: list[int] = []
        headings = {
            "renotified": messages.reminder_heading(renotify_minutes),
            "escalated": messages.escalated_heading(2 * renotify_minutes),
        }
        purposes = {"renotified": "renotify", "escalated": "escalated"}
        for kind, per_person in due.items():
            for uid, listed in per_person.items():
                created_ids += _one_message(db, uid, listed, headings[kind], purposes[kind], moment)
    return created_ids


def _one_message(
    db: sqlite_utils.Database, uid: int, listed: list[Report], heading: str, purpose: str, moment: datetime
) -> list[int]:
    """One report: its full alert with its buttons. Several: a list with a row of buttons each."""
    if len(listed) == 1:
        report = listed[0]
        text = f"{heading}\n\n{render_escalation(report)}"
        return notify(
            db,
            report.id,
            [uid],
            text,
            purpose,
            buttons=review_buttons(report.id, report.category == "question"),
            at=moment,
        )
    text = f"{heading}\n\n{render_overdue(listed)}"
    return notify(db, None, [uid], text, purpose, buttons=overdue_buttons(listed), at=moment)


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
