"""Cutting policies into passages a phone screen can show.

A passage is what the bot quotes: a section's neighbouring paragraphs (a
lead-in sentence with its bullet list counts as one) while together they fit
in `join_words` words, never more than `max_words` words; a unit longer than that is
cut where a sentence ends (`knowledge.sentences`), never inside one where the
text allows. It keeps its document's
title and its section heading so that an answer can say where it comes from,
and its text is the document's own words, so the quote is word for word.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from .headings import (
    LEAD_IN_WORDS,
    NumberedHeading,
    continues,
    list_number,
    numbered_heading,
    reads_as_lead_in,
)
from .model import Block, Document
from .reference import is_reference_section
from .sentences import cut
from .text import FIELD_LABEL_WORDS

CHUNKING_VERSION = 17  # bump when passages change (the rules below, or how a format is read): indexes rebuild


@dataclass(frozen=True)
class ChunkSettings:
    max_words: int = 120
    heading_max_words: int = 16
    tiny_words: int = 6  # a unit shorter than this is merged with a neighbour
    # Neighbouring paragraphs of one section are quoted together while they fit in this many words
    # (0: a paragraph a passage). 90 beat 60 on three of four tuning sets (`_packed` has the figures).
    join_words: int = 90

    def fingerprint(self) -> str:
        return json.dumps({"version": CHUNKING_VERSION, **asdict(self)}, sort_keys=True)


@dataclass(frozen=True)
class Passage:
    id: str
    document: str  # the document's title, shown to staff
    source: str  # the document's file name
    section: str
    text: str  # the policy's own words as clean text (no Markdown or layout)
    position: int  # order within the document
    context: str = ""  # a lead-in this passage continues (embedded, not shown)
    # (link text, URL) for each link whose text is in `text`, for the bot to show as a link
    links: tuple[tuple[str, str], ...] = ()
    # The paragraphs a passage joins (see `_packed`), each also embedded; not stored with the index.
    parts: tuple[str, ...] = field(default=(), compare=False)

    def embedding_texts(self, titled: bool = False) -> list[str]:
        """What is embedded, as views searched together (the best match counts).

        With its heading and lead-in a bare paragraph gets its topic; on its
        own the text is not diluted by them. Measured on labelled staff
        questions, keeping both beats either alone. Each paragraph a passage
        joins is a view of its own too (see `_packed`). `titled` leads the
        heading view with the document's title (see `needs_title`).
        """
        parts = [self.document if titled else "", self.section, self.context, self.text]
        with_context = ". ".join(p.strip().rstrip(".:") for p in parts if p.strip())
        return [with_context, self.text, *self.parts]


_BULLET = re.compile(r"^\s*(?:[-•*–·]|\d{1,2}[.)])\s+")


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
    """A short single line that does not end like a sentence, nor on a word a sentence goes on
    after ("... helping staff to"), and holds at least one word."""
    if "\n" in text or _BULLET.match(text):
        return False
    stripped = text.strip()
    return (
        0 < word_count(stripped) <= settings.heading_max_words
        and not stripped.endswith((".", ":", ";", ",", "!", "?"))
        and re.search(r"[A-Za-z]{2,}", stripped) is not None
        and stripped[0].isupper()
        and not reads_as_lead_in(stripped)
    )


def _leads_into_list(block: Block, following: Block | None) -> bool:
    """A line as long as a sentence with a list straight after it: the list's lead-in."""
    return following is not None and word_count(block.text) >= LEAD_IN_WORDS and is_list(following.text)


SHORT_LABEL_WORDS = 3  # "Notes:", "Date of request:"; a longer lone label may be a sentence's lead-in


def _label(block: Block) -> bool:
    """A form field's label, nothing after its colon: "Name:", "Staff number (if applicable):"."""
    text = block.text.strip()
    return (
        not block.heading
        and "\n" not in text
        and text.endswith(":")
        and 0 < word_count(text) <= FIELD_LABEL_WORDS
        and not _BULLET.match(text)
    )


def empty_fields(blocks: list[Block]) -> set[int]:
    """The blocks of a form's empty fields, which have nothing to quote.

    A field left blank (`Block.blank`) is one; so is a label another label
    follows, and a run of labels that a heading or the document's end follows
    (a lone label there only when short: "Windows Security settings include:"
    before the sections it lists is a sentence's lead-in). The last label
    before anything else may be a lead-in ("We:" and a list, "Headteacher:" and
    a name), and stays.
    """
    empty = {i for i, block in enumerate(blocks) if block.blank}
    i = 0
    while i < len(blocks):
        if not (_label(blocks[i]) or blocks[i].blank):
            i += 1
            continue
        end = i
        while end < len(blocks) and (_label(blocks[end]) or blocks[end].blank):
            end += 1
        following = blocks[end] if end < len(blocks) else None
        if following is not None and not following.heading:
            empty.update(range(i, end - 1))
        elif end - i > 1 or word_count(blocks[i].text) <= SHORT_LABEL_WORDS:
            empty.update(range(i, end))
        i = end
    return empty


def sections(doc: Document, settings: ChunkSettings) -> list[tuple[str, list[str]]]:
    """Group a document's blocks under their headings (see `grouped_blocks`)."""
    return [(h, [b.text for b in body]) for h, body in grouped_blocks(doc, settings)]


def grouped_blocks(doc: Document, settings: ChunkSettings) -> list[tuple[str, list[Block]]]:
    """Group a document's blocks under their headings.

    A heading candidate straight after a heading, or after a block ending
    with a colon, is body text: sections are not empty and a colon
    announces what follows; so is one as long as a sentence with a list
    straight after it (its lead-in). The labels of empty form fields
    (`empty_fields`) are left out. A numbered title line ("2. Personal devices",
    "Section 4 – Monitoring") is a heading when its number continues the
    document's numbering, not a list a lead-in opened (see
    `_is_numbered_heading`); it may follow a heading ("3 Staff" then "3.1 Email").
    """
    result: list[tuple[str, list[Block]]] = []
    heading, body = "", list[Block]()
    blocks = doc.blocks
    previous: Block | None = None
    previous_was_heading = False
    last_number: tuple[int, ...] | None = None
    empty = empty_fields(blocks)
    for i, block in enumerate(blocks):
        if i in empty:  # nothing to quote, and no lead-in to what follows
            previous, previous_was_heading = None, False
            continue
        numbered = None if block.table_row or block.field else numbered_heading(block.text)
        if block.heading:
            is_heading = True
        elif block.table_row or block.field:
            is_heading = False
        elif numbered is not None:
            is_heading = _is_numbered_heading(numbered, blocks, i, last_number, previous)
        else:
            is_heading = (
                looks_like_heading(block.text, settings)
                and not previous_was_heading
                and not (previous is not None and previous.text.rstrip().endswith(":"))
                and not _leads_into_list(block, blocks[i + 1] if i + 1 < len(blocks) else None)
            )
        if is_heading:
            if numbered is not None and numbered.number:
                last_number = numbered.number
            if body or heading:
                result.append((heading, body))
            heading, body = block.text.strip(), []
        else:
            body.append(block)
        previous_was_heading = is_heading
        previous = block
    if body or heading:
        result.append((heading, body))
    return [(h or doc.title, b) for h, b in result if b]


def _is_numbered_heading(
    numbered: NumberedHeading,
    blocks: list[Block],
    i: int,
    last_number: tuple[int, ...] | None,
    previous: Block | None,
) -> bool:
    """A numbered title line is a heading unless it belongs to a numbered list.

    It is a list item when a lead-in (a colon) comes before it, when it
    continues the numbered list just before it ("1. Never ..." then "2. Log
    out"), when its number does not continue the headings' numbering, or when
    the next block is its own next number (a heading's section is never empty).
    """
    if previous is not None and not previous.heading:
        before = previous.text.rstrip()
        if before.endswith(":"):
            return False
        last_item = list_number(before.split("\n")[-1])
        # It continues the list before it; after a list set apart as one block it may still be
        # the next heading ("2. Rules", a lead-in and items 1-2 in one block, then "3. Trips").
        if (
            not numbered.labelled
            and last_item is not None
            and numbered.number == (last_item + 1,)
            and ("\n" not in before or last_number is None or not continues(numbered.number, last_number))
        ):
            return False
    if not numbered.labelled and not continues(numbered.number, last_number):
        return False
    following = blocks[i + 1] if i + 1 < len(blocks) else None
    if following is None or following.heading:
        return False
    if not numbered.labelled:
        nxt = numbered_heading(following.text)
        item = list_number(following.text.split("\n")[0])
        if item is not None and (item,) == numbered.number[:-1] + (numbered.number[-1] + 1,):
            return False
        if nxt is not None and not nxt.labelled and len(nxt.number) <= len(numbered.number):
            return False
    return True


RECORD_FIELD_WORDS = 16  # a "Label: value" field this short is a line of a record


def _record_line(block: Block) -> bool:
    return block.field and word_count(block.text) <= RECORD_FIELD_WORDS


def _units(blocks: list[Block], settings: ChunkSettings) -> list[str]:
    """Join lead-ins with what they introduce, the short fields of a record ("Location:
    Sunderland", "Phase: Secondary") with each other and tiny blocks with their neighbours."""
    units: list[str] = []
    after_record = False  # the last unit ends with a record's line
    for item in blocks:
        block = item.text
        if units and (
            units[-1].rstrip().endswith(":")
            or (is_list(block) and not is_list(units[-1]))
            or word_count(units[-1]) < settings.tiny_words
            or (after_record and _record_line(item))
        ):
            units[-1] = units[-1] + "\n\n" + block
        else:
            units.append(block)
        after_record = _record_line(item)
    if len(units) > 1 and word_count(units[-1]) < settings.tiny_words:
        last = units.pop()
        units[-1] = units[-1] + "\n\n" + last
    return units


def _packed(units: list[str], words: int) -> list[list[str]]:
    """Neighbouring units of one section grouped while together they have at most `words` words.

    A policy's paragraphs are short (half of them under 30 words in three
    policy sets measured), and one alone often lacks the words a question
    is asked in, which its neighbour has. Each paragraph is still embedded
    on its own as well (`Passage.parts`), so a question that one paragraph
    answers is not lost in its neighbours' words. Measured on a new school's
    first day (`staffguide index`, then score.py), tuning halves and the
    bundled staff set, hit@3 / reach from a paragraph a passage to 90 words:
    DfE guidance 0.69 / 0.69 -> 0.82 / 0.82, workload policies 0.86 / 0.75
    -> 0.90 / 0.82, staff set 0.68 / 0.65 -> 0.80 / 0.72, bundled tuning half
    0.86 / 0.77 -> 0.74 / 0.66 (the one set that lost). Joining without the
    paragraphs' own vectors declined 4 more workload questions: a paragraph's
    match was diluted below the bar by its neighbours.
    """
    packed: list[list[str]] = []
    size = 0
    for unit in units:
        count = word_count(unit)
        if packed and size + count <= words:
            packed[-1].append(unit)
            size += count
        else:
            packed.append([unit])
            size = count
    return packed


def passage_id(source: str, section: str, text: str) -> str:
    """Stable across rebuilds: the same words under the same heading keep their id."""
    digest = hashlib.sha1(f"{source}\x1f{section}\x1f{' '.join(text.split())}".encode()).hexdigest()
    return digest[:12]


def chunk_document(doc: Document, settings: ChunkSettings | None = None) -> list[Passage]:
    settings = settings or ChunkSettings()
    passages: list[Passage] = []
    seen: set[str] = set()
    for section, blocks in grouped_blocks(doc, settings):
        if is_reference_section(section, blocks):
            continue  # a change history or a list of links is not policy
        links = [link for block in blocks for link in block.links]
        units = [unit for unit in _units(blocks, settings) if not is_tag(unit)]
        # Joined only within max_words, so a joined passage is never cut and only one unit is.
        for group in _packed(units, min(settings.join_words, settings.max_words)):
            unit = "\n\n".join(group)
            pieces = cut(unit, settings.max_words)
            joined = tuple(group) if len(group) > 1 else ()
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
                        links=tuple(dict.fromkeys(link for link in links if link[0] in piece)),
                        parts=joined,
                    )
                )
    return passages


TAG_WORDS = 2


def is_tag(unit: str) -> bool:
    """A word or two with no sentence and no number ("Example", "Case study"): a page's type tag,
    left alone in its section when nothing short is beside it to join. It answers nothing."""
    return word_count(unit) <= TAG_WORDS and not re.search(r"[.!?\d]", unit)


def is_list_unit(unit: str) -> bool:
    return any(is_list(part) for part in unit.split("\n\n"))


def chunk_documents(docs: list[Document], settings: ChunkSettings | None = None) -> list[Passage]:
    return [p for doc in docs for p in chunk_document(doc, settings)]


def needs_title(passages: Sequence[Passage]) -> list[bool]:
    """Per passage: whether its heading says nothing of which document it is in, so that its
    heading view is embedded with the document's title first (`Passage.embedding_texts`).

    So it is when several documents have a section of that name ("Procedures", "Background",
    "Prerequisites"; text before a document's first heading is under its title). In a
    pre-school's policies, headed "Procedures" and "Policy statement" throughout, 17 of 29
    questions whose first passage was wrong were given one from the wrong document.
    First-day tuning halves (each question set's own policies, adapted to their text and
    other schools' questions): the DfE guidance (48 of 247 passages titled) reach 44 -> 45
    of 49, the workload policies (35 of 225) 6 -> 5 in-policy questions declined, the
    one-document policy unchanged; held out after: the workload policies' reach 35 -> 36
    of 51, the DfE guidance unchanged. Every passage titled instead raised hit@1 but lost
    reach on the workload policies.
    """
    documents: dict[str, set[str]] = {}
    for passage in passages:
        documents.setdefault(_heading_key(passage.section), set()).add(passage.source)
    return [len(documents[_heading_key(p.section)]) > 1 for p in passages]


def _heading_key(section: str) -> str:
    return " ".join(section.lower().split())


__all__ = [
    "Block",
    "ChunkSettings",
    "Passage",
    "chunk_document",
    "chunk_documents",
    "grouped_blocks",
    "needs_title",
    "sections",
]


def section_starts(passages: Sequence[Passage]) -> list[tuple[str, str, Passage]]:
    """(document, section, first passage) for every section, in document order (for /topics)."""
    seen: dict[tuple[str, str], Passage] = {}
    for p in passages:
        seen.setdefault((p.document, p.section), p)
    return [(doc, sec, p) for (doc, sec), p in seen.items()]


def section_passages(passages: Sequence[Passage], document: str, section: str) -> list[Passage]:
    return [p for p in passages if p.document == document and p.section == section]
