"""Restoring a backup under the bot, end to end: references never repeat and the Head's buttons
from before the restore never act on another report.

Why: after a restore of an older backup a new report got R-0005 again, and the Head's old
R-0005 Acknowledge button acknowledged the new report, which the Head had never seen. And a
restore failed over a damaged database, the moment it is needed most. The restart cases run real
`staffguide serve` processes, as systemd does around a restore.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import new_token
from e2e_harness import TelegramUser
from helpers import plain
from search_fixtures import copy_index
from test_backup import PEOPLE, new_report
from test_reports_e2e import eventually, fast
from test_serve_process import wait_for_log, write_config

from bot import reports
from bot.cli import main
from bot.storage import open_db
from bot.text import callbacks as cb
from bot.text import common as common_text
from bot.text.notices import NOTICES

pytestmark = pytest.mark.e2e

HEAD, TEACHER = 7001, 7101


# The line `serve` logs once the index is open, just before it starts polling: waiting for it,
# and allowing a minute for each reply, keeps these runs steady on a busy machine (on a loaded
# 2-core machine the first reply after a restart took over 20 s). Both bound failures only.
READY = r"starting the bot"
REPLY_WITHIN = 60


def start_serve(tmp_path: Path, token: str, log: Path) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).with_name("staffguide")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {
        **os.environ,
        "STAFFGUIDE_TELEGRAM_TOKEN": token,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    with open(log, "ab") as err:
        return subprocess.Popen(
            [*command, "serve", "--config", str(tmp_path / "config.toml")], stderr=err, env=env, cwd=tmp_path
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


async def file_report(teacher: TelegramUser, head: TelegramUser, text: str, ref: str) -> dict:
    """A one-line report; returns the Head's alert for it."""
    await teacher.send(f"/report {text}")
    receipt = await teacher.wait_for(lambda r: "R-" in (r["text"] or ""), timeout=REPLY_WITHIN)
    assert ref in receipt["text"], receipt["text"]
    return await head.wait_for(
        lambda r: ref in (r["text"] or "") and bool(r["reply_markup"]), timeout=REPLY_WITHIN
    )


def acknowledge_of(alert: dict) -> str:
    [data] = [d for label, d in alert["reply_markup"] if label == "Acknowledge"]
    return data


async def test_after_a_restore_between_runs_new_reports_get_new_references_and_old_buttons_do_nothing(
    tmp_path, emulator, capsys
) -> None:
    token = new_token()
    write_config(tmp_path / "config.toml", emulator.base_url, [TEACHER], dsl=[7003])
    copy_index(tmp_path / "index")
    config, log = str(tmp_path / "config.toml"), tmp_path / "stderr.log"
    database = tmp_path / "data" / "staffguide.db"
    teacher = TelegramUser(emulator, token, user_id=TEACHER, first_name="Tess")
    head = TelegramUser(emulator, token, user_id=HEAD, first_name="Hana")
    process = start_serve(tmp_path, token, log)
    try:
        await wait_for_log(log, READY, process)
        await file_report(teacher, head, "a parent posted a pupil's photo on Facebook", "R-0001")
        assert main(["backup", "--config", config, str(tmp_path / "copy.db")]) == 0
        lost_alert = await file_report(
            teacher, head, "a pupil sent a member of staff a friend request", "R-0002"
        )
        stop(process)
        capsys.readouterr()

        assert main(["restore", "--config", config, str(tmp_path / "copy.db")]) == 0
        out = capsys.readouterr().out
        assert "reports lost since the backup (1, not in the backup): R-0002 filed" in out, out
        assert "new reports continue from R-0003" in out

        process = start_serve(tmp_path, token, log)
        await wait_for_log(log, r"(?s)stopped.*" + READY, process)
        await file_report(teacher, head, "someone made a fake account in a teacher's name", "R-0003")
        await head.tap(acknowledge_of(lost_alert), lost_alert["message_id"])  # the lost R-0002's button
        await head.no_reply(wait=1.0)
        db = open_db(database)
        assert [r["id"] for r in db["reports"].rows] == [1, 3]
        assert db.execute("select count(*) from report_events where kind = 'acknowledged'").fetchone()[0] == 0
        db.close()
    finally:
        stop(process)
        await teacher.aclose()
        await head.aclose()
    assert process.returncode == 0, log.read_text()[-2000:]


async def test_a_button_naming_another_report_under_the_same_number_is_refused_in_plain_words(
    make_services, running_bot, make_user, people, alerts
) -> None:
    """What the Head's button from before a restore carries when the number went to a new report
    (the old disk lost with the number kept beside it): the same id, another report's tag."""
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    await teacher.send("/report a parent posted a pupil's photo on Facebook")
    await teacher.replies()
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    report = reports.get_report(services.db, 1)
    assert (
        report is not None
        and cb.ReviewAction("ack", 1, report.tag).data in dict(alert["reply_markup"]).values()
    )

    stale = "0" * 8 if report.tag != "0" * 8 else "1" * 8
    for tap in (cb.ReviewAction("ack", 1, stale), cb.ReviewAction("res", 1, stale), cb.AskReporter(1, stale)):
        alerts.clear()
        await head.tap(tap.data, alert["message_id"])
        await eventually(lambda: bool(alerts))
        assert alerts == [common_text.button_stale("R-0001")]
    await head.no_reply(wait=0.3)
    await teacher.no_reply(wait=0.1)
    assert reports.get_report(services.db, 1).status == "open"
    assert "restored from a backup" in plain(common_text.button_stale("R-0001"))


async def test_after_restoring_over_a_damaged_database_the_bot_starts_and_files_the_next_report(
    tmp_path, emulator, capsys
) -> None:
    token = new_token()
    write_config(tmp_path / "config.toml", emulator.base_url, [TEACHER], dsl=[7003])
    copy_index(tmp_path / "index")
    config, log = str(tmp_path / "config.toml"), tmp_path / "stderr.log"
    database = tmp_path / "data" / "staffguide.db"
    db = open_db(database)
    reports.create_report(db, PEOPLE, new_report(1), notices=NOTICES)
    assert main(["backup", "--config", config, str(tmp_path / "copy.db")]) == 0
    reports.create_report(db, PEOPLE, new_report(2), notices=NOTICES)
    db.close()
    data = bytearray(database.read_bytes())
    data[4096:8192] = os.urandom(4096)
    database.write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["restore", "--config", config, str(tmp_path / "copy.db")]) == 0
    assert "was damaged: it is kept as it was" in capsys.readouterr().out

    teacher = TelegramUser(emulator, token, user_id=TEACHER, first_name="Tess")
    head = TelegramUser(emulator, token, user_id=HEAD, first_name="Hana")
    process = start_serve(tmp_path, token, log)
    try:
        await wait_for_log(log, READY, process)
        await file_report(teacher, head, "a parent posted a pupil's photo on Facebook", "R-0003")
    finally:
        stop(process)
        await teacher.aclose()
        await head.aclose()
    assert process.returncode == 0, log.read_text()[-2000:]


async def test_a_resolution_left_at_why_across_a_real_restart_is_put_aside_and_resolves_nothing(
    tmp_path, emulator
) -> None:
    """Seen before: the Head at Resolve → "Why?", the bot restarted, and hours later the Head's next
    ordinary message became the reasoning; the report was resolved and the reporter told."""
    from bot.persistence import CONVERSATIONS

    token = new_token()
    write_config(tmp_path / "config.toml", emulator.base_url, [TEACHER])
    copy_index(tmp_path / "index")
    log, database = tmp_path / "stderr.log", tmp_path / "data" / "staffguide.db"
    teacher = TelegramUser(emulator, token, user_id=TEACHER, first_name="Tess")
    head = TelegramUser(emulator, token, user_id=HEAD, first_name="Hana")
    process = start_serve(tmp_path, token, log)
    try:
        await wait_for_log(log, READY, process)
        alert = await file_report(teacher, head, "a parent posted abuse about a teacher", "R-0001")
        [resolve] = [data for label, data in alert["reply_markup"] if label == "Resolve"]
        await head.tap(resolve, alert["message_id"])
        outcome = await head.wait_for(lambda r: bool(r["reply_markup"]), timeout=REPLY_WITHIN)
        await head.tap(cb.Outcome("nfa").data, outcome["message_id"])
        await head.wait_for(lambda r: "Why?" in (r["text"] or ""), timeout=REPLY_WITHIN)
        stop(process)
        db = open_db(database)  # the bot was down for hours: the step is older than its timeout
        db.execute(f"update {CONVERSATIONS} set updated_at = '2026-01-05T09:00:00+00:00'")
        db.conn.commit()
        db.close()

        process = start_serve(tmp_path, token, log)
        await wait_for_log(log, r"(?s)stopped.*" + READY, process)
        await head.wait_for(lambda r: plain(r["text"]) == common_text.PUT_ASIDE, timeout=30)
        await head.send("can i give my personal phone number to a parent")
        await head.wait_for(lambda r: bool(r["text"]) and "put aside" not in plain(r["text"]), timeout=30)
        db = open_db(database)
        kinds = [row[0] for row in db.execute("select kind from report_events where report_id = 1")]
        questions = [row[0] for row in db.execute("select text from questions")]
        db.close()
        assert "resolved" not in kinds
        assert questions == ["can i give my personal phone number to a parent"], "taken as a question"
    finally:
        stop(process)
        await teacher.aclose()
        await head.aclose()
    assert process.returncode == 0, log.read_text()[-2000:]
