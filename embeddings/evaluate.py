"""Measuring the search on labelled questions: hit@1, hit@3 and the answer/decline decision.

The same rule as the project's scoring script: a hit is a returned passage
that holds one of the question's evidence phrases (case and spacing
ignored). Used by `staffguide evaluate` to compare search methods and to
check that corrections generalise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .search import SearchEngine


@dataclass
class Labelled:
    question: str
    in_policy: bool
    evidence: list[str] = field(default_factory=list)


@dataclass
class Score:
    hit1: int = 0
    hit3: int = 0
    answered: int = 0
    n_in: int = 0
    declined: int = 0
    n_out: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        def f(x: int, n: int) -> float:
            return x / n if n else 1.0

        return (
            f"hit@1 {self.hit1}/{self.n_in} ({f(self.hit1, self.n_in):.2f})  "
            f"hit@3 {self.hit3}/{self.n_in} ({f(self.hit3, self.n_in):.2f})  "
            f"answered {self.answered}/{self.n_in}  declined {self.declined}/{self.n_out}"
        )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def read_questions(path: Path) -> list[Labelled]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Labelled(r["question"], bool(r["in_policy"]), list(r.get("evidence", []))) for r in rows]


def is_hit(text: str, evidence: list[str]) -> bool:
    text = _norm(text)
    return any(_norm(e) in text for e in evidence)


def evaluate(engine: SearchEngine, items: list[Labelled], top_k: int = 3) -> Score:
    score = Score()
    answers = engine.search_many([i.question for i in items], top_k=top_k)
    for item, answer in zip(items, answers, strict=True):
        texts = [h.passage.text for h in answer.hits]
        if item.in_policy:
            score.n_in += 1
            score.answered += answer.answered
            ok1 = bool(texts) and is_hit(texts[0], item.evidence)
            score.hit1 += ok1
            score.hit3 += any(is_hit(t, item.evidence) for t in texts[:3])
            if not ok1:
                score.misses.append(item.question)
        else:
            score.n_out += 1
            score.declined += not answer.answered
    return score
