"""/start (with an invite code), /help, /privacy, and the Head Teacher's /invite and /revoke."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters
from telegram.helpers import create_deep_linked_url

from .. import access, read_flow
from ..context import Services, services_of
from ..outbox_sender import trigger_drain
from ..text import access as access_text
from .common import message_of, refuse, require_role, require_staff, send_all, user_of, within_write_limit

PRIVATE = filters.ChatType.PRIVATE
COMMANDS = [
    ("start", "Welcome and example questions"),
    ("help", "How to use StaffGuide"),
    ("privacy", "What the bot stores and for how long"),
    ("invite", "Head Teacher: create an invite code"),
    ("revoke", "Head Teacher: revoke a member's access"),
]


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start` greets staff; `/start CODE` (typed or from a t.me deep link) redeems an invite."""
    services = services_of(context)
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    if context.args:
        result = access.redeem_invite(
            services.db, context.args[0], user.id, user.full_name, config=services.config
        )
        if result is access.Redeemed.ENROLLED:
            await message_of(update).reply_text(
                access_text.invite_message(result.value) + "\n\n" + _welcome(services, user.first_name)
            )
            if read_flow.welcome(services.db, user.id):  # the policy changes every member of staff reads
                trigger_drain(context.application)
            return
        if result is access.Redeemed.ALREADY_ENROLLED:
            await message_of(update).reply_text(access_text.invite_message(result.value))
            return
        access.count_refusal(services.db)
        await message_of(update).reply_text(access_text.invite_message(result.value))
        return
    if not access.is_enrolled(services.db, services.config, user.id):
        await refuse(update, context)
        return
    await message_of(update).reply_text(_welcome(services, user.first_name))


def _welcome(services: Services, first_name: str) -> str:
    """The welcome with the school's example questions, or ones made from its own headings."""
    examples = services.config.school.example_questions or access_text.examples_from_headings(
        [(p.document, p.section) for p in services.engine.index.passages]
    )
    return access_text.welcome(services.config.school.name, first_name, examples)


@require_staff
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    roles = access.roles_of(services.db, services.config, user_of(update).id) | {"staff"}
    days = services.config.storage.question_retention_days
    if services.menu is None:
        await send_all(update, access_text.help_text(days))
        return
    everyone = services.menu.for_roles({"staff"})
    mine = [item for item in services.menu.for_roles(roles) if item not in everyone]
    await send_all(update, access_text.help_text(days, everyone, mine))


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Open to everyone: what the bot keeps is no secret, and it quotes no policy."""
    config = services_of(context).config
    texts = access_text.privacy_messages(
        config.storage.question_retention_days,
        config.backup.keep_days,
        report_years=config.storage.report_retention_years,
    )
    await send_all(update, texts)


@require_role("head_teacher")
async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await within_write_limit(update, context, "invites"):
        return
    services = services_of(context)
    days = services.config.invites.expire_days
    code = access.create_invite(services.db, user_of(update).id, days)
    username = context.bot.username
    link = create_deep_linked_url(username, code) if username else None
    expires = access.invite_expiry(services.db, code) or ""
    await message_of(update).reply_text(access_text.invite_text(code, expires, link, days))


@require_role("head_teacher")
async def revoke(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("-").isdigit():
        await message_of(update).reply_text(access_text.REVOKE_USAGE)
        return
    user_id = int(args[0])
    result = access.revoke(services.db, user_id, user_of(update).id, config=services.config)
    await message_of(update).reply_text(access_text.REVOKE_MESSAGES[result.value].format(user_id=user_id))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("start", start, filters=PRIVATE))
    application.add_handler(CommandHandler("help", help_command, filters=PRIVATE))
    application.add_handler(CommandHandler("privacy", privacy, filters=PRIVATE))
    application.add_handler(CommandHandler("invite", invite, filters=PRIVATE))
    application.add_handler(CommandHandler("revoke", revoke, filters=PRIVATE))
