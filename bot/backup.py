"""Backups of the bot's SQLite database: taken while the bot runs, checked, restored with care.

A backup is made with SQLite's online backup API, which copies a consistent
snapshot page by page while the bot goes on writing (WAL mode: the bot never
waits for it). The copy is written under a temporary name, switched out of WAL
mode so it is one self-contained file, checked with `PRAGMA integrity_check`
and only then renamed into place: a file named like a backup is a good backup.

A running bot holds an exclusive lock on `<database>.lock` (BotLock, flock(2)
through the `filelock` library) for as long as it runs; the kernel drops the
lock when the process ends, however it ends, so a crash never leaves a stale
"running" mark. `restore` refuses to
overwrite the database of a running bot unless forced, checks the backup
first, and keeps the database it replaces next to it.

Free of Telegram types: the CLI and the nightly job (bot.handlers.ops) share it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any

from filelock import FileLock, Timeout

from .clock import shown, utc
from .errors import StartupError
from .reports.numbering import continue_after, counter
from .reports.records import reference

PREFIX = "staffguide-"
SUFFIX = ".db"


class BackupError(StartupError):
    """A backup or restore that could not be done, in one line."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    reports: int  # -1: the database has no reports table
    size: int
    # restore only: the replaced database's reports the backup lacks, (id, created_at); None
    # when the replaced database could not be read
    lost: tuple[tuple[int, str], ...] | None = ()
    kept_as: Path | None = None  # where the replaced database went
    damaged: bool = False  # it failed its integrity check and was renamed, not copied
    next_id: int = 1  # the next report's id


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


def _write_pid(fd: int) -> None:
    """filelock's on_acquired hook: the holder's pid in the lock file, for `restore` and `health`."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


def _file_lock(path: Path, **hooks: Any) -> FileLock:
    """An flock(2) lock through filelock. No soft fallback: a soft lock is a marker file that a
    crash can leave behind, and "a crash never leaves a stale running mark" is why this is a kernel
    lock; filelock then refuses a file system without flock instead of quietly changing kind."""
    return FileLock(path, timeout=0, fallback_to_soft=False, **hooks)


class BotLock:
    """Held by `staffguide serve` while it runs: one bot per database, and `restore` can tell."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._lock = _file_lock(self.path, on_acquired=_write_pid)

    def __enter__(self) -> BotLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except Timeout:
            pid = running_pid(self.path.with_name(self.path.name.removesuffix(".lock")))
            raise StartupError(
                f"another StaffGuide bot (pid {pid}) is already running on this database"
                if pid
                else "another StaffGuide bot is already running on this database"
            ) from None
        except OSError as exc:  # after Timeout, which is an OSError too
            raise StartupError(
                f"cannot create the lock file {self.path} ({exc.strerror or exc}): "
                "the bot's user must be able to write the database's folder"
            ) from None
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._lock.release()  # the file stays; the kernel also drops the lock if the process dies


def running_pid(database: Path) -> int | None:
    """The pid of the bot running on `database`, or None when no bot holds its lock."""
    path = lock_path(database)
    if not path.exists():
        return None
    probe = _file_lock(path)
    try:
        probe.acquire()
    except Timeout:
        text = path.read_text(encoding="utf-8").strip()
        return int(text) if text.isdigit() else -1
    except OSError as exc:  # filelock opens the file for writing: another user may not
        raise BackupError(
            f"cannot tell whether a bot runs on {database}: {exc.strerror or exc} opening {path} "
            "(run this as the bot's user)"
        ) from None
    probe.release()
    return None


def integrity(path: Path) -> str:
    """ "ok", or what `PRAGMA integrity_check` (or opening the file) found wrong, in one line."""
    if not path.is_file():
        return f"{path} is not a file"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [str(r[0]) for r in conn.execute("pragma integrity_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"not a readable SQLite database ({exc})"
    return "ok" if rows == ["ok"] else "; ".join(rows[:3])


def _reports_in(conn: sqlite3.Connection) -> int:
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if "reports" not in tables:
        return -1
    return int(conn.execute("select count(*) from reports").fetchone()[0])


def backup_name(at: datetime | None = None) -> str:
    return f"{PREFIX}{utc(at).strftime('%Y%m%d-%H%M%S')}{SUFFIX}"


def take_backup(database: Path, dest: Path, at: datetime | None = None) -> BackupInfo:
    """Copy `database` to `dest` while the bot runs. `dest` is a file, or a folder (one that exists,
    or a new name without a suffix such as `backups`) to put a dated `staffguide-….db` in."""
    if not database.is_file():
        raise BackupError(f"the database {database} does not exist")
    if dest.is_dir() or (not dest.exists() and not dest.suffix):
        dest.mkdir(parents=True, exist_ok=True)
        dest = dest / backup_name(at)
    if dest.resolve() == database.resolve():
        raise BackupError("the backup cannot be the database itself")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(str(database), timeout=30)
        try:
            target = sqlite3.connect(str(partial))
            try:
                source.backup(target)
                target.execute("pragma journal_mode=delete")  # one self-contained file
                reports = _reports_in(target)
            finally:
                target.close()
        finally:
            source.close()
        problem = integrity(partial)
        if problem != "ok":
            raise BackupError(f"the backup failed its integrity check: {problem}")
        os.replace(partial, dest)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"cannot back up {database} to {dest}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(path=dest, reports=reports, size=dest.stat().st_size)


def _report_keys(path: Path) -> set[tuple[int, str]] | None:
    """(id, created_at) of every report in the database at `path`; None when it cannot be read
    (a damaged file). The pair names one report: a restore can give its id to another."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            if _reports_in(conn) < 0:
                return set()
            return {(int(i), str(c)) for i, c in conn.execute("select id, created_at from reports")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _counter_of(path: Path) -> int:
    """The highest report id the database at `path` gave; 0 when it cannot be read."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return counter(conn)
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _move_aside(database: Path, stamp: str) -> Path:
    """A damaged database is kept exactly as it is (with its -wal and -shm), under a new name."""
    aside = database.with_name(f"{database.name}.damaged-{stamp}")
    try:
        for suffix in ("", "-wal", "-shm"):
            part = database.with_name(database.name + suffix)
            if part.exists():
                os.replace(part, aside.with_name(aside.name + suffix))
    except OSError as exc:
        raise BackupError(f"cannot move the damaged database {database} aside: {exc}") from None
    return aside


def restore(source: Path, database: Path, force: bool = False, at: datetime | None = None) -> BackupInfo:
    """Replace `database` with the backup `source`, after checking it; the replaced database is kept
    as `<database>.before-restore-<time>` (a damaged one, which cannot be copied, is renamed to
    `<database>.damaged-<time>` as it is). Refuses while a bot runs on it unless `force`, and a
    backup from a newer StaffGuide (its reports need columns this version does not fill).

    Report references go on after the highest ever issued (bot.reports.numbering), and the
    reports of the replaced database that the backup does not have are returned as `lost`."""
    from .storage import StorageError, refuse_newer  # loads every migration's module: only to restore

    problem = integrity(source)
    if problem != "ok":
        raise BackupError(f"{source} failed its integrity check, nothing restored: {problem}")
    conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        done = (
            {str(r[0]) for r in conn.execute("select name from migrations")}
            if "migrations" in tables
            else set()
        )
    finally:
        conn.close()
    if "migrations" not in tables:
        raise BackupError(f"{source} is not a StaffGuide database (it has no migrations table)")
    try:
        refuse_newer(done)  # it would restore "ok", then the bot would refuse it
    except StorageError as exc:
        raise BackupError(
            f"{source} was not restored: the backup {str(exc).removeprefix('this database ')}"
        ) from None
    pid = running_pid(database)
    if pid is not None and not force:
        who = f"pid {pid}" if pid > 0 else "a running process"
        raise BackupError(f"a StaffGuide bot ({who}) is running on {database}: stop it first, or use --force")
    stamp = utc(at).strftime("%Y%m%d-%H%M%S")
    replaced: set[tuple[int, str]] | None = set()
    replaced_counter, kept_as, damaged = 0, None, False
    if database.exists():
        replaced, replaced_counter = _report_keys(database), _counter_of(database)
        if integrity(database) == "ok":
            kept_as = take_backup(
                database, database.with_name(f"{database.name}.before-restore-{stamp}")
            ).path
        else:
            kept_as, damaged = _move_aside(database, stamp), True
    database.parent.mkdir(parents=True, exist_ok=True)
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(str(database), timeout=30)
            try:
                src.backup(target)
                target.execute("pragma journal_mode=wal")
                reports = _reports_in(target)
                highest = continue_after(target, database, replaced_counter)
            finally:
                target.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore {source} to {database}: {exc}") from None
    problem = integrity(database)
    if problem != "ok":
        raise BackupError(f"the restored database failed its integrity check: {problem}")
    restored = _report_keys(database) or set()
    return BackupInfo(
        path=database,
        reports=reports,
        size=database.stat().st_size,
        lost=None if replaced is None else tuple(sorted(replaced - restored)),
        kept_as=kept_as,
        damaged=damaged,
        next_id=highest + 1,
    )


def describe_restore(info: BackupInfo, tz: tzinfo | None = None) -> list[str]:
    """What a restore did, for the person who ran it: where the old database is, the reports it
    had that the backup lacks (to be filed again, or followed up from the Head's messages), and
    the next reference."""
    lines = []
    if info.kept_as is not None:
        state = "was damaged: it is kept as it was" if info.damaged else "is kept"
        lines.append(f"the replaced database {state} as {info.kept_as}")
    if info.lost is None:
        lines.append("reports lost since the backup: unknown (the replaced database could not be read)")
    elif info.lost:
        listed = "; ".join(f"{reference(i)} filed {shown(at, tz)}" for i, at in info.lost)
        lines.append(f"reports lost since the backup ({len(info.lost)}, not in the backup): {listed}")
    elif info.kept_as is not None:
        lines.append("reports lost since the backup: none")
    lines.append(f"new reports continue from {reference(info.next_id)}")
    return lines


def prune(folder: Path, keep_days: int, at: datetime | None = None) -> list[Path]:
    """Delete this folder's dated backups older than `keep_days` (never the newest); returns them."""
    cutoff = utc(at) - timedelta(days=keep_days)
    backups = sorted(folder.glob(f"{PREFIX}*{SUFFIX}"))
    removed = []
    for path in backups[:-1]:
        taken = datetime.fromtimestamp(path.stat().st_mtime, tz=cutoff.tzinfo)
        if taken < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def newest(folder: Path) -> Path | None:
    backups = sorted(folder.glob(f"{PREFIX}*{SUFFIX}")) if folder.is_dir() else []
    return backups[-1] if backups else None
