"""Where one feature hands a person over to another, without either handler importing the other.

* A question the policies do not answer becomes a report for the Head Teacher ("Ask the
  Head Teacher"), acknowledged and resolved like one, so the asker hears back.
* Telegram's own Reply on a message about a report (typed as a plain message, so it arrives
  at the question handler) is that report's exchange: stored and sent as if Reply was tapped.
* The exchange's confirmed "Send" ends in the same `send_about_report`.

Each is a call into the reports domain plus what the person is told; the handlers of the
features involved only call these.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from . import reports
from .context import Services, services_of
from .outbox_sender import trigger_drain, update_alerts
from .questions import Question
from .reports import Result
from .text import exchange as exchange_text
from .text import questions as questions_text
from .text import reports as reports_text
from .text.notices import NOTICES

REVIEWER, REPORTER = "reviewer", "reporter"  # who writes in an exchange about a report


def head_names(services: Services) -> list[str]:
    """The Head Teacher's name from [school], for telling whether a text names the Head."""
    name = services.config.school.head_teacher_name.strip()
    return [name] if name else []


def file_report(services: Services, new: reports.NewReport) -> reports.Created:
    """Store a report with its routing and queued alerts, as every way of filing one does: with
    the configured people, the Head's name and the alert rate limit."""
    return reports.create_report(
        services.db,
        services.config.people,
        new,
        notices=NOTICES,
        head_names=head_names(services),
        alerts_per_minute=services.config.limits.reports_per_minute,
    )


async def escalate_question(context: ContextTypes.DEFAULT_TYPE, question: Question, asker: str) -> str:
    """ "Ask the Head Teacher": the unanswered question joins the Head Teacher's queue as a
    report. A question naming the Head goes to the chair of governors instead. Returns what to
    tell the asker."""
    services = services_of(context)
    new = reports.NewReport(
        reporter_id=question.user_id,
        reporter_name=asker,
        category="question",
        description=question.text,
        source="question",
        question_id=question.id,
    )
    created = file_report(services, new)
    trigger_drain(context.application)
    return questions_text.question_queued([role for _uid, role in created.recipients], created.about_head)


async def send_about_report(
    update: Update, context: ContextTypes.DEFAULT_TYPE, side: str, report_id: int, text: str
) -> None:
    """Store a message about a report with the report and queue it; tell the writer what happened."""
    services = services_of(context)
    people = services.config.people
    ref = reports.reference(report_id)
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    if side == REVIEWER:
        result = reports.message_reporter(
            services.db, people, report_id, user.id, user.full_name, text, notices=NOTICES
        )
        told = exchange_text.to_reporter_queued(ref)
    else:
        result, to = reports.reply_from_reporter(
            services.db, people, report_id, user.id, user.full_name, text, notices=NOTICES
        )
        told = exchange_text.reply_queued(ref, len(to))
    if result is Result.DONE:
        await chat.send_message(told)
        trigger_drain(context.application)
        if side == REVIEWER:
            await update_alerts(context.application, report_id)  # writing acknowledges an open report
    elif side == REPORTER and result is Result.NOT_ALLOWED:
        await chat.send_message(exchange_text.REPLY_NOT_POSSIBLE)
    else:
        await chat.send_message(reports_text.REPORT_NOT_FOUND.format(ref=ref))


async def reply_about_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Telegram's own Reply on a message about a report: True when it was one, and then it has
    been dealt with here (sent, or the person told why not); False for any other message."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return False
    replied = message.reply_to_message
    if replied is None or not (message.text or "").strip():
        return False
    found = reports.conversation_of(services_of(context).db, user.id, replied.message_id)
    if found is None:
        return False
    report_id, purpose = found
    side = REPORTER if purpose == "to_reporter" else REVIEWER
    await send_about_report(update, context, side, report_id, (message.text or "").strip())
    return True
