"""Who may use the bot, in words: the refusal, /start and its invite codes, /help, /privacy,
/invite, /revoke and /staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..clock import shown
from .common import ROLE_TITLES, years_text
from .pages import Paged
from .telegram import PHONE_SCREEN, esc, pack

if TYPE_CHECKING:
    from ..access import Member


def refusal(school: str, user_id: int | None = None) -> str:
    """The one message for anyone not enrolled: no policy text, no detail; their own Telegram id,
    so the Head Teacher can add them to [people] without asking a bot for it."""
    head = ROLE_TITLES["head_teacher"]
    text = (
        f"StaffGuide is for the staff of {esc(school)} only. To get access, ask {head} "
        "for an invite code and send it here as /start CODE."
    )
    if user_id is not None:
        text += f"\n\nYour Telegram id is <code>{user_id}</code> ({head} may ask for it)."
    return text


def role_refusal(roles: tuple[str, ...]) -> str:
    titles = [ROLE_TITLES.get(r, r.replace("_", " ")) for r in roles]
    who = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " or " + titles[-1]
    return f"This command is for {who}."


def write_limited(what: str, per_minute: int) -> str:
    return (
        f"You have made {per_minute} {what} in the last minute. Nothing was stored; please try again "
        "in a minute."
    )


# Headings too general to make an example question of ("Policy statement" is in every document).
GENERAL_HEADINGS = frozenset(
    {
        "introduction",
        "purpose",
        "scope",
        "aims",
        "definitions",
        "policy statement",
        "policy",
        "contents",
        "general statement",
        "monitoring and review",
        "review",
        "related policies",
        "appendix",
        "overview",
    }
)


def examples_from_headings(sections: list[tuple[str, str]], count: int = 2) -> list[str]:
    """Example questions for the welcome from a school's own (document, heading) per passage, when
    its config gives none: the headings that name a topic (not "Policy statement", not a
    document's title, two to six words), those with the most passages first."""
    titles = {" ".join(doc.split()).lower() for doc, _ in sections}
    held: dict[str, int] = {}
    for _doc, heading in sections:
        heading = " ".join(heading.split())
        general = heading.lower().split(":")[0].strip() in GENERAL_HEADINGS
        if heading and not general and heading.lower() not in titles and 2 <= len(heading.split()) <= 6:
            held[heading] = held.get(heading, 0) + 1
    topical = sorted(held, key=lambda h: -held[h])
    return [f"What does the policy say about {h[0].lower() + h[1:]}?" for h in topical[:count]]


def welcome(school: str, first_name: str, examples: list[str]) -> str:
    listed = "".join(f"\n• <i>{esc(q)}</i>" for q in examples)
    return (
        f"Hello {esc(first_name)}! I answer questions from {esc(school)}'s policies, quoting "
        f"the policy word for word.\n\nJust type a question{', for example:' if examples else '.'}"
        f"{listed}\n\n/topics lists the policy's sections, /help explains more."
    )


def _help_intro() -> str:
    return (
        "<b>How to use StaffGuide</b>\n"
        "Type a question in your own words: I quote the policy passage that answers it. "
        "<b>More</b> shows the next one, 👍 / 👎 tell us if it helped, and when the policies do not "
        f"cover it, <b>Ask {ROLE_TITLES['head_teacher']}</b> sends it on."
    )


def help_text(
    retention_days: int,
    commands: list[tuple[str, str]] | None = None,
    role_commands: list[tuple[str, str]] | None = None,
) -> list[str]:
    """/help, a phone screen a message: how to ask, then the person's own menu (so it matches the
    menu Telegram shows them), the commands of their roles in a second message."""

    def listed(items: list[tuple[str, str]]) -> str:
        return "\n".join(f"/{esc(c)} – {esc(d)}" for c, d in items)

    kept = f"Questions are kept for {retention_days} days."
    if commands is None:
        return [
            f"{_help_intro()}\n\n/topics – browse the policy's sections\n/privacy – what is stored\n\n{kept}"
        ]
    messages = [f"{_help_intro()}\n\n{listed(commands)}\n\n{kept}"]
    if role_commands:
        messages.append(f"<b>For your role</b>\n{listed(role_commands)}")
    return messages


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
        f"{ROLE_TITLES['head_teacher']}. A question {ROLE_TITLES['head_teacher']} uses to correct the bot, "
        "or records as a gap "
        "in the policies, keeps its words (not your name).\n"
        f"• <b>Misuse reports</b> are {report_retention_text(report_years)}. A report holds who "
        "sent it and when; what it is about, who is involved, where and when it happened, and the "
        "description; screenshots as Telegram file references, never the image files (indecent "
        "images of children are never accepted); who acknowledged and resolved it, the outcome and "
        "their notes; and the messages about it between the reviewers and the person who reported it.\n"
        "• <b>Drafts</b>: a report you are still filing is kept until you send or cancel it.\n"
        f"{backups}"
        "• <b>People who are not staff</b>: only a daily count of refused messages.\n\n"
        "<b>Telegram</b> carries every message: like any Telegram chat, what you send and what the "
        "bot replies pass through Telegram's servers (cloud chats, not end-to-end encrypted). "
        "Nothing else leaves the school's server."
    )


def privacy_messages(
    retention_days: int, backup_days: int | None = None, *, report_years: int | None = None
) -> list[str]:
    """/privacy a phone screen a message: `privacy_text`'s items, kept whole, packed in order."""
    text = privacy_text(retention_days, backup_days, report_years=report_years)
    return pack(text.split("\n"), PHONE_SCREEN)


def invite_text(code: str, expires_at: str, link: str | None, days: int) -> str:
    text = (
        f"Invite code: <code>{esc(code)}</code>\n"
        f"It works once and expires in {days} day{'s' if days != 1 else ''} ({esc(shown(expires_at))}).\n\n"
        f"The new member of staff sends <code>/start {esc(code)}</code> to this bot"
    )
    if link:
        text += f", or opens this link:\n{esc(link)}"
    return text + "."


def invite_message(result: str) -> str:
    """What /start CODE says, by the result of using the code (bot.access)."""
    head = ROLE_TITLES["head_teacher"]
    return {
        "enrolled": "Welcome to StaffGuide — you are enrolled.",
        "already enrolled": "You are already enrolled; the invite code was not used.",
        "unknown": f"That invite code is not valid. Please check it, or ask {head} for a new one.",
        "expired": f"That invite code has expired. Please ask {head} for a new one.",
        "used": f"That invite code has already been used. Please ask {head} for a new one.",
    }[result]


REVOKE_USAGE = "Usage: /revoke USER_ID (the member's Telegram user id, a number)."

REVOKE_MESSAGES = {
    "revoked": "Access revoked for user {user_id}.",
    "not enrolled": "User {user_id} is not enrolled.",
    "config role": "User {user_id} has a role in the config file; remove them there.",
}

# People on one page of /staff: a line and a Revoke button each keep a page within a phone screen.
STAFF_PAGE = 8


def staff_text(paged: Paged[Member]) -> str:
    """One page of /staff (STAFF_PAGE people): a school's whole staff is too long for one message."""
    if not paged.total:
        return "Nobody is enrolled yet. /invite makes a one-time code."
    note = f" · {paged.note}" if paged.note else ""
    lines = [f"<b>Staff who can use StaffGuide</b> ({paged.total}){note}", ""]
    for m in paged.items:
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


REVOKE_YES = "Yes, revoke"
REVOKE_NO = "Keep"


def revoke_button(name: str, user_id: int) -> str:
    """A /staff button; Telegram shows a button's first few dozen characters."""
    return f"Revoke {name or user_id}"[:60]
