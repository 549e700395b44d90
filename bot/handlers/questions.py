"""Questions: any plain text from staff, its answer with buttons, /topics, and the retention job.

Registered last (see bot.app.HANDLER_MODULES): its text handler takes what no
earlier handler claimed. Button data is short and checked on every tap —
unknown, malformed or someone else's → "This button has expired.", never an
exception.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .. import knowledge_review as kr
from .. import messages, questions
from ..access import RateLimiter
from ..context import services_of
from ..messages import button_label
from ..reports import looks_like_incident
from ..reports.head import names_head
from .common import chat_of, message_of, query_of, require_staff, try_send, typing, user_of
from .exchange import on_native_reply

log = logging.getLogger("staffguide.questions")

COMMANDS = [("topics", "Browse the policy's sections")]
TOP_K = 4  # the answer plus up to three more for "More"
CHOICES = 3  # passages offered when the best is not clearly ahead ("did you mean")
TOPIC_LABEL_CHARS = 60
PURGE_TIME = time(3, 30)  # in the school's time zone (the application's Defaults tzinfo)
PURGE_JOB = "purge-old-questions"

# Callback data (at most 64 bytes): more:<question>:<n>, fb:<question>:up|down, ask:<question>,
# sec:<section>:<n>, pick:<question>:<n>|x ("did you mean": passage n, or none of them).
CALLBACK = re.compile(
    r"^(?:(more):(\d{1,12}):(\d{1,2})"
    r"|(pick):(\d{1,12}):(\d|x)"
    r"|(fb):(\d{1,12}):(up|down)"
    r"|(ask):(\d{1,12})"
    r"|(sec):(\d{1,4}):(\d{1,3}))$"
)


@dataclass(frozen=True)
class Tap:
    action: str
    target: int
    arg: str = ""


def parse_callback(data: str | None) -> Tap | None:
    """The tap's action, or None for anything we did not make."""
    match = CALLBACK.match(data or "")
    if match is None:
        return None
    groups = [g for g in match.groups() if g is not None]
    return Tap(groups[0], int(groups[1]), groups[2] if len(groups) > 2 else "")


# -- keyboards ---------------------------------------------------------------------------------


def answer_keyboard(
    question_id: int, more_at: int | None, feedback: bool, report: bool = False
) -> InlineKeyboardMarkup | None:
    rows = []
    if more_at is not None:
        rows.append([InlineKeyboardButton("More", callback_data=f"more:{question_id}:{more_at}")])
    if feedback:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=f"fb:{question_id}:up"),
                InlineKeyboardButton("👎", callback_data=f"fb:{question_id}:down"),
            ]
        )
    if report:  # the question tells of something that happened: offer to file it
        rows.append([InlineKeyboardButton("Report this", callback_data=f"report:start:{question_id}")])
    return InlineKeyboardMarkup(rows) if rows else None


def choice_keyboard(question_id: int, sections: list[str], report: bool = False) -> InlineKeyboardMarkup:
    """One button per candidate passage, then "None of these" (and "Report this" for an incident)."""
    rows = [
        [InlineKeyboardButton(messages.choice_label(n + 1, s), callback_data=f"pick:{question_id}:{n}")]
        for n, s in enumerate(sections)
    ]
    rows.append([InlineKeyboardButton(messages.NONE_OF_THESE, callback_data=f"pick:{question_id}:x")])
    if report:
        rows.append([InlineKeyboardButton("Report this", callback_data=f"report:start:{question_id}")])
    return InlineKeyboardMarkup(rows)


def without_buttons(markup: InlineKeyboardMarkup | None, prefix: str) -> InlineKeyboardMarkup | None:
    """The message's keyboard minus the buttons whose data starts with `prefix`."""
    if markup is None:
        return None
    rows = [
        [b for b in row if not str(b.callback_data or "").startswith(prefix)]
        for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


async def drop_buttons(update: Update, prefix: str) -> None:
    query = query_of(update)
    message = query.message if query else None
    if message is None or not hasattr(message, "reply_markup"):
        return
    try:
        await query.edit_message_reply_markup(without_buttons(message.reply_markup, prefix))
    except BadRequest as exc:  # "message is not modified" and friends are harmless
        log.debug("could not edit buttons: %s", exc)


# -- questions ---------------------------------------------------------------------------------


@require_staff
async def on_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    message = message_of(update)
    user = user_of(update)
    limiter = services.rate_limiter or RateLimiter(services.config.limits.questions_per_minute)
    services.rate_limiter = limiter
    if not limiter.allow(user.id):  # a reply about a report counts too: each one alerts a reviewer
        await message.reply_text(messages.rate_limited(services.config.limits.questions_per_minute))
        return
    if await on_native_reply(update, context):  # Telegram's Reply on a message about a report
        return
    text = message.text or ""
    limit = services.config.limits.max_question_chars
    note = None
    if len(text) > limit:
        text, note = text[:limit], messages.long_question_note(limit)
    # The model call takes tens of milliseconds of CPU: off the event loop, so others keep flowing;
    # "typing…" goes out meanwhile rather than costing a round trip first.
    _, answer = await asyncio.gather(
        typing(update, context), asyncio.to_thread(services.engine.search, text, TOP_K)
    )
    question_id = questions.record_question(services.db, user.id, text, answer)
    incident = looks_like_incident(text)
    if answer.answered and answer.ambiguous:
        await message.reply_text(
            messages.choose_passage([h.passage for h in answer.hits[:CHOICES]]),
            reply_markup=choice_keyboard(
                question_id, [h.passage.section for h in answer.hits[:CHOICES]], incident
            ),
        )
    elif answer.answered and answer.best is not None:
        total = len(answer.hits)
        await message.reply_text(
            messages.format_passage(answer.best.passage, note=note),
            reply_markup=answer_keyboard(
                question_id, 1 if total > 1 else None, feedback=True, report=incident
            ),
        )
    else:
        name = services.config.school.head_teacher_name.strip()
        ask = (
            "Ask the Chair of Governors"
            if names_head(text, [name] if name else [])
            else "Ask the Head Teacher"
        )
        rows = [[InlineKeyboardButton(ask, callback_data=f"ask:{question_id}")]]
        if incident:
            rows.append([InlineKeyboardButton("Report this", callback_data=f"report:start:{question_id}")])
        await message.reply_text(messages.not_covered(note), reply_markup=InlineKeyboardMarkup(rows))


async def expired(update: Update) -> None:
    await query_of(update).answer(messages.BUTTON_EXPIRED, show_alert=True)


def own_question(update: Update, context: ContextTypes.DEFAULT_TYPE, tap: Tap) -> questions.Question | None:
    """The tapped question if it exists and belongs to whoever tapped."""
    question = questions.get_question(services_of(context).db, tap.target)
    if question is None or question.user_id != user_of(update).id:
        return None
    return question


@require_staff
async def on_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the question's next passage below, with its own "More" while any remain."""
    tap = parse_callback(query_of(update).data)
    question = own_question(update, context, tap) if tap else None
    n = int(tap.arg) if tap else -1
    if question is None or not 0 < n < len(question.passage_ids):
        await expired(update)
        return
    passage = services_of(context).engine.passage(question.passage_ids[n])
    if passage is None:  # the index was rebuilt since
        await expired(update)
        return
    await query_of(update).answer()
    await drop_buttons(update, "more:")
    total = len(question.passage_ids)
    await chat_of(update).send_message(
        messages.format_passage(passage, position=(n + 1, total)),
        reply_markup=answer_keyboard(question.id, n + 1 if n + 1 < total else None, feedback=False),
    )


@require_staff
async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A "did you mean" choice: quote the picked passage and learn from the pick, once.

    "None of these" marks the question 👎, which puts it in the reviewers' /review.
    """
    services = services_of(context)
    tap = parse_callback(query_of(update).data)
    question = own_question(update, context, tap) if tap else None
    if tap is None or question is None or not question.answered or question.feedback is not None:
        await expired(update)
        return
    if tap.arg == "x":
        questions.set_feedback(services.db, question.id, question.user_id, "down")
        await query_of(update).answer()
        await drop_buttons(update, "pick:")
        await chat_of(update).send_message(messages.NONE_OF_THESE_THANKS)
        return
    n = int(tap.arg)
    passage = services.engine.passage(question.passage_ids[n]) if n < len(question.passage_ids) else None
    if passage is None:  # the index was rebuilt since
        await expired(update)
        return
    questions.set_feedback(services.db, question.id, question.user_id, "up")
    await query_of(update).answer(messages.CHOICE_THANKS)
    await drop_buttons(update, "pick:")
    await asyncio.to_thread(
        kr.learn_from_pick,
        services.db,
        services.engine,
        question.id,
        question.text,
        passage.id,
        question.user_id,
    )
    await chat_of(update).send_message(messages.format_passage(passage))


@require_staff
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap = parse_callback(query_of(update).data)
    question = own_question(update, context, tap) if tap else None
    if tap is None or question is None or not question.answered:
        await expired(update)
        return
    questions.set_feedback(services_of(context).db, question.id, question.user_id, tap.arg)
    await query_of(update).answer(messages.FEEDBACK_THANKS)
    await drop_buttons(update, "fb:")


async def message_head_teachers(
    context: ContextTypes.DEFAULT_TYPE, question: questions.Question, asker: str
) -> bool:
    """Send the question to every Head Teacher; True if at least one received it."""
    services = services_of(context)
    text = messages.escalation_for_head(question.text, asker, question.user_id)
    heads = [] if names_head(question.text) else services.config.people.head_teacher
    sent = [await try_send(context, head, text) for head in heads]
    return any(sent)


@require_staff
async def on_ask_head(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Escalate an unanswered question to the Head Teacher, once."""
    services = services_of(context)
    tap = parse_callback(query_of(update).data)
    question = own_question(update, context, tap) if tap else None
    if question is None or question.answered:
        await expired(update)
        return
    if not questions.escalate(services.db, question.id, question.user_id):
        await query_of(update).answer(messages.ALREADY_ESCALATED, show_alert=True)
        return
    route = services.escalate_question or message_head_teachers
    outcome = await route(context, question, user_of(update).full_name)
    if not outcome:
        questions.unescalate(services.db, question.id)
        await query_of(update).answer(messages.ESCALATION_FAILED, show_alert=True)
        return
    told = outcome if isinstance(outcome, str) else messages.ESCALATION_SENT
    await query_of(update).answer(button_label(told, 200))
    await drop_buttons(update, "ask:")
    await chat_of(update).send_message(told)


# -- topics ------------------------------------------------------------------------------------


@require_staff
async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    sections = services_of(context).engine.sections()
    rows = [
        [InlineKeyboardButton(messages.button_label(section, TOPIC_LABEL_CHARS), callback_data=f"sec:{i}:0")]
        for i, (_doc, section, _p) in enumerate(sections)
    ]
    await message_of(update).reply_text(
        messages.topics_text(len(sections)), reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


@require_staff
async def on_section(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Passage n of a section, with "More" for the next one in that section."""
    tap = parse_callback(query_of(update).data)
    engine = services_of(context).engine
    sections = engine.sections()
    if tap is None or tap.target >= len(sections):
        await expired(update)
        return
    document, section, _first = sections[tap.target]
    passages = engine.section_passages(document, section)
    n = int(tap.arg)
    if n >= len(passages):
        await expired(update)
        return
    await query_of(update).answer()
    if n > 0:
        await drop_buttons(update, "sec:")
    more = (
        InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data=f"sec:{tap.target}:{n + 1}")]])
        if n + 1 < len(passages)
        else None
    )
    await chat_of(update).send_message(
        messages.format_passage(passages[n], position=(n + 1, len(passages))),
        reply_markup=more,
    )


async def on_unknown_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button data no handler claimed: old, forged or from a removed feature."""
    await expired(update)


# -- retention ---------------------------------------------------------------------------------


async def purge_questions(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Daily: delete questions past their retention; reports are not questions and stay."""
    services = services_of(context)
    gone = questions.delete_older_than(services.db, services.config.storage.question_retention_days)
    if gone:
        log.info("deleted %d question(s) past retention", gone)


def register(application: Application) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("topics", topics, filters=private))
    application.add_handler(CallbackQueryHandler(on_more, pattern=r"^more:"))
    application.add_handler(CallbackQueryHandler(on_feedback, pattern=r"^fb:"))
    application.add_handler(CallbackQueryHandler(on_pick, pattern=r"^pick:"))
    application.add_handler(CallbackQueryHandler(on_ask_head, pattern=r"^ask:"))
    application.add_handler(CallbackQueryHandler(on_section, pattern=r"^sec:"))
    application.add_handler(CallbackQueryHandler(on_unknown_button))
    # Last of all: plain text nobody else claimed is a question.
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, on_question))
    if application.job_queue is not None:
        application.job_queue.run_daily(purge_questions, time=PURGE_TIME, name=PURGE_JOB)
