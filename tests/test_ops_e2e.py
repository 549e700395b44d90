"""Running the bot at a school, end to end: the nightly backup job, its result in the Head
Teacher's /status, and the alert when it fails."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import plain

from bot import backup, outbox, reports
from bot.clock import shown, utc
from bot.context import Services
from bot.handlers import ops
from bot.reports import NewReport, Result
from bot.text import access as access_text
from bot.text import ops as ops_text
from bot.text.notices import NOTICES


def status_fields(reply: dict) -> dict[str, str]:
    """/status as the Head reads it: its heading, then one value a label."""
    heading, *lines = plain(reply["text"]).splitlines()
    assert heading == ops_text.STATUS_HEADING
    return dict(line.split(": ", 1) for line in lines if line)


def fast(services: Services) -> Services:
    services.tick_seconds = 0.1
    services.backoff = outbox.Backoff(base=0.1, factor=2, cap=1)
    return services


@pytest.mark.e2e
async def test_nightly_backup_is_scheduled_in_school_time_and_shown_in_status(
    make_services, running_bot, make_user, people, tmp_path: Path
) -> None:
    services = fast(make_services(backup={"dir": tmp_path / "backups", "hour": 2}))
    app = await running_bot(services)
    [job] = app.job_queue.get_jobs_by_name(ops.BACKUP_JOB)
    when = job.next_t.astimezone(services.config.school.tz)
    assert (when.hour, when.minute) == (2, 0), "02:00 at the school, whatever the server's zone"

    assert app.job_queue.get_jobs_by_name(ops.REPORT_PURGE_JOB) == (), "reports are kept by default"

    head = make_user(services, people.head_teacher, "Helen")
    await head.send("/status")
    [before] = await head.replies()
    fields = status_fields(before)
    assert fields[ops_text.LAST_BACKUP] == ops_text.NO_BACKUP_YET
    assert fields[ops_text.REPORT_RETENTION] == access_text.report_retention_text(None)
    assert ops_text.LAST_REPORT_PURGE not in fields

    status = await ops.run_backup(app)
    assert status.ok, status.detail
    made = backup.newest(tmp_path / "backups")
    assert made is not None and backup.integrity(made) == "ok"

    await head.send("/status")
    [after] = await head.replies()
    fields = status_fields(after)
    tz = services.config.school.tz
    assert fields[ops_text.LAST_BACKUP] == ops_text.backup_result(True, shown(status.at, tz), status.detail)
    assert made.name in fields[ops_text.LAST_BACKUP]
    assert fields[ops_text.TIME_ZONE] == "Europe/London"
    assert fields[ops_text.NEXT_BACKUP] == f"{when:%d/%m/%Y} 02:00"

    teacher = make_user(services, people.teacher, "Tom")
    await teacher.send("/status")
    [refused] = await teacher.replies()
    assert refused["text"] == access_text.role_refusal(("head_teacher",))


async def test_a_failed_backup_alerts_the_head_teacher(
    make_services, running_bot, make_user, people, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    services = fast(make_services(backup={"dir": blocker / "backups"}))
    app = await running_bot(services)
    head = make_user(services, people.head_teacher, "Helen")

    status = await ops.run_backup(app)
    assert not status.ok
    tz = services.config.school.tz
    failed = ops_text.backup_failed(status.detail, shown(status.at, tz))
    alert = await head.wait_for(lambda r: r["text"] == failed)
    assert "not-a-folder" in plain(alert["text"])

    await head.send("/status")
    reply = await head.wait_for(lambda r: ops_text.STATUS_HEADING in plain(r["text"]))
    assert status_fields(reply)[ops_text.LAST_BACKUP] == ops_text.backup_result(
        False, shown(status.at, tz), status.detail
    )


@pytest.mark.e2e
async def test_the_daily_report_purge_runs_in_school_time_and_status_shows_it(
    make_services, running_bot, make_user, people, caplog
) -> None:
    services = fast(make_services(storage={"report_retention_years": 1}))
    db, config = services.db, services.config
    long_ago = datetime.now(UTC) - timedelta(days=800)
    new = NewReport(people.teacher, "Tom", "harassment", "A parent posted about me.", subject="parent")
    resolved = reports.create_report(db, config.people, new, at=long_ago, notices=NOTICES).report.id
    still_open = reports.create_report(db, config.people, new, at=long_ago, notices=NOTICES).report.id
    head_id = people.head_teacher
    outcome = reports.resolve(
        db, config.people, resolved, head_id, "Helen", "Removed", "Ok", at=long_ago, notices=NOTICES
    )
    assert outcome is Result.DONE
    app = await running_bot(services)
    [job] = app.job_queue.get_jobs_by_name(ops.REPORT_PURGE_JOB)
    when = job.next_t.astimezone(config.school.tz)
    assert (when.hour, when.minute) == (3, 45), "03:45 at the school, whatever the server's zone"

    caplog.set_level(logging.INFO, logger="staffguide.ops")
    await job.run(app)

    assert reports.get_report(db, resolved) is None
    assert reports.get_report(db, still_open) is not None
    [line] = [r.getMessage() for r in caplog.records if r.name == "staffguide.ops"]
    assert line == "report retention: deleted 1 report(s) resolved more than 1 year(s) ago (R-0001)"
    head = make_user(services, head_id, "Helen")
    await head.send("/status")
    reply = await head.wait_for(lambda r: ops_text.STATUS_HEADING in plain(r["text"]))
    fields = status_fields(reply)
    assert fields[ops_text.REPORT_RETENTION] == access_text.report_retention_text(1)
    purged = reports.last_purge(db)
    assert purged is not None
    last = ops_text.last_purge_text(shown(purged.at, config.school.tz), 1, "R-0001", "R-0001")
    assert fields[ops_text.LAST_REPORT_PURGE] == last


@pytest.mark.e2e
async def test_a_failed_report_purge_deletes_nothing_and_tells_the_head(
    make_services, running_bot, make_user, people, monkeypatch
) -> None:
    services = fast(make_services(storage={"report_retention_years": 1}))
    db, config = services.db, services.config
    long_ago = datetime.now(UTC) - timedelta(days=800)
    new = NewReport(people.teacher, "Tom", "harassment", "A parent posted about me.", subject="parent")
    rid = reports.create_report(db, config.people, new, at=long_ago, notices=NOTICES).report.id
    reports.resolve(
        db, config.people, rid, people.head_teacher, "Helen", "Removed", "Ok", at=long_ago, notices=NOTICES
    )
    app = await running_bot(services)
    [job] = app.job_queue.get_jobs_by_name(ops.REPORT_PURGE_JOB)

    def disk_error(*_args: object, **_kw: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(reports, "purge_resolved", disk_error)
    before = utc()
    await job.run(app)
    after = utc()

    head = make_user(services, people.head_teacher, "Helen")
    alert = await head.wait_for(lambda r: "disk I/O error" in plain(r["text"] or ""))
    tz = config.school.tz
    assert alert["text"] in {ops_text.purge_failed("disk I/O error", shown(at, tz)) for at in (before, after)}
    assert reports.get_report(db, rid) is not None


def test_privacy_says_how_long_backups_are_kept() -> None:
    # The golden wording check: what /privacy tells staff about backups, word for word.
    text = access_text.privacy_text(365, 30)
    assert "backed up every night" in text and "after 30 days" in text
    assert "backed up" not in access_text.privacy_text(365)
