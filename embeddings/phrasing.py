"""Other schools' staff questions: how staff ask, taught to a school that has taught nothing yet.

A new school's adaptation has only its policy text to learn from (sentence
→ passage, heading → passage), which says nothing about how staff type on a
phone ("can i add an ex pupil on fb"). The questions staff asked about
other schools' policies do: `staff-phrasing.jsonl` ships them, each with
the passage of that school's policy that answers it (made by
`tests/make_phrasing_examples.py` from the labelled tuning halves; the
held-out halves are never in it). Adaptation trains the question side on
them too, against those passages' own vectors, so the model learns the
step from staff wording to policy wording, not any one school's answers.

The passages are quoted from their sources under the licences recorded in
`tests/data/corpora/*.SOURCE.md` (MIT; Open Government Licence v3.0) and
from the bundled St Crispin's policy.

A set drawn from the very policies being adapted to is left out: those
would be this school's own labelled questions, and the figures measured on
that policy set would no longer be a new school's.

Measured with `staffguide index` and `score.py`, each set left out as any
new school's would be (held-out halves, no labelled questions of its own):
reach 0.56 → 0.62 (bundled policy), 0.77 → 0.77 (DfE devices guidance, hit@1
0.58 → 0.60), 0.61 → 0.67 (workload and wellbeing, in-policy questions
declined 13 → 8 of 51); no confident answer wrong on any half.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.chunking import Passage

from .index import embed_passages, rows_by_passage
from .model import ModelError
from .training import Pair

PHRASING_FILE = Path(__file__).with_name("staff-phrasing.jsonl")
# A set is the school's own when at least this share of its passages open with words found in the
# school's passages (their first OPENING_WORDS words; chunking may have moved where they end).
OWN_SHARE = 0.5
OPENING_WORDS = 12


@dataclass(frozen=True)
class PhrasingExample:
    """A question staff asked about another school's policy, and the passage that answers it."""

    question: str
    set: str  # the policy set it was asked about
    section: str
    text: str
    context: str = ""
    parts: tuple[str, ...] = ()  # the paragraphs the passage joins (knowledge.chunking), if several

    def passage(self) -> Passage:
        return Passage("", self.set, self.set, self.section, self.text, 0, self.context, parts=self.parts)

    def to_json(self) -> dict[str, object]:
        row: dict[str, object] = {
            "set": self.set,
            "question": self.question,
            "section": self.section,
            "text": self.text,
        }
        if self.context:
            row["context"] = self.context
        if self.parts:
            row["parts"] = list(self.parts)
        return row


class PhrasingError(ModelError):
    """The shipped file of other schools' questions cannot be read (the installation is damaged)."""


def load_examples(path: Path | None = None) -> list[PhrasingExample]:
    """The examples in `path` (the shipped PHRASING_FILE by default); a bad line is a PhrasingError."""
    path = path or PHRASING_FILE
    examples = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            examples.append(
                PhrasingExample(
                    row["question"],
                    row["set"],
                    row["section"],
                    row["text"],
                    row.get("context", ""),
                    tuple(str(part) for part in row.get("parts", ())),
                )
            )
        except (ValueError, KeyError, TypeError):
            raise PhrasingError(
                f"{path.name} line {n}: needs 'question', 'set', 'section' and 'text'"
            ) from None
    return examples


def _words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped: how a passage's opening is looked for."""
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def others(examples: Sequence[PhrasingExample], passages: Sequence[Passage]) -> list[PhrasingExample]:
    """The examples whose set is not drawn from these passages' policies."""
    own_text = " \x1e ".join(" ".join(_words(p.text)) for p in passages)
    by_set: dict[str, set[str]] = {}
    for example in examples:
        by_set.setdefault(example.set, set()).add(" ".join(_words(example.text)[:OPENING_WORDS]))
    own = {
        name
        for name, openings in by_set.items()
        if sum(o in own_text for o in openings) >= OWN_SHARE * len(openings)
    }
    return [e for e in examples if e.set not in own]


def fingerprint(examples: Sequence[PhrasingExample]) -> str:
    """What a model adapted with these examples learnt from (a changed file makes adaptation due)."""
    digest = hashlib.sha256()
    for e in examples:
        digest.update(json.dumps(e.to_json(), sort_keys=True).encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Taught:
    """Examples made ready for training after a school's own passages."""

    pairs: list[Pair]  # passage numbers count on from the school's passages
    rows: np.ndarray  # (passages, views, dim), to append to the school's passage rows
    positives: dict[str, set[int]]  # every passage that answers a question, as training masks them


def prepare(examples: Sequence[PhrasingExample], offset: int, views: int) -> Taught:
    """Pairs numbered from `offset`, and their passages embedded as an index embeds its own."""
    numbers: dict[tuple[str, str, str], int] = {}
    passages: list[Passage] = []
    pairs: list[Pair] = []
    positives: dict[str, set[int]] = {}
    for e in examples:
        key = (e.set, e.section, e.text)
        if key not in numbers:
            numbers[key] = offset + len(passages)
            passages.append(e.passage())
        pairs.append(Pair(e.question, numbers[key], labelled=True))
        positives.setdefault(e.question, set()).add(numbers[key])
    vectors, owners, _ = embed_passages(passages, progress=False)
    return Taught(pairs, rows_by_passage(vectors, owners, len(passages), views), positives)
