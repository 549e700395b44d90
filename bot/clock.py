"""The one clock: every module reads the time here, so tests and timestamps agree.

Timestamps are stored as ISO 8601 UTC strings: sortable as text and readable
in any SQLite tool.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo


def utc(at: datetime | None = None) -> datetime:
    """`at`, or the current time, as an aware UTC datetime."""
    return at if at is not None else datetime.now(UTC)


def now(at: datetime | None = None) -> str:
    """ISO 8601 UTC to the second (users, questions, knowledge records)."""
    return utc(at).astimezone(UTC).isoformat(timespec="seconds")


def stamp(at: datetime | None = None) -> str:
    """ISO 8601 UTC with milliseconds: precise enough for sub-second outbox backoff."""
    return utc(at).astimezone(UTC).isoformat(timespec="milliseconds")


# The school's zone ([school] timezone), set by bot.app when the bot is built; every time a
# person reads goes through `shown`. Stored times stay UTC.
_school_zone: tzinfo = ZoneInfo("Europe/London")


def set_school_zone(tz: tzinfo) -> None:
    global _school_zone
    _school_zone = tz


def school_zone() -> tzinfo:
    return _school_zone


def local(at: datetime | str, tz: tzinfo | None = None) -> datetime:
    """A stored time (ISO string or datetime; naive means UTC) in the school's zone."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz or _school_zone)


def shown(at: datetime | str | None, tz: tzinfo | None = None, seconds: bool = False) -> str:
    """A time as a person at the school reads it: 25/11/2026 19:40, in the school's zone."""
    if at is None or at == "":
        return ""
    return local(at, tz).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
