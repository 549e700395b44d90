"""Running the bot: /status, the failed-backup and failed-purge alerts, the digest chart's
caption and [people] reloads."""

from __future__ import annotations

from pathlib import Path

from ..config import PeopleConfig
from .common import ROLE_TITLES
from .telegram import esc, heading

REVIEWER_ROLES = ("head_teacher", "deputy", "dsl", "chair_of_governors")
UNREACHABLE_LABEL = "Cannot reach"


def backup_failed(error: str, when: str) -> str:
    return (
        f"⚠️ <b>Last night's backup failed</b> ({esc(when)}).\n\n<code>{esc(heading(error, 500))}</code>\n\n"
        "The reports are still in the database; please ask whoever looks after the server to check "
        "the backup folder (see /status)."
    )


def purge_failed(error: str, when: str) -> str:
    return (
        f"⚠️ <b>Tonight's deletion of old reports failed</b> ({esc(when)}); nothing was deleted.\n\n"
        f"<code>{esc(heading(error, 500))}</code>\n\n"
        "Reports past [storage] report_retention are kept until it succeeds; the bot tries again "
        "tomorrow night. Please ask whoever looks after the server to check the log."
    )


DIGEST_CHART_CAPTION = "The last 8 weeks: reports by category, and questions answered and declined."


def people_reloaded(summary: str) -> str:
    return f"[people] from the config file: {esc(summary)}."


def last_purge_text(when: str, count: int, first: str, last: str) -> str:
    """/status: the last night resolved reports past their retention were deleted."""
    span = first if first == last else f"{first} to {last}"
    return f"{when}: {count} report{'s' if count != 1 else ''} deleted ({span})"


STATUS_HEADING = "StaffGuide status"

# /status's lines, by label
RUNNING_SINCE = "Running since"
REPORTS = "Reports"
NOTIFICATIONS = "Notifications"
BACKUPS = "Backups"
REPORT_RETENTION = "Report retention"
LAST_REPORT_PURGE = "Last report purge"
LAST_BACKUP = "Last backup"
NO_BACKUP_YET = "none yet"
NEXT_BACKUP = "Next backup"
TIME_ZONE = "Time zone"


def reports_total(total: int) -> str:
    return f"{total} in all"


def notifications_text(waiting: int, failed: int) -> str:
    return f"{waiting} waiting, {failed} failed"


def backup_schedule(hour: int, folder: Path, keep_days: int) -> str:
    """/status: when backups are taken, where to, and for how long they are kept."""
    return f"nightly at {hour:02d}:00 into {folder}, kept {keep_days} days"


def backup_result(ok: bool, when: str, detail: str) -> str:
    """/status's last backup this run: its result, when, and the file or the error."""
    return f"{'ok' if ok else 'FAILED'} at {when}: {detail}"


def status_text(lines: list[tuple[str, str]]) -> str:
    return f"<b>{STATUS_HEADING}</b>\n\n" + "\n".join(f"<b>{esc(k)}:</b> {esc(v)}" for k, v in lines)


def unreachable_text(people: PeopleConfig, gone: dict[int, str]) -> str | None:
    """Plain words for /status and `staffguide check`: reviewers Telegram refuses to deliver to (they
    blocked the bot or never pressed Start), so their alerts go to whoever covers for them."""
    named = [
        f"{ROLE_TITLES[role]} (id {uid})"
        for role in REVIEWER_ROLES
        for uid in getattr(people, role)
        if uid in gone
    ]
    if not named:
        return None
    return (
        ", ".join(named)
        + ": Telegram refuses messages to them; they must open the bot and press Start."
        + " Until then their alerts go to whoever covers for them."
    )
