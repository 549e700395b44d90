"""The reports domain's notices as Telegram HTML (bot.reports.notices.Notices).

Passed down to each domain call that writes outbox rows, so what a reviewer or reporter is
told is worded here and stored with the row once; the domain only says what happened.
"""

from __future__ import annotations

from ..reports.notices import ESCALATED, Notice
from ..reports.records import Report, reference
from . import exchange, reports, review
from .callbacks import AskReporter, ReplyToReviewer
from .report_record import overdue_buttons, render_escalation, render_overdue, review_buttons


def question_of(report: Report) -> str | None:
    """The words of an escalated question ("Ask the Head Teacher"): its asker reads of it by its
    words, as it is no report to them."""
    return report.description if report.category == "question" else None


class TelegramNotices:
    """Notices as Telegram HTML with inline buttons; stateless, so one instance serves all."""

    def alert(self, report: Report) -> Notice:
        return Notice(render_escalation(report), review_buttons(report))

    def overdue(self, step: str, minutes: float, listed: list[Report]) -> Notice:
        """One report: its full alert with its buttons. Several: a list with a row of buttons each."""
        heading = review.escalated_heading(minutes) if step == ESCALATED else review.reminder_heading(minutes)
        if len(listed) == 1:
            alert = self.alert(listed[0])
            return Notice(f"{heading}\n\n{alert.text}", alert.buttons)
        return Notice(f"{heading}\n\n{render_overdue(listed)}", overdue_buttons(listed))

    def acknowledged(self, report: Report, role: str) -> Notice:
        return Notice(reports.acknowledged_notice(report.reference, role, question_of(report)))

    def resolved(self, report: Report, role: str, outcome: str) -> Notice:
        return Notice(reports.resolved_notice(report.reference, role, outcome, question_of(report)))

    def to_reporter(self, report: Report, role: str, text: str) -> Notice:
        words = exchange.to_reporter(report.reference, role, text, question_of(report))
        return Notice(words, [[(exchange.REPLY, ReplyToReviewer(report.id, report.tag).data)]])

    def from_reporter(self, report: Report, reporter_name: str, text: str) -> Notice:
        words = exchange.from_reporter(report.reference, reporter_name, text, question_of(report))
        return Notice(words, [[(exchange.REPLY, AskReporter(report.id, report.tag).data)]])

    def held(self, reporter_name: str, report_ids: list[int]) -> Notice:
        return Notice(reports.held_summary(reporter_name, [reference(i) for i in report_ids]))

    def urgent_delivered(self, report_id: int, count: int) -> Notice:
        return Notice(reports.urgent_delivered(reference(report_id), count))

    def rerouted(
        self, report: Report, lost_role: str, cover_role: str | None, outside_contact: str
    ) -> Notice:
        return Notice(reports.rerouted(report.reference, lost_role, cover_role, outside_contact))


NOTICES = TelegramNotices()
