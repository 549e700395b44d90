"""Misuse reports: schema, routing, the audit trail, queues and export. No Telegram types here.

Storage (migration 0003_reports):

* ``reports`` — one row per report, written once. A trigger refuses UPDATE and DELETE.
* ``report_evidence`` — Telegram file references (file_id) with the time each was sent; never
  the bytes. Written with the report; immutable.
* ``report_routes`` — who the report is routed to, by role ('to'), and which roles must never
  see it ('never', e.g. the Head Teacher for a report about the Head Teacher). Rows are only
  ever added (the deputy is added when a report is not acknowledged in time); immutable.
* ``report_events`` — the append-only audit trail: created, delivered, acknowledged, note,
  resolved, exported, renotified, escalated, delivery_failed; each with who and when.
  Triggers RAISE on UPDATE and DELETE.
* A report's status is *derived* from its events (view ``report_status``): resolved if it has a
  'resolved' event, acknowledged if it has an 'acknowledged' one, else open. There is no mutable
  status column to get out of step with the history.

Routing is the table ``ROUTING_TABLE`` below; recipients are resolved from ``[people]`` when the
report is created, and their notifications are written to the outbox (bot.outbox) in the same
transaction as the report and its 'created' event.

Visibility: a person may review (queue, show in full, acknowledge, note, resolve, export) a
report when one of their ``[people]`` roles is routed to it and none of their roles is barred
from it; a reporter sees their own reports in a reduced form (no notes, no reasoning).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

import sqlite_utils

from . import outbox
from .config import PeopleConfig
from .outbox import stamp, transaction, utc

MESSAGE_LIMIT = 4096  # Telegram's limit; measured here in UTF-16 code units, tags included

# -- vocabulary ---------------------------------------------------------------------------------

CATEGORIES: dict[str, str] = {
    "harassment": "Cyberbullying or harassment of staff",
    "pupil_contact": "Contact or friend request from a pupil",
    "staff_post": "Inappropriate post by a member of staff",
    "safeguarding": "A child's safety (safeguarding)",
    "data_leak": "Confidential information or personal data leaked",
    "reputation": "Damage to the school's reputation",
    "indecent_image": "Indecent image of a child",
    "other": "Other",
    "triage": "To triage",  # one-line /report TEXT; not offered in the flow
    "question": "Question the policies do not answer",  # "Ask the Head Teacher"; not in the flow
}
FLOW_CATEGORIES = [key for key in CATEGORIES if key not in ("triage", "question")]
INDECENT_IMAGE = "indecent_image"
URGENT_CATEGORIES = frozenset({"indecent_image", "safeguarding"})

SUBJECTS: dict[str, str] = {
    "pupil": "A pupil",
    "parent": "A parent/carer",
    "staff": "A member of staff",
    "head_teacher": "The Head Teacher",
    "public": "A member of the public",
    "unknown": "Unknown",
}

PLACES: dict[str, str] = {
    "school_trip": "On a school trip",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "snapchat": "Snapchat",
    "tiktok": "TikTok",
    "whatsapp": "WhatsApp",
    "other": "Other (type it)",
}

OUTCOMES: dict[str, str] = {
    "nfa": "No further action",
    "informal": "Dealt with informally",
    "behaviour": "Pupil behaviour policy",
    "disciplinary": "Disciplinary or capability procedure",
    "safeguarding": "Safeguarding procedures / referral",
    "police": "Reported to the Police",
    "other": "Other (type it)",
}

ROLE_LABELS: dict[str, str] = {
    "head_teacher": "the Head Teacher",
    "dsl": "the Designated Safeguarding Lead",
    "chair_of_governors": "the Chair of Governors",
    "deputy": "the Deputy Head",
}
REVIEWER_ROLES = ("head_teacher", "dsl", "chair_of_governors", "deputy")

# The policy's own steps ("Senior Leadership responsibility..."), shown to the reporter and
# repeated in the urgent alert.
INDECENT_IMAGE_STEPS = (
    "It is an offence to save, send or alter an indecent image of a child, or to show it to anyone "
    "else (including this bot and colleagues).\n"
    "1. Do not save, send, forward, screenshot, alter or show the image.\n"
    "2. Secure the device it is on where others cannot see it, e.g. a locked cupboard.\n"
    "3. The Police are contacted immediately for advice; the DSL and the Head Teacher have been "
    "alerted to do this with you."
)

# -- routing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """When `field` (category or subject; "*" for every report) is one of `values`, the report
    goes to the roles in `send_to`, and never to anyone holding a role in `never`."""

    field: str
    values: frozenset[str]
    send_to: tuple[str, ...]
    never: tuple[str, ...] = ()


ROUTING_TABLE: tuple[Route, ...] = (
    Route("*", frozenset(), ("head_teacher",)),  # every report: the Head Teacher's queue
    Route("category", frozenset({"safeguarding", "indecent_image"}), ("dsl",)),  # the DSL as well
    Route("subject", frozenset({"head_teacher"}), ("chair_of_governors",), never=("head_teacher",)),
)
# A routed role with nobody configured falls back to this role (a report about the Head must
# not vanish because no chair is configured).
FALLBACK_ROLE = {"chair_of_governors": "deputy", "dsl": "deputy"}


def route(category: str, subject: str | None) -> tuple[list[str], list[str]]:
    """(roles the report is sent to, in table order; roles barred from it)."""
    send_to: list[str] = []
    never: list[str] = []
    facts = {"category": category, "subject": subject}
    for rule in ROUTING_TABLE:
        if rule.field == "*" or facts.get(rule.field) in rule.values:
            send_to += [r for r in rule.send_to if r not in send_to]
            never += [r for r in rule.never if r not in never]
    return [r for r in send_to if r not in never], never


def _people_in(people: PeopleConfig, roles: Iterable[str], barred: set[int]) -> list[int]:
    found: list[int] = []
    for role in roles:
        for user_id in getattr(people, role):
            if user_id not in barred and user_id not in found:
                found.append(user_id)
    return found


def resolve_recipients(
    people: PeopleConfig, send_to: list[str], never: list[str]
) -> tuple[list[str], list[tuple[int, str]]]:
    """Apply FALLBACK_ROLE; returns (final 'to' roles, [(user_id, role)]) with barred people out."""
    barred = set(_people_in(people, never, set()))
    roles = list(send_to)
    for role in send_to:
        fallback = FALLBACK_ROLE.get(role)
        if not _people_in(people, [role], barred) and fallback and fallback not in roles + never:
            roles.append(fallback)
    recipients: list[tuple[int, str]] = []
    seen: set[int] = set()
    for role in roles:
        for user_id in _people_in(people, [role], barred):
            if user_id not in seen:
                seen.add(user_id)
                recipients.append((user_id, role))
    return roles, recipients


# -- schema -------------------------------------------------------------------------------------

IMMUTABLE_TABLES = ("reports", "report_evidence", "report_routes", "report_events")


def migrate_reports(db: sqlite_utils.Database) -> None:
    """Tables, the status view, the append-only triggers, and the outbox table."""
    db.execute(
        """
        create table reports (
            id integer primary key autoincrement,   -- never reused: R-0042 means one report forever
            created_at text not null,
            reporter_id integer not null,
            reporter_name text,
            category text not null,
            subject text,
            place text,
            description text not null,
            source text not null,                   -- flow, one-line, question
            question_id integer,
            urgent integer not null default 0
        )
        """
    )
    db.execute("create index reports_reporter on reports (reporter_id)")
    db.execute(
        """
        create table report_evidence (
            id integer primary key autoincrement,
            report_id integer not null references reports(id),
            kind text not null,                     -- photo, document
            file_id text not null,
            file_unique_id text,
            sent_at text not null                   -- when the member of staff sent it
        )
        """
    )
    db.execute(
        """
        create table report_routes (
            report_id integer not null references reports(id),
            role text not null,
            relation text not null check (relation in ('to', 'never')),
            added_at text not null,
            reason text,
            primary key (report_id, role, relation)
        )
        """
    )
    db.execute(
        """
        create table report_events (
            id integer primary key autoincrement,
            report_id integer not null references reports(id),
            at text not null,
            kind text not null,
            actor_id integer,                       -- null: the bot itself
            actor_name text,
            detail text                             -- text, or JSON for structured events
        )
        """
    )
    db.execute("create index report_events_report on report_events (report_id, id)")
    for table in IMMUTABLE_TABLES:
        for action in ("update", "delete"):
            db.execute(
                f"create trigger {table}_no_{action} before {action} on {table} "
                f"begin select raise(abort, '{table} are append-only: {action} refused'); end"
            )
    db.execute(
        """
        create view report_status as
        select r.id as report_id,
          case
            when exists (select 1 from report_events e where e.report_id = r.id and e.kind = 'resolved')
              then 'resolved'
            when exists (select 1 from report_events e where e.report_id = r.id and e.kind = 'acknowledged')
              then 'acknowledged'
            else 'open'
          end as status
        from reports r
        """
    )
    outbox.create_table(db)


# -- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    kind: str
    file_id: str
    sent_at: str
    file_unique_id: str | None = None


@dataclass(frozen=True)
class NewReport:
    reporter_id: int
    reporter_name: str
    category: str
    description: str
    subject: str | None = None
    place: str | None = None
    source: str = "flow"
    question_id: int | None = None
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Report:
    id: int
    created_at: str
    reporter_id: int
    reporter_name: str
    category: str
    subject: str | None
    place: str | None
    description: str
    source: str
    urgent: bool
    status: str
    evidence: tuple[Evidence, ...] = ()

    @property
    def reference(self) -> str:
        return reference(self.id)


@dataclass(frozen=True)
class Event:
    id: int
    report_id: int
    at: str
    kind: str
    actor_id: int | None
    actor_name: str | None
    detail: str | None


@dataclass(frozen=True)
class Created:
    report: Report
    recipients: list[tuple[int, str]]
    outbox_ids: list[int] = field(default_factory=list)


class Result(Enum):
    DONE = "done"
    ALREADY = "already"  # acknowledged / resolved before
    RESOLVED = "resolved"  # cannot acknowledge a resolved report
    NOT_ALLOWED = "not allowed"  # unknown report, or not routed to this person: same answer
    INVALID = "invalid"  # empty note / reasoning


def reference(report_id: int) -> str:
    return f"R-{report_id:04d}"


_REFERENCE = re.compile(r"^\s*#?(?:R-?)?0*(\d{1,9})\s*$", re.IGNORECASE)


def parse_reference(text: str) -> int | None:
    """'R-0042', 'r42', '42' -> 42; anything else -> None."""
    match = _REFERENCE.match(text or "")
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


# -- writing ------------------------------------------------------------------------------------


def _event(
    db: sqlite_utils.Database,
    report_id: int,
    kind: str,
    at: str,
    actor_id: int | None = None,
    actor_name: str | None = None,
    detail: str | None = None,
) -> int:
    cursor = db.execute(
        "insert into report_events (report_id, at, kind, actor_id, actor_name, detail)"
        " values (?, ?, ?, ?, ?, ?)",
        [report_id, at, kind, actor_id, actor_name, detail],
    )
    return int(cursor.lastrowid)


def review_buttons(report_id: int) -> outbox.Buttons:
    return [
        [
            ("Acknowledge", f"rep:ack:{report_id}"),
            ("Add note", f"rep:note:{report_id}"),
            ("Resolve", f"rep:res:{report_id}"),
        ]
    ]


def create_report(
    db: sqlite_utils.Database, people: PeopleConfig, new: NewReport, at: datetime | None = None
) -> Created:
    """Store the report, its evidence, routes, 'created' event and one outbox row per
    recipient in ONE transaction; nothing is sent from here."""
    if new.category not in CATEGORIES:
        raise ValueError(f"unknown category {new.category!r}")
    if new.subject is not None and new.subject not in SUBJECTS:
        raise ValueError(f"unknown subject {new.subject!r}")
    if new.category == INDECENT_IMAGE and new.evidence:
        raise ValueError("an indecent-image report never stores media")
    if not new.description.strip():
        raise ValueError("a report needs a description")
    moment = stamp(at)
    urgent = new.category in URGENT_CATEGORIES
    send_to, never = route(new.category, new.subject)
    roles, recipients = resolve_recipients(people, send_to, never)
    with transaction(db):
        cursor = db.execute(
            "insert into reports (created_at, reporter_id, reporter_name, category, subject, place,"
            " description, source, question_id, urgent) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ],
        )
        report_id = int(cursor.lastrowid)
        for item in new.evidence:
            db.execute(
                "insert into report_evidence (report_id, kind, file_id, file_unique_id, sent_at)"
                " values (?, ?, ?, ?, ?)",
                [report_id, item.kind, item.file_id, item.file_unique_id, item.sent_at],
            )
        for role in roles:
            reason = "routing" if role in send_to else "fallback: nobody configured for a routed role"
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
        detail = {"routed_to": roles, "barred": never, "recipients": [uid for uid, _ in recipients]}
        _event(db, report_id, "created", moment, new.reporter_id, new.reporter_name, json.dumps(detail))
        report = _report(db, report_id)
        assert report is not None
        text = render_escalation(report)
        purpose = "urgent" if urgent else "escalation"
        ids = [
            outbox.enqueue(
                db,
                recipient_id=uid,
                text=text,
                purpose=purpose,
                buttons=review_buttons(report_id),
                report_id=report_id,
                at=at,
            )
            for uid, _role in recipients
        ]
    return Created(report=report, recipients=recipients, outbox_ids=ids)


def record_delivery(db: sqlite_utils.Database, outbox_id: int) -> None:
    """outbox.mark_sent's `after` hook: a 'delivered' event in the same transaction."""
    row = db.execute(
        "select report_id, recipient_id, purpose, sent_at from outbox where id = ?", [outbox_id]
    ).fetchone()
    if row and row[0] is not None:
        _event(
            db,
            row[0],
            "delivered",
            row[3] or stamp(),
            None,
            None,
            json.dumps({"to": row[1], "purpose": row[2], "outbox_id": outbox_id}),
        )


def record_delivery_failure(db: sqlite_utils.Database, outbox_id: int) -> None:
    row = db.execute(
        "select report_id, recipient_id, purpose, last_error from outbox where id = ?", [outbox_id]
    ).fetchone()
    if row and row[0] is not None:
        _event(
            db,
            row[0],
            "delivery_failed",
            stamp(),
            None,
            None,
            json.dumps({"to": row[1], "purpose": row[2], "error": row[3], "outbox_id": outbox_id}),
        )


def _acting_role(db: sqlite_utils.Database, report_id: int, roles: set[str]) -> str:
    routed = _routed_roles(db, report_id)
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
) -> tuple[Result, Event | None]:
    """Record an acknowledgement and tell the reporter (outbox). Returns the earlier
    acknowledgement with ALREADY."""
    if not can_review(db, people, report_id, actor_id):
        return Result.NOT_ALLOWED, None
    moment = stamp(at)
    with transaction(db):
        status = _status(db, report_id)
        if status == "resolved":
            return Result.RESOLVED, None
        if status == "acknowledged":
            return Result.ALREADY, _first_event(db, report_id, "acknowledged")
        role = _acting_role(db, report_id, people.roles_of(actor_id))
        _event(db, report_id, "acknowledged", moment, actor_id, actor_name, json.dumps({"role": role}))
        report = _report(db, report_id)
        assert report is not None
        outbox.enqueue(
            db,
            recipient_id=report.reporter_id,
            purpose="ack_notice",
            report_id=report_id,
            at=at,
            text=f"✅ Your report <b>{report.reference}</b> has been acknowledged by {ROLE_LABELS[role]}.",
        )
    return Result.DONE, _first_event(db, report_id, "acknowledged")


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
        _event(db, report_id, "note", stamp(at), actor_id, actor_name, text)
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
) -> Result:
    """Close a report with its outcome and the reasoning (required, also for no further action);
    the reporter is told the outcome (not the reasoning) through the outbox."""
    if not can_review(db, people, report_id, actor_id):
        return Result.NOT_ALLOWED
    if not outcome.strip() or not reasoning.strip():
        return Result.INVALID
    moment = stamp(at)
    with transaction(db):
        if _status(db, report_id) == "resolved":
            return Result.ALREADY
        role = _acting_role(db, report_id, people.roles_of(actor_id))
        detail = {"outcome": outcome.strip(), "reasoning": reasoning.strip(), "role": role}
        _event(db, report_id, "resolved", moment, actor_id, actor_name, json.dumps(detail))
        report = _report(db, report_id)
        assert report is not None
        outbox.enqueue(
            db,
            recipient_id=report.reporter_id,
            purpose="resolved_notice",
            report_id=report_id,
            at=at,
            text=(
                f"☑️ Your report <b>{report.reference}</b> has been resolved by {ROLE_LABELS[role]}.\n"
                f"Outcome: {html.escape(outcome.strip())}"
            ),
        )
    return Result.DONE


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
        report = _report(db, report_id)
        assert report is not None
        age = moment - datetime.fromisoformat(report.created_at)
        kinds = {
            row[0]
            for row in db.execute(
                "select distinct kind from report_events where report_id = ?", [report_id]
            ).fetchall()
        }
        minutes = _minutes(renotify_minutes)
        if age >= period and "renotified" not in kinds:
            with transaction(db):
                if _status(db, report_id) != "open":
                    continue
                recipients = _current_recipients(db, people, report_id)
                text = f"⏰ <b>Reminder</b>: not acknowledged after {minutes}.\n\n" + render_escalation(
                    report
                )
                for uid in recipients:
                    created_ids.append(
                        outbox.enqueue(
                            db,
                            recipient_id=uid,
                            text=text,
                            purpose="renotify",
                            buttons=review_buttons(report_id),
                            report_id=report_id,
                            at=moment,
                        )
                    )
                _event(db, report_id, "renotified", stamp(moment), None, None, json.dumps({"to": recipients}))
        if age >= 2 * period and "escalated" not in kinds:
            with transaction(db):
                if _status(db, report_id) != "open":
                    continue
                barred = set(_people_in(people, _barred_roles(db, report_id), set()))
                deputies = _people_in(people, ["deputy"], barred)
                if "deputy" not in _routed_roles(db, report_id):
                    db.execute(
                        "insert into report_routes (report_id, role, relation, added_at, reason)"
                        " values (?, 'deputy', 'to', ?, 'not acknowledged in time')",
                        [report_id, stamp(moment)],
                    )
                text = (
                    f"⏫ <b>Escalated to you</b>: not acknowledged after {_minutes(2 * renotify_minutes)}."
                    "\n\n" + render_escalation(report)
                )
                for uid in deputies:
                    created_ids.append(
                        outbox.enqueue(
                            db,
                            recipient_id=uid,
                            text=text,
                            purpose="escalated",
                            buttons=review_buttons(report_id),
                            report_id=report_id,
                            at=moment,
                        )
                    )
                detail = {"to": deputies} if deputies else {"to": [], "note": "no deputy configured"}
                _event(db, report_id, "escalated", stamp(moment), None, None, json.dumps(detail))
    return created_ids


def _minutes(value: float) -> str:
    if value >= 1:
        return f"{value:g} minute{'s' if value != 1 else ''}"
    return f"{value * 60:g} seconds"


def _current_recipients(db: sqlite_utils.Database, people: PeopleConfig, report_id: int) -> list[int]:
    barred = set(_people_in(people, _barred_roles(db, report_id), set()))
    return _people_in(people, _routed_roles(db, report_id), barred)


# -- reading ------------------------------------------------------------------------------------


def _routed_roles(db: sqlite_utils.Database, report_id: int) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "select role from report_routes where report_id = ? and relation = 'to' order by added_at, rowid",
            [report_id],
        ).fetchall()
    ]


def _barred_roles(db: sqlite_utils.Database, report_id: int) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "select role from report_routes where report_id = ? and relation = 'never'", [report_id]
        ).fetchall()
    ]


def _status(db: sqlite_utils.Database, report_id: int) -> str | None:
    row = db.execute("select status from report_status where report_id = ?", [report_id]).fetchone()
    return row[0] if row else None


def _first_event(db: sqlite_utils.Database, report_id: int, kind: str) -> Event | None:
    row = db.execute(
        "select id, report_id, at, kind, actor_id, actor_name, detail from report_events"
        " where report_id = ? and kind = ? order by id limit 1",
        [report_id, kind],
    ).fetchone()
    return Event(*row) if row else None


def _report(db: sqlite_utils.Database, report_id: int) -> Report | None:
    row = db.execute(
        "select r.id, r.created_at, r.reporter_id, r.reporter_name, r.category, r.subject, r.place,"
        " r.description, r.source, r.urgent, s.status from reports r join report_status s"
        " on s.report_id = r.id where r.id = ?",
        [report_id],
    ).fetchone()
    if row is None:
        return None
    evidence = tuple(
        Evidence(kind=e[0], file_id=e[1], sent_at=e[2], file_unique_id=e[3])
        for e in db.execute(
            "select kind, file_id, sent_at, file_unique_id from report_evidence"
            " where report_id = ? order by id",
            [report_id],
        ).fetchall()
    )
    return Report(*row[:9], urgent=bool(row[9]), status=row[10], evidence=evidence)


def get_report(db: sqlite_utils.Database, report_id: int) -> Report | None:
    return _report(db, report_id)


def events(db: sqlite_utils.Database, report_id: int) -> list[Event]:
    return [
        Event(*row)
        for row in db.execute(
            "select id, report_id, at, kind, actor_id, actor_name, detail from report_events"
            " where report_id = ? order by id",
            [report_id],
        ).fetchall()
    ]


def _visibility_sql(people: PeopleConfig, user_id: int) -> tuple[str, list[object]]:
    """SQL condition on `r.id`: routed to one of the user's roles, barred from none."""
    roles = sorted(people.roles_of(user_id) & set(REVIEWER_ROLES))
    if not roles:
        return "0", []
    marks = ", ".join("?" * len(roles))
    all_roles = sorted(people.roles_of(user_id))
    bar_marks = ", ".join("?" * len(all_roles))
    condition = (
        f"exists (select 1 from report_routes t where t.report_id = r.id and t.relation = 'to'"
        f" and t.role in ({marks})) and not exists (select 1 from report_routes n where"
        f" n.report_id = r.id and n.relation = 'never' and n.role in ({bar_marks}))"
    )
    return condition, [*roles, *all_roles]


def is_reviewer(people: PeopleConfig, user_id: int) -> bool:
    return bool(people.roles_of(user_id) & set(REVIEWER_ROLES))


def can_review(db: sqlite_utils.Database, people: PeopleConfig, report_id: int, user_id: int) -> bool:
    condition, params = _visibility_sql(people, user_id)
    row = db.execute(
        f"select 1 from reports r where r.id = ? and {condition}", [report_id, *params]
    ).fetchone()
    return row is not None


def queue(
    db: sqlite_utils.Database, people: PeopleConfig, user_id: int, include_resolved: bool = False
) -> list[Report]:
    """Reports routed to this person that are not resolved, oldest first."""
    condition, params = _visibility_sql(people, user_id)
    status = "" if include_resolved else " and s.status != 'resolved'"
    ids = [
        row[0]
        for row in db.execute(
            f"select r.id from reports r join report_status s on s.report_id = r.id where {condition}{status}"
            " order by r.created_at, r.id",
            params,
        ).fetchall()
    ]
    return [r for r in (_report(db, i) for i in ids) if r is not None]


def my_reports(db: sqlite_utils.Database, user_id: int) -> list[Report]:
    ids = [
        row[0]
        for row in db.execute(
            "select id from reports where reporter_id = ? order by id desc", [user_id]
        ).fetchall()
    ]
    return [r for r in (_report(db, i) for i in ids) if r is not None]


# -- rendering (HTML for parse_mode=HTML; all user text escaped) -------------------------------


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def fit_escaped(raw: str, budget: int, suffix: str = "") -> str:
    """html.escape(raw), cut so that it and `suffix` (already HTML) fit in `budget`."""
    escaped = html.escape(raw)
    if tg_len(escaped) <= budget:
        return escaped
    room = max(budget - tg_len(suffix), 0)
    lo, hi = 0, len(raw)
    while lo < hi:  # the longest prefix whose escaped form fits
        mid = (lo + hi + 1) // 2
        if tg_len(html.escape(raw[:mid])) <= room:
            lo = mid
        else:
            hi = mid - 1
    return html.escape(raw[:lo]) + suffix


def split_escaped(raw: str, size: int) -> list[str]:
    """Escaped pieces of `raw`, each at most `size` UTF-16 units, never cutting an entity."""
    pieces: list[str] = []
    rest = raw
    while rest:
        piece = fit_escaped(rest, size)
        cut = len(html.unescape(piece)) or 1
        pieces.append(piece if piece else html.escape(rest[:1]))
        rest = rest[cut:]
    return pieces or [""]


def pack(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Join complete HTML blocks into as few messages as fit in `limit`."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        joined = f"{current}\n{block}" if current else block
        if tg_len(joined) <= limit:
            current = joined
        else:
            if current:
                messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def when(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _evidence_line(report: Report) -> str:
    if report.category == INDECENT_IMAGE:
        return "Evidence: none stored (never for an indecent image: the device is to be secured)"
    if not report.evidence:
        return "Evidence: none sent"
    times = ", ".join(
        datetime.fromisoformat(e.sent_at).astimezone(UTC).strftime("%H:%M") for e in report.evidence[:10]
    )
    return f"Evidence: {len(report.evidence)} file(s) kept as Telegram references (sent {times} UTC)"


def _header(report: Report) -> list[str]:
    lines = []
    if report.category == INDECENT_IMAGE:
        lines.append("🚨 <b>URGENT: indecent image of a child</b>")
    elif report.urgent:
        lines.append("🚨 <b>URGENT: safeguarding</b>")
    lines += [
        f"<b>Report {report.reference}</b>: {html.escape(CATEGORIES[report.category])}",
        f"Who: {html.escape(SUBJECTS.get(report.subject or '', 'not given'))}",
        f"Where: {html.escape(report.place or 'not given')}",
        f"When: {when(report.created_at)}",
        f"From: {html.escape(report.reporter_name or 'unknown')} (id {report.reporter_id})",
        _evidence_line(report),
    ]
    return lines


def render_escalation(report: Report, limit: int = MESSAGE_LIMIT - 200) -> str:
    """The message the Head/DSL/chair get; the description is cut to fit (stored whole).
    `limit` leaves room for a reminder/escalation line in front."""
    head = "\n".join(_header(report))
    if report.category == INDECENT_IMAGE:
        head += "\n\n<b>Policy steps</b>\n" + html.escape(INDECENT_IMAGE_STEPS)
    suffix = f"… <i>(cut: {len(report.description):,} characters in full; /show {report.reference})</i>"
    body = fit_escaped(report.description, limit - tg_len(head) - 2, suffix)
    return f"{head}\n\n{body}"


def _event_line(event: Event, full: bool) -> str:
    who = "the bot" if event.actor_id is None else f"{event.actor_name or 'someone'} (id {event.actor_id})"
    detail = ""
    data: dict = {}
    if event.detail and event.detail.startswith("{"):
        try:
            data = json.loads(event.detail)
        except ValueError:
            data = {}
    if event.kind == "created":
        detail = f": routed to {', '.join(data.get('routed_to', []))}" if full else ""
    elif event.kind in ("delivered", "delivery_failed"):
        detail = f": to {data.get('to')} ({data.get('purpose')})"
    elif event.kind == "note":
        detail = ": " + fit_escaped(event.detail or "", 3000, CUT_NOTE)
    elif event.kind == "resolved":
        detail = f": outcome {html.escape(data.get('outcome', ''))}"
        if full:
            detail += "; reasoning: " + fit_escaped(data.get("reasoning", ""), 3000, CUT_NOTE)
    elif event.kind in ("renotified", "escalated"):
        detail = f": to {data.get('to')}"
    return f"• {when(event.at)} <b>{event.kind}</b> by {html.escape(who)}{detail}"


REPORTER_EVENTS = ("created", "acknowledged", "resolved")
CUT_NOTE = "… <i>(cut here; /export has it in full)</i>"


def render_show(
    db: sqlite_utils.Database, people: PeopleConfig, report_id: int, viewer_id: int
) -> list[str] | None:
    """Messages for /show: the full record for a reviewer, a reduced one for the reporter,
    None for anyone else (and for unknown ids: the same answer, so nothing leaks)."""
    report = _report(db, report_id)
    if report is None:
        return None
    full = can_review(db, people, report_id, viewer_id)
    if not full and report.reporter_id != viewer_id:
        return None
    blocks = ["\n".join(_header(report)) + f"\nStatus: <b>{report.status}</b>", "<b>What happened</b>"]
    blocks += split_escaped(report.description, MESSAGE_LIMIT - 100)
    if full and report.evidence:
        blocks.append(
            "<b>Evidence</b> (the files follow this message)\n"
            + "\n".join(
                f"• {html.escape(e.kind)} sent {when(e.sent_at)}: <code>{html.escape(e.file_id)}</code>"
                for e in report.evidence
            )
        )
    history = [e for e in events(db, report_id) if full or e.kind in REPORTER_EVENTS]
    blocks.append("<b>History</b>")
    blocks += [_event_line(e, full) for e in history]
    return pack(blocks)


def evidence_for(
    db: sqlite_utils.Database, people: PeopleConfig, report_id: int, viewer_id: int
) -> list[Evidence]:
    """The screenshots a reviewer of this report may see again; nothing for anyone else.

    The reporter's reduced view leaves evidence out, as `render_show` does.
    Indecent-image reports never hold any (see `create_report`).
    """
    report = _report(db, report_id)
    if report is None or not can_review(db, people, report_id, viewer_id):
        return []
    return list(report.evidence)


def render_list(reports: list[Report], title: str) -> list[str]:
    if not reports:
        return [f"{title}: none."]
    lines = [f"<b>{title}</b> ({len(reports)})"]
    for r in reports:
        flag = "🚨 " if r.urgent else ""
        lines.append(
            f"{flag}<b>{r.reference}</b> · {when(r.created_at)} · {html.escape(CATEGORIES[r.category])}"
            f" · {html.escape(SUBJECTS.get(r.subject or '', 'not given'))} · {r.status}"
        )
    lines.append("Open one with /show R-0000 (its reference).")
    return pack(lines)


# -- export -------------------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "reference",
    "created_at",
    "category",
    "subject",
    "place",
    "reporter_id",
    "reporter_name",
    "description",
    "urgent",
    "status",
    "evidence",
    "event_at",
    "event",
    "actor_id",
    "actor_name",
    "detail",
]


def _cell(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(
    db: sqlite_utils.Database, people: PeopleConfig, user_id: int, actor_name: str, at: datetime | None = None
) -> tuple[bytes, int]:
    """CSV (UTF-8 with BOM, for Excel) of the reports this reviewer may see, one row per event
    (report columns repeated); then an 'exported' event is appended to each exported report."""
    reports = queue(db, people, user_id, include_resolved=True) if is_reviewer(people, user_id) else []
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for report in reports:
        evidence = "; ".join(f"{e.kind} {e.file_id} sent {e.sent_at}" for e in report.evidence)
        base = [
            report.reference,
            report.created_at,
            CATEGORIES[report.category],
            report.subject or "",
            report.place or "",
            report.reporter_id,
            report.reporter_name,
            report.description,
            int(report.urgent),
            report.status,
            evidence,
        ]
        for event in events(db, report.id):
            writer.writerow(
                [
                    _cell(v)
                    for v in [
                        *base,
                        event.at,
                        event.kind,
                        event.actor_id or "",
                        event.actor_name or "",
                        event.detail or "",
                    ]
                ]
            )
    moment = stamp(at)
    with transaction(db):
        for report in reports:
            _event(
                db, report.id, "exported", moment, user_id, actor_name, json.dumps({"reports": len(reports)})
            )
    return buffer.getvalue().encode("utf-8-sig"), len(reports)


# -- questions that describe an incident ---------------------------------------------------------

_HYPOTHETICAL = re.compile(
    r"\b(if|whether|allowed|ever|in case|suppose|supposing|hypothetically|policy on|rules? (on|about|for))\b"
)
_NOW = re.compile(
    r"\b(just|today|tonight|yesterday|this (morning|afternoon|evening|week)|last (night|week)|right now|"
    r"keeps?|kept|again|has been|have been|is being)\b"
)
_INCIDENT = [
    re.compile(
        r"\b(has|have|had|just)\s+(\w+\s+)?(sent|posted|shared|messaged|added|tagged|uploaded|"
        r"commented|threatened|contacted|followed|friended|requested|leaked|called|written|"
        r"published|filmed|photographed|screenshotted)\b"
    ),
    re.compile(
        r"\b(is|are|was|were|keeps?|been)\s+(posting|sending|messaging|sharing|commenting|"
        r"harassing|threatening|contacting|bullying|abusing|insulting|following|filming)\b"
    ),
    re.compile(
        r"\b(sent|posted|shared|messaged|tagged|uploaded|threatened|contacted|added|followed|"
        r"leaked|commented|wrote|published|insulted|abused)\s+(me|us|my|a|an|the|some|photos?|"
        r"pictures?|videos?|about|on|in)\b"
    ),
    re.compile(
        r"\b(i|we)\s+(have\s+)?(found|saw|seen|received|got|noticed|been sent|was sent|were sent|"
        r"came across|discovered)\b"
    ),
    re.compile(r"\b(i'?m|i am|we're|we are)\s+being\s+\w+"),
]


def looks_like_incident(text: str) -> bool:
    """Does this question describe something that happened (offer "Report this"), rather than
    ask about the rules? Cheap and conservative: a wrong "yes" only shows one extra button."""
    lowered = " ".join((text or "").lower().replace("’", "'").split())
    if len(lowered) < 12:
        return False
    incident = any(pattern.search(lowered) for pattern in _INCIDENT)
    if not incident:
        return False
    return not (_HYPOTHETICAL.search(lowered) and not _NOW.search(lowered))
