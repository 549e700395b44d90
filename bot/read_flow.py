"""Where a policy change reaches people: the Head's question, the change message to every member
of staff, the daily reminder and the newcomer's list, each written to the outbox (bot.outbox) in
the same transaction as the record that says it was sent, so a restart neither loses nor repeats
one; and what each person is shown of a version (every change since the words they last read).

The policy handlers (an upload, /reload), the reads handlers (the Head's tap, the reminder job)
and enrolment all call these, so no handler imports another. Free of Telegram types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from . import access, outbox, reads
from . import policy_versions as pv
from .config import Config
from .outbox import Buttons
from .policy_versions import Version
from .reads import Decision
from .text import reads as reads_text
from .text.callbacks import ReadConfirm, ReadDecision, ReadOpen, ReadSection
from .transactions import transaction

DECISION, ANNOUNCEMENT, REMINDER, WELCOME = "read_decision", "read_request", "read_reminder", "read_welcome"


def deciders(config: Config) -> list[int]:
    """Who may decide whether staff must read a change: the Head Teacher and the policy admins."""
    return sorted(set(config.people.head_teacher) | set(config.people.policy_admins))


def staff(db: sqlite_utils.Database, config: Config) -> list[tuple[int, str]]:
    """Everyone who may use the bot now, with the name the bot knows (revoked people are not)."""
    return [(m.user_id, m.name) for m in access.members(db, config)]


def decision_buttons(version: Version) -> Buttons:
    return [
        [(reads_text.DECIDE_YES, ReadDecision(version.id, version.tag, True).data)],
        [(reads_text.DECIDE_NO, ReadDecision(version.id, version.tag, False).data)],
    ]


def ask_about_changes(db: sqlite_utils.Database, config: Config, uploaded_by: str = "") -> int:
    """Ask the deciders about every changed version nobody was asked about yet (an upload, a
    reload, `staffguide index` while the bot was stopped). Returns how many versions."""
    with transaction(db):
        versions = reads.to_ask(db)
        for version in versions:
            by = uploaded_by if version.recorded_by is not None else ""
            for user_id in deciders(config):
                outbox.enqueue(
                    db,
                    recipient_id=user_id,
                    text=reads_text.decision_request(version, by),
                    purpose=DECISION,
                    buttons=decision_buttons(version),
                )
        reads.mark_asked(db, [v.id for v in versions])
    return len(versions)


def to_confirm(db: sqlite_utils.Database, version: Version, user_id: int) -> bool:
    """True when this person is asked to read this version and has not confirmed it yet."""
    return any(v.id == version.id for v in reads.pending_for(db, user_id))


def view_for(db: sqlite_utils.Database, version: Version, user_id: int) -> Version:
    """`version` with every change since the words this person is taken to know (bot.reads)."""
    return pv.since(db, version, reads.read_up_to(db, user_id, version))


def decision_messages(db: sqlite_utils.Database, version: Version) -> list[tuple[int, int]]:
    """(chat, message) of each copy of the question about `version` Telegram accepted."""
    rows = db.execute(
        "select recipient_id, message_id from outbox where purpose = ? and status = 'sent'"
        " and message_id is not null and buttons like ?",
        [DECISION, f'%"{ReadDecision(version.id, version.tag, True).data}"%'],
    ).fetchall()
    return [(int(r[0]), int(r[1])) for r in rows]


def change_view(db: sqlite_utils.Database, version: Version, user_id: int) -> tuple[str, Buttons]:
    """The change message as this person should see it now: every change they have not read,
    and "I have read it" only while it is theirs to confirm."""
    view = view_for(db, version, user_id)
    text = reads_text.announcement(view, confirmed_when(db, version, user_id))
    return text, change_buttons(view, confirmed=not to_confirm(db, version, user_id))


def what_changed(db: sqlite_utils.Database, user_id: int, text: str) -> tuple[str, Buttons] | None:
    """The answer to a question about what changed in a policy, from the change record; None for
    any other question (it goes to the search)."""
    if not pv.WHAT_CHANGED.search(text):
        return None
    latest = pv.latest(db)
    if not latest or not pv.asks_what_changed(text, latest):
        return None
    version = pv.policy_asked_about(text, latest)
    if version is None:
        changed = sorted((v for v in latest.values() if v.changes), key=lambda v: v.id, reverse=True)
        return reads_text.recent_changes(changed), open_buttons(changed)
    if not version.changes:
        return reads_text.unchanged_since(version), []
    confirm = to_confirm(db, version, user_id)
    view = view_for(db, version, user_id) if confirm else version
    answer = reads_text.what_changed(view, confirm, confirmed_when(db, version, user_id))
    return answer, change_buttons(view, confirmed=not confirm)


def change_buttons(version: Version, confirmed: bool = False) -> Buttons:
    """A section button for each of the first changed sections (of `version` as viewed), then
    "I have read it"."""
    rows: Buttons = [
        [(label, ReadSection(version.id, version.counted_from, n, 0).data)]
        for n, label in enumerate(reads_text.section_labels(version))
    ]
    if not confirmed:
        rows.append([(reads_text.READ_IT, ReadConfirm(version.id, version.tag).data)])
    return rows


@dataclass(frozen=True)
class Decided:
    done: bool  # this tap decided (False: someone was first, or the version is unknown)
    decision: Decision | None
    version: Version | None
    sent_to: int = 0
    held: int = 0  # told about reads already today: the next reminder brings it


def decide(
    db: sqlite_utils.Database,
    config: Config,
    version_id: int,
    required: bool,
    by: int,
    at: datetime | None = None,
) -> Decided:
    """Record the decision; when staff must read the change, queue the change message to every
    member of staff who has had no message about reads today (the others get tomorrow's reminder).
    One transaction: the decision and its messages are stored together or not at all."""
    version = pv.get(db, version_id)
    with transaction(db):
        done, made = reads.decide(db, version_id, required, by, at)
        sent = held = 0
        if done and required and version is not None:
            day = reads.school_day(at)
            for user_id, _name in staff(db, config):
                if reads.messaged_on(db, user_id, day):
                    held += 1
                    continue
                view = view_for(db, version, user_id)  # a colleague behind on this policy sees it all
                text, buttons = reads_text.announcement(view), change_buttons(view)
                _tell(db, user_id, (ANNOUNCEMENT, reads.ANNOUNCE), text, buttons, version.id, at)
                sent += 1
    return Decided(done, made, version, sent, held)


def _tell(
    db: sqlite_utils.Database,
    user_id: int,
    what: tuple[str, str],
    text: str,
    buttons: Buttons,
    version_id: int | None,
    at: datetime | None,
) -> None:
    """Queue one message about reads and note it, in the caller's transaction: every such message
    counts towards the one-a-day limit. `what`: (outbox purpose, kind of read notice)."""
    purpose, kind = what
    outbox.enqueue(db, recipient_id=user_id, text=text, purpose=purpose, buttons=buttons)
    reads.note_message(db, user_id, kind, version_id, at)


def open_buttons(versions: list[Version]) -> Buttons:
    return [[(reads_text.open_label(v), ReadOpen(v.id).data)] for v in versions[: reads_text.SECTIONS_LISTED]]


def send_reminders(db: sqlite_utils.Database, config: Config, at: datetime | None = None) -> int:
    """The daily reminder: one message to each member of staff with something left to read and
    no message about reads yet today. Returns how many were queued; `at` says which school day it
    is (the messages go now)."""
    with transaction(db):
        due = reads.due_reminders(db, [uid for uid, _ in staff(db, config)], at)
        for user_id, versions in due.items():
            text, buttons = reads_text.reminder(versions), open_buttons(versions)
            _tell(db, user_id, (REMINDER, reads.REMIND), text, buttons, None, at)
    return len(due)


def welcome(db: sqlite_utils.Database, user_id: int, at: datetime | None = None) -> bool:
    """Someone just enrolled: the policy changes every member of staff must read, if any."""
    with transaction(db):
        versions = reads.pending_for(db, user_id)
        if not versions or reads.messaged_on(db, user_id, reads.school_day(at)):
            return False
        text, buttons = reads_text.welcome_reads(versions), open_buttons(versions)
        _tell(db, user_id, (WELCOME, reads.WELCOME), text, buttons, None, at)
    return True


def confirmed_when(db: sqlite_utils.Database, version: Version, user_id: int) -> str | None:
    found = reads.confirmation(db, version.id, user_id)
    return found.confirmed_at if found else None
