"""The /report flow: a misuse report filed in a few taps, /myreports, and "Report this".

The domain (storing, routing, visibility, the audit trail) is bot.reports; the reviewer side
is bot.handlers.review and sending is bot.outbox_sender. Here we only translate taps and
messages into those calls and back.

Flow (ConversationHandler "report", persistent; the draft is a bot.drafts.ReportDraft in
user_data, so a half-filled report survives a restart): the guided steps declared once in
STEPS, each a tap handled by `on_choice` — what -> who -> where (or type "other") -> when it
happened ("Just now" / "Earlier today", or "Another day" and type it) — then what happened
(text) -> summary with optional screenshots -> Send (tap). Five taps and one text at the
least. `/report TEXT` files a report in one message.

Callback data is bot.text.callbacks': ReportChoice (a step's tap), ReportSend, ReportCancel,
ReportAddition, and ReportThis (the "Report this" button under a policy answer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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

from .. import drafts, outbox, reports
from ..clock import now
from ..context import services_of
from ..drafts import EvidenceItem, ReportDraft
from ..handoffs import file_report, head_names
from ..outbox_sender import trigger_drain
from ..report_steps import (
    CONFIRM,
    DESCRIBE,
    STEP_OF_SLOT,
    STEPS,
    WHEN_TEXT,
    WHERE_TEXT,
    Step,
    set_happened,
)
from ..reports import happened
from ..reports.head import unclear_head
from ..text import common as common_text
from ..text import report_record
from ..text import reports as reports_text
from ..text.callbacks import (
    HeadCheck,
    Page,
    ReportAddition,
    ReportCancel,
    ReportChoice,
    ReportSend,
    ReportThis,
    matches,
    on_view,
    parse_as,
)
from ..text.pages import nav_row, page
from ..transactions import transaction
from .common import (
    PRIVATE,
    TEXT,
    Markup,
    add_conversation,
    chat_of,
    full_name_of,
    keyboard,
    message_of,
    on_tap_needed,
    query_of,
    record_choice,
    require_staff,
    say_put_aside,
    staff_step,
    turn_page,
    user_data_of,
    user_of,
)

log = logging.getLogger("staffguide.reports")

MAX_EVIDENCE = 10
MAX_PLACE_CHARS = 200

MEDIA = filters.PHOTO | filters.Document.ALL | filters.VIDEO | filters.ANIMATION | filters.VIDEO_NOTE


def _head_keyboard() -> Markup:
    """Made when asked: its label names the Head by the school's own title."""
    return keyboard(
        [[(reports_text.about_the_head(), HeadCheck(True)), (reports_text.NOT_THE_HEAD, HeadCheck(False))]]
    )


CONFIRM_KEYBOARD = keyboard(
    [[(reports_text.SEND_REPORT, ReportSend()), (reports_text.CANCEL, ReportCancel())]]
)
ADD_KEYBOARD = keyboard(
    [[(reports_text.ADD_IT, ReportAddition(True)), (reports_text.DO_NOT_ADD, ReportAddition(False))]]
)

# -- the flow -----------------------------------------------------------------------------------


def _draft(context: ContextTypes.DEFAULT_TYPE) -> ReportDraft:
    return drafts.REPORT.get(user_data_of(context)) or ReportDraft()


def _keep(context: ContextTypes.DEFAULT_TYPE, draft: ReportDraft) -> None:
    drafts.REPORT.put(user_data_of(context), draft)


def _summary(draft: ReportDraft) -> str:
    category = draft.category or "triage"
    return reports_text.report_summary(
        what=reports.CATEGORIES.get(category, "?"),
        who=reports.SUBJECTS.get(draft.subject or "", "not given"),
        where=draft.place or "not given",
        happened=happened.describe(draft.happened, draft.happened_on) if draft.happened else "",
        description=draft.description or "",
        indecent_image=category == reports.INDECENT_IMAGE,
        files=len(draft.evidence),
    )


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: ReportDraft) -> str:
    """The first step the draft has not filled; after the taps, the description, unless it came
    with the flow ("Report this"), and then the check before Send."""
    for step in STEPS:
        if not step.filled(draft):
            await chat_of(update).send_message(step.prompt, reply_markup=keyboard(step.rows))
            return step.state
    if draft.description:
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
        drafts.REPORT.drop(user_data_of(context))
        await _file(
            update, context, ReportDraft(source="one-line", category="triage", description=text[1].strip())
        )
        return ConversationHandler.END
    aside = drafts.REPORT_PUT_ASIDE.pop(user_data_of(context))
    if aside is not None:
        aside.pending_addition = None
        _keep(context, aside)
        await message.reply_text(reports_text.REPORT_RESUMED)
        return await _ask(update, context, aside)
    _keep(context, ReportDraft(source="flow"))
    await message.reply_text(STEPS[0].prompt, reply_markup=keyboard(STEPS[0].rows))
    return STEPS[0].state


async def on_timeout(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The flow waited `[limits] conversation_minutes`: put the draft aside and say so."""
    if context.user_data is not None and (draft := drafts.REPORT.pop(context.user_data)) is not None:
        drafts.REPORT_PUT_ASIDE.put(context.user_data, draft)
    await say_put_aside(update, context, reports_text.report_put_aside)


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
    _keep(context, ReportDraft(source="question", question_id=question_id, description=row[0]))
    await chat_of(update).send_message(STEPS[0].prompt, reply_markup=keyboard(STEPS[0].rows))
    return STEPS[0].state


@staff_step
async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """A tap at any of the guided steps: fill the draft's part, or ask for it in words."""
    tap = parse_as(query_of(update).data, ReportChoice)
    step = STEP_OF_SLOT.get(tap.slot) if tap is not None else None
    if tap is None or step is None or tap.key not in step.labels:
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None
    if step.typed is not None and tap.key == "other":
        state, prompt, shown = step.typed
        await record_choice(update, shown)
        await chat_of(update).send_message(prompt)
        return state
    draft = _draft(context)
    said = step.choose(draft, tap.key)
    _keep(context, draft)
    await record_choice(update, step.labels[tap.key])
    if said is not None:
        await chat_of(update).send_message(said)
    return await _ask(update, context, draft)


@staff_step
async def on_place_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    draft = _draft(context)
    draft.place = (message_of(update).text or "").strip()[:MAX_PLACE_CHARS] or "Other"
    _keep(context, draft)
    return await _ask(update, context, draft)


@staff_step
async def on_when_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    try:
        found = happened.from_words(message_of(update).text or "")
    except happened.NotADay as exc:
        await message_of(update).reply_text(reports_text.not_a_day(str(exc)))
        return None
    draft = _draft(context)
    set_happened(draft, found)
    _keep(context, draft)
    return await _ask(update, context, draft)


@staff_step
async def on_description(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    text = (message_of(update).text or "").strip()
    if not text:
        await message_of(update).reply_text(reports_text.REPORT_STEP_DESCRIBE)
        return None
    draft = _draft(context)
    draft.description = text
    _keep(context, draft)
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
    draft.pending_addition = extra
    _keep(context, draft)
    await message_of(update).reply_text(reports_text.confirm_addition(extra), reply_markup=ADD_KEYBOARD)


@staff_step
async def on_addition(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes / No to "Add this to your report's description?"."""
    draft = _draft(context)
    extra, draft.pending_addition = draft.pending_addition, None
    if extra is None:
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return
    tap = parse_as(query_of(update).data, ReportAddition)
    yes = tap is not None and tap.yes
    if yes:
        draft.description = f"{draft.description or ''}\n{extra}".strip()
    _keep(context, draft)
    await record_choice(update, reports_text.ADDED_CHOICE if yes else reports_text.NOT_ADDED_CHOICE)
    if yes:
        await chat_of(update).send_message(_summary(draft), reply_markup=CONFIRM_KEYBOARD)
    else:
        await chat_of(update).send_message(reports_text.NOT_ADDED)


@staff_step
async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Screenshots are kept as Telegram file references (file_id) with the time they were sent;
    in an indecent-image report (or before the category is known) nothing is kept."""
    message = message_of(update)
    draft = _draft(context)
    if draft.category == reports.INDECENT_IMAGE:
        try:
            await message.delete()
        except TelegramError as exc:
            log.info("could not delete a refused file from the chat: %s", exc)
        await chat_of(update).send_message(reports_text.MEDIA_REFUSED)
        return
    if draft.category is None:
        await message.reply_text(reports_text.media_too_early())
        return
    if len(draft.evidence) >= MAX_EVIDENCE:
        await message.reply_text(reports_text.evidence_limit(MAX_EVIDENCE))
        return
    item = _evidence_of(message)
    if item is None:
        await message.reply_text(reports_text.MEDIA_UNREADABLE)
        return
    draft.evidence.append(item)
    _keep(context, draft)
    await message.reply_text(
        reports_text.evidence_kept(len(draft.evidence)),
        reply_markup=CONFIRM_KEYBOARD if draft.description else None,
    )


def _evidence_of(message: Message) -> EvidenceItem | None:
    sent = now(message.date)
    if message.photo:
        best = message.photo[-1]
        return EvidenceItem("photo", best.file_id, sent, best.file_unique_id)
    for kind in ("document", "video", "animation", "video_note"):
        media = getattr(message, kind, None)
        if media is not None:
            return EvidenceItem(kind, media.file_id, sent, media.file_unique_id)
    return None


@staff_step
async def on_send(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    # Taken out before any await: a double tap (updates run concurrently) files one report only.
    user_data = user_data_of(context)
    draft = drafts.REPORT.pop(user_data)
    if draft is None or not draft.description:
        if draft is not None:
            drafts.REPORT.put(user_data, draft)
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return None if draft is not None else ConversationHandler.END
    # committed first, then anything is sent; if the commit fails, Send can be tapped again
    await _file(update, context, draft, on_not_stored=lambda: drafts.REPORT.put(user_data, draft))
    await query_of(update).answer()
    try:
        await query_of(update).edit_message_reply_markup(None)
    except BadRequest as exc:
        log.debug("could not drop the confirm buttons: %s", exc)
    return ConversationHandler.END


async def _file(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    draft: ReportDraft,
    on_not_stored: Callable[[], None] | None = None,
) -> None:
    """Commit the report (with its outbox rows), give the reference at once, then drain.
    `on_not_stored` runs if the commit fails (the flow puts its draft back)."""
    services = services_of(context)
    if draft.about_head is None and draft.subject != "head_teacher":
        words = unclear_head(f"{draft.description}\n{draft.place or ''}", head_names(services))
        if words is not None:  # ask, rather than guess either way; the draft waits for the answer
            drafts.REPORT.put(user_data_of(context), draft)
            await chat_of(update).send_message(
                reports_text.is_it_the_head(words), reply_markup=_head_keyboard()
            )
            return
    category = draft.category or "triage"
    evidence = (
        ()
        if category == reports.INDECENT_IMAGE
        else tuple(reports.Evidence(e.kind, e.file_id, e.sent_at, e.file_unique_id) for e in draft.evidence)
    )
    new = reports.NewReport(
        reporter_id=user_of(update).id,
        reporter_name=full_name_of(update),
        category=category,
        subject=draft.subject,
        place=draft.place,
        happened=draft.happened,
        happened_on=draft.happened_on,
        description=draft.description or "",
        source=draft.source,
        question_id=draft.question_id,
        evidence=evidence,
        about_head=draft.about_head,
    )
    try:
        created = file_report(services, new)
    except Exception:
        if on_not_stored is not None:
            on_not_stored()
        raise
    services.storage.worked()
    ref = created.report.reference
    roles = [role for _uid, role in created.recipients]
    if not roles:
        log.warning("report %s reaches nobody in the bot: set [people] chair_of_governors or deputy", ref)
    text = reports_text.report_receipt(
        ref,
        roles,
        created.report.urgent,
        created.about_head,
        created.held,
        outside_contact=services.config.school.outside_contact,
    )
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
    drafts.REPORT.drop(user_data_of(context))
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
async def on_head_check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The reporter's answer to "Is this report about the Head Teacher?": now it is filed."""
    user_data = user_data_of(context)
    draft = drafts.REPORT.pop(user_data)  # taken before any await: a double tap files one report
    tap = parse_as(query_of(update).data, HeadCheck)
    if draft is None or tap is None or not draft.description:
        await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return
    draft.about_head = tap.yes
    await query_of(update).answer()
    await record_choice(update, reports_text.about_the_head() if tap.yes else reports_text.NOT_THE_HEAD)
    await _file(update, context, draft, on_not_stored=lambda: drafts.REPORT.put(user_data, draft))


@require_staff
async def myreports_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = _my_page(update, context, 0)
    await message_of(update).reply_text(text, reply_markup=markup)


def _my_page(update: Update, context: ContextTypes.DEFAULT_TYPE, number: int) -> tuple[str, Markup]:
    paged = page(
        reports.my_reports(services_of(context).db, user_of(update).id), number, report_record.LIST_PAGE
    )
    nav = nav_row("mine", paged)
    return report_record.render_page(paged, reports_text.MY_REPORTS), keyboard([nav]) if nav else None


@require_staff
async def on_my_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await turn_page(update, lambda number: _my_page(update, context, number))


# -- registration -------------------------------------------------------------------------------


def _at(step: Step) -> Callable[[object], bool]:
    """A tap at `step` (a tap at another step's buttons is refused as stale)."""
    return matches(ReportChoice, where=lambda tap: isinstance(tap, ReportChoice) and tap.slot == step.slot)


def _conversation(persistent: bool, timeout_minutes: float | None = None) -> ConversationHandler[Any]:
    media: MessageHandler[Any, object] = MessageHandler(MEDIA & PRIVATE, on_media)
    tap_needed: MessageHandler[Any, object] = MessageHandler(TEXT, on_tap_needed)
    report = ConversationHandler(
        entry_points=[
            CommandHandler("report", start_report, filters=PRIVATE),
            CallbackQueryHandler(start_from_question, pattern=matches(ReportThis)),
        ],
        states={
            **{
                step.state: [CallbackQueryHandler(on_choice, pattern=_at(step)), media, tap_needed]
                for step in STEPS
            },
            WHERE_TEXT: [MessageHandler(TEXT, on_place_text), media],
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
    application.add_handler(CallbackQueryHandler(on_head_check, pattern=matches(HeadCheck)))
    application.add_handler(CallbackQueryHandler(on_my_page, pattern=matches(Page, where=on_view("mine"))))
