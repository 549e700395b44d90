"""The same policy as Markdown, Word and PDF gives staff the same words to find.

Schools send Word and PDF; the DfE guidance in tests/data has three documents
as Markdown, Word (2007 and 97-2003), OpenDocument, rich text and PDF (Word and PDF by
tests/make_corpus_fixtures.py, the rest saved from the Word files by LibreOffice).
Every evidence phrase of the labelled questions that the Markdown version's
passages hold must also be in a passage of each other version, and no running
header, footer or page number may end up inside a passage.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from knowledge.chunking import chunk_document
from knowledge.documents import read_document

DATA = Path(__file__).parent / "data"
SOURCE = DATA / "corpora" / "dfe-devices-guidance"
FORMATS = DATA / "corpora" / "dfe-devices-guidance-formats"
RUNNING = ("Department for Education - Get help with technology", "Open Government Licence", "Page ")


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def phrases() -> list[str]:
    out = []
    for name in ("dfe-devices-guidance-tune.jsonl", "dfe-devices-guidance-heldout.jsonl"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out += json.loads(line)["evidence"]
    return out


def passage_texts(path: Path) -> list[str]:
    return [norm(p.text) for p in chunk_document(read_document(path))]


@pytest.mark.parametrize("suffix", [".docx", ".doc", ".odt", ".rtf", ".pdf"])
@pytest.mark.parametrize("stem", sorted({p.stem for p in FORMATS.iterdir()}))
def test_word_and_pdf_keep_every_phrase_the_markdown_has(stem: str, suffix: str) -> None:
    markdown = passage_texts(SOURCE / f"{stem}.md")
    other = passage_texts(FORMATS / f"{stem}{suffix}")
    found = [p for p in phrases() if any(norm(p) in t for t in markdown)]
    assert found, f"no labelled phrase comes from {stem}"
    missing = [p for p in found if not any(norm(p) in t for t in other)]
    assert not missing, missing
    for text in other:
        assert not any(norm(r) in text for r in RUNNING[:2]), text[:120]
        assert not re.search(r"\bpage \d+ of \d+\b", text), text[:120]
