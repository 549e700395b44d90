"""Keeping the knowledge right: policy uploads, re-indexing, the review list and corrections.

The Head Teacher and the policy admins own what the bot knows. This module is
the domain side of their tools, free of Telegram types so that it can be
tested without a bot:

- `PolicyLibrary` stores an uploaded policy (the previous version goes to
  `<policies>/.archive/`), re-indexes in a worker thread and swaps the new
  index into the running engine. One re-index runs at a time; questions
  asked meanwhile are answered from the old index, because the engine only
  changes index when the new one is complete.
- The review list of every declined question and every 👎 is bot.knowledge_review.

Just over 400 lines: `PolicyLibrary` (store, re-index, swap) is one state machine
around one lock and is kept whole.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from embeddings import examples
from knowledge.chunking import Passage
from knowledge.documents import (
    SAVE_AS,
    SUPPORTED_SUFFIXES,
    UNREAD_FORMATS,
    PolicyFolderError,
    policy_files,
    read_document,
)

from . import policy_versions as pv
from .clock import now, utc
from .transactions import transaction

if TYPE_CHECKING:
    from embeddings.index import Index
    from embeddings.search import SearchEngine

log = logging.getLogger("staffguide.knowledge")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
RETIRED_INDEX_CLOSE_SECONDS = 60.0
ARCHIVE_DIR = ".archive"
INCOMING_DIR = ".incoming"


# -- schema ------------------------------------------------------------------------------------


def migrate_knowledge(db: sqlite_utils.Database) -> None:
    """Example questions, review decisions, policy gaps, the passage catalogue and the change log."""
    examples.create_table(db)
    db.table("review_decisions").create(
        {
            "question_id": int,  # questions.id; one decision per question
            "outcome": str,  # "example", "gap" or "skip"
            "passage_id": str,  # for "example"
            "decided_by": int,
            "decided_at": str,
        },
        pk="question_id",
        not_null={"outcome", "decided_by", "decided_at"},
    )
    db.table("policy_gaps").create(
        {
            "id": int,
            "question_id": int,
            "text": str,  # copied: the question row may be deleted by retention, the gap stays
            "recorded_by": int,
            "recorded_at": str,
        },
        pk="id",
        not_null={"text", "recorded_by", "recorded_at"},
    )
    db.table("policy_gaps").create_index(["recorded_at"])
    db.table("passage_catalog").create(
        {
            "passage_id": str,  # so the digest can name the sections of old answers
            "document": str,
            "section": str,
            "last_seen": str,
        },
        pk="passage_id",
        not_null={"document", "section", "last_seen"},
    )
    db.table("policy_changes").create(
        {
            "id": int,
            "at": str,
            "by": int,
            "action": str,  # "upload" or "reload"
            "document": str,
            "archived_as": str,
            "added": str,  # JSON list of passage ids
            "removed": str,  # JSON list of passage ids
        },
        pk="id",
        not_null={"at", "action", "added", "removed"},
    )


def remember_passages(db: sqlite_utils.Database, passages: list[Passage]) -> None:
    """Record the section of every passage in use; kept after a passage is removed."""
    stamp = now()
    with transaction(db):
        db.table("passage_catalog").upsert_all(
            (
                {"passage_id": p.id, "document": p.document, "section": p.section, "last_seen": stamp}
                for p in passages
            ),
            pk="passage_id",
        )


# -- uploads -----------------------------------------------------------------------------------


class UploadRejected(Exception):
    """An upload that is not stored; the message says why, for the person who sent it."""


def safe_file_name(name: str | None) -> str:
    """The upload's own file name, or UploadRejected: no folders, no hidden files, a known type."""
    if not name or not name.strip():
        raise UploadRejected("the file has no name; send it as a document with its file name")
    name = name.strip()
    if "/" in name or "\\" in name or name in {".", ".."} or "\x00" in name:
        raise UploadRejected(f"{name!r} is not a plain file name")
    if name.startswith("."):
        raise UploadRejected("hidden files (names starting with '.') are not policies")
    suffix = Path(name).suffix.lower()
    if suffix in UNREAD_FORMATS:
        raise UploadRejected(f"{name} is {UNREAD_FORMATS[suffix]}, which is not read: {SAVE_AS}")
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = " ".join(SUPPORTED_SUFFIXES)
        raise UploadRejected(f"{suffix or 'a file without an extension'} is not accepted; send {kinds}")
    if len(name.encode()) > 200:
        raise UploadRejected("the file name is too long")
    return name


def check_size(size: int | None, limit: int = MAX_UPLOAD_BYTES) -> None:
    if size is not None and size > limit:
        raise UploadRejected(f"the file is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB")
    if size == 0:
        raise UploadRejected("the file is empty")


def archive_stamp(at: datetime | None = None) -> str:
    return utc(at).strftime("%Y%m%dT%H%M%SZ")


def archive_path(folder: Path, name: str, at: datetime | None = None) -> Path:
    """<policies>/.archive/<name>.<timestamp>, numbered if two versions land in one second."""
    base = folder / ARCHIVE_DIR / f"{name}.{archive_stamp(at)}"
    path, n = base, 1
    while path.exists():
        path, n = base.with_name(f"{base.name}.{n}"), n + 1
    return path


def stage_upload(folder: Path, name: str, data: bytes, limit: int = MAX_UPLOAD_BYTES) -> tuple[Path, str]:
    """Write the upload beside the policies (hidden folder) and read it as a policy.

    Returns the staged path and the document's title. A file that does not
    read is deleted and rejected with the reader's reason, so the live
    version is never replaced by something the bot cannot quote.
    """
    name = safe_file_name(name)
    check_size(len(data), limit)
    incoming = folder / INCOMING_DIR
    incoming.mkdir(parents=True, exist_ok=True)
    staged = incoming / f"{time.time_ns()}-{name}"
    staged.write_bytes(data)
    try:
        document = read_document(staged)
    except (ValueError, OSError) as exc:
        staged.unlink(missing_ok=True)
        raise UploadRejected(f"{name} cannot be read: {exc}") from None
    return staged, document.title


@dataclass
class Installed:
    path: Path
    archived: Path | None  # the previous version, if there was one


def install_upload(folder: Path, staged: Path, name: str, at: datetime | None = None) -> Installed:
    """Move the staged file into place; an older file of the same name goes to the archive first."""
    target = folder / name
    archived = None
    if target.exists():
        archived = archive_path(folder, name, at)
        archived.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, archived)
    os.replace(staged, target)  # atomic: readers see the old file or the new one, never half
    return Installed(target, archived)


def undo_install(installed: Installed) -> None:
    """Put the previous version back (or remove a new document) after a failed re-index."""
    if installed.archived is not None:
        shutil.copy2(installed.archived, installed.path)
    else:
        installed.path.unlink(missing_ok=True)


# -- re-indexing -------------------------------------------------------------------------------


@dataclass
class Change:
    """What a re-index changed, by stable passage id."""

    added: list[Passage] = field(default_factory=list)
    removed: list[Passage] = field(default_factory=list)
    passages: int = 0
    documents: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    examples_attached: int = 0
    examples_orphaned: int = 0  # examples whose passage is gone
    seconds: float = 0.0
    document: str = ""  # the uploaded file, for uploads
    archived: str = ""  # where its previous version went
    versions: list[pv.Version] = field(default_factory=list)  # new versions whose words changed

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.removed


def diff_passages(old: list[Passage], new: list[Passage]) -> tuple[list[Passage], list[Passage]]:
    """(added, removed), in document order; stable ids mean untouched passages do not count."""
    old_ids = {p.id for p in old}
    new_ids = {p.id for p in new}
    return [p for p in new if p.id not in old_ids], [p for p in old if p.id not in new_ids]


class ReindexFailed(Exception):
    """The new index could not be built; the engine still uses the previous one."""


@dataclass
class PolicyInfo:
    name: str
    title: str
    modified: datetime
    size: int
    versions: int  # archived earlier versions
    problem: str = ""  # why it is not loaded, if it is not


class PolicyLibrary:
    """The policy folder, its search index and the live engine, changed one re-index at a time.

    `build` is `embeddings.index.build_index` (or the cached `open_index` for
    /reload); tests can pass a slower one to hold a re-index open.
    """

    def __init__(
        self,
        engine: SearchEngine,
        db: sqlite_utils.Database,
        folder: Path,
        index_dir: Path,
        max_bytes: int = MAX_UPLOAD_BYTES,
        build: Callable[[Path, Path], Index] | None = None,
        reload: Callable[[Path, Path], Index] | None = None,
    ) -> None:
        self.engine = engine
        self.db = db
        self.folder = Path(folder)
        self.index_dir = Path(index_dir)
        self.max_bytes = max_bytes
        self._build = build or _build_index
        self._reload = reload or reload_index
        self._lock = asyncio.Lock()

    @property
    def busy(self) -> bool:
        """True while a re-index runs (a new request will wait for it)."""
        return self._lock.locked()

    def start(self) -> examples.TaughtRows | None:
        """At start-up: use the stored example questions (now and after every swap), note sections,
        and store a version of each policy changed since the bot last saw it."""
        self.engine.set_examples(examples.attacher(self.db))
        remember_passages(self.db, self.engine.index.passages)
        pv.record(self.db, self.engine.index.passages, pv.START)
        return self.engine.taught

    async def upload(self, name: str | None, data: bytes, user_id: int | None = None) -> Change:
        """Validate, store and index an uploaded policy; UploadRejected leaves everything as it was."""
        name = safe_file_name(name)
        check_size(len(data), self.max_bytes)
        async with self._lock:
            staged, _title = await asyncio.to_thread(stage_upload, self.folder, name, data, self.max_bytes)
            pv.record(self.db, self.engine.index.passages, pv.START)  # what the change is measured from
            installed = install_upload(self.folder, staged, name)
            try:
                change = await self._reindex(self._build)
            except ReindexFailed:
                undo_install(installed)
                raise
            change.document = name
            change.archived = installed.archived.name if installed.archived else ""
            change.versions = pv.record(self.db, self.engine.index.passages, pv.UPLOAD, user_id)
            self._log("upload", user_id, change)
            return change

    async def reload(self, user_id: int | None = None) -> Change:
        """Re-read the policy folder (e.g. after files were copied in by hand)."""
        async with self._lock:
            pv.record(self.db, self.engine.index.passages, pv.START)
            change = await self._reindex(self._reload)
            change.versions = pv.record(self.db, self.engine.index.passages, pv.RELOAD, user_id)
            self._log("reload", user_id, change)
            return change

    async def _reindex(self, build: Callable[[Path, Path], Index]) -> Change:
        """Build in a worker thread, then swap; until the swap, questions use the old index."""
        started = time.perf_counter()
        old = self.engine.index.passages
        try:
            index = await asyncio.to_thread(build, self.folder, self.index_dir)
        except PolicyFolderError as exc:
            raise ReindexFailed(str(exc)) from None
        except Exception as exc:  # the old index keeps answering; say why this one did not build
            log.exception("re-index failed")
            raise ReindexFailed(f"{type(exc).__name__}: {exc}") from None
        retired = self.engine.swap(index)
        # Searches that started on the old index finish within milliseconds; close its database
        # connection a minute later rather than keep one open file per re-index.
        closer = threading.Timer(RETIRED_INDEX_CLOSE_SECONDS, retired.close)
        closer.daemon = True
        closer.start()
        added, removed = diff_passages(old, index.passages)
        remember_passages(self.db, index.passages)
        taught = self.engine.taught
        return Change(
            added=added,
            removed=removed,
            passages=len(index.passages),
            documents=list(index.manifest.get("documents_list", [])),
            skipped=[tuple(s) for s in index.manifest.get("skipped", [])],
            examples_attached=taught.attached if taught else 0,
            examples_orphaned=taught.skipped if taught else 0,
            seconds=round(time.perf_counter() - started, 2),
        )

    def _log(self, action: str, user_id: int | None, change: Change) -> None:
        with transaction(self.db):
            self.db.table("policy_changes").insert(
                {
                    "at": now(),
                    "by": user_id,
                    "action": action,
                    "document": change.document or None,
                    "archived_as": change.archived or None,
                    "added": json.dumps([p.id for p in change.added]),
                    "removed": json.dumps([p.id for p in change.removed]),
                }
            )

    def documents(self) -> list[PolicyInfo]:
        """The policy files with their dates, titles and whether they are loaded."""
        titles = {p.source: p.document for p in self.engine.index.passages}
        problems = dict(self.engine.index.skipped)
        archive = self.folder / ARCHIVE_DIR
        infos = []
        try:
            files = policy_files(self.folder)
        except PolicyFolderError:
            return []
        for path in files:
            stat = path.stat()
            versions = len(list(archive.glob(f"{_glob_escape(path.name)}.*"))) if archive.is_dir() else 0
            problem = problems.get(path.name, "")
            if not problem and path.name not in titles:
                problem = "not indexed yet: use /reload"
            infos.append(
                PolicyInfo(
                    name=path.name,
                    title=titles.get(path.name, path.stem),
                    modified=datetime.fromtimestamp(stat.st_mtime, UTC),
                    size=stat.st_size,
                    versions=versions,
                    problem=problem,
                )
            )
        return infos


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def _build_index(folder: Path, index_dir: Path) -> Index:
    from embeddings.index import build_index

    return build_index(folder, index_dir, progress=False)


def reload_index(folder: Path, index_dir: Path) -> Index:
    """For /reload: reuse the stored index when nothing changed, else rebuild it."""
    from embeddings.index import open_index

    return open_index(folder, index_dir, progress=False, notify=log.info).index
