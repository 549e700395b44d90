"""The joiner: several rankings of passages made into one.

Reciprocal rank fusion needs no common scale between cosine similarity and
BM25, which is why it joins the retrievers' rankings: a passage scores
sum(weight / (k + rank)) over the rankings that hold it.
"""

from __future__ import annotations

from collections.abc import Iterable

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Iterable[list[int]], k: int = RRF_K, weights: Iterable[float] | None = None
) -> list[tuple[int, float]]:
    """Fuse rankings of item numbers: each item scores sum(w / (k + rank)), rank from 1."""
    scores: dict[int, float] = {}
    rankings = list(rankings)
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
