"""Backups and restores (bot.backup, `staffguide backup` / `restore`): taken while reports are
being written, checked, restored with the audit trail's append-only triggers intact, and never
over a running bot's database unless forced."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import backup, reports
from bot.cli import EXIT_USAGE, main
from bot.config import PeopleConfig
from bot.errors import StartupError
from bot.reports import NewReport
from bot.storage import open_db
from bot.text.notices import NOTICES

PEOPLE = PeopleConfig(head_teacher=[7001], dsl=[7003], staff=[7101])


def new_report(n: int) -> NewReport:
    return NewReport(
        reporter_id=7101,
        reporter_name="Alice Teacher",
        category="safeguarding" if n % 3 == 0 else "harassment",
        subject="pupil",
        place="Instagram",
        description=f"Report number {n}",
    )


def report_ids(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("select id from reports order by id")]
    finally:
        conn.close()


def test_backup_while_reports_are_written_restores_every_committed_report(tmp_path: Path) -> None:
    database = tmp_path / "live" / "staffguide.db"
    open_db(database)
    committed: list[int] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        db = open_db(database)  # the bot's own connection, in another thread
        n = 0
        try:
            while not stop.is_set():
                n += 1
                committed.append(reports.create_report(db, PEOPLE, new_report(n), notices=NOTICES).report.id)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while len(committed) < 25 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = list(committed)
        info = backup.take_backup(database, tmp_path / "backups")
        time.sleep(0.1)  # the writer goes on while and after the backup is taken
    finally:
        stop.set()
        thread.join(30)
    assert not failures, failures
    assert len(before) >= 25 and len(committed) > len(before), "reports were written during the backup"
    assert info.path.parent == tmp_path / "backups" and info.path.name.startswith("staffguide-")
    assert backup.integrity(info.path) == "ok"

    restored = tmp_path / "restored" / "staffguide.db"
    result = backup.restore(info.path, restored)
    assert backup.integrity(restored) == "ok"
    ids = report_ids(restored)
    assert set(before) <= set(ids), "every report committed before the backup is in it"
    assert ids == list(range(1, len(ids) + 1)), "a consistent snapshot: no report missing in between"
    assert result.reports == len(ids)
    db = open_db(restored)  # the restored database opens and migrates like any other
    for report_id in ids:  # each report came with its event and notifications, in one transaction
        assert db.execute("select count(*) from report_events where report_id = ?", [report_id]).fetchone()[0]
        assert db.execute("select count(*) from outbox where report_id = ?", [report_id]).fetchone()[0]


def test_append_only_triggers_survive_the_round_trip(tmp_path: Path) -> None:
    database = tmp_path / "staffguide.db"
    db = open_db(database)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    copy = backup.take_backup(database, tmp_path / "copy.db").path
    restored = tmp_path / "restored.db"
    backup.restore(copy, restored)
    conn = sqlite3.connect(restored)
    triggers = {r[0] for r in conn.execute("select name from sqlite_master where type = 'trigger'")}
    assert {"reports_no_update", "reports_no_delete", "report_events_no_delete"} <= triggers
    for sql in (
        "update reports set description = 'changed'",
        "delete from reports",
        "update report_events set detail = 'changed'",
        "delete from report_events",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(sql)
    conn.close()


def test_a_backup_is_one_self_contained_file(tmp_path: Path) -> None:
    database = tmp_path / "staffguide.db"
    reports.create_report(open_db(database), PEOPLE, new_report(1), notices=NOTICES)
    info = backup.take_backup(database, tmp_path / "b.db")
    conn = sqlite3.connect(info.path)
    assert conn.execute("pragma journal_mode").fetchone()[0] == "delete"
    conn.close()
    assert not list(tmp_path.glob("*.partial"))


def test_restore_refuses_a_damaged_or_foreign_file_and_keeps_the_database(tmp_path: Path) -> None:
    database = tmp_path / "staffguide.db"
    reports.create_report(open_db(database), PEOPLE, new_report(1), notices=NOTICES)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    with pytest.raises(backup.BackupError, match="integrity check"):
        backup.restore(garbage, database)
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("create table t (x)").connection.commit()
    with pytest.raises(backup.BackupError, match="not a StaffGuide database"):
        backup.restore(foreign, database)
    assert report_ids(database) == [1]


def test_restore_refuses_a_running_bots_database_unless_forced(tmp_path: Path) -> None:
    database = tmp_path / "staffguide.db"
    db = open_db(database)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    copy = backup.take_backup(database, tmp_path / "copy.db").path
    reports.create_report(db, PEOPLE, new_report(2), notices=NOTICES)
    with backup.BotLock(database):
        assert backup.running_pid(database) == os.getpid()
        with pytest.raises(StartupError, match="already running"):
            backup.BotLock(database).__enter__()
        with pytest.raises(backup.BackupError, match="is running .* --force"):
            backup.restore(copy, database)
        assert report_ids(database) == [1, 2]
        backup.restore(copy, database, force=True)
        assert report_ids(database) == [1]
    assert backup.running_pid(database) is None, "the lock goes with the bot"
    kept = list(tmp_path.glob("staffguide.db.before-restore-*"))
    assert len(kept) == 1 and report_ids(kept[0]) == [1, 2], "the replaced database is kept"


def test_prune_deletes_old_backups_but_never_the_newest(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    paths = []
    for days_ago in (40, 35, 10, 1):
        path = tmp_path / backup.backup_name(now - timedelta(days=days_ago))
        path.write_bytes(b"x")
        stamp = (now - timedelta(days=days_ago)).timestamp()
        os.utime(path, (stamp, stamp))
        paths.append(path)
    removed = backup.prune(tmp_path, keep_days=30, at=now)
    assert sorted(removed) == paths[:2]
    assert backup.newest(tmp_path) == paths[-1]
    for path in paths[2:]:
        os.utime(path, (0, 0))
    assert backup.prune(tmp_path, keep_days=30, at=now) == [paths[2]], "the newest is always kept"


def write_config(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndatabase = "data/staffguide.db"\n{extra}')
    return config


def test_backup_and_restore_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    database = tmp_path / "data" / "staffguide.db"
    reports.create_report(open_db(database), PEOPLE, new_report(1), notices=NOTICES)
    assert main(["backup", "--config", str(config), str(tmp_path / "nightly")]) == 0
    out = capsys.readouterr().out
    assert "1 reports" in out
    made = backup.newest(tmp_path / "nightly")
    assert made is not None
    reports.create_report(open_db(database), PEOPLE, new_report(2), notices=NOTICES)
    assert main(["restore", "--config", str(config), str(made)]) == 0
    assert "integrity check: ok" in capsys.readouterr().out
    assert report_ids(database) == [1]

    with backup.BotLock(database):
        assert main(["restore", "--config", str(config), str(made)]) == EXIT_USAGE
        assert "--force" in capsys.readouterr().err
        assert main(["restore", "--force", "--config", str(config), str(made)]) == 0
    assert main(["restore", "--config", str(config), str(tmp_path / "missing.db")]) == EXIT_USAGE
    assert "not a file" in capsys.readouterr().err


def test_a_report_filed_after_restoring_an_older_backup_never_reuses_a_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Head had alerts for R-0002 and R-0003; the backup has only R-0001. The restore says
    which reports it lost, and the next report is R-0004, not a second R-0002."""
    config = write_config(tmp_path)
    database = tmp_path / "data" / "staffguide.db"
    db = open_db(database)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    assert main(["backup", "--config", str(config), str(tmp_path / "copy.db")]) == 0
    for n in (2, 3):
        reports.create_report(db, PEOPLE, new_report(n), notices=NOTICES)
    db.close()
    capsys.readouterr()
    assert main(["restore", "--config", str(config), str(tmp_path / "copy.db")]) == 0
    out = capsys.readouterr().out
    assert "reports lost since the backup (2, not in the backup): R-0002 filed" in out
    assert "R-0003 filed" in out and "R-0001 filed" not in out
    assert "new reports continue from R-0004" in out
    again = reports.create_report(open_db(database), PEOPLE, new_report(4), notices=NOTICES)
    assert again.report.reference == "R-0004"


def test_a_backup_copied_back_by_hand_still_continues_the_references(tmp_path: Path) -> None:
    """`cp backup.db staffguide.db` bypasses `restore`: the number kept beside the database
    moves the counter on when the bot opens it."""
    database = tmp_path / "staffguide.db"
    db = open_db(database)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    copy = backup.take_backup(database, tmp_path / "copy.db").path
    for n in (2, 3):
        reports.create_report(db, PEOPLE, new_report(n), notices=NOTICES)
    db.close()
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    database.write_bytes(copy.read_bytes())
    assert reports.create_report(open_db(database), PEOPLE, new_report(4), notices=NOTICES).report.id == 4


def test_a_button_from_before_a_restore_does_not_name_the_report_now_under_its_number(
    tmp_path: Path,
) -> None:
    """A restore on a new machine (the old disk and the number kept beside it gone) must give
    R-0002 again; the Head's old R-0002 button then names the lost report, not the new one."""
    database = tmp_path / "old" / "staffguide.db"
    db = open_db(database)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    copy = backup.take_backup(database, tmp_path / "copy.db").path
    lost = reports.create_report(
        db, PEOPLE, new_report(2), notices=NOTICES, at=datetime(2026, 12, 1, tzinfo=UTC)
    )
    fresh = tmp_path / "new" / "staffguide.db"
    backup.restore(copy, fresh)
    new_db = open_db(fresh)
    again = reports.create_report(new_db, PEOPLE, new_report(3), notices=NOTICES).report
    assert again.id == lost.report.id == 2
    assert not reports.named_by_button(new_db, again, lost.report.tag)
    assert reports.named_by_button(new_db, again, again.tag)
    assert not reports.named_by_button(new_db, again, None), "an untagged button is older than it"


def test_restore_over_a_damaged_database_keeps_it_as_it_was_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The moment a restore is most needed: the live database is damaged, so its safety copy
    cannot pass the integrity check; it is renamed aside untouched instead."""
    config = write_config(tmp_path)
    database = tmp_path / "data" / "staffguide.db"
    db = open_db(database)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    assert main(["backup", "--config", str(config), str(tmp_path / "copy.db")]) == 0
    reports.create_report(db, PEOPLE, new_report(2), notices=NOTICES)
    db.close()
    data = bytearray(database.read_bytes())
    data[4096:8192] = os.urandom(4096)  # a damaged page, as a failing disk leaves it
    database.write_bytes(bytes(data))
    assert backup.integrity(database) != "ok"
    capsys.readouterr()

    assert main(["restore", "--config", str(config), str(tmp_path / "copy.db")]) == 0
    out = capsys.readouterr().out
    [aside] = list(database.parent.glob("staffguide.db.damaged-*[0-9]"))  # its -wal and -shm beside it
    assert aside.read_bytes() == bytes(data), "the damaged file is kept exactly as it was"
    assert f"the replaced database was damaged: it is kept as it was as {aside}" in out
    assert report_ids(database) == [1] and backup.integrity(database) == "ok"
    assert "new reports continue from R-0003" in out, "the number kept beside it still counts"
    assert reports.create_report(open_db(database), PEOPLE, new_report(3), notices=NOTICES).report.id == 3


def test_restore_refuses_a_backup_from_a_newer_version_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A newer StaffGuide's backup restored "ok" before, then every new report failed (NOT NULL
    constraint on a column this version does not fill); now the bot would refuse to start on it."""
    config = write_config(tmp_path)
    database = tmp_path / "data" / "staffguide.db"
    live = open_db(database)
    reports.create_report(live, PEOPLE, new_report(1), notices=NOTICES)
    live.close()
    newer = tmp_path / "newer.db"
    db = open_db(newer)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    db.execute("insert into migrations (name, applied_at) values ('0099_report_school', '2027-01-01')")
    db.close()
    before = database.read_bytes()
    capsys.readouterr()

    assert main(["restore", "--config", str(config), str(newer)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "was not restored: the backup was upgraded by a newer StaffGuide" in err
    assert "(migration 0099_report_school)" in err
    assert database.read_bytes() == before and not list(database.parent.glob("*.before-restore-*"))
