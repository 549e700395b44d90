"""Measuring the search on labelled questions, as staff meet it: first passage, one tap, confident and wrong.

The same rules as the project's scoring script: a passage is right for a
question when it holds one of the question's evidence phrases (case and
spacing ignored) and is short enough to read on a phone (MAX_WORDS words
or fewer). Besides hit@1 and hit@3 it counts what a person sees:

- reach: the right passage is on screen after at most one tap (a confident
  answer that is right, or a choice of three that holds it);
- wrong: a confident answer with the wrong passage, the one outcome worse
  than a decline (staff act on it).

Used by `staffguide evaluate` (a school checking the search on its own
labelled questions) and by the benchmarks, so every figure is counted one way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from .jsonl import json_rows
from .search import Answer, SearchEngine

MAX_WORDS = 150  # a longer passage is not an answer a phone can show (the scoring script's bar)


@dataclass
class Labelled:
    question: str
    in_policy: bool
    evidence: list[str] = field(default_factory=list)


class Verdict(Enum):
    """What one question's outcome was for the person who asked it."""

    RIGHT = "right answer"  # in policy: answered outright with the right passage
    CHOICE = "right passage in the choice"  # in policy: one tap away, not first
    CHOICE_FIRST = "right passage first in the choice"  # in policy: one tap away, first
    WRONG = "wrong answer"  # in policy: answered outright with another passage
    NOT_SHOWN = "right passage not among the three shown"  # in policy: a choice without it
    DECLINED = "declined"  # in policy: told the policies do not cover it
    DECLINED_OUT = "declined, as it should be"  # out of policy
    ANSWERED_OUT = "answered, out of policy"  # out of policy: shown passages all the same


# What a person would call a miss: all but a right answer, a choice with the right passage first and
# an out-of-policy question declined.
MISSED = frozenset({Verdict.CHOICE, Verdict.WRONG, Verdict.NOT_SHOWN, Verdict.DECLINED, Verdict.ANSWERED_OUT})


@dataclass(frozen=True)
class Miss:
    question: str
    verdict: Verdict
    shown_first: str  # the first passage shown ("section (document)"), or "" when none


@dataclass
class Score:
    hit1: int = 0
    hit3: int = 0
    reach: int = 0
    wrong: int = 0
    answered: int = 0  # in-policy questions answered or offered as a choice
    n_in: int = 0
    declined: int = 0  # out-of-policy questions declined
    n_out: int = 0
    misses: list[Miss] = field(default_factory=list)  # in order; outcomes in MISSED

    def line(self) -> str:
        def f(x: int, n: int) -> float:
            return x / n if n else 1.0

        return (
            f"hit@1 {self.hit1}/{self.n_in} ({f(self.hit1, self.n_in):.2f})  "
            f"hit@3 {self.hit3}/{self.n_in} ({f(self.hit3, self.n_in):.2f})  "
            f"reach {self.reach}/{self.n_in} ({f(self.reach, self.n_in):.2f})  "
            f"wrong {self.wrong}/{self.n_in}  "
            f"in-policy answered {self.answered}/{self.n_in}  "
            f"out-of-policy declined {self.declined}/{self.n_out}"
        )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def read_questions(path: Path) -> list[Labelled]:
    """Labelled questions, one JSON object a line; ValueError naming the first bad line.

    An in-policy question needs its evidence: without it no passage could be
    counted right, and the figures would be low for no reason shown.
    """
    items = []
    for n, row in json_rows(path):
        question, in_policy, evidence = row.get("question"), row.get("in_policy"), row.get("evidence", [])
        if not isinstance(question, str) or not question.strip() or not isinstance(in_policy, bool):
            raise ValueError(f"line {n}: needs a 'question' string and an 'in_policy' true/false")
        if not isinstance(evidence, list) or not all(isinstance(e, str) and e.strip() for e in evidence):
            raise ValueError(f"line {n}: 'evidence' must be a list of phrases from the answering passage")
        if in_policy and not evidence:
            raise ValueError(f"line {n}: an in-policy question needs 'evidence' (words of its answer)")
        items.append(Labelled(question, in_policy, list(evidence)))
    if not items:
        raise ValueError("no questions in it")
    return items


def is_hit(text: str, evidence: list[str]) -> bool:
    """Whether `text` holds one of the evidence phrases (case and spacing ignored)."""
    text = _norm(text)
    return any(_norm(e) in text for e in evidence)


def is_right(text: str, evidence: list[str]) -> bool:
    """A passage that answers the question and can be read on a phone (as the scoring script counts)."""
    return len(text.split()) <= MAX_WORDS and is_hit(text, evidence)


def verdict(item: Labelled, answer: Answer) -> Verdict:
    """What `answer` was for the person who asked `item`: the outcomes the figures count."""
    if not item.in_policy:
        return Verdict.ANSWERED_OUT if answer.answered else Verdict.DECLINED_OUT
    if not answer.answered:
        return Verdict.DECLINED
    right = [is_right(h.passage.text, item.evidence) for h in answer.choices]
    if not answer.ambiguous:
        return Verdict.RIGHT if right[:1] == [True] else Verdict.WRONG
    if right[:1] == [True]:
        return Verdict.CHOICE_FIRST
    return Verdict.CHOICE if any(right) else Verdict.NOT_SHOWN


def score_answers(items: Sequence[Labelled], answers: Sequence[Answer]) -> Score:
    """The figures for answers already found (one per labelled question, in order)."""
    if len(items) != len(answers):
        raise ValueError(f"{len(answers)} answers for {len(items)} questions")
    score = Score()
    for item, answer in zip(items, answers, strict=True):
        found = verdict(item, answer)
        first = answer.best
        if found in MISSED:
            shown = f"{first.passage.section} ({first.passage.document})" if first else ""
            score.misses.append(Miss(item.question, found, shown))
        if not item.in_policy:
            score.n_out += 1
            score.declined += found is Verdict.DECLINED_OUT
            continue
        score.n_in += 1
        score.hit1 += first is not None and is_right(first.passage.text, item.evidence)
        score.hit3 += any(is_right(h.passage.text, item.evidence) for h in answer.choices)
        score.answered += answer.answered
        score.reach += found in (Verdict.RIGHT, Verdict.CHOICE, Verdict.CHOICE_FIRST)
        score.wrong += found is Verdict.WRONG
    return score


def evaluate(engine: SearchEngine, items: Sequence[Labelled], top_k: int = 3) -> Score:
    """Search every labelled question (one model call) and count the figures."""
    answers = engine.search_many([i.question for i in items], top_k=top_k)
    return score_answers(items, answers)
