"""Two-way messages about a report: "Ask the reporter" / "Answer" from an alert, and the
reporter's "Reply". The rules and the record are bot.reports.exchange; here taps and texts.

Flow (ConversationHandler "exchange", persistent; the draft is a bot.drafts.ExchangeDraft):
tap (AskReporter for a reviewer, ReplyToReviewer for the reporter) -> type -> "Send this?"
(ExchangeConfirm). The message goes to another person and into a safeguarding record, so
it is confirmed first: text typed long after the tap (a policy question, say) is never sent
by mistake. Telegram's own Reply on one of these messages needs no tap and no confirmation:
it says whom it answers (bot.handoffs.reply_about_report, called by the question handler).

Registered before the report flow, so a reporter who taps Reply mid-report has their next
text confirmed as a reply rather than added to the report they are filing.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)

from .. import drafts, reports
from ..context import services_of
from ..drafts import ExchangeDraft
from ..handoffs import REPORTER, REVIEWER, send_about_report
from ..reports.exchange import writers_to_reporter
from ..text import common as common_text
from ..text import exchange as exchange_text
from ..text.callbacks import (
    EXCHANGE_FAMILY,
    AskReporter,
    ExchangeConfirm,
    ReplyToReviewer,
    family,
    matches,
    parse,
    parse_as,
)
from .common import (
    PRIVATE,
    TEXT,
    add_conversation,
    chat_of,
    keyboard,
    message_of,
    query_of,
    record_choice,
    refused_as_stale,
    require_staff,
    say_put_aside,
    staff_step,
    user_data_of,
    user_of,
)

log = logging.getLogger("staffguide.reports")

TYPING = "typing"  # conversation state (a string: persisted as JSON)
CONFIRM_KEYBOARD = keyboard(
    [
        [
            (exchange_text.SEND, ExchangeConfirm(True)),
            (exchange_text.DO_NOT_SEND, ExchangeConfirm(False)),
        ]
    ]
)


def _named(data: object) -> tuple[int, str | None]:
    """The report a button names: its number and tag."""
    tap = parse(data)
    return (tap.report_id, tap.tag) if isinstance(tap, AskReporter | ReplyToReviewer) else (0, None)


def _draft(context: ContextTypes.DEFAULT_TYPE) -> ExchangeDraft | None:
    return drafts.EXCHANGE.get(user_data_of(context))


@require_staff
async def start_to_reporter(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """ "Ask the reporter" (or "Answer" under an escalated question), for a reviewer of the report."""
    services = services_of(context)
    query = query_of(update)
    report_id, tag = _named(query.data)
    if await refused_as_stale(update, services, report_id, tag):
        return None
    report = reports.get_report(services.db, report_id)
    if report is None or not reports.can_review(
        services.db, services.config.people, report_id, user_of(update).id
    ):
        await query.answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    await query.answer()
    drafts.EXCHANGE.put(user_data_of(context), ExchangeDraft(report_id, REVIEWER))
    await chat_of(update).send_message(
        exchange_text.ask_reporter_prompt(report.reference, question=report.category == "question")
    )
    return TYPING


@require_staff
async def start_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """ "Reply" under a reviewer's message: only the reporter, only while someone may read it."""
    services = services_of(context)
    query = query_of(update)
    report_id, tag = _named(query.data)
    if await refused_as_stale(update, services, report_id, tag):
        return None
    report = reports.get_report(services.db, report_id)
    if report is None or report.reporter_id != user_of(update).id:
        await query.answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    if not writers_to_reporter(services.db, services.config.people, report_id):
        await query.answer(exchange_text.REPLY_NOT_POSSIBLE, show_alert=True)
        return None
    await query.answer()
    drafts.EXCHANGE.put(user_data_of(context), ExchangeDraft(report_id, REPORTER))
    await chat_of(update).send_message(exchange_text.reply_prompt(report.reference))
    return TYPING


@staff_step
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The message, shown back with Send / Don't send; a later text replaces it."""
    draft = _draft(context)
    if draft is None:
        return ConversationHandler.END
    text = (message_of(update).text or "").strip()
    if not text:
        await message_of(update).reply_text(exchange_text.MESSAGE_NEEDED)
        return None
    draft.pending = text
    drafts.EXCHANGE.put(user_data_of(context), draft)
    ref = reports.reference(draft.report_id)
    confirm = exchange_text.confirm_to_reporter if draft.side == REVIEWER else exchange_text.confirm_reply
    await message_of(update).reply_text(confirm(ref, text), reply_markup=CONFIRM_KEYBOARD)
    return None


@staff_step
async def on_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    draft = _draft(context)
    text = draft.pending if draft is not None else None
    if draft is None or text is None:
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    draft.pending = None  # taken before any await: a double tap sends once
    drafts.EXCHANGE.put(user_data_of(context), draft)
    await query_of(update).answer()
    drafts.EXCHANGE.drop(user_data_of(context))
    tap = parse_as(query_of(update).data, ExchangeConfirm)
    if tap is None or not tap.send:
        await record_choice(update, exchange_text.NOT_SENT_CHOICE)
        await chat_of(update).send_message(exchange_text.NOT_SENT)
        return ConversationHandler.END
    await record_choice(update, exchange_text.SENT_CHOICE)
    await send_about_report(update, context, draft.side, draft.report_id, text)
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    drafts.EXCHANGE.drop(user_data_of(context))
    await message_of(update).reply_text(exchange_text.NOT_SENT)
    return ConversationHandler.END


async def on_timeout(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Left unsent `[limits] conversation_minutes`: nothing is stored or sent."""
    draft = drafts.EXCHANGE.pop(context.user_data) if context.user_data is not None else None
    if draft is not None:
        ref = reports.reference(draft.report_id)
        await say_put_aside(update, context, partial(exchange_text.exchange_put_aside, ref))


def _conversation(persistent: bool, timeout_minutes: float | None = None) -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[
            CallbackQueryHandler(start_to_reporter, pattern=matches(AskReporter)),
            CallbackQueryHandler(start_reply, pattern=matches(ReplyToReviewer)),
        ],
        states={
            TYPING: [
                CallbackQueryHandler(on_confirm, pattern=matches(ExchangeConfirm)),
                MessageHandler(TEXT, on_text),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
        },
        conversation_timeout=timeout_minutes * 60 if timeout_minutes else None,
        fallbacks=[CommandHandler("cancel", cancel, filters=PRIVATE)],
        name="exchange",
        persistent=persistent,
        allow_reentry=True,
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_conversation(application, _conversation)
    # a Send / Don't send outside its conversation (old message, after /cancel): refused
    application.add_handler(CallbackQueryHandler(on_stale, pattern=family(EXCHANGE_FAMILY)))


async def on_stale(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
