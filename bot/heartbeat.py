"""The running bot's heartbeat, and the probe a supervisor runs to see that it is alive.

Why a heartbeat and not only "is the process there": a bot whose event loop is stuck, or whose
polling stopped, still has a process and still holds its lock, yet answers nobody. The bot's job
queue (on the same event loop as the handlers) writes the time to `<database>.alive` every
BEAT_SECONDS while the bot is running and receiving updates; `staffguide health` (Docker's
HEALTHCHECK, a monitoring script) fails when that time is older than MAX_AGE_SECONDS, when no bot
holds the database's lock, or when there is no heartbeat at all. It reads two small files: no
Telegram, no model, no database, so it is quick and safe to run every minute.

The time is written inside the file (not taken from its mtime) so that a copy, a clock check or a
test can read it as it is; the file is replaced atomically, so the probe never reads half a line.
Free of Telegram types: the job that calls `beat` lives in bot.handlers.ops.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .backup import BackupError, running_pid
from .clock import stamp, utc
from .errors import StartupError

BEAT_SECONDS = 30
MAX_AGE_SECONDS = 120  # four beats missed: a stuck loop, not a slow one


class Unhealthy(StartupError):
    """The bot is not running, or running without a recent heartbeat; one line saying which."""


@dataclass(frozen=True)
class Beat:
    at: datetime
    pid: int


def heartbeat_path(database: Path) -> Path:
    return database.with_name(database.name + ".alive")


def beat(database: Path, at: datetime | None = None) -> None:
    """Record that the bot is alive now (UTC, and its pid), replacing the file in one step."""
    path = heartbeat_path(database)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(f"{stamp(at)} {os.getpid()}\n", encoding="utf-8")
    os.replace(partial, path)


def last_beat(database: Path) -> Beat | None:
    """The last heartbeat written next to `database`, or None when there is none (or it is garbled)."""
    try:
        when, pid = heartbeat_path(database).read_text(encoding="utf-8").split()
        return Beat(datetime.fromisoformat(when), int(pid))
    except (OSError, ValueError):
        return None


def probe(database: Path, max_age: float = MAX_AGE_SECONDS, at: datetime | None = None) -> str:
    """One line saying the bot on `database` is alive, or Unhealthy saying why it is not."""
    try:
        pid = running_pid(database)
    except BackupError as exc:  # Docker reserves exit code 2 for health checks: unhealthy is 1
        raise Unhealthy(str(exc)) from None
    if pid is None:
        raise Unhealthy(f"no StaffGuide bot is running on {database}")
    last = last_beat(database)
    if last is None:
        raise Unhealthy(f"the bot (pid {pid}) has written no heartbeat yet ({heartbeat_path(database)})")
    age = (utc(at) - utc(last.at)).total_seconds()
    if age > max_age:
        raise Unhealthy(
            f"the bot (pid {pid}) last showed a sign of life {age:.0f} s ago (more than {max_age:.0f} s): "
            "it may be stuck; its log says more"
        )
    return f"alive: pid {pid}, last heartbeat {max(age, 0):.0f} s ago"
