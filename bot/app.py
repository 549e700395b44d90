"""The composition root: the Telegram Application is built here, and `staffguide serve` runs it.

Start-up problems (database, engine, Telegram) are raised as bot.errors.StartupError;
the CLI only translates them into one line and an exit code.

Feature modules add their handlers through `register(application)`, called
in the order of HANDLER_MODULES; the plain-text question handler must stay
last so that conversations registered earlier see their messages first.
"""

from __future__ import annotations

import importlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import Update, User
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from .access import RateLimiter
from .clock import set_school_zone
from .config import Config, TelegramConfig
from .context import SERVICES_KEY, Services, services_of
from .errors import StartupError, TelegramUnreachable
from .health import is_storage_error
from .menus import Menu
from .outbox_sender import recover as recover_outbox
from .outbox_sender import register as start_sending
from .persistence import SqlitePersistence
from .reports.head import use_head_title
from .reports.vocabulary import use_words
from .search_service import open_engine
from .text import common as common_text
from .text.common import use_titles
from .text.telegram import plain

log = logging.getLogger("staffguide.app")

HANDLER_MODULES: list[str] = [
    "bot.handlers.access",
    "bot.handlers.exchange",
    "bot.handlers.reports",
    "bot.handlers.review",
    "bot.handlers.policies",
    "bot.handlers.reads",
    "bot.handlers.ops",
    "bot.handlers.people",
    "bot.handlers.questions",
]


def command_menu() -> Menu:
    """The one command registry: each handler module's optional `COMMANDS` [(command,
    description)], in HANDLER_MODULES order, so a feature lists its own commands next to its
    handlers; who sees which is bot.menus.COMMAND_ROLES."""
    return Menu.of(
        command
        for name in HANDLER_MODULES
        for command in getattr(importlib.import_module(name), "COMMANDS", [])
    )


def use_school_words(config: Config) -> None:
    """Report labels in the setting's words ([school] pupil_word, report_categories,
    omit_categories, head_title); a label that would repeat another is a ConfigError."""
    school = config.school
    use_words(school.pupil_word, school.report_categories, school.omit_categories, school.head_title)


def file_url_for(base_url: str) -> str:
    """http://host/bot -> http://host/file/bot, as the Bot API server lays them out."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


def build_application(
    services: Services, *, base_url: str | None = None, base_file_url: str | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application with persistence, services, every feature's handlers and the error handler."""
    telegram = services.config.telegram
    set_school_zone(services.config.school.tz)  # every time a person reads (bot.clock.shown)
    use_titles(services.config.school.titles())  # every message naming a role (bot.text.common)
    use_head_title(services.config.school.head_title)  # what names the Head (bot.reports.head)
    use_school_words(services.config)  # the reports' categories, subjects and outcomes
    base_url = base_url or telegram.base_url or None
    base_file_url = base_file_url or telegram.base_file_url or (file_url_for(base_url) if base_url else None)
    builder = (
        ApplicationBuilder()
        .token(telegram.token)
        .persistence(
            SqlitePersistence(services.db, max_age_minutes=services.config.limits.conversation_minutes)
        )
        # every text is HTML (bot.text); jobs without a zone run on the school's clock
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=services.config.school.tz))
        .concurrent_updates(True)
        # Telegram's flood limits on sends (about 30 messages a second in all): requests are spaced
        # out, and a RetryAfter is waited out and tried again twice before the caller sees it (the
        # outbox then reschedules the row with Telegram's own delay).
        .rate_limiter(AIORateLimiter(max_retries=2))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    application = builder.build()
    application.bot_data[SERVICES_KEY] = services
    if services.rate_limiter is None:
        services.rate_limiter = RateLimiter(services.config.limits.questions_per_minute)
    if services.menu is None:
        services.menu = command_menu()
    recover_outbox(services)
    start_sending(application)
    for name in HANDLER_MODULES:
        importlib.import_module(name).register(application)
    application.add_error_handler(on_error)
    return application


async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Tell Telegram each person's command menu, and each person whose unfinished step was too old
    to pick up again after the restart that it was put aside."""
    services = application.bot_data.get(SERVICES_KEY)
    if services is not None and services.menu is not None:
        await services.menu.publish(application.bot, services.config)
    persistence = application.persistence
    if isinstance(persistence, SqlitePersistence):
        for chat_id in sorted({key[0] for _name, key in persistence.put_aside if key}, key=str):
            try:
                await application.bot.send_message(chat_id, common_text.PUT_ASIDE)
            except TelegramError as exc:
                log.warning("could not tell chat %s that its unfinished step was put aside: %s", chat_id, exc)


async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop a model adaptation still running in its child process: it is redone at the next start."""
    services = application.bot_data.get(SERVICES_KEY)
    if services is not None and services.adapter is not None:
        await services.adapter.stop()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its update id; the user sees one plain sentence, never a traceback."""
    update_id = update.update_id if isinstance(update, Update) else None
    storage = is_storage_error(context.error)
    if storage and context.error is not None:  # logged once until it works again, not per update
        services_of(context).storage.failed(context.error)
    else:
        log.error("error handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    text = common_text.storage_failed() if storage else common_text.ERROR
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(plain(text), show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError as exc:
        log.warning("could not tell the user about the error in update %s: %s", update_id, exc)


def serve(config: Config, wait_for_telegram: bool = False) -> int:
    """Open the database and the engine once, then run until stopped (Ctrl-C or SIGTERM).
    `wait_for_telegram`: see reach_telegram."""
    from .backup import BotLock
    from .reports.routing import unreachable
    from .storage import open_db

    with BotLock(config.storage.database):  # one bot per database; `restore` can tell it runs
        db = open_db(config.storage.database)  # StorageError is a StartupError
        me = reach_telegram(config, wait=wait_for_telegram)
        log.info(
            "starting as @%s (id %s): config %s, database %s, time zone %s",
            me.username,
            me.id,
            config.source or "defaults",
            config.storage.database,
            config.school.timezone,
        )
        for kind in unreachable(config.people):
            log.warning("%s reach nobody: set [people] chair_of_governors (or deputy)", kind)
        engine, status = open_engine(config, progress=False)
        log.info("search index %s; starting the bot", status)
        application = build_application(Services(config=config, engine=engine, db=db))
        reload_on_sighup(application, config)
        telegram = config.telegram
        try:
            _run(application, telegram)
        except TelegramError as exc:  # e.g. the connection dropped for good while starting
            raise StartupError(f"Telegram stopped the bot: {exc}") from None
        log.info("stopped")
    return 0


def reload_on_sighup(application: Application[Any, Any, Any, Any, Any, Any], config: Config) -> None:
    """`kill -HUP` (`systemctl reload staffguide`) re-reads [people] and the menus without a restart."""
    import asyncio
    import signal

    from .access import reload_people
    from .config import ConfigError

    def on_hup(_signum: int, _frame: object) -> None:
        try:
            log.info("SIGHUP: %s", reload_people(config))
        except ConfigError as exc:
            log.error("SIGHUP: the roles are unchanged: %s", exc)
            return
        try:  # the handler runs on the event loop's thread, between two of its steps
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not polling yet: post_init sets the menus from the new roles
        menu = services_of(application).menu
        if menu is not None:
            loop.call_soon(lambda: application.create_task(menu.publish(application.bot, config)))

    signal.signal(signal.SIGHUP, on_hup)


def reach_telegram(config: Config, wait: bool, sleep: Callable[[float], None] = time.sleep) -> User:
    """getMe; with `wait`, an unreachable Telegram is tried again (5 s, doubling to a minute, one
    log line each) until it answers, instead of exiting with 75.

    Why: systemd tells exit codes apart (75 is restarted, 2 is final), Docker's restart policies
    cannot. In a container `--restart on-failure:N` stops a configuration mistake (exit 2) after N
    tries, and this keeps a network that comes up late after a reboot from using those tries up.
    """
    delay = 5.0
    while True:
        try:
            return check_telegram(config)
        except TelegramUnreachable as exc:
            if not wait:
                raise
            log.warning("%s; trying again in %.0f s", exc, delay)
            sleep(delay)
            delay = min(delay * 2, 60.0)


def check_telegram(config: Config) -> User:
    """Ask Telegram who the bot is before loading anything, so a wrong token or an unreachable
    server is one line at start-up rather than a traceback from inside the polling loop."""
    import asyncio

    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    telegram = config.telegram
    where = telegram.base_url or "api.telegram.org"

    async def get_me() -> User:
        bot = Bot(telegram.token, base_url=telegram.base_url) if telegram.base_url else Bot(telegram.token)
        async with bot:
            return await bot.get_me()

    try:
        return asyncio.run(get_me())
    except InvalidToken:
        raise StartupError(f"Telegram ({where}) refused the bot token; check [telegram] token") from None
    except NetworkError as exc:
        raise TelegramUnreachable(f"cannot reach Telegram at {where}: {exc}") from None
    except TelegramError as exc:
        raise StartupError(f"Telegram ({where}) answered with an error: {exc}") from None


def _run(application: Application[Any, Any, Any, Any, Any, Any], telegram: TelegramConfig) -> None:
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
