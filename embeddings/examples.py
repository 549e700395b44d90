"""Example questions: corrections that teach the search which passage answers what.

When a policy admin says "this question is answered by that passage", the
question is embedded once and stored with the passage's stable id. For
every index the engine uses, the examples are mapped to that index's
passages (`TaughtRows`), and a new question that nearly repeats one of them
ranks the passage higher (a third ranking in the search's fusion), so the
next question worded like the example finds the passage even when the
policy's own words are far from the staff member's. The passage's text is
never touched: the answer is still the policy quoted word for word.

Adding the examples as extra dense rows of the index instead was measured
(tests/bench_corrections.py, before the separate ranking): it pulled
unrelated questions to taught passages, which the separate ranking avoids.

Two kinds of example, by who made them (`source`):

- "review": a policy admin's decision in /review. It counts at once.
- "pick": a member of staff's own tap on a "did you mean" choice. A pick is
  evidence, not truth (someone in a hurry taps the nearest heading): it
  changes nobody's answer until PICKS_TO_AGREE different people picked the
  same passage for questions worded alike (cosine >= AGREE_SIMILARITY), or
  an admin taught the same. Until then it is kept, and counts as soon as
  someone agrees.

Vectors are kept in SQLite as float32 blobs, with the model that made them:
re-indexing after a policy update costs no embedding, and an example whose
passage was removed (or reworded, which changes its id) is skipped and
counted rather than pointing at the wrong text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import sqlite_utils

from .index import Index
from .model import MODEL_NAME

TABLE = "examples"
REVIEW, PICK = "review", "pick"
PICKS_TO_AGREE = 2  # different people whose picks agree before a pick changes anyone's answer
# Questions this close (cosine) are "worded alike": the bar the taught ranking itself uses
# (embeddings.retrievers.TAUGHT_MIN_SIMILARITY), so agreeing picks are the ones that would match.
AGREE_SIMILARITY = 0.7


@dataclass(frozen=True)
class Example:
    id: int
    passage_id: str
    question: str
    vector: np.ndarray
    source: str = REVIEW
    added_by: int | None = None


@dataclass(frozen=True)
class TaughtRows:
    """The example questions that apply to one index: unit vectors and their passage numbers."""

    index: Index
    vectors: np.ndarray  # (n, dim) float32
    owners: np.ndarray  # passage number in `index` of each example
    skipped: int = 0  # examples whose passage is not in this index (removed or reworded)
    questions: tuple[str, ...] = ()  # the example questions, to re-embed for an adapted model

    @property
    def attached(self) -> int:
        return len(self.owners)

    def matches(self, query_vector: np.ndarray, min_similarity: float) -> list[tuple[int, float]]:
        """(passage number, best example similarity) at or above `min_similarity`, best first."""
        if not len(self.owners):
            return []
        sims = self.vectors @ query_vector
        best: dict[int, float] = {}
        for owner, sim in zip(self.owners.tolist(), sims.tolist(), strict=True):
            if sim >= min_similarity and sim > best.get(owner, -1.0):
                best[owner] = sim
        return sorted(best.items(), key=lambda kv: -kv[1])


def create_table(db: sqlite_utils.Database) -> None:
    """The examples table; called by the bot's migration and by scripts using a scratch database."""
    if db[TABLE].exists():
        return
    db.table(TABLE).create(
        {
            "id": int,
            "passage_id": str,  # Passage.id, stable across rebuilds while the words stay the same
            "question": str,
            "vector": bytes,  # float32, little-endian, `dim` values, unit length
            "dim": int,
            "model": str,
            "question_id": int,  # the reviewed question it came from, if any
            "added_by": int,
            "added_at": str,
            "source": str,  # REVIEW (counts at once) or PICK (counts once others agree)
        },
        pk="id",
        not_null={"passage_id", "question", "vector", "dim", "model", "added_at"},
        defaults={"source": REVIEW},
    )
    db.table(TABLE).create_index(["passage_id"])


def add_source_column(db: sqlite_utils.Database) -> None:
    """For a table made before picks and reviews were told apart: every older example was a review's
    or a pick that counted at once, and both stay as they were (REVIEW)."""
    if db[TABLE].exists() and "source" not in db[TABLE].columns_dict:
        db.execute(f"alter table {TABLE} add column source text not null default '{REVIEW}'")


def to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes, dim: int) -> np.ndarray:
    vector = np.frombuffer(blob, dtype="<f4")
    if vector.shape != (dim,):
        raise ValueError(f"stored vector has {vector.size} values, expected {dim}")
    return vector.astype(np.float32)


def add_example(
    db: sqlite_utils.Database,
    passage_id: str,
    question: str,
    vector: np.ndarray,
    question_id: int | None = None,
    added_by: int | None = None,
    source: str = REVIEW,
) -> int:
    """Store one example with its (already computed) vector; returns its id.

    The caller embeds the question the same way queries are embedded
    (`SearchEngine.embed_queries`), so example and query vectors compare like
    for like.
    """
    vector = np.asarray(vector, dtype=np.float32).reshape(-1)
    with db.conn:
        table = db.table(TABLE).insert(
            {
                "passage_id": passage_id,
                "question": question,
                "vector": to_blob(vector),
                "dim": int(vector.shape[0]),
                "model": MODEL_NAME,
                "question_id": question_id,
                "added_by": added_by,
                "added_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "source": source,
            }
        )
    if table.last_pk is None:  # not an assert: it must hold under `python -O` too
        raise RuntimeError("the example was not stored")
    return int(table.last_pk)


def load_examples(
    db: sqlite_utils.Database, model: str = MODEL_NAME, *, agreed_only: bool = True
) -> list[Example]:
    """The stored examples made with `model` that count (`agreed`); all of them with agreed_only=False.

    Vectors of another model would not compare, so they are left out.
    """
    if not db[TABLE].exists():
        return []
    rows = db.execute(
        f"select id, passage_id, question, vector, dim, source, added_by from {TABLE} "
        "where model = ? order by id",
        [model],
    ).fetchall()
    stored = [Example(r[0], r[1], r[2], from_blob(r[3], r[4]), r[5] or REVIEW, r[6]) for r in rows]
    return agreed(stored) if agreed_only else stored


def agreed(stored: list[Example]) -> list[Example]:
    """Reviews, and the picks that others agree with (see the module's docstring)."""
    picks = [n for n, e in enumerate(stored) if e.source == PICK]
    if not picks:
        return stored
    vectors = np.vstack([e.vector for e in stored])
    alike = (vectors[picks] @ vectors.T) >= AGREE_SIMILARITY  # one matrix product, not a loop per pair
    kept = set(range(len(stored))) - set(picks)
    for row, n in enumerate(picks):
        same = [o for o in np.flatnonzero(alike[row]) if stored[o].passage_id == stored[n].passage_id]
        people = {stored[o].added_by for o in same if stored[o].source == PICK}
        if len(people) >= PICKS_TO_AGREE or any(stored[o].source != PICK for o in same):
            kept.add(n)
    return [e for n, e in enumerate(stored) if n in kept]


def count_examples(db: sqlite_utils.Database) -> int:
    return db[TABLE].count if db[TABLE].exists() else 0


def rows_for(index: Index, examples: list[Example]) -> TaughtRows:
    """The examples whose passage `index` holds, by passage number; the others are counted, not guessed."""
    numbers = {p.id: n for n, p in enumerate(index.passages)}
    dim = index.vectors.shape[1] if index.vectors.ndim == 2 else 0
    vectors, owners, questions = [], [], []
    for example in examples:
        number = numbers.get(example.passage_id)
        if number is not None and example.vector.shape == (dim,):
            vectors.append(example.vector)
            owners.append(number)
            questions.append(example.question)
    matrix = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, dim), dtype=np.float32)
    owned = np.asarray(owners, dtype=np.int64)
    return TaughtRows(index, matrix, owned, len(examples) - len(vectors), tuple(questions))


def attacher(db: sqlite_utils.Database) -> Callable[[Index], TaughtRows]:
    """A function for `SearchEngine.set_examples`: re-reads the stored examples for each new index."""

    def taught_rows(index: Index) -> TaughtRows:
        return rows_for(index, load_examples(db))

    return taught_rows
