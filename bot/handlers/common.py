"""What every handler module shares: the access checks as decorators, and safe sending.

Decorators keep each handler a few lines long, as in the python-telegram-bot
examples: the check, the one refusal message and the refusal counter live
here once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from .. import access, messages
from ..context import Services, services_of

log = logging.getLogger("staffguide.handlers")

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[Any]]
H = TypeVar("H", bound=Handler)


def user_id_of(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


def is_staff(services: Services, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return access.is_enrolled(services.db, services.config, user_id)


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one short message for outsiders; counts the refusal and stores nothing else."""
    services = services_of(context)
    access.count_refusal(services.db)
    await answer_briefly(update, messages.refusal(services.config.school.name))


async def answer_briefly(update: Update, text: str) -> None:
    """Reply to a message, or answer a button tap with an alert (HTML tags are not shown there)."""
    if update.callback_query is not None:
        plain = text.replace("<b>", "").replace("</b>", "")
        await update.callback_query.answer(plain[:200], show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_html(text)


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
                await answer_briefly(update, messages.role_refusal(roles))
                return None
            return await func(update, context, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


async def try_send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str, **kwargs: Any) -> bool:
    """Send to someone who may never have opened the bot; False (logged) when Telegram refuses."""
    try:
        await context.bot.send_message(chat_id, text, parse_mode="HTML", **kwargs)
    except TelegramError as exc:
        log.warning("could not message %s: %s", chat_id, exc)
        return False
    return True


async def typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show "typing…" while a search runs; harmless if it fails."""
    if update.effective_chat is None:
        return
    try:
        await context.bot.send_chat_action(update.effective_chat.id, "typing")
    except TelegramError as exc:
        log.debug("chat action failed: %s", exc)
