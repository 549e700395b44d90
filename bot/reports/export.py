"""CSV export of the reports a reviewer may see, one row per event."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import sqlite_utils

from ..clock import shown, stamp
from ..config import PeopleConfig
from ..transactions import transaction
from .audit import add_event, events
from .queries import is_reviewer, queue
from .vocabulary import CATEGORIES

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
        evidence = "; ".join(
            f"{e.kind} {e.file_id} sent {shown(e.sent_at, seconds=True)}" for e in report.evidence
        )
        base = [
            report.reference,
            shown(report.created_at, seconds=True),
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
                        shown(event.at, seconds=True),
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
            add_event(
                db, report.id, "exported", moment, user_id, actor_name, json.dumps({"reports": len(reports)})
            )
    return buffer.getvalue().encode("utf-8-sig"), len(reports)
