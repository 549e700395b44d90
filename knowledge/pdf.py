"""PDF policies, read with pypdf as a person reads the printed pages.

A tagged PDF (Word's "Save as PDF" writes one) is read by its structure tree
instead, when the tree holds the text (`knowledge.pdf_tags`); what follows is
how any other PDF is read.

pypdf gives each line's text and, through its text visitor, the font size and
weight it is set in (`knowledge.pdf_lines`). With those the reader does what
the eye does: a short line set clearly larger or bolder than the body text is
a heading; the largest one on the first page is the title; a small number
glued to a word ("MASH4") is a footnote reference, not part of the word; the
small lines at a page's foot are footnotes, read after the paragraph they
interrupt, never inside it.

Page furniture is removed: a line that repeats on most pages (digits aside:
"Social Media Policy – page 3", "Reviewed September 2024") and page-number
lines ("Page 3 of 12", "3", "- 3 -"), and the comments Word prints with
"Commented [DL1]: ...". Pages are then read as one text, so a paragraph cut by
a page break is joined again. PDF text has no blank lines, so paragraphs end
at a line ending a sentence; headings are set apart by their style, or, when
the file gives none, by their shape (short title lines, numbered or not).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

from .headings import KIND_OF_DOCUMENT, names_the_document, numbered_heading
from .model import Block, Document
from .pdf_lines import (
    BULLET_START,
    SUB_BULLET,
    WRAPPED_HEADING_MAX_WORDS,
    Line,
    Style,
    body_style,
    draw_page,
    drawn_lines,
    heading_style,
    styled_heading,
    without_comments,
)
from .pdf_tags import structure_tree, tagged_document
from .text import TITLE_LINE, clean_glyphs, near_widest_line, sensible_title, split_blocks, with_title

log = logging.getLogger(__name__)
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE
)
_MIN_WRAP = 20  # characters: a page whose lines are all narrower holds cells or labels, not paragraphs
_EDGE_LINES = 3  # furniture is looked for among the first and last lines of a page
# A bullet inside an extracted line starts an item of its own: pypdf puts two items on one line
# when Word sets them side by side or the second item's glyph sits on the first one's baseline.
_INNER_BULLET = re.compile(r"(?<=\S)[ \t]+•[ \t]+(?=\S)")


def read_pdf(path: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        reader = PdfReader(str(path))
        tags = structure_tree(reader)
        drawn = [draw_page(page, tagged=tags is not None) for page in reader.pages]
        metadata = reader.metadata
        meta_title = str(metadata.title or "") if metadata is not None else ""
        tagged = tagged_document(path, reader, tags, drawn, meta_title) if tags is not None else None
    except FileNotDecryptedError:
        raise ValueError("the PDF needs a password to open: save a copy without one and send that") from None
    except Exception as exc:  # pypdf raises a wide variety on damaged files: the person gets plain words
        log.info("cannot read %s: %s: %s", path.name, type(exc).__name__, exc)
        raise ValueError("the file could not be read as a PDF (it may be damaged)") from None
    if tagged is not None:
        return tagged
    pages = [drawn_lines(page) for page in drawn]
    if not any(line.text.strip() for page in pages for line in page):
        raise ValueError(
            "the PDF holds pictures of its pages, not text (a scan?): send the document it was made from, "
            "or a PDF saved from it"
        )
    return document_from_lines(path, pages, meta_title)


def document_from_pages(path: Path, pages: list[str]) -> Document:
    """A PDF's document from the text of its pages, as pypdf extracts it (styles unknown)."""
    return document_from_lines(path, [[Line(text) for text in page.split("\n")] for page in pages])


def document_from_lines(path: Path, pages: list[list[Line]], meta_title: str = "") -> Document:
    """A PDF's document from its pages' lines and their styles, and the file's own Title."""
    pages = [_clean(page) for page in pages]
    body = body_style(pages)
    pages = [[line for line in without_comments(page, body) if line.text.strip()] for page in pages]
    pages = [_split_inner_bullets(page) for page in strip_page_furniture(pages, body)]
    lines = _with_footnotes_after_their_paragraph(pages, body)
    headings = _join_wrapped_headings(lines, body)
    title = _title(pages[0] if pages else [], headings, body, meta_title)
    text = "\n".join(line.text for line in lines)
    # PDF text loses blank lines between paragraphs; a line ending a sentence ends a block. A
    # list stays one block with its lead-in: its items end in ";" or "." but do not end it, and
    # it starts a block of its own only after a paragraph (a line ending a sentence, no bullet).
    text = re.sub(r"([.:;!?])\n(?=[A-Z])", r"\1\n\n", text)
    text = re.sub(r"^((?![•\-–] ).*[.!?])\n(?=[•\-–] )", r"\1\n\n", text, flags=re.MULTILINE)
    heading_texts = {line.text.strip() for line in headings}
    # A PDF's lines are always wrapped, at the width of their column: narrow columns (a leaflet's
    # two) and small type on a wide page wrap outside the range a plain-text file is guessed in.
    width = near_widest_line([len(line.text.strip()) for line in lines])
    width = width if width >= _MIN_WRAP else 0  # lines kept as they are
    separated = _separate_pdf_headings(text, heading_texts, shape_headings=not headings)
    blocks = [
        Block(b.text, heading=True) if b.text in heading_texts else b for b in split_blocks(separated, width)
    ]
    doc = with_title(path, blocks)
    return Document(name=doc.name, title=title or doc.title, blocks=doc.blocks)


def _clean(page: list[Line]) -> list[Line]:
    """Glyphs cleaned line by line; a bullet glyph alone on its line marks the line after it."""
    out: list[Line] = []
    mark = ""
    for line in page:
        raw = line.text.strip()
        if len(raw) == 1 and not raw.isalnum() and raw not in ".,;:!?)]}\"'":
            mark = raw
            continue
        text = SUB_BULLET.sub("• ", clean_glyphs(f"{mark} {raw}" if mark else raw)).strip()
        out.append(Line(text, line.style))
        mark = ""
    return out


def _split_inner_bullets(page: list[Line]) -> list[Line]:
    out: list[Line] = []
    for line in page:
        out += [Line(part, line.style) for part in _INNER_BULLET.sub("\n• ", line.text).split("\n")]
    return out


def _shape(line: Line) -> tuple[str, float]:
    """A line's words with its digits ignored (a running header's page number changes), and the
    size it is set in: a header is drawn the same on every page, while a section may open a page
    with the title's words in a heading's size."""
    return re.sub(r"\d+", "#", " ".join(line.text.split()).lower()), round(line.style.size * 2) / 2


def strip_page_furniture(pages: list[list[Line]], body: Style) -> list[list[Line]]:
    """Each page's lines without running headers, footers and page numbers.

    A line repeated among the first or last lines of most pages, in the same
    size, is furniture (its digits aside: the page number changes), and so is
    an edge line that starts with such a line's words, set smaller than the
    body text (a header wrapped on portrait pages, whole on a landscape one).
    Elsewhere on the page (pypdf gives lines in drawing order: a header drawn
    after the body, or a footer drawn before a table that ends the page, comes
    out in the middle) a line is furniture only when the same words are on
    most pages of at least three, its digits aside only when it is set
    smaller than the body text: a body line seldom repeats that often.
    """
    seen_at_edges: Counter[tuple[str, float]] = Counter()
    seen: Counter[tuple[str, float]] = Counter()
    for page in pages:
        edges = page[:_EDGE_LINES] + page[-_EDGE_LINES:]
        seen_at_edges.update({_shape(line) for line in edges})
        seen.update({_repeat_key(line, body) for line in page})
    most = max(2, 0.6 * len(pages))
    at_edges = {shape for shape, n in seen_at_edges.items() if len(pages) >= 2 and n >= most}
    starts = [  # set small, as headers are: a body line may open with a header's words
        (text + " ", size)
        for text, size in at_edges
        if len(text.split()) >= _HEADER_START_WORDS and 0 < size < body.size - 0.25
    ]
    anywhere = {
        key
        for key, n in seen.items()
        if len(pages) >= 3 and n >= max(3, most) and not key[0].endswith(":")  # a lead-in is body text
    }

    def furniture(line: Line) -> bool:
        shape = _shape(line)
        return (
            shape in at_edges
            or _PAGE_NUMBER.match(line.text) is not None
            or any(shape[1] == size and shape[0].startswith(text) for text, size in starts)
        )

    cleaned = []
    for page in pages:
        keep = [line for line in page if _repeat_key(line, body) not in anywhere]
        # Trim from each edge while the line is furniture; stop at the first real line.
        while keep and furniture(keep[0]):
            keep.pop(0)
        while keep and furniture(keep[-1]):
            keep.pop()
        cleaned.append(keep)
    return cleaned


_HEADER_START_WORDS = 4  # a header's first line this long, found at the start of a whole one


def _repeat_key(line: Line, body: Style) -> tuple[str, float]:
    """What a line repeated over pages is matched by: its very words, or, set smaller than the
    body text ("Page 4 of the policy"), its words with the digits aside."""
    if 0 < line.style.size < body.size - 0.25:
        return _shape(line)
    return " ".join(line.text.split()), -1.0


def _footnotes(page: list[Line], body: Style) -> int:
    """How many lines at the page's foot are set smaller than the body text (footnotes)."""
    if not body.size:
        return 0
    count = 0
    for line in reversed(page):
        if not 0 < line.style.size < 0.9 * body.size:
            break
        count += 1
    return count if count < len(page) else 0


def _with_footnotes_after_their_paragraph(pages: list[list[Line]], body: Style) -> list[Line]:
    """The pages' lines as one stream, each page's footnotes after the sentence they interrupt.

    A footnote sits between the last line of one page and the first of the
    next; read there it would cut the paragraph that continues over the page
    break in two. It is read, as a block of its own, once that sentence ends.
    """
    out: list[Line] = []
    waiting: list[Line] = []
    for page in pages:
        notes = _footnotes(page, body)
        for line in page[: len(page) - notes]:
            out.append(line)
            if waiting and line.text.endswith((".", "!", "?")):
                out += [Line(""), *waiting, Line("")]
                waiting = []
        waiting += page[len(page) - notes :]
        if waiting and out and out[-1].text.endswith((".", "!", "?")):
            out += [Line(""), *waiting, Line("")]
            waiting = []
    return out + ([Line(""), *waiting] if waiting else [])


_JOINING_END = re.compile(r"(?:\b(?:and|or|of|the|for|to|in|on|with|a|an|as|by|at)|[&,–-])$", re.IGNORECASE)
_CONTINUING_START = re.compile(r"^(?:[a-z](?![A-Z])|[(&–/-])")  # not "iPads": a brand opens a heading
# A heading line is full, and the next line's first word was wrapped off it, when the two together
# would take this share of a full body line. Widths are counted as characters times points: type
# is proportional, and a bold heading's letters are wider, so a full line counts a little short.
WRAP_FULL = 0.8


def _full_line(lines: list[Line], body: Style) -> float:
    """How wide a full line of body text is (characters times points): the widest tenth's edge."""
    widths = sorted(
        len(line.text.rstrip()) * line.style.size
        for line in lines
        if line.text.strip() and abs(line.style.size - body.size) < 0.5
    )
    return widths[int(0.9 * (len(widths) - 1))] if widths else 0.0


def _continues(previous: Line, line: Line, first: str, full: float) -> bool:
    """Whether `line` carries on the heading line before it, wrapped there.

    It does when it is set in the same style and starts in lower case or with a bracket, when
    the line before ends on a joining word or a comma ("... shared area,"), or when the line
    before was full: its next word would not have fitted ("Background from Chris Gibson, Deputy"
    / "Headteacher"). A numbered line, a bullet, or the heading's first line again (a title
    printed twice) starts afresh.
    """
    text, before = line.text.strip(), previous.text.rstrip()
    if line.style != previous.style or not text or text == first or BULLET_START.match(text):
        return False
    if before.endswith((".", ":", ";", "!", "?")):
        return False
    if _CONTINUING_START.match(text) or _JOINING_END.search(before):
        return True
    return bool(full) and (len(before) + 1 + len(text.split()[0])) * previous.style.size >= WRAP_FULL * full


def _join_wrapped_headings(lines: list[Line], body: Style) -> list[Line]:
    """The lines that are headings by their style; a heading wrapped over lines is made one.

    The joined heading takes its last line's place in `lines`; the lines before it are emptied.
    Lines that wrap into a sentence ("Staff must never share their personal" / "mobile number
    with a pupil.") or a paragraph are body text set in bold or large, none of them a heading.
    """
    full = _full_line(lines, body)
    headings: list[Line] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        group = [i]
        if heading_style(line, body):
            while group[-1] + 1 < len(lines) and _continues(
                lines[group[-1]], lines[group[-1] + 1], line.text.strip(), full
            ):
                group.append(group[-1] + 1)
        if len(group) > 1:  # a heading, or a sentence or paragraph set in a heading's type
            joined = Line(" ".join(lines[k].text.strip() for k in group), line.style)
            if styled_heading(joined, body, WRAPPED_HEADING_MAX_WORDS):
                for k in group[:-1]:
                    lines[k] = Line("", line.style)
                lines[group[-1]] = joined
                headings.append(joined)
        elif styled_heading(line, body):
            headings.append(line)
        i = group[-1] + 1
    return headings


OPENING_TEXT_WORDS = 6  # a body line this long is the text's first sentence, not a cover's line


def _before_the_text(page: list[Line], body: Style) -> list[Line]:
    """The first page's lines above its first line of body text: where a title is set."""
    out = []
    for line in page:
        if not line.text:
            continue
        if not heading_style(line, body) and len(line.text.split()) >= OPENING_TEXT_WORDS:
            break
        out.append(line)
    return out


def _title(first_page: list[Line], headings: list[Line], body: Style, meta_title: str) -> str:
    """The document's own title, "" when it has none (the file name is used then).

    Among the lines above the first page's text set clearly larger than the
    body, the largest naming a kind of document ("... Policy") wins; a
    cover's largest line is often the school's name, so the file's Title
    comes next, then the largest line. Titles of several lines were joined
    into one heading. A document with no larger line is titled by its
    opening line when that is set as a heading and is not a section's name
    ("1. Introduction", "Purpose").
    """
    first = [line.text for line in _before_the_text(first_page, body)]
    large = [
        h
        for h in headings
        if body.size and h.style.size >= 1.25 * body.size and any(h.text.startswith(t) for t in first)
    ]
    large.sort(key=lambda h: -h.style.size)
    named = [h for h in large if KIND_OF_DOCUMENT.search(h.text)]
    if named:
        return named[0].text
    if sensible_title(meta_title):
        return " ".join(meta_title.split())
    if large:
        return large[0].text
    opening = first[0] if first else ""
    heads = {h.text for h in headings}
    if opening in heads and names_the_document(opening):
        return opening
    return ""


def _separate_pdf_headings(text: str, styled: set[str], shape_headings: bool) -> str:
    """Put blank lines around a PDF heading line, so that it is a block of its own.

    Without them a heading is glued to the paragraph under it and never found.
    A line set as a heading (`styled`) always is one. When the file's styles
    mark no heading, one is found by its shape: it is short (well under the
    widest line, which a wrapped paragraph line is not), does not end like a
    sentence, is followed by a capitalised line, and follows the end of a
    sentence, a bullet, the title line or nothing (not a colon: lines after a
    colon are a plain list). A numbered title line ("2. Personal devices") may
    follow any line but a lead-in; whether it is a heading or a list item is
    decided with the document's numbering when sections are made.
    """
    lines = text.split("\n")
    widest = max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    before = ""  # the last non-empty line
    for i, line in enumerate(lines):
        stripped = line.strip()
        after = next((x.strip() for x in lines[i + 1 :] if x.strip()), "")
        numbered = numbered_heading(stripped) is not None and not before.endswith(":")
        plain = (
            shape_headings
            and stripped[:1].isupper()
            and (
                not before
                or before.endswith((".", ";", "!", "?"))
                or BULLET_START.match(before)
                or TITLE_LINE.match(before)
            )
            and not stripped.endswith((".", ":", ";", ",", "!", "?"))
            and len(stripped.split()) <= 16
        )
        if stripped in styled or (
            stripped
            and (after[:1].isupper() or (numbered and after[:1].isdigit()))
            and (numbered or plain)
            and len(stripped) < 0.7 * widest
        ):
            out += ["", line, ""]
        else:
            out.append(line)
        if stripped:
            before = stripped
    return "\n".join(out)
