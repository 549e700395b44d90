"""The /report flow: a misuse report filed in a few taps, /myreports, and "Report this".

The domain (storing, routing, visibility, the audit trail) is bot.reports; the reviewer side
is bot.handlers.review and sending is bot.outbox_sender. Here we only translate taps and
messages into those calls and back.

Flow (ConversationHandler "report", persistent; the draft lives in user_data["report_draft"],
so a half-filled report survives a restart): what (tap) -> who (tap) -> where (tap, or type
"other") -> when it happened (tap "Just now" / "Earlier today", or "Another day" and type it)
-> what happened (text) -> summary with optional screenshots -> Send (tap). Five taps and one
text at the least. `/report TEXT` files a report in one message.

Callback data is bot.text.callbacks': ReportChoice (a step's tap), ReportSend, ReportCancel,
ReportAddition, and ReportThis (the "Report this" button under a policy answer).

Longer than 400 lines on purpose: it is one ConversationHandler whose steps share the draft,
its keyboards and its states; split up, one flow would be read across several files.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from .. import outbox, reports
from ..clock import now
from ..context import services_of
from ..handoffs import head_names
from ..outbox_sender import trigger_drain
from ..reports import happened
from ..text import common as common_text
from ..text import report_record
from ..text import reports as reports_text
from ..text.callbacks import (
    ReportAddition,
    ReportCancel,
    ReportChoice,
    ReportSend,
    ReportThis,
    matches,
    parse_as,
)
from ..text.notices import NOTICES
from ..transactions import transaction
from .common import (
    PRIVATE,
    REPORT_DRAFT,
    TEXT,
    add_conversation,
    chat_of,
    full_name_of,
    keyboard,
    message_of,
    on_tap_needed,
    query_of,
    record_choice,
    require_staff,
    send_all,
    staff_step,
    try_send,
    user_data_of,
    user_of,
)

log = logging.getLogger("staffguide.reports")

DRAFT = REPORT_DRAFT
ASIDE = "report_put_aside"  # a draft whose conversation timed out; the next /report resumes it
MAX_EVIDENCE = 10
MAX_PLACE_CHARS = 200

# conversation states (strings: they are persisted as JSON)
WHAT, WHO, WHERE, WHERE_TEXT, DESCRIBE, CONFIRM = "what", "who", "where", "where_text", "describe", "confirm"
WHEN, WHEN_TEXT = "when", "when_text"

MEDIA = filters.PHOTO | filters.Document.ALL | filters.VIDEO | filters.ANIMATION | filters.VIDEO_NOTE

# -- keyboards ----------------------------------------------------------------------------------


def _pairs(items: list[tuple[str, ReportChoice]], per_row: int) -> list[list[tuple[str, ReportChoice]]]:
    return [items[i : i + per_row] for i in range(0, len(items), per_row)]


def _choices(
    slot: str, labels: dict[str, str], per_row: int, keys: list[str]
) -> list[list[tuple[str, ReportChoice]]]:
    return _pairs([(labels[key], ReportChoice(slot, key)) for key in keys], per_row)


CATEGORY_KEYBOARD = keyboard(_choices("cat", reports.CATEGORIES, 1, reports.FLOW_CATEGORIES))
SUBJECT_KEYBOARD = keyboard(_choices("who", reports.SUBJECTS, 2, list(reports.SUBJECTS)))
PLACE_KEYBOARD = keyboard(
    _choices("where", reports.PLACES, 1, ["school_trip"])
    + _choices("where", reports.PLACES, 3, [key for key in reports.PLACES if key != "school_trip"])
)
WHEN_KEYBOARD = keyboard(
    _choices("when", happened.CHOICES, 3, [key for key in happened.CHOICES if key != "other"])
    + _choices("when", happened.CHOICES, 1, ["other"])
)
CONFIRM_KEYBOARD = keyboard(
    [[(reports_text.SEND_REPORT, ReportSend()), (reports_text.CANCEL, ReportCancel())]]
)
ADD_KEYBOARD = keyboard(
    [
        [
            (reports_text.ADD_IT, ReportAddition(True)),
            (reports_text.DO_NOT_ADD, ReportAddition(False)),
        ]
    ]
)

# -- the flow -----------------------------------------------------------------------------------


def _draft(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
    draft = user_data_of(context).get(DRAFT)
    if not isinstance(draft, dict):
        draft = {"evidence": []}
        user_data_of(context)[DRAFT] = draft
    draft.setdefault("evidence", [])
    return draft


def _summary(draft: dict[str, Any]) -> str:
    category = draft.get("category") or "triage"
    return reports_text.report_summary(
        what=reports.CATEGORIES.get(category, "?"),
        who=reports.SUBJECTS.get(draft.get("subject") or "", "not given"),
        where=draft.get("place") or "not given",
        happened=happened.describe(draft.get("happened"), draft.get("happened_on"))
        if draft.get("happened")
        else "",
        description=draft.get("description") or "",
        indecent_image=category == reports.INDECENT_IMAGE,
        files=len(draft.get("evidence", [])),
    )


async def _ask_when(update: Update) -> str:
    await chat_of(update).send_message(reports_text.REPORT_STEP_WHEN, reply_markup=WHEN_KEYBOARD)
    return WHEN


async def _next_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    """After 'when': the description, unless it came with the flow (one-line, question)."""
    draft = _draft(context)
    if draft.get("description"):
        await chat_of(update).send_message(_summary(draft), reply_markup=CONFIRM_KEYBOARD)
        return CONFIRM
    await chat_of(update).send_message(reports_text.REPORT_STEP_DESCRIBE)
    return DESCRIBE


@require_staff
async def start_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int | None:
    """/report starts the flow; /report TEXT files a report at once (category "to triage")."""
    message = message_of(update)
    text = (message.text or "").split(maxsplit=1)
    if len(text) > 1 and text[1].strip():
        user_data_of(context).pop(DRAFT, None)
        await _file(
            update,
            context,
            {"category": "triage", "description": text[1].strip(), "source": "one-line", "evidence": []},
        )
        return ConversationHandler.END
    aside = user_data_of(context).pop(ASIDE, None)
    if isinstance(aside, dict):
        user_data_of(context)[DRAFT] = aside
        await message.reply_text(reports_text.REPORT_RESUMED)
        return await _resume(update, context, aside)
    user_data_of(context)[DRAFT] = {"evidence": [], "source": "flow"}
    await message.reply_text(reports_text.REPORT_STEP_WHAT, reply_markup=CATEGORY_KEYBOARD)
    return WHAT


async def _resume(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: dict[str, Any]) -> str:
    """The step a put-aside draft stopped at."""
    draft.pop("pending_addition", None)
    if not draft.get("category"):
        await chat_of(update).send_message(reports_text.REPORT_STEP_WHAT, reply_markup=CATEGORY_KEYBOARD)
        return WHAT
    if not draft.get("subject"):
        await chat_of(update).send_message(reports_text.REPORT_STEP_WHO, reply_markup=SUBJECT_KEYBOARD)
        return WHO
    if not draft.get("place"):
        await chat_of(update).send_message(reports_text.REPORT_STEP_WHERE, reply_markup=PLACE_KEYBOARD)
        return WHERE
    if not draft.get("happened"):
        return await _ask_when(update)
    return await _next_step(update, context)


async def on_timeout(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The flow waited `[limits] conversation_minutes`: put the draft aside and say so."""
    draft = context.user_data.pop(DRAFT, None) if context.user_data is not None else None
    if isinstance(draft, dict) and context.user_data is not None:
        context.user_data[ASIDE] = draft
    chat = update.effective_chat if isinstance(update, Update) else None
    if chat is not None:
        minutes = services_of(context).config.limits.conversation_minutes
        await try_send(context, chat.id, reports_text.report_put_aside(minutes))


@require_staff
async def start_from_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The "Report this" button under a policy answer: the question becomes the description."""
    query = query_of(update)
    tap = parse_as(query.data, ReportThis)
    question_id = tap.question_id if tap is not None else 0
    row = (
        services_of(context)
        .db.execute(
            "select text from questions where id = ? and user_id = ?", [question_id, user_of(update).id]
        )
        .fetchone()
    )
    if row is None:  # made up, or someone else's question: the same answer
        await query.answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    await query.answer()
    user_data_of(context)[DRAFT] = {
        "evidence": [],
        "source": "question",
        "question_id": question_id,
        "description": row[0],
    }
    await chat_of(update).send_message(reports_text.REPORT_STEP_WHAT, reply_markup=CATEGORY_KEYBOARD)
    return WHAT


async def _tapped_choice(update: Update, allowed: Collection[str]) -> str | None:
    """The key a flow button carries, or None (and "expired") when it is not one we offer."""
    tap = parse_as(query_of(update).data, ReportChoice)
    key = tap.key if tap is not None else ""
    if key not in allowed:
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    return key


@staff_step
async def on_category(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    key = await _tapped_choice(update, reports.FLOW_CATEGORIES)
    if key is None:
        return None
    draft = _draft(context)
    draft["category"] = key
    if key == reports.INDECENT_IMAGE:
        draft["evidence"] = []  # nothing kept before the category was known either, but be sure
    await record_choice(update, reports.CATEGORIES[key])
    if key == reports.INDECENT_IMAGE:
        await chat_of(update).send_message(reports_text.INDECENT_IMAGE_WARNING)
    await chat_of(update).send_message(reports_text.REPORT_STEP_WHO, reply_markup=SUBJECT_KEYBOARD)
    return WHO


@staff_step
async def on_subject(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    key = await _tapped_choice(update, reports.SUBJECTS)
    if key is None:
        return None
    _draft(context)["subject"] = key
    await record_choice(update, reports.SUBJECTS[key])
    await chat_of(update).send_message(reports_text.REPORT_STEP_WHERE, reply_markup=PLACE_KEYBOARD)
    return WHERE


@staff_step
async def on_place(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    key = await _tapped_choice(update, reports.PLACES)
    if key is None:
        return None
    if key == "other":
        await record_choice(update, "Other")
        await chat_of(update).send_message(reports_text.REPORT_STEP_WHERE_TEXT)
        return WHERE_TEXT
    _draft(context)["place"] = reports.PLACES[key]
    await record_choice(update, reports.PLACES[key])
    return await _ask_when(update)


@staff_step
async def on_place_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    _draft(context)["place"] = (message_of(update).text or "").strip()[:MAX_PLACE_CHARS] or "Other"
    return await _ask_when(update)


def _set_happened(draft: dict[str, Any], found: happened.Happened) -> None:
    draft["happened"] = found.words
    draft["happened_on"] = found.on.isoformat() if found.on else None


@staff_step
async def on_when(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """One tap for today; "Another day" asks for the day in words."""
    key = await _tapped_choice(update, happened.CHOICES)
    if key is None:
        return None
    await record_choice(update, happened.CHOICES[key])
    if key == "other":
        await chat_of(update).send_message(reports_text.REPORT_STEP_WHEN_TEXT)
        return WHEN_TEXT
    _set_happened(_draft(context), happened.from_choice(key))
    return await _next_step(update, context)


@staff_step
async def on_when_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    try:
        found = happened.from_words(message_of(update).text or "")
    except happened.NotADay as exc:
        await message_of(update).reply_text(reports_text.not_a_day(str(exc)))
        return None
    _set_happened(_draft(context), found)
    return await _next_step(update, context)


@staff_step
async def on_description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    text = (message_of(update).text or "").strip()
    if not text:
        await message_of(update).reply_text(reports_text.REPORT_STEP_DESCRIBE)
        return None
    draft = _draft(context)
    draft["description"] = text
    await message_of(update).reply_text(_summary(draft), reply_markup=CONFIRM_KEYBOARD)
    return CONFIRM


@staff_step
async def on_more_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text at the confirm step may belong to the description (long texts arrive in several
    messages) or be something else (a question): ask before adding it."""
    draft = _draft(context)
    extra = (message_of(update).text or "").strip()
    if not extra:
        return
    draft["pending_addition"] = extra
    await message_of(update).reply_text(reports_text.confirm_addition(extra), reply_markup=ADD_KEYBOARD)


@staff_step
async def on_addition(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes / No to "Add this to your report's description?"."""
    draft = _draft(context)
    extra = draft.pop("pending_addition", None)
    if not isinstance(extra, str):
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return
    tap = parse_as(query_of(update).data, ReportAddition)
    yes = tap is not None and tap.yes
    await record_choice(update, "Added to the description" if yes else "Not added")
    if yes:
        draft["description"] = f"{draft.get('description', '')}\n{extra}".strip()
        await chat_of(update).send_message(_summary(draft), reply_markup=CONFIRM_KEYBOARD)
    else:
        await chat_of(update).send_message(reports_text.NOT_ADDED)


@staff_step
async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Screenshots are kept as Telegram file references (file_id) with the time they were sent;
    in an indecent-image report (or before the category is known) nothing is kept."""
    message = message_of(update)
    draft = _draft(context)
    category = draft.get("category")
    if category == reports.INDECENT_IMAGE:
        try:
            await message.delete()
        except TelegramError as exc:
            log.info("could not delete a refused file from the chat: %s", exc)
        await chat_of(update).send_message(reports_text.MEDIA_REFUSED)
        return
    if category is None:
        await message.reply_text(reports_text.MEDIA_TOO_EARLY)
        return
    evidence = draft["evidence"]
    if len(evidence) >= MAX_EVIDENCE:
        await message.reply_text(reports_text.evidence_limit(MAX_EVIDENCE))
        return
    item = _evidence_of(message)
    if item is None:
        await message.reply_text(reports_text.MEDIA_UNREADABLE)
        return
    evidence.append(item)
    await message.reply_text(
        reports_text.evidence_kept(len(evidence)),
        reply_markup=CONFIRM_KEYBOARD if draft.get("description") else None,
    )


def _evidence_of(message: Message) -> dict[str, Any] | None:
    sent = now(message.date)
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


@staff_step
async def on_send(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    # Taken out before any await: a double tap (updates run concurrently) files one report only.
    draft = user_data_of(context).pop(DRAFT, None)
    if not isinstance(draft, dict) or not draft.get("description"):
        if isinstance(draft, dict):
            user_data_of(context)[DRAFT] = draft
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None if isinstance(draft, dict) else ConversationHandler.END
    # committed first, then anything is sent; if the commit fails, Send can be tapped again
    await _file(update, context, draft, on_not_stored=lambda: user_data_of(context).__setitem__(DRAFT, draft))
    await query_of(update).answer()
    try:
        await query_of(update).edit_message_reply_markup(None)
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
        reporter_id=user_of(update).id,
        reporter_name=full_name_of(update),
        category=category,
        subject=draft.get("subject"),
        place=draft.get("place"),
        happened=draft.get("happened"),
        happened_on=draft.get("happened_on"),
        description=draft["description"],
        source=draft.get("source", "flow"),
        question_id=draft.get("question_id"),
        evidence=evidence,
    )
    try:
        created = reports.create_report(
            services.db,
            services.config.people,
            new,
            notices=NOTICES,
            head_names=head_names(services),
            alerts_per_minute=services.config.limits.reports_per_minute,
        )
    except Exception:
        if on_not_stored is not None:
            on_not_stored()
        raise
    services.storage.worked()
    ref = created.report.reference
    roles = [role for _uid, role in created.recipients]
    text = reports_text.report_receipt(ref, roles, created.report.urgent, created.about_head, created.held)
    try:
        await chat_of(update).send_message(text)
    except TelegramError as exc:  # the report is stored: make sure its reference still arrives
        log.warning("receipt for %s failed (%s); sending it through the outbox", ref, exc)
        with transaction(services.db):
            outbox.enqueue(
                services.db,
                recipient_id=chat_of(update).id,
                text=text,
                purpose="receipt",
                report_id=created.report.id,
            )
    trigger_drain(context.application)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    user_data_of(context).pop(DRAFT, None)
    if update.callback_query is not None:
        await query_of(update).answer()
        try:
            await query_of(update).edit_message_text(reports_text.REPORT_CANCELLED)
        except BadRequest as exc:
            log.debug("could not edit: %s", exc)
    else:
        await message_of(update).reply_text(reports_text.REPORT_CANCELLED)
    return ConversationHandler.END


@require_staff
async def myreports_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    found = reports.my_reports(services.db, user_of(update).id)
    await send_all(update, report_record.render_list(found, "Your reports"))


# -- registration -------------------------------------------------------------------------------


def choice_of(slot: str) -> Callable[[object], bool]:
    """The pattern for a tap at the step that fills `slot`."""
    return matches(ReportChoice, where=lambda tap: isinstance(tap, ReportChoice) and tap.slot == slot)


def _conversation(persistent: bool, timeout_minutes: float | None = None) -> ConversationHandler[Any]:
    media: MessageHandler[Any, object] = MessageHandler(MEDIA & PRIVATE, on_media)
    tap_needed: MessageHandler[Any, object] = MessageHandler(TEXT, on_tap_needed)
    report = ConversationHandler(
        entry_points=[
            CommandHandler("report", start_report, filters=PRIVATE),
            CallbackQueryHandler(start_from_question, pattern=matches(ReportThis)),
        ],
        states={
            WHAT: [CallbackQueryHandler(on_category, pattern=choice_of("cat")), media, tap_needed],
            WHO: [CallbackQueryHandler(on_subject, pattern=choice_of("who")), media, tap_needed],
            WHERE: [CallbackQueryHandler(on_place, pattern=choice_of("where")), media, tap_needed],
            WHERE_TEXT: [MessageHandler(TEXT, on_place_text), media],
            WHEN: [CallbackQueryHandler(on_when, pattern=choice_of("when")), media, tap_needed],
            WHEN_TEXT: [MessageHandler(TEXT, on_when_text), media],
            DESCRIBE: [MessageHandler(TEXT, on_description), media],
            CONFIRM: [
                CallbackQueryHandler(on_send, pattern=matches(ReportSend)),
                CallbackQueryHandler(on_addition, pattern=matches(ReportAddition)),
                MessageHandler(TEXT, on_more_text),
                media,
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
        },
        conversation_timeout=timeout_minutes * 60 if timeout_minutes else None,
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(cancel, pattern=matches(ReportCancel)),
        ],
        name="report",
        persistent=persistent,
        allow_reentry=True,
    )
    return report


COMMANDS = [
    ("report", "Report misuse of social media"),
    ("myreports", "Your reports and where they stand"),
    ("queue", "Open reports (Head Teacher, DSL, chair)"),  # the reviewer commands: bot.handlers.review
    ("show", "A report with its history: /show R-0042"),
    ("export", "All reports and their history as CSV"),
    ("cancel", "Stop the report you are filing"),
]


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    add_conversation(application, _conversation)
    application.add_handler(CommandHandler("myreports", myreports_command, filters=PRIVATE))
