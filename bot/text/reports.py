"""The reporter's side of a misuse report: the guided steps, the check before Send, the
receipt, and the notices the reporter gets as the report is acknowledged and resolved.

The indecent-image steps are the school policy's own and are repeated in the urgent alert
(bot.text.report_record)."""

from __future__ import annotations

from ..reports.vocabulary import CATEGORIES, INDECENT_IMAGE
from .common import ROLE_TITLES, confirming, counted, minutes_text, titles
from .telegram import PHONE_SCREEN, button_label, esc, fit_escaped, tg_len

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

# What the Head and the DSL are told in the urgent alert: the policy's own sentences, word for
# word, on what they do ("Senior Leaders ... evidence"); the reporter's steps above are longer
# because they say what the reporter must not do. Shorter, the alert fits a phone screen.
INDECENT_IMAGE_POLICY = (
    "It is an offence to save, send, or alter an image or to show it to anyone else. The evidence "
    "must be placed in a secure location such as a locked cupboard where others will not be able "
    "to see it. The Police should be contacted immediately for advice."
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
    return f"{esc(reason)[:200]}. Please type the day it happened again (or /cancel)."


REPORT_CANCELLED = "Report cancelled. Nothing was stored or sent."


def media_too_early() -> str:
    return (
        "I have not kept that file: first choose what the report is about.\n"
        "If it may be an indecent image of a child, do not send it to anyone (not even here): choose "
        f"<b>{esc(CATEGORIES[INDECENT_IMAGE])}</b>."
    )


MEDIA_REFUSED = (
    "⛔ <b>I have not stored or forwarded that file</b>, and have tried to delete it from this chat.\n"
    + esc(INDECENT_IMAGE_STEPS)
    + "\nDescribe what you saw in words instead."
)

INDECENT_IMAGE_WARNING = (
    "⚠️ <b>Indecent image of a child: what to do now</b>\n"
    + esc(INDECENT_IMAGE_STEPS)
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


def is_it_the_head(words: str) -> str:
    """Asked before filing when a report's words may or may not mean the Head ("her head")."""
    return (
        f"One question before it is sent: is this report about <b>{ROLE_TITLES['head_teacher']}</b>? "
        f"It says “{esc(words)}”.\nA report about the Head goes to {ROLE_TITLES['chair_of_governors']} "
        "instead, and the Head never sees it."
    )


def about_the_head() -> str:
    return f"Yes, about {ROLE_TITLES['head_teacher']}"


NOT_THE_HEAD = "No"


def rerouted(ref: str, lost_role: str, cover_role: str | None, outside_contact: str = "") -> str:
    """Told to the reporter when Telegram refuses every alert to a role (the person blocked the
    bot or never started it): who has the report now, or that nobody does and whom to tell."""
    lost = ROLE_TITLES[lost_role]
    why = f"⚠️ Your report <b>{ref}</b> could not reach {lost}: Telegram refuses to deliver to them."
    if cover_role is None:
        contact = esc(outside_contact.strip() or default_outside_contact())
        return f"{why}\nNobody else in this bot may receive it. <b>Please tell {contact} yourself, now.</b>"
    return f"{why}\nIt has gone to {ROLE_TITLES[cover_role]} instead."


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


def confirm_addition(text: str) -> str:
    return confirming("Add this to your report's description?", text)


MEDIA_UNREADABLE = "I could not read that file; it was not kept."


CHECK_HEADING = "Check your report"


def report_summary(
    what: str, who: str, where: str, description: str, indecent_image: bool, files: int, happened: str = ""
) -> str:
    """The reporter's check before Send, within a phone screen: the description is cut here only
    (all of it is sent)."""
    lines = [
        f"<b>{CHECK_HEADING}</b>",
        f"What: {esc(what)}",
        f"Who: {esc(who)}",
        f"Where: {esc(where)}",
    ]
    if happened:
        lines.append(f"When it happened: {esc(happened)}")
    if indecent_image:
        after = ["No files are accepted for this report."]
    else:
        after = [f"Screenshots kept: {files}. You can send screenshots now (optional)."]
    after.append("Type more to add to the description, or tap <b>Send report</b>.")
    suffix = f"… <i>({len(description):,} characters; all of it will be sent)</i>"
    room = PHONE_SCREEN - tg_len("\n".join([*lines, "What happened: ", *after]))
    lines.append("What happened: " + fit_escaped(description, max(room, SUMMARY_MIN_CHARS), suffix))
    return "\n".join([*lines, *after])


SUMMARY_MIN_CHARS = 150  # of the description in the check before Send, however long the rest


def evidence_limit(most: int) -> str:
    return f"I keep at most {most} files per report; this one was not kept."


def evidence_kept(count: int) -> str:
    return f"📎 Kept {counted(count, 'file')} as evidence. Send more, or carry on."


def default_outside_contact() -> str:
    return f"{ROLE_TITLES['chair_of_governors']} or the local authority designated officer (LADO)"


def report_receipt(
    ref: str,
    roles: list[str],
    urgent: bool,
    about_head: bool = False,
    held: bool = False,
    outside_contact: str = "",
) -> str:
    """Said once the report is stored and its alerts are queued (not yet sent); `roles` are those of
    the people it actually goes to. With none, the reporter is told so, and whom to tell instead."""
    if not roles:
        contact = esc(outside_contact.strip() or default_outside_contact())
        why = (
            "it names the Head, who must not see it, and no chair of governors or deputy is set up"
            if about_head
            else "no one who may see it is set up"
        )
        return f"⚠️ Report <b>{ref}</b> is stored, but nobody in this bot can receive it: {why}.\n" + (
            f"<b>Please tell {contact} yourself, now.</b>"
        )
    who = titles(roles)
    text = f"✅ Report <b>{ref}</b> stored. Its alert to {who} is queued for sending."
    if held:  # over the person's limit: one summary for the burst instead of one alert each
        text = f"✅ Report <b>{ref}</b> stored. It goes to {who} in one message with your other reports."
    if about_head:
        text += (
            f"\nIt names the Head, so it goes to {who} instead, as the school's policy says; "
            "the Head does not see it."
        )
    if urgent:
        text += " It is marked <b>urgent</b>."
    return text + "\nYou will be told when it is acknowledged and resolved. /myreports lists your reports."


def _what(ref: str, question: str | None) -> str:
    """How the person who filed it hears of it: a report by its reference, a question by its words."""
    if question is None:
        return f"Your report <b>{ref}</b>"
    return f"Your question “{esc(button_label(question, 80))}”"


def acknowledged_notice(ref: str, role: str, question: str | None = None) -> str:
    return f"✅ {_what(ref, question)} has been acknowledged by {ROLE_TITLES[role]}."


def resolved_notice(ref: str, role: str, outcome: str, question: str | None = None) -> str:
    done = "answered" if question is not None else "resolved"
    return f"☑️ {_what(ref, question)} has been {done} by {ROLE_TITLES[role]}.\nOutcome: {esc(outcome)}"


# The buttons of the check before Send and of "Add this to your description?".
SEND_REPORT = "Send report"
CANCEL = "Cancel"
ADD_IT = "Yes, add it"
DO_NOT_ADD = "No"
# what replaces a tapped keyboard
ADDED_CHOICE = "Added to the description"
NOT_ADDED_CHOICE = "Not added"
OTHER_PLACE_CHOICE = "Other"

MY_REPORTS = "Your reports and questions"  # /myreports' title (questions to the Head too)
