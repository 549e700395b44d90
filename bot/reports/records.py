"""The records of a report as plain data, and its reference (R-0042)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


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
    happened: str | None = None  # when it happened, as chosen or typed (bot.reports.happened)
    happened_on: str | None = None  # that day in the school's time, ISO, when known
    # Whether it is about the Head, as the reporter answered when its words left it unclear
    # ("bumped her head"); None: decided from its words (bot.reports.head).
    about_head: bool | None = None


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
    happened: str | None = None
    happened_on: str | None = None

    @property
    def reference(self) -> str:
        return reference(self.id)

    @property
    def tag(self) -> str:
        """Names this very report in a button, with its id: a restore can give the id to another
        report (bot.reports.numbering), never the time this one was filed."""
        return report_tag(self.id, self.created_at)


@dataclass(frozen=True)
class Event:
    id: int
    report_id: int
    at: str
    kind: str
    actor_id: int | None
    actor_name: str | None
    detail: str | None

    @property
    def data(self) -> dict[str, Any]:
        """A structured event's detail (JSON: outcome, role, text…); {} for a plain-text one (a
        note) or none."""
        if not self.detail or not self.detail.startswith("{"):
            return {}
        try:
            data = json.loads(self.detail)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Created:
    report: Report
    recipients: list[tuple[int, str]]
    outbox_ids: list[int] = field(default_factory=list)
    about_head: bool = False  # routed to the chair of governors, barred from the Head Teacher
    held: bool = False  # over the person's limit: stored, its alert folded into a summary


class Result(Enum):
    DONE = "done"
    ALREADY = "already"  # acknowledged / resolved before
    RESOLVED = "resolved"  # cannot acknowledge a resolved report
    NOT_ALLOWED = "not allowed"  # unknown report, or not routed to this person: same answer
    INVALID = "invalid"  # empty note / reasoning


def report_tag(report_id: int, created_at: str) -> str:
    return hashlib.blake2s(f"{report_id}|{created_at}".encode(), digest_size=4).hexdigest()


def reference(report_id: int) -> str:
    return f"R-{report_id:04d}"


_REFERENCE = re.compile(r"^\s*#?(?:R-?)?0*(\d{1,9})\s*$", re.IGNORECASE)


def parse_reference(text: str) -> int | None:
    """'R-0042', 'r42', '42' -> 42; anything else -> None."""
    match = _REFERENCE.match(text or "")
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None
