"""Every text the bot sends, as Telegram HTML, in one place.

Why one module: the wording is what staff judge the bot by, and the two
rules that must never break live here — policy text is quoted word for word
(only HTML-escaped, never reworded) and no message exceeds Telegram's 4096
characters. Free of Telegram types so it can be tested on its own.
"""

from __future__ import annotations

from html import escape
from typing import Protocol

MAX_MESSAGE_CHARS = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH
MAX_HEADING_CHARS = 200
ELLIPSIS = "…"

ERROR = "Something went wrong, please try again."
BUTTON_EXPIRED = "This button has expired."
FEEDBACK_THANKS = "Thanks, your feedback is noted."
EXAMPLE_QUESTIONS = (
    "Can I friend an ex-student on Facebook?",
    "Can I post photos of pupils on my own account?",
)


class Quotable(Protocol):
    """What a quoted passage needs (knowledge.chunking.Passage has it)."""

    document: str
    section: str
    text: str


def esc(text: str) -> str:
    """HTML-escape for Telegram: &, < and > (quotes are fine in text)."""
    return escape(text, quote=False)


def escape_within(text: str, budget: int) -> str:
    """`text` escaped, cut at a character boundary (never inside an entity) to fit `budget`."""
    escaped = esc(text)
    if len(escaped) <= budget:
        return escaped
    out: list[str] = []
    used = len(ELLIPSIS)
    for ch in text:
        piece = esc(ch)
        if used + len(piece) > budget:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) + ELLIPSIS


def _short(text: str, limit: int = MAX_HEADING_CHARS) -> str:
    return escape_within(text, limit)


def fit(head: str, body: str, tail: str = "") -> str:
    """head + escaped body + tail within the message limit; only the body is shortened."""
    budget = MAX_MESSAGE_CHARS - len(head) - len(tail)
    return head + escape_within(body, max(budget, 0)) + tail


def format_passage(
    passage: Quotable, note: str | None = None, position: tuple[int, int] | None = None
) -> str:
    """Section heading in bold, the passage verbatim in a quote, the document's name.

    `position` (n, total) says which of the found passages this is, for "More".
    """
    head = f"<b>{_short(passage.section)}</b>\n\n<blockquote>"
    tail = f"</blockquote>\n\n<i>{_short(passage.document)}</i>"
    if position is not None:
        tail += f" · passage {position[0]} of {position[1]}"
    if note:
        tail += f"\n\n<i>{_short(note, 500)}</i>"
    return fit(head, passage.text, tail)


def not_covered(note: str | None = None) -> str:
    text = (
        "The school's policies do not cover this question, so I cannot answer it.\n\n"
        "You can send it to the Head Teacher with the button below."
    )
    if note:
        text += f"\n\n<i>{_short(note, 500)}</i>"
    return text


def long_question_note(max_chars: int) -> str:
    return f"Your message was long, so I answered from its first {max_chars:,} characters."


def refusal(school: str) -> str:
    """The one message for anyone not enrolled: no policy text, no detail."""
    return (
        f"StaffGuide is for the staff of {esc(school)} only. To get access, ask the Head Teacher "
        "for an invite code and send it here as /start CODE."
    )


ROLE_TITLES = {
    "head_teacher": "the Head Teacher",
    "deputy": "the Deputy Head",
    "dsl": "the Designated Safeguarding Lead",
    "chair_of_governors": "the Chair of Governors",
    "policy_admins": "policy admins",
    "staff": "staff",
}


def role_refusal(roles: tuple[str, ...]) -> str:
    titles = [ROLE_TITLES.get(r, r.replace("_", " ")) for r in roles]
    who = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " or " + titles[-1]
    return f"This command is for {who}."


def rate_limited(per_minute: int) -> str:
    return f"You have asked {per_minute} questions in the last minute. Please wait a moment and try again."


def welcome(school: str, first_name: str) -> str:
    examples = "\n".join(f"• <i>{esc(q)}</i>" for q in EXAMPLE_QUESTIONS)
    return (
        f"Hello {esc(first_name)}! I answer questions from {esc(school)}'s policies, quoting "
        "the policy word for word.\n\nJust type a question, for example:\n"
        f"{examples}\n\n/topics lists the policy's sections, /help explains more."
    )


def help_text(retention_days: int) -> str:
    return (
        "<b>How to use StaffGuide</b>\n\n"
        "Type a question in your own words. I reply with the passage of the policy that answers "
        "it, quoted word for word, and the document it comes from.\n"
        "• <b>More</b> shows the next relevant passage.\n"
        "• 👍 / 👎 tell us whether the answer helped.\n"
        "• If the policies do not cover your question, <b>Ask the Head Teacher</b> sends it on.\n\n"
        "/topics – browse the policy's sections\n"
        "/privacy – what is stored and for how long\n"
        f"Questions are kept for {retention_days} days."
    )


def privacy_text(retention_days: int) -> str:
    return (
        "<b>What StaffGuide stores</b>\n\n"
        "• Your Telegram user id and name, when you are enrolled.\n"
        "• Each question you ask, whether the policy answered it, which passages were shown, "
        "your 👍/👎 feedback and whether you sent it to the Head Teacher. "
        f"Questions are deleted after {retention_days} days; unanswered ones help the "
        "Head Teacher see what the policies miss.\n"
        "• Misuse reports are kept as the school's record and are never deleted by the bot. "
        "A report you are still filing is kept as a draft until you send or cancel it. "
        "Screenshots are kept as Telegram file references; indecent images of children are "
        "never accepted, stored or forwarded.\n"
        "• A question the Head Teacher uses to correct the bot, or records as a gap in the "
        "policies, keeps its words (not your name) after the question itself is deleted.\n"
        "• About people who are not staff: only a daily count of refused messages.\n\n"
        "Nothing is shared outside the school."
    )


def escalation_for_head(question: str, asker: str, asker_id: int) -> str:
    head = (
        f"<b>A question the policies do not cover</b>\nFrom {_short(asker, 100)} (id {asker_id}):\n\n"
        "<blockquote>"
    )
    tail = "</blockquote>\n\nPlease reply to them directly."
    return fit(head, question, tail)


ESCALATED = "Your question has been sent to the Head Teacher."
ALREADY_ESCALATED = "This question was already sent to the Head Teacher."
ESCALATION_FAILED = "I could not reach the Head Teacher just now. Please speak to them directly."


def topics_text(count: int) -> str:
    return f"The policy has {count} sections. Tap one to read its first passage."


def invite_text(code: str, expires_at: str, link: str | None, days: int) -> str:
    text = (
        f"Invite code: <code>{esc(code)}</code>\n"
        f"It works once and expires in {days} day{'s' if days != 1 else ''} ({esc(expires_at[:16])} UTC).\n\n"
        f"The new member of staff sends <code>/start {esc(code)}</code> to this bot"
    )
    if link:
        text += f", or opens this link:\n{esc(link)}"
    return text + "."


INVITE_MESSAGES = {
    "enrolled": "Welcome to StaffGuide — you are enrolled.",
    "already enrolled": "You are already enrolled; the invite code was not used.",
    "unknown": "That invite code is not valid. Please check it, or ask the Head Teacher for a new one.",
    "expired": "That invite code has expired. Please ask the Head Teacher for a new one.",
    "used": "That invite code has already been used. Please ask the Head Teacher for a new one.",
}

REVOKE_USAGE = "Usage: /revoke USER_ID (the member's Telegram user id, a number)."
REVOKE_MESSAGES = {
    "revoked": "Access revoked for user {user_id}.",
    "not enrolled": "User {user_id} is not enrolled.",
    "config role": "User {user_id} has a role in the config file; remove them there.",
}


def button_label(text: str, limit: int) -> str:
    """Button text is plain (no HTML); long headings are cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
