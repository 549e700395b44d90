"""Cutting policies into passages a phone screen can show.

A passage is what the bot quotes: a paragraph, or a lead-in sentence with its
bullet list, never more than about `max_words` words. It keeps its document's
title and its section heading so that an answer can say where it comes from,
and its text is the document's own words, so the quote is word for word.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass

from .documents import Block, Document

CHUNKING_VERSION = 5  # bump when the rules below change: it invalidates stored indexes


@dataclass(frozen=True)
class ChunkSettings:
    max_words: int = 120
    heading_max_words: int = 16
    tiny_words: int = 6  # a unit shorter than this is merged with a neighbour

    def fingerprint(self) -> str:
        return json.dumps({"version": CHUNKING_VERSION, **asdict(self)}, sort_keys=True)


@dataclass(frozen=True)
class Passage:
    id: str
    document: str  # the document's title, shown to staff
    source: str  # the document's file name
    section: str
    text: str  # verbatim policy text
    position: int  # order within the document
    context: str = ""  # a lead-in this passage continues (embedded, not shown)

    def embedding_texts(self) -> list[str]:
        """What is embedded, as two views searched together (the better match counts).

        With its heading and lead-in a bare paragraph gets its topic; on its
        own the text is not diluted by them. Measured on labelled staff
        questions, keeping both beats either alone.
        """
        parts = [self.section, self.context, self.text]
        with_context = ". ".join(p.strip().rstrip(".:") for p in parts if p.strip())
        return [with_context, self.text]


_BULLET = re.compile(r"^\s*(?:[-•*–·]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def word_count(text: str) -> int:
    return len(text.split())


def is_list(text: str) -> bool:
    """Every line a bullet, or several short lines with no sentence punctuation (a plain list).

    A line ending in a colon is a lead-in, not an item: a block that starts
    with its own lead-in ("Staff may use phones:" and its items) is a unit of
    its own, not the tail of the paragraph before it.
    """
    lines = text.split("\n")
    if all(_BULLET.match(line) for line in lines):
        return True
    return len(lines) >= 3 and all(
        word_count(line) <= 6 and not line.rstrip().endswith((".", ":")) for line in lines
    )


def looks_like_heading(text: str, settings: ChunkSettings) -> bool:
    """A short single line that does not end like a sentence and holds at least one word."""
    if "\n" in text or _BULLET.match(text):
        return False
    stripped = text.strip()
    return (
        0 < word_count(stripped) <= settings.heading_max_words
        and not stripped.endswith((".", ":", ";", ",", "!", "?"))
        and re.search(r"[A-Za-z]{2,}", stripped) is not None
        and stripped[0].isupper()
    )


def sections(doc: Document, settings: ChunkSettings) -> list[tuple[str, list[str]]]:
    """Group a document's blocks under their headings.

    A heading candidate straight after a heading, or after a block ending
    with a colon, is body text: sections are not empty and a colon
    announces what follows.
    """
    result: list[tuple[str, list[str]]] = []
    heading, body = "", []
    previous_was_heading = False
    previous_text = ""
    for block in doc.blocks:
        is_heading = block.heading or (
            looks_like_heading(block.text, settings)
            and not previous_was_heading
            and not previous_text.rstrip().endswith(":")
        )
        if is_heading:
            if body or heading:
                result.append((heading, body))
            heading, body = block.text.strip(), []
        else:
            body.append(block.text)
        previous_was_heading = is_heading
        previous_text = block.text
    if body or heading:
        result.append((heading, body))
    return [(h or doc.title, b) for h, b in result if b]


def _units(blocks: list[str], settings: ChunkSettings) -> list[str]:
    """Join lead-ins with what they introduce and tiny blocks with their neighbours."""
    units: list[str] = []
    for block in blocks:
        if units and (
            units[-1].rstrip().endswith(":")
            or (is_list(block) and not is_list(units[-1]))
            or word_count(units[-1]) < settings.tiny_words
        ):
            units[-1] = units[-1] + "\n\n" + block
        else:
            units.append(block)
    if len(units) > 1 and word_count(units[-1]) < settings.tiny_words:
        last = units.pop()
        units[-1] = units[-1] + "\n\n" + last
    return units


_BOUNDARY = re.compile(r"\n+|(?<=[.!?])[ \t]+(?=[A-Z\"'(])")


def _pieces(unit: str, max_words: int) -> list[str]:
    """Split a unit that is too long, between lines or sentences, as slices of the unit itself.

    Slicing (rather than re-joining words) keeps every piece verbatim.
    """
    if word_count(unit) <= max_words:
        return [unit]
    cuts = [0] + [m.end() for m in _BOUNDARY.finditer(unit)] + [len(unit)]
    pieces: list[str] = []
    start = 0
    for prev, cut in zip(cuts, cuts[1:], strict=False):
        if prev > start and word_count(unit[start:cut]) > max_words:
            pieces.append(unit[start:prev].strip())
            start = prev
    pieces.append(unit[start:].strip())
    # A sentence longer than max_words on its own is cut between words.
    out: list[str] = []
    for piece in pieces:
        while word_count(piece) > max_words:
            spans = [m.start() for m in re.finditer(r"\S+", piece)]
            out.append(piece[: spans[max_words]].strip())
            piece = piece[spans[max_words] :]
        out.append(piece)
    return [p for p in out if p]


def passage_id(source: str, section: str, text: str) -> str:
    """Stable across rebuilds: the same words under the same heading keep their id."""
    digest = hashlib.sha1(f"{source}\x1f{section}\x1f{' '.join(text.split())}".encode()).hexdigest()
    return digest[:12]


def chunk_document(doc: Document, settings: ChunkSettings | None = None) -> list[Passage]:
    settings = settings or ChunkSettings()
    passages: list[Passage] = []
    seen: set[str] = set()
    for section, blocks in sections(doc, settings):
        for unit in _units(blocks, settings):
            pieces = _pieces(unit, settings.max_words)
            lead_in = pieces[0].split("\n")[0] if len(pieces) > 1 and is_list_unit(unit) else ""
            for i, piece in enumerate(pieces):
                pid = passage_id(doc.name, section, piece)
                while pid in seen:  # the same words twice in one section
                    pid = passage_id(doc.name, section, piece + pid)
                seen.add(pid)
                passages.append(
                    Passage(
                        id=pid,
                        document=doc.title,
                        source=doc.name,
                        section=section,
                        text=piece,
                        position=len(passages),
                        context=lead_in if i > 0 else "",
                    )
                )
    return passages


def is_list_unit(unit: str) -> bool:
    return any(is_list(part) for part in unit.split("\n\n"))


def chunk_documents(docs: list[Document], settings: ChunkSettings | None = None) -> list[Passage]:
    return [p for doc in docs for p in chunk_document(doc, settings)]


__all__ = ["Block", "ChunkSettings", "Passage", "chunk_document", "chunk_documents", "sections"]
