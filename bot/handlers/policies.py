"""The Head Teacher's and policy admins' tools: policy uploads, /policies, /reload, /review, the digest.

Thin handlers over bot.policy_library (which holds the rules) and
bot.digest. A re-index runs in a worker thread behind a lock; this module
only says what is happening and what changed. Questions from staff keep
flowing meanwhile (the application runs updates concurrently) and are
answered from the old index until the new one is swapped in.

Registered after the reports module, so a file sent during a report flow is
evidence for the report, and before the question handler, which must stay last.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .. import access, read_flow
from .. import knowledge_review as kr
from .. import policy_library as pl
from ..config import Config, ConfigError
from ..context import SERVICES_KEY, Services, services_of
from ..digest import digest_text
from ..digest_chart import chart_png, collect_series
from ..handoffs import head_names
from ..outbox_sender import trigger_drain
from ..reports.head import names_head
from ..text import common as common_text
from ..text import ops as ops_text
from ..text import policies as policies_text
from ..text.callbacks import KNOWLEDGE_FAMILY, PolicyGap, SkipReview, Teach, family, parse
from ..text.questions import choice_labels
from ..text.telegram import plain
from .common import (
    button,
    chat_of,
    full_name_of,
    message_of,
    query_of,
    require_role,
    try_send,
    user_of,
    within_write_limit,
)

log = logging.getLogger("staffguide.knowledge")

ADMIN_ROLES = ("head_teacher", "policy_admins")
# /review: the chair of governors too, for the questions that name the Head Teacher (only those)
REVIEW_ROLES = (*ADMIN_ROLES, "chair_of_governors")
COMMANDS = [
    ("review", "Policy admins: review declined and 👎 questions"),
    ("policies", "Policy admins: list the policy documents"),
    ("reload", "Policy admins: re-read the policy folder"),
]
DIGEST_JOB = "weekly-digest"
PTB_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")  # 0 = Sunday


def library_of(context: ContextTypes.DEFAULT_TYPE) -> pl.PolicyLibrary:
    library = services_of(context).library
    if library is None:
        raise RuntimeError("bot.handlers.policies is not registered")
    return library


# -- keyboards ---------------------------------------------------------------------------------


def review_keyboard(item: kr.ReviewItem, hits: list) -> InlineKeyboardMarkup:
    """A button per candidate passage, never two alike (as a "did you mean" choice labels them)."""
    labels = choice_labels([h.passage for h in hits])
    rows = [
        [InlineKeyboardButton(label, callback_data=Teach(item.question_id, h.passage.id).data)]
        for label, h in zip(labels, hits, strict=True)
    ]
    rows.append([button(policies_text.NOT_COVERED, PolicyGap(item.question_id))])
    rows.append([button(policies_text.SKIP, SkipReview(item.question_id))])
    return InlineKeyboardMarkup(rows)


# -- policies ----------------------------------------------------------------------------------


@require_role(*ADMIN_ROLES)
async def policies(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List the policy documents with their dates."""
    infos = library_of(context).documents()
    if not infos:
        await message_of(update).reply_text(policies_text.POLICY_FOLDER_EMPTY)
        return
    services = services_of(context)
    adapter = services.adapter
    model = None
    if adapter is not None:
        adaptation = services.engine.index.manifest.get("adaptation")
        model = policies_text.search_state(adaptation, adapter.running, adapter.failed)
    await message_of(update).reply_text(policies_text.policies_text(infos, model))


async def _say_if_waiting(update: Update, library: pl.PolicyLibrary) -> None:
    if library.busy:
        await message_of(update).reply_text(policies_text.REINDEX_WAITING)


@require_role(*ADMIN_ROLES)
async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    library = library_of(context)
    await _say_if_waiting(update, library)
    try:
        people = access.reload_people(services_of(context).config)
    except ConfigError as exc:
        people = f"the roles are unchanged: {exc}"
    log.info("/reload: %s", people)
    services = services_of(context)
    if services.menu is not None:
        await services.menu.publish(context.bot, services.config)
    await message_of(update).reply_text(ops_text.people_reloaded(people))
    await message_of(update).reply_text(policies_text.REREADING)
    try:
        change = await library.reload(user_of(update).id)
    except pl.ReindexFailed as exc:
        await message_of(update).reply_text(policies_text.reload_failed(str(exc)))
        return
    await message_of(update).reply_text(policies_text.change_text(change))
    ask_whether_to_read(update, context)


@require_role(*ADMIN_ROLES)
async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A policy file sent as a document: check it, store it, re-index, say what changed."""
    library = library_of(context)
    message = message_of(update)
    document = message.document
    if document is None:  # registered for documents only
        return
    if not await within_write_limit(update, context, "policy uploads"):
        return
    try:
        pl.safe_file_name(document.file_name)
        pl.check_size(document.file_size, library.max_bytes)  # before downloading anything
        data = bytes(await (await document.get_file()).download_as_bytearray())
        await _say_if_waiting(update, library)
        await message.reply_text(policies_text.received(document.file_name or ""))
        change = await library.upload(document.file_name, data, user_of(update).id)
    except pl.UploadRejected as exc:
        await message.reply_text(policies_text.upload_rejected(str(exc)))
        return
    except pl.ReindexFailed as exc:
        await message.reply_text(policies_text.reindex_failed(str(exc)))
        return
    await message.reply_text(policies_text.change_text(change))
    ask_whether_to_read(update, context)


def ask_whether_to_read(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A policy's words changed: the Head Teacher and the policy admins decide, with one tap each
    (bot.handlers.reads), whether staff must read the change."""
    services = services_of(context)
    if read_flow.ask_about_changes(services.db, services.config, uploaded_by=full_name_of(update)):
        trigger_drain(context.application)


# -- review ------------------------------------------------------------------------------------


def review_scope(update: Update, context: ContextTypes.DEFAULT_TYPE) -> kr.Visible:
    """Questions naming the Head are reviewed by a policy admin or the chair, never the Head;
    the chair (unless also a policy admin) reviews only those."""
    services = services_of(context)
    roles = services.config.people.roles_of(user_of(update).id)
    name = services.config.school.head_teacher_name.strip()
    names = [name] if name else []
    if "head_teacher" in roles:
        return lambda text: not names_head(text, names)
    if "policy_admins" in roles:
        return None
    return lambda text: names_head(text, names)


async def send_next_review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The oldest item waiting for review, with the five best passages as buttons."""
    services = services_of(context)
    items = kr.pending_reviews(services.db, limit=1, visible=review_scope(update, context))
    if not items:
        await chat_of(update).send_message(policies_text.NOTHING_TO_REVIEW)
        return
    item = items[0]
    picked = kr.picked_passage(services.db, item.question_id) if item.reason == kr.PICKED else None
    hits = await asyncio.to_thread(kr.candidates, services.engine, item.text, kr.REVIEW_CHOICES, picked)
    await chat_of(update).send_message(
        policies_text.review_text(item, hits), reply_markup=review_keyboard(item, hits)
    )


@require_role(*REVIEW_ROLES)
async def review(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pending = kr.pending_count(services_of(context).db, review_scope(update, context))
    if pending:
        await message_of(update).reply_text(policies_text.to_review(pending))
    await send_next_review(update, context)


@require_role(*REVIEW_ROLES)
async def on_review_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reviewer's tap: teach a passage, record a gap, or skip; then show the next item."""
    query = query_of(update)
    tap = parse(query.data)
    if not isinstance(tap, Teach | PolicyGap | SkipReview):
        await query.answer(common_text.BUTTON_EXPIRED, show_alert=True)
        return
    services = services_of(context)
    question_id = tap.question_id
    user_id = user_of(update).id
    visible = review_scope(update, context)
    try:
        if isinstance(tap, Teach):
            passage = await asyncio.to_thread(
                kr.teach, services.db, services.engine, question_id, tap.passage_id, user_id, visible
            )
            outcome = policies_text.taught(passage.section)
        elif isinstance(tap, PolicyGap):
            kr.record_gap(services.db, question_id, user_id, visible)
            outcome = policies_text.GAP_RECORDED
        else:
            kr.skip(services.db, question_id, user_id, visible)
            outcome = policies_text.SKIPPED
    except kr.AlreadyDecided as exc:
        await query.answer(plain(str(exc)), show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_text(outcome)
    except BadRequest as exc:
        log.debug("could not edit the review message: %s", exc)
    await send_next_review(update, context)


# -- the weekly digest -------------------------------------------------------------------------


def digest_recipients(config: Config) -> list[int]:
    return sorted(set(config.people.head_teacher) | set(config.people.policy_admins))


async def send_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    members = [m.user_id for m in access.members(services.db, services.config)]
    text = digest_text(
        services.db, services.config.school.name, html=True, head_names=head_names(services), members=members
    )
    recipients = digest_recipients(services.config)
    for user_id in recipients:
        await try_send(context, user_id, text)
    try:  # the picture is a bonus: the digest has gone out whatever happens to it
        series = collect_series(services.db)
        png = await asyncio.to_thread(chart_png, series, services.config.school.name)
    except Exception:  # noqa: BLE001
        log.warning("could not draw the digest chart", exc_info=True)
        return
    for user_id in recipients:
        try:
            await context.bot.send_photo(user_id, photo=png, caption=ops_text.DIGEST_CHART_CAPTION)
        except TelegramError as exc:
            log.warning("could not send the digest chart to %s: %s", user_id, exc)


def schedule_digest(application: Application, config: Config) -> None:
    """Weekly at [digest] day/hour, in the school's time zone ([school] timezone)."""
    if application.job_queue is None:
        log.error("no JobQueue (install python-telegram-bot[job-queue]): no weekly digest")
        return
    application.job_queue.run_daily(
        send_digest,
        time=time(config.digest.hour, tzinfo=config.school.tz),
        days=(PTB_DAYS.index(config.digest.day.lower()),),
        name=DIGEST_JOB,
    )


# -- registration ------------------------------------------------------------------------------


def register(application: Application) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    knowledge = services.config.knowledge
    if services.library is None:  # tests may set one with a slower build
        services.library = pl.PolicyLibrary(services.engine, services.db, knowledge.dir, knowledge.index_dir)
    library = services.library
    if hasattr(services.engine, "set_examples"):  # not a stand-in engine (wiring tests)
        taught = library.start()
        if taught is not None and taught.skipped:
            log.warning("%d example question(s) point at passages no longer in the policies", taught.skipped)
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("policies", policies, filters=private))
    application.add_handler(CommandHandler("reload", reload, filters=private))
    application.add_handler(CommandHandler("review", review, filters=private))
    application.add_handler(CallbackQueryHandler(on_review_choice, pattern=family(KNOWLEDGE_FAMILY)))
    application.add_handler(MessageHandler(filters.Document.ALL & private, on_document))
    schedule_digest(application, services.config)
    schedule_adaptation(application, services)


ADAPT_JOB = "adapt-model"


def schedule_adaptation(application: Application, services: Services) -> None:
    """Check every few minutes whether the model should be adapted again (new policies,
    corrections or questions files), and run it in a child process when it should."""
    knowledge = services.config.knowledge
    if not knowledge.adapt or application.job_queue is None or not hasattr(services.engine, "set_examples"):
        return
    from embeddings.adapter import Adapter

    if services.adapter is None:
        services.adapter = Adapter(
            services.engine, knowledge.dir, knowledge.index_dir, services.config.storage.database
        )
    application.job_queue.run_repeating(
        adapt_tick,
        interval=services.adapt_tick_seconds,
        first=services.adapt_first_seconds,
        name=ADAPT_JOB,
    )


async def adapt_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    adapter = services_of(context).adapter
    if adapter is not None:
        await adapter.tick()
