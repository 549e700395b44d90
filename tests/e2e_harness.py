"""Harness for end-to-end tests: the real bot talks HTTP to the `telegram-test-api` emulator.

Why: unit tests with mocked `Bot` objects cannot catch wrong Bot API payloads, handler wiring or
retry behaviour. Here python-telegram-bot runs unmodified, pointed at a local emulator
(``tests/emulator/launcher.js``), and a :class:`TelegramUser` plays a staff member over the
emulator's client-side API.

Typical use (a conftest can wrap these in fixtures)::

    with start_emulator() as emu:
        app = ApplicationBuilder().token(TOKEN).base_url(emu.base_url) \\
            .base_file_url(emu.base_file_url).build()
        async with run_application(app):
            user = TelegramUser(emu, TOKEN, user_id=1001, first_name="Alice")
            await user.send("/start")
            [reply] = await user.replies()

Edits: the emulator edits its stored copy of a bot message in place but does not mark it unread,
so an edited message never comes back from :meth:`TelegramUser.replies`. Read the current state
with :meth:`TelegramUser.message` (it reads the emulator's full history).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import shutil
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

EMULATOR_DIR = Path(__file__).resolve().parent / "emulator"
LAUNCHER = EMULATOR_DIR / "launcher.js"
INSTALL_HINT = "run `npm ci --prefix tests/emulator`"

Reply = dict[str, Any]
"""A bot message as seen by the user: ``text``, ``message_id``, ``reply_markup`` (list of
``(text, callback_data)`` tuples, rows flattened; ``callback_data`` is the URL for URL buttons),
``document`` (``{file_id, file_name, file_size, ...}`` or None) and ``raw`` (the emulator's record)."""


class EmulatorError(RuntimeError):
    """The emulator could not be started (node or node_modules missing, crash, timeout)."""


@dataclass
class Emulator:
    """A running emulator process. Stop it with :meth:`stop` or use it as a context manager."""

    port: int
    process: subprocess.Popen[str]
    _stderr: list[str] = field(default_factory=list, repr=False)
    _readers: list[threading.Thread] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        """Server root; client-side routes (``/sendMessage``, ``/getUpdates``...) live here."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url()``; python-telegram-bot appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url()``; used by ``File.download_*``."""
        return f"{self.url}/file/bot"

    def fail_send_message(self, count: int) -> None:
        """Make the next ``count`` bot-side sendMessage calls answer HTTP 502 (retry tests)."""
        self.fail("sendMessage", count)

    def fail(self, method: str, count: int, error_code: int = 502, description: str = "Bad Gateway") -> None:
        """Make the next ``count`` calls of bot method ``method`` answer ``error_code``."""
        payload = {"method": method, "count": count, "error_code": error_code, "description": description}
        httpx.post(f"{self.url}/control/fail", json=payload, timeout=5).raise_for_status()

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """Every send to ``chat_id`` answers 403 "bot was blocked by the user" (until unblocked)."""
        payload = {"chat_id": chat_id, "blocked": blocked}
        httpx.post(f"{self.url}/control/block", json=payload, timeout=5).raise_for_status()

    def history(self, token: str) -> list[dict[str, Any]]:
        """Every stored user and bot update for ``token`` (read or not), oldest first."""
        response = httpx.post(f"{self.url}/getUpdatesHistory", json={"token": token}, timeout=5)
        response.raise_for_status()
        return list(response.json()["result"])

    def file_bytes(self, file_id: str) -> bytes:
        """Content of any file the bot or a user uploaded (e.g. a document the bot sent)."""
        response = httpx.get(f"{self.url}/control/file/{file_id}", timeout=5)
        response.raise_for_status()
        return response.content

    def stderr_text(self) -> str:
        """What the emulator wrote to stderr so far (for diagnosing failures)."""
        return "".join(self._stderr)

    def stop(self) -> None:
        """Terminate the process (SIGTERM, then SIGKILL after 5 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for reader in self._readers:  # they end at EOF, once the process is gone
            reader.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_emulator(port: int | None = None, store_timeout: float = 300, timeout: float = 20.0) -> Emulator:
    """Spawn the emulator and wait for its ``listening on PORT`` line.

    ``port=None`` lets the OS pick a free port inside the launcher (``--port 0``), which avoids the
    race of probing for a free port here and binding it later. ``store_timeout`` is how long the
    emulator keeps unread messages (seconds); the default is generous so slow tests don't lose them.
    """
    node = shutil.which("node")
    if node is None:
        raise EmulatorError(f"`node` is not on PATH; install Node.js (>=18) and {INSTALL_HINT}")
    if not (EMULATOR_DIR / "node_modules" / "telegram-test-api").is_dir():
        raise EmulatorError(f"the emulator's node_modules are missing: {INSTALL_HINT}")

    args = [node, str(LAUNCHER), "--port", str(port or 0), "--store-timeout", str(store_timeout)]
    process = subprocess.Popen(
        args, cwd=EMULATOR_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # Drain both pipes in the background so a chatty process can never block on a full pipe.
    stdout: list[str] = []
    stderr: list[str] = []
    readers = [_drain(process.stdout, stdout), _drain(process.stderr, stderr)]
    emulator = Emulator(port=0, process=process, _stderr=stderr, _readers=readers)

    deadline = time.monotonic() + timeout
    while not stdout and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    line = stdout[0].strip() if stdout else ""
    if not line.startswith("listening on "):
        emulator.stop()
        detail = "".join(stderr).strip() or line or f"no ready line within {timeout:.0f} s"
        hint = f" ({INSTALL_HINT})" if "Cannot find module" in detail else ""
        raise EmulatorError(f"emulator failed to start{hint}: {detail}")
    emulator.port = int(line.rsplit(" ", 1)[1])
    return emulator


def _drain(stream: IO[str] | None, sink: list[str]) -> threading.Thread:
    """Read ``stream`` to EOF into ``sink`` on a daemon thread."""
    assert stream is not None
    thread = threading.Thread(target=lambda: sink.extend(iter(stream.readline, "")), daemon=True)
    thread.start()
    return thread


@contextlib.asynccontextmanager
async def run_application(app: Any, poll_interval: float = 0.05) -> AsyncIterator[Any]:
    """Run a python-telegram-bot ``Application`` with polling for the duration of the block.

    Mirrors ``Application.run_polling``'s order, including the ``post_init`` / ``post_stop`` /
    ``post_shutdown`` hooks, which only ``run_polling``/``run_webhook`` call (``async with app``
    alone would skip e.g. a ``set_my_commands`` done in ``post_init``). ``timeout=0`` because the
    emulator has no long polling; keep ``poll_interval`` small but never 0 (busy loop). ``app`` is
    typed ``Any`` so this module imports without telegram for pure-HTTP helpers.
    """
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.updater.start_polling(poll_interval=poll_interval, timeout=0)
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            if app.post_stop:
                await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


def _parse_reply(item: dict[str, Any]) -> Reply:
    """Turn the emulator's stored record of a bot message into a :data:`Reply`."""
    message = item.get("message", {})
    markup = message.get("reply_markup") or {}
    buttons = [
        (button.get("text"), button.get("callback_data", button.get("url")))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]
    return {
        "text": message.get("text"),
        "message_id": int(item["messageId"]),
        "reply_markup": buttons,
        "document": message.get("document"),
        "photo": message.get("photo"),
        "raw": item,
    }


class TelegramUser:
    """One private-chat user talking to the bot through the emulator's client-side API.

    Bot replies are fetched with the emulator's client ``/getUpdates``, which hands each message out
    only once; this class buffers what it fetched, so :meth:`replies` returns messages in order and
    never loses one between calls. Create it inside the running event loop (it owns an
    ``httpx.AsyncClient``); call :meth:`aclose` or use ``async with``.
    """

    def __init__(
        self, emulator: Emulator, token: str, user_id: int = 1001, first_name: str = "Alice"
    ) -> None:
        self.emulator = emulator
        self.token = token
        self.user_id = user_id
        self.first_name = first_name
        self._client = httpx.AsyncClient(base_url=emulator.url, timeout=10)
        self._buffer: list[Reply] = []

    async def __aenter__(self) -> TelegramUser:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def _from(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name}

    @property
    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    def _base(self) -> dict[str, Any]:
        return {"botToken": self.token, "from": self._from, "chat": self._chat, "date": int(time.time())}

    async def _post(self, route: str, payload: dict[str, Any]) -> Any:
        response = await self._client.post(route, json=payload)
        response.raise_for_status()
        return response.json().get("result")

    async def send(self, text: str, reply_to: Reply | None = None) -> None:
        """Write ``text`` to the bot. A leading ``/word`` becomes a bot_command entity, without
        which python-telegram-bot's CommandHandler would not fire. ``reply_to``: a bot message
        this one answers with Telegram's own Reply (``reply_to_message``)."""
        payload = {**self._base(), "text": text}
        if reply_to is not None:
            payload["reply_to_message"] = {
                "message_id": reply_to["message_id"],
                "date": int(time.time()),
                "chat": self._chat,
                "text": reply_to.get("text") or "",
            }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            payload["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
            await self._post("/sendCommand", payload)
        else:
            await self._post("/sendMessage", payload)

    async def tap(self, callback_data: str, message_id: int) -> None:
        """Press an inline button of bot message ``message_id``. The launcher fills the message's
        text and keyboard from storage, so ``query.message`` is a full Message."""
        message = {"message_id": message_id, "date": int(time.time()), "chat": self._chat}
        await self._post("/sendCallback", {**self._base(), "message": message, "data": callback_data})

    async def send_document(
        self, file_name: str, data: bytes, caption: str | None = None, mime_type: str | None = None
    ) -> str:
        """Send a file to the bot; returns its file_id (the bot downloads it via getFile)."""
        payload = {**self._base(), "file_name": file_name, "content_base64": base64.b64encode(data).decode()}
        if caption is not None:
            payload["caption"] = caption
        if mime_type is not None:
            payload["mime_type"] = mime_type
        return str((await self._post("/sendDocument", payload))["file_id"])

    async def send_photo(
        self,
        data: bytes = b"\xff\xd8\xff\xd9",
        caption: str | None = None,
        width: int = 640,
        height: int = 480,
    ) -> str:
        """Send a photo (one PhotoSize) to the bot; returns its file_id."""
        payload = {
            **self._base(),
            "content_base64": base64.b64encode(data).decode(),
            "width": width,
            "height": height,
        }
        if caption is not None:
            payload["caption"] = caption
        return str((await self._post("/sendPhoto", payload))["file_id"])

    async def _fetch(self) -> None:
        result = await self._post("/getUpdates", {"token": self.token, "chatId": self.user_id})
        self._buffer.extend(_parse_reply(item) for item in sorted(result, key=lambda i: i["messageId"]))

    async def replies(self, timeout: float = 10.0, count: int = 1) -> list[Reply]:
        """Wait until ``count`` bot messages not yet returned are available and return exactly
        those (oldest first); any extra stay buffered for the next call."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            await self._fetch()
            if len(self._buffer) >= count:
                taken, self._buffer = self._buffer[:count], self._buffer[count:]
                return taken
            if asyncio.get_running_loop().time() >= deadline:
                seen = [r["text"] for r in self._buffer]
                raise AssertionError(f"expected {count} bot message(s) within {timeout} s, got {seen!r}")
            await asyncio.sleep(0.05)

    async def wait_for(self, predicate: Callable[[Reply], bool], timeout: float = 10.0) -> Reply:
        """Consume bot messages until one satisfies ``predicate`` and return it; the skipped ones
        are discarded (they are listed in the AssertionError on timeout)."""
        deadline = asyncio.get_running_loop().time() + timeout
        skipped: list[Reply] = []
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                [reply] = await self.replies(timeout=max(remaining, 0.0))
            except AssertionError:
                texts = [r["text"] for r in skipped]
                raise AssertionError(f"no bot message matched within {timeout} s; saw {texts!r}") from None
            if predicate(reply):
                return reply
            skipped.append(reply)

    async def no_reply(self, wait: float = 0.5) -> None:
        """Assert the bot sends nothing more to this chat within ``wait`` seconds."""
        await asyncio.sleep(wait)
        await self._fetch()
        if self._buffer:
            raise AssertionError(f"unexpected bot message(s): {[r['text'] for r in self._buffer]!r}")

    async def message(self, message_id: int) -> Reply:
        """Current state of bot message ``message_id`` (after edits), read from the emulator's
        history: edits never reappear through :meth:`replies`."""
        response = await self._client.post("/getUpdatesHistory", json={"token": self.token})
        response.raise_for_status()
        for item in response.json()["result"]:
            message = item.get("message") or {}
            if "chat_id" in message and int(item["messageId"]) == message_id:
                return _parse_reply(item)
        raise AssertionError(f"no bot message {message_id} in the emulator (deleted or expired?)")

    async def download(self, file_id: str) -> bytes:
        """Bytes of a file the bot sent (its ``document['file_id']``)."""
        response = await self._client.get(f"/control/file/{file_id}")
        response.raise_for_status()
        return response.content
