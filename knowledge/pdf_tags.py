"""A tagged PDF read by its structure, into the parts a Word file gives.

Word ("Save as PDF", with its default "document structure tags") and
LibreOffice write a structure tree beside the page drawing: each paragraph,
heading (H1-H6), list item (with its number apart, `Lbl`) and table cell is an
element naming the marked content (MCID) its words are drawn in, in reading
order; running headers, footers and page numbers are marked as artifacts.
Read through that tree, a PDF has its headings, paragraphs and list items
exactly as the author made them, where the printed page only suggests them.

The tree is trusted only when it holds the page's words: when more than a
twentieth of the letters drawn outside artifacts are in no element (a file
tagged in part, or one pypdf draws oddly), or a quarter of the text is in
paragraphs of 40 lines or more (a producer that tags a page as one element),
`tagged_document` gives None and the PDF is read from its drawing
(`knowledge.pdf`). The parts go through the Word readers' assembly
(`knowledge.word_parts`), so a list joins its lead-in and a bold opening line
is a heading alike.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .model import Document
from .pdf_lines import (
    BULLET_START,
    SUB_BULLET,
    Drawn,
    Line,
    Run,
    Style,
    body_style,
    line_of,
    runs_agree,
    split_lines,
)
from .text import clean_glyphs, sensible_title, title_from_name, wrap_joint
from .word_parts import Assembly, blocks_of, bold_opening, opening_heading, set_in

log = logging.getLogger(__name__)
UNTAGGED_SHARE = 0.05  # letters drawn in no element: above this the tree is not the text
_FULL_LINE = 0.7  # a line shorter than this share of its paragraph's widest ended early
_SPACED_LINES = 20  # wrapped lines enough to tell how the producer ends them
# Paragraphs this long are pages tagged as one element: when they hold this share of the text, the
# tree says nothing of its paragraphs. (One box of a tax guide's 67 pages is 85 lines long.)
LONG_PARAGRAPH_LINES = 40
LONG_PARAGRAPH_SHARE = 0.25
_MAX_DEPTH = 64  # a structure tree deeper than this is damaged (or a loop)

_HEADINGS = {"H", "H1", "H2", "H3", "H4", "H5", "H6"}
_PARAGRAPHS = _HEADINGS | {"P", "Title", "Caption", "Code", "BibEntry"}
_INLINE = {"Span", "Link", "Quote", "Reference", "Annot", "Ruby", "Warichu", "Em", "Strong", "Sub", "Lbl"}
_INLINE |= {"LBody", "RB", "RT", "RP", "WT", "WP", "Form", "Formula"}
# Not the policy's text: the contents and index (every heading again, with page numbers), notes
# (the Word readers do not read footnotes either), and headers, footers and comments that a
# producer tagged as elements instead of artifacts (Word's role map names them so).
_SKIPPED = {"TOC", "TOCI", "Index", "Note", "FENote", "Artifact"}
_SKIPPED_NAMES = {"Header", "Footer", "Footnote", "Endnote", "Annotation", "Comment", "Artifact"}
_TYPED_BULLET = re.compile(r"^[•·▪◦●–-]\s+(?=\S)")
_CONTENTS_TITLE = re.compile(r"(?:table of )?contents", re.IGNORECASE)


@dataclass
class _Element:
    name: str  # as the file names it: a standard type, or a style's name ("List Paragraph")
    role: str  # the standard type the role map gives it
    kids: list[_Element | tuple[int, int]] = field(default_factory=list)  # elements, (page, MCID)


@dataclass
class _Piece:
    """One paragraph, heading, list item or table of the tree, in reading order."""

    kind: str  # "para", "heading", "item", "table" or "contents"
    runs: list[Run] = field(default_factory=list)
    style: str = ""
    level: int = 0
    label: str = ""
    rows: list[list[list[Run]]] = field(default_factory=list)  # a table's cells' runs

    @cached_property
    def lines(self) -> list[Line]:
        """The printed lines, each with the space it ends in (where the page wrapped it at one);
        made once, asked for by the body style, the checks and the assembly alike."""
        return _printed_lines(self.runs)


def _printed_lines(runs: list[Run]) -> list[Line]:
    lines = [line_of(line) for line in split_lines(runs)]
    return [Line(clean_glyphs(line.text).lstrip(), line.style) for line in lines if line.text.strip()]


def tagged_document(
    path: Path, reader: Any, root: Any, pages: list[Drawn], meta_title: str
) -> Document | None:
    """The document as its structure tree (`root`) reads, or None when the tree is not to trust."""
    if not all(runs_agree(page) for page in pages):
        return None
    try:
        tree = _Tree(reader, root)
        pieces = list(_Walk(_runs_by_mark(pages)).pieces(tree.root))
        why = _untrusted(pieces, pages, tree.marks)
        if why:
            log.info("%s: structure tree not used (%s): read from its pages", path.name, why)
            return None
        return _document(path, pieces, meta_title)
    except Exception as exc:  # noqa: BLE001  # a damaged tree: the pages are still there to read
        log.info("%s: structure tree not read: %s: %s", path.name, type(exc).__name__, exc)
        log.debug("%s: structure tree not read", path.name, exc_info=True)
        return None


def structure_tree(reader: Any) -> Any:
    """A PDF's structure tree root (`/StructTreeRoot`), or None in an untagged PDF."""
    try:
        catalog = reader.trailer["/Root"].get_object()
        root = catalog.get("/StructTreeRoot")
        return root.get_object() if root is not None else None
    except (KeyError, AttributeError, TypeError):
        return None


def _runs_by_mark(pages: list[Drawn]) -> dict[tuple[int, int], list[Run]]:
    """The runs drawn in each marked content, by page and MCID; furniture left out."""
    drawn: dict[tuple[int, int], list[Run]] = {}
    for number, page in enumerate(pages):
        for run in page.runs:
            if run.mark is not None and not run.artifact:
                drawn.setdefault((number, run.mark), []).append(run)
    return drawn


class _Tree:
    """A structure tree's elements with their standard roles, and the marked contents they name."""

    def __init__(self, reader: Any, root: Any) -> None:
        self.pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
        role_map = root.get("/RoleMap")
        mapped = role_map.get_object() if role_map is not None else {}
        self.role_map = {str(k)[1:]: str(v)[1:] for k, v in mapped.items()}
        self.seen: set[int] = set()
        self.marks: set[tuple[int, int]] = set()  # the marked contents the elements name
        self.root = _Element("Document", "Document", self._kids(root, None, 0))

    def _role(self, name: str) -> str:
        role, hops = name, 0
        while role in self.role_map and self.role_map[role] != role and hops < 10:
            role, hops = self.role_map[role], hops + 1
        return role

    def _page(self, node: Any, page: int | None) -> int | None:
        ref = node.get("/Pg")
        return self.pages.get(getattr(ref, "idnum", -1), page) if ref is not None else page

    def _kids(self, node: Any, page: int | None, depth: int) -> list[_Element | tuple[int, int]]:
        kids = node.get("/K")
        if kids is None or depth > _MAX_DEPTH:
            return []
        kids = kids.get_object()
        page = self._page(node, page)
        made = [self._kid(kid, page, depth) for kid in (kids if isinstance(kids, list) else [kids])]
        return [kid for kid in made if kid is not None]

    def _kid(self, kid: Any, page: int | None, depth: int) -> _Element | tuple[int, int] | None:
        ref = getattr(kid, "idnum", None)
        if ref is not None:
            if ref in self.seen:
                return None  # an element met twice: a loop in a damaged file
            self.seen.add(ref)
        node = kid.get_object()
        if isinstance(node, int):
            return self._mark(page, node)
        if not hasattr(node, "get"):
            return None
        kind = str(node.get("/Type", ""))
        if kind == "/MCR":
            return self._mark(self._page(node, page), node.get("/MCID"))
        if kind == "/OBJR" or "/S" not in node:
            return None  # a link's or a form field's annotation: no words drawn
        name = str(node["/S"])[1:]
        return _Element(name, self._role(name), self._kids(node, page, depth + 1))

    def _mark(self, page: int | None, mcid: Any) -> tuple[int, int] | None:
        if page is None or not isinstance(mcid, int):
            return None
        self.marks.add((page, int(mcid)))
        return (page, int(mcid))


class _Walk:
    """The tree's pieces in reading order: paragraphs and headings, list items, tables."""

    def __init__(self, drawn: dict[tuple[int, int], list[Run]]) -> None:
        self.drawn = drawn

    def pieces(self, element: _Element, level: int = -1) -> Iterator[_Piece]:
        if _skipped(element):
            if element.role in ("TOC", "TOCI"):
                yield _Piece("contents")
            return
        if element.role == "L":
            for kid in element.kids:
                if isinstance(kid, _Element) and kid.role == "LI":
                    yield from self._item(kid, level + 1)
                elif isinstance(kid, _Element):
                    yield from self.pieces(kid, level + 1)
            return
        if element.role == "LI":
            yield from self._item(element, level + 1)
            return
        if element.role == "Table":
            yield _Piece("table", rows=self._rows(element))
            return
        kind, style = _paragraph_kind(element)
        runs: list[Run] = []
        for kid in element.kids:
            if isinstance(kid, _Element) and not _inline(kid):
                if runs:
                    yield _Piece(kind, runs, style)
                    runs = []
                yield from self.pieces(kid, level)
            else:
                runs += self._runs(kid)
        if runs:
            yield _Piece(kind, runs, style)

    def _item(self, item: _Element, level: int) -> Iterator[_Piece]:
        """A list item: its number (`Lbl`, or the mark it starts with) apart from its words; a list
        within it comes after it, a level deeper."""
        label: list[Run] = []
        runs: list[Run] = []
        nested: list[_Element] = []
        for kid in _flat_body(item):
            if isinstance(kid, _Element) and kid.role == "Lbl":
                label += self._runs(kid)
            elif isinstance(kid, _Element) and kid.role in ("L", "Table"):
                nested.append(kid)
            else:
                runs += self._runs(kid)
        yield _Piece("item", runs, level=max(level, 0), label=_label(label))
        for kid in nested:
            yield from self.pieces(kid, level)

    def _rows(self, table: _Element) -> list[list[list[Run]]]:
        rows = []
        for row in _descendants(table, "TR"):
            cells = [kid for kid in row.kids if isinstance(kid, _Element) and kid.role in ("TD", "TH")]
            rows.append([self._runs(cell) for cell in cells])
        return rows

    def _runs(self, kid: _Element | tuple[int, int]) -> list[Run]:
        """The runs of a marked content, or of every marked content under an element, in order;
        skipped elements (a note inside a paragraph) give none."""
        if not isinstance(kid, _Element):
            return self.drawn.get(kid, [])
        if _skipped(kid):
            return []
        runs: list[Run] = []
        for sub in kid.kids:
            before = runs[-1] if runs else None
            more = self._runs(sub)
            if before is not None and more and isinstance(sub, _Element) and sub.role in _PARAGRAPHS:
                runs.append(Run("\n", before.size, before.bold))  # a paragraph of a cell or an item
            runs += more
        return runs


def _skipped(element: _Element) -> bool:
    return element.role in _SKIPPED or element.name in _SKIPPED_NAMES


def _inline(element: _Element) -> bool:
    """Part of the words around it (a link, a span of bold), not a block of its own."""
    return element.role in _INLINE and not any(
        isinstance(kid, _Element) and kid.role in ("L", "Table", "P") for kid in element.kids
    )


def _flat_body(item: _Element) -> Iterator[_Element | tuple[int, int]]:
    """A list item's kids with its body (`LBody`) opened: its label, words and nested lists."""
    for kid in item.kids:
        if isinstance(kid, _Element) and kid.role == "LBody":
            yield from kid.kids
        else:
            yield kid


def _descendants(element: _Element, role: str) -> Iterator[_Element]:
    for kid in element.kids:
        if isinstance(kid, _Element):
            if kid.role == role:
                yield kid
            elif not _skipped(kid):
                yield from _descendants(kid, role)


def _paragraph_kind(element: _Element) -> tuple[str, str]:
    """A paragraph's kind and its style as the Word readers name styles ("heading 2", "title",
    "list paragraph"): a heading by its tag, a title or list by its style's name."""
    name = element.name.lower()
    if element.role in _HEADINGS:
        return "heading", f"heading {element.role[1:]}".strip()
    if name == "title" or element.role == "Title":
        return "para", "title"
    if element.name != element.role:
        return "para", name  # a style's own name, mapped to P
    return "para", ""


def _words(runs: list[Run]) -> str:
    return " ".join(clean_glyphs("".join(run.text for run in runs)).split())


_NUMBER = re.compile(r"\(?(?:\d{1,3}(?:\.\d{1,3})*|[A-Za-z]|[ivxlcIVXLC]{1,6})[.)]|\d{1,3}(?:\.\d{1,3})*\.?")


def _label(runs: list[Run]) -> str:
    """A list item's drawn number ("2.", "2.1", "a)", "(iv)"), "" for a bullet of any glyph."""
    text = _words(runs)
    return text if _NUMBER.fullmatch(text) else ""


def _untrusted(pieces: list[_Piece], pages: list[Drawn], referenced: set[tuple[int, int]]) -> str:
    """Why the tree does not hold the words drawn outside artifacts in paragraphs of a
    paragraph's length; "" when it does."""
    drawn = untagged = 0
    for number, page in enumerate(pages):
        for run in page.runs:
            if run.artifact:
                continue
            letters = sum(not char.isspace() for char in run.text)
            drawn += letters
            untagged += letters if (number, run.mark) not in referenced else 0
    if not drawn or untagged > UNTAGGED_SHARE * drawn:
        return f"{untagged} of {drawn} letters are in no element"
    sizes = [(len(lines), sum(len(line.text) for line in lines)) for lines in _paragraph_lines(pieces)]
    in_long = sum(letters for count, letters in sizes if count >= LONG_PARAGRAPH_LINES)
    if in_long > LONG_PARAGRAPH_SHARE * sum(letters for _, letters in sizes):
        return f"{in_long} letters are in paragraphs of {LONG_PARAGRAPH_LINES} lines or more"
    return ""


def _paragraph_lines(pieces: list[_Piece]) -> Iterator[list[Line]]:
    return (piece.lines for piece in pieces if piece.kind == "para")


def _spaced(pieces: list[_Piece]) -> bool:
    """Whether the producer ends a line the page wrapped with the space it wrapped at (Word and
    LibreOffice do): then a line ending in a letter was cut inside a word, as a narrow table
    cell cuts "Chromebook" into "Chromeb" / "ook"."""
    ends = [line.text for lines in _paragraph_lines(pieces) for line in lines[:-1]]
    return len(ends) >= _SPACED_LINES and sum(end[-1:].isspace() for end in ends) >= 0.8 * len(ends)


@dataclass
class _Joiner:
    """Joins a paragraph's printed lines into the lines its author typed."""

    spaced: bool

    def join(self, lines: list[str]) -> str:
        out, before = "", ""
        for line in lines:
            if out:
                word_cut = (
                    self.spaced and (before[-1:].isalnum() or before.endswith("/")) and line[:1].islower()
                )
                out += "" if word_cut else wrap_joint(out, line.strip())
            out, before = out + line.strip(), line
        return out

    def cell(self, runs: list[Run]) -> str:
        return self.join([line.text for line in _printed_lines(runs)])

    def logical(self, lines: list[Line]) -> list[Line]:
        """A paragraph's printed lines as its author's: an opening set apart by its looks and
        ending its line early (a bold heading typed at the paragraph's start), then lines joined
        where the page wrapped them, a new one at each line that starts a list item (a list
        typed with line breaks). An opening that fills its line is wrapped text in bold."""
        opening = 0
        while opening < len(lines) and lines[opening].style == lines[0].style:
            opening += 1
        widest = max((len(line.text.strip()) for line in lines), default=0)
        apart = opening < len(lines) and len(lines[opening - 1].text.strip()) < _FULL_LINE * widest
        groups = [lines[:opening]] if apart else []
        current: list[Line] = []
        for line in lines[opening:] if apart else lines:
            if current and BULLET_START.match(line.text):
                groups.append(current)
                current = []
            current.append(line)
        groups += [current] if current else []
        return [
            Line(self.join([x.text for x in group]), set_in(((x.text, x.style) for x in group), Style()))
            for group in groups
        ]


def _document(path: Path, pieces: list[_Piece], meta_title: str) -> Document | None:
    out = Assembly(body_style(list(_paragraph_lines(pieces))))
    joiner = _Joiner(_spaced(pieces))
    for piece in pieces:
        if piece.kind == "contents":
            _drop_contents_title(out)
        elif piece.kind == "table":
            out.table([[joiner.cell(cell) for cell in row] for row in piece.rows])
        else:
            _add(out, piece, joiner)
    blocks = blocks_of(out.parts)
    if not blocks:
        return None
    stated = " ".join(meta_title.split())
    own = out.title or opening_heading(out.parts) or (stated if sensible_title(stated) else "")
    return Document(name=path.name, title=own or title_from_name(path), blocks=blocks)


def _add(out: Assembly, piece: _Piece, joiner: _Joiner) -> None:
    lines = piece.lines
    text = joiner.join([line.text for line in lines])
    if piece.kind == "item":
        text = SUB_BULLET.sub("", text)
        mark = BULLET_START.match(text)
        label = piece.label
        if mark and not label:  # the number or bullet drawn with the words
            label = mark.group(0).strip() if mark.group(0).strip()[0].isdigit() else ""
            text = text[mark.end() :]
        out.paragraph(text, "", lambda: lines, lambda: "", item=(piece.level, label))
        return
    typed = joiner.logical(lines) if piece.kind == "para" else []
    if typed and all(_TYPED_BULLET.match(line.text) for line in typed):  # bullets typed, not a list's
        for line in typed:
            out.paragraph(_TYPED_BULLET.sub("", line.text), "", lambda: [], lambda: "", item=(0, ""))
        return
    pieces = [(run.text, Style(run.size, run.bold)) for run in piece.runs]
    out.paragraph(
        text,
        piece.style,
        lambda: joiner.logical(lines),
        lambda: bold_opening(pieces),
        heading=piece.kind == "heading",
    )


def _drop_contents_title(out: Assembly) -> None:
    """The contents' own heading ("Contents") goes with the contents, which keep the headings
    either side of them apart (a title, then the first section's)."""
    last = out.parts[-1] if out.parts else None
    if last is not None and _CONTENTS_TITLE.fullmatch(last.text.strip()):
        out.parts.pop()
    out.gap = True
