"""Policy reads: which changed policies staff must read, and who has confirmed reading them.

Schools keep a record that staff read their safeguarding and conduct policies (KCSIE asks all
staff to read its Part one). When a policy changes (bot.policy_versions), the Head Teacher or a
policy admin decides once whether staff must read the change; a typo fix need not be read. A
member of staff then confirms with one tap, and that confirmation is the record an inspector
asks for, so it is kept like a report event: rows are only added (SQLite triggers refuse updates
and deletes), once per person and version, and only the retention purge removes old ones.

What a person must read is, for each policy, its latest version that needs reading, unless they
confirmed it; an older version needing reading is replaced by the newer one (its button is
stale). Someone enrolled later must read the same. Messages about reads are limited to one per
person per school day (`messaged_on`), announcements and reminders alike.

Storage (migration 0008_policy_reads): policy_versions (bot.policy_versions), read_decisions,
read_asks, read_confirmations and read_notices. Free of Telegram types and of wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import sqlite_utils

from . import policy_versions as pv
from .clock import local, shown, stamp, utc
from .policy_versions import Version
from .reports.export import csv_bytes
from .reports.retention import years_before
from .reports.schema import append_only_trigger, trigger_name
from .transactions import transaction

DECISIONS, ASKS, CONFIRMATIONS, NOTICES = "read_decisions", "read_asks", "read_confirmations", "read_notices"
ANNOUNCE, REMIND, WELCOME = "announce", "remind", "welcome"


def migrate_policy_reads(db: sqlite_utils.Database) -> None:
    """Migration 0008_policy_reads: versions, decisions, confirmations and who was told when."""
    pv.create_table(db)
    db.execute(
        f"""
        create table {DECISIONS} (
            version_id integer primary key references {pv.VERSIONS}(id),
            required integer not null,       -- 1: staff must read it; 0: no reading needed
            decided_by integer not null,
            decided_at text not null
        )
        """
    )
    db.execute(f"create table {ASKS} (version_id integer primary key, asked_at text not null)")
    db.execute(
        f"""
        create table {CONFIRMATIONS} (
            id integer primary key autoincrement,
            version_id integer not null references {pv.VERSIONS}(id),
            user_id integer not null,
            name text not null,
            confirmed_at text not null,
            unique (version_id, user_id)
        )
        """
    )
    db.execute(
        f"""
        create table {NOTICES} (
            id integer primary key autoincrement,
            user_id integer not null,
            day text not null,               -- the school's date (YYYY-MM-DD) it was sent on
            kind text not null,              -- announce, remind, welcome
            version_id integer,
            at text not null
        )
        """
    )
    db.execute(f"create index read_notices_day on {NOTICES} (user_id, day)")
    for table in (pv.VERSIONS, DECISIONS, CONFIRMATIONS):
        for action in ("update", "delete"):
            db.execute(append_only_trigger(table, action))


# -- deciding --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    version_id: int
    required: bool
    decided_by: int
    decided_at: str


def decision(db: sqlite_utils.Database, version_id: int) -> Decision | None:
    row = db.execute(
        f"select version_id, required, decided_by, decided_at from {DECISIONS} where version_id = ?",
        [version_id],
    ).fetchone()
    return Decision(row[0], bool(row[1]), row[2], row[3]) if row else None


def to_ask(db: sqlite_utils.Database) -> list[Version]:
    """Changed versions nobody has been asked about yet, oldest first."""
    rows = db.execute(
        f"select id from {pv.VERSIONS} where changes != '[]'"
        f" and id not in (select version_id from {DECISIONS})"
        f" and id not in (select version_id from {ASKS}) order by id"
    ).fetchall()
    return [v for (vid,) in rows if (v := pv.get(db, vid)) is not None]


def mark_asked(db: sqlite_utils.Database, version_ids: list[int], at: datetime | None = None) -> None:
    """In the caller's transaction: the question went to the outbox with this."""
    for vid in version_ids:
        db.execute(f"insert or ignore into {ASKS} (version_id, asked_at) values (?, ?)", [vid, stamp(at)])


def undecided(db: sqlite_utils.Database) -> list[Version]:
    """Changed versions waiting for the decision, newest first (shown in /reads)."""
    rows = db.execute(
        f"select id from {pv.VERSIONS} where changes != '[]'"
        f" and id not in (select version_id from {DECISIONS})"
        " order by id desc"
    ).fetchall()
    return [v for (vid,) in rows if (v := pv.get(db, vid)) is not None]


def decide(
    db: sqlite_utils.Database, version_id: int, required: bool, by: int, at: datetime | None = None
) -> tuple[bool, Decision | None]:
    """Record the one decision about a version, in the caller's transaction if any. Returns
    (True, it) when this call decided, (False, the earlier one) when someone was first, and
    (False, None) for a version that does not exist."""
    if pv.get(db, version_id) is None:
        return False, None
    with transaction(db):
        earlier = decision(db, version_id)
        if earlier is not None:
            return False, earlier
        db.execute(
            f"insert into {DECISIONS} (version_id, required, decided_by, decided_at) values (?, ?, ?, ?)",
            [version_id, int(required), by, stamp(at)],
        )
    return True, decision(db, version_id)


# -- what each person must read ---------------------------------------------------------------


def required_versions(db: sqlite_utils.Database) -> list[Version]:
    """Every version that needs reading, oldest first (the record of what was asked)."""
    rows = db.execute(f"select version_id from {DECISIONS} where required = 1 order by version_id").fetchall()
    return [v for (vid,) in rows if (v := pv.get(db, vid)) is not None]


def current_required(db: sqlite_utils.Database) -> list[Version]:
    """For each policy, its latest version that needs reading (the one to confirm now)."""
    newest: dict[str, Version] = {}
    for version in required_versions(db):
        if version.source not in newest or version.number > newest[version.source].number:
            newest[version.source] = version
    return sorted(newest.values(), key=lambda v: v.id)


def replaced_by(db: sqlite_utils.Database, version: Version) -> Version | None:
    """The newer version needing reading that replaces `version`, if there is one."""
    current = {v.source: v for v in current_required(db)}.get(version.source)
    return current if current is not None and current.id != version.id else None


def confirmed_ids(db: sqlite_utils.Database, user_id: int) -> set[int]:
    rows = db.execute(f"select version_id from {CONFIRMATIONS} where user_id = ?", [user_id]).fetchall()
    return {r[0] for r in rows}


def joined_after(db: sqlite_utils.Database, user_id: int, version_id: int) -> bool:
    """True when this person enrolled (by invite) after staff were asked to read that version."""
    made = decision(db, version_id)
    row = db.execute("select enrolled_at, enrolled_via from users where user_id = ?", [user_id]).fetchone()
    if made is None or row is None or not str(row[1] or "").startswith("invite"):
        return False
    decided = datetime.fromisoformat(made.decided_at).replace(microsecond=0)  # enrolments keep seconds
    return bool(row[0]) and datetime.fromisoformat(str(row[0])) >= decided


def read_up_to(db: sqlite_utils.Database, user_id: int, version: Version) -> int:
    """The version of the same policy whose words this person is taken to know, so that what they
    are shown of `version` is every change since: the one before it, or, when they left earlier
    versions needing reading unconfirmed, the one before the first of those; 0 (the whole
    policy) for someone who joined after staff were first asked to read it."""
    done = confirmed_ids(db, user_id)
    asked = [v for v in required_versions(db) if v.source == version.source]
    if joined_after(db, user_id, asked[0].id if asked else version.id) and not done & {v.id for v in asked}:
        return 0  # new to the school since staff were first asked: the whole policy
    earlier = [v for v in asked if v.number < version.number]
    base = version.number - 1
    for older in sorted(earlier, key=lambda v: v.number, reverse=True):
        if older.id in done:
            break
        base = older.number - 1
    return base


def pending_for(db: sqlite_utils.Database, user_id: int) -> list[Version]:
    """The versions this person still has to read, oldest first."""
    done = confirmed_ids(db, user_id)
    return [v for v in current_required(db) if v.id not in done]


# -- confirming -------------------------------------------------------------------------------


class Confirmed(Enum):
    RECORDED = "recorded"
    ALREADY = "already"  # confirmed before: nothing new is stored
    REPLACED = "replaced"  # a newer version needs reading instead
    NOT_ASKED = "not asked"  # nobody asked staff to read this version (or it does not exist)


@dataclass(frozen=True)
class Confirmation:
    version_id: int
    user_id: int
    name: str
    confirmed_at: str


def confirmation(db: sqlite_utils.Database, version_id: int, user_id: int) -> Confirmation | None:
    row = db.execute(
        f"select version_id, user_id, name, confirmed_at from {CONFIRMATIONS}"
        " where version_id = ? and user_id = ?",
        [version_id, user_id],
    ).fetchone()
    return Confirmation(*row) if row else None


def confirm(
    db: sqlite_utils.Database, version_id: int, user_id: int, name: str, at: datetime | None = None
) -> tuple[Confirmed, Confirmation | None]:
    """Record that a person read a version: once (a double tap finds the first), only for a
    version staff were asked to read, and not for one a newer version replaced."""
    with transaction(db):
        earlier = confirmation(db, version_id, user_id)
        if earlier is not None:
            return Confirmed.ALREADY, earlier
        found = decision(db, version_id)
        version = pv.get(db, version_id)
        if found is None or not found.required or version is None:
            return Confirmed.NOT_ASKED, None
        if replaced_by(db, version) is not None:
            return Confirmed.REPLACED, None
        db.execute(
            f"insert into {CONFIRMATIONS} (version_id, user_id, name, confirmed_at) values (?, ?, ?, ?)",
            [version_id, user_id, name, stamp(at)],
        )
    return Confirmed.RECORDED, confirmation(db, version_id, user_id)


# -- who was told when: one message a person a school day -------------------------------------


def school_day(at: datetime | None = None) -> str:
    return local(utc(at)).date().isoformat()


def messaged_on(db: sqlite_utils.Database, user_id: int, day: str) -> bool:
    row = db.execute(
        f"select 1 from {NOTICES} where user_id = ? and day = ? limit 1", [user_id, day]
    ).fetchone()
    return row is not None


def note_message(
    db: sqlite_utils.Database, user_id: int, kind: str, version_id: int | None, at: datetime | None = None
) -> None:
    """In the caller's transaction, with the outbox row that carries the message."""
    db.execute(
        f"insert into {NOTICES} (user_id, day, kind, version_id, at) values (?, ?, ?, ?, ?)",
        [user_id, school_day(at), kind, version_id, stamp(at)],
    )


def due_reminders(
    db: sqlite_utils.Database, members: list[int], at: datetime | None = None
) -> dict[int, list[Version]]:
    """Each member with something to read who has had no message about reads today (school time)."""
    day = school_day(at)
    due: dict[int, list[Version]] = {}
    for user_id in members:
        pending = pending_for(db, user_id)
        if pending and not messaged_on(db, user_id, day):
            due[user_id] = pending
    return due


# -- progress and the record ------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """One version needing reading: who confirmed it (with when) and which members have not."""

    version: Version
    decision: Decision
    confirmed: list[Confirmation]
    waiting: list[tuple[int, str]]  # (user id, name) of current members; empty once replaced
    replaced: bool


def confirmations_of_version(db: sqlite_utils.Database, version_id: int) -> list[Confirmation]:
    rows = db.execute(
        f"select version_id, user_id, name, confirmed_at from {CONFIRMATIONS} where version_id = ?"
        " order by confirmed_at, id",
        [version_id],
    ).fetchall()
    return [Confirmation(*r) for r in rows]


def progress(db: sqlite_utils.Database, members: list[tuple[int, str]]) -> list[Progress]:
    """Every version staff were asked to read, the current ones first, newest first."""
    current = {v.id for v in current_required(db)}
    found = []
    for version in reversed(required_versions(db)):
        made = decision(db, version.id)
        if made is None:
            continue
        confirmed = confirmations_of_version(db, version.id)
        done = {c.user_id for c in confirmed}
        waiting = [(uid, name) for uid, name in members if uid not in done] if version.id in current else []
        found.append(Progress(version, made, confirmed, waiting, version.id not in current))
    return sorted(found, key=lambda p: (p.replaced, -p.version.id))


@dataclass(frozen=True)
class Record:
    """One confirmation with its version, as the CSV and a person's data export show it."""

    title: str
    source: str
    number: int
    version_at: str
    user_id: int
    name: str
    confirmed_at: str


def records(db: sqlite_utils.Database, user_id: int | None = None) -> list[Record]:
    """Every confirmation (or one person's), oldest first."""
    where, args = ("where c.user_id = ?", [user_id]) if user_id is not None else ("", [])
    rows = db.execute(
        f"select v.title, v.source, v.number, v.recorded_at, c.user_id, c.name, c.confirmed_at"
        f" from {CONFIRMATIONS} c join {pv.VERSIONS} v on v.id = c.version_id {where}"
        " order by c.confirmed_at, c.id",
        args,
    ).fetchall()
    return [Record(*r) for r in rows]


CSV_COLUMNS = [
    "Policy",
    "File",
    "Version",
    "Version date",
    "Staff member",
    "Telegram id",
    "Confirmed read at",
]


def records_csv(db: sqlite_utils.Database) -> bytes:
    """Every confirmation, one row each, in school time: the record an inspector asks for."""
    rows: list[list[object]] = [list(CSV_COLUMNS)]
    for r in records(db):
        rows.append(
            [
                r.title,
                r.source,
                r.number,
                shown(r.version_at),
                r.name,
                r.user_id,
                shown(r.confirmed_at, seconds=True),
            ]
        )
    return csv_bytes(rows)


# -- retention --------------------------------------------------------------------------------


def purge_confirmations(db: sqlite_utils.Database, years: int, at: datetime | None = None) -> int:
    """Delete confirmations of versions replaced more than `years` ago (the school's report
    retention): while a version is the one to read, its confirmations are the live record.
    Like the report purge, the delete trigger is lifted inside this transaction only."""
    cutoff = stamp(years_before(utc(at), years))
    current = {v.id for v in current_required(db)}
    old: list[int] = []
    for version in required_versions(db):
        newer = replaced_by(db, version)
        made = decision(db, newer.id) if newer is not None else None
        if version.id not in current and made is not None and made.decided_at < cutoff:
            old.append(version.id)
    if not old:
        return 0
    marks = ", ".join("?" * len(old))
    with transaction(db):
        db.execute(f"drop trigger {trigger_name(CONFIRMATIONS, 'delete')}")
        cursor = db.execute(f"delete from {CONFIRMATIONS} where version_id in ({marks})", old)
        db.execute(append_only_trigger(CONFIRMATIONS, "delete"))
    return cursor.rowcount
