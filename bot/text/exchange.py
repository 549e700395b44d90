"""Messages between a report's reviewers and its reporter, as each side reads them, and the
prompts and confirmations around them. The reporter reads reviewers by role, never by name."""

from __future__ import annotations

from .common import ROLE_TITLES, confirming, minutes_text, quoted
from .telegram import button_label, esc

REPLY = "Reply"  # the button under a message about a report, for its answer


def to_reporter(ref: str, role: str, text: str, question: str | None = None) -> str:
    """A reviewer's message as the reporter reads it: by role, never by name or id."""
    who = ROLE_TITLES[role]
    if question is not None:
        head = f"💬 {who[0].upper()}{who[1:]} answers your question “{esc(button_label(question, 80))}”:"
    else:
        head = f"💬 {who[0].upper()}{who[1:]} asks about your report <b>{ref}</b>:"
    return f"{head}\n{quoted(text)}\nTap <b>{REPLY}</b> to answer (or use Telegram's Reply on this message)."


def from_reporter(ref: str, reporter: str, text: str, question: str | None = None) -> str:
    what = f"their question (<b>{ref}</b>)" if question is not None else f"report <b>{ref}</b>"
    return f"💬 <b>{esc(reporter[:100])}</b> replies about {what}:\n{quoted(text)}"


def ask_reporter_prompt(ref: str, question: bool) -> str:
    if question:
        return (
            f"Type your answer to the question {ref} (or /cancel). The asker sees your role, not your name."
        )
    return (
        f"Type your question for the person who filed {ref} (or /cancel). "
        "They see your role, not your name; their reply comes back here."
    )


def reply_prompt(ref: str) -> str:
    return f"Type your reply about {ref} (or /cancel)."


def confirm_to_reporter(ref: str, text: str) -> str:
    return confirming(f"Send this to the person who filed {ref}? It is kept in the report's history.", text)


def confirm_reply(ref: str, text: str) -> str:
    return confirming(f"Send this reply about {ref}? It is kept in the report's history.", text)


def to_reporter_queued(ref: str) -> str:
    return f"💬 Stored in {ref}'s history and queued for the person who filed it."


def reply_queued(ref: str, count: int) -> str:
    whom = "the reviewer who wrote to you" if count == 1 else f"the {count} reviewers who wrote to you"
    return f"💬 Your reply is stored with {ref} and queued for {whom}."


MESSAGE_NEEDED = "Please type the message (or /cancel)."

NOT_SENT = "Not sent. Nothing was stored."

REPLY_NOT_POSSIBLE = (
    "This reply cannot be sent: nobody who may still review the report has written to you about it. "
    "Nothing was stored."
)


def exchange_put_aside(ref: str, minutes: float) -> str:
    return (
        f"⏸ Your message about {ref} was put aside after {minutes_text(minutes)} without being sent; "
        "nothing was stored or sent. Tap Reply again when you are ready."
    )


# "Send this?"
SEND = "Send"
DO_NOT_SEND = "Don't send"
# what replaces those buttons once tapped
SENT_CHOICE = "Sent"
NOT_SENT_CHOICE = "Not sent"
