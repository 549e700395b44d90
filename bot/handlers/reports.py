"""Misuse reports over Telegram: the /report flow, escalation buttons, /queue /show /export
/myreports, and the JobQueue jobs that drain the outbox and re-notify.

The domain (storing, routing, visibility, the audit trail) is bot.reports; the outbox is
bot.outbox. Here we only translate taps and messages into those calls and back.

Flow (ConversationHandler "report", persistent; the draft lives in user_data["report_draft"],
so a half-filled report survives a restart): what (tap) -> who (tap) -> where (tap, or type
"other") -> what happened (text) -> summary with optional screenshots -> Send (tap). Four taps
and one text at the least. `/report TEXT` files a report in one message.

Callback data (<= 64 bytes, all checked): rpt:cat|who|where:<key>, rpt:send, rpt:cancel (the
flow); rep:ack|note|res:<report id>, rep:out:<key> (reviewers); report:start:<question id>
(the "Report this" button under a policy answer).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from .. import messages, outbox, reports
from ..context import SERVICES_KEY, Services, services_of
from .common import require_role, require_staff
from .questions import ESCALATION_ROUTE

log = logging.getLogger("staffguide.reports")

# services.extra keys (tests set small values before build_application)
TICK_SECONDS = "reports.tick_seconds"  # how often the outbox is drained and overdue reports checked
BACKOFF = "reports.backoff"  # an outbox.Backoff
DEFAULT_TICK_SECONDS = 1.0
DRAIN_RUNNING = "reports.drain_running"
TICK_JOB = "reports-outbox-tick"

DRAFT = "report_draft"
REVIEW = "review_draft"
MAX_EVIDENCE = 10
MAX_PLACE_CHARS = 200

# conversation states (strings: they are persisted as JSON)
WHAT, WHO, WHERE, WHERE_TEXT, DESCRIBE, CONFIRM = "what", "who", "where", "where_text", "describe", "confirm"
NOTE, OUTCOME, OUTCOME_TEXT, REASON = "note", "outcome", "outcome_text", "reason"

PRIVATE = filters.ChatType.PRIVATE
MEDIA = filters.PHOTO | filters.Document.ALL | filters.VIDEO | filters.ANIMATION | filters.VIDEO_NOTE
TEXT = filters.TEXT & ~filters.COMMAND & PRIVATE

NOT_FOUND = "No report {ref} that you can see."

# -- keyboards ----------------------------------------------------------------------------------


def _keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def _pairs(items: list[tuple[str, str]], per_row: int) -> list[list[tuple[str, str]]]:
    return [items[i : i + per_row] for i in range(0, len(items), per_row)]


CATEGORY_KEYBOARD = _keyboard(
    [[(reports.CATEGORIES[key], f"rpt:cat:{key}")] for key in reports.FLOW_CATEGORIES]
)
SUBJECT_KEYBOARD = _keyboard(
    _pairs([(label, f"rpt:who:{key}") for key, label in reports.SUBJECTS.items()], 2)
)
PLACE_KEYBOARD = _keyboard(
    [[(reports.PLACES["school_trip"], "rpt:where:school_trip")]]
    + _pairs(
        [(label, f"rpt:where:{key}") for key, label in reports.PLACES.items() if key != "school_trip"], 3
    )
)
CONFIRM_KEYBOARD = _keyboard([[("Send report", "rpt:send"), ("Cancel", "rpt:cancel")]])
OUTCOME_KEYBOARD = _keyboard([[(label, f"rep:out:{key}")] for key, label in reports.OUTCOMES.items()])

# -- messages -----------------------------------------------------------------------------------

STEP_WHAT = "<b>New report</b> (/cancel at any time)\n1/4 What is it about?"
STEP_WHO = "2/4 Who is involved?"
STEP_WHERE = "3/4 Where did it happen?"
STEP_WHERE_TEXT = "Type the platform or place."
STEP_DESCRIBE = (
    "4/4 What happened? Tell it in your own words: what you saw, when, and who. "
    "You can add screenshots after this."
)
TAP_A_BUTTON = "Please tap one of the buttons above, or /cancel to stop."
CANCELLED = "Report cancelled. Nothing was stored or sent."
MEDIA_TOO_EARLY = (
    "I have not kept that file: first choose what the report is about.\n"
    "If it may be an indecent image of a child, do not send it to anyone (not even here): choose "
    "<b>Indecent image of a child</b>."
)
MEDIA_REFUSED = (
    "⛔ <b>I have not stored or forwarded that file</b>, and have tried to delete it from this chat.\n"
    + html.escape(reports.INDECENT_IMAGE_STEPS)
    + "\nDescribe what you saw in words instead."
)


def _draft(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    draft = context.user_data.get(DRAFT)
    if not isinstance(draft, dict):
        draft = {"evidence": []}
        context.user_data[DRAFT] = draft
    draft.setdefault("evidence", [])
    return draft


def _summary(draft: dict[str, Any]) -> str:
    category = draft.get("category") or "triage"
    lines = [
        "<b>Check your report</b>",
        f"What: {html.escape(reports.CATEGORIES.get(category, '?'))}",
        f"Who: {html.escape(reports.SUBJECTS.get(draft.get('subject') or '', 'not given'))}",
        f"Where: {html.escape(draft.get('place') or 'not given')}",
    ]
    description = draft.get("description") or ""
    suffix = f"… <i>({len(description):,} characters; all of it will be sent)</i>"
    lines.append("What happened: " + reports.fit_escaped(description, 1500, suffix))
    if category == reports.INDECENT_IMAGE:
        lines.append("No files are accepted for this report.")
    else:
        count = len(draft.get("evidence", []))
        lines.append(f"Screenshots kept: {count}. You can send screenshots now (optional).")
    lines.append("Type more to add to the description, or tap <b>Send report</b>.")
    return "\n".join(lines)


async def _next_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """After 'where': the description, unless it came with the flow (one-line, question)."""
    draft = _draft(context)
    if draft.get("description"):
        await update.effective_chat.send_message(
            _summary(draft), parse_mode=ParseMode.HTML, reply_markup=CONFIRM_KEYBOARD
        )
        return CONFIRM
    await update.effective_chat.send_message(STEP_DESCRIBE)
    return DESCRIBE


async def _record_choice(update: Update, label: str) -> None:
    """Replace the tapped keyboard by the choice, so old buttons cannot be tapped again."""
    query = update.callback_query
    await query.answer()
    try:
        await query.edit_message_text(f"✔ {html.escape(label)}", parse_mode=ParseMode.HTML)
    except BadRequest as exc:
        log.debug("could not edit the step message: %s", exc)


def _reporter_name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else "unknown"


# -- the flow -----------------------------------------------------------------------------------


@require_staff
async def start_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
    """/report starts the flow; /report TEXT files a report at once (category "to triage")."""
    message = update.effective_message
    text = (message.text or "").split(maxsplit=1)
    if len(text) > 1 and text[1].strip():
        context.user_data.pop(DRAFT, None)
        await _file(
            update,
            context,
            {"category": "triage", "description": text[1].strip(), "source": "one-line", "evidence": []},
        )
        return ConversationHandler.END
    context.user_data[DRAFT] = {"evidence": [], "source": "flow"}
    await message.reply_html(STEP_WHAT, reply_markup=CATEGORY_KEYBOARD)
    return WHAT


@require_staff
async def start_from_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The "Report this" button under a policy answer: the question becomes the description."""
    query = update.callback_query
    question_id = int(query.data.rsplit(":", 1)[1])
    row = (
        services_of(context)
        .db.execute(
            "select text from questions where id = ? and user_id = ?", [question_id, update.effective_user.id]
        )
        .fetchone()
    )
    if row is None:  # made up, or someone else's question: the same answer
        await query.answer(messages.BUTTON_EXPIRED, show_alert=True)
        return None
    await query.answer()
    context.user_data[DRAFT] = {
        "evidence": [],
        "source": "question",
        "question_id": question_id,
        "description": row[0],
    }
    await update.effective_chat.send_message(
        STEP_WHAT, parse_mode=ParseMode.HTML, reply_markup=CATEGORY_KEYBOARD
    )
    return WHAT


async def _tapped_choice(update: Update, allowed: Collection[str]) -> str | None:
    """The key a flow button carries, or None (and "expired") when it is not one we offer."""
    key = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if key not in allowed:
        await update.callback_query.answer(messages.BUTTON_EXPIRED, show_alert=True)
        return None
    return key


async def on_category(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    key = await _tapped_choice(update, reports.FLOW_CATEGORIES)
    if key is None:
        return None
    draft = _draft(context)
    draft["category"] = key
    if key == reports.INDECENT_IMAGE:
        draft["evidence"] = []  # nothing kept before the category was known either, but be sure
    await _record_choice(update, reports.CATEGORIES[key])
    if key == reports.INDECENT_IMAGE:
        await update.effective_chat.send_message(
            "⚠️ <b>Indecent image of a child: what to do now</b>\n"
            + html.escape(reports.INDECENT_IMAGE_STEPS)
            + "\n<b>Do not send the image here.</b> Answer the next questions in words.",
            parse_mode=ParseMode.HTML,
        )
    await update.effective_chat.send_message(STEP_WHO, reply_markup=SUBJECT_KEYBOARD)
    return WHO


async def on_subject(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    key = await _tapped_choice(update, reports.SUBJECTS)
    if key is None:
        return None
    _draft(context)["subject"] = key
    await _record_choice(update, reports.SUBJECTS[key])
    await update.effective_chat.send_message(STEP_WHERE, reply_markup=PLACE_KEYBOARD)
    return WHERE


async def on_place(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    key = await _tapped_choice(update, reports.PLACES)
    if key is None:
        return None
    if key == "other":
        await _record_choice(update, "Other")
        await update.effective_chat.send_message(STEP_WHERE_TEXT)
        return WHERE_TEXT
    _draft(context)["place"] = reports.PLACES[key]
    await _record_choice(update, reports.PLACES[key])
    return await _next_step(update, context)


async def on_place_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    _draft(context)["place"] = (update.effective_message.text or "").strip()[:MAX_PLACE_CHARS] or "Other"
    return await _next_step(update, context)


async def on_description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    text = (update.effective_message.text or "").strip()
    if not text:
        await update.effective_message.reply_text(STEP_DESCRIBE)
        return None
    draft = _draft(context)
    draft["description"] = text
    await update.effective_message.reply_html(_summary(draft), reply_markup=CONFIRM_KEYBOARD)
    return CONFIRM


async def on_more_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text at the confirm step adds to the description (long texts arrive in several messages)."""
    draft = _draft(context)
    extra = (update.effective_message.text or "").strip()
    if extra:
        draft["description"] = f"{draft.get('description', '')}\n{extra}".strip()
    await update.effective_message.reply_html(_summary(draft), reply_markup=CONFIRM_KEYBOARD)


async def on_tap_needed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(TAP_A_BUTTON)


async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Screenshots are kept as Telegram file references (file_id) with the time they were sent;
    in an indecent-image report (or before the category is known) nothing is kept."""
    message = update.effective_message
    draft = _draft(context)
    category = draft.get("category")
    if category == reports.INDECENT_IMAGE:
        try:
            await message.delete()
        except TelegramError as exc:
            log.info("could not delete a refused file from the chat: %s", exc)
        await update.effective_chat.send_message(MEDIA_REFUSED, parse_mode=ParseMode.HTML)
        return
    if category is None:
        await message.reply_html(MEDIA_TOO_EARLY)
        return
    evidence = draft["evidence"]
    if len(evidence) >= MAX_EVIDENCE:
        await message.reply_text(f"I keep at most {MAX_EVIDENCE} files per report; this one was not kept.")
        return
    item = _evidence_of(message)
    if item is None:
        await message.reply_text("I could not read that file; it was not kept.")
        return
    evidence.append(item)
    await message.reply_html(
        f"📎 Kept {len(evidence)} file(s) as evidence. Send more, or carry on.",
        reply_markup=CONFIRM_KEYBOARD if draft.get("description") else None,
    )


def _evidence_of(message: Message) -> dict[str, Any] | None:
    sent = (message.date or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    if message.photo:
        best = message.photo[-1]
        return {
            "kind": "photo",
            "file_id": best.file_id,
            "file_unique_id": best.file_unique_id,
            "sent_at": sent,
        }
    for kind in ("document", "video", "animation", "video_note"):
        media = getattr(message, kind, None)
        if media is not None:
            return {
                "kind": kind,
                "file_id": media.file_id,
                "file_unique_id": media.file_unique_id,
                "sent_at": sent,
            }
    return None


async def on_send(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    # Taken out before any await: a double tap (updates run concurrently) files one report only.
    draft = context.user_data.pop(DRAFT, None)
    if not isinstance(draft, dict) or not draft.get("description"):
        if isinstance(draft, dict):
            context.user_data[DRAFT] = draft
        await update.callback_query.answer(messages.BUTTON_EXPIRED, show_alert=True)
        return None if isinstance(draft, dict) else ConversationHandler.END
    # committed first, then anything is sent; if the commit fails, Send can be tapped again
    await _file(update, context, draft, on_not_stored=lambda: context.user_data.__setitem__(DRAFT, draft))
    await update.callback_query.answer()
    try:
        await update.callback_query.edit_message_reply_markup(None)
    except BadRequest as exc:
        log.debug("could not drop the confirm buttons: %s", exc)
    return ConversationHandler.END


async def _file(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    draft: dict[str, Any],
    on_not_stored: Callable[[], None] | None = None,
) -> None:
    """Commit the report (with its outbox rows), give the reference at once, then drain.
    `on_not_stored` runs if the commit fails (the flow puts its draft back)."""
    services = services_of(context)
    category = draft.get("category") or "triage"
    evidence = (
        ()
        if category == reports.INDECENT_IMAGE
        else tuple(
            reports.Evidence(
                kind=e["kind"],
                file_id=e["file_id"],
                sent_at=e["sent_at"],
                file_unique_id=e.get("file_unique_id"),
            )
            for e in draft.get("evidence", [])
        )
    )
    new = reports.NewReport(
        reporter_id=update.effective_user.id,
        reporter_name=_reporter_name(update),
        category=category,
        subject=draft.get("subject"),
        place=draft.get("place"),
        description=draft["description"],
        source=draft.get("source", "flow"),
        question_id=draft.get("question_id"),
        evidence=evidence,
    )
    try:
        created = reports.create_report(services.db, services.config.people, new)
    except Exception:
        if on_not_stored is not None:
            on_not_stored()
        raise
    ref = created.report.reference
    who = ", ".join(sorted({reports.ROLE_LABELS.get(role, role) for _uid, role in created.recipients}))
    text = f"✅ Report <b>{ref}</b> stored. It is on its way to {who or 'the Head Teacher'}."
    if created.report.urgent:
        text += " It is marked <b>urgent</b>."
    text += "\nYou will be told when it is acknowledged and resolved. /myreports lists your reports."
    try:
        await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)
    except TelegramError as exc:  # the report is stored: make sure its reference still arrives
        log.warning("receipt for %s failed (%s); sending it through the outbox", ref, exc)
        with outbox.transaction(services.db):
            outbox.enqueue(
                services.db,
                recipient_id=update.effective_chat.id,
                text=text,
                purpose="receipt",
                report_id=created.report.id,
            )
    trigger_drain(context.application)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(DRAFT, None)
    if update.callback_query is not None:
        await update.callback_query.answer()
        try:
            await update.callback_query.edit_message_text(CANCELLED)
        except BadRequest as exc:
            log.debug("could not edit: %s", exc)
    else:
        await update.effective_message.reply_text(CANCELLED)
    return ConversationHandler.END


async def cancel_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(REVIEW, None)
    await update.effective_message.reply_text("Cancelled. The report is unchanged.")
    return ConversationHandler.END


# -- reviewers: acknowledge, note, resolve ------------------------------------------------------


def _report_id(data: str | None) -> int:
    return int((data or "0").rsplit(":", 1)[1])


async def _drop_button(update: Update, prefix: str) -> None:
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None) if query.message else None
    if markup is None:
        return
    rows = [
        [b for b in row if not (b.callback_data or "").startswith(prefix)] for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
    except BadRequest as exc:
        log.debug("could not edit buttons: %s", exc)


@require_staff
async def on_acknowledge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    query = update.callback_query
    report_id = _report_id(query.data)
    result, event = reports.acknowledge(
        services.db, services.config.people, report_id, update.effective_user.id, _reporter_name(update)
    )
    ref = reports.reference(report_id)
    if result is reports.Result.NOT_ALLOWED:
        await query.answer(messages.BUTTON_EXPIRED, show_alert=True)
        return
    if result is reports.Result.RESOLVED:
        await query.answer(f"{ref} is already resolved.", show_alert=True)
        await _drop_button(update, "rep:ack:")
        return
    if result is reports.Result.ALREADY and event is not None:
        await query.answer(
            f"{ref} was already acknowledged by {event.actor_name} at {reports.when(event.at)}.",
            show_alert=True,
        )
        await _drop_button(update, "rep:ack:")
        return
    await query.answer(f"{ref} acknowledged.")
    await _drop_button(update, "rep:ack:")
    await update.effective_chat.send_message(f"✅ {ref} acknowledged. The reporter is being told.")
    trigger_drain(context.application)


@require_staff
async def start_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """Add note / Resolve: ask for the text (and the outcome)."""
    services = services_of(context)
    query = update.callback_query
    action, report_id = query.data.split(":")[1], _report_id(query.data)
    ref = reports.reference(report_id)
    if not reports.can_review(services.db, services.config.people, report_id, update.effective_user.id):
        await query.answer(messages.BUTTON_EXPIRED, show_alert=True)
        return None
    report = reports.get_report(services.db, report_id)
    if action == "res" and report is not None and report.status == "resolved":
        await query.answer(f"{ref} is already resolved.", show_alert=True)
        return None
    await query.answer()
    context.user_data[REVIEW] = {"action": action, "report_id": report_id}
    if action == "note":
        await update.effective_chat.send_message(f"Type your note for {ref} (or /cancel).")
        return NOTE
    await update.effective_chat.send_message(
        f"Resolve {ref}: what is the outcome? (/cancel to stop)", reply_markup=OUTCOME_KEYBOARD
    )
    return OUTCOME


def _review(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any] | None:
    review = context.user_data.get(REVIEW)
    return review if isinstance(review, dict) and "report_id" in review else None


async def on_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    services = services_of(context)
    review = _review(context)
    if review is None:
        return ConversationHandler.END
    text = (update.effective_message.text or "").strip()
    ref = reports.reference(review["report_id"])
    result = reports.add_note(
        services.db,
        services.config.people,
        review["report_id"],
        update.effective_user.id,
        _reporter_name(update),
        text,
    )
    if result is reports.Result.INVALID:
        await update.effective_message.reply_text("Please type the note (or /cancel).")
        return None
    context.user_data.pop(REVIEW, None)
    if result is reports.Result.NOT_ALLOWED:
        await update.effective_message.reply_text(NOT_FOUND.format(ref=ref))
    else:
        await update.effective_message.reply_text(f"📝 Note added to {ref}.")
    return ConversationHandler.END


async def on_outcome(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    query = update.callback_query
    key = query.data.rsplit(":", 1)[1]
    review = _review(context)
    if key not in reports.OUTCOMES or review is None:
        await query.answer(messages.BUTTON_EXPIRED, show_alert=True)
        return None
    await _record_choice(update, f"Outcome: {reports.OUTCOMES[key]}")
    if key == "other":
        await update.effective_chat.send_message("Type the outcome.")
        return OUTCOME_TEXT
    review["outcome"] = reports.OUTCOMES[key]
    await update.effective_chat.send_message(_ask_reason(review))
    return REASON


def _ask_reason(review: dict[str, Any]) -> str:
    return (
        f"Why? Type your reasoning for {review['outcome']!r} (required, also for no further action). "
        "It stays in the record; the reporter is told the outcome only."
    )


async def on_outcome_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    review = _review(context)
    text = (update.effective_message.text or "").strip()
    if review is None:
        return ConversationHandler.END
    if not text:
        return None
    review["outcome"] = text[:500]
    await update.effective_message.reply_text(_ask_reason(review))
    return REASON


async def on_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    services = services_of(context)
    review = _review(context)
    if review is None or not review.get("outcome"):
        return ConversationHandler.END
    text = (update.effective_message.text or "").strip()
    ref = reports.reference(review["report_id"])
    result = reports.resolve(
        services.db,
        services.config.people,
        review["report_id"],
        update.effective_user.id,
        _reporter_name(update),
        review["outcome"],
        text,
    )
    if result is reports.Result.INVALID:
        await update.effective_message.reply_text("Please type your reasoning (or /cancel).")
        return None
    context.user_data.pop(REVIEW, None)
    if result is reports.Result.NOT_ALLOWED:
        await update.effective_message.reply_text(NOT_FOUND.format(ref=ref))
    elif result is reports.Result.ALREADY:
        await update.effective_message.reply_text(f"{ref} was already resolved; nothing changed.")
    else:
        await update.effective_message.reply_text(
            f"☑️ {ref} resolved. The reporter is being told the outcome (not your reasoning)."
        )
        trigger_drain(context.application)
    return ConversationHandler.END


# -- commands -----------------------------------------------------------------------------------


async def _send_all(update: Update, texts: list[str]) -> None:
    for text in texts:
        await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)


@require_role(*reports.REVIEWER_ROLES)
async def queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    found = reports.queue(services.db, services.config.people, update.effective_user.id)
    await _send_all(update, reports.render_list(found, "Open reports, oldest first"))


@require_staff
async def myreports_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    found = reports.my_reports(services.db, update.effective_user.id)
    await _send_all(update, reports.render_list(found, "Your reports"))


@require_staff
async def show_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    arg = " ".join(context.args or [])
    report_id = reports.parse_reference(arg)
    if report_id is None:
        await update.effective_message.reply_text("Usage: /show R-0042 (a report's reference).")
        return
    viewer = update.effective_user.id
    texts = reports.render_show(services.db, services.config.people, report_id, viewer)
    if texts is None:
        await update.effective_message.reply_text(NOT_FOUND.format(ref=reports.reference(report_id)))
        return
    await _send_all(update, texts)
    evidence = reports.evidence_for(services.db, services.config.people, report_id, viewer)
    await _send_evidence(update, reports.reference(report_id), evidence)


async def _send_evidence(update: Update, ref: str, evidence: list[reports.Evidence]) -> None:
    """Re-send the report's screenshots by their Telegram file ids (nothing is stored here)."""
    message = update.effective_message
    for n, item in enumerate(evidence, start=1):
        caption = f"{ref} evidence {n}/{len(evidence)}, sent {reports.when(item.sent_at)}"
        try:
            if item.kind == "video_note":  # round videos take no caption
                await message.reply_text(caption)
                await message.reply_video_note(item.file_id)
            else:
                send = getattr(message, f"reply_{item.kind}", message.reply_document)
                await send(item.file_id, caption=caption)
        except TelegramError as exc:  # e.g. a file Telegram no longer keeps
            log.warning("could not re-send evidence %d of %s: %s", n, ref, exc)
            await message.reply_text(f"{caption}: Telegram could not send this file ({exc}).")


@require_role(*reports.REVIEWER_ROLES)
async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    data, count = reports.export_csv(
        services.db, services.config.people, update.effective_user.id, _reporter_name(update)
    )
    name = f"reports-{datetime.now(UTC):%Y%m%d-%H%M}.csv"
    await update.effective_message.reply_document(
        data, filename=name, caption=f"{count} report(s) with their full history. Keep this file secure."
    )


# -- the outbox sender and re-notify --------------------------------------------------------------


def _services(application: Application) -> Services:
    return application.bot_data[SERVICES_KEY]


def _backoff(services: Services) -> outbox.Backoff:
    backoff = services.extra.get(BACKOFF)
    return backoff if isinstance(backoff, outbox.Backoff) else outbox.Backoff(max_permanent_attempts=10)


async def send_row(application: Application, services: Services, row: outbox.OutboxRow) -> str:
    """Send one claimed row; returns its new status."""
    markup = _keyboard(row.buttons) if row.buttons else None
    db = services.db
    try:
        sent = await application.bot.send_message(
            row.recipient_id, row.text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return outbox.mark_failed(db, row.id, str(exc), backoff=_backoff(services), retry_after=seconds)
    except (Forbidden, BadRequest, InvalidToken) as exc:  # will not get better by itself
        log.warning("outbox row %s to %s refused: %s", row.id, row.recipient_id, exc)
        return outbox.mark_failed(
            db,
            row.id,
            str(exc),
            permanent=True,
            backoff=_backoff(services),
            after_give_up=reports.record_delivery_failure,
        )
    except Exception as exc:  # noqa: BLE001 - network errors, 5xx, anything: retry later
        log.info("outbox row %s to %s failed, will retry: %s", row.id, row.recipient_id, exc)
        return outbox.mark_failed(db, row.id, f"{type(exc).__name__}: {exc}", backoff=_backoff(services))
    if not outbox.mark_sent(db, row.id, sent.message_id, after=reports.record_delivery):
        log.error("outbox row %s was sent but was no longer claimed", row.id)
    return outbox.SENT


async def drain_outbox(application: Application) -> int:
    """Send everything due; one drain at a time (a second caller returns at once: the running
    drain keeps claiming until nothing is due). Returns how many rows were sent."""
    if application.bot_data.get(DRAIN_RUNNING):
        return 0
    application.bot_data[DRAIN_RUNNING] = True
    services = _services(application)
    sent = 0
    try:
        while rows := outbox.claim_due(services.db):
            for row in rows:
                if await send_row(application, services, row) == outbox.SENT:
                    sent += 1
    finally:
        application.bot_data[DRAIN_RUNNING] = False
    return sent


def trigger_drain(application: Application) -> None:
    """Drain soon, without waiting for it (a stopping application is left alone: its rows wait
    in the outbox for the next start)."""
    if not application.running:
        return
    application.create_task(drain_outbox(application), name="reports-drain")


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job: queue re-notifications that fell due, then drain the outbox."""
    services = services_of(context)
    try:
        reports.escalate_overdue(
            services.db, services.config.people, services.config.escalation.renotify_minutes
        )
    except Exception:  # noqa: BLE001 - never let one bad row stop the sender
        log.exception("checking overdue reports failed")
    trigger_drain(context.application)  # a task: the job itself stays short


# -- registration -------------------------------------------------------------------------------


def _conversations(persistent: bool) -> list[ConversationHandler]:
    media = MessageHandler(MEDIA & PRIVATE, on_media)
    tap_needed = MessageHandler(TEXT, on_tap_needed)
    report = ConversationHandler(
        entry_points=[
            CommandHandler("report", start_report, filters=PRIVATE),
            CallbackQueryHandler(start_from_question, pattern=r"^report:start:\d{1,12}$"),
        ],
        states={
            WHAT: [CallbackQueryHandler(on_category, pattern=r"^rpt:cat:\w{1,30}$"), media, tap_needed],
            WHO: [CallbackQueryHandler(on_subject, pattern=r"^rpt:who:\w{1,30}$"), media, tap_needed],
            WHERE: [CallbackQueryHandler(on_place, pattern=r"^rpt:where:\w{1,30}$"), media, tap_needed],
            WHERE_TEXT: [MessageHandler(TEXT, on_place_text), media],
            DESCRIBE: [MessageHandler(TEXT, on_description), media],
            CONFIRM: [
                CallbackQueryHandler(on_send, pattern=r"^rpt:send$"),
                MessageHandler(TEXT, on_more_text),
                media,
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=r"^rpt:cancel$")],
        name="report",
        persistent=persistent,
        allow_reentry=True,
    )
    review = ConversationHandler(
        entry_points=[CallbackQueryHandler(start_review, pattern=r"^rep:(note|res):\d{1,12}$")],
        states={
            NOTE: [MessageHandler(TEXT, on_note)],
            OUTCOME: [
                CallbackQueryHandler(on_outcome, pattern=r"^rep:out:\w{1,30}$"),
                MessageHandler(TEXT, on_tap_needed),
            ],
            OUTCOME_TEXT: [MessageHandler(TEXT, on_outcome_text)],
            REASON: [MessageHandler(TEXT, on_reason)],
        },
        fallbacks=[CommandHandler("cancel", cancel_review)],
        name="review",
        persistent=persistent,
        allow_reentry=True,
    )
    return [report, review]


async def on_stale_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """A flow button outside its step (old message, after /cancel, forged): refuse politely."""
    await update.callback_query.answer(messages.BUTTON_EXPIRED, show_alert=True)


async def escalate_question(context: ContextTypes.DEFAULT_TYPE, question: Any, asker: str) -> bool:
    """"Ask the Head Teacher": the unanswered question joins the Head Teacher's queue as a
    report, so it is acknowledged and resolved like one and the asker hears back."""
    services = services_of(context)
    new = reports.NewReport(
        reporter_id=question.user_id,
        reporter_name=asker,
        category="question",
        description=question.text,
        source="question",
        question_id=question.id,
    )
    reports.create_report(services.db, services.config.people, new)
    trigger_drain(context.application)
    return True


COMMANDS = [
    ("report", "Report misuse of social media"),
    ("myreports", "Your reports and where they stand"),
    ("queue", "Open reports (Head Teacher, DSL, chair)"),
    ("show", "A report with its history: /show R-0042"),
    ("export", "All reports and their history as CSV"),
    ("cancel", "Stop the report you are filing"),
]


def register(application: Application) -> None:
    import warnings

    from telegram.warnings import PTBUserWarning

    with warnings.catch_warnings():
        # per_message=False is what we want (one flow per user and chat, across messages); the
        # library warns that CallbackQueryHandlers are then not tracked per message.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        for conversation in _conversations(persistent=application.persistence is not None):
            application.add_handler(conversation)
    application.add_handler(CallbackQueryHandler(on_acknowledge, pattern=r"^rep:ack:\d{1,12}$"))
    application.add_handler(CallbackQueryHandler(on_stale_button, pattern=r"^(rpt|rep|report):"))
    application.add_handler(CommandHandler("queue", queue_command, filters=PRIVATE))
    application.add_handler(CommandHandler("show", show_command, filters=PRIVATE))
    application.add_handler(CommandHandler("export", export_command, filters=PRIVATE))
    application.add_handler(CommandHandler("myreports", myreports_command, filters=PRIVATE))

    services = application.bot_data.get(SERVICES_KEY)
    if services is not None:
        services.extra.setdefault(ESCALATION_ROUTE, escalate_question)
        # Before anything runs: rows a previous process claimed go back to pending (the
        # documented at-least-once window of bot.outbox). Safe because the bot is one process.
        recovered = outbox.recover_interrupted(services.db)
        if recovered:
            log.warning("re-queued %d notification(s) interrupted by the last shutdown", recovered)
    if application.job_queue is None:
        log.error("no JobQueue (install python-telegram-bot[job-queue]): reports are stored but not sent")
        return
    seconds = DEFAULT_TICK_SECONDS
    if services is not None:
        seconds = float(services.extra.get(TICK_SECONDS, DEFAULT_TICK_SECONDS))
    application.job_queue.run_repeating(tick, interval=seconds, first=0, name=TICK_JOB)
