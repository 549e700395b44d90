"""Word 97-2003 files (.doc): read into the same parts as a .docx, from the binary format.

Schools keep older policies as .doc files, and a policy left out of the
search is worse than one read plainly. The format ([MS-DOC]) keeps the text
in pieces listed by a piece table (the "Clx"), one byte a character
(Windows-1252) or two (UTF-16); each paragraph's and each run of
characters' properties in pages of property changes ("sprms"); the styles
in a style sheet; and the lists in list tables. This reads what the .docx
reader reads (`knowledge.docx`), and hands the parts to the same assembly
(`knowledge.word_parts`): the main document's text (no headers, footers,
footnotes or comments), heading, Title and list styles, headings set only
by a larger or bold font, the numbers Word draws before decimal list items,
Word's line breaks, table rows, fields shown as their results (a table
of contents not at all), and text boxes after the paragraph their shape is
drawn in. A damaged, encrypted or pre-97 file is a
ValueError naming what is wrong; the folder reader then lists it as not read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from .doc_format import (
    CELL_END,
    MAX_BYTES,
    PARAGRAPH_END,
    Fields,
    Look,
    Numbering,
    Piece,
    Run,
    WordStyle,
    char_runs,
    char_style,
    flags,
    look_at,
    looks_of,
    pieces,
    plc,
    shown,
    style_runs,
    style_sheet,
)
from .docx_looks import body_style
from .headings import names_the_document
from .model import Block, Document
from .pdf_lines import Line, Style
from .text import clean_glyphs, label_only, sensible_title, title_from_name
from .word_parts import Assembly, blocks_of, bold_opening, set_in

# Characters that mark something other than text: drawn objects, pictures, footnote and comment
# references, and Word's optional hyphen.
_NOT_TEXT = str.maketrans({c: None for c in "\x01\x02\x03\x04\x05\x08\x1f"})
_AS_TEXT = str.maketrans({"\x1e": "-", "\t": " "})
_LINE_BREAKS = ("\x0b", "\n", "\x0c")  # Word's line break (shift+enter), a line feed, a page break
_DRAWN = "\x08"  # where a shape is drawn (a text box among them)
# The FIB's character counts, from the main text's on: main text, footnotes, headers, macros (none),
# comments, endnotes, text boxes, header text boxes; the text boxes' story follows the others.
_CCP, _CCP_TEXT, _CCP_TXBX = 76, 0, 6
# The main text's shapes (their positions, each with its shape id first in 26 bytes) and its text
# boxes (their positions in the text boxes' story, each naming the shape it begins in at byte 14
# of 22): their numbers among the FIB's (offset, length) pairs.
_SPA_MAIN, _SPA_SIZE, _TXBX_MAIN, _TXBX_SIZE = 40, 26, 56, 22


@dataclass(frozen=True)
class _Paragraph:
    text: str  # without its mark
    end: str  # PARAGRAPH_END, or CELL_END for a table cell's last paragraph
    style: str  # the style's name, lower case
    look: Look
    lines: tuple[Line, ...]  # its lines (Word's line breaks), each with how most letters are set
    bold_opening: str  # the words it opens with in bold ("Location:" of "Location: Sunderland")
    list_format: int = 0  # the list its style makes it an item of ("List Number"), 0: none
    list_level: int = 0
    drawn: tuple[int, ...] = ()  # the character positions of the shapes drawn in it (text boxes)


def read_doc(path: Path) -> Document:
    """A Word 97-2003 file's text as blocks, as a .docx of the same document reads."""
    import olefile

    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"the Word file is larger than {MAX_BYTES // 2**20} MB")
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("WordDocument"):
                raise ValueError("not a Word document (no WordDocument stream)")
            word = ole.openstream("WordDocument").read()
            table_name = "1Table" if flags(word) & 0x0200 else "0Table"
            if not ole.exists(table_name):
                raise ValueError(f"the Word file has no {table_name} stream")
            table = ole.openstream(table_name).read()
            title = _summary_title(ole)
    except OSError as exc:  # olefile: not an OLE file, or a damaged one
        raise ValueError(f"unreadable Word 97-2003 file ({exc})") from None
    try:
        paragraphs = _paragraphs(word, table)
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise ValueError(f"damaged Word 97-2003 file ({type(exc).__name__})") from None
    blocks = _blocks(paragraphs, Numbering(word, table))
    if not blocks:
        raise ValueError("the Word file has no text")
    styled = " ".join(p.text.strip() for p in paragraphs if p.style == "title" and p.text.strip())
    opening = blocks[0].text if blocks[0].heading and names_the_document(blocks[0].text) else ""
    own = styled or (title if sensible_title(title) else "") or opening
    return Document(name=path.name, title=own or title_from_name(path), blocks=blocks)


def _summary_title(ole: object) -> str:
    """The file's Title property, if it has one."""
    try:
        meta = ole.get_metadata()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001  # a damaged property set only loses the title
        return ""
    raw = getattr(meta, "title", None) or b""
    text = raw.decode("cp1252", errors="replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def _paragraphs(word: bytes, table: bytes) -> list[_Paragraph]:
    """The main document's paragraphs and table cells, each with its style and how it is set, and
    the paragraphs of its text boxes after the paragraph each is drawn in (`_text_boxes`)."""
    counts = struct.unpack_from("<8I", word, _CCP)
    styles = style_sheet(word, table)
    text = _Text(word, pieces(word, table), styles, style_runs(word, table), char_runs(word, table, styles))
    main = text.paragraphs(0, counts[_CCP_TEXT])
    boxes = _text_boxes(word, table, sum(counts[_CCP_TEXT:_CCP_TXBX]), text)
    return _with_boxes(main, boxes) if boxes else main


@dataclass(frozen=True)
class _Text:
    """What reading a stretch of the file's characters takes: where they are stored, and the
    styles and properties of its paragraphs and runs."""

    word: bytes
    stored: list[Piece]
    styles: dict[int, WordStyle]
    looks: list[tuple[int, int, Look]]
    runs: list[Run]

    def paragraphs(self, start: int, end: int) -> list[_Paragraph]:
        """The paragraphs of the characters from `start` to `end` (the main text, or a box's)."""
        paragraphs: list[_Paragraph] = []
        lines: list[list[tuple[str, int]]] = [[]]  # each line's characters, with the byte each is at
        drawn: list[int] = []  # the character positions of the shapes drawn in the paragraph
        fields = Fields()
        for piece in self.stored:
            first, last = max(piece.start, start), min(piece.end, end)
            if first >= last:
                continue
            raw = self.word[piece.at(first) : piece.at(last)]
            chars = raw.decode("utf-16-le") if piece.wide else raw.decode("cp1252", errors="replace")
            for cp, char in enumerate(chars, first):
                if fields.hides(char):
                    continue
                if char not in (PARAGRAPH_END, CELL_END) and not shown(self.runs, piece.at(cp)):
                    continue  # hidden text, or a deletion not yet accepted
                if char in _LINE_BREAKS:
                    lines.append([])
                elif char == _DRAWN:
                    drawn.append(cp)
                elif char not in (PARAGRAPH_END, CELL_END):
                    lines[-1].append((char, piece.at(cp)))
                else:
                    paragraphs.append(self._paragraph(lines, char, piece.at(cp), tuple(drawn)))
                    lines, drawn = [[]], []
        return paragraphs

    def _paragraph(
        self, lines: list[list[tuple[str, int]]], end: str, fc: int, drawn: tuple[int, ...]
    ) -> _Paragraph:
        look = look_at(self.looks, fc)
        style = self.styles.get(look.istd)
        read, opening = _set_lines(lines, self.runs, *looks_of(self.styles, look.istd))
        text = "\n".join(line.text for line in read)
        name = style.name if style else ""
        listed = (style.list_format, style.list_level) if style else (0, 0)
        return _Paragraph(text, end, name, look, read, opening, *listed, drawn)


def _text_boxes(word: bytes, table: bytes, story: int, text: _Text) -> dict[int, list[_Paragraph]]:
    """The paragraphs of each text box, by the character position of the shape it is drawn in.

    A text box's words are a story of their own, after the main text, footnotes, headers,
    comments and endnotes (starting at `story`); each box names the shape it begins in, and
    the main text's shapes are listed with where each is drawn. A box holding only a form's
    label ("Notes:") or nothing is not read, as from a .docx. Damaged lists of boxes or shapes
    lose the boxes, not the document."""
    try:
        drawn, shapes = plc(word, table, _SPA_MAIN, _SPA_SIZE, "<i")
        starts, boxes = plc(word, table, _TXBX_MAIN, _TXBX_SIZE, "<14xi")
    except struct.error:
        return {}
    where = {shape: cp for cp, (shape,) in zip(drawn, shapes, strict=False) if shape}
    found: dict[int, list[_Paragraph]] = {}
    for n, (shape,) in enumerate(boxes):  # a reusable entry and the story's last name no shape
        if shape in where and starts[n] < starts[n + 1]:
            paragraphs = text.paragraphs(story + starts[n], story + starts[n + 1])
            words = " ".join(p.text for p in paragraphs)
            if words.strip() and not label_only(words):
                found[where[shape]] = paragraphs
    return found


def _with_boxes(paragraphs: list[_Paragraph], boxes: dict[int, list[_Paragraph]]) -> list[_Paragraph]:
    """The main text with each text box read after the paragraph its shape is drawn in, or after
    the table row, for a shape drawn in a table's cell."""
    out: list[_Paragraph] = []
    waiting: list[_Paragraph] = []
    for p in paragraphs:
        out.append(p)
        waiting += [box for cp in p.drawn for box in boxes.get(cp, [])]
        if waiting and (not p.look.in_table or p.look.row_end):
            out += waiting
            waiting = []
    return out + waiting


def _set_lines(
    lines: list[list[tuple[str, int]]], runs: list[Run], size: int, bold: bool
) -> tuple[tuple[Line, ...], str]:
    """A paragraph's lines, each with the size and weight most of its letters are set in (spaces
    not counted, as the .docx reader counts), and the words it opens with in bold."""
    styled = [[(char, char_style(runs, fc, size, bold)) for char, fc in line] for line in lines]
    read = tuple(
        Line(_clean("".join(char for char, _ in line)), set_in(line, Style(size / 2, bold)))
        for line in styled
    )
    return read, _clean(bold_opening(styled[0]))


def _clean(text: str) -> str:
    """A line's text without the marks that are not text, its glyphs made plain."""
    return clean_glyphs(text.translate(_NOT_TEXT).translate(_AS_TEXT))


def _blocks(paragraphs: list[_Paragraph], numbering: Numbering) -> list[Block]:
    """Headings, paragraphs, list items and tables (a row of cells is one block), as a .docx."""
    body = body_style([list(p.lines) for p in paragraphs if not p.look.in_table])
    out = Assembly(body)
    rows: list[list[str]] = []
    cells: list[str] = []
    cell: list[str] = []  # the paragraphs of a cell before its last
    for p in paragraphs:
        text = " ".join(p.text.split())
        if p.look.row_end:
            rows.append(cells)
            cells, cell = [], []
        elif p.end == CELL_END:
            cells.append(" ".join([*cell, text]).strip())
            cell = []
        elif p.look.in_table:
            cell.append(text)
        else:
            out.table(rows)
            rows = []
            _add(out, p, numbering)
    out.table(rows)
    return blocks_of(out.parts)


def _add(out: Assembly, p: _Paragraph, numbering: Numbering) -> None:
    """A paragraph outside a table: its list and the number Word draws for it come from its own
    properties or its style's."""
    listed = p.look.list_format or p.list_format
    level = p.look.list_level or p.list_level
    item = (level, numbering.label(listed, level)) if listed else None
    lines = [Line(" ".join(line.text.split()), line.style) for line in p.lines]
    out.paragraph(" ".join(p.text.split()), p.style, lambda: lines, lambda: p.bold_opening, item)
