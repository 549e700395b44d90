"""BM25 keyword search in memory, scored exactly as SQLite FTS5 scores it.

FTS5 answers an OR query by scoring every passage that holds any of the
words; with 10,000 passages that is most of the cost of a question. This
module keeps the same numbers in an inverted index of numpy arrays (one
row of (passage, weighted term frequency) pairs per stem) and adds up only
the rows of the question's words.

Words are split and stemmed by FTS5's own `porter` tokenizer: the passages'
terms are read from the index's FTS5 table (`fts5vocab`), and a question's
words go through a private in-memory FTS5 table. No second stemmer can
disagree with the first, so the ranking is FTS5's `bm25()`:

    idf(t)   = log((N - n(t) + 0.5) / (n(t) + 0.5)), or 1e-6 when that is <= 0
    f(t, d)  = sum over columns of column weight x occurrences of t in the column
    score(d) = sum over query words t of
               idf(t) * f(t, d) * (k1 + 1) / (f(t, d) + k1 * (1 - b + b * |d| / avgdl))

with k1 = 1.2, b = 0.75, |d| the passage's length in tokens over all columns
and avgdl the mean length. Each query word counts once per time it is
given, as each is a separate FTS5 phrase.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

K1 = 1.2
B = 0.75
MIN_IDF = 1e-6  # FTS5's IDF for a word in more than half the passages
_CACHE_LIMIT = 100_000


class Tokenizer:
    """FTS5's `porter` tokenizer (unicode61 underneath), on a private in-memory table.

    `tokens(["Bullied"])` gives `[["bulli"]]`, as the index stores "bullying".
    Thread-safe; each distinct word is tokenized once and remembered.
    """

    def __init__(self, tokenize: str = "porter") -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"create virtual table words using fts5(word, tokenize={_sql_string(tokenize)})")
        self._conn.execute("create virtual table words_vocab using fts5vocab(words, 'instance')")
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, ...]] = {}

    def tokens(self, words: Sequence[str]) -> list[tuple[str, ...]]:
        """The index terms of each word (usually one; none for punctuation)."""
        with self._lock:
            todo = sorted({w for w in words if w not in self._cache})
            if todo:
                conn = self._conn
                conn.executemany("insert into words(rowid, word) values (?, ?)", enumerate(todo))
                found: dict[int, list[str]] = {}
                for term, doc in conn.execute(
                    "select term, doc from words_vocab order by doc, offset"
                ).fetchall():
                    found.setdefault(int(doc), []).append(str(term))
                conn.execute("delete from words")
                if len(self._cache) + len(todo) > _CACHE_LIMIT:
                    self._cache.clear()
                for n, word in enumerate(todo):
                    self._cache[word] = tuple(found.get(n, ()))
            return [self._cache[w] for w in words]

    def close(self) -> None:
        self._conn.close()


_tokenizer: Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def tokenizer() -> Tokenizer:
    """The process-wide tokenizer (made on first use)."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            _tokenizer = Tokenizer()
        return _tokenizer


@dataclass(frozen=True)
class Postings:
    """The raw counts behind BM25, as stored: one row of (passage, weighted frequency) per term.

    `terms[t]` owns `docs[indptr[t]:indptr[t + 1]]` (ascending) and the same
    slice of `freq`; `lengths[d]` is passage d's length in tokens.
    """

    terms: list[str]
    indptr: NDArray[np.int64]
    docs: NDArray[np.int32]
    freq: NDArray[np.float32]  # column-weighted counts; exact in float32 for whole-number weights
    lengths: NDArray[np.int64]

    def check(self) -> None:
        """Raise ValueError unless the arrays describe one consistent inverted index."""
        n_docs = len(self.lengths)
        if self.indptr.shape != (len(self.terms) + 1,) or (len(self.indptr) and self.indptr[0] != 0):
            raise ValueError("keyword index: term offsets do not match the terms")
        if np.any(np.diff(self.indptr) < 0) or self.indptr[-1] != len(self.docs):
            raise ValueError("keyword index: term offsets are out of order")
        if self.freq.shape != self.docs.shape:
            raise ValueError("keyword index: frequencies do not match the postings")
        if len(self.docs) and (self.docs.min() < 0 or self.docs.max() >= n_docs):
            raise ValueError("keyword index: postings point at passages that do not exist")
        if not (np.all(np.isfinite(self.freq)) and np.all(self.freq > 0) and np.all(self.lengths >= 0)):
            raise ValueError("keyword index: invalid counts")
        if len(set(self.terms)) != len(self.terms):
            raise ValueError("keyword index: repeated terms")

    def save(self, path: Path) -> None:
        """Write to `path` (.npz, no pickles); terms are stored as newline-joined UTF-8."""
        joined = "\n".join(self.terms).encode("utf-8")
        with open(path, "wb") as out:
            np.savez(
                out,
                terms=np.frombuffer(joined, dtype=np.uint8),
                indptr=self.indptr,
                docs=self.docs,
                freq=self.freq,
                lengths=self.lengths,
            )

    @classmethod
    def load(cls, path: Path) -> Postings:
        """Read what `save` wrote; raises OSError or ValueError when it is missing or damaged."""
        try:
            with np.load(path, allow_pickle=False) as data:
                raw = bytes(data["terms"].astype(np.uint8))
                postings = cls(
                    terms=raw.decode("utf-8").split("\n") if raw else [],
                    indptr=data["indptr"].astype(np.int64),
                    docs=data["docs"].astype(np.int32),
                    freq=data["freq"].astype(np.float32),
                    lengths=data["lengths"].astype(np.int64),
                )
        except (zipfile.BadZipFile, KeyError, EOFError, UnicodeDecodeError) as exc:
            raise ValueError(f"keyword index unreadable: {type(exc).__name__}: {exc}") from None
        postings.check()
        return postings

    @classmethod
    def from_fts(
        cls, conn: sqlite3.Connection, table: str, weights: Mapping[str, float], n_docs: int
    ) -> Postings:
        """Read the terms of an FTS5 table (needs `detail=full`, FTS5's default) with its rowids
        0..n_docs-1; `weights` gives each column's weight, as passed to `bm25()`."""
        vocab = f"temp.{table}_bm25_vocab"
        conn.execute(f"drop table if exists {vocab}")
        conn.execute(f"create virtual table {vocab} using fts5vocab(main, {_sql_string(table)}, 'instance')")
        try:
            rows = conn.execute(
                f"select term, doc, col, count(*) from {vocab} group by term, doc, col"
            ).fetchall()
        finally:
            conn.execute(f"drop table if exists {vocab}")
        return cls.from_counts(rows, weights, n_docs)

    @classmethod
    def from_counts(
        cls, rows: Sequence[tuple[str, int, str, int]], weights: Mapping[str, float], n_docs: int
    ) -> Postings:
        """From (term, passage, column, occurrences) rows."""
        terms = sorted({r[0] for r in rows})
        term_id = {t: i for i, t in enumerate(terms)}
        tids = np.fromiter((term_id[r[0]] for r in rows), dtype=np.int64, count=len(rows))
        docs = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        counts = np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows))
        column_weight = np.fromiter((weights.get(r[2], 1.0) for r in rows), dtype=np.float64, count=len(rows))
        if len(docs) and (docs.min() < 0 or docs.max() >= n_docs):
            raise ValueError("keyword index: FTS rowids are not passage numbers")
        lengths = np.bincount(docs, weights=counts, minlength=n_docs).astype(np.int64)
        keys, inverse = np.unique(tids * n_docs + docs, return_inverse=True)
        freq = np.bincount(inverse, weights=column_weight * counts, minlength=len(keys))
        per_term = (
            np.bincount(keys // n_docs, minlength=len(terms))
            if len(keys)
            else np.zeros(len(terms), dtype=np.int64)
        )
        indptr = np.concatenate([[0], np.cumsum(per_term)]).astype(np.int64)
        return cls(
            terms,
            indptr,
            (keys % n_docs).astype(np.int32) if len(keys) else np.zeros(0, dtype=np.int32),
            freq.astype(np.float32),
            lengths,
        )


@dataclass
class Bm25:
    """Ranks passages for a list of words, as FTS5's `bm25()` would; immutable once made."""

    postings: Postings
    k1: float = K1
    b: float = B
    _terms: dict[str, int] = field(init=False, repr=False)
    _length_part: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        p = self.postings
        self._terms = {t: i for i, t in enumerate(p.terms)}
        n_docs = len(p.lengths)
        avgdl = float(p.lengths.sum()) / n_docs if n_docs else 1.0
        # k1 * (1 - b + b * |d| / avgdl) per passage, in FTS5's order of operations
        self._length_part = self.k1 * (1 - self.b + self.b * p.lengths.astype(np.float64) / avgdl)

    @property
    def n_docs(self) -> int:
        return len(self.postings.lengths)

    def _term_ids(self, words: Sequence[str]) -> list[int | None]:
        """One entry per index term of each word: its row, or None when no passage holds it."""
        ids: list[int | None] = []
        for tokens in tokenizer().tokens(words):
            ids.extend(self._terms.get(t) for t in tokens)
        return ids

    def document_frequency(self, word: str) -> int:
        """How many passages hold `word` (stemmed); for a word of several terms, the rarest."""
        indptr = self.postings.indptr
        counts = [0 if t is None else int(indptr[t + 1] - indptr[t]) for t in self._term_ids([word])]
        return min(counts) if counts else 0

    def idf(self, n: int) -> float:
        idf = math.log((self.n_docs - n + 0.5) / (n + 0.5))
        return idf if idf > 0.0 else MIN_IDF

    def search(self, words: Sequence[str], k: int) -> list[tuple[int, float]]:
        """(passage number, BM25 score, higher is better) of the k best passages holding any word.

        Ties go to the lower passage number.
        """
        if k <= 0 or not words:
            return []
        indptr, docs, freq = self.postings.indptr, self.postings.docs, self.postings.freq
        parts_docs: list[NDArray[np.int32]] = []
        parts_scores: list[NDArray[np.float64]] = []
        for t in self._term_ids(words):
            if t is None:
                continue
            start, end = int(indptr[t]), int(indptr[t + 1])
            d, f = docs[start:end], freq[start:end].astype(np.float64)
            parts_docs.append(d)
            parts_scores.append(self.idf(end - start) * ((f * (self.k1 + 1.0)) / (f + self._length_part[d])))
        if not parts_docs:
            return []
        scores = np.bincount(
            np.concatenate(parts_docs), weights=np.concatenate(parts_scores), minlength=self.n_docs
        )
        matched = np.flatnonzero(scores)  # every contribution is > 0, so these are the matches
        if len(matched) > k:
            # keep every passage tied with the k-th best, then order them all
            cut = np.partition(scores[matched], len(matched) - k)[len(matched) - k]
            matched = matched[scores[matched] >= cut]
        order = np.lexsort((matched, -scores[matched]))[:k]
        return [(int(matched[i]), float(scores[matched[i]])) for i in order]


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
