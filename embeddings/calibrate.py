"""Choosing the "answered" threshold from labelled questions, not by hand.

Each labelled question says whether the policies cover it. For every
question we take the best passage's cosine similarity; the threshold is the
cut that best separates covered from not covered (balanced accuracy, so a
set with few out-of-policy questions still counts them fully), placed in the
middle of the gap between the two neighbouring scores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .search import SearchEngine

NEVER = -1.0  # a margin no answer falls under: never offer a choice


@dataclass
class Calibration:
    threshold: float
    answered_in_policy: float
    declined_out_of_policy: float
    n_in: int
    n_out: int

    def describe(self) -> str:
        return (
            f"threshold {self.threshold:.3f}: answers {self.answered_in_policy:.0%} of {self.n_in} "
            f"in-policy questions, declines {self.declined_out_of_policy:.0%} of {self.n_out} "
            f"out-of-policy ones (set [knowledge] threshold = {self.threshold:.3f})"
        )


def read_labelled(path: Path) -> list[tuple[str, bool]]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("question"), str) or not isinstance(row.get("in_policy"), bool):
            raise ValueError(f"line {n}: needs a 'question' string and an 'in_policy' true/false")
        items.append((row["question"], row["in_policy"]))
    if not items:
        raise ValueError("no questions")
    return items


def best_similarities(engine: SearchEngine, questions: list[str]) -> list[float]:
    answers = engine.search_many(questions, top_k=1)
    return [max((h.similarity for h in a.hits), default=0.0) for a in answers]


def choose_threshold(scores: list[tuple[float, bool]]) -> Calibration:
    """The cut with the best balanced accuracy; ties go to the widest gap."""
    inside = sorted(s for s, covered in scores if covered)
    outside = sorted(s for s, covered in scores if not covered)
    values = sorted({s for s, _ in scores})
    candidates = [values[0] - 1e-3] + [(a + b) / 2 for a, b in zip(values, values[1:], strict=False)]
    candidates.append(values[-1] + 1e-3)

    def rates(t: float) -> tuple[float, float]:
        answered = sum(s >= t for s in inside) / len(inside) if inside else 1.0
        declined = sum(s < t for s in outside) / len(outside) if outside else 1.0
        return answered, declined

    def gap(t: float) -> float:
        below = max((v for v in values if v < t), default=t)
        above = min((v for v in values if v >= t), default=t)
        return above - below

    best = max(candidates, key=lambda t: (sum(rates(t)) / 2, gap(t)))
    answered, declined = rates(best)
    return Calibration(round(best, 4), answered, declined, len(inside), len(outside))


def calibrate(engine: SearchEngine, labelled: list[tuple[str, bool]]) -> Calibration:
    sims = best_similarities(engine, [q for q, _ in labelled])
    return choose_threshold(list(zip(sims, (c for _, c in labelled), strict=True)))


def choose_margin(gaps: list[tuple[float, bool, bool]], max_share: float = 0.3) -> float:
    """The "did you mean" margin: offer a choice where that turns wrong answers into a right pick.

    `gaps` holds, per answered in-policy question, how far the best passage
    led the next two in cosine similarity (below 0 when the keyword ranking
    put a less similar passage first: the two methods disagree), whether the
    best was right and whether a right one was in the top three. A choice
    shown for a wrong best answer with the right one among the buttons gains
    one; shown for a right best answer it costs half (an extra tap). At most
    `max_share` of answers get a choice. NEVER (no choices) when no margin
    gains anything.
    """
    candidates = sorted({0.0} | {round(g + 1e-4, 4) for g, _, _ in gaps if g < 0.1})
    best, best_value = NEVER, 0.0
    for margin in candidates:
        shown = [(right1, right3) for g, right1, right3 in gaps if g < margin]
        if len(shown) > max_share * len(gaps):
            break
        value = sum(1.0 for r1, r3 in shown if not r1 and r3) - sum(0.5 for r1, _ in shown if r1)
        if value > best_value:
            best, best_value = margin, value
    return best
