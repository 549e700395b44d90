"""Every version of every policy the bot has answered from, with what changed since the last one.

A school must be able to say which wording of a policy a member of staff confirmed reading, and
staff should be told what changed rather than handed the whole document again. So each time the
index is rebuilt (an upload, /reload, `staffguide index`, a start after files were copied in) the
passages of each document are compared with its latest stored version; a document whose words
changed gets a new version holding its passages and its section changes (knowledge.changes).
The policies the bot first sees are the baseline: nothing to read, nothing changed; a document
added after that is new in every section.

Versions are a record (migration 0008_policy_reads): rows are only ever added; SQLite triggers
refuse updates and deletes. Free of Telegram types.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlite_utils

from knowledge.changes import SectionChange, section_changes
from knowledge.chunking import Passage

from .clock import stamp
from .transactions import transaction

VERSIONS = "policy_versions"
CHANGED_PASSAGES = "policy_changed_passages"
FIRST, UPLOAD, RELOAD, INDEX, START = "first", "upload", "reload", "index", "start"


def create_table(db: sqlite_utils.Database) -> None:
    """Called from migration 0008_policy_reads (bot.reads.migrate_policy_reads)."""
    db.execute(
        f"""
        create table {VERSIONS} (
            id integer primary key autoincrement,
            source text not null,            -- the policy's file name
            title text not null,             -- its title, as staff see it
            number integer not null,         -- 1, 2, ... per source
            recorded_at text not null,
            recorded_by integer,             -- who uploaded it (null: the folder or the command line)
            action text not null,            -- first, upload, reload, index, start
            passages text not null,          -- JSON [{{id, section, text}}] in document order
            changes text not null,           -- JSON [SectionChange] against the previous version
            unique (source, number)
        )
        """
    )
    # passages whose words a version changed: an answer quoting one before then is out of date
    db.execute(
        f"""
        create table {CHANGED_PASSAGES} (
            passage_id text not null,
            version_id integer not null references {VERSIONS}(id),
            changed_at text not null,
            primary key (passage_id, version_id)
        )
        """
    )


@dataclass(frozen=True)
class Quote:
    """One passage of a stored version."""

    id: str
    section: str
    text: str


@dataclass(frozen=True)
class Version:
    id: int
    source: str
    title: str
    number: int
    recorded_at: str
    recorded_by: int | None
    action: str
    passages: tuple[Quote, ...]
    changes: tuple[SectionChange, ...]  # against version `counted_from`
    base: int | None = None  # set by `since`; None: the previous version

    @property
    def tag(self) -> str:
        """Names this very version in a button, with its id: a restore from an older backup can
        give the id to another version, never this one's file and time."""
        return hashlib.blake2s(
            f"{self.id}|{self.source}|{self.recorded_at}".encode(), digest_size=4
        ).hexdigest()

    @property
    def counted_from(self) -> int:
        """The version number the changes are counted from (0: from nothing)."""
        return self.number - 1 if self.base is None else self.base

    @property
    def name(self) -> str:
        """How staff see it: the title and the version number."""
        return f"{self.title}, version {self.number}"


COLUMNS = "id, source, title, number, recorded_at, recorded_by, action, passages, changes"


def _version(row: tuple[Any, ...]) -> Version:
    passages = tuple(Quote(p["id"], p["section"], p["text"]) for p in json.loads(row[7]))
    changes = tuple(SectionChange.from_json(c) for c in json.loads(row[8]))
    return Version(row[0], row[1], row[2], row[3], row[4], row[5], row[6], passages, changes)


def get(db: sqlite_utils.Database, version_id: int) -> Version | None:
    row = db.execute(f"select {COLUMNS} from {VERSIONS} where id = ?", [version_id]).fetchone()
    return _version(row) if row else None


def latest(db: sqlite_utils.Database) -> dict[str, Version]:
    """The newest version of each document, by file name."""
    rows = db.execute(
        f"select {COLUMNS} from {VERSIONS} v where number = "
        f"(select max(number) from {VERSIONS} w where w.source = v.source) order by title, source"
    ).fetchall()
    return {row[1]: _version(row) for row in rows}


def record(
    db: sqlite_utils.Database,
    passages: list[Passage],
    action: str,
    by: int | None = None,
    at: datetime | None = None,
) -> list[Version]:
    """Store a new version of each document whose words differ from its latest version; returns
    the new versions that changed something. The policies first seen are the baseline (stored, not
    returned); a document added later is new in every section. Documents no longer in `passages`
    keep their last version: a file moved aside is not a change to read."""
    grouped: dict[str, list[Passage]] = {}
    for passage in passages:
        grouped.setdefault(passage.source, []).append(passage)
    moment = stamp(at)
    changed: list[Version] = []
    with transaction(db):
        current = latest(db)
        for source, parts in grouped.items():
            previous = current.get(source)
            quotes = [Quote(p.id, p.section, p.text) for p in parts]
            if previous is None and not current:
                changes: list[SectionChange] = []  # the baseline: nothing to read
            else:
                changes = section_changes(previous.passages if previous else [], quotes)
                if not changes:
                    continue  # the same words (spacing or passage ids may have moved)
            cursor = db.execute(
                f"insert into {VERSIONS} (source, title, number, recorded_at, recorded_by, action, passages,"
                " changes) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    source,
                    parts[0].document,
                    previous.number + 1 if previous else 1,
                    moment,
                    by,
                    action if changes else FIRST,
                    json.dumps([q.__dict__ for q in quotes]),
                    json.dumps([c.as_json() for c in changes]),
                ],
            )
            stored = get(db, int(cursor.lastrowid or 0))
            if stored is None or not changes:
                continue
            changed.append(stored)
            for passage_id in sorted(changed_passage_ids(stored, previous)):
                db.execute(
                    f"insert or ignore into {CHANGED_PASSAGES} (passage_id, version_id, changed_at)"
                    " values (?, ?, ?)",
                    [passage_id, stored.id, moment],
                )
    return changed


def since(db: sqlite_utils.Database, version: Version, number: int) -> Version:
    """`version` with its changes counted from version `number` of the same policy (0: from
    nothing) rather than from the one before it: what someone who last read `number` must read."""
    if number == version.counted_from or number >= version.number or number < 0:
        return version
    rows = db.execute(
        f"select {COLUMNS} from {VERSIONS} where source = ? and number = ?", [version.source, number]
    ).fetchall()
    base = _version(rows[0]).passages if rows else ()
    return replace(version, changes=tuple(section_changes(base, version.passages)), base=number)


def changed_passage_ids(version: Version, previous: Version | None) -> set[str]:
    """Passage ids of `previous` whose words are not in `version`: answers quoting them are out
    of date."""
    if previous is None:
        return set()
    now_texts = {" ".join(q.text.split()) for q in version.passages}
    return {q.id for q in previous.passages if " ".join(q.text.split()) not in now_texts}


# "what's new in the phones policy?", "has the social media policy changed?", "latest changes to…"
WHAT_CHANGED = re.compile(
    r"\b(?:what(?:'|’)?s\s+(?:new|changed|different)|what\s+(?:is|has|have)\s+(?:new|changed|been\s+changed)"
    r"|what\s+changed|any\s+changes|changes\s+(?:to|in|made)|(?:latest|recent)\s+(?:changes|updates?|version)"
    r"|(?:has|have|was|were)\s+.{0,60}\b(?:changed|updated))\b",
    re.IGNORECASE,
)
TITLE_STOP_WORDS = {"policy", "policies", "the", "and", "for", "staff", "school", "our", "with"}


def _title_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in TITLE_STOP_WORDS}


def asks_what_changed(text: str, versions: dict[str, Version]) -> bool:
    """A question about what changed in a policy (it says "policy" or names one), not about the
    policy's content: answered from the change record, not by search."""
    if not WHAT_CHANGED.search(text):
        return False
    words = _title_words(text)
    return "polic" in text.lower() or any(words & _title_words(v.title) for v in versions.values())


def policy_asked_about(text: str, versions: dict[str, Version]) -> Version | None:
    """The policy a question names by the words of its title; with one policy, that one; None
    when no title, or two equally, match."""
    if len(versions) == 1:
        return next(iter(versions.values()))
    words = _title_words(text)
    scored = sorted(((len(words & _title_words(v.title)), v.id, v) for v in versions.values()), reverse=True)
    if scored and scored[0][0] > 0 and scored[0][0] > scored[1][0]:
        return scored[0][2]
    return None
