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
from ..text.callbacks import STAFF_FAMILY, Callback, Page, StaffRevoke, family, matches, on_view, parse_as
from ..text.pages import nav_row, page
from .common import Markup, keyboard, message_of, query_of, require_role, turn_page, user_of

COMMANDS = [("staff", "Head Teacher: who can use the bot, with Revoke")]


def _staff_page(update: Update, context: ContextTypes.DEFAULT_TYPE, number: int) -> tuple[str, Markup]:
    services = services_of(context)
    paged = page(access.members(services.db, services.config), number, access_text.STAFF_PAGE)
    rows: list[list[tuple[str, Callback]]] = [
        [(access_text.revoke_button(m.name, m.user_id), StaffRevoke("ask", m.user_id))]
        for m in paged.items
        if m.revocable and m.user_id != user_of(update).id
    ]
    nav = nav_row("staff", paged)
    rows += [list(nav)] if nav else []
    return access_text.staff_text(paged), keyboard(rows) if rows else None


@require_role("head_teacher")
async def staff(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = _staff_page(update, context, 0)
    await message_of(update).reply_text(text, reply_markup=markup)


@require_role("head_teacher")
async def on_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await turn_page(update, lambda number: _staff_page(update, context, number))


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
    application.add_handler(CallbackQueryHandler(on_page, pattern=matches(Page, where=on_view("staff"))))
    application.add_handler(CallbackQueryHandler(on_tap, pattern=family(STAFF_FAMILY)))
