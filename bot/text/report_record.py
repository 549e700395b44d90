"""A report's record as Telegram HTML: the alert, the overdue list, /show, the lists, and the
buttons under an alert.

The description is stored whole and only cut here, to fit one message; /show splits it
over as many messages as it takes. Callback data comes from bot.text.callbacks.
"""

from __future__ import annotations

import sqlite_utils

from .. import outbox
from ..clock import local, shown
from ..config import PeopleConfig
from ..reports.audit import events
from ..reports.happened import describe as describe_happened
from ..reports.queries import can_review, get_report
from ..reports.records import Event, Report
from ..reports.vocabulary import CATEGORIES, INDECENT_IMAGE, SUBJECTS
from .callbacks import AskReporter, ReviewAction, ShowPage
from .common import CUT_NOTE, ROLE_TITLES
from .pages import NEXT, PREVIOUS, Paged, page
from .reports import INDECENT_IMAGE_POLICY
from .telegram import PHONE_SCREEN, esc, fit_escaped, pack, split_escaped, tg_len

REPORTER_EVENTS = ("created", "acknowledged", "resolved", "to_reporter", "from_reporter")
EVIDENCE_WORDS = {"photo": "screenshot", "document": "file", "video": "video", "animation": "animation"}
EVIDENCE_WORDS["video_note"] = "video message"


# The buttons under an alert.
ACKNOWLEDGE = "Acknowledge"
ADD_NOTE = "Add note"
RESOLVE = "Resolve"
ASK_REPORTER = "Ask the reporter"
ANSWER = "Answer"  # in place of "Ask the reporter" under an escalated question


def review_buttons(report: Report) -> outbox.Buttons:
    """Under an alert. An escalated question ("Ask the Head Teacher") is answered; a report's
    reporter can be asked for more. Each button names this very report (id and tag)."""
    rid, tag = report.id, report.tag
    return [
        [
            (ACKNOWLEDGE, ReviewAction("ack", rid, tag).data),
            (ADD_NOTE, ReviewAction("note", rid, tag).data),
            (RESOLVE, ReviewAction("res", rid, tag).data),
        ],
        [(ANSWER if report.category == QUESTION else ASK_REPORTER, AskReporter(rid, tag).data)],
    ]


OVERDUE_BUTTONS = 8  # rows of buttons in one reminder; /queue has the rest


def acknowledge_one(ref: str) -> str:
    """A reminder's button for one of its reports: "Acknowledge R-0042"."""
    return f"{ACKNOWLEDGE} {ref}"


def overdue_buttons(listed: list[Report]) -> outbox.Buttons:
    """One row per report (the first few): Acknowledge R-0042 · Show."""
    return [
        [(acknowledge_one(r.reference), ReviewAction("ack", r.id, r.tag).data)]
        for r in listed[:OVERDUE_BUTTONS]
    ]


def render_overdue(listed: list[Report], limit: int = PHONE_SCREEN - 120) -> str:
    """Several overdue reports in one message: a line each while they fit a phone screen (with the
    reminder's heading in front), then where the rest are."""
    lines = [f"<b>{len(listed)} reports</b> not acknowledged:"]
    shown = 0
    for r in listed:
        flag = "🚨 " if r.urgent else ""
        line = (
            f"{flag}<b>{r.reference}</b> · {when(r.created_at)} · {esc(CATEGORIES[r.category])}"
            f" · from {esc((r.reporter_name or 'unknown')[:60])}"
        )
        if tg_len("\n".join([*lines, line])) > limit:
            break
        lines.append(line)
        shown += 1
    if shown < len(listed):
        lines.append(f"… and {len(listed) - shown} more.")
    lines.append("/queue lists them all; /show R-0000 opens one.")
    return "\n".join(lines)


def when(iso: str) -> str:
    """In the school's time, the British way: 25/11/2026 14:05."""
    return shown(iso)


def _evidence_line(report: Report) -> str:
    if report.category == INDECENT_IMAGE:
        return "Evidence: none stored (never for an indecent image)"
    if not report.evidence:
        return "Evidence: none sent"
    times = ", ".join(local(e.sent_at).strftime("%H:%M") for e in report.evidence[:10])
    count = len(report.evidence)
    return f"Evidence: {count} {'item' if count == 1 else 'items'} sent at {times} (shown with /show)"


QUESTION = "question"  # "Ask the Head Teacher": stored as a report, but never called one


def _header(report: Report) -> list[str]:
    if report.category == QUESTION:  # no who, where or evidence: a question has none of them
        return [
            f"<b>Question {report.reference}</b>: {esc(CATEGORIES[QUESTION])}",
            f"Asked: {when(report.created_at)}",
            f"From: {esc(report.reporter_name or 'unknown')} (id {report.reporter_id})",
        ]
    urgent = "🚨 URGENT " if report.urgent or report.category == INDECENT_IMAGE else ""
    lines = [
        f"<b>{urgent}Report {report.reference}</b>: {esc(CATEGORIES[report.category])}",
        f"Who: {esc(SUBJECTS.get(report.subject or '', 'not given'))}",
        f"Where: {esc(report.place or 'not given')}",
        f"Happened: {esc(describe_happened(report.happened, report.happened_on))}",
        f"Reported: {when(report.created_at)}",
        f"From: {esc(report.reporter_name or 'unknown')} (id {report.reporter_id})",
        _evidence_line(report),
    ]
    return lines


def render_escalation(report: Report, limit: int = PHONE_SCREEN - 100) -> str:
    """The message the Head/DSL/chair get, within a phone screen: the description is cut to fit
    (stored whole; /show pages through all of it). `limit` leaves room for a reminder/escalation
    line in front."""
    head = "\n".join(_header(report))
    if report.category == INDECENT_IMAGE:
        head += "\n\n<b>The policy</b>: " + esc(INDECENT_IMAGE_POLICY)
    suffix = f"… <i>(cut: {len(report.description):,} characters in full; /show {report.reference})</i>"
    body = fit_escaped(report.description, limit - tg_len(head) - 2, suffix)
    return f"{head}\n\n{body}"


EVENT_WORDS = {
    "created": "Reported",
    "delivered": "Alert delivered",
    "delivery_failed": "Alert could not be delivered",
    "acknowledged": "Acknowledged",
    "note": "Note",
    "resolved": "Resolved",
    "exported": "Exported (CSV)",
    "renotified": "Reminder queued",
    "escalated": "Escalated",
    "alert_held": "Alert held back (many reports at once from this person)",
    "summarised": "Summary queued",
    "to_reporter": "Message to the reporter",
    "from_reporter": "Reply from the reporter",
    "rerouted": "Sent on",
}
PURPOSE_WORDS = {
    "escalation": "alert",
    "urgent": "urgent alert",
    "renotify": "reminder",
    "escalated": "escalation",
    "summary": "summary",
    "ack_notice": "notice to the reporter",
    "resolved_notice": "notice to the reporter",
    "to_reporter": "message",
    "from_reporter": "reply",
    "receipt": "receipt",
    "rerouted_notice": "notice to the reporter",
}


def _people_words(ids: object, people: PeopleConfig | None) -> str:
    """Recipients by their role ("the Head Teacher"), never by Telegram id."""
    if not isinstance(ids, list):
        ids = [ids]
    words: list[str] = []
    for uid in ids:
        roles = (
            sorted(people.roles_of(uid) & set(ROLE_TITLES))
            if people is not None and isinstance(uid, int)
            else []
        )
        word = " and ".join(ROLE_TITLES[r] for r in roles) if roles else "the reporter"
        if word not in words:
            words.append(word)
    return ", ".join(words) if words else "nobody configured"


SAID_CHARS = 400  # a note, reasoning or message in a report's history: a page of /show holds it


def _said(text: str, full: bool) -> str:
    """Someone's words in a history line, cut to fit a page; a reviewer's /export has them whole."""
    return fit_escaped(text, SAID_CHARS, CUT_NOTE if full else "… <i>(cut here)</i>")


def _event_line(event: Event, full: bool, people: PeopleConfig | None = None) -> str:
    """One line of a report's history in plain words; the reporter's view names reviewers by
    role only (no names, no Telegram ids)."""
    data = event.data
    if event.actor_id is None:
        who = ""
    elif full:
        who = f" by {esc(event.actor_name or 'someone')}"
    elif event.kind in ("created", "from_reporter"):
        who = " by you"
    else:
        who = f" by {ROLE_TITLES.get(str(data.get('role')), 'a reviewer')}"
    detail = ""
    if event.kind == "created":
        detail = f": to {_people_words(data.get('recipients', []), people)}" if full else ""
    elif event.kind in ("delivered", "delivery_failed"):
        purpose = PURPOSE_WORDS.get(str(data.get("purpose")), "message")
        detail = f" ({purpose}) to {_people_words(data.get('to'), people)}"
    elif event.kind == "note":
        detail = ": " + _said(event.detail or "", full)
    elif event.kind == "resolved":
        detail = f": {esc(data.get('outcome', ''))}"
        if full and data.get("reference"):
            detail += f" (reference there: {esc(str(data['reference']))})"
        if full:
            detail += "; reasoning: " + _said(data.get("reasoning", ""), full)
    elif event.kind in ("to_reporter", "from_reporter"):
        detail = ": " + _said(str(data.get("text", "")), full)
    elif event.kind == "rerouted":
        lost = ROLE_TITLES.get(str(data.get("from")), "a reviewer")
        cover = data.get("to_role")
        to = ROLE_TITLES.get(str(cover), "another reviewer") if cover else "nobody else"
        detail = f" to {to}: {lost} cannot be reached"
    elif event.kind in ("renotified", "escalated", "summarised"):
        detail = f" to {_people_words(data.get('to', []), people)}"
    words = EVENT_WORDS.get(event.kind, event.kind)
    return f"• {when(event.at)} <b>{words}</b>{who}{detail}"


SHOW_PAGE = PHONE_SCREEN - 60  # a page of /show, with room for its "Page 2 of 3"


def render_show(
    db: sqlite_utils.Database, people: PeopleConfig, report_id: int, viewer_id: int
) -> list[str] | None:
    """The pages of /show, each within a phone screen: the full record for a reviewer, a reduced
    one for the reporter, None for anyone else (and for unknown ids: the same answer, so nothing
    leaks). A long description runs on over as many pages as it takes."""
    report = get_report(db, report_id)
    if report is None:
        return None
    full = can_review(db, people, report_id, viewer_id)
    if not full and report.reporter_id != viewer_id:
        return None
    body = "<b>The question</b>" if report.category == QUESTION else "<b>What happened</b>"
    head = "\n".join(_header(report)) + f"\nStatus: <b>{report.status}</b>\n{body}"
    # Each piece fills its page (the first the room under the header), so two never share one.
    first, *rest = split_escaped(report.description, SHOW_PAGE, first=SHOW_PAGE - tg_len(head) - 1)
    blocks = [f"{head}\n{first}" if first else head, *rest]
    if full and report.evidence:
        blocks.append(
            "<b>Evidence</b> (the files follow the report's first page)\n"
            + "\n".join(
                f"• {n}. {EVIDENCE_WORDS.get(e.kind, 'file')} sent {when(e.sent_at)}"
                for n, e in enumerate(report.evidence, start=1)
            )
        )
    history = [e for e in events(db, report_id) if full or e.kind in REPORTER_EVENTS]
    first_event, *later = _history_lines(history, full, people) or [""]
    blocks += [f"<b>History</b>\n{first_event}".rstrip(), *later]  # the heading never ends a page
    return pack(blocks, SHOW_PAGE)


def show_page(report: Report, pages: list[str], number: int) -> tuple[str, outbox.Buttons]:
    """Page `number` of /show with Previous / Next under it; after the first, a page says whose it is."""
    paged = page(pages, number, 1)
    [text] = paged.items
    if paged.count > 1:
        text = (
            f"{text}\n<i>{paged.note}</i>"
            if paged.number == 0
            else f"<b>{report.reference}</b> · {paged.note}\n{text}"
        )
    row = []
    if paged.number > 0:
        row.append((PREVIOUS, ShowPage(report.id, paged.number - 1, report.tag).data))
    if paged.number < paged.count - 1:
        row.append((NEXT, ShowPage(report.id, paged.number + 1, report.tag).data))
    return text, [row] if row else []


def _history_lines(history: list[Event], full: bool, people: PeopleConfig) -> list[str]:
    """One line per event, except that deliveries in a row are one line: seven "Alert delivered"
    lines in a thirteen-line history hid what people did."""
    lines: list[str] = []
    run: list[Event] = []
    for event in [*history, None]:
        if event is not None and event.kind == "delivered":
            run.append(event)
            continue
        if len(run) == 1:
            lines.append(_event_line(run[0], full, people))
        elif run:
            to = _people_words([e.data.get("to") for e in run], people)
            first, last = when(run[0].at), when(run[-1].at)
            span = first if first == last else f"{first}–{last[-5:]}"
            lines.append(f"• {span} <b>{len(run)} messages delivered</b> to {to}")
        run = []
        if event is not None:
            lines.append(_event_line(event, full, people))
    return lines


LIST_PAGE = 6  # reports on one page of /queue or /myreports: a phone screen


def _list_line(r: Report) -> str:
    flag = "🚨 " if r.urgent else ""
    about = "" if r.category == QUESTION else f" · {esc(SUBJECTS.get(r.subject or '', 'who not given'))}"
    kind = esc(CATEGORIES[r.category])
    return f"{flag}<b>{r.reference}</b> · {when(r.created_at)} · {kind}{about} · {r.status}"


def render_page(paged: Paged[Report], title: str) -> str:
    """One page of /queue or /myreports, with how to open one (by a reference actually listed)."""
    if not paged.total:
        return f"{title}: none."
    note = f" · {paged.note}" if paged.note else ""
    lines = [f"<b>{title}</b> ({paged.total}){note}", *map(_list_line, paged.items)]
    lines.append(f"Open one with /show {paged.items[0].reference}.")
    return "\n".join(lines)
