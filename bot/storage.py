"""The bot's SQLite database: explicit schema, WAL mode, forward-only migrations.

Each migration runs once, in order, inside one real transaction together with
its row in `migrations` (bot.transactions), so a migration that fails halfway
leaves the database as it was; a database from an older release is brought
forward on start-up without losing rows. Modules that own tables (reports, knowledge
review) contribute their own migrations to the list below, so the schema of
each table lives next to the code that uses it.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from embeddings import examples

from .clock import now
from .errors import StartupError
from .persistence import migrate_persistence
from .policy_library import migrate_knowledge
from .reads import migrate_policy_reads
from .reports.numbering import continue_after
from .reports.retention import migrate_retention
from .reports.schema import migrate_report_details, migrate_report_tags, migrate_reports
from .transactions import transaction

Migration = Callable[[sqlite_utils.Database], None]


class StorageError(StartupError):
    """The database cannot be opened or upgraded."""


def migrate_core(db: sqlite_utils.Database) -> None:
    """Users and roles, invites, questions with their answers and feedback."""
    db.table("users").create(
        {
            "user_id": int,
            "name": str,
            "enrolled_at": str,
            "enrolled_via": str,  # "allow-list", "invite:<code>", "config role"
            "revoked_at": str,
            "revoked_by": int,
        },
        pk="user_id",
        not_null={"enrolled_at"},
    )
    db.table("invites").create(
        {
            "code": str,
            "created_by": int,
            "created_at": str,
            "expires_at": str,
            "used_by": int,
            "used_at": str,
        },
        pk="code",
        not_null={"created_by", "created_at", "expires_at"},
    )
    db.table("questions").create(
        {
            "id": int,
            "user_id": int,
            "asked_at": str,
            "text": str,
            "answered": int,
            "passage_ids": str,  # JSON list, best first
            "feedback": str,  # "up", "down" or null
            "feedback_at": str,
            "escalated_at": str,  # sent to the Head Teacher with "Ask the Head Teacher"
        },
        pk="id",
        not_null={"user_id", "asked_at", "text", "answered"},
    )
    db.table("questions").create_index(["asked_at"])
    db.table("questions").create_index(["user_id"])
    db.table("refusals").create({"day": str, "count": int}, pk="day")


def migrate_example_sources(db: sqlite_utils.Database) -> None:
    """Migration 0007_example_sources: tell a reviewer's example from a staff member's pick, which
    counts only once others agree (`embeddings.examples.agreed`)."""
    examples.add_source_column(db)


# (name, function); append only, never reorder or rename.
MIGRATIONS: list[tuple[str, Migration]] = [
    ("0001_core", migrate_core),
    ("0002_persistence", migrate_persistence),
    ("0003_reports", migrate_reports),
    ("0004_knowledge", migrate_knowledge),
    ("0005_retention", migrate_retention),
    ("0006_report_details", migrate_report_details),
    ("0007_example_sources", migrate_example_sources),
    ("0008_policy_reads", migrate_policy_reads),
    ("0010_report_tags", migrate_report_tags),
]


def refuse_newer(done: set[str]) -> None:
    """An older release put back over a database a newer one upgraded would misread tables it does
    not know: refused, saying how to go back (README, "Upgrading and going back")."""
    unknown = sorted(done - {name for name, _step in MIGRATIONS})
    if unknown:
        raise StorageError(
            f"this database was upgraded by a newer StaffGuide (migration {', '.join(unknown)}): install "
            "that release again, or restore the backup taken before the upgrade"
        )


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations this database has not seen; returns their names."""
    db.execute("create table if not exists migrations (name text primary key, applied_at text not null)")
    done = {row[0] for row in db.execute("select name from migrations").fetchall()}
    refuse_newer(done)
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        with transaction(db):
            step(db)
            db.execute("insert into migrations (name, applied_at) values (?, ?)", [name, now()])
        applied.append(name)
    return applied


def open_db(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) and upgrade the database; WAL lets readers run beside the writer."""
    try:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
        db = sqlite_utils.Database(conn)
        db.execute("pragma journal_mode=wal")
        db.execute("pragma synchronous=normal")
        db.execute("pragma foreign_keys=on")
        migrate(db)
        if str(path) != ":memory:":
            require_writable(db, Path(path))
            continue_after(db.conn, Path(path))  # after a file was copied back by hand, too
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot open the database {path}: {exc}") from None
    return db


def require_writable(db: sqlite_utils.Database, path: Path) -> None:
    """Write once now, so a database the bot can read but not write (the file, its -wal or -shm
    or its folder read-only, e.g. made by root for a service that runs as its own user) stops
    `check` and `serve` with one line, instead of the bot starting and failing at its first write
    (and restarting forever under systemd). Any write statement needs a write transaction, which
    SQLite refuses on a read-only connection even when it changes no row; the folder must take
    new files (the lock, the journal, the reference number beside the database)."""
    hint = "the bot's user must be able to write it, its -wal and -shm files and its folder"
    try:
        with transaction(db):
            db.execute("update migrations set name = name where 0")
    except sqlite3.Error as exc:
        raise StorageError(f"the database {path} cannot be written ({exc}): {hint}") from None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".staffguide-check-"):
            pass
    except OSError as exc:
        raise StorageError(
            f"the database's folder {path.parent} cannot be written ({exc.strerror or exc}): {hint}"
        ) from None


def open_db_readonly(path: Path) -> sqlite_utils.Database:
    """Open an existing database for reading only: never created, never upgraded, never written.

    For read-only commands (`staffguide stats`, `export-person`): a mistyped path must not leave
    an empty database behind that a later command or a bot then takes for the school's.
    """
    if not path.is_file():
        raise StorageError(f"there is no database at {path} (this command never creates one)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        tables = set(db.table_names())
        done = (
            {row[0] for row in db.execute("select name from migrations").fetchall()}
            if "migrations" in tables
            else set()
        )
    except sqlite3.Error as exc:
        raise StorageError(f"cannot read the database {path}: {exc}") from None
    if "migrations" not in tables:
        raise StorageError(f"{path} is not a StaffGuide database (it has no migrations table)")
    refuse_newer(done)
    missing = [name for name, _step in MIGRATIONS if name not in done]
    if missing:
        raise StorageError(
            f"the database {path} is from an older release (missing {', '.join(missing)}): "
            "`staffguide check` or starting the bot upgrades it"
        )
    return db
