"""Reports nobody acknowledged: re-notify their recipients after one period, the deputy after two."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta

import sqlite_utils

from ..clock import stamp, utc
from ..config import PeopleConfig
from ..transactions import transaction
from .audit import add_event, event_kinds
from .delivery import notify
from .notices import ESCALATED, RENOTIFIED, Notices
from .queries import barred_roles, get_report, routed_roles
from .records import Report
from .routing import people_in


def escalate_overdue(
    db: sqlite_utils.Database,
    people: PeopleConfig,
    renotify_minutes: float,
    at: datetime | None = None,
    *,
    notices: Notices,
) -> list[int]:
    """Reports still open (not acknowledged, not resolved): after one period re-notify their
    recipients; after a second period notify the deputy too (routed to them from then on).
    Each step happens once per report and is recorded as an event. Everyone gets ONE message
    per call listing what fell due for them (with buttons), never one per report.
    Returns new outbox ids."""
    moment = utc(at)
    period = timedelta(minutes=renotify_minutes)
    due: dict[str, dict[int, list[Report]]] = {RENOTIFIED: defaultdict(list), ESCALATED: defaultdict(list)}
    with transaction(db):  # the events and the messages together, or neither
        open_ids = [
            row[0]
            for row in db.execute(
                "select report_id from report_status where status = 'open' order by report_id"
            ).fetchall()
        ]
        for report_id in open_ids:
            report = get_report(db, report_id)
            if report is None:  # listed by the view in this same transaction: cannot happen
                raise LookupError(f"report {report_id} vanished inside its transaction")
            age = moment - datetime.fromisoformat(report.created_at)
            kinds = event_kinds(db, report_id)
            if age >= period and RENOTIFIED not in kinds:
                to = _current_recipients(db, people, report_id)
                add_event(db, report_id, "renotified", stamp(moment), None, None, json.dumps({"to": to}))
                for uid in to:
                    due[RENOTIFIED][uid].append(report)
            if age >= 2 * period and ESCALATED not in kinds:
                to = _route_to_deputy(db, people, report_id, moment)
                detail = {"to": to} if to else {"to": [], "note": "no deputy configured"}
                add_event(db, report_id, "escalated", stamp(moment), None, None, json.dumps(detail))
                for uid in to:
                    due[ESCALATED][uid].append(report)
        _one_message_each(due)
        created_ids: list[int] = []
        minutes = {RENOTIFIED: renotify_minutes, ESCALATED: 2 * renotify_minutes}
        purposes = {RENOTIFIED: "renotify", ESCALATED: "escalated"}
        for step, per_person in due.items():
            for uid, listed in per_person.items():
                notice = notices.overdue(step, minutes[step], listed)
                # one report: the message is about it (its trail records the delivery); several: a list
                about = listed[0].id if len(listed) == 1 else None
                created_ids += notify(db, about, [uid], notice, purposes[step], at=moment)
    return created_ids


def _one_message_each(due: dict[str, dict[int, list[Report]]]) -> None:
    """Someone escalated to about a report (the deputy) is not also reminded of it in the same call:
    a deputy who is also a routed recipient, or both steps falling due at once after a pause, would
    otherwise get "Reminder" and "Escalated to you" about one report together."""
    for uid, escalated in due[ESCALATED].items():
        ids = {r.id for r in escalated}
        left = [r for r in due[RENOTIFIED].get(uid, []) if r.id not in ids]
        if left:
            due[RENOTIFIED][uid] = left
        else:
            due[RENOTIFIED].pop(uid, None)


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
