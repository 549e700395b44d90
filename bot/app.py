"""The one place the Telegram Application is built, and `staffguide serve`.

Feature modules add their handlers through `register(application)`, called
in the order of HANDLER_MODULES; the plain-text question handler must stay
last so that conversations registered earlier see their messages first.
"""

from __future__ import annotations

import importlib
import logging
import secrets
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from . import messages
from .access import RateLimiter
from .config import Config, TelegramConfig
from .context import SERVICES_KEY, Services
from .persistence import SqlitePersistence

log = logging.getLogger("staffguide.app")

HANDLER_MODULES: list[str] = [
    "bot.handlers.access",
    "bot.handlers.reports",
    "bot.handlers.knowledge",
    "bot.handlers.questions",
]

RATE_LIMITER = "rate_limiter"


def bot_commands() -> list[tuple[str, str]]:
    """The command menu: each handler module's optional `COMMANDS` [(command, description)], in
    HANDLER_MODULES order, so a feature lists its own commands next to its handlers."""
    commands: list[tuple[str, str]] = []
    for name in HANDLER_MODULES:
        for command, description in getattr(importlib.import_module(name), "COMMANDS", []):
            if command not in {c for c, _ in commands}:
                commands.append((command, description))
    return commands


def file_url_for(base_url: str) -> str:
    """http://host/bot -> http://host/file/bot, as the Bot API server lays them out."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


def build_application(
    services: Services, *, base_url: str | None = None, base_file_url: str | None = None
) -> Application:
    """The Application with persistence, services, every feature's handlers and the error handler."""
    telegram = services.config.telegram
    base_url = base_url or telegram.base_url or None
    base_file_url = base_file_url or telegram.base_file_url or (file_url_for(base_url) if base_url else None)
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .persistence(SqlitePersistence(services.db))
        .concurrent_updates(True)
        .post_init(post_init)
    )
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    application = builder.build()
    application.bot_data[SERVICES_KEY] = services
    services.extra.setdefault(RATE_LIMITER, RateLimiter(services.config.limits.questions_per_minute))
    for name in HANDLER_MODULES:
        importlib.import_module(name).register(application)
    application.add_error_handler(on_error)
    return application


async def post_init(application: Application) -> None:
    """Tell Telegram the command list; a bot that cannot still works, so only warn."""
    try:
        await application.bot.set_my_commands([BotCommand(c, d) for c, d in bot_commands()])
    except TelegramError as exc:
        log.warning("could not register the command list with Telegram: %s", exc)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its update id; the user sees one plain sentence, never a traceback."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(messages.ERROR, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(messages.ERROR)
    except TelegramError as exc:
        log.warning("could not tell the user about the error in update %s: %s", update_id, exc)


def serve(config: Config) -> int:
    """Open the database and the engine once, then run until stopped (Ctrl-C or SIGTERM)."""
    from .cli import CliError, open_engine
    from .storage import StorageError, open_db

    try:
        db = open_db(config.storage.database)
    except StorageError as exc:
        raise CliError(str(exc)) from None
    check_telegram(config)
    engine, status = open_engine(config, progress=False)
    log.warning("search index %s; starting the bot", status)
    application = build_application(Services(config=config, engine=engine, db=db))
    telegram = config.telegram
    try:
        _run(application, telegram)
    except TelegramError as exc:  # e.g. the connection dropped for good while starting
        raise CliError(f"Telegram stopped the bot: {exc}") from None
    return 0


def check_telegram(config: Config) -> None:
    """Ask Telegram who the bot is before loading anything, so a wrong token or an unreachable
    server is one line at start-up rather than a traceback from inside the polling loop."""
    import asyncio

    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    from .cli import CliError

    telegram = config.telegram
    where = telegram.base_url or "api.telegram.org"

    async def get_me() -> None:
        kwargs = {"base_url": telegram.base_url} if telegram.base_url else {}
        async with Bot(telegram.token, **kwargs) as bot:
            await bot.get_me()

    try:
        asyncio.run(get_me())
    except InvalidToken:
        raise CliError(f"Telegram ({where}) refused the bot token; check [telegram] token") from None
    except NetworkError as exc:
        raise CliError(f"cannot reach Telegram at {where}: {exc}") from None
    except TelegramError as exc:
        raise CliError(f"Telegram ({where}) answered with an error: {exc}") from None


def _run(application: Application, telegram: TelegramConfig) -> None:
    if telegram.webhook_url:
        application.run_webhook(
            listen=telegram.webhook_listen,
            port=telegram.webhook_port,
            url_path=urlsplit(telegram.webhook_url).path.lstrip("/"),
            webhook_url=telegram.webhook_url,
            # Without a configured secret, a fresh random one: never an open webhook.
            secret_token=telegram.webhook_secret or secrets.token_urlsafe(32),
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(poll_interval=telegram.poll_interval, allowed_updates=Update.ALL_TYPES)
