"""Many reports from one person in a minute: all stored, their alerts folded into one summary.

`create_report` holds the alert of a report beyond the person's `[limits] reports_per_minute`
(an 'alert_held' event naming who it would have gone to). Once the person has stopped for
`settle_seconds` (or a minute has passed), each of those reviewers gets ONE message: "5 more
reports from Ms X in the last minute: /queue", and each report gets a 'summarised' event.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta

import sqlite_utils

from ..clock import stamp, utc
from ..transactions import transaction
from .audit import add_event
from .delivery import notify
from .notices import Notices

MAX_WAIT = timedelta(minutes=1)


def summarise_held(
    db: sqlite_utils.Database,
    settle_seconds: float = 10.0,
    at: datetime | None = None,
    *,
    notices: Notices,
) -> list[int]:
    """One summary per (reporter, reviewer) for the held alerts whose burst is over; returns
    the new outbox ids."""
    moment = utc(at)
    rows = db.execute(
        "select r.id, r.reporter_id, r.reporter_name, r.created_at, e.detail from reports r"
        " join report_events e on e.report_id = r.id and e.kind = 'alert_held'"
        " where not exists (select 1 from report_events s where s.report_id = r.id and s.kind = 'summarised')"
        " order by r.id"
    ).fetchall()
    bursts: dict[int, list[tuple[int, str, str, list[int]]]] = defaultdict(list)
    for report_id, reporter_id, name, created_at, detail in rows:
        bursts[reporter_id].append(
            (report_id, name or "someone", created_at, json.loads(detail or "{}").get("to", []))
        )
    created: list[int] = []
    for held in bursts.values():
        newest = datetime.fromisoformat(held[-1][2])
        oldest = datetime.fromisoformat(held[0][2])
        if moment - newest < timedelta(seconds=settle_seconds) and moment - oldest < MAX_WAIT:
            continue  # still coming: wait, so the reviewers get one message, not one per second
        per_reviewer: dict[int, list[int]] = defaultdict(list)
        for report_id, _name, _at, to in held:
            for uid in to:
                per_reviewer[uid].append(report_id)
        with transaction(db):
            for uid, ids in per_reviewer.items():
                created += notify(db, ids[0], [uid], notices.held(held[0][1], ids), "summary", at=at)
            for report_id, _name, _at, to in held:
                add_event(db, report_id, "summarised", stamp(at), None, None, json.dumps({"to": to}))
    return created
