"""What the reports domain tells people, and the one seam through which it is worded.

The domain decides *that* someone is told and *what happened* (an alert for report 42, its
acknowledgement by the DSL); it never decides how that reads. Each function that writes
outbox rows takes a `Notices`, passed down from the layer that knows Telegram (bot.text.notices),
and stores what it returns with the row in the same transaction. So a message is rendered
exactly once, when what it announces is stored, and a restart re-sends the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..outbox import Buttons
from .records import Report

RENOTIFIED, ESCALATED = "renotified", "escalated"  # the two steps for a report nobody acknowledged


@dataclass(frozen=True)
class Notice:
    """A rendered message for the outbox: its text and, optionally, rows of (label, data) buttons."""

    text: str
    buttons: Buttons | None = None


class Notices(Protocol):
    """How each thing the domain announces is worded; every method is pure (no I/O)."""

    def alert(self, report: Report) -> Notice:
        """A new report, to each reviewer it is routed to."""
        ...

    def overdue(self, step: str, minutes: float, listed: list[Report]) -> Notice:
        """Reports nobody acknowledged within `minutes`: `step` is RENOTIFIED or ESCALATED."""
        ...

    def acknowledged(self, report: Report, role: str) -> Notice:
        """To the reporter, once a reviewer acting as `role` acknowledged their report."""
        ...

    def resolved(self, report: Report, role: str, outcome: str) -> Notice:
        """To the reporter: the outcome (never the reasoning)."""
        ...

    def to_reporter(self, report: Report, role: str, text: str) -> Notice:
        """A reviewer's message, as the reporter reads it."""
        ...

    def from_reporter(self, report: Report, reporter_name: str, text: str) -> Notice:
        """The reporter's reply, as the reviewers read it."""
        ...

    def held(self, reporter_name: str, report_ids: list[int]) -> Notice:
        """One message for a burst of reports whose alerts were held."""
        ...

    def urgent_delivered(self, report_id: int, count: int) -> Notice:
        """To the reporter, once Telegram accepted every urgent alert of their report."""
        ...

    def rerouted(
        self, report: Report, lost_role: str, cover_role: str | None, outside_contact: str
    ) -> Notice:
        """To the reporter: nobody in `lost_role` can be reached, so the report went to `cover_role`
        (None: nobody else may receive it; tell `outside_contact` yourself)."""
        ...
