"""A report's notifications: written to the outbox with the report, and their fate in its trail."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import sqlite_utils

from .. import outbox
from ..clock import stamp
from ..config import PeopleConfig
from .audit import add_event
from .notices import Notice, Notices
from .queries import barred_roles, get_report, routed_roles, status
from .routing import people_in


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


# Alerts about a report (not the reporter's own notices): when one can never be delivered, the
# report must still reach someone who may see it.
ALERT_PURPOSES = frozenset({"urgent", "escalation", "renotify", "escalated", "summary"})
# Who covers for a routed role when nobody in it can be reached, nearest first. Barred roles (the Head,
# for a report about the Head) are skipped, so such a report never falls back to them.
COVER_ORDER = {
    "head_teacher": ("deputy", "dsl"),
    "dsl": ("deputy", "head_teacher"),
    "chair_of_governors": ("deputy", "dsl"),  # a report about the Head: never back to the Head
    "deputy": ("dsl", "head_teacher", "chair_of_governors"),
}


def unreachable_people(db: sqlite_utils.Database) -> dict[int, str]:
    """Recipients whose latest finished message was refused for good (blocked the bot, never
    started it, chat not found), with Telegram's words; a later delivered message clears them."""
    rows = db.execute(
        "select o.recipient_id, o.last_error from outbox o join ("
        " select recipient_id, max(id) as id from outbox where status in ('sent', 'failed')"
        " group by recipient_id) latest on o.id = latest.id where o.status = 'failed'"
    ).fetchall()
    return {uid: error or "" for uid, error in rows}


def record_delivery_failure(
    db: sqlite_utils.Database,
    outbox_id: int,
    *,
    people: PeopleConfig | None = None,
    notices: Notices | None = None,
    outside_contact: str = "",
) -> list[int]:
    """outbox.mark_failed's `after_give_up` hook: a 'delivery_failed' event with the error, and,
    when that leaves a routed role of an open report with nobody reachable, the report goes to the
    next role allowed to see it (COVER_ORDER) and the reporter is told, in the same transaction.
    Returns the new outbox ids."""
    _record(db, outbox_id, "delivery_failed", failed=True)
    row = db.execute(
        "select report_id, recipient_id, purpose from outbox where id = ?", [outbox_id]
    ).fetchone()
    if people is None or notices is None or not row or row[0] is None or row[2] not in ALERT_PURPOSES:
        return []
    report_id, failed_uid = row[0], row[1]
    if status(db, report_id) == "resolved":
        return []
    routed, barred_names = routed_roles(db, report_id), barred_roles(db, report_id)
    barred = set(people_in(people, barred_names, set()))
    gone = unreachable_people(db)
    lost = [
        role
        for role in routed
        if failed_uid in getattr(people, role)
        and not [uid for uid in people_in(people, [role], barred) if uid not in gone]
        and role not in _covered_roles(db, report_id)
    ]
    created: list[int] = []
    for role in lost:
        created += _cover(db, people, notices, report_id, role, barred_names, gone, outside_contact)
    return created


def _covered_roles(db: sqlite_utils.Database, report_id: int) -> set[str]:
    rows = db.execute(
        "select detail from report_events where report_id = ? and kind = 'rerouted'", [report_id]
    ).fetchall()
    return {json.loads(detail)["from"] for (detail,) in rows}


def _cover(
    db: sqlite_utils.Database,
    people: PeopleConfig,
    notices: Notices,
    report_id: int,
    role: str,
    barred_names: list[str],
    gone: dict[int, str],
    outside_contact: str,
) -> list[int]:
    """Route the report to the first role in COVER_ORDER with someone reachable who was not told
    yet; record it; tell the reporter who has it now (or that nobody has, and whom to tell)."""
    routed = routed_roles(db, report_id)  # read again: an earlier cover may have added a role
    barred = set(people_in(people, barred_names, set()))
    told = set(people_in(people, routed, barred))
    cover, to = None, []
    for candidate in COVER_ORDER.get(role, ()):
        if candidate == role or candidate in barred_names:
            continue
        to = [uid for uid in people_in(people, [candidate], barred) if uid not in gone and uid not in told]
        if to:
            cover = candidate
            break
    moment = stamp()
    if cover is not None and cover not in routed:
        db.execute(
            "insert into report_routes (report_id, role, relation, added_at, reason)"
            " values (?, ?, 'to', ?, ?)",
            [report_id, cover, moment, f"covers for the {role}, who cannot be reached"],
        )
    detail = {"from": role, "to_role": cover, "to": to}
    add_event(db, report_id, "rerouted", moment, None, None, json.dumps(detail))
    report = get_report(db, report_id)
    if report is None:
        raise LookupError(f"report {report_id} vanished inside its transaction")
    created = notify(db, report_id, to, notices.alert(report), "escalation") if to else []
    notice = notices.rerouted(report, role, cover, outside_contact)
    return created + notify(db, report_id, [report.reporter_id], notice, "rerouted_notice")
