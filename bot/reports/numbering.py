"""Report references that never repeat, even when an older backup is put back.

R-0042 is the report's row id (`autoincrement`, so SQLite never reuses one inside a database).
A restore brings back an older database whose counter is behind: the next report would get a
reference already given to a report that the restore lost, and the Head's button for that lost
report would act on the new one. So the highest reference ever issued is also kept OUTSIDE the
database, in `<database>.reports-issued` next to it, written in the transaction of every new
report; opening the database (and `restore`) moves SQLite's counter past it. The buttons name
their report exactly too (`Report.tag`), for when even that file is lost with the disk.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SUFFIX = ".reports-issued"


def issued_path(database: Path) -> Path:
    return database.with_name(database.name + SUFFIX)


def database_file(conn: sqlite3.Connection) -> Path | None:
    """The file of the connection's main database; None in memory."""
    for _seq, name, file in conn.execute("pragma database_list").fetchall():
        if name == "main":
            return Path(file) if file else None
    return None


def counter(conn: sqlite3.Connection) -> int:
    """The highest report id this database has given (SQLite's autoincrement counter)."""
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if "sqlite_sequence" not in tables:
        return 0
    row = conn.execute("select seq from sqlite_sequence where name = 'reports'").fetchone()
    return int(row[0]) if row else 0


def remembered(database: Path) -> int:
    """The highest reference ever issued on this database's path, as kept beside it (0: none)."""
    try:
        text = issued_path(database).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return 0
    return int(text) if text.isdigit() else 0


def remember(database: Path, report_id: int) -> None:
    """Keep `report_id` as the highest issued, if it is. Written to a temporary name and renamed,
    so a crash never leaves half a number. An OSError is a storage failure: the caller's
    transaction rolls back and the person is asked to try again."""
    if report_id <= remembered(database):
        return
    path = issued_path(database)
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(f"{report_id}\n", encoding="ascii")
        os.replace(partial, path)
    except OSError as exc:
        raise sqlite3.OperationalError(f"cannot record the report number in {path}: {exc}") from None


def note_issued(conn: sqlite3.Connection, report_id: int) -> None:
    """Called for every new report, inside its transaction."""
    database = database_file(conn)
    if database is not None:
        remember(database, report_id)


def continue_after(conn: sqlite3.Connection, database: Path, *also: int) -> int:
    """Make the next report's id follow the highest ever issued: this database's counter, the
    number kept beside it, and `also` (e.g. the counter of a database a restore replaced).
    Returns that highest number."""
    highest = max(counter(conn), remembered(database), *also, 0)
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if highest > counter(conn) and "sqlite_sequence" in tables:
        conn.execute("delete from sqlite_sequence where name = 'reports'")
        conn.execute("insert into sqlite_sequence (name, seq) values ('reports', ?)", [highest])
        if conn.in_transaction:
            conn.commit()
    if highest:
        remember(database, highest)
    return highest
