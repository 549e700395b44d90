"""People from Telegram: the Head Teacher's /staff list with Revoke (after a confirmation).

The rules (who is enrolled, who may be revoked) are bot.access's; this module lists and asks.
Callback data: `stf:ask:<id>` (Revoke tapped), `stf:yes:<id>` (confirmed), `stf:no:<id>`.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from .. import access, messages
from ..context import services_of
from .common import keyboard, message_of, query_of, require_role, user_of

COMMANDS = [("staff", "Head Teacher: who can use the bot, with Revoke")]
CALLBACK = re.compile(r"^stf:(ask|yes|no):(-?\d{1,15})$")


@require_role("head_teacher")
async def staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    members = access.members(services.db, services.config)
    buttons = [
        [(f"Revoke {m.name or m.user_id}"[:60], f"stf:ask:{m.user_id}")]
        for m in members
        if m.revocable and m.user_id != user_of(update).id
    ][: messages.STAFF_LISTED]
    markup = keyboard(buttons) if buttons else None
    await message_of(update).reply_text(messages.staff_text(members), reply_markup=markup)


@require_role("head_teacher")
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = query_of(update)
    match = CALLBACK.match(query.data or "")
    if match is None:
        await query.answer()
        return
    action, user_id = match.group(1), int(match.group(2))
    services = services_of(context)
    await query.answer()
    if action == "ask":
        members = access.members(services.db, services.config)
        name = next((m.name for m in members if m.user_id == user_id), "")
        await message_of(update).reply_text(
            messages.revoke_confirm(name, user_id),
            reply_markup=keyboard([[("Yes, revoke", f"stf:yes:{user_id}"), ("Keep", f"stf:no:{user_id}")]]),
        )
        return
    await query.edit_message_reply_markup(None)  # a confirmation is answered once
    if action == "no":
        await message_of(update).reply_text(messages.REVOKE_KEPT)
        return
    result = access.revoke(services.db, user_id, user_of(update).id, config=services.config)
    await message_of(update).reply_text(messages.REVOKE_MESSAGES[result.value].format(user_id=user_id))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("staff", staff, filters=filters.ChatType.PRIVATE))
    application.add_handler(CallbackQueryHandler(on_tap, pattern=r"^stf:"))
