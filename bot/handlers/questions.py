"""Questions: any plain text from staff, its answer with buttons, /topics, and the retention job.

Registered last (see bot.app.HANDLER_MODULES): its text handler takes what no
earlier handler claimed. Button data (bot.text.callbacks) is checked on every tap —
unknown, malformed or someone else's → "This button has expired.", never an
exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from embeddings.decision import CHOICES  # passages a "did you mean" offers at once
from knowledge import chunking

from .. import knowledge_review as kr
from .. import questions, read_flow
from ..access import RateLimiter
from ..context import services_of
from ..handoffs import escalate_question, reply_about_report
from ..reports import looks_like_incident
from ..reports.head import names_head
from ..text import common as common_text
from ..text import questions as questions_text
from ..text.callbacks import (
    AskHead,
    Callback,
    Closest,
    Feedback,
    More,
    MoreChoices,
    Page,
    Pick,
    ReportThis,
    Section,
    matches,
    on_view,
    parse,
    parse_as,
)
from ..text.pages import nav_row, page
from ..text.telegram import ALERT_LIMIT, button_label
from .common import (
    Markup,
    button,
    chat_of,
    keyboard,
    message_of,
    query_of,
    require_staff,
    turn_page,
    typing,
    user_of,
)

log = logging.getLogger("staffguide.questions")

COMMANDS = [("topics", "Browse the policy's sections")]
# Passages found per question: a choice's three and three more ("Show three more"); an answer's
# "More" goes through the same list. Measured on the tuning halves (no labelled questions of the
# school's own): the right passage is among the first three for 160 of 195 in-policy questions,
# among the first six for 175.
TOP_K = 2 * CHOICES
TOPIC_LABEL_CHARS = 60
PURGE_TIME = time(3, 30)  # in the school's time zone (the application's Defaults tzinfo)
PURGE_JOB = "purge-old-questions"

# -- keyboards ---------------------------------------------------------------------------------


def answer_keyboard(
    question_id: int, more_at: int | None, feedback: bool, report: bool = False
) -> InlineKeyboardMarkup | None:
    rows = []
    if more_at is not None:
        rows.append([button(questions_text.MORE, More(question_id, more_at))])
    if feedback:
        rows.append(
            [
                button(questions_text.HELPFUL, Feedback(question_id, True)),
                InlineKeyboardButton(
                    questions_text.UNHELPFUL, callback_data=Feedback(question_id, False).data
                ),
            ]
        )
    if report:  # the question tells of something that happened: offer to file it
        rows.append(report_this(question_id))
    return InlineKeyboardMarkup(rows) if rows else None


def choice_keyboard(
    question_id: int,
    passages: Sequence[questions_text.Quotable],
    report: bool = False,
    *,
    start: int = 0,
    more: bool = False,
) -> InlineKeyboardMarkup:
    """One button per candidate passage (the found passages from number `start` on), "Show three
    more" when more were found, then "None of these" (and "Report this" for an incident)."""
    labels = questions_text.choice_labels(passages, start=start + 1)
    rows = [[button(label, Pick(question_id, start + n))] for n, label in enumerate(labels)]
    if more:
        rows.append([button(questions_text.MORE_CHOICES, MoreChoices(question_id))])
    rows.append([button(questions_text.NONE_OF_THESE, Pick(question_id, None))])
    if report:
        rows.append(report_this(question_id))
    return InlineKeyboardMarkup(rows)


def report_this(question_id: int) -> list[InlineKeyboardButton]:
    return [button(questions_text.REPORT_THIS, ReportThis(question_id))]


ButtonKind = type[object] | tuple[type[object], ...]


def without_buttons(markup: InlineKeyboardMarkup | None, kind: ButtonKind) -> InlineKeyboardMarkup | None:
    """The message's keyboard minus the buttons of `kind` (bot.text.callbacks; one or several)."""
    if markup is None:
        return None
    rows = [
        [b for b in row if not isinstance(parse(b.callback_data), kind)] for row in markup.inline_keyboard
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


async def drop_buttons(update: Update, kind: ButtonKind) -> None:
    query = query_of(update)
    message = query.message if query else None
    if message is None or not hasattr(message, "reply_markup"):
        return
    try:
        await query.edit_message_reply_markup(without_buttons(message.reply_markup, kind))
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
        await message.reply_text(questions_text.rate_limited(services.config.limits.questions_per_minute))
        return
    if await reply_about_report(update, context):  # Telegram's Reply on a message about a report
        return
    changes = read_flow.what_changed(services.db, user.id, message.text or "")
    if changes is not None:  # "what's new in the … policy?": from the change record, not the search
        reply, buttons = changes
        await message.reply_text(reply, reply_markup=keyboard(buttons) if buttons else None)
        return
    whole = text = message.text or ""
    limit = services.config.limits.max_question_chars
    note = None
    if len(text) > limit:  # searched from its start; kept whole, for "Report this" and its Head check
        text, note = text[:limit], questions_text.long_question_note(limit)
    # The model call takes tens of milliseconds of CPU: off the event loop, so others keep flowing;
    # "typing…" goes out meanwhile rather than costing a round trip first.
    _, answer = await asyncio.gather(
        typing(update, context), asyncio.to_thread(services.engine.search, text, TOP_K)
    )
    question_id = questions.record_question(services.db, user.id, whole, answer)
    incident = looks_like_incident(whole)
    if answer.answered and answer.ambiguous:
        await message.reply_text(
            questions_text.choose_passage([h.passage for h in answer.choices], note),
            reply_markup=choice_keyboard(
                question_id,
                [h.passage for h in answer.choices],
                incident,
                more=len(answer.hits) > CHOICES,
            ),
        )
    elif answer.answered and answer.best is not None:
        total = len(answer.hits)
        await send_passage(
            message.reply_text,
            questions_text.passage_messages(answer.best.passage, note=note),
            answer_keyboard(question_id, 1 if total > 1 else None, feedback=True, report=incident),
        )
    else:
        name = services.config.school.head_teacher_name.strip()
        ask = questions_text.ask_button(about_head=names_head(text, [name] if name else []))
        rows = [[button(ask, AskHead(question_id))]]
        if answer.hits:  # declined is a judgement on similarity: staff may still find the rule
            rows.append([button(questions_text.CLOSEST, Closest(question_id))])
        if incident:
            rows.append(report_this(question_id))
        await message.reply_text(
            questions_text.not_covered(note, closest=bool(answer.hits)),
            reply_markup=InlineKeyboardMarkup(rows),
        )


async def send_passage(
    send: Callable[..., Awaitable[Message]], parts: list[str], markup: InlineKeyboardMarkup | None
) -> None:
    """A quote in the messages `questions_text.passage_messages` made; the buttons under the last."""
    for part in parts[:-1]:
        await send(part)
    await send(parts[-1], reply_markup=markup)


async def expired(update: Update) -> None:
    await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)


def own_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, question_id: int
) -> questions.Question | None:
    """The tapped question if it exists and belongs to whoever tapped."""
    question = questions.get_question(services_of(context).db, question_id)
    if question is None or question.user_id != user_of(update).id:
        return None
    return question


@require_staff
async def on_more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the question's next passage below, with its own "More" while any remain."""
    tap = parse_as(query_of(update).data, More)
    question = own_question(update, context, tap.question_id) if tap else None
    n = tap.at if tap else -1
    if question is None or not 0 < n < len(question.passage_ids):
        await expired(update)
        return
    passage = services_of(context).engine.passage(question.passage_ids[n])
    if passage is None:  # the index was rebuilt since
        await expired(update)
        return
    await query_of(update).answer()
    await drop_buttons(update, More)
    total = len(question.passage_ids)
    await send_passage(
        chat_of(update).send_message,
        questions_text.passage_messages(passage, position=(n + 1, total)),
        answer_keyboard(question.id, n + 1 if n + 1 < total else None, feedback=False),
    )


@require_staff
async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A "did you mean" choice: quote the picked passage and learn from the pick, once.

    "None of these" marks the question 👎, which puts it in the reviewers' /review.
    """
    services = services_of(context)
    tap = parse_as(query_of(update).data, Pick)
    question = own_question(update, context, tap.question_id) if tap else None
    if tap is None or question is None or not question.passage_ids or question.feedback is not None:
        await expired(update)
        return
    if tap.choice is None:
        questions.set_feedback(services.db, question.id, question.user_id, "down")
        await query_of(update).answer()
        await drop_buttons(update, (Pick, MoreChoices))
        await chat_of(update).send_message(questions_text.none_of_these_thanks())
        return
    n = tap.choice
    passage = services.engine.passage(question.passage_ids[n]) if n < len(question.passage_ids) else None
    if passage is None:  # the index was rebuilt since
        await expired(update)
        return
    questions.set_feedback(services.db, question.id, question.user_id, "up")
    await query_of(update).answer(questions_text.CHOICE_THANKS)
    await drop_buttons(update, (Pick, MoreChoices))
    await asyncio.to_thread(
        kr.learn_from_pick,
        services.db,
        services.engine,
        question.id,
        question.text,
        passage.id,
        question.user_id,
    )
    await send_passage(chat_of(update).send_message, questions_text.passage_messages(passage), None)


@require_staff
async def on_more_choices(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Show three more": the next passages found, to pick from, when none of the first three
    answers; a pick from them counts as any pick does."""
    tap = parse_as(query_of(update).data, MoreChoices)
    await offer_found(update, context, tap.question_id if tap else None, CHOICES, MoreChoices)


@require_staff
async def on_closest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Show the closest passages" under "not covered": the first three found, to pick from all
    the same (a declined in-policy question often has its rule among them); a pick counts as any
    pick does, and "Ask the Head Teacher" stays."""
    tap = parse_as(query_of(update).data, Closest)
    await offer_found(update, context, tap.question_id if tap else None, 0, Closest)


async def offer_found(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    question_id: int | None,
    start: int,
    kind: type[object],
) -> None:
    """The question's found passages from number `start`, CHOICES of them, as a choice."""
    question = own_question(update, context, question_id) if question_id is not None else None
    if question is None or question.feedback is not None:
        await expired(update)
        return
    engine = services_of(context).engine
    found = [engine.passage(pid) for pid in question.passage_ids[start : start + CHOICES]]
    passages = [p for p in found if p is not None]
    if not passages or len(passages) < len(found):  # none found, or the index was rebuilt since
        await expired(update)
        return
    await query_of(update).answer()
    await drop_buttons(update, kind)
    title = questions_text.MORE_CHOICES_HEADING if start else questions_text.CLOSEST_HEADING
    more = start == 0 and len(question.passage_ids) > CHOICES
    await chat_of(update).send_message(
        questions_text.choose_passage(passages, start=start + 1, title=title),
        reply_markup=choice_keyboard(question.id, passages, start=start, more=more),
    )


@require_staff
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap = parse_as(query_of(update).data, Feedback)
    question = own_question(update, context, tap.question_id) if tap else None
    if tap is None or question is None or not question.answered:
        await expired(update)
        return
    questions.set_feedback(services_of(context).db, question.id, question.user_id, tap.vote)
    await query_of(update).answer(questions_text.FEEDBACK_THANKS)
    await drop_buttons(update, Feedback)


@require_staff
async def on_ask_head(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Escalate an unanswered question to the Head Teacher, once."""
    services = services_of(context)
    tap = parse_as(query_of(update).data, AskHead)
    question = own_question(update, context, tap.question_id) if tap else None
    if question is None or question.answered:
        await expired(update)
        return
    if not questions.escalate(services.db, question.id, question.user_id):
        await query_of(update).answer(questions_text.already_escalated(), show_alert=True)
        return
    told = await escalate_question(context, question, user_of(update).full_name)
    await query_of(update).answer(button_label(told, ALERT_LIMIT))
    await drop_buttons(update, AskHead)
    await chat_of(update).send_message(told)


# -- topics ------------------------------------------------------------------------------------


def _topics_page(context: ContextTypes.DEFAULT_TYPE, number: int) -> tuple[str, Markup]:
    """A page of sections; with several documents each button names its document, as headings
    like "Policy statement" recur in every one."""
    sections = chunking.section_starts(services_of(context).engine.index.passages)
    documents = len({doc for doc, _s, _p in sections})
    paged = page(list(enumerate(sections)), number, questions_text.TOPICS_PAGE)
    label = questions_text.topic_label
    rows: list[list[tuple[str, Callback]]] = [
        [(button_label(label(doc, section, documents), TOPIC_LABEL_CHARS), Section(i, 0))]
        for i, (doc, section, _p) in paged.items
    ]
    nav = nav_row("topics", paged)
    rows += [list(nav)] if nav else []
    return questions_text.topics_text(len(sections), documents, paged.note), keyboard(rows) if rows else None


@require_staff
async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = _topics_page(context, 0)
    await message_of(update).reply_text(text, reply_markup=markup)


@require_staff
async def on_topics_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await turn_page(update, lambda number: _topics_page(context, number))


@require_staff
async def on_section(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Passage n of a section, with "More" for the next one in that section."""
    tap = parse_as(query_of(update).data, Section)
    engine = services_of(context).engine
    sections = chunking.section_starts(engine.index.passages)
    if tap is None or tap.index >= len(sections):
        await expired(update)
        return
    document, section, _first = sections[tap.index]
    passages = chunking.section_passages(engine.index.passages, document, section)
    n = tap.at
    if n >= len(passages):
        await expired(update)
        return
    await query_of(update).answer()
    if n > 0:
        await drop_buttons(update, Section)
    more = (
        InlineKeyboardMarkup([[button(questions_text.MORE, Section(tap.index, n + 1))]])
        if n + 1 < len(passages)
        else None
    )
    await send_passage(
        chat_of(update).send_message,
        questions_text.passage_messages(passages[n], position=(n + 1, len(passages))),
        more,
    )


async def on_unknown_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any button data no handler claimed: old, forged or from a removed feature."""
    await expired(update)


async def nothing_to_cancel(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel (it is in everyone's menu) when nothing is under way: say so rather than nothing."""
    await message_of(update).reply_text(common_text.NOTHING_TO_CANCEL)


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
    application.add_handler(CallbackQueryHandler(on_more, pattern=matches(More)))
    application.add_handler(CallbackQueryHandler(on_feedback, pattern=matches(Feedback)))
    application.add_handler(CallbackQueryHandler(on_pick, pattern=matches(Pick)))
    application.add_handler(CallbackQueryHandler(on_more_choices, pattern=matches(MoreChoices)))
    application.add_handler(CallbackQueryHandler(on_closest, pattern=matches(Closest)))
    application.add_handler(CallbackQueryHandler(on_ask_head, pattern=matches(AskHead)))
    application.add_handler(CallbackQueryHandler(on_section, pattern=matches(Section)))
    topics_pages = matches(Page, where=on_view("topics"))
    application.add_handler(CallbackQueryHandler(on_topics_page, pattern=topics_pages))
    application.add_handler(CallbackQueryHandler(on_unknown_button))
    # Last of all: a /cancel no report, note or message claimed, and plain text nobody else
    # claimed is a question.
    application.add_handler(CommandHandler("cancel", nothing_to_cancel, filters=private))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & private, on_question))
    if application.job_queue is not None:
        application.job_queue.run_daily(purge_questions, time=PURGE_TIME, name=PURGE_JOB)
