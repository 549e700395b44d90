"""`staffguide serve` as a real process, as systemd or docker runs it: its log lines, its lock on
the database (a backup works while it runs, a restore is refused), SIGHUP re-reading [people],
its heartbeat for `staffguide health`, and a clean stop on SIGTERM. One process start costs the
model load (~10 s)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import new_token
from e2e_harness import TelegramUser
from helpers import plain
from search_fixtures import BUNDLED_POLICIES, copy_index
from telegram import Bot, BotCommandScopeChat

from bot import backup, heartbeat
from bot.cli import EXIT_ERROR, EXIT_USAGE, main

pytestmark = pytest.mark.e2e

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


def write_config(path: Path, base_url: str, staff: list[int], dsl: list[int] | None = None) -> None:
    path.write_text(
        f'[telegram]\nbase_url = "{base_url}"\npoll_interval = 0.1\n'
        f"[people]\nhead_teacher = [7001]\nstaff = {staff}\ndsl = {dsl or []}\n"
        f'[knowledge]\ndir = "{BUNDLED_POLICIES}"\nindex_dir = "index"\n'
        '[storage]\ndatabase = "data/staffguide.db"\n[backup]\ndir = "backups"\n'
        '[logging]\nlevel = "INFO"\n',
        encoding="utf-8",
    )


async def wait_for_log(log: Path, pattern: str, process: subprocess.Popen, timeout: float = 120) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        if re.search(pattern, text):
            return text
        assert process.poll() is None, f"the bot stopped: {text[-2000:]}"
        assert asyncio.get_running_loop().time() < deadline, f"no {pattern!r} in: {text[-2000:]}"
        await asyncio.sleep(0.2)


async def test_serve_logs_locks_and_rereads_people_on_sighup(tmp_path, emulator, capsys) -> None:
    script = Path(sys.executable).with_name("staffguide")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    token = new_token()
    config = tmp_path / "config.toml"
    write_config(config, emulator.base_url, [7101])
    copy_index(tmp_path / "index")
    log = tmp_path / "stderr.log"
    env = {
        **os.environ,
        "STAFFGUIDE_TELEGRAM_TOKEN": token,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    with open(log, "wb") as err:
        process = subprocess.Popen([*command, "serve", "--config", str(config)], stderr=err, env=env)
    newcomer = TelegramUser(emulator, token, user_id=7201, first_name="Nadia")
    try:
        await wait_for_log(log, r"INFO staffguide\.app: starting as @StaffGuideTestBot", process)
        database = tmp_path / "data" / "staffguide.db"
        assert backup.running_pid(database) == process.pid
        for _ in range(100):  # the heartbeat job's first beat follows the start at once
            if heartbeat.last_beat(database) is not None:
                break
            await asyncio.sleep(0.2)
        assert main(["health", "--config", str(config)]) == 0, capsys.readouterr().err
        assert f"alive: pid {process.pid}" in capsys.readouterr().out

        assert main(["backup", "--config", str(config), str(tmp_path / "copy.db")]) == 0
        assert main(["restore", "--config", str(config), str(tmp_path / "copy.db")]) == EXIT_USAGE
        assert f"pid {process.pid}" in capsys.readouterr().err

        await newcomer.send("/start")
        [refusal] = await newcomer.replies(timeout=60)
        assert "staff of St Crispin's School only" in plain(refusal["text"])

        write_config(config, emulator.base_url, [7101], dsl=[7201])
        process.send_signal(signal.SIGHUP)
        await wait_for_log(log, r"SIGHUP: roles re-read: .*dsl 1", process, timeout=20)
        await newcomer.send("/start")
        [welcome] = await newcomer.replies(timeout=60)
        assert "Hello Nadia" in plain(welcome["text"])
        async with Bot(token, base_url=emulator.base_url) as bot:  # the new DSL's own menu
            for _ in range(50):
                commands = {c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(7201))}
                if "queue" in commands:
                    break
                await asyncio.sleep(0.2)
        assert {"queue", "show", "export"} <= commands and "invite" not in commands
    finally:
        await newcomer.aclose()
        process.send_signal(signal.SIGTERM)
        code = process.wait(60)
    text = log.read_text(encoding="utf-8")
    assert code == 0, text[-2000:]
    assert backup.running_pid(database) is None, "the lock is released when the bot stops"
    assert main(["health", "--config", str(config)]) == EXIT_ERROR, "a stopped bot is unhealthy"
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and all(LINE.match(line) for line in lines), [x for x in lines if not LINE.match(x)][:5]
    assert token not in text and token.split(":")[1] not in text
    assert "AVX512" not in text, "faiss's loader notices are not logged"
