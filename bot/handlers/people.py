"""People from Telegram: the Head Teacher's /staff list with Revoke (after a confirmation).

The rules (who is enrolled, who may be revoked) are bot.access's; this module lists and asks.
Callback data: bot.text.callbacks.StaffRevoke (Revoke tapped, confirmed, or kept).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from .. import access
from ..context import services_of
from ..text import access as access_text
from ..text.callbacks import STAFF_FAMILY, StaffRevoke, family, parse_as
from .common import keyboard, message_of, query_of, require_role, user_of

COMMANDS = [("staff", "Head Teacher: who can use the bot, with Revoke")]


@require_role("head_teacher")
async def staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    members = access.members(services.db, services.config)
    buttons = [
        [(access_text.revoke_button(m.name, m.user_id), StaffRevoke("ask", m.user_id))]
        for m in members
        if m.revocable and m.user_id != user_of(update).id
    ][: access_text.STAFF_LISTED]
    markup = keyboard(buttons) if buttons else None
    await message_of(update).reply_text(access_text.staff_text(members), reply_markup=markup)


@require_role("head_teacher")
async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = query_of(update)
    tap = parse_as(query.data, StaffRevoke)
    if tap is None:
        await query.answer()
        return
    action, user_id = tap.action, tap.user_id
    services = services_of(context)
    await query.answer()
    if action == "ask":
        members = access.members(services.db, services.config)
        name = next((m.name for m in members if m.user_id == user_id), "")
        await message_of(update).reply_text(
            access_text.revoke_confirm(name, user_id),
            reply_markup=keyboard(
                [
                    [
                        (access_text.REVOKE_YES, StaffRevoke("yes", user_id)),
                        (access_text.REVOKE_NO, StaffRevoke("no", user_id)),
                    ]
                ]
            ),
        )
        return
    await query.edit_message_reply_markup(None)  # a confirmation is answered once
    if action == "no":
        await message_of(update).reply_text(access_text.REVOKE_KEPT)
        return
    result = access.revoke(services.db, user_id, user_of(update).id, config=services.config)
    await message_of(update).reply_text(access_text.REVOKE_MESSAGES[result.value].format(user_id=user_id))


def register(application: Application) -> None:
    application.add_handler(CommandHandler("staff", staff, filters=filters.ChatType.PRIVATE))
    application.add_handler(CallbackQueryHandler(on_tap, pattern=family(STAFF_FAMILY)))
