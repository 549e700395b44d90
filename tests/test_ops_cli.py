"""What an installer meets first: `staffguide check`, the log lines, and the new config keys."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from pathlib import Path

import pytest
from conftest import new_token
from search_fixtures import BUNDLED_POLICIES, bundled_index_dir
from telegram import Bot

from bot.cli import EXIT_TEMPFAIL, EXIT_USAGE, main
from bot.config import ConfigError, load_config
from bot.logs import REDACTED, configured_logging


@pytest.fixture(scope="module")
def index_dir() -> Path:
    return bundled_index_dir()


def school_config(tmp_path: Path, base_url: str, token: str, index_dir: Path, people: str = "") -> Path:
    path = tmp_path / "config.toml"
    people = people or "head_teacher = [7001]\nstaff = [7101, 7102]"
    path.write_text(
        f'[telegram]\ntoken = "{token}"\nbase_url = "{base_url}"\n'
        f"[people]\n{people}\n"
        f'[knowledge]\ndir = "{BUNDLED_POLICIES}"\nindex_dir = "{index_dir}"\n'
        '[storage]\ndatabase = "data/staffguide.db"\n'
        '[backup]\ndir = "backups"\n',
        encoding="utf-8",
    )
    return path


def test_check_reports_what_it_found(tmp_path, emulator, index_dir, capsys) -> None:
    token = new_token()
    config = school_config(tmp_path, emulator.base_url, token, index_dir)
    assert main(["check", "-q", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"config: {config} is valid" in out
    assert "head_teacher 1" in out and "staff 2" in out
    assert "warning: reports about the Head Teacher reach nobody: set [people] chair_of_governors" in out
    assert f"telegram: @StaffGuideTestBot (id {token.split(':')[0]})" in out
    assert "staffguide.db (created): 0 report(s), 0 enrolled by invite" in out
    assert "retention: questions deleted after 365 days; reports kept as the school's record" in out
    assert re.search(r"index: .*\d+ passages from social-media-policy", out)
    assert "backups: " in out and "(writable)" in out and "newest: none yet" in out
    assert out.rstrip().endswith("all good")
    assert (tmp_path / "data" / "staffguide.db").exists()
    assert token not in out


def test_check_fails_in_one_line(tmp_path, index_dir, capsys, monkeypatch) -> None:
    monkeypatch.delenv("STAFFGUIDE_TELEGRAM_TOKEN", raising=False)
    unreachable = school_config(tmp_path, "http://127.0.0.1:9/bot", "1:X", index_dir)
    assert main(["check", "-q", "--config", str(unreachable)]) == EXIT_TEMPFAIL
    err = capsys.readouterr().err
    assert "cannot reach Telegram at http://127.0.0.1:9/bot" in err and err.strip().count("\n") == 0
    headless = school_config(tmp_path, "http://127.0.0.1:9/bot", "1:X", index_dir, people="staff = [1]")
    assert main(["check", "-q", "--config", str(headless)]) == EXIT_USAGE
    assert "head_teacher is empty" in capsys.readouterr().err


def test_check_refuses_a_backup_folder_it_cannot_write(tmp_path, emulator, index_dir, capsys) -> None:
    config = school_config(tmp_path, emulator.base_url, new_token(), index_dir)
    (tmp_path / "backups").write_text("a file where the folder should be")
    assert main(["check", "-q", "--config", str(config)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "the backup folder" in err and "is not writable" in err and err.strip().count("\n") == 0


LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


def test_log_lines_have_time_and_level_one_per_event() -> None:
    stream = io.StringIO()
    with configured_logging("INFO", secrets=["123:SECRET"], stream=stream):
        log_events()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert all(LINE.match(line) for line in lines), lines
    assert lines[0].endswith("INFO staffguide.test: report R-0001 stored")
    assert "ERROR" in lines[1] and "Traceback" in lines[1] and "second line" in lines[1]
    assert "123:SECRET" not in stream.getvalue() and REDACTED in lines[1]


def log_events() -> None:
    log = logging.getLogger("staffguide.test")
    log.debug("not shown at INFO")
    log.info("report %s stored", "R-0001")
    try:
        raise RuntimeError("Telegram said no to 123:SECRET\nsecond line")
    except RuntimeError:
        log.exception("sending failed")


def test_logging_set_up_is_undone_after_the_command() -> None:
    root = logging.getLogger()
    handlers, level, httpx = list(root.handlers), root.level, logging.getLogger("httpx").level
    with configured_logging("DEBUG", stream=io.StringIO()) as handler:
        assert root.handlers == [handler] and root.level == logging.DEBUG
    assert root.handlers == handlers and root.level == level
    assert logging.getLogger("httpx").level == httpx


def test_the_token_is_never_logged_even_by_the_http_client(emulator) -> None:
    """At DEBUG the HTTP client logs every request URL, and Telegram's URLs carry the token."""
    token = new_token()
    stream = io.StringIO()

    async def get_me() -> None:
        async with Bot(token, base_url=emulator.base_url) as bot:
            await bot.get_me()

    with configured_logging("DEBUG", secrets=[token], stream=stream):
        asyncio.run(get_me())
    text = stream.getvalue()
    assert "getMe" in text, "the request was logged"
    assert token not in text and token.split(":")[1] not in text
    assert f"/bot{REDACTED}/getMe" in text


def test_logging_level_comes_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[logging]\nlevel = "warning"\n', encoding="utf-8")
    assert load_config(path, env={}).logging.level == "WARNING"
    path.write_text('[logging]\nlevel = "loud"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[logging\] level must be one of"):
        load_config(path, env={})


def test_school_timezone_and_backup_settings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config = load_config(None, env={})
    assert config.school.timezone == "Europe/London" and config.school.tz.key == "Europe/London"
    assert config.backup.keep_days == 30 and config.backup.hour == 2
    path.write_text('[school]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not a known time zone"):
        load_config(path, env={})
    path.write_text('[backup]\ndir = "b"\nkeep_days = 0\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="keep_days must be at least 1"):
        load_config(path, env={})
    path.write_text('[backup]\ndir = "b"\n', encoding="utf-8")
    assert load_config(path, env={}).backup.dir == tmp_path / "b"


def test_reload_people_rereads_roles_in_place_and_keeps_them_on_a_mistake(tmp_path: Path) -> None:
    from bot.access import reload_people

    path = tmp_path / "config.toml"
    path.write_text("[people]\nhead_teacher = [1]\nstaff = [2]\n", encoding="utf-8")
    config = load_config(path, env={})
    people = config.people
    path.write_text("[people]\nhead_teacher = [1]\nstaff = [2, 3]\ndsl = [4]\n", encoding="utf-8")
    assert "staff 2" in reload_people(config)
    assert people is config.people and people.staff == [2, 3] and people.dsl == [4]
    path.write_text("[people]\nhead_teacher = [1]\nstaf = [9]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown role 'staf'"):
        reload_people(config)
    assert people.staff == [2, 3], "a mistake leaves the roles as they were"
    assert "unchanged" in reload_people(load_config(None, env={}))


def test_faiss_loader_notices_are_not_logged_at_info() -> None:
    """faiss says at INFO that it could not load its AVX512 build: eight lines at each start."""
    stream = io.StringIO()
    with configured_logging("INFO", stream=stream):
        logging.getLogger("faiss.loader").info("Could not load library with AVX512 support due to: ...")
        logging.getLogger("staffguide.app").info("starting")
    assert "AVX512" not in stream.getvalue() and "starting" in stream.getvalue()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_are_drawn_only_on_a_terminal(monkeypatch) -> None:
    import argparse

    from bot.cli import _progress

    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert not _progress(argparse.Namespace(quiet=False)), "a log file gets no redraws"
    monkeypatch.setattr("sys.stderr", Terminal())
    assert _progress(argparse.Namespace(quiet=False))
    assert not _progress(argparse.Namespace(quiet=True))


def test_serve_can_wait_for_an_unreachable_telegram_instead_of_exiting(monkeypatch) -> None:
    """For Docker, whose restart policy cannot tell exit 75 from 2: tried again, doubling to a minute."""
    from telegram import User

    from bot import app
    from bot.errors import TelegramUnreachable

    answers: list[object] = [TelegramUnreachable("down")] * 5 + [User(1, "StaffGuide", is_bot=True)]

    def get_me(_config: object) -> User:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[return-value]

    monkeypatch.setattr(app, "check_telegram", get_me)
    slept: list[float] = []
    me = app.reach_telegram(load_config(None, env={}), wait=True, sleep=slept.append)
    assert me.id == 1 and slept == [5, 10, 20, 40, 60]
    answers[:] = [TelegramUnreachable("down")]
    with pytest.raises(TelegramUnreachable):
        app.reach_telegram(load_config(None, env={}), wait=False, sleep=slept.append)


def test_a_webhook_secret_telegram_would_refuse_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\nwebhook_secret = "has spaces and £"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="webhook_secret must be 1-256 characters"):
        load_config(path, env={})
    path.write_text('[telegram]\nwebhook_secret = "Ab_9-xyz"\n', encoding="utf-8")
    assert load_config(path, env={}).telegram.webhook_secret == "Ab_9-xyz"
