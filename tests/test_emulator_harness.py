"""Proves the e2e harness (tests/e2e_harness.py + tests/emulator/launcher.js) against a tiny bot.

Why: the real bot's end-to-end tests rely on every emulator patch (getMe, dates, callbacks, edits,
documents, files, commands, fault injection); if one regresses we want a failure here that names
the harness, not a confusing one in a bot test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import e2e_harness as harness
import httpx
import pytest
from e2e_harness import Emulator, TelegramUser, run_application, start_emulator
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

TOKEN = "123456:HARNESS-TEST"
COMMANDS = [BotCommand("start", "Show the menu"), BotCommand("report", "Get a report")]
REPORT = b"name,count\nalpha,1\nbeta,2\n"


async def on_start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Yes", callback_data="yes"), InlineKeyboardButton("No", callback_data="no")]]
    )
    await update.effective_message.reply_text("Continue?", reply_markup=keyboard)


async def on_choice(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    await query.edit_message_text(f"You chose {query.data} (was: {query.message.text})")


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.bot.send_chat_action(update.effective_chat.id, "upload_document")
    await update.effective_message.reply_document(REPORT, filename="report.csv", caption="Your report")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    document = update.effective_message.document
    file = await context.bot.get_file(document.file_id)
    data = await file.download_as_bytearray()
    await update.effective_message.reply_text(f"got {document.file_name}: {len(data)} bytes: {data.decode()}")


async def on_photo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    photo = update.effective_message.photo[-1]
    await update.effective_message.reply_text(f"photo {photo.width}x{photo.height} {photo.file_id}")


async def on_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def post_init(app: Application) -> None:
    await app.bot.set_my_commands(COMMANDS)
    await app.bot.set_chat_menu_button()


def build_app(emu: Emulator) -> Application:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .post_init(post_init)
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("report", on_report))
    app.add_handler(CallbackQueryHandler(on_choice))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    return app


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with start_emulator() as emulator:
        yield emulator


@pytest.fixture
async def app(emu: Emulator) -> AsyncIterator[Application]:
    async with run_application(build_app(emu)) as running:
        yield running


_next_user_id = iter(range(5001, 6000))


@pytest.fixture
async def user(emu: Emulator, app: Application) -> AsyncIterator[TelegramUser]:
    """A fresh chat per test, so tests sharing the module's emulator never see each other's replies."""
    async with TelegramUser(emu, TOKEN, user_id=next(_next_user_id), first_name="Alice") as alice:
        yield alice


@pytest.mark.e2e
async def test_echo(user: TelegramUser) -> None:
    await user.send("hello there")
    [reply] = await user.replies()
    assert reply["text"] == "echo: hello there"
    assert reply["reply_markup"] == []
    await user.no_reply(wait=0.2)


@pytest.mark.e2e
async def test_replies_are_buffered_in_order(user: TelegramUser) -> None:
    for word in ("one", "two", "three"):
        await user.send(word)
    first, second = await user.replies(count=2)
    [third] = await user.replies()
    assert [first["text"], second["text"], third["text"]] == ["echo: one", "echo: two", "echo: three"]


@pytest.mark.e2e
async def test_command_keyboard_and_edit(user: TelegramUser) -> None:
    await user.send("/start")
    [menu] = await user.replies()
    assert menu["text"] == "Continue?"
    assert menu["reply_markup"] == [("Yes", "yes"), ("No", "no")]

    await user.tap("yes", menu["message_id"])
    # An edit is not a new message: it never shows up in replies(); read it back by id.
    await user.no_reply(wait=0.3)
    edited = await user.message(menu["message_id"])
    assert edited["text"] == "You chose yes (was: Continue?)"
    assert edited["reply_markup"] == []  # editMessageText without a keyboard removes it


@pytest.mark.e2e
async def test_wait_for_skips_other_messages(user: TelegramUser) -> None:
    await user.send("noise")
    await user.send("signal")
    reply = await user.wait_for(lambda r: "signal" in (r["text"] or ""))
    assert reply["text"] == "echo: signal"


@pytest.mark.e2e
async def test_replies_timeout_says_what_it_saw(user: TelegramUser) -> None:
    await user.send("only one")
    with pytest.raises(AssertionError, match="echo: only one"):
        await user.replies(count=2, timeout=0.5)


@pytest.mark.e2e
async def test_bot_sends_document(user: TelegramUser, emu: Emulator) -> None:
    await user.send("/report")
    [reply] = await user.replies()
    document = reply["document"]
    assert reply["text"] == "Your report"  # the caption
    assert document["file_name"] == "report.csv"
    assert document["file_size"] == len(REPORT)
    assert await user.download(document["file_id"]) == REPORT
    assert emu.file_bytes(document["file_id"]) == REPORT


@pytest.mark.e2e
async def test_user_sends_document_and_bot_downloads_it(user: TelegramUser) -> None:
    await user.send_document("notes.txt", b"hello file", caption="please read", mime_type="text/plain")
    [reply] = await user.replies()
    assert reply["text"] == "got notes.txt: 10 bytes: hello file"


@pytest.mark.e2e
async def test_user_sends_photo(user: TelegramUser) -> None:
    file_id = await user.send_photo(width=320, height=200)
    [reply] = await user.replies()
    assert reply["text"] == f"photo 320x200 {file_id}"


@pytest.mark.e2e
async def test_commands_set_at_start(app: Application) -> None:
    commands = await app.bot.get_my_commands()
    assert [(c.command, c.description) for c in commands] == [(c.command, c.description) for c in COMMANDS]
    assert await app.bot.delete_my_commands()
    assert await app.bot.get_my_commands() == ()


@pytest.mark.e2e
async def test_fault_injection_fails_send_message_n_times(app: Application, emu: Emulator) -> None:
    response = httpx.post(f"{emu.url}/control/failSendMessage", json={"count": 2}, timeout=5)
    assert response.json() == {"ok": True, "result": True}
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await app.bot.send_message(4242, "try")
    message = await app.bot.send_message(4242, "try")
    assert message.text == "try"
    assert message.from_user is not None and message.from_user.is_bot


def test_missing_node_modules_gives_install_hint(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(harness, "EMULATOR_DIR", tmp_path)
    with pytest.raises(harness.EmulatorError, match="npm ci --prefix tests/emulator"):
        start_emulator()
