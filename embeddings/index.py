"""The search index on disk: passages, their vectors and a full-text table.

An index folder holds these files:

- `manifest.json`: the model, a hash of the policy files and of the chunking
  settings, and the passage count. Start-up compares it with the policy
  folder and reuses the index only when nothing changed.
- `vectors.npy`: unit-length float32 rows (FAISS inner product), several per
  passage (see `Passage.embedding_texts`), and `owners.npy`: the passage
  number of each row.
- `passages.db`: the passages (policy text, section, document, links as JSON) with an FTS5
  table over them (porter stemming).
- `keywords.npz`: the FTS5 table's terms as an inverted index in arrays, which
  `embeddings.bm25` ranks exactly as FTS5's `bm25()` does, in memory.
- `tokens.npy`, `token-scales.npy`, `token-starts.npy`: each passage's word-piece
  vectors (its first view's), which `embeddings.late` orders the first passages by.
- `dense.faiss`, only from `embeddings.dense.APPROXIMATE_FROM` vectors up: an
  IVF index over `vectors.npy` that reads about a quarter of them per question.
- `query-model-KEY/`, once adapted (`embeddings.adaptation`): the question model
  fine-tuned to these passages, named in the manifest with its calibrated
  threshold, answer lead and keyword weight.

A build writes a fresh folder and swaps it in with a rename, so a crash
mid-build leaves the previous index intact, and a damaged index is rebuilt
rather than trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.chunking import ChunkSettings, Passage, chunk_documents, needs_title
from knowledge.documents import load_folder, policy_files, require_policy_files, unread_files

from .bm25 import Bm25, Postings
from .dense import APPROXIMATE_FROM, DenseSearch, build_approximate, load_approximate, save_approximate
from .late import TokenRows, quantise
from .model import DIMENSION, MODEL_NAME, encode_with_tokens

log = logging.getLogger(__name__)

# 2: passages carry their links (a JSON column); 3: keywords.npz and dense.faiss; 4: word pieces
FORMAT = 4
MANIFEST = "manifest.json"
VECTORS = "vectors.npy"
OWNERS = "owners.npy"
PASSAGES_DB = "passages.db"
KEYWORDS = "keywords.npz"
DENSE = "dense.faiss"
FTS_TABLE = "passages_fts"
COLUMN_WEIGHTS = {"section": 2.0, "text": 1.0}  # BM25 weight of a word in the heading, in the text


class IndexCorrupt(Exception):
    """The stored index cannot be trusted and must be rebuilt."""


@dataclass
class Index:
    """An immutable, loaded index. Searches may run on it from several threads."""

    passages: list[Passage]
    vectors: np.ndarray  # one row per embedded text
    owners: np.ndarray  # the passage number of each row
    manifest: dict[str, Any]
    db_path: Path | None = None
    keywords: Bm25 | None = field(default=None, repr=False)  # read from db_path's FTS5 table if None
    approximate: Any = field(default=None, repr=False)  # an IVF index over the first rows, or None
    tokens: TokenRows | None = field(default=None, repr=False)  # word pieces (embeddings.late), or None
    _dense: DenseSearch = field(init=False, repr=False)
    _by_owner: np.ndarray = field(init=False, repr=False)  # row numbers, grouped by passage
    _owner_starts: np.ndarray = field(init=False, repr=False)  # passage p: _by_owner[starts[p]:starts[p+1]]

    def __post_init__(self) -> None:
        self._dense = DenseSearch(self.vectors, self.approximate)
        self._by_owner = np.argsort(self.owners, kind="stable")
        self._owner_starts = np.searchsorted(
            self.owners[self._by_owner], np.arange(len(self.passages) + 1), side="left"
        )
        if self.keywords is None and self.db_path is not None:
            db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
            try:
                self.keywords = Bm25(Postings.from_fts(db, FTS_TABLE, COLUMN_WEIGHTS, len(self.passages)))
            finally:
                db.close()

    @property
    def query_model_dir(self) -> Path | None:
        """The adapted question model saved with this index, or None for the base model."""
        name = self.manifest.get("query_model")
        if not name or self.db_path is None:
            return None
        return self.db_path.parent / str(name)

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return [tuple(s) for s in self.manifest.get("skipped", [])]

    def dense(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(passage number, cosine similarity of its best row), best first."""
        rows = min(len(self.vectors), max(k * 4, k + 16))
        if rows <= 0:
            return []
        found, scores = self._dense.search(query_vector, rows)
        owners = self.owners[found]
        _, first = np.unique(owners, return_index=True)  # each passage's first row: its best
        first = np.sort(first)[:k]  # the rows are best first, so their order is the passages'
        return [(int(o), float(s)) for o, s in zip(owners[first], scores[first], strict=True)]

    def similarity(self, query_vector: np.ndarray, passage_numbers: list[int]) -> dict[int, float]:
        """The best-row cosine similarity of given passages (those outside a dense top k)."""
        best: dict[int, float] = {}
        starts = self._owner_starts
        for number in set(passage_numbers):
            if 0 <= number < len(self.passages):
                rows = self._by_owner[starts[number] : starts[number + 1]]
                if len(rows):
                    best[number] = float(np.max(self.vectors[rows] @ query_vector))
        return best

    def document_frequency(self, word: str) -> int:
        """How many passages hold `word`, stemmed as FTS5 stems it."""
        return self.keywords.document_frequency(word) if self.keywords is not None else 0

    def informative(self, words: list[str]) -> list[str]:
        """The words that can move a BM25 ranking: those in at most half of the passages.

        BM25 gives a word in more than half the passages an IDF of almost
        nothing, so it cannot lift one passage over another; leaving it out
        of the query only spares scoring every passage it matches (most of a
        large index for "school" or "staff").
        """
        half = len(self.passages) / 2
        return [w for w in words if self.document_frequency(w) <= half]

    def keyword(self, words: list[str], k: int) -> list[tuple[int, float]]:
        """(passage number, BM25 score where higher is better), best first, for passages with any word.

        The ranking and scores are those of FTS5's `bm25(passages_fts, 2.0,
        1.0)` for the words OR-ed (see `embeddings.bm25`); the words are
        plain words, never query syntax.
        """
        if not words or self.keywords is None:
            return []
        return self.keywords.search(words, k)

    def close(self) -> None:
        """Nothing to release now (kept so callers can treat an index as a resource): the word-piece
        file closes when the index is let go, since searches still running on it read it."""


def documents_hash(policies: Path) -> str:
    """A hash of every policy file's name and bytes: any edit, upload or removal changes it.

    The names of documents in formats that are not read count too, so the list of files not
    read stays true (a folder without any hashes as before)."""
    digest = hashlib.sha256()
    for path in policy_files(policies):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name, _ in unread_files(policies):
        digest.update(b"not read\0" + name.encode() + b"\0")
    return digest.hexdigest()


def expected_manifest(policies: Path, settings: ChunkSettings) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "model": MODEL_NAME,
        "documents": documents_hash(policies),
        "chunking": settings.fingerprint(),
    }


def _is_current(manifest: dict[str, Any], expected: dict[str, Any]) -> bool:
    return all(manifest.get(k) == v for k, v in expected.items())


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The stored manifest, or None when it is missing, unreadable or not a JSON object."""
    try:
        manifest = json.loads((index_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def load_index(index_dir: Path) -> Index:
    """Load a stored index, checking that its parts agree; raises IndexCorrupt otherwise."""
    manifest = read_manifest(index_dir)
    if not isinstance(manifest, dict):
        raise IndexCorrupt("manifest missing or unreadable")
    try:
        vectors = np.load(index_dir / VECTORS, allow_pickle=False)
        owners = np.load(index_dir / OWNERS, allow_pickle=False)
        db = sqlite3.connect(f"file:{index_dir / PASSAGES_DB}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "select idx, id, document, source, section, text, position, context, links "
                "from passages order by idx"
            ).fetchall()
            db.execute("select count(*) from passages_fts").fetchone()
        finally:
            db.close()
    except (OSError, ValueError, sqlite3.Error) as exc:
        raise IndexCorrupt(f"{type(exc).__name__}: {exc}") from None
    try:
        passages = [
            Passage(
                id=row[1],
                document=row[2],
                source=row[3],
                section=row[4],
                text=row[5],
                position=int(row[6]),
                context=row[7] or "",
                links=_links(row[8]),
            )
            for row in rows
        ]
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(f"unreadable passage links ({exc})") from None
    if [row[0] for row in rows] != list(range(len(rows))):
        raise IndexCorrupt("passage numbering has gaps")
    if vectors.dtype != np.float32 or vectors.ndim != 2 or owners.shape != (vectors.shape[0],):
        raise IndexCorrupt(f"{vectors.shape} vectors with {owners.shape} owners")
    if len(owners) and (owners.min() < 0 or owners.max() >= len(passages)):
        raise IndexCorrupt("vectors point at passages that do not exist")
    if len(passages) != manifest.get("passages"):
        raise IndexCorrupt("passage count differs from the manifest")
    if not np.all(np.isfinite(vectors)):
        raise IndexCorrupt("vectors hold invalid numbers")
    adapted = manifest.get("query_model")
    if adapted and not (index_dir / str(adapted) / "modules.json").is_file():
        raise IndexCorrupt(f"the adapted model {adapted} is missing")
    try:
        postings = Postings.load(index_dir / KEYWORDS)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexCorrupt(f"keyword index: {type(exc).__name__}: {exc}") from None
    if len(postings.lengths) != len(passages):
        raise IndexCorrupt("the keyword index covers other passages")
    try:
        tokens = TokenRows.load(index_dir)
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"word pieces: {type(exc).__name__}: {exc}") from None
    if tokens.passages != len(passages):
        raise IndexCorrupt("the word pieces belong to other passages")
    approximate = None
    if manifest.get("dense_index") == "ivf":
        try:
            approximate = load_approximate(index_dir / DENSE, vectors)
        except ValueError as exc:
            raise IndexCorrupt(str(exc)) from None
    return Index(
        passages,
        vectors,
        owners,
        manifest,
        db_path=index_dir / PASSAGES_DB,
        keywords=Bm25(postings),
        approximate=approximate,
        tokens=tokens,
    )


def _links(stored: str | None) -> tuple[tuple[str, str], ...]:
    """Links as stored (a JSON list of [text, URL] pairs) back into a passage's tuple."""
    pairs = json.loads(stored or "[]")
    return tuple((str(text), str(url)) for text, url in pairs)


def embed_passages(
    passages: list[Passage], progress: bool = True
) -> tuple[np.ndarray, np.ndarray, TokenRows]:
    """Vectors (several views a passage), their owners, and the word pieces of each first view.

    Embedded in batches under a progress bar (a large policy set takes minutes on a small CPU);
    the word pieces (`embeddings.late`) come from the same model calls, kept quantised (10,000
    passages hold some 850,000 word pieces: 1.3 GB as float32)."""
    from tqdm import tqdm

    texts: list[str] = []
    owners: list[int] = []
    firsts: set[int] = set()  # the rows of the passages' first views (rows follow passage order)
    titled = needs_title(passages)
    for number, passage in enumerate(passages):
        views = passage.embedding_texts(titled[number])
        firsts.add(len(texts))
        texts.extend(views)
        owners.extend([number] * len(views))
    parts: list[np.ndarray] = []
    pieces: list[tuple[np.ndarray, np.ndarray]] = []  # each first view's word pieces, quantised
    batch = 64
    with tqdm(
        total=len(texts), desc="Embedding passages", unit="text", disable=not progress, leave=False
    ) as bar:
        for start in range(0, len(texts), batch):
            vectors, tokens = encode_with_tokens(texts[start : start + batch])
            parts.append(vectors)
            pieces.extend(quantise(rows) for row, rows in enumerate(tokens, start) if row in firsts)
            bar.update(len(texts[start : start + batch]))
    vectors = np.vstack(parts) if parts else np.zeros((0, DIMENSION), dtype=np.float32)
    return vectors, np.asarray(owners, dtype=np.int64), TokenRows.join(pieces, DIMENSION)


def rows_by_passage(
    vectors: np.ndarray, owners: np.ndarray, count: int, views: int | None = None
) -> np.ndarray:
    """`vectors` as (passages, views, dim): each passage's rows, its last one repeated to fill
    `views` (by default, as many as the passage with most rows has)."""
    by_owner: dict[int, list[int]] = {}
    for row, owner in enumerate(owners.tolist()):
        by_owner.setdefault(int(owner), []).append(row)
    if views is None:
        views = max((len(r) for r in by_owner.values()), default=1)
    out = np.zeros((count, views, vectors.shape[1]), dtype=np.float32)
    for owner, rows in by_owner.items():
        for v in range(views):
            out[owner, v] = vectors[rows[min(v, len(rows) - 1)]]
    return out


def write_index(
    index_dir: Path,
    passages: list[Passage],
    vectors: np.ndarray,
    owners: np.ndarray,
    tokens: TokenRows,
    manifest: dict[str, Any],
) -> None:
    """Write a complete index into a new folder, then swap it in."""
    import sqlite_utils

    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = index_dir.with_name(index_dir.name + f".building-{time.time_ns()}")
    tmp.mkdir()
    try:
        np.save(tmp / VECTORS, vectors.astype(np.float32), allow_pickle=False)
        np.save(tmp / OWNERS, owners.astype(np.int64), allow_pickle=False)
        tokens.save(tmp)
        db = sqlite_utils.Database(tmp / PASSAGES_DB)
        db.table("passages").insert_all(
            ({"idx": i, **asdict(p), "links": json.dumps(p.links)} for i, p in enumerate(passages)),
            pk="idx",
            columns={"idx": int, "position": int},
        )
        if not db.table("passages").exists():  # an empty index still needs its tables
            db.table("passages").create(
                {
                    "idx": int,
                    "id": str,
                    "document": str,
                    "source": str,
                    "section": str,
                    "text": str,
                    "position": int,
                    "context": str,
                    "links": str,
                },
                pk="idx",
            )
        db.table("passages").enable_fts(list(COLUMN_WEIGHTS), fts_version="FTS5", tokenize="porter")
        Postings.from_fts(db.conn, FTS_TABLE, COLUMN_WEIGHTS, len(passages)).save(tmp / KEYWORDS)
        db.conn.close()
        dense_index = "flat"
        if len(vectors) >= APPROXIMATE_FROM:
            save_approximate(build_approximate(vectors.astype(np.float32)), tmp / DENSE)
            dense_index = "ivf"
        (tmp / MANIFEST).write_text(
            json.dumps({**manifest, "passages": len(passages), "dense_index": dense_index}, indent=2)
        )
        with index_lock(index_dir):
            swap_in(tmp, index_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Serialise swaps of one index folder between threads and processes (build vs. adaptation)."""
    import fcntl

    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.with_name(f".{index_dir.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def swap_in(built: Path, index_dir: Path) -> None:
    """Replace `index_dir` by the complete folder `built` with renames: never half an index."""
    old = index_dir.with_name(index_dir.name + f".old-{time.time_ns()}")
    if index_dir.exists():
        index_dir.rename(old)
    built.rename(index_dir)
    shutil.rmtree(old, ignore_errors=True)


def build_index(
    policies: Path,
    index_dir: Path,
    settings: ChunkSettings | None = None,
    progress: bool = True,
    extra_passages: list[Passage] | None = None,
) -> Index:
    """Read, chunk, embed and store the policies of a folder."""
    settings = settings or ChunkSettings()
    expected = expected_manifest(policies, settings)
    loaded = load_folder(policies)
    passages = chunk_documents(loaded.documents, settings) + list(extra_passages or [])
    started = time.perf_counter()
    vectors, owners, tokens = embed_passages(passages, progress=progress)
    manifest = {
        **expected,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.perf_counter() - started, 2),
        "documents_list": [d.name for d in loaded.documents],
        "skipped": loaded.skipped,
    }
    write_index(index_dir, passages, vectors, owners, tokens, manifest)
    return load_index(index_dir)


@dataclass
class OpenResult:
    index: Index
    status: str  # "reused", "built", "rebuilt (...)"


def open_index(
    policies: Path,
    index_dir: Path,
    settings: ChunkSettings | None = None,
    rebuild: bool = False,
    progress: bool = True,
    notify: Callable[[str], None] = log.warning,
) -> OpenResult:
    """Reuse the stored index when it matches the policies; otherwise (re)build it, saying why."""
    settings = settings or ChunkSettings()
    require_policy_files(policies)  # an empty or missing folder is an error, not a build
    expected = expected_manifest(policies, settings)
    if rebuild:
        return OpenResult(build_index(policies, index_dir, settings, progress), "rebuilt (asked)")
    if not (index_dir / MANIFEST).exists() and not index_dir.exists():
        notify(f"building the search index in {index_dir}")
        return OpenResult(build_index(policies, index_dir, settings, progress), "built")
    manifest = read_manifest(index_dir)
    if manifest is not None and _is_current(manifest, expected):
        try:
            return OpenResult(load_index(index_dir), "reused")
        except IndexCorrupt as exc:
            notify(f"the search index in {index_dir} is damaged ({exc}); rebuilding it")
            return OpenResult(build_index(policies, index_dir, settings, progress), "rebuilt (damaged)")
    if manifest is None:
        notify(f"the search index in {index_dir} is damaged (manifest unreadable); rebuilding it")
        return OpenResult(build_index(policies, index_dir, settings, progress), "rebuilt (damaged)")
    reason = (
        "the policies changed"
        if manifest.get("documents") != expected["documents"]
        else ("the search settings changed")
    )
    notify(f"{reason}; rebuilding the search index")
    return OpenResult(build_index(policies, index_dir, settings, progress), f"rebuilt ({reason})")
