"""A database the bot can read but not write: `check` finds it, `serve` stops with one line.

Why: with the database, its -wal, its -shm or its folder read-only (files made by root for a
service that runs as its own user), `staffguide check` said "all good" and `serve` died with a
30-line traceback at its first write (re-queuing the outbox; the lock file in a read-only
folder), so systemd restarted it forever. Exit code 2 is the one systemd does not restart on.

The tests run as root, whom permissions do not stop, so each fault is made with the immutable
attribute (`chattr +i`), which stops root too; where it cannot be set the tests are skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import new_token
from search_fixtures import copy_index
from test_backup import PEOPLE, new_report
from test_serve_process import write_config

from bot import reports
from bot.cli import EXIT_USAGE, main
from bot.storage import open_db
from bot.text.notices import NOTICES

pytestmark = pytest.mark.e2e

FAULTS = ["database", "-wal", "-shm", "folder"]


def chattr(flag: str, *paths: Path) -> bool:
    try:
        done = subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, check=False)
    except OSError:
        return False
    return done.returncode == 0


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[list[Path]]:
    """Paths made immutable here are made writable again after the test."""
    probe = tmp_path / "probe"
    probe.touch()
    if not chattr("+i", probe) or not chattr("-i", probe):
        pytest.skip("chattr +i is not available here (needs root and a file system that has it)")
    made: list[Path] = []
    yield made
    chattr("-i", *made)


def damaged_storage(tmp_path: Path, fault: str, made: list[Path]) -> Path:
    """A database with a report, its -wal and -shm left behind (as by a process that ran as
    root, or one still running), then `fault` made read-only. No connection may be open while a
    file SQLite maps is made immutable."""
    database = tmp_path / "data" / "staffguide.db"
    db = open_db(database)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    left = {suffix: database.with_name(database.name + suffix).read_bytes() for suffix in ("-wal", "-shm")}
    db.close()
    for suffix, data in left.items():
        database.with_name(database.name + suffix).write_bytes(data)
    target = {
        "database": database,
        "-wal": database.with_name(database.name + "-wal"),
        "-shm": database.with_name(database.name + "-shm"),
        "folder": database.parent,
    }[fault]
    assert chattr("+i", target)
    made.append(target)
    return database


@pytest.mark.parametrize("fault", FAULTS)
def test_check_finds_a_database_it_cannot_write(
    tmp_path, emulator, read_only, fault, monkeypatch, capsys
) -> None:
    write_config(tmp_path / "config.toml", emulator.base_url, [7101])
    copy_index(tmp_path / "index")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STAFFGUIDE_TELEGRAM_TOKEN", new_token())
    damaged_storage(tmp_path, fault, read_only)

    code = main(["check", "--config", str(tmp_path / "config.toml")])
    captured = capsys.readouterr()
    assert "all good" not in captured.out
    assert code == EXIT_USAGE, captured.out
    assert captured.err.count("\n") == 1 and "cannot be written" in captured.err, captured.err


@pytest.mark.parametrize("fault", FAULTS)
def test_serve_stops_with_one_line_and_exit_code_2_on_a_database_it_cannot_write(
    tmp_path, emulator, read_only, fault
) -> None:
    write_config(tmp_path / "config.toml", emulator.base_url, [7101])
    copy_index(tmp_path / "index")
    damaged_storage(tmp_path, fault, read_only)
    script = Path(sys.executable).with_name("staffguide")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {**os.environ, "STAFFGUIDE_TELEGRAM_TOKEN": new_token(), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [*command, "serve", "--config", str(tmp_path / "config.toml")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == EXIT_USAGE, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "cannot be written" in lines[0] or "lock file" in lines[0], lines
