"""Reviewers of misuse reports: Acknowledge · Add note · Resolve, /queue, /show and /export.

Callback data is bot.text.callbacks': ReviewAction (Acknowledge, Add note, Resolve),
NoteConfirm and Outcome. A report button outside its step (old message, after /cancel,
forged) is refused here too, so this module registers after bot.handlers.reports
(see bot.app.HANDLER_MODULES).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)

from .. import drafts, reads, reports
from ..clock import utc
from ..context import Services, services_of
from ..drafts import ReviewDraft
from ..outbox_sender import trigger_drain, update_alerts
from ..text import common as common_text
from ..text import report_record
from ..text import reports as reports_text
from ..text import review as review_text
from ..text.callbacks import (
    REPORT_FAMILY,
    Callback,
    NoteConfirm,
    Outcome,
    Page,
    ResolveConfirm,
    ReviewAction,
    ShowPage,
    family,
    matches,
    on_view,
    parse_as,
)
from ..text.notices import NOTICES
from ..text.pages import nav_row, page
from .common import (
    PRIVATE,
    TEXT,
    Markup,
    MissingPart,
    add_conversation,
    chat_of,
    edit_in_place,
    full_name_of,
    keyboard,
    message_of,
    on_tap_needed,
    query_of,
    record_choice,
    refused_as_stale,
    require_role,
    require_staff,
    say_put_aside,
    turn_page,
    user_data_of,
    user_of,
)

log = logging.getLogger("staffguide.reports")

# conversation states (strings: they are persisted as JSON)
NOTE, OUTCOME, OUTCOME_TEXT, REASON = "note", "outcome", "outcome_text", "reason"
OUTCOME_REF = "outcome_reference"  # "Recorded in the school's safeguarding system": its reference
NOTE_KEYBOARD = keyboard(
    [[(review_text.ADD_NOTE, NoteConfirm(True)), (review_text.DO_NOT_ADD, NoteConfirm(False))]]
)
RESOLVE_KEYBOARD = keyboard(
    [[(review_text.RESOLVE, ResolveConfirm(True)), (review_text.RETYPE_REASON, ResolveConfirm(False))]]
)


def _outcome_keyboard() -> Markup:
    """Made when asked: the outcomes are in the setting's words (bot.reports.use_words)."""
    return keyboard([[(label, Outcome(key))] for key, label in reports.OUTCOMES.items()])


async def cancel_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    drafts.REVIEW.drop(user_data_of(context))
    await message_of(update).reply_text(review_text.REVIEW_CANCELLED)
    return ConversationHandler.END


def _tapped(update: Update) -> ReviewAction:
    """The alert button tapped; its pattern (matches(ReviewAction)) let nothing else through."""
    tap = parse_as(query_of(update).data, ReviewAction)
    if tap is None:
        raise MissingPart("the tap is not a review button")
    return tap


def _acknowledges(data: object) -> bool:
    tap = parse_as(data, ReviewAction)
    return tap is not None and tap.action == "ack"


async def _drop_acknowledge(update: Update) -> None:
    query = query_of(update)
    markup = getattr(query.message, "reply_markup", None) if query.message else None
    if markup is None:
        return
    rows = [[b for b in row if not _acknowledges(b.callback_data)] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    except BadRequest as exc:
        log.debug("could not edit buttons: %s", exc)


@require_staff
async def on_acknowledge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    query = query_of(update)
    tap = _tapped(update)
    report_id = tap.report_id
    if await refused_as_stale(update, services, report_id, tap.tag):
        return
    result, event = reports.acknowledge(
        services.db,
        services.config.people,
        report_id,
        user_of(update).id,
        full_name_of(update),
        notices=NOTICES,
    )
    ref = reports.reference(report_id)
    if result is reports.Result.NOT_ALLOWED:
        await query.answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return
    if result is reports.Result.RESOLVED:
        await query.answer(review_text.already_resolved(ref), show_alert=True)
        await _drop_acknowledge(update)
        return
    if result is reports.Result.ALREADY and event is not None:
        await query.answer(
            review_text.already_acknowledged(ref, event.actor_name, report_record.when(event.at)),
            show_alert=True,
        )
        await _drop_acknowledge(update)
        return
    await query.answer(review_text.acknowledged(ref))
    await _drop_acknowledge(update)
    await chat_of(update).send_message(review_text.acknowledged_reply(ref))
    trigger_drain(context.application)
    await update_alerts(context.application, report_id)


@require_staff
async def start_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """Add note / Resolve: ask for the text (and the outcome)."""
    services = services_of(context)
    query = query_of(update)
    tap = _tapped(update)
    action, report_id = tap.action, tap.report_id
    ref = reports.reference(report_id)
    if await refused_as_stale(update, services, report_id, tap.tag):
        return None
    if not reports.can_review(services.db, services.config.people, report_id, user_of(update).id):
        await query.answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    report = reports.get_report(services.db, report_id)
    if action == "res" and report is not None and report.status == "resolved":
        await query.answer(review_text.already_resolved(ref), show_alert=True)
        return None
    await query.answer()
    drafts.REVIEW.put(user_data_of(context), ReviewDraft(action, report_id))
    if action == "note":
        await chat_of(update).send_message(review_text.ask_note(ref))
        return NOTE
    await chat_of(update).send_message(review_text.ask_outcome(ref), reply_markup=_outcome_keyboard())
    return OUTCOME


def _review(context: ContextTypes.DEFAULT_TYPE) -> ReviewDraft | None:
    return drafts.REVIEW.get(user_data_of(context))


def _keep(context: ContextTypes.DEFAULT_TYPE, review: ReviewDraft) -> None:
    drafts.REVIEW.put(user_data_of(context), review)


async def on_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """A note is permanent: the text is confirmed ("Add this as a note to R-0042?") first, so a
    message meant as something else (a question typed later) is never silently kept."""
    review = _review(context)
    if review is None:
        return ConversationHandler.END
    text = (message_of(update).text or "").strip()
    if not text:
        await message_of(update).reply_text(review_text.NOTE_NEEDED)
        return None
    review.pending_note = text
    _keep(context, review)
    ref = reports.reference(review.report_id)
    await message_of(update).reply_text(review_text.confirm_note(ref, text), reply_markup=NOTE_KEYBOARD)
    return None


async def on_note_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    services = services_of(context)
    review = _review(context)
    text = review.pending_note if review is not None else None
    if review is None or text is None:
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    review.pending_note = None  # taken before any await: a double tap adds one note
    _keep(context, review)
    ref = reports.reference(review.report_id)
    confirm = parse_as(query_of(update).data, NoteConfirm)
    if confirm is None or not confirm.yes:
        await record_choice(update, review_text.NOT_ADDED_CHOICE)
        drafts.REVIEW.drop(user_data_of(context))
        await chat_of(update).send_message(reports_text.NOT_ADDED)
        return ConversationHandler.END
    result = reports.add_note(
        services.db,
        services.config.people,
        review.report_id,
        user_of(update).id,
        full_name_of(update),
        text,
    )
    added = result is reports.Result.DONE
    await record_choice(update, review_text.NOTE_ADDED_CHOICE if added else review_text.NOT_ADDED_CHOICE)
    drafts.REVIEW.drop(user_data_of(context))
    if result is reports.Result.DONE:
        await chat_of(update).send_message(review_text.note_added(ref))
    else:
        await chat_of(update).send_message(reports_text.REPORT_NOT_FOUND.format(ref=ref))
    return ConversationHandler.END


async def on_review_timeout(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A note or resolution left waiting `[limits] conversation_minutes`: nothing is stored."""
    review = drafts.REVIEW.pop(context.user_data) if context.user_data is not None else None
    if review is not None:
        ref = reports.reference(review.report_id)
        await say_put_aside(update, context, partial(review_text.review_put_aside, ref))


async def on_outcome(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query = query_of(update)
    tap = parse_as(query.data, Outcome)
    key = tap.key if tap is not None else ""
    review = _review(context)
    if key not in reports.OUTCOMES or review is None:
        await query.answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    await record_choice(update, review_text.outcome_chosen(reports.OUTCOMES[key]))
    if key == "other":
        await chat_of(update).send_message(review_text.OUTCOME_NEEDED)
        return OUTCOME_TEXT
    review.outcome = reports.OUTCOMES[key]
    _keep(context, review)
    if key == "recorded":
        await chat_of(update).send_message(review_text.ASK_EXTERNAL_REFERENCE)
        return OUTCOME_REF
    await chat_of(update).send_message(review_text.ask_reason(review.outcome))
    return REASON


async def on_outcome_reference(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
    review = _review(context)
    text = (message_of(update).text or "").strip()
    if review is None:
        return ConversationHandler.END
    if not text:
        await message_of(update).reply_text(review_text.ASK_EXTERNAL_REFERENCE)
        return None
    review.reference = text[: review_text.MAX_EXTERNAL_REFERENCE]
    _keep(context, review)
    await message_of(update).reply_text(review_text.ask_reason(review.outcome or ""))
    return REASON


async def on_outcome_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
    review = _review(context)
    text = (message_of(update).text or "").strip()
    if review is None:
        return ConversationHandler.END
    if not text:
        return None
    review.outcome = text[:500]
    _keep(context, review)
    await message_of(update).reply_text(review_text.ask_reason(review.outcome))
    return REASON


async def on_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The reasoning is shown back with "Resolve with this reasoning?" before anything is stored
    (a later message replaces it), because resolving is final and the reporter is told."""
    review = _review(context)
    if review is None or not review.outcome:
        return ConversationHandler.END
    text = (message_of(update).text or "").strip()
    if not text:
        await message_of(update).reply_text(review_text.REASON_NEEDED)
        return None
    review.pending_reason = text
    _keep(context, review)
    ref = reports.reference(review.report_id)
    confirm = review_text.confirm_resolution(ref, review.outcome, text)
    await message_of(update).reply_text(confirm, reply_markup=RESOLVE_KEYBOARD)
    return None


async def on_resolve_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    services = services_of(context)
    review = _review(context)
    text = review.pending_reason if review is not None else None
    if review is None or not review.outcome or text is None:
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    review.pending_reason = None  # taken before any await: a double tap resolves once
    _keep(context, review)
    confirm = parse_as(query_of(update).data, ResolveConfirm)
    if confirm is None or not confirm.yes:
        await record_choice(update, review_text.NOT_RESOLVED_CHOICE)
        await chat_of(update).send_message(review_text.REASON_AGAIN)
        return None
    await record_choice(update, review_text.RESOLVED_CHOICE)
    ref = reports.reference(review.report_id)
    result = reports.resolve(
        services.db,
        services.config.people,
        review.report_id,
        user_of(update).id,
        full_name_of(update),
        review.outcome,
        text,
        external_reference=review.reference,
        notices=NOTICES,
    )
    drafts.REVIEW.drop(user_data_of(context))
    if result is reports.Result.NOT_ALLOWED:
        await chat_of(update).send_message(reports_text.REPORT_NOT_FOUND.format(ref=ref))
    elif result is reports.Result.ALREADY:
        await chat_of(update).send_message(review_text.resolved_already(ref))
    else:
        await chat_of(update).send_message(review_text.resolved_reply(ref))
        trigger_drain(context.application)
        await update_alerts(context.application, review.report_id)
    return ConversationHandler.END


@require_role(*reports.REVIEWER_ROLES)
async def queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = _queue_page(update, context, 0)
    await message_of(update).reply_text(text, reply_markup=markup)


def _queue_page(update: Update, context: ContextTypes.DEFAULT_TYPE, number: int) -> tuple[str, Markup]:
    services = services_of(context)
    found = reports.queue(services.db, services.config.people, user_of(update).id)
    paged = page(found, number, report_record.LIST_PAGE)
    nav = nav_row("queue", paged)
    return report_record.render_page(paged, review_text.QUEUE_TITLE), keyboard([nav]) if nav else None


@require_role(*reports.REVIEWER_ROLES)
async def on_queue_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await turn_page(update, lambda number: _queue_page(update, context, number))


@require_staff
async def show_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    arg = " ".join(context.args or [])
    report_id = reports.parse_reference(arg)
    if report_id is None:
        await message_of(update).reply_text(review_text.SHOW_USAGE)
        return
    viewer = user_of(update).id
    shown = _show_page(services, report_id, viewer, 0)
    if shown is None:
        await message_of(update).reply_text(
            reports_text.REPORT_NOT_FOUND.format(ref=reports.reference(report_id))
        )
        return
    text, markup = shown
    await chat_of(update).send_message(text, reply_markup=markup, protect_content=True)
    evidence = reports.evidence_for(services.db, services.config.people, report_id, viewer)
    await _send_evidence(update, reports.reference(report_id), evidence)


def _show_page(services: Services, report_id: int, viewer: int, number: int) -> tuple[str, Markup] | None:
    """A page of /show for `viewer`, or None when the report is not theirs to see."""
    pages = report_record.render_show(services.db, services.config.people, report_id, viewer)
    report = reports.get_report(services.db, report_id)
    if pages is None or report is None:
        return None
    text, rows = report_record.show_page(report, pages, number)
    return text, keyboard(rows) if rows else None


@require_staff
async def on_show_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Previous / Next under /show: the page asked for, worked out again (the record may have grown)."""
    services = services_of(context)
    tap = parse_as(query_of(update).data, ShowPage)
    if tap is None or await refused_as_stale(update, services, tap.report_id, tap.tag):
        return
    shown = _show_page(services, tap.report_id, user_of(update).id, tap.number)
    if shown is None:  # no longer theirs to see (revoked, or the report rerouted)
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return
    await query_of(update).answer()
    await edit_in_place(update, *shown)


async def _send_evidence(update: Update, ref: str, evidence: list[reports.Evidence]) -> None:
    """Re-send the report's screenshots by their Telegram file ids (nothing is stored here)."""
    message = message_of(update)
    for n, item in enumerate(evidence, start=1):
        caption = review_text.evidence_caption(ref, n, len(evidence), report_record.when(item.sent_at))
        try:
            if item.kind == "video_note":  # round videos take no caption
                await message.reply_text(caption, protect_content=True)
                await message.reply_video_note(item.file_id, protect_content=True)
            else:
                send = getattr(message, f"reply_{item.kind}", message.reply_document)
                await send(item.file_id, caption=caption, protect_content=True)
        except TelegramError as exc:  # e.g. a file Telegram no longer keeps
            log.warning("could not re-send evidence %d of %s: %s", n, ref, exc)
            await message.reply_text(review_text.evidence_not_sent(caption, exc))


@require_role(*reports.REVIEWER_ROLES)
async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    export = reports.export_reports(
        services.db, services.config.people, user_of(update).id, full_name_of(update)
    )
    name = f"reports-{utc():%Y%m%d-%H%M}"
    await message_of(update).reply_document(
        export.incidents,
        filename=f"{name}-incidents.csv",
        caption=review_text.export_incidents_caption(export.count),
        protect_content=True,
    )
    await message_of(update).reply_document(
        export.history,
        filename=f"{name}-history.csv",
        caption=review_text.export_caption(export.count),
        protect_content=True,
    )
    if reads.required_versions(services.db):  # once staff were asked to read a changed policy
        await message_of(update).reply_document(
            reads.records_csv(services.db),
            filename=f"policy-reads-{utc():%Y%m%d-%H%M}.csv",
            caption=review_text.export_reads_caption(len(reads.records(services.db))),
            protect_content=True,
        )


async def on_stale_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """A flow button outside its step (old message, after /cancel, forged): refuse politely."""
    await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)


# -- registration -------------------------------------------------------------------------------


def _note_or_resolve(tap: Callback) -> bool:
    return isinstance(tap, ReviewAction) and tap.action in ("note", "res")


def _conversation(persistent: bool, timeout_minutes: float | None = None) -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[
            CallbackQueryHandler(start_review, pattern=matches(ReviewAction, where=_note_or_resolve))
        ],
        states={
            NOTE: [
                CallbackQueryHandler(on_note_confirm, pattern=matches(NoteConfirm)),
                MessageHandler(TEXT, on_note),
            ],
            OUTCOME: [
                CallbackQueryHandler(on_outcome, pattern=matches(Outcome)),
                MessageHandler(TEXT, on_tap_needed),
            ],
            OUTCOME_TEXT: [MessageHandler(TEXT, on_outcome_text)],
            OUTCOME_REF: [MessageHandler(TEXT, on_outcome_reference)],
            REASON: [
                CallbackQueryHandler(on_resolve_confirm, pattern=matches(ResolveConfirm)),
                MessageHandler(TEXT, on_reason),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_review_timeout)],
        },
        conversation_timeout=timeout_minutes * 60 if timeout_minutes else None,
        fallbacks=[CommandHandler("cancel", cancel_review)],
        name="review",
        persistent=persistent,
        allow_reentry=True,
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_conversation(application, _conversation)
    application.add_handler(CallbackQueryHandler(on_acknowledge, pattern=_acknowledges))
    application.add_handler(CallbackQueryHandler(on_show_page, pattern=matches(ShowPage)))
    application.add_handler(CallbackQueryHandler(on_stale_button, pattern=family(REPORT_FAMILY)))
    application.add_handler(
        CallbackQueryHandler(on_queue_page, pattern=matches(Page, where=on_view("queue")))
    )
    application.add_handler(CommandHandler("queue", queue_command, filters=PRIVATE))
    application.add_handler(CommandHandler("show", show_command, filters=PRIVATE))
    application.add_handler(CommandHandler("export", export_command, filters=PRIVATE))
