"""CSV export of the reports a reviewer may see: two files, made together and logged once.

* incidents — one row per report, in the order and words of a safeguarding system's incident
  form (CPOMS, MyConcern: date and time of the incident, category, location, who is involved,
  details, actions taken, outcome, the system's own reference), so a DSL can paste rows in.
* history — one row per event (report columns repeated): the full audit trail.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlite_utils

from ..clock import local, shown, stamp
from ..config import PeopleConfig
from ..transactions import transaction
from .audit import add_event, events
from .happened import CHOICES as HAPPENED_CHOICES
from .queries import is_reviewer, queue
from .records import Event, Report
from .vocabulary import CATEGORIES, SUBJECTS

INCIDENT_COLUMNS = [
    "Reference",
    "Date of incident",
    "Time of incident",
    "When it happened (as reported)",
    "Date reported",
    "Time reported",
    "Category",
    "Who is involved",
    "Location",
    "Reported by",
    "Details",
    "Evidence",
    "Urgent",
    "Status",
    "Actions taken",
    "Outcome",
    "Outcome reasoning",
    "Resolved by",
    "Date resolved",
    "Safeguarding system reference",
]
JUST_NOW = HAPPENED_CHOICES["now"]
# the events that are actions taken on a report, as a DSL's record lists them
ACTION_WORDS = {
    "acknowledged": "Acknowledged",
    "note": "Note",
    "to_reporter": "Message to the reporter",
    "from_reporter": "Reply from the reporter",
    "resolved": "Resolved",
}

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
    "happened",
    "happened_on",
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


@dataclass(frozen=True)
class Export:
    incidents: bytes  # CSV, UTF-8 with BOM (Excel)
    history: bytes
    count: int


def _action(event: Event) -> str:
    data = event.data
    text = data.get("text") if data else event.detail
    if event.kind == "resolved":
        text = data.get("outcome", "")
    line = f"{shown(event.at)} {ACTION_WORDS[event.kind]}"
    if event.actor_name:
        line += f" by {event.actor_name}"
    return f"{line}: {text}" if text and event.kind != "acknowledged" else line


def _incident_row(report: Report, trail: list[Event]) -> list[object]:
    reported = local(report.created_at)
    day = date.fromisoformat(report.happened_on) if report.happened_on else None
    resolved = next((e for e in reversed(trail) if e.kind == "resolved"), None)
    outcome = resolved.data if resolved else {}
    return [
        report.reference,
        day.strftime("%d/%m/%Y") if day else "",
        reported.strftime("%H:%M") if report.happened == JUST_NOW else "",  # filed as it happened
        report.happened or "",
        reported.strftime("%d/%m/%Y"),
        reported.strftime("%H:%M"),
        CATEGORIES[report.category],
        SUBJECTS.get(report.subject or "", ""),
        report.place or "",
        report.reporter_name,
        report.description,
        f"{len(report.evidence)} file(s) kept in Telegram (see /show {report.reference})"
        if report.evidence
        else "",
        "Yes" if report.urgent else "No",
        report.status,
        "\n".join(_action(e) for e in trail if e.kind in ACTION_WORDS),
        outcome.get("outcome", ""),
        outcome.get("reasoning", ""),
        (resolved.actor_name or "") if resolved else "",
        shown(resolved.at) if resolved else "",
        outcome.get("reference", ""),
    ]


def csv_bytes(rows: list[list[object]]) -> bytes:
    """UTF-8 with a BOM (Excel), formulas neutralised; the reads record uses it too."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def export_reports(
    db: sqlite_utils.Database, people: PeopleConfig, user_id: int, actor_name: str, at: datetime | None = None
) -> Export:
    """The two CSV files of the reports this reviewer may see; then an 'exported' event is
    appended to each exported report."""
    reports = queue(db, people, user_id, include_resolved=True) if is_reviewer(people, user_id) else []
    incidents: list[list[object]] = [list(INCIDENT_COLUMNS)]
    history: list[list[object]] = [list(EXPORT_COLUMNS)]
    for report in reports:
        trail = events(db, report.id)
        incidents.append(_incident_row(report, trail))
        evidence = "; ".join(
            f"{e.kind} {e.file_id} sent {shown(e.sent_at, seconds=True)}" for e in report.evidence
        )
        base = [
            report.reference,
            shown(report.created_at, seconds=True),
            CATEGORIES[report.category],
            SUBJECTS.get(report.subject or "", report.subject or ""),
            report.place or "",
            report.reporter_id,
            report.reporter_name,
            report.description,
            int(report.urgent),
            report.status,
            evidence,
            report.happened or "",
            report.happened_on or "",
        ]
        for event in trail:
            history.append(
                [
                    *base,
                    shown(event.at, seconds=True),
                    event.kind,
                    event.actor_id or "",
                    event.actor_name or "",
                    event.detail or "",
                ]
            )
    moment = stamp(at)
    with transaction(db):
        for report in reports:
            add_event(
                db, report.id, "exported", moment, user_id, actor_name, json.dumps({"reports": len(reports)})
            )
    return Export(incidents=csv_bytes(incidents), history=csv_bytes(history), count=len(reports))
