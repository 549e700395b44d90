"""The webhook behind a reverse proxy, for real: deploy/nginx-staffguide.conf run by nginx (TLS
with a throw-away certificate, on free ports), `staffguide serve --webhook` as a process behind it,
and updates posted the way Telegram posts them. Only a request carrying the secret token reaches
the bot; the bot answers through the Bot API emulator. Skipped, saying why, where nginx or openssl
is missing. One process start costs the model load (~10 s)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import new_token
from e2e_harness import TelegramUser
from search_fixtures import BUNDLED_POLICIES, copy_index
from test_serve_process import wait_for_log

from bot import heartbeat
from bot.cli import main

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed"),
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed"),
]

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx-staffguide.conf"
PATH = "/staffguide/telegram"
SECRET = "test-secret_0123456789"
HEAD = 7001


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def site_for_test(tmp: Path, proxy_port: int, bot_port: int) -> str:
    """The shipped site with only what a test machine must change: its ports, host and certificate."""
    text = SITE.read_text(encoding="utf-8")
    changes = {
        "    listen 443 ssl;\n": f"    listen 127.0.0.1:{proxy_port} ssl;\n",
        "    listen [::]:443 ssl;\n": "",
        "server_name bot.example.org;": "server_name localhost;",
        "/etc/letsencrypt/live/bot.example.org/fullchain.pem": str(tmp / "cert.pem"),
        "/etc/letsencrypt/live/bot.example.org/privkey.pem": str(tmp / "key.pem"),
        "proxy_pass http://127.0.0.1:8443;": f"proxy_pass http://127.0.0.1:{bot_port};",
        f"location = {PATH} {{": f"location = {PATH} {{",  # asserted: the path the bot is told
    }
    for old, new in changes.items():
        assert old in text, f"the shipped example no longer has {old!r}"
        text = text.replace(old, new)
    return text


def start_nginx(tmp: Path, proxy_port: int, bot_port: int) -> subprocess.Popen[bytes]:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
        check=True,
        capture_output=True,
    )
    (tmp / "site.conf").write_text(site_for_test(tmp, proxy_port, bot_port), encoding="utf-8")
    temp = {name: tmp / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\n"
        "events {}\nhttp {\n"
        f"  access_log {tmp / 'access.log'};\n"
        + "".join(f"  {name}_temp_path {path};\n" for name, path in (("client_body", temp["body"]),))
        + "".join(f"  {name}_temp_path {temp[name]};\n" for name in ("proxy", "fastcgi", "uwsgi", "scgi"))
        + f"  include {tmp / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    check = subprocess.run(
        ["nginx", "-t", "-p", str(tmp), "-c", str(tmp / "nginx.conf")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    return subprocess.Popen(
        ["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf")], stderr=subprocess.DEVNULL
    )


def update(update_id: int, text: str) -> dict:
    person = {"id": HEAD, "is_bot": False, "first_name": "Hana"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": HEAD, "type": "private", "first_name": "Hana"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        assert process.poll() is None, log.read_text(encoding="utf-8")[-2000:]
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.2)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listens on {port}")


async def test_only_telegrams_signed_updates_reach_the_bot_through_nginx(tmp_path, emulator) -> None:
    proxy_port, bot_port = free_port(), free_port()
    token = new_token()
    url = f"https://localhost:{proxy_port}{PATH}"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{emulator.base_url}"\nwebhook_secret = "{SECRET}"\n'
        f'webhook_listen = "127.0.0.1"\nwebhook_port = {bot_port}\n'
        f"[people]\nhead_teacher = [{HEAD}]\n"
        f'[knowledge]\ndir = "{BUNDLED_POLICIES}"\nindex_dir = "index"\nadapt = false\n'
        '[storage]\ndatabase = "data/staffguide.db"\n[backup]\ndir = "backups"\n',
        encoding="utf-8",
    )
    copy_index(tmp_path / "index")
    script = Path(sys.executable).with_name("staffguide")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {
        **os.environ,
        "STAFFGUIDE_TELEGRAM_TOKEN": token,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    log = tmp_path / "stderr.log"
    nginx = start_nginx(tmp_path, proxy_port, bot_port)
    with open(log, "wb") as err:
        bot = subprocess.Popen(
            [*command, "serve", "--config", str(config), "--webhook", url], stderr=err, env=env
        )
    head = TelegramUser(emulator, token, user_id=HEAD, first_name="Hana")
    try:
        await wait_for_log(log, r"starting as @StaffGuideTestBot", bot)
        await wait_for_port(bot_port, bot, log)
        async with httpx.AsyncClient(verify=False, timeout=10) as client:
            signed = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            unsigned = await client.post(url, json=update(1, "/status"))
            assert unsigned.status_code == 403, "no secret token: refused by the bot"
            forged = await client.post(
                url, json=update(2, "/status"), headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            assert forged.status_code == 403, "a wrong secret token: refused by the bot"
            elsewhere = await client.post(
                url.replace(PATH, "/other"), json=update(3, "/status"), headers=signed
            )
            assert elsewhere.status_code == 404, "only the webhook's path is passed on"
            got = await client.get(url, headers=signed)
            assert got.status_code == 403, "only POST is passed on"
            accepted = await client.post(url, json=update(4, "/status"), headers=signed)
            assert accepted.status_code == 200, accepted.text
        [reply] = await head.replies(timeout=60)
        assert "Last backup" in reply["text"], "the Head Teacher's /status came through the proxy"
        for _ in range(100):  # the first beat follows the start at once
            if heartbeat.last_beat(tmp_path / "data" / "staffguide.db") is not None:
                break
            await asyncio.sleep(0.2)
        assert main(["health", "--config", str(config)]) == 0, "the heartbeat runs in webhook mode too"
    finally:
        await head.aclose()
        bot.terminate()
        bot.wait(60)
        nginx.terminate()
        nginx.wait(30)
