"""What every handler module shares: access checks as decorators, the Update's parts, safe
sending, and how a multi-step flow (ConversationHandler) is added.

Decorators keep each handler a few lines long, as in the python-telegram-bot
examples: the check, the one refusal message and the refusal counter live
here once.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import CallbackQuery, Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ContextTypes, ConversationHandler, filters
from telegram.warnings import PTBUserWarning

from .. import access, drafts, reports
from ..context import SERVICES_KEY, Services, services_of
from ..text import access as access_text
from ..text import common as common_text
from ..text.callbacks import Callback, Page, parse_as
from ..text.telegram import plain

log = logging.getLogger("staffguide.handlers")

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]
H = TypeVar("H", bound=Handler)


def user_id_of(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


# python-telegram-bot types every part of an Update as optional, as any one update carries only
# some of them. A handler knows which it was registered for; these say so, and fail loudly
# (through the error handler) if an update ever arrives without it.


class MissingPart(LookupError):
    """The update lacks a part its handler was registered for."""


def user_of(update: Update) -> User:
    if update.effective_user is None:
        raise MissingPart("the update has no user")
    return update.effective_user


def chat_of(update: Update) -> Chat:
    if update.effective_chat is None:
        raise MissingPart("the update has no chat")
    return update.effective_chat


def message_of(update: Update) -> Message:
    if update.effective_message is None:
        raise MissingPart("the update has no message")
    return update.effective_message


def query_of(update: Update) -> CallbackQuery:
    if update.callback_query is None:
        raise MissingPart("the update is not a button tap")
    return update.callback_query


def user_data_of(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    if context.user_data is None:
        raise MissingPart("the update has no user data")
    return context.user_data


async def refused_as_stale(update: Update, services: Services, report_id: int, tag: str | None) -> bool:
    """A report button whose number now names another report (a restore put an older database
    back) is answered in plain words and does nothing; True when that is what happened."""
    report = reports.get_report(services.db, report_id)
    if report is None or reports.named_by_button(services.db, report, tag):
        return False
    await query_of(update).answer(common_text.button_stale(report.reference), show_alert=True)
    return True


def full_name_of(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else "unknown"


def button(label: str, tap: Callback) -> InlineKeyboardButton:
    """One inline button whose data is the tap's (bot.text.callbacks)."""
    return InlineKeyboardButton(label, callback_data=tap.data)


Markup = InlineKeyboardMarkup | None


async def turn_page(update: Update, render: Callable[[int], tuple[str, Markup]]) -> None:
    """Previous / Next tapped under a long list: `render(number)` shown in the tapped message."""
    tap = parse_as(query_of(update).data, Page)
    await query_of(update).answer()
    text, markup = render(tap.number if tap else 0)
    await edit_in_place(update, text, markup)


async def edit_in_place(update: Update, text: str, markup: Markup) -> None:
    """Show another page in the tapped message (a second tap on the same page changes nothing)."""
    try:
        await query_of(update).edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def keyboard(rows: Sequence[Sequence[tuple[str, str | Callback]]]) -> InlineKeyboardMarkup:
    """Inline buttons from rows of (label, tap): a bot.text.callbacks value, or its data as the
    outbox stored it."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text, callback_data=data if isinstance(data, str) else data.data)
                for text, data in row
            ]
            for row in rows
        ]
    )


async def record_choice(update: Update, label: str) -> None:
    """Replace the tapped keyboard by the choice, so old buttons cannot be tapped again."""
    query = query_of(update)
    await query.answer()
    try:
        await query.edit_message_text(common_text.chosen(label))
    except BadRequest as exc:
        log.debug("could not edit the step message: %s", exc)


async def send_all(update: Update, texts: list[str], protect: bool = False) -> None:
    """Send each text; `protect` (safeguarding data) asks Telegram to allow no forwarding or saving."""
    for text in texts:
        await chat_of(update).send_message(text, protect_content=protect)


def is_staff(services: Services, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return access.is_enrolled(services.db, services.config, user_id)


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one short message for outsiders; counts the refusal and stores nothing else."""
    services = services_of(context)
    access.count_refusal(services.db)
    await answer_briefly(update, access_text.refusal(services.config.school.name, user_id_of(update)))


async def answer_briefly(update: Update, text: str) -> None:
    """Reply to a message, or answer a button tap with an alert (HTML tags are not shown there)."""
    if update.callback_query is not None:
        await update.callback_query.answer(plain(text), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


def require_staff(func: H) -> H:
    """Run the handler only for enrolled staff (allow-list, invite or any [people] role).

    Others get the refusal; the handler returns None, so a ConversationHandler
    entry point guarded by it does not start a conversation.
    """

    @functools.wraps(func)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE, *args: Any, **kwargs: Any) -> Any:
        if not is_staff(services_of(context), user_id_of(update)):
            await refuse(update, context)
            return None
        return await func(update, context, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def require_role(*roles: str) -> Callable[[H], H]:
    """Run the handler only for people holding one of `roles` (from [people]; "staff" means enrolled).

    Outsiders get the staff refusal (and are counted); staff without the role
    are told who the command is for.
    """
    if not roles:
        raise ValueError("require_role needs at least one role")

    def decorate(func: H) -> H:
        @functools.wraps(func)
        async def wrapper(
            update: Update, context: ContextTypes.DEFAULT_TYPE, *args: Any, **kwargs: Any
        ) -> Any:
            services = services_of(context)
            user_id = user_id_of(update)
            held = access.roles_of(services.db, services.config, user_id) if user_id is not None else set()
            if not held:
                await refuse(update, context)
                return None
            if not held & set(roles):
                await answer_briefly(update, access_text.role_refusal(roles))
                return None
            return await func(update, context, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


async def within_write_limit(update: Update, context: ContextTypes.DEFAULT_TYPE, what: str) -> bool:
    """The per-person limit on a write path (`what`: "invites", "policy uploads"); over it the
    person is told and nothing is stored."""
    services = services_of(context)
    per_minute = services.config.limits.writes_per_minute
    limiter = services.write_limiters.setdefault(what, access.RateLimiter(per_minute))
    user_id = user_id_of(update)
    if user_id is None or limiter.allow(user_id):
        return True
    await answer_briefly(update, access_text.write_limited(what, per_minute))
    return False


async def try_send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, **kwargs: Any) -> bool:
    """Send to someone who may never have opened the bot; False (logged) when Telegram refuses."""
    try:
        await context.bot.send_message(chat_id, text, **kwargs)
    except TelegramError as exc:
        log.warning("could not message %s: %s", chat_id, exc)
        return False
    return True


async def say_put_aside(
    update: object, context: ContextTypes.DEFAULT_TYPE, text: Callable[[float], str]
) -> None:
    """Tell the chat that a flow left waiting `[limits] conversation_minutes` was put aside
    (`text` words it for those minutes); a flow's timeout handler calls it."""
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None:
        minutes = services_of(context).config.limits.conversation_minutes
        await try_send(context, chat.id, text(minutes))


async def typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show "typing…" while a search runs; harmless if it fails."""
    if update.effective_chat is None:
        return
    try:
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
    except TelegramError as exc:
        log.debug("chat action failed: %s", exc)


# -- multi-step flows ----------------------------------------------------------------------------

PRIVATE = filters.ChatType.PRIVATE
TEXT = filters.TEXT & ~filters.COMMAND & PRIVATE


def staff_step(func: H) -> H:
    """Every step of a flow checks access at that step: someone whose access was revoked
    mid-flow is refused, their draft is dropped and the conversation ends."""

    @functools.wraps(func)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE, *args: Any, **kwargs: Any) -> Any:
        if not is_staff(services_of(context), user_id_of(update)):
            if context.user_data is not None:
                drafts.REPORT.drop(context.user_data)
            await refuse(update, context)
            return ConversationHandler.END
        return await func(update, context, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


@staff_step
async def on_tap_needed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text where a flow waits for a tap."""
    await message_of(update).reply_text(common_text.TAP_A_BUTTON)


AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def conversation_minutes(application: AnyApplication) -> float | None:
    """`[limits] conversation_minutes`, when the application has a JobQueue to time it."""
    services: Services | None = application.bot_data.get(SERVICES_KEY)
    if services is None or application.job_queue is None:
        return None
    return services.config.limits.conversation_minutes


def add_conversation(
    application: AnyApplication, build: Callable[[bool, float | None], ConversationHandler[Any]]
) -> None:
    """Add the flow `build(persistent, timeout_minutes)` makes, persistent when the application
    has persistence and timed by `[limits] conversation_minutes`.

    per_message=False is what every flow here wants (one flow per user and chat, across
    messages); the library warns, as the flow is made, that its CallbackQueryHandlers are then
    not tracked per message, so the warning is silenced here, once."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        application.add_handler(build(application.persistence is not None, conversation_minutes(application)))
