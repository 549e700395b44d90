"""A word-processor document's parts (headings, paragraphs, list items, table rows) made blocks.

The Word readers, `knowledge.docx` (Word 2007 and later) and `knowledge.doc`
(Word 97-2003), and the OpenDocument one, `knowledge.odt`, find the same
kinds of part in their formats and leave the rest to this: a heading
repeated at once is read once and two heading paragraphs of one look are one
heading; a body paragraph's first lines are a heading when set as headings
are, and a paragraph typed a line at a time is one; list items join the
lead-in before them; and in a document whose sections are numbered list
paragraphs, those are its headings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import takewhile

from .docx_looks import most_letters
from .headings import KIND_OF_DOCUMENT, names_the_document, numbered_heading, reads_as_lead_in
from .model import Block
from .pdf_lines import Line, Style, styled_heading
from .text import continues_sentence, is_field, table_blocks


@dataclass
class Part:
    kind: str  # "heading", "para", "item" or "table"
    text: str
    level: int = 0
    label: str = ""  # "2." / "2.1" for a numbered item, "" for a bullet
    style: str = ""  # the paragraph style's name, lower case; for a heading set by its looks, those
    blank: bool = False  # a form's table row left blank (see `table_blocks`)
    field: bool = False  # a "Label: value" paragraph, its label in bold


def _one_heading(last: Part | None, text: str, style: str) -> bool:
    """`text` goes on with the heading just before it: the same heading style or looks, and neither
    numbered ("Wellbeing" / "Charter", a title set over two paragraphs)."""
    return (
        last is not None
        and last.kind == "heading"
        and last.style == style
        and numbered_heading(last.text) is None
        and numbered_heading(text) is None
    )


def add_heading(parts: list[Part], last: Part | None, text: str, style: str) -> None:
    if last is not None and last.kind == "heading" and last.text == text:
        return  # the same heading again (a web page's title, then its first heading)
    if _one_heading(last, text, style) and last is not None:
        last.text = f"{last.text} {text}"
    else:
        parts.append(Part("heading", text, style=style))


def set_in(pieces: Iterable[tuple[str, Style]], default: Style) -> Style:
    """The size and weight most of a line's letters are set in (spaces not counted), from its
    pieces of text and how each is set; `default` for a line with no letter."""
    letters: Counter[Style] = Counter()
    for text, style in pieces:
        letters[style] += sum(not char.isspace() for char in text)
    letters = +letters  # pieces of spaces only count for nothing
    return most_letters(letters) if letters else default


def bold_opening(pieces: Iterable[tuple[str, Style]]) -> str:
    """The words a paragraph opens with in bold ("Location:" of "Location: Sunderland"): its
    pieces up to the first with a letter not in bold."""
    opening = []
    for text, style in pieces:
        if text.strip() and not style.bold:
            break
        opening.append(text)
    return "".join(opening)


def looks_like_heading(line: Line, body: Style) -> bool:
    """A short title-like line set clearly larger than the body text, or in bold when the body is
    not: a heading, as the PDF reader takes one (`styled_heading`); never a lead-in's start."""
    return styled_heading(line, body) and not reads_as_lead_in(line.text)


def add_paragraph(
    parts: list[Part],
    last: Part | None,
    lines: list[Line],
    style: str,
    body: Style,
    bold_opening: Callable[[], str],
) -> None:
    """A paragraph in a body style: its first lines a heading when set as headings are, the rest a
    paragraph, or the end of the one before it when that stopped mid-sentence (a paragraph typed a
    line at a time); a bold label with its value (`bold_opening`, asked only then) is a field."""
    rest = lines
    while rest and (not rest[0].text.strip() or looks_like_heading(rest[0], body)):
        if rest[0].text.strip():
            add_heading(parts, last, rest[0].text.strip(), f"looks {rest[0].style.size} {rest[0].style.bold}")
            last = parts[-1]
        rest = rest[1:]
    text = "\n".join(line.text for line in rest).strip()
    if not text:
        return
    if (
        last is not None
        and last.kind == "para"
        and last.style == style
        and not last.field
        and continues_sentence(last.text, text)
    ):
        last.text = f"{last.text} {text}"
    else:
        field = len(rest) == len(lines) and ":" in text and is_field(text, bold_opening())
        parts.append(Part("para", text, style=style, field=field))


def next_number(counts: dict[str, list[int]], numbering: str, level: int) -> str:
    """The number Word (or LibreOffice) draws before the next item at `level` (0 to 8) of the
    list `numbering` ("2.", "2.1"): that level counts on, the deeper ones start again."""
    count = counts.setdefault(numbering, [0] * 9)
    count[level] += 1
    count[level + 1 :] = [0] * (8 - level)
    return ".".join(str(n) for n in count[: level + 1]) + ("." if level == 0 else "")


def depth(level: int, style: str) -> int:
    """How deep a list item is nested: its numbering level or its style's ("List Bullet 2" is 1).

    Word's "List Bullet 2" and "List Number 3" styles each bring a list of
    their own at level 0, indented further; only the style's name says that
    the item is a sub-item of the one before.
    """
    if style.startswith("list") and style[-1:].isdigit():
        level = max(level, int(style[-1]) - 1)
    return level


def _numbered_headings(parts: list[Part]) -> set[int]:
    """The numbered items that are section headings: title-like, followed by body text, not after a
    lead-in; only in a document with at least two of them."""
    found = set()
    for i, part in enumerate(parts):
        if part.kind != "item" or not part.label or numbered_heading(f"{part.label} {part.text}") is None:
            continue
        before = parts[i - 1] if i else None
        after = parts[i + 1] if i + 1 < len(parts) else None
        if before is not None and before.text.endswith(":"):
            continue
        if after is not None and after.kind in ("para", "table"):
            found.add(i)
    return found if len(found) >= 2 else set()


def blocks_of(parts: list[Part]) -> list[Block]:
    """The blocks a document's parts read as (numbered section headings found first)."""
    headings = _numbered_headings(parts)
    blocks: list[Block] = []
    for i, part in enumerate(parts):
        if part.kind == "heading" or i in headings:
            text = f"{part.label} {part.text}" if i in headings else part.text
            blocks.append(Block(text, heading=True))
        elif part.kind == "item":
            marker = f"{part.label} " if part.label else ("" if part.text.startswith(("-", "•")) else "- ")
            line = "  " * part.level + marker + part.text
            if blocks and not blocks[-1].heading and not blocks[-1].table_row:
                blocks[-1] = Block(blocks[-1].text + "\n" + line)
            else:
                blocks.append(Block(line))
        else:
            blocks.append(
                Block(part.text, table_row=part.kind == "table", blank=part.blank, field=part.field)
            )
    return blocks


def opening_heading(parts: list[Part]) -> str:
    """The heading a document opens with, when it names the document (as a PDF's opening line
    does). Among the headings before its first paragraph (a cover page: the school's name, then
    "Child Protection Policy"), one naming a kind of document comes first."""
    opening = list(takewhile(lambda part: part.kind == "heading", parts))
    names = [part.text for part in opening if names_the_document(part.text)]
    kinds = [text for text in names if KIND_OF_DOCUMENT.search(text)]
    if kinds:
        return kinds[0]
    return opening[0].text if opening and names_the_document(opening[0].text) else ""


# The table of contents' own styles: its heading ("TOC Heading" in Word, "Contents Heading" in
# LibreOffice) and its lines ("toc 1", "Contents 1"), where the contents is typed or kept as text.
_CONTENTS_STYLE = re.compile(r"(?:toc|contents) (?:heading|\d)")


@dataclass
class Assembly:
    """A document's paragraphs and tables made parts, in order, as every word-processor reader
    makes them: a Title paragraph names the document, an empty paragraph keeps two headings or
    paragraphs apart, a numbered heading keeps its number, and a list paragraph is an item."""

    body: Style
    parts: list[Part] = field(default_factory=list)
    title: str = ""  # the Title paragraphs' words; consecutive ones are one title
    gap: bool = False  # an empty paragraph since the last part
    titled: bool = False  # the last paragraph was in the Title style

    def table(self, rows: list[list[str]]) -> None:
        self.parts += [Part("table", b.text, blank=b.blank) for b in table_blocks(rows)]
        self.titled = False

    def paragraph(
        self,
        text: str,
        style: str,
        lines: Callable[[], list[Line]],
        bold_opening: Callable[[], str],
        item: tuple[int, str] | None = None,
        heading: bool = False,
    ) -> None:
        """One paragraph: `style` its style's name in lower case, `item` its list level and drawn
        number when it is in a list, `heading` when the format marks it a heading without a style;
        `lines` and `bold_opening` are asked for only when it is a body paragraph."""
        if not text:
            self.gap = True
            return
        if _CONTENTS_STYLE.fullmatch(style):  # every heading again, with page numbers: no answer
            return
        last = self.parts[-1] if self.parts and not self.gap else None
        self.gap, was_title, self.titled = False, self.titled, style == "title"
        label = item[1] if item is not None else ""
        if style == "title":
            self.title = f"{self.title} {text}" if was_title else text
        elif heading or style.startswith("heading"):
            if label:
                self.parts.append(Part("heading", f"{label} {text}", style=style))
            else:
                add_heading(self.parts, last, text, style or "heading")
        elif item is not None or style.startswith("list"):
            self.parts.append(Part("item", text, depth(item[0] if item else 0, style), label))
        else:
            add_paragraph(self.parts, last, lines(), style, self.body, bold_opening)
