"""The weekly digest's chart: counts per week from the database, drawn as a PNG and sent as a photo."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import reports
from bot.config import PeopleConfig
from bot.digest_chart import chart_png, collect_series
from bot.reports import NewReport
from bot.reports.vocabulary import CATEGORIES
from bot.storage import open_db
from bot.text.notices import NOTICES

UNTIL = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday's digest
PEOPLE = PeopleConfig(head_teacher=[7001], dsl=[7003], staff=[7101])


def report(category: str) -> NewReport:
    return NewReport(
        reporter_id=7101,
        reporter_name="Alice",
        category=category,
        subject="pupil",
        place="x",
        description="y",
    )


def ask(db, at: datetime, answered: bool) -> None:
    db.execute(
        "insert into questions (user_id, asked_at, text, answered) values (?, ?, ?, ?)",
        [7101, at.isoformat(timespec="seconds"), "q", int(answered)],
    )


def test_series_counts_each_week(tmp_path: Path) -> None:
    db = open_db(tmp_path / "staffguide.db")
    reports.create_report(db, PEOPLE, report("harassment"), at=UNTIL - timedelta(days=1), notices=NOTICES)
    reports.create_report(db, PEOPLE, report("harassment"), at=UNTIL - timedelta(days=2), notices=NOTICES)
    reports.create_report(db, PEOPLE, report("safeguarding"), at=UNTIL - timedelta(days=50), notices=NOTICES)
    reports.create_report(
        db, PEOPLE, report("safeguarding"), at=UNTIL - timedelta(days=60), notices=NOTICES
    )  # too old
    ask(db, UNTIL - timedelta(hours=1), True)
    ask(db, UNTIL - timedelta(days=8), False)
    ask(db, UNTIL + timedelta(hours=1), True)  # after the digest
    series = collect_series(db, until=UNTIL)
    assert len(series.weeks) == 8 and series.weeks[-1] == UNTIL - timedelta(days=7)
    assert series.reports[CATEGORIES["harassment"]] == [0, 0, 0, 0, 0, 0, 0, 2]
    assert series.reports[CATEGORIES["safeguarding"]] == [1, 0, 0, 0, 0, 0, 0, 0]
    assert series.answered == [0, 0, 0, 0, 0, 0, 0, 1]
    assert series.declined == [0, 0, 0, 0, 0, 0, 1, 0]
    assert not series.empty and collect_series(open_db(tmp_path / "empty.db"), until=UNTIL).empty


@pytest.mark.parametrize("empty", [False, True])
def test_chart_is_a_png_a_phone_shows_whole(tmp_path: Path, empty: bool) -> None:
    db = open_db(tmp_path / "staffguide.db")
    if not empty:
        reports.create_report(db, PEOPLE, report("harassment"), at=UNTIL - timedelta(days=1), notices=NOTICES)
        ask(db, UNTIL - timedelta(hours=1), True)
    png = chart_png(collect_series(db, until=UNTIL), "St Crispin's School")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (800, 650)
    assert len(png) < 200_000, "well under Telegram's 10 MB photo limit"


@pytest.mark.e2e
async def test_digest_job_sends_the_text_then_the_chart(
    make_services, running_bot, make_user, people
) -> None:
    from bot.handlers.policies import DIGEST_JOB

    services = make_services()
    reports.create_report(services.db, services.config.people, report("harassment"), notices=NOTICES)
    app = await running_bot(services)
    head = make_user(services, people.head_teacher, "Helen")
    # the report's own alert goes out first, through the outbox: take it, so it cannot race the digest
    await head.wait_for(lambda r: "R-0001" in (r["text"] or ""), timeout=30)
    [job] = app.job_queue.get_jobs_by_name(DIGEST_JOB)
    await job.run(app)
    text, photo = await head.replies(count=2, timeout=30)
    assert "weekly digest" in text["text"]
    assert photo["photo"], photo
