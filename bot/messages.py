"""Every text the bot sends, as Telegram HTML, and the rules for fitting it into a message.

Why one module: the wording is what staff judge the bot by, and the two
rules that must never break live here — policy text is quoted word for word
(only HTML-escaped, never reworded) and no message exceeds Telegram's 4096
characters, counted as Telegram counts them (UTF-16 code units, tags
included). Role titles, escaping and fitting live here once; a report's own
record is laid out by bot.reports.render with these helpers. Free of
Telegram types so it can be tested on its own.

Longer than 400 lines on purpose: every user-facing text is here, so the
wording can be reviewed (and changed) in one file.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Protocol

from .clock import shown

if TYPE_CHECKING:
    from embeddings.search import Hit

    from .access import Member
    from .knowledge_admin import Change, PolicyInfo
    from .knowledge_review import ReviewItem

MAX_MESSAGE_CHARS = 4096  # telegram.constants.MessageLimit.MAX_TEXT_LENGTH, in UTF-16 units
MESSAGE_LIMIT = MAX_MESSAGE_CHARS
MAX_HEADING_CHARS = 200
ELLIPSIS = "…"

ERROR = "Something went wrong, please try again."
STORAGE_FAILED = (
    "I could not store that just now: the server's storage is failing. Please try again in a few "
    "minutes (a report you were filing is kept: tap Send again). If it is urgent, speak to the "
    "DSL or the Head Teacher in person."
)
BUTTON_EXPIRED = "This button has expired."
FEEDBACK_THANKS = "Thanks, your feedback is noted."
EXAMPLE_QUESTIONS = (
    "Can I friend an ex-student on Facebook?",
    "Can I post photos of pupils on my own account?",
)


class Quotable(Protocol):
    """What a quoted passage needs (knowledge.chunking.Passage, a frozen dataclass, has it)."""

    @property
    def document(self) -> str: ...

    @property
    def section(self) -> str: ...

    @property
    def text(self) -> str: ...


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji outside the BMP counts 2."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """HTML-escape for Telegram: &, < and > (quotes are fine in text)."""
    return escape(text, quote=False)


def escape_within(text: str, budget: int) -> str:
    """`text` escaped, cut at a character boundary (never inside an entity) to fit `budget`."""
    escaped = esc(text)
    if tg_len(escaped) <= budget:
        return escaped
    out: list[str] = []
    used = tg_len(ELLIPSIS)
    for ch in text:
        piece = esc(ch)
        if used + tg_len(piece) > budget:
            break
        out.append(piece)
        used += tg_len(piece)
    return "".join(out) + ELLIPSIS


def fit_escaped(raw: str, budget: int, suffix: str = "") -> str:
    """html.escape(raw), cut so that it and `suffix` (already HTML) fit in `budget` UTF-16 units."""
    escaped = html.escape(raw)
    if tg_len(escaped) <= budget:
        return escaped
    room = max(budget - tg_len(suffix), 0)
    lo, hi = 0, len(raw)
    while lo < hi:  # the longest prefix whose escaped form fits
        mid = (lo + hi + 1) // 2
        if tg_len(html.escape(raw[:mid])) <= room:
            lo = mid
        else:
            hi = mid - 1
    return html.escape(raw[:lo]) + suffix


def split_escaped(raw: str, size: int) -> list[str]:
    """Escaped pieces of `raw`, each at most `size` UTF-16 units, never cutting an entity."""
    pieces: list[str] = []
    rest = raw
    while rest:
        piece = fit_escaped(rest, size)
        cut = len(html.unescape(piece)) or 1
        pieces.append(piece if piece else html.escape(rest[:1]))
        rest = rest[cut:]
    return pieces or [""]


def pack(blocks: list[str], limit: int = MESSAGE_LIMIT, separator: str = "\n") -> list[str]:
    """Join complete HTML blocks into as few messages as fit in `limit` UTF-16 units."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        joined = f"{current}{separator}{block}" if current else block
        if tg_len(joined) <= limit:
            current = joined
        else:
            if current:
                messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def join_within(lines: list[str], limit: int = MAX_MESSAGE_CHARS - 50) -> str:
    """Whole lines up to `limit` UTF-16 units, then "…" (cutting a line could cut an HTML tag)."""
    out: list[str] = []
    used = 0
    for line in lines:
        if used + tg_len(line) + 1 > limit:
            out.append(ELLIPSIS)
            break
        out.append(line)
        used += tg_len(line) + 1
    return "\n".join(out)


def _short(text: str, limit: int = MAX_HEADING_CHARS) -> str:
    return escape_within(text, limit)


def fit(head: str, body: str, tail: str = "") -> str:
    """head + escaped body + tail within the message limit; only the body is shortened."""
    budget = MAX_MESSAGE_CHARS - tg_len(head) - tg_len(tail)
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
    linked = with_links(passage.text, getattr(passage, "links", ()))
    if linked is not None and tg_len(head + linked + tail) <= MAX_MESSAGE_CHARS:
        return head + linked + tail
    return fit(head, passage.text, tail)  # too long to keep the links whole: plain words, cut


LINK_SCHEMES = ("http://", "https://", "mailto:")


def with_links(text: str, links: Sequence[tuple[str, str]]) -> str | None:
    """The passage escaped, each link's words made a Telegram link to its address.

    Links are found left to right in the policy's own words (each after the
    last), so the text stays word for word; None when there is no link to make.
    """
    parts: list[str] = []
    start = 0
    for words, url in links:
        if not words or not url.startswith(LINK_SCHEMES):
            continue
        at = text.find(words, start)
        if at < 0:
            continue
        parts.append(esc(text[start:at]))
        parts.append(f'<a href="{escape(url, quote=True)}">{esc(words)}</a>')
        start = at + len(words)
    if not parts:
        return None
    return "".join(parts) + esc(text[start:])


def choose_passage(passages: Sequence[Quotable]) -> str:
    """ "Did you mean": the close candidates, each its heading and first words, to pick from."""
    lines = ["<b>Which of these answers your question?</b>", ""]
    for n, passage in enumerate(passages, start=1):
        words = passage.text.split()
        snippet = " ".join(words[:30]) + (" …" if len(words) > 30 else "")
        lines.append(f"{n}. <b>{_short(passage.section)}</b> — {esc(snippet)}")
    lines += ["", "Tap the one that answers you, or “None of these”."]
    return join_within(lines)


def choice_label(n: int, section: str) -> str:
    return button_label(f"{n}. {section}", 60)


NONE_OF_THESE = "None of these"
NONE_OF_THESE_THANKS = (
    "Thanks. Your question goes to the policy reviewers, so that the policies can answer it better. "
    "If it is urgent, ask the Head Teacher."
)
CHOICE_THANKS = "Thanks, that teaches the search."


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


def refusal(school: str, user_id: int | None = None) -> str:
    """The one message for anyone not enrolled: no policy text, no detail; their own Telegram id,
    so the Head Teacher can add them to [people] without asking a bot for it."""
    text = (
        f"StaffGuide is for the staff of {esc(school)} only. To get access, ask the Head Teacher "
        "for an invite code and send it here as /start CODE."
    )
    if user_id is not None:
        text += f"\n\nYour Telegram id is <code>{user_id}</code> (the Head Teacher may ask for it)."
    return text


# The one list of role titles (reports say "acknowledged by the Deputy Head", refusals
# "This command is for the Head Teacher").
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


def write_limited(what: str, per_minute: int) -> str:
    return (
        f"You have made {per_minute} {what} in the last minute. Nothing was stored; please try again "
        "in a minute."
    )


def rate_limited(per_minute: int) -> str:
    return f"You have asked {per_minute} questions in the last minute. Please wait a moment and try again."


def welcome(school: str, first_name: str) -> str:
    examples = "\n".join(f"• <i>{esc(q)}</i>" for q in EXAMPLE_QUESTIONS)
    return (
        f"Hello {esc(first_name)}! I answer questions from {esc(school)}'s policies, quoting "
        "the policy word for word.\n\nJust type a question, for example:\n"
        f"{examples}\n\n/topics lists the policy's sections, /help explains more."
    )


def help_text(retention_days: int, commands: list[tuple[str, str]] | None = None) -> str:
    """With `commands` (the person's own menu), the list matches the menu Telegram shows them."""
    if commands is not None:
        listed = "\n".join(f"/{esc(c)} – {esc(d)}" for c, d in commands)
        return (
            "<b>How to use StaffGuide</b>\n\n"
            "Type a question in your own words. I reply with the passage of the policy that answers "
            "it, quoted word for word, and the document it comes from.\n"
            "• <b>More</b> shows the next relevant passage.\n"
            "• 👍 / 👎 tell us whether the answer helped.\n"
            "• If the policies do not cover your question, <b>Ask the Head Teacher</b> sends it on.\n"
            "• /report files a report of social-media misuse; /myreports shows where yours stand. "
            "When a reviewer writes to you about one, tap <b>Reply</b> to answer.\n\n"
            f"{listed}\n\n"
            f"Questions are kept for {retention_days} days."
        )
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


def years_text(years: int) -> str:
    return f"{years} year{'s' if years != 1 else ''}"


def report_retention_text(years: int | None) -> str:
    """How long misuse reports are kept (`[storage] report_retention`), as /privacy and /status say it."""
    if years is None:
        return "kept as the school's record until the school deletes them"
    return f"deleted {years_text(years)} after they are resolved; open reports are never deleted"


def privacy_text(
    retention_days: int, backup_days: int | None = None, *, report_years: int | None = None
) -> str:
    """What is kept and for how long, with the configured numbers: short enough for a phone."""
    backups = (
        f"• <b>Backups</b>: the database is backed up every night on the school's server and each "
        f"backup is deleted after {backup_days} days, so anything deleted stays in a backup that long.\n"
        if backup_days is not None
        else ""
    )
    return (
        "<b>What StaffGuide keeps, and for how long</b>\n\n"
        "• <b>You</b>: your Telegram user id and name, from when you are enrolled. If your access "
        "is removed, they are kept, marked as removed, so that the removal holds.\n"
        f"• <b>Questions</b> are deleted after {retention_days} days. Until then: what you asked, "
        "whether the policy answered it, the passages shown, your 👍/👎 and whether you sent it to "
        "the Head Teacher. A question the Head Teacher uses to correct the bot, or records as a gap "
        "in the policies, keeps its words (not your name).\n"
        f"• <b>Misuse reports</b> are {report_retention_text(report_years)}. A report holds who "
        "sent it and when; what it is about, who is involved, where and when it happened, and the "
        "description; screenshots as Telegram file references, never the image files (indecent "
        "images of children are never accepted); who acknowledged and resolved it, the outcome and "
        "their notes; and the messages about it between the reviewers and the person who reported it.\n"
        "• <b>Drafts</b>: a report you are still filing is kept until you send or cancel it.\n"
        f"{backups}"
        "• <b>People who are not staff</b>: only a daily count of refused messages.\n\n"
        "Nothing is shared outside the school."
    )


def escalation_for_head(question: str, asker: str, asker_id: int) -> str:
    head = (
        f"<b>A question the policies do not cover</b>\nFrom {_short(asker, 100)} (id {asker_id}):\n\n"
        "<blockquote>"
    )
    tail = "</blockquote>\n\nPlease reply to them directly."
    return fit(head, question, tail)


ESCALATED = "Your question is stored and queued for the Head Teacher; you will hear back here."
ESCALATION_SENT = "Your question has been sent to the Head Teacher."
ALREADY_ESCALATED = "This question was already sent to the Head Teacher."
ESCALATION_FAILED = "I could not reach the Head Teacher just now. Please speak to them directly."


def topics_text(count: int) -> str:
    return f"The policy has {count} sections. Tap one to read its first passage."


def invite_text(code: str, expires_at: str, link: str | None, days: int) -> str:
    text = (
        f"Invite code: <code>{esc(code)}</code>\n"
        f"It works once and expires in {days} day{'s' if days != 1 else ''} ({esc(shown(expires_at))}).\n\n"
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


# -- reports ------------------------------------------------------------------------------------

# The policy's own steps ("Senior Leadership responsibility..."), shown to the reporter and
# repeated in the urgent alert.
INDECENT_IMAGE_STEPS = (
    "It is an offence to save, send or alter an indecent image of a child, or to show it to anyone "
    "else (including this bot and colleagues).\n"
    "1. Do not save, send, forward, screenshot, alter or show the image.\n"
    "2. Secure the device it is on where others cannot see it, e.g. a locked cupboard.\n"
    "3. The Police are contacted immediately for advice, by the DSL and the Head Teacher with you: "
    "they are alerted as soon as this report is sent."
)

REPORT_STEP_WHAT = "<b>New report</b> (/cancel at any time)\n1/5 What is it about?"
REPORT_STEP_WHO = "2/5 Who is involved?"
REPORT_STEP_WHERE = "3/5 Where did it happen?"
REPORT_STEP_WHERE_TEXT = "Type the platform or place."
REPORT_STEP_WHEN = "4/5 When did it happen?"
REPORT_STEP_WHEN_TEXT = (
    "Type the day it happened, e.g. <i>yesterday</i>, <i>last Tuesday</i> or <i>17/11</i>. "
    "If you are not sure, say so in your own words."
)
REPORT_STEP_DESCRIBE = (
    "5/5 What happened? Tell it in your own words: what you saw, and who. You can add screenshots after this."
)


def not_a_day(reason: str) -> str:
    return f"{html.escape(reason)[:200]}. Please type the day it happened again (or /cancel)."


TAP_A_BUTTON = "Please tap one of the buttons above, or /cancel to stop."
REPORT_CANCELLED = "Report cancelled. Nothing was stored or sent."
REVIEW_CANCELLED = "Cancelled. The report is unchanged."
MEDIA_TOO_EARLY = (
    "I have not kept that file: first choose what the report is about.\n"
    "If it may be an indecent image of a child, do not send it to anyone (not even here): choose "
    "<b>Indecent image of a child</b>."
)
MEDIA_REFUSED = (
    "⛔ <b>I have not stored or forwarded that file</b>, and have tried to delete it from this chat.\n"
    + html.escape(INDECENT_IMAGE_STEPS)
    + "\nDescribe what you saw in words instead."
)
INDECENT_IMAGE_WARNING = (
    "⚠️ <b>Indecent image of a child: what to do now</b>\n"
    + html.escape(INDECENT_IMAGE_STEPS)
    + "\n<b>Do not send the image here.</b> Answer the next questions in words."
)
REPORT_NOT_FOUND = "No report {ref} that you can see."
REPORT_RESUMED = (
    "You have a report put aside earlier; carry on with it below (or /cancel to drop it, then /report)."
)
NOT_ADDED = "Not added; nothing was stored. To ask a question, finish or /cancel this first."


def urgent_delivered(ref: str, count: int) -> str:
    """Told to the reporter once Telegram has accepted every urgent alert of their report."""
    people = "the person" if count == 1 else f"all {count} people"
    return f"🚨 The urgent alert for <b>{ref}</b> has been delivered to {people} it goes to."


def held_summary(reporter: str, refs: list[str]) -> str:
    """One message for a burst of reports from one person (their alerts were held)."""
    listed = ", ".join(refs[:10]) + (f" and {len(refs) - 10} more" if len(refs) > 10 else "")
    noun = "report" if len(refs) == 1 else "reports"
    return (
        f"📥 <b>{len(refs)} more {noun} from {esc(reporter)}</b> in a short time ({listed}). They are "
        "stored; one message instead of one each. /queue lists them, /show R-0000 opens one."
    )


def report_put_aside(minutes: float) -> str:
    return (
        f"⏸ Your report was put aside after {minutes_text(minutes)} without an answer. Nothing was "
        "sent. /report picks it up where you left it."
    )


def review_put_aside(ref: str, minutes: float) -> str:
    return (
        f"⏸ Your note or resolution for {ref} was put aside after {minutes_text(minutes)} without an "
        "answer; nothing was stored. Tap the button under the report again when you are ready."
    )


def _quoted(text: str) -> str:
    """A person's own words, quoted back (notes, additions, messages about a report)."""
    return f"<blockquote>{fit_escaped(text, 3000, CUT_NOTE)}</blockquote>"


def confirm_note(ref: str, text: str) -> str:
    return f"Add this as a note to {ref}?\n\n{_quoted(text)}"


def confirm_addition(text: str) -> str:
    return f"Add this to your report's description?\n\n{_quoted(text)}"


SHOW_USAGE = "Usage: /show R-0042 (a report's reference)."
MEDIA_UNREADABLE = "I could not read that file; it was not kept."
NOTE_NEEDED = "Please type the note (or /cancel)."
REASON_NEEDED = "Please type your reasoning (or /cancel)."
OUTCOME_NEEDED = "Type the outcome."
CUT_NOTE = "… <i>(cut here; /export has it in full)</i>"


def chosen(label: str) -> str:
    """What replaces a tapped keyboard, so old buttons cannot be tapped again."""
    return f"✔ {html.escape(label)}"


def report_summary(
    what: str, who: str, where: str, description: str, indecent_image: bool, files: int, happened: str = ""
) -> str:
    """The reporter's check before Send; the description is cut here only (all of it is sent)."""
    lines = [
        "<b>Check your report</b>",
        f"What: {html.escape(what)}",
        f"Who: {html.escape(who)}",
        f"Where: {html.escape(where)}",
    ]
    if happened:
        lines.append(f"When it happened: {html.escape(happened)}")
    suffix = f"… <i>({len(description):,} characters; all of it will be sent)</i>"
    lines.append("What happened: " + fit_escaped(description, 1500, suffix))
    if indecent_image:
        lines.append("No files are accepted for this report.")
    else:
        lines.append(f"Screenshots kept: {files}. You can send screenshots now (optional).")
    lines.append("Type more to add to the description, or tap <b>Send report</b>.")
    return "\n".join(lines)


def evidence_limit(most: int) -> str:
    return f"I keep at most {most} files per report; this one was not kept."


def evidence_kept(count: int) -> str:
    return f"📎 Kept {count} file(s) as evidence. Send more, or carry on."


def report_receipt(
    ref: str, roles: list[str], urgent: bool, about_head: bool = False, held: bool = False
) -> str:
    """Said once the report is stored and its alerts are queued (not yet sent)."""
    who = _titles(roles)
    text = f"✅ Report <b>{ref}</b> stored. Its alert to {who} is queued for sending."
    if held:  # over the person's limit: one summary for the burst instead of one alert each
        text = f"✅ Report <b>{ref}</b> stored. It goes to {who} in one message with your other reports."
    if about_head:
        text += (
            "\nIt names the Head, so it goes to the Chair of Governors instead, as the school's "
            "policy says; the Head does not see it."
        )
    if urgent:
        text += " It is marked <b>urgent</b>."
    return text + "\nYou will be told when it is acknowledged and resolved. /myreports lists your reports."


def _titles(roles: list[str]) -> str:
    titles = sorted({ROLE_TITLES.get(role, role) for role in roles})
    if not titles:
        return "the Head Teacher"
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def question_queued(roles: list[str], about_head: bool) -> str:
    """ "Ask the Head Teacher": the question is stored and queued for whom (not yet sent)."""
    text = f"Your question is stored and queued for {_titles(roles)}; you will hear back here."
    if about_head:
        text += " It names the Head, so it goes to the Chair of Governors instead; the Head does not see it."
    return text


def _what(ref: str, question: str | None) -> str:
    """How the person who filed it hears of it: a report by its reference, a question by its words."""
    if question is None:
        return f"Your report <b>{ref}</b>"
    return f"Your question “{esc(button_label(question, 80))}”"


def acknowledged_notice(ref: str, role: str, question: str | None = None) -> str:
    return f"✅ {_what(ref, question)} has been acknowledged by {ROLE_TITLES[role]}."


def resolved_notice(ref: str, role: str, outcome: str, question: str | None = None) -> str:
    done = "answered" if question is not None else "resolved"
    return (
        f"☑️ {_what(ref, question)} has been {done} by {ROLE_TITLES[role]}.\nOutcome: {html.escape(outcome)}"
    )


def minutes_text(value: float) -> str:
    if value >= 1:
        return f"{value:g} minute{'s' if value != 1 else ''}"
    return f"{value * 60:g} seconds"


def reminder_heading(minutes: float) -> str:
    return f"⏰ <b>Reminder</b>: not acknowledged after {minutes_text(minutes)}."


def escalated_heading(minutes: float) -> str:
    return f"⏫ <b>Escalated to you</b>: not acknowledged after {minutes_text(minutes)}."


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


def note_added(ref: str) -> str:
    return f"📝 Note added to {ref}."


def resolved_already(ref: str) -> str:
    return f"{ref} was already resolved; nothing changed."


def resolved_reply(ref: str) -> str:
    return f"☑️ {ref} resolved. The reporter is being told the outcome (not your reasoning)."


# -- messages between reviewers and the reporter (bot.reports.exchange) -------------------------


def to_reporter(ref: str, role: str, text: str, question: str | None = None) -> str:
    """A reviewer's message as the reporter reads it: by role, never by name or id."""
    who = ROLE_TITLES[role]
    if question is not None:
        head = f"💬 {who[0].upper()}{who[1:]} answers your question “{esc(button_label(question, 80))}”:"
    else:
        head = f"💬 {who[0].upper()}{who[1:]} asks about your report <b>{ref}</b>:"
    return f"{head}\n{_quoted(text)}\nTap <b>Reply</b> to answer (or use Telegram's Reply on this message)."


def from_reporter(ref: str, reporter: str, text: str, question: str | None = None) -> str:
    what = f"their question (<b>{ref}</b>)" if question is not None else f"report <b>{ref}</b>"
    return f"💬 <b>{esc(reporter[:100])}</b> replies about {what}:\n{_quoted(text)}"


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
    return f"Send this to the person who filed {ref}? It is kept in the report's history.\n\n{_quoted(text)}"


def confirm_reply(ref: str, text: str) -> str:
    return f"Send this reply about {ref}? It is kept in the report's history.\n\n{_quoted(text)}"


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


def evidence_caption(ref: str, n: int, total: int, when: str) -> str:
    return f"{ref} evidence {n}/{total}, sent {when}"


def evidence_not_sent(caption: str, error: object) -> str:
    return f"{esc(caption)}: Telegram could not send this file ({esc(str(error))})."


def export_incidents_caption(count: int) -> str:
    return (
        f"{count} report(s), one row each, in the columns of a safeguarding system's incident form "
        "(CPOMS, MyConcern): copy rows across. Keep this file secure."
    )


def export_caption(count: int) -> str:
    return f"{count} report(s) with their full history, one row per event. Keep this file secure."


# -- keeping the knowledge right ----------------------------------------------------------------

SNIPPET_WORDS = 30
LISTED_CHANGES = 8
POLICY_FOLDER_EMPTY = "The policy folder is empty."
REREADING = "Re-reading the policy folder…"
NOTHING_TO_REVIEW = "Nothing to review: every declined or 👎 question is done."
REINDEX_WAITING = "A re-index is running; yours starts when it finishes."
GAP_RECORDED = "📝 Recorded as a policy gap (it will be in the weekly digest)."
SKIPPED = "Skipped."


def taught(section: str) -> str:
    return f"✅ Taught: questions like this now find “{esc(section)}”."


def to_review(count: int) -> str:
    return f"{count} question(s) to review."


def policies_text(infos: list[PolicyInfo], model: str | None = None) -> str:
    """The policy list; `model` says whether the search is adapted to them (embeddings.engine.describe)."""
    lines = ["<b>Policies</b>"]
    for info in infos:
        line = f"• {esc(info.title)} — <code>{esc(info.name)}</code>, {shown(info.modified)}"
        if info.versions:
            line += f", {info.versions} earlier version(s)"
        if info.problem:
            line += f"\n  ⚠️ {esc(info.problem)}"
        lines.append(line)
    if model:
        lines.append(f"\nSearch model: {esc(model)}")
    lines.append(
        "\nSend a .txt, .md, .pdf, .docx or .html file to add or replace a policy; /reload re-reads them."
    )
    return join_within(lines)


def reload_failed(why: str) -> str:
    return f"Re-index failed; the bot keeps the previous index.\n{esc(why)}"


def received(file_name: str) -> str:
    return f"Received {esc(file_name)}; checking and re-indexing…"


def upload_rejected(why: str) -> str:
    return f"Not stored: {esc(why)}\nThe policies in use are unchanged."


def reindex_failed(why: str) -> str:
    return f"Not stored: the re-index failed ({esc(why)}). The previous version is back in place."


def _snippet(text: str, words: int = SNIPPET_WORDS) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def change_text(change: Change) -> str:
    """What a re-index did, by stable passage id, as Telegram HTML within one message."""
    head = f"<b>Stored {esc(change.document)}</b>" if change.document else "<b>Policies re-read</b>"
    lines = [head]
    if change.archived:
        lines.append(f"The previous version is kept as .archive/{esc(change.archived)}.")
    if change.unchanged:
        lines.append("No passage changed.")
    else:
        lines.append(f"Passages added: {len(change.added)}, removed: {len(change.removed)}.")
    for mark, group in (("+", change.added), ("−", change.removed)):
        for p in group[:LISTED_CHANGES]:
            lines.append(f"{mark} <code>{p.id}</code> {esc(p.section)}: {esc(_snippet(p.text, 12))}")
        if len(group) > LISTED_CHANGES:
            lines.append(f"{mark} … and {len(group) - LISTED_CHANGES} more")
    lines.append(f"Now {change.passages} passages from {len(change.documents)} document(s).")
    for name, why in change.skipped:
        lines.append(f"⚠️ Skipped {esc(name)}: {esc(why)}")
    if change.examples_orphaned:
        lines.append(
            f"{change.examples_orphaned} taught example question(s) point at passages that are gone; "
            "they are ignored."
        )
    return join_within(lines)


def review_text(item: ReviewItem, hits: list[Hit]) -> str:
    head = (
        f"<b>Review</b> ({esc(item.reason)}, asked {esc(shown(item.asked_at)[:10])})\n\n"
        f"<b>Question:</b> {esc(item.text[:500])}\n\n"
        "Which passage answers it?\n"
    )
    if not hits:
        return head + "No passage comes close."
    body = [
        f"{n}. <i>{esc(h.passage.section[:80])}</i>: {esc(_snippet(h.passage.text))}"
        for n, h in enumerate(hits, 1)
    ]
    return join_within([head, *body])


# -- running the bot: /status and backups ------------------------------------------------------


def backup_failed(error: str, when: str) -> str:
    return (
        f"⚠️ <b>Last night's backup failed</b> ({esc(when)}).\n\n<code>{esc(_short(error, 500))}</code>\n\n"
        "The reports are still in the database; please ask whoever looks after the server to check "
        "the backup folder (see /status)."
    )


def purge_failed(error: str, when: str) -> str:
    return (
        f"⚠️ <b>Tonight's deletion of old reports failed</b> ({esc(when)}); nothing was deleted.\n\n"
        f"<code>{esc(_short(error, 500))}</code>\n\n"
        "Reports past [storage] report_retention are kept until it succeeds; the bot tries again "
        "tomorrow night. Please ask whoever looks after the server to check the log."
    )


DIGEST_CHART_CAPTION = "The last 8 weeks: reports by category, and questions answered and declined."


def people_reloaded(summary: str) -> str:
    return f"[people] from the config file: {esc(summary)}."


def last_purge_text(when: str, count: int, first: str, last: str) -> str:
    """/status: the last night resolved reports past their retention were deleted."""
    span = first if first == last else f"{first} to {last}"
    return f"{when}: {count} report{'s' if count != 1 else ''} deleted ({span})"


def status_text(lines: list[tuple[str, str]]) -> str:
    return "<b>StaffGuide status</b>\n\n" + "\n".join(f"<b>{esc(k)}:</b> {esc(v)}" for k, v in lines)


# -- /staff: who may use the bot -------------------------------------------------------------

STAFF_LISTED = 40  # people with a Revoke button in one message (Telegram allows 100 buttons)


def staff_text(members: list[Member]) -> str:
    if not members:
        return "Nobody is enrolled yet. /invite makes a one-time code."
    lines = [f"<b>Staff who can use StaffGuide</b> ({len(members)})", ""]
    for m in members:
        who = f"{esc(m.name)} (id {m.user_id})" if m.name else f"id {m.user_id}"
        if m.revocable:
            since = f", enrolled {shown(m.enrolled_at)[:10]}" if m.enrolled_at else ""
            lines.append(f"• {who} — {esc(m.via)}{since}")
        else:
            lines.append(f"• {who} — {esc(ROLE_TITLES.get(m.via, m.via))} (in the config file)")
    lines += ["", "Revoke ends someone's access; roles from the config file are changed there."]
    return "\n".join(lines)


def revoke_confirm(name: str, user_id: int) -> str:
    who = f"{esc(name)} (id {user_id})" if name else f"user {user_id}"
    return f"Revoke access for {who}? They will be refused until invited again."


REVOKE_KEPT = "Nothing changed."
