"""The outbox sender: drains bot.outbox through Telegram, and the job that re-notifies.

Every notification (report alerts, reminders, notices to the reporter) is a row in the
outbox, written with what it announces; this module only sends rows and records the result.
Rows a previous process left half-sent are re-queued by bot.app before anything runs.

Not a handler: no update reaches it. Every feature that stores something to announce calls
`trigger_drain` (and `update_alerts` once a report changed), and bot.app starts its job.
"""

from __future__ import annotations

import functools
import json
import logging
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from . import outbox, reports
from .context import SERVICES_KEY, Services, services_of
from .health import is_storage_error
from .text import callbacks
from .text import review as review_text
from .text.notices import NOTICES

log = logging.getLogger("staffguide.reports")

DRAIN_RUNNING = "reports.drain_running"
# alerts carry safeguarding data: Telegram then offers no forwarding or saving
PROTECTED = frozenset(
    {"escalation", "urgent", "renotify", "escalated", "summary", "to_reporter", "from_reporter"}
)
TICK_JOB = "reports-outbox-tick"

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def send_row(application: AnyApplication, services: Services, row: outbox.OutboxRow) -> str:
    """Send one claimed row; returns its new status."""
    markup = keyboard(row.buttons) if row.buttons else None
    db = services.db
    try:
        sent = await application.bot.send_message(
            row.recipient_id, row.text, reply_markup=markup, protect_content=row.purpose in PROTECTED
        )
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return outbox.mark_failed(db, row.id, str(exc), backoff=services.backoff, retry_after=seconds)
    except (Forbidden, BadRequest, InvalidToken) as exc:  # will not get better by itself
        log.warning("outbox row %s to %s refused: %s", row.id, row.recipient_id, exc)
        return outbox.mark_failed(
            db,
            row.id,
            str(exc),
            permanent=True,
            backoff=services.backoff,
            after_give_up=functools.partial(
                reports.record_delivery_failure,
                people=services.config.people,
                notices=NOTICES,
                outside_contact=services.config.school.outside_contact,
            ),
        )
    except Exception as exc:  # noqa: BLE001 - network errors, 5xx, anything: retry later
        log.info("outbox row %s to %s failed, will retry: %s", row.id, row.recipient_id, exc)
        return outbox.mark_failed(db, row.id, f"{type(exc).__name__}: {exc}", backoff=services.backoff)
    delivered = functools.partial(reports.record_delivery, notices=NOTICES)
    if not outbox.mark_sent(db, row.id, sent.message_id, after=delivered):
        log.error("outbox row %s was sent but was no longer claimed", row.id)
    return outbox.SENT


async def drain_outbox(application: AnyApplication) -> int:
    """Send everything due; one drain at a time (a second caller returns at once: the running
    drain keeps claiming until nothing is due). Returns how many rows were sent."""
    if application.bot_data.get(DRAIN_RUNNING):
        return 0
    application.bot_data[DRAIN_RUNNING] = True
    services: Services = application.bot_data[SERVICES_KEY]
    sent = 0
    try:
        while rows := outbox.claim_due(services.db):
            for row in rows:
                if await send_row(application, services, row) == outbox.SENT:
                    sent += 1
    finally:
        application.bot_data[DRAIN_RUNNING] = False
    return sent


ALERT_PURPOSES = ("escalation", "urgent", "renotify", "escalated")


async def update_alerts(application: AnyApplication, report_id: int) -> None:
    """A report's alerts follow its state: once acknowledged they lose "Acknowledge"; once
    resolved they lose every button and say so. Messages Telegram no longer lets us edit are
    left as they are (a stale button is refused when tapped)."""
    services: Services = application.bot_data[SERVICES_KEY]
    report = reports.get_report(services.db, report_id)
    if report is None or report.status == "open":
        return
    marks = ", ".join("?" * len(ALERT_PURPOSES))
    rows = services.db.execute(
        "select recipient_id, message_id, text, buttons from outbox where report_id = ? and status = 'sent'"
        f" and message_id is not null and buttons is not null and purpose in ({marks})",
        [report_id, *ALERT_PURPOSES],
    ).fetchall()
    for chat_id, message_id, text, buttons in rows:
        try:
            if report.status == "resolved":
                await application.bot.edit_message_text(
                    f"{text}\n\n{review_text.alert_resolved(report.reference)}",
                    chat_id=chat_id,
                    message_id=message_id,
                    reply_markup=None,
                )
            else:
                kept = [
                    [(label, data) for label, data in row if not _acknowledges(data)]
                    for row in json.loads(buttons)
                ]
                kept = [row for row in kept if row]
                await application.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=keyboard(kept) if kept else None
                )
        except TelegramError as exc:
            log.debug("could not update the alert %s in chat %s: %s", message_id, chat_id, exc)


def _acknowledges(data: str) -> bool:
    tap = callbacks.parse_as(data, callbacks.ReviewAction)
    return tap is not None and tap.action == "ack"


def keyboard(rows: outbox.Buttons) -> InlineKeyboardMarkup:
    """A stored row's buttons, as Telegram takes them."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def trigger_drain(application: AnyApplication) -> None:
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
            services.db, services.config.people, services.config.escalation.renotify_minutes, notices=NOTICES
        )
        reports.summarise_held(services.db, services.summary_settle_seconds, notices=NOTICES)
    except Exception as exc:  # noqa: BLE001 - never let one bad row stop the sender
        if is_storage_error(exc):
            services.storage.failed(exc)  # once, not every tick
        else:
            log.exception("checking overdue reports failed")
    trigger_drain(context.application)  # a task: the job itself stays short


def recover(services: Services) -> None:
    """Before anything runs: rows a previous process claimed go back to pending (the
    documented at-least-once window of bot.outbox). Safe because the bot is one process."""
    recovered = outbox.recover_interrupted(services.db)
    if recovered:
        log.warning("re-queued %d notification(s) interrupted by the last shutdown", recovered)


def register(application: AnyApplication) -> None:
    """The repeating job that checks overdue reports and drains the outbox."""
    if application.job_queue is None:
        log.error("no JobQueue (install python-telegram-bot[job-queue]): reports are stored but not sent")
        return
    services: Services | None = application.bot_data.get(SERVICES_KEY)
    seconds = services.tick_seconds if services is not None else Services.tick_seconds
    application.job_queue.run_repeating(tick, interval=seconds, first=0, name=TICK_JOB)
