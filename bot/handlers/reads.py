"""Policy reads in Telegram: the Head's one tap, staff's "I have read it", the changed sections,
/reads and the daily reminder job.

Thin handlers over bot.reads (the record) and bot.read_flow (who is told what). Every tap is
checked again when it arrives: a revoked member's "I have read it" is refused and records
nothing, a second tap finds the first confirmation, and a button of a version a newer one
replaced says so and brings the newer change.
"""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

import sqlite_utils
from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from .. import policy_versions as pv
from .. import read_flow, reads
from ..clock import shown
from ..context import SERVICES_KEY, Services, services_of
from ..outbox_sender import keyboard as stored_keyboard
from ..outbox_sender import trigger_drain
from ..policy_versions import Version
from ..text import common as common_text
from ..text import reads as reads_text
from ..text.callbacks import (
    READS_FAMILY,
    Callback,
    Page,
    ReadConfirm,
    ReadDecision,
    ReadOpen,
    ReadSection,
    ReadsPage,
    family,
    matches,
    on_view,
    parse,
    parse_as,
)
from ..text.pages import NEXT, PREVIOUS, nav_row, page
from ..text.telegram import button_label
from .common import (
    Markup,
    edit_in_place,
    full_name_of,
    keyboard,
    message_of,
    query_of,
    require_role,
    require_staff,
    user_of,
)

log = logging.getLogger("staffguide.reads")

READS_ROLES = ("head_teacher", "policy_admins")
COMMANDS = [
    ("myreads", "Changed policies you have to read, and those you confirmed"),
    ("reads", "Head Teacher: who has read the changed policies"),
]
READS_VIEW = "reads"  # /reads pages (bot.text.callbacks.PAGED_VIEWS)
REMINDER_JOB = "policy-read-reminders"
ASK_JOB = "policy-read-questions"
ASK_EVERY_SECONDS = 300.0  # a change `staffguide index` recorded while the bot runs
SCHOOL_DAYS = (1, 2, 3, 4, 5)  # python-telegram-bot counts 0 = Sunday
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def is_this_version(update: Update, services: Services, version_id: int, tag: str) -> bool:
    """A button that writes names its version twice (id and tag): one made before a restore, whose
    id now belongs to another version, is refused and records nothing."""
    version = pv.get(services.db, version_id)
    if version is not None and version.tag == tag:
        return True
    await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)
    return False


# -- the Head's decision ----------------------------------------------------------------------


@require_role(*READS_ROLES)
async def on_decision(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap = parse_as(query_of(update).data, ReadDecision)
    if tap is None:
        return
    services = services_of(context)
    query = query_of(update)
    if not await is_this_version(update, services, tap.version_id, tap.tag):
        return
    result = read_flow.decide(services.db, services.config, tap.version_id, tap.required, user_of(update).id)
    if result.version is None or result.decision is None:
        await query.answer(reads_text.NO_SUCH_VERSION, show_alert=True)
        return
    decision = result.decision
    if not result.done:
        when = shown(decision.decided_at)
        await query.answer(reads_text.already_decided(decision.required, when), show_alert=True)
        await edit_in_place(update, reads_text.decided_earlier(result.version, decision.required, when), None)
        return
    await query.answer()
    trigger_drain(context.application)
    text = reads_text.decided(result.version, decision.required, result.sent_to, result.held)
    await edit_in_place(update, text, None)
    await close_other_questions(context.application, result.version, decision, query.message)


async def close_other_questions(
    application: AnyApplication, version: Version, decision: reads.Decision, tapped: object
) -> None:
    """The other deciders' copies of the question lose their buttons and say what was decided."""
    services: Services = application.bot_data[SERVICES_KEY]
    tapped_id = getattr(tapped, "message_id", None)
    text = reads_text.decided_earlier(version, decision.required, shown(decision.decided_at))
    for chat_id, message_id in read_flow.decision_messages(services.db, version):
        if message_id == tapped_id:
            continue
        try:
            await application.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=None
            )
        except TelegramError as exc:  # too old to edit, or deleted: a tap on it is answered anyway
            log.debug("could not close the read question %s in chat %s: %s", message_id, chat_id, exc)


# -- staff: open, read, confirm ---------------------------------------------------------------


def change_message(services: Services, version: Version, user_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """The change message as this person should see it now (confirmed or not)."""
    text, buttons = read_flow.change_view(services.db, version, user_id)
    return text, stored_keyboard(buttons)


async def send_change(update: Update, context: ContextTypes.DEFAULT_TYPE, version: Version) -> None:
    text, markup = change_message(services_of(context), version, user_of(update).id)
    await context.bot.send_message(user_of(update).id, text, reply_markup=markup)


def current_of(db: sqlite_utils.Database, version: Version) -> Version:
    """The version to read in place of `version` (itself unless a newer one replaced it)."""
    return reads.replaced_by(db, version) or version


@require_staff
async def on_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap = parse_as(query_of(update).data, ReadConfirm)
    if tap is None:
        return
    services = services_of(context)
    query = query_of(update)
    user_id = user_of(update).id
    if not await is_this_version(update, services, tap.version_id, tap.tag):
        return
    result, found = reads.confirm(services.db, tap.version_id, user_id, full_name_of(update))
    version = pv.get(services.db, tap.version_id)
    if result is reads.Confirmed.RECORDED:
        log.info("user %s confirmed reading version %s", user_id, tap.version_id)
        await query.answer(reads_text.CONFIRMED, show_alert=True)
    elif result is reads.Confirmed.ALREADY and found is not None:
        await query.answer(reads_text.already_confirmed(shown(found.confirmed_at)), show_alert=True)
    elif result is reads.Confirmed.REPLACED and version is not None:
        await query.answer(reads_text.REPLACED, show_alert=True)
        await edit_in_place(
            update, reads_text.announcement(version), stored_keyboard(read_flow.change_buttons(version, True))
        )
        await send_change(update, context, current_of(services.db, version))
        return
    else:
        await query.answer(reads_text.NOT_ASKED, show_alert=True)
        return
    if version is not None:
        text, markup = change_message(services, version, user_id)
        await edit_in_place(update, text, markup)


@require_staff
async def on_section(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A changed section's words: opened in a new message, its pages turned in place."""
    tap = parse_as(query_of(update).data, ReadSection)
    if tap is None:
        return
    services = services_of(context)
    query = query_of(update)
    stored = pv.get(services.db, tap.version_id)
    version = pv.since(services.db, stored, tap.since) if stored is not None else None
    if version is None or not 0 <= tap.index < len(version.changes):
        await query.answer(reads_text.NO_SUCH_VERSION, show_alert=True)
        return
    pages = reads_text.section_pages(version, tap.index)
    page = min(tap.page, len(pages) - 1)
    since = version.counted_from
    rows: list[list[tuple[str, str | Callback]]] = []
    turns: list[tuple[str, str | Callback]] = []
    if page > 0:
        turns.append((PREVIOUS, ReadSection(version.id, since, tap.index, page - 1, turn=True)))
    if page < len(pages) - 1:
        turns.append((NEXT, ReadSection(version.id, since, tap.index, page + 1, turn=True)))
    if turns:
        rows.append(turns)
    if tap.index + 1 < len(version.changes):
        rows.append([(reads_text.NEXT_SECTION, ReadSection(version.id, since, tap.index + 1, 0))])
    if read_flow.to_confirm(services.db, version, user_of(update).id):
        rows.append([(reads_text.READ_IT, ReadConfirm(version.id, version.tag))])
    await query.answer()
    markup = keyboard(rows) if rows else None
    if tap.turn:
        await edit_in_place(update, pages[page], markup)
    else:
        await context.bot.send_message(user_of(update).id, pages[page], reply_markup=markup)


@require_staff
async def on_open(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reminder's button: the policy's change message again (the newer one if replaced)."""
    tap = parse_as(query_of(update).data, ReadOpen)
    if tap is None:
        return
    services = services_of(context)
    version = pv.get(services.db, tap.version_id)
    if version is None:
        await query_of(update).answer(reads_text.NO_SUCH_VERSION, show_alert=True)
        return
    await query_of(update).answer()
    await send_change(update, context, current_of(services.db, version))


@require_staff
async def my_reads(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    user_id = user_of(update).id
    pending = reads.pending_for(services.db, user_id)
    confirmed = [
        (reads_text.confirmed_name(r.title, r.number), r.confirmed_at)
        for r in reads.records(services.db, user_id)
    ]
    markup = stored_keyboard(read_flow.open_buttons(pending)) if pending else None
    await message_of(update).reply_text(reads_text.my_reads(pending, confirmed), reply_markup=markup)


# -- /reads -----------------------------------------------------------------------------------


def list_view(services: Services, number: int) -> tuple[str, Markup]:
    items = reads.progress(services.db, read_flow.staff(services.db, services.config))
    paged = page(items, number, reads_text.VERSIONS_PER_PAGE)
    waiting = reads.undecided(services.db)
    first = paged.number * reads_text.VERSIONS_PER_PAGE + 1
    rows: list[list[tuple[str, str | Callback]]] = [
        [(button_label(f"{n}. {item.version.name}", reads_text.LABEL_CHARS), ReadsPage(item.version.id, 0))]
        for n, item in enumerate(paged.items, first)
    ]
    for version in waiting[:2]:  # the Head's question may be far up the chat
        must, not_needed = reads_text.decide_labels(version)
        rows.append(
            [
                (must, ReadDecision(version.id, version.tag, True)),
                (not_needed, ReadDecision(version.id, version.tag, False)),
            ]
        )
    if nav := nav_row(READS_VIEW, paged):
        rows.append(list(nav))
    return reads_text.reads_list(paged, waiting), keyboard(rows) if rows else None


def detail_view(services: Services, version_id: int, number: int) -> tuple[str, Markup] | None:
    items = reads.progress(services.db, read_flow.staff(services.db, services.config))
    item = next((i for i in items if i.version.id == version_id), None)
    if item is None:
        return None
    paged = page(reads_text.name_lines(item), number, reads_text.NAMES_PER_PAGE)
    nav: list[tuple[str, str | Callback]] = []
    if paged.number > 0:
        nav.append((PREVIOUS, ReadsPage(version_id, paged.number - 1)))
    if paged.number < paged.count - 1:
        nav.append((NEXT, ReadsPage(version_id, paged.number + 1)))
    rows = [nav] if nav else []
    rows.append([(reads_text.ALL_VERSIONS, Page(READS_VIEW, 0))])
    return reads_text.reads_detail(item, paged), keyboard(rows)


@require_role(*READS_ROLES)
async def reads_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, markup = list_view(services_of(context), 0)
    await message_of(update).reply_text(text, reply_markup=markup)


@require_role(*READS_ROLES)
async def on_reads_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Previous / Next under /reads, a version's names, and back to the list."""
    tap = parse(query_of(update).data)
    services = services_of(context)
    if isinstance(tap, Page):
        view: tuple[str, Markup] | None = list_view(services, tap.number)
    elif isinstance(tap, ReadsPage):
        view = detail_view(services, tap.version_id, tap.page)
    else:
        return
    if view is None:
        await query_of(update).answer(reads_text.NO_SUCH_VERSION, show_alert=True)
        return
    await query_of(update).answer()
    await edit_in_place(update, *view)


# -- one entry for every tap ------------------------------------------------------------------


async def on_stale(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other data under this feature's prefix: malformed or forged."""
    await query_of(update).answer(common_text.BUTTON_EXPIRED, show_alert=True)


# -- the daily reminder -----------------------------------------------------------------------


async def ask_about_changes(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Versions recorded outside the bot (`staffguide index`) reach the Head within minutes."""
    services = services_of(context)
    if read_flow.ask_about_changes(services.db, services.config):
        trigger_drain(context.application)


async def remind(context: ContextTypes.DEFAULT_TYPE) -> None:
    services = services_of(context)
    queued = read_flow.send_reminders(services.db, services.config)
    log.info("policy reads: %d reminder(s) queued", queued)
    trigger_drain(context.application)


def register(application: AnyApplication) -> None:
    services: Services = application.bot_data[SERVICES_KEY]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("reads", reads_command, filters=private))
    application.add_handler(CommandHandler("myreads", my_reads, filters=private))
    for handler, kinds in (
        (on_decision, (ReadDecision,)),
        (on_confirm, (ReadConfirm,)),
        (on_section, (ReadSection,)),
        (on_open, (ReadOpen,)),
        (on_reads_page, (ReadsPage,)),
    ):
        application.add_handler(CallbackQueryHandler(handler, pattern=matches(*kinds)))
    reads_pages = matches(Page, where=on_view(READS_VIEW))
    application.add_handler(CallbackQueryHandler(on_reads_page, pattern=reads_pages))
    application.add_handler(CallbackQueryHandler(on_stale, pattern=family(READS_FAMILY)))
    read_flow.ask_about_changes(services.db, services.config)  # changes made while the bot was stopped
    if application.job_queue is None:
        log.error("no JobQueue (install python-telegram-bot[job-queue]): no reminders to read policies")
        return
    config = services.config
    application.job_queue.run_repeating(ask_about_changes, interval=ASK_EVERY_SECONDS, name=ASK_JOB)
    application.job_queue.run_daily(
        remind,
        time=time(config.reads.reminder_hour, tzinfo=config.school.tz),
        days=EVERY_DAY if config.reads.weekends else SCHOOL_DAYS,
        name=REMINDER_JOB,
    )
