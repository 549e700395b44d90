"""Labelled question sets: every evidence phrase is verbatim in its corpus's source text.

A hit in the scorer is a returned passage holding an evidence phrase (case and
white space ignored), so a phrase with a typo, or one that is not in the
corpus at all, would make a right answer score as wrong. The sets written for
the second corpus and the bundled policy also keep to the stricter rules they
were written under: 4–12 words, no Markdown syntax, and inside one line of
the source (never across a paragraph, list item or heading). Word and PDF
sources are checked against the text the project extracts from them
(`knowledge.documents.read_document`), one line per line of a block.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from knowledge.documents import read_document

DATA = Path(__file__).parent / "data"
CORPORA = DATA / "corpora"
BUNDLED = Path(__file__).parent.parent / "knowledge" / "policies" / "social-media-policy.txt"

# File name -> the source files its evidence comes from.
EXPLICIT = {
    "staff-questions.jsonl": [BUNDLED],
    "paraphrases.jsonl": [BUNDLED],
    "bundled-tune.jsonl": [BUNDLED],
    "bundled-heldout.jsonl": [BUNDLED],
}
STRICT_SUFFIXES = ("-tune.jsonl", "-heldout.jsonl")
MARKUP = re.compile(r"[*_\[\]#>`]")


EXTRACTED = (".docx", ".pdf")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def source_text(path: Path) -> str:
    """The words of a source file as staff are shown them: Word and PDF through the project's readers."""
    if path.suffix.lower() in EXTRACTED:
        return "\n".join(block.text for block in read_document(path).blocks)
    return path.read_text(encoding="utf-8")


def sources_for(name: str) -> list[Path]:
    if name in EXPLICIT:
        return EXPLICIT[name]
    for suffix in STRICT_SUFFIXES:
        if name.endswith(suffix):
            folder = CORPORA / name[: -len(suffix)]
            assert folder.is_dir(), f"{name}: no corpus folder {folder}"
            return sorted(p for p in folder.iterdir() if p.is_file())
    raise AssertionError(f"{name}: no corpus is known for this labelled file; add it to EXPLICIT")


def labelled_files() -> list[Path]:
    return sorted(DATA.glob("*.jsonl"))


def evidence_of(item: dict) -> list[str]:
    ev = item.get("evidence", [])
    return [ev] if isinstance(ev, str) else list(ev)


@pytest.mark.parametrize("path", labelled_files(), ids=lambda p: p.name)
def test_every_evidence_phrase_is_verbatim_in_its_corpus(path: Path) -> None:
    texts = [source_text(p) for p in sources_for(path.name)]
    whole = " ".join(norm(text) for text in texts)
    lines = [norm(line) for text in texts for line in text.splitlines()]
    strict = path.name.endswith(STRICT_SUFFIXES)
    problems = []
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert items, f"{path.name} is empty"
    for item in items:
        question = item.get("question") or item.get("paraphrase")
        phrases = evidence_of(item)
        if "in_policy" in item:
            assert bool(phrases) == item["in_policy"], (
                f"{question!r}: evidence must be given exactly when in_policy"
            )
        for phrase in phrases:
            if norm(phrase) not in whole:
                problems.append(f"not in corpus: {phrase!r} ({question!r})")
            elif strict and not any(norm(phrase) in line for line in lines):
                problems.append(f"spans a line break: {phrase!r} ({question!r})")
            if strict and not 4 <= len(phrase.split()) <= 12:
                problems.append(f"{len(phrase.split())} words: {phrase!r} ({question!r})")
            if strict and MARKUP.search(phrase):
                problems.append(f"Markdown syntax: {phrase!r} ({question!r})")
    assert not problems, "\n".join(problems)


def questions(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["question"] for line in lines if line.strip()}


def test_tuning_and_held_out_halves_do_not_share_questions() -> None:
    for tune in DATA.glob("*-tune.jsonl"):
        held = tune.with_name(tune.name.replace("-tune.jsonl", "-heldout.jsonl"))
        assert held.exists(), f"{tune.name} has no held-out half"
        assert not questions(tune) & questions(held)


def test_the_bundled_questions_file_never_holds_a_held_out_question() -> None:
    """The questions shipped next to the bundled policy (the model adapts to them) are tuning
    data: a held-out question among them would make the held-out figures a tuning result."""
    shipped = BUNDLED.with_name("social-media-policy.questions.jsonl")
    asked = {q.lower().strip() for q in questions(shipped)}
    for held in DATA.glob("*-heldout.jsonl"):
        assert not asked & {q.lower().strip() for q in questions(held)}, held.name
    whole = norm(BUNDLED.read_text(encoding="utf-8"))
    for line in shipped.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        assert all(norm(e) in whole for e in evidence_of(item)), item["question"]
