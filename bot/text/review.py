"""The reviewers' side of a report: acknowledge, add a note, resolve, the reminders for
reports nobody acknowledged, /show's evidence and /export's captions."""

from __future__ import annotations

from .common import confirming, counted, minutes_text
from .telegram import esc

REVIEW_CANCELLED = "Cancelled. The report is unchanged."


def review_put_aside(ref: str, minutes: float) -> str:
    return (
        f"⏸ Your note or resolution for {ref} was put aside after {minutes_text(minutes)} without an "
        "answer; nothing was stored. Tap the button under the report again when you are ready."
    )


def confirm_note(ref: str, text: str) -> str:
    return confirming(f"Add this as a note to {ref}?", text)


SHOW_USAGE = "Usage: /show R-0042 (a report's reference)."

NOTE_NEEDED = "Please type the note (or /cancel)."

REASON_NEEDED = "Please type your reasoning (or /cancel)."

OUTCOME_NEEDED = "Type the outcome."


def reminder_heading(minutes: float) -> str:
    return f"⏰ <b>Reminder</b>: not acknowledged after {minutes_text(minutes)}."


ESCALATED_TO_YOU = "Escalated to you"


def escalated_heading(minutes: float) -> str:
    return f"⏫ <b>{ESCALATED_TO_YOU}</b>: not acknowledged after {minutes_text(minutes)}."


def alert_resolved(ref: str) -> str:
    """Added to a report's alerts once it is resolved (their buttons go)."""
    return f"☑️ <b>{ref} is resolved.</b> /show {ref} has its history."


def already_resolved(ref: str) -> str:
    return f"{ref} is already resolved."


def already_acknowledged(ref: str, name: str | None, when: str) -> str:
    return f"{ref} was already acknowledged by {name} at {when}."


def acknowledged(ref: str) -> str:
    return f"{ref} acknowledged."


def acknowledged_reply(ref: str) -> str:
    return f"✅ {ref} acknowledged. The reporter is being told."


def ask_note(ref: str) -> str:
    return f"Type your note for {ref} (or /cancel)."


def ask_outcome(ref: str) -> str:
    return f"Resolve {ref}: what is the outcome? (/cancel to stop)"


def outcome_chosen(label: str) -> str:
    return f"Outcome: {label}"


ASK_EXTERNAL_REFERENCE = (
    "Type its reference in that system (the CPOMS or MyConcern incident number), so the two "
    "records can be matched. (/cancel to stop)"
)

MAX_EXTERNAL_REFERENCE = 100


def ask_reason(outcome: str) -> str:
    return (
        f"Why? Type your reasoning for “{esc(outcome)}” (required, also for no further action). "
        "It stays in the record; the reporter is told the outcome only."
    )


def confirm_resolution(ref: str, outcome: str, reasoning: str) -> str:
    """Resolving is final and tells the reporter: the reasoning is shown back before it counts, so
    a message meant as something else (a question typed much later) never closes a report."""
    return confirming(f"Resolve {ref} as “{esc(outcome)}” with this reasoning?", reasoning)


RESOLVE = "Yes, resolve it"
RETYPE_REASON = "No, retype it"
REASON_AGAIN = "Type your reasoning again (or /cancel to leave the report open)."
NOT_RESOLVED_CHOICE = "Not resolved yet"
RESOLVED_CHOICE = "Resolved"


def note_added(ref: str) -> str:
    return f"📝 Note added to {ref}."


def resolved_already(ref: str) -> str:
    return f"{ref} was already resolved; nothing changed."


def resolved_reply(ref: str) -> str:
    return f"☑️ {ref} resolved. The reporter is being told the outcome (not your reasoning)."


def evidence_caption(ref: str, n: int, total: int, when: str) -> str:
    return f"{ref} evidence {n}/{total}, sent {when}"


def evidence_not_sent(caption: str, error: object) -> str:
    return f"{esc(caption)}: Telegram could not send this file ({esc(str(error))})."


def export_incidents_caption(count: int) -> str:
    return (
        f"{counted(count, 'report')}, one row each, in the columns of a safeguarding system's incident form "
        "(CPOMS, MyConcern): copy rows across. Keep this file secure."
    )


def export_caption(count: int) -> str:
    return f"{counted(count, 'report')} with their full history, one row per event. Keep this file secure."


def export_reads_caption(count: int) -> str:
    confirmations = counted(count, "confirmation")
    return f"{confirmations} that a member of staff read a changed policy: who, which version, when."


# "Add this as a note?"
ADD_NOTE = "Yes, add the note"
DO_NOT_ADD = "No"
# what replaces the tapped "Add this as a note?"
NOTE_ADDED_CHOICE = "Note added"
NOT_ADDED_CHOICE = "Not added"

QUEUE_TITLE = "Open reports, oldest first"  # /queue's title
