"""The school's time: what people read is in `[school] timezone`, written the British way; the
jobs run on it; stored times stay UTC."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import clock, reports
from bot.config import PeopleConfig
from bot.reports import NewReport
from bot.storage import open_db
from bot.text import access as access_text
from bot.text import report_record
from bot.text.notices import NOTICES

LONDON = ZoneInfo("Europe/London")
SUMMER = datetime(2026, 7, 1, 9, 5, tzinfo=UTC)  # 10:05 in London (BST)
WINTER = datetime(2026, 1, 15, 9, 5, tzinfo=UTC)  # 09:05 in London (GMT)
PEOPLE = PeopleConfig(head_teacher=[7001], staff=[7101])


@pytest.fixture(autouse=True)
def london() -> Iterator[None]:
    clock.set_school_zone(LONDON)
    yield
    clock.set_school_zone(LONDON)


def test_times_are_shown_in_the_schools_zone_the_british_way() -> None:
    assert clock.shown(SUMMER) == "01/07/2026 10:05"
    assert clock.shown(WINTER) == "15/01/2026 09:05"
    assert clock.shown("2026-07-01T09:05:00.000+00:00", seconds=True) == "01/07/2026 10:05:00"
    assert clock.shown("2026-07-01T09:05:00") == "01/07/2026 10:05", "naive stored times are UTC"
    assert clock.shown(SUMMER, ZoneInfo("Asia/Tokyo")) == "01/07/2026 18:05"
    assert clock.shown(None) == ""


def new_report() -> NewReport:
    return NewReport(
        reporter_id=7101,
        reporter_name="Alice",
        category="harassment",
        subject="parent",
        place="Facebook",
        description="A post about me",
    )


def test_alerts_show_and_export_use_school_time_while_storage_stays_utc(tmp_path: Path) -> None:
    db = open_db(tmp_path / "staffguide.db")
    created = reports.create_report(db, PEOPLE, new_report(), at=SUMMER, notices=NOTICES)
    stored = db.execute("select created_at from reports").fetchone()[0]
    assert stored.startswith("2026-07-01T09:05") and stored.endswith("+00:00"), "stored in UTC"
    alert = report_record.render_escalation(created.report)
    assert "Reported: 01/07/2026 10:05" in alert and "UTC" not in alert
    exported = reports.export_reports(db, PEOPLE, 7001, "Head", at=SUMMER)
    rows = list(csv.DictReader(io.StringIO(exported.history.decode("utf-8-sig"))))
    assert rows[0]["created_at"] == "01/07/2026 10:05:00"
    assert rows[0]["event_at"] == "01/07/2026 10:05:00"


def test_invite_expiry_is_in_school_time() -> None:
    text = access_text.invite_text("ABCD-EFGH", "2026-07-08T09:05:00+00:00", None, 7)
    assert "08/07/2026 10:05" in text and "UTC" not in text


@pytest.mark.e2e
async def test_jobs_run_on_the_schools_clock(make_services, running_bot) -> None:
    from bot.handlers import ops, policies, questions

    services = make_services(
        school={"timezone": "America/New_York"}, digest={"day": "monday", "hour": 8}, backup={"hour": 2}
    )
    app = await running_bot(services)
    zone = ZoneInfo("America/New_York")
    assert app.bot.defaults.tzinfo == zone
    assert clock.school_zone() == zone
    for name, hour, minute in (
        (policies.DIGEST_JOB, 8, 0),
        (ops.BACKUP_JOB, 2, 0),
        (questions.PURGE_JOB, 3, 30),
    ):
        [job] = app.job_queue.get_jobs_by_name(name)
        when = job.next_t.astimezone(zone)
        assert (when.hour, when.minute) == (hour, minute), name
    [digest] = app.job_queue.get_jobs_by_name(policies.DIGEST_JOB)
    assert digest.next_t.astimezone(zone).strftime("%A") == "Monday"
