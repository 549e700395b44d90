"""Writing reports: create (with routes, first event and outbox rows in one transaction),
acknowledge, add a note, resolve. Each change is an appended event; nothing is updated."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlite_utils

from ..clock import stamp, utc
from ..config import PeopleConfig
from ..transactions import transaction
from .audit import add_event, first_event
from .delivery import notify
from .head import names_head
from .notices import Notices
from .numbering import note_issued
from .queries import can_review, get_report, routed_roles, status
from .records import Created, Event, NewReport, Report, Result
from .routing import resolve_recipients, route
from .vocabulary import CATEGORIES, INDECENT_IMAGE, REVIEWER_ROLES, SUBJECTS, URGENT_CATEGORIES


def create_report(
    db: sqlite_utils.Database,
    people: PeopleConfig,
    new: NewReport,
    at: datetime | None = None,
    *,
    notices: Notices,
    head_names: Iterable[str] = (),
    alerts_per_minute: int | None = None,
) -> Created:
    """Store the report, its evidence, routes, 'created' event and one outbox row per
    recipient in ONE transaction; nothing is sent from here. A report whose subject is the Head
    Teacher, or whose text names the Head (role words, or `head_names`), goes to the chair of
    governors and is barred from the Head on every path.

    `alerts_per_minute`: a person's reports beyond this many in a minute are stored all the
    same, but their alerts are held ('alert_held') and folded into one summary per reviewer
    (bot.reports.flood). Urgent reports are never held."""
    _check(new)
    moment = stamp(at)
    urgent = new.category in URGENT_CATEGORIES
    about_head = (
        new.about_head
        if new.about_head is not None
        else names_head(f"{new.description}\n{new.place or ''}", head_names)
    )
    send_to, never = route(new.category, new.subject, about_head=about_head)
    roles, recipients = resolve_recipients(people, send_to, never)
    with transaction(db):
        held = (
            not urgent
            and alerts_per_minute is not None
            and _recent(db, new.reporter_id, at) >= alerts_per_minute
        )
        report_id = _insert_report(db, new, moment, urgent)
        note_issued(db.conn, report_id)  # kept beside the database too: a restore never reuses it
        _insert_routes(db, report_id, moment, roles, send_to, never)
        detail = {"routed_to": roles, "barred": never, "recipients": [uid for uid, _ in recipients]}
        add_event(db, report_id, "created", moment, new.reporter_id, new.reporter_name, json.dumps(detail))
        report = _stored(db, report_id)
        if held:
            ids: list[int] = []
            held_for: dict[str, object] = {
                "to": [uid for uid, _ in recipients],
                "reason": "more reports a minute than the limit",
            }
            add_event(db, report_id, "alert_held", moment, None, None, json.dumps(held_for))
        else:
            ids = notify(
                db,
                report_id,
                [uid for uid, _role in recipients],
                notices.alert(report),
                "urgent" if urgent else "escalation",
                at=at,
            )
    return Created(
        report=report, recipients=recipients, outbox_ids=ids, about_head="head_teacher" in never, held=held
    )


def _check(new: NewReport) -> None:
    """ValueError for a report the flows never make: a bad category or subject, media with an
    indecent-image report, or no description."""
    if new.category not in CATEGORIES:
        raise ValueError(f"unknown category {new.category!r}")
    if new.subject is not None and new.subject not in SUBJECTS:
        raise ValueError(f"unknown subject {new.subject!r}")
    if new.category == INDECENT_IMAGE and new.evidence:
        raise ValueError("an indecent-image report never stores media")
    if not new.description.strip():
        raise ValueError("a report needs a description")


def _insert_report(db: sqlite_utils.Database, new: NewReport, moment: str, urgent: bool) -> int:
    """The report's row and its evidence rows (inside the caller's transaction); its number."""
    cursor = db.execute(
        "insert into reports (created_at, reporter_id, reporter_name, category, subject, place,"
        " description, source, question_id, urgent, happened, happened_on)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            moment,
            new.reporter_id,
            new.reporter_name,
            new.category,
            new.subject,
            new.place,
            new.description,
            new.source,
            new.question_id,
            int(urgent),
            new.happened,
            new.happened_on,
        ],
    )
    report_id = int(cursor.lastrowid or 0)
    for item in new.evidence:
        db.execute(
            "insert into report_evidence (report_id, kind, file_id, file_unique_id, sent_at)"
            " values (?, ?, ?, ?, ?)",
            [report_id, item.kind, item.file_id, item.file_unique_id, item.sent_at],
        )
    return report_id


def _insert_routes(
    db: sqlite_utils.Database,
    report_id: int,
    moment: str,
    roles: Iterable[str],
    send_to: Iterable[str],
    never: Iterable[str],
) -> None:
    """Who the report went to and why (a role routed, or the fallback when nobody holds it), and
    who it is barred from (inside the caller's transaction)."""
    routed = set(send_to)
    for role in roles:
        reason = "routing" if role in routed else "fallback: nobody configured for a routed role"
        db.execute(
            "insert into report_routes (report_id, role, relation, added_at, reason)"
            " values (?, ?, 'to', ?, ?)",
            [report_id, role, moment, reason],
        )
    for role in never:
        db.execute(
            "insert into report_routes (report_id, role, relation, added_at, reason)"
            " values (?, ?, 'never', ?, 'the report is about this role')",
            [report_id, role, moment],
        )


def _recent(db: sqlite_utils.Database, reporter_id: int, at: datetime | None) -> int:
    """How many reports this person filed in the minute before `at`."""
    since = stamp(utc(at) - timedelta(minutes=1))
    row = db.execute(
        "select count(*) from reports where reporter_id = ? and created_at >= ?", [reporter_id, since]
    ).fetchone()
    return int(row[0])


def _stored(db: sqlite_utils.Database, report_id: int) -> Report:
    """A report written or checked earlier in the caller's transaction (so it cannot be missing)."""
    report = get_report(db, report_id)
    if report is None:
        raise LookupError(f"report {report_id} is not stored")
    return report


def acting_role(db: sqlite_utils.Database, report_id: int, roles: set[str]) -> str:
    routed = routed_roles(db, report_id)
    for role in REVIEWER_ROLES:
        if role in roles and role in routed:
            return role
    return "head_teacher"


def acknowledge(
    db: sqlite_utils.Database,
    people: PeopleConfig,
    report_id: int,
    actor_id: int,
    actor_name: str,
    at: datetime | None = None,
    *,
    notices: Notices,
) -> tuple[Result, Event | None]:
    """Record an acknowledgement and tell the reporter (outbox). Returns the earlier
    acknowledgement with ALREADY."""
    if not can_review(db, people, report_id, actor_id):
        return Result.NOT_ALLOWED, None
    moment = stamp(at)
    with transaction(db):
        current = status(db, report_id)
        if current == "resolved":
            return Result.RESOLVED, None
        if current == "acknowledged":
            return Result.ALREADY, first_event(db, report_id, "acknowledged")
        role = acting_role(db, report_id, people.roles_of(actor_id))
        add_event(db, report_id, "acknowledged", moment, actor_id, actor_name, json.dumps({"role": role}))
        report = _stored(db, report_id)
        notify(
            db,
            report_id,
            [report.reporter_id],
            notices.acknowledged(report, role),
            "ack_notice",
            at=at,
        )
    return Result.DONE, first_event(db, report_id, "acknowledged")


def add_note(
    db: sqlite_utils.Database,
    people: PeopleConfig,
    report_id: int,
    actor_id: int,
    actor_name: str,
    text: str,
    at: datetime | None = None,
) -> Result:
    if not can_review(db, people, report_id, actor_id):
        return Result.NOT_ALLOWED
    if not text.strip():
        return Result.INVALID
    with transaction(db):
        add_event(db, report_id, "note", stamp(at), actor_id, actor_name, text)
    return Result.DONE


def resolve(
    db: sqlite_utils.Database,
    people: PeopleConfig,
    report_id: int,
    actor_id: int,
    actor_name: str,
    outcome: str,
    reasoning: str,
    at: datetime | None = None,
    external_reference: str | None = None,
    *,
    notices: Notices,
) -> Result:
    """Close a report with its outcome and the reasoning (required, also for no further action);
    the reporter is told the outcome (not the reasoning) through the outbox.

    `external_reference`: the report's reference in the school's safeguarding system (CPOMS,
    MyConcern) when it was handed off there; kept with the outcome and exported."""
    if not can_review(db, people, report_id, actor_id):
        return Result.NOT_ALLOWED
    if not outcome.strip() or not reasoning.strip():
        return Result.INVALID
    moment = stamp(at)
    with transaction(db):
        if status(db, report_id) == "resolved":
            return Result.ALREADY
        role = acting_role(db, report_id, people.roles_of(actor_id))
        detail = {"outcome": outcome.strip(), "reasoning": reasoning.strip(), "role": role}
        if external_reference and external_reference.strip():
            detail["reference"] = external_reference.strip()
        add_event(db, report_id, "resolved", moment, actor_id, actor_name, json.dumps(detail))
        report = _stored(db, report_id)
        notify(
            db,
            report_id,
            [report.reporter_id],
            notices.resolved(report, role, outcome.strip()),
            "resolved_notice",
            at=at,
        )
    return Result.DONE
