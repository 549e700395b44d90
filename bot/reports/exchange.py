"""Messages between a report's reviewers and its reporter, kept in the report's history.

A DSL often needs one more fact ("which platform?", "did you keep the screenshot?") before
acting, and an "Ask the Head Teacher" question wants an answer, not only an outcome. Both
travel the same way: each message is an event in the append-only trail ('to_reporter',
'from_reporter') and an outbox row, written in one transaction, so what was asked and answered
is part of the record and nothing is announced that was not stored.

Who may write: a reviewer of the report (`can_review`) to its reporter, at any status; the
reporter back only once a reviewer has written to them, and only to the reviewers who wrote
(those who can still review it), so a reply never widens who sees a report.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from ..clock import stamp
from ..config import PeopleConfig
from ..transactions import transaction
from .audit import add_event, events
from .delivery import notify
from .notices import Notices
from .queries import can_review, get_report, status
from .records import Result
from .store import acting_role


def message_reporter(
    db: sqlite_utils.Database,
    people: PeopleConfig,
    report_id: int,
    actor_id: int,
    actor_name: str,
    text: str,
    at: datetime | None = None,
    *,
    notices: Notices,
) -> Result:
    """A reviewer writes to the reporter: a question about a report, or the answer to an
    escalated question. An open report counts as acknowledged by it (whoever writes has read
    it), without a separate notice: the message says as much."""
    if not can_review(db, people, report_id, actor_id):
        return Result.NOT_ALLOWED
    if not text.strip():
        return Result.INVALID
    moment = stamp(at)
    body = text.strip()  # whole: messages show what fits and say /export has the rest
    with transaction(db):
        role = acting_role(db, report_id, people.roles_of(actor_id))
        if status(db, report_id) == "open":
            detail = json.dumps({"role": role, "by": "message to the reporter"})
            add_event(db, report_id, "acknowledged", moment, actor_id, actor_name, detail)
        add_event(
            db,
            report_id,
            "to_reporter",
            moment,
            actor_id,
            actor_name,
            json.dumps({"text": body, "role": role}),
        )
        report = get_report(db, report_id)
        if report is None:  # can_review found it in this transaction
            raise LookupError(f"report {report_id} is not stored")
        notice = notices.to_reporter(report, role, body)
        notify(db, report_id, [report.reporter_id], notice, "to_reporter", at=at)
    return Result.DONE


def writers_to_reporter(db: sqlite_utils.Database, people: PeopleConfig, report_id: int) -> list[int]:
    """The reviewers who wrote to the reporter and may still review the report, first writer first."""
    found: list[int] = []
    for event in events(db, report_id):
        uid = event.actor_id
        fresh = event.kind == "to_reporter" and uid is not None and uid not in found
        if fresh and uid is not None and can_review(db, people, report_id, uid):
            found.append(uid)
    return found


def reply_from_reporter(
    db: sqlite_utils.Database,
    people: PeopleConfig,
    report_id: int,
    reporter_id: int,
    reporter_name: str,
    text: str,
    at: datetime | None = None,
    *,
    notices: Notices,
) -> tuple[Result, list[int]]:
    """The reporter answers. Returns the result and the reviewers it is queued for; NOT_ALLOWED
    for anyone but the reporter, or before any reviewer wrote (or once none of them may review
    it any more: the reply would reach nobody)."""
    report = get_report(db, report_id)
    if report is None or report.reporter_id != reporter_id:
        return Result.NOT_ALLOWED, []
    if not text.strip():
        return Result.INVALID, []
    body = text.strip()  # whole: messages show what fits and say /export has the rest
    with transaction(db):
        to = writers_to_reporter(db, people, report_id)
        if not to:
            return Result.NOT_ALLOWED, []
        moment = stamp(at)
        add_event(
            db, report_id, "from_reporter", moment, reporter_id, reporter_name, json.dumps({"text": body})
        )
        notify(db, report_id, to, notices.from_reporter(report, reporter_name, body), "from_reporter", at=at)
    return Result.DONE, to


def conversation_of(db: sqlite_utils.Database, recipient_id: int, message_id: int) -> tuple[int, str] | None:
    """(report id, purpose) of the message a person replied to with Telegram's own Reply, when it
    was one of these messages sent to them; None otherwise."""
    row = db.execute(
        "select report_id, purpose from outbox where recipient_id = ? and message_id = ?"
        " and purpose in ('to_reporter', 'from_reporter') and report_id is not null",
        [recipient_id, message_id],
    ).fetchone()
    return (int(row[0]), str(row[1])) if row else None
