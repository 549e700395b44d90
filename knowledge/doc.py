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
Word's line breaks, table rows, and fields shown as their results (a table
of contents not at all). A damaged, encrypted or pre-97 file is a
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
    Run,
    char_runs,
    char_style,
    flags,
    look_at,
    looks_of,
    pieces,
    shown,
    style_runs,
    style_sheet,
)
from .docx_looks import body_style
from .headings import names_the_document
from .model import Block, Document
from .pdf_lines import Line, Style
from .text import clean_glyphs, sensible_title, title_from_name
from .word_parts import Assembly, blocks_of, bold_opening, set_in

# Characters that mark something other than text: drawn objects, pictures, footnote and comment
# references, and Word's optional hyphen.
_NOT_TEXT = str.maketrans({c: None for c in "\x01\x02\x03\x04\x05\x08\x1f"})
_AS_TEXT = str.maketrans({"\x1e": "-", "\t": " "})
_LINE_BREAKS = ("\x0b", "\n", "\x0c")  # Word's line break (shift+enter), a line feed, a page break


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
    """The main document's paragraphs and table cells, each with its style and how it is set."""
    ccp_text = struct.unpack_from("<I", word, 32 + 2 + 28 + 2 + 12)[0]
    styles = style_sheet(word, table)
    looks = style_runs(word, table)
    runs = char_runs(word, table, styles)
    paragraphs: list[_Paragraph] = []
    lines: list[list[tuple[str, int]]] = [[]]  # each line's characters, with the byte each is at
    fields = Fields()
    for piece in pieces(word, table):
        if piece.start >= ccp_text:
            break
        end = min(piece.end, ccp_text)
        raw = word[piece.offset : piece.offset + (end - piece.start) * (2 if piece.wide else 1)]
        chars = raw.decode("utf-16-le") if piece.wide else raw.decode("cp1252", errors="replace")
        for i, char in enumerate(chars):
            if fields.hides(char):
                continue
            if char not in (PARAGRAPH_END, CELL_END) and not shown(runs, piece.at(piece.start + i)):
                continue  # hidden text, or a deletion not yet accepted
            if char in _LINE_BREAKS:
                lines.append([])
            elif char not in (PARAGRAPH_END, CELL_END):
                lines[-1].append((char, piece.at(piece.start + i)))
            else:
                look = look_at(looks, piece.at(piece.start + i))
                style = styles.get(look.istd)
                read, opening = _set_lines(lines, runs, *looks_of(styles, look.istd))
                text = "\n".join(line.text for line in read)
                name = style.name if style else ""
                listed = (style.list_format, style.list_level) if style else (0, 0)
                paragraphs.append(_Paragraph(text, char, name, look, read, opening, *listed))
                lines = [[]]
    return paragraphs


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
