"""The search benchmark's measuring steps run against today's search engine.

`make bench` runs tests/bench_search.py and carries on past a failure, so a
benchmark that no longer matches the engine (as it once did after the search
was split into parts) would go unnoticed without this.
"""

from __future__ import annotations

from bench_search import agreement, latency


class _Model:
    """Stands in for the bare model: the engine's own timings are what is checked here."""

    def encode(self, texts: list[str]) -> list[list[float]]:
        return [[0.0] for _ in texts]


def test_the_latency_breakdown_times_every_stage_of_a_search(engine):
    questions = ["can i friend an ex-student?", "can i use my own phone on the trip?"]
    ours, bare, stages = latency(engine, questions, _Model(), rounds=1)
    assert len(ours) == len(bare) == 2
    assert all(len(times) == 2 and all(t >= 0 for t in times) for times in stages.values())


def test_the_fast_keyword_and_vector_paths_are_compared_with_the_exact_ones(engine):
    lines = agreement(engine, ["can i friend an ex-student?", "who runs the school twitter"])
    assert "same order 2/2" in lines[0]  # in-memory BM25 ranks exactly as SQLite FTS5 does
    assert len(lines) >= 2
