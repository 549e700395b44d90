"""The health probe a supervisor runs (`staffguide health`, Docker's HEALTHCHECK): it passes only
while a bot holds the database's lock and wrote its heartbeat recently. Times are given, never
waited for; the real process's heartbeat is checked in test_serve_process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.backup import BotLock
from bot.cli import EXIT_ERROR, EXIT_USAGE, main
from bot.heartbeat import Unhealthy, beat, heartbeat_path, last_beat, probe

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_database_without_a_running_bot_is_unhealthy(tmp_path: Path) -> None:
    database = tmp_path / "staffguide.db"
    beat(database, T0)  # left behind by a bot that has stopped since
    with pytest.raises(Unhealthy, match="no StaffGuide bot is running on"):
        probe(database, at=T0)


def test_a_running_bot_without_a_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    database = tmp_path / "staffguide.db"
    with BotLock(database), pytest.raises(Unhealthy, match="has written no heartbeat yet"):
        probe(database, at=T0)


def test_a_recent_heartbeat_is_healthy_and_a_stale_one_is_not(tmp_path: Path) -> None:
    database = tmp_path / "staffguide.db"
    beat(database, T0)
    assert last_beat(database) is not None and last_beat(database).at == T0  # type: ignore[union-attr]
    with BotLock(database):
        assert probe(database, max_age=120, at=T0 + timedelta(seconds=119)).startswith("alive: pid ")
        with pytest.raises(Unhealthy, match=r"last showed a sign of life 121 s ago \(more than 120 s\)"):
            probe(database, max_age=120, at=T0 + timedelta(seconds=121))


def test_a_garbled_heartbeat_counts_as_none(tmp_path: Path) -> None:
    database = tmp_path / "staffguide.db"
    heartbeat_path(database).write_text("half a li")
    assert last_beat(database) is None


def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[storage]\ndatabase = "data/staffguide.db"\n', encoding="utf-8")
    return path


def test_health_command_exits_0_for_a_live_bot_and_1_for_a_stopped_one(tmp_path: Path, capsys) -> None:
    config = config_file(tmp_path)
    database = tmp_path / "data" / "staffguide.db"
    with BotLock(database):
        beat(database)
        assert main(["health", "--config", str(config)]) == 0
        assert capsys.readouterr().out.startswith("alive: pid ")
    assert main(["health", "--config", str(config)]) == EXIT_ERROR
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"staffguide: unhealthy: no StaffGuide bot is running on {database}"]


def test_health_command_needs_the_config_and_creates_nothing(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["health"]) == EXIT_USAGE
    assert "--config" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_the_probe_cannot_open_is_unhealthy_in_one_line(tmp_path: Path, monkeypatch) -> None:
    """Run as another user than the bot's, the probe cannot open the lock file: exit 1, not a traceback."""
    from filelock import FileLock

    database = tmp_path / "staffguide.db"
    with BotLock(database):
        pass  # the lock file exists, as after a bot ran

    def refused(_self: object, *_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(FileLock, "acquire", refused)
    with pytest.raises(Unhealthy, match=r"cannot tell whether a bot runs on .*Permission denied.*bot's user"):
        probe(database, at=T0)
