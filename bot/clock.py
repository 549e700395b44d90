"""The one clock: every module reads the time here, so tests and timestamps agree.

Timestamps are stored as ISO 8601 UTC strings: sortable as text and readable
in any SQLite tool.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc(at: datetime | None = None) -> datetime:
    """`at`, or the current time, as an aware UTC datetime."""
    return at if at is not None else datetime.now(UTC)


def now(at: datetime | None = None) -> str:
    """ISO 8601 UTC to the second (users, questions, knowledge records)."""
    return utc(at).astimezone(UTC).isoformat(timespec="seconds")


def stamp(at: datetime | None = None) -> str:
    """ISO 8601 UTC with milliseconds: precise enough for sub-second outbox backoff."""
    return utc(at).astimezone(UTC).isoformat(timespec="milliseconds")
