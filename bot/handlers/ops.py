"""Running the bot at a school: the nightly backup job, the report retention job and the Head
Teacher's /status.

The backup runs in a worker thread (bot.backup; SQLite's online backup API, so
staff and reports are never held up), then old backups past `[backup] keep_days`
are deleted. The last result is kept in memory for /status; a failure is also
sent to the Head Teacher through the outbox, so it is retried like any alert.

When `[storage] report_retention` is a number of years, a daily job deletes the
reports resolved longer ago than that (bot.reports.retention, one transaction), and the
confirmations of policy versions replaced longer ago than that (bot.reads);
/status shows the setting and the last purge from the database's purge log.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import Any

import sqlite_utils
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from .. import backup, heartbeat, outbox, reads, reports
from ..clock import shown, utc
from ..context import SERVICES_KEY, Services, services_of
from ..outbox_sender import trigger_drain
from ..text import access as access_text
from ..text import ops as ops_text
from .common import message_of, require_role

log = logging.getLogger("staffguide.ops")

BACKUP_JOB = "nightly-backup"
HEARTBEAT_JOB = "heartbeat"
REPORT_PURGE_JOB = "purge-old-reports"
REPORT_PURGE_TIME = time(3, 45)  # school time: after the default 02:00 backup and the questions' purge
LAST_BACKUP = "ops.last_backup"
STARTED_AT = "ops.started_at"
COMMANDS = [("status", "Head Teacher: backups, queue and outbox at a glance")]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class BackupStatus:
    at: datetime
    ok: bool
    detail: str  # the backup's file name and size, or the error


def tell_heads(application: AnyApplication, text: str, purpose: str) -> None:
    """A night job went wrong: the Head Teacher is told through the outbox (retried, never lost)."""
    services: Services = application.bot_data[SERVICES_KEY]
    for head in services.config.people.head_teacher:
        outbox.enqueue(services.db, recipient_id=head, text=text, purpose=purpose)
    trigger_drain(application)


async def run_backup(application: AnyApplication) -> BackupStatus:
    """Back up now, prune old backups, remember the result; alert the Head Teacher on failure."""
    services: Services = application.bot_data[SERVICES_KEY]
    config = services.config
    folder = config.backup.dir
    at = utc()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        info = await asyncio.to_thread(backup.take_backup, config.storage.database, folder)
        removed = await asyncio.to_thread(backup.prune, folder, config.backup.keep_days)
        status = BackupStatus(at, True, f"{info.path.name}, {info.reports} reports, {info.size:,} bytes")
        log.info("backup %s; deleted %d old backup(s)", status.detail, len(removed))
    except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised into the job queue
        status = BackupStatus(at, False, str(exc))
        log.warning("backup failed: %s", exc)
        tell_heads(
            application, ops_text.backup_failed(str(exc), shown(at, config.school.tz)), "backup_failed"
        )
    application.bot_data[LAST_BACKUP] = status
    return status


async def beat(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every BEAT_SECONDS: the bot is alive (bot.heartbeat), written only while the application and
    its updater (polling or webhook) run, so a bot that stopped receiving updates goes stale."""
    application = context.application
    updater = application.updater
    if not application.running or (updater is not None and not updater.running):
        log.warning("no heartbeat: the bot is not receiving updates")
        return
    database = services_of(context).config.storage.database
    try:
        await asyncio.to_thread(heartbeat.beat, database)
    except OSError as exc:
        log.warning("cannot write the heartbeat next to %s: %s", database, exc)


async def nightly_backup(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_backup(context.application)


async def purge_reports(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily, when `[storage] report_retention` is a number of years: one log line either way.
    A purge that fails changes nothing (one transaction) and the Head Teacher is told, as for a
    failed backup: the school said how long reports are kept, and they are now kept longer."""
    services = services_of(context)
    config = services.config
    years = config.storage.report_retention_years
    if years is None:
        return
    purge_read_records(services.db, years)
    try:
        purge = reports.purge_resolved(services.db, years)
    except Exception as exc:  # noqa: BLE001 - reported to the Head, never raised into the job queue
        log.warning("report retention: the purge failed, nothing was deleted: %s", exc)
        text = ops_text.purge_failed(str(exc), shown(utc(), config.school.tz))
        tell_heads(context.application, text, "purge_failed")
        return
    if purge.lowest is None or purge.highest is None:
        log.info("report retention: no report resolved more than %d year(s) ago", years)
        return
    first, last = reports.reference(purge.lowest), reports.reference(purge.highest)
    log.info(
        "report retention: deleted %d report(s) resolved more than %d year(s) ago (%s)",
        purge.reports,
        years,
        first if first == last else f"{first} to {last}",
    )


def purge_read_records(db: sqlite_utils.Database, years: int) -> None:
    """Confirmations of policy versions replaced more than `years` ago go with the old reports;
    a failure deletes none of them and is tried again the next night."""
    try:
        deleted = reads.purge_confirmations(db, years)
    except Exception as exc:  # noqa: BLE001 - logged, never raised into the job queue
        log.warning("retention: deleting old policy read confirmations failed, none deleted: %s", exc)
        return
    if deleted:
        log.info(
            "retention: deleted %d confirmation(s) of policy versions replaced over %d year(s) ago",
            deleted,
            years,
        )


def retention_lines(db: sqlite_utils.Database, years: int | None, tz: tzinfo) -> list[tuple[str, str]]:
    """/status: how long reports are kept and, when reports were ever deleted, the last purge."""
    lines = [(ops_text.REPORT_RETENTION, access_text.report_retention_text(years))]
    last = reports.last_purge(db)
    if last is not None and last.lowest is not None and last.highest is not None:
        text = ops_text.last_purge_text(
            shown(last.at, tz), last.reports, reports.reference(last.lowest), reports.reference(last.highest)
        )
        lines.append((ops_text.LAST_REPORT_PURGE, text))
    return lines


def status_lines(application: AnyApplication) -> list[tuple[str, str]]:
    services: Services = application.bot_data[SERVICES_KEY]
    config = services.config
    tz = config.school.tz
    db = services.db
    lines = []
    started = application.bot_data.get(STARTED_AT)
    if started is not None:
        lines.append((ops_text.RUNNING_SINCE, shown(started, tz)))
    tables = set(db.table_names())
    if "reports" in tables:
        total = db.execute("select count(*) from reports").fetchone()[0]
        lines.append((ops_text.REPORTS, ops_text.reports_total(total)))
        lines += retention_lines(db, config.storage.report_retention_years, tz)
    if "outbox" in tables:
        counts = outbox.counts(db)
        waiting = sum(n for s, n in counts.items() if s in ("pending", "claimed"))
        failed = counts.get("failed", 0)
        lines.append((ops_text.NOTIFICATIONS, ops_text.notifications_text(waiting, failed)))
        cannot = ops_text.unreachable_text(config.people, reports.unreachable_people(db))
        if cannot:
            lines.append((ops_text.UNREACHABLE_LABEL, cannot))
    last: BackupStatus | None = application.bot_data.get(LAST_BACKUP)
    if last is not None:
        lines.append((ops_text.LAST_BACKUP, ops_text.backup_result(last.ok, shown(last.at, tz), last.detail)))
    else:
        newest = backup.newest(config.backup.dir)
        if newest is not None:
            taken = datetime.fromtimestamp(newest.stat().st_mtime).astimezone()
            lines.append((ops_text.LAST_BACKUP, f"{newest.name} ({shown(taken, tz)})"))
        else:
            lines.append((ops_text.LAST_BACKUP, ops_text.NO_BACKUP_YET))
    schedule = ops_text.backup_schedule(config.backup.hour, config.backup.dir, config.backup.keep_days)
    lines.append((ops_text.BACKUPS, schedule))
    jobs = application.job_queue.get_jobs_by_name(BACKUP_JOB) if application.job_queue else ()
    if jobs and jobs[0].next_t is not None:
        lines.append((ops_text.NEXT_BACKUP, shown(jobs[0].next_t, tz)))
    lines.append((ops_text.TIME_ZONE, config.school.timezone))
    return lines


@require_role("head_teacher")
async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await message_of(update).reply_text(ops_text.status_text(status_lines(context.application)))


def register(application: AnyApplication) -> None:
    application.bot_data[STARTED_AT] = utc()
    application.add_handler(CommandHandler("status", status, filters=filters.ChatType.PRIVATE))
    services: Services | None = application.bot_data.get(SERVICES_KEY)
    if application.job_queue is None or services is None:
        log.error("no JobQueue (install python-telegram-bot[job-queue]): no nightly backup")
        return
    tz = services.config.school.tz
    # The first beat as soon as the bot runs: with `first=0` alone APScheduler, started later than the
    # job was added, waits a whole interval; a late beat still counts (no misfire grace).
    application.job_queue.run_repeating(
        beat,
        interval=heartbeat.BEAT_SECONDS,
        name=HEARTBEAT_JOB,
        job_kwargs={"next_run_time": utc(), "misfire_grace_time": None},
    )
    application.job_queue.run_daily(
        nightly_backup, time=time(services.config.backup.hour, tzinfo=tz), name=BACKUP_JOB
    )
    if services.config.storage.report_retention_years is not None:
        at = REPORT_PURGE_TIME.replace(tzinfo=tz)
        application.job_queue.run_daily(purge_reports, time=at, name=REPORT_PURGE_JOB)
