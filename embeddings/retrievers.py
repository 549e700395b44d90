"""The retrievers: each ranks an index's passages for one question in its own way.

- `dense`: passages that mean the same as the question in other words
  (cosine similarity of MiniLM vectors);
- `keyword`: the rare exact words ("EYFS", "Flickr") an embedding blurs
  (BM25 over the words, ranked as FTS5 ranks them);
- `taught`: passages whose example questions, taught by reviewers or agreed
  by staff picks, the question nearly repeats.

Each returns (passage number, score) best first; `embeddings.fusion` joins
them and `embeddings.decision` decides what a person is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .examples import TaughtRows
from .index import Index

CANDIDATES = 50  # passages each retriever hands to the fusion
# A question at least this close (cosine) to a taught example question is about the same thing;
# chosen with tests/bench_corrections.py (0.6 and 0.65 cost the untaught control questions).
TAUGHT_MIN_SIMILARITY = 0.7
# (how close a question must be to be answered outright with it: embeddings.decision)


@dataclass(frozen=True)
class Query:
    """One question as the retrievers read it."""

    text: str  # cleaned, typing slips mended
    words: tuple[str, ...]  # content words for the keyword retriever (glossary words included)
    vector: np.ndarray  # unit-length question vector, from the index's question model
    pieces: np.ndarray  # its word pieces' unit vectors, from the same model call (embeddings.late)


def dense(index: Index, query: Query, k: int = CANDIDATES) -> list[tuple[int, float]]:
    return index.dense(query.vector, k)


def keyword(index: Index, query: Query, k: int = CANDIDATES) -> list[tuple[int, float]]:
    """BM25 over the words that can move a ranking (see `Index.informative`)."""
    return index.keyword(index.informative(list(query.words)), k)


def taught(rows: TaughtRows | None, index: Index, query: Query) -> list[tuple[int, float]]:
    """Passages whose example questions this question nearly repeats, best first.

    A ranking of its own, kept apart from the passages' vectors: measured
    on labelled questions, mixing examples into the dense rows pulled
    unrelated questions to them, while this bar (cosine >=
    TAUGHT_MIN_SIMILARITY) helps paraphrases and leaves the rest alone.
    Examples made for another index (mid-swap) do not apply.
    """
    if rows is None or rows.index is not index:
        return []
    return rows.matches(query.vector, TAUGHT_MIN_SIMILARITY)
