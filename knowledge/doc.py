"""Word 97-2003 files (.doc): the text and its headings, read from the binary format.

Schools keep older policies as .doc files, and a policy left out of the
search is worse than one read plainly. The format ([MS-DOC]) stores the
text in pieces listed by a piece table (the "Clx"), each piece one byte a
character (Windows-1252) or two (UTF-16), and each paragraph's style in
pages of paragraph properties; the style sheet names the styles. This
reads just that: the main document's text (no headers, footers, footnotes
or comments), each paragraph's style name (so "heading 1" to "heading 9"
and "Title" are known, as in a .docx), and tables as rows of cells.
Numbering and bullets that Word draws are not in the text and are not
read. A damaged, encrypted or pre-97 file is a ValueError naming what is
wrong; the folder reader then lists it as not read.
"""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass
from pathlib import Path

from .headings import names_the_document
from .model import Block, Document
from .text import clean_glyphs, sensible_title, table_blocks, title_from_name

_MAGIC = 0xA5EC  # wIdent of a Word 97 or later file
_FC_LCB = 154  # where the FIB's (offset, length) pairs start in a Word 97 file
_STSHF, _BTE_PAPX, _CLX = 1, 13, 33  # their numbers among those pairs
_PAGE = 512  # paragraph properties come in pages of this size
_COMPRESSED = 0x40000000  # a piece stored one byte a character
MAX_BYTES = 64 * 2**20  # a policy document is far smaller; a larger file is refused unread

PARAGRAPH_END, CELL_END = "\r", "\x07"  # a table row ends with a mark of its own, after its last cell
# paragraph property codes: "in a table", "a row's end mark", "a numbered or bulleted list's item"
_IN_TABLE, _ROW_END, _LIST = 0x2416, 0x2417, 0x460B
_FIELD_START, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
# Characters that mark something other than text: drawn objects, pictures, footnote and comment
# references, and Word's optional hyphen.
_NOT_TEXT = str.maketrans({c: None for c in "\x01\x02\x03\x04\x05\x08\x1f"})
_AS_TEXT = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\x1e": "-", "\t": " "})


@dataclass(frozen=True)
class _Piece:
    start: int  # first character position
    end: int
    offset: int  # byte offset of `start` in the WordDocument stream
    wide: bool  # two bytes a character (UTF-16)

    def at(self, cp: int) -> int:
        return self.offset + (cp - self.start) * (2 if self.wide else 1)


@dataclass(frozen=True)
class _Look:
    """What a paragraph's properties say that is read here."""

    istd: int = 0  # its style's number in the style sheet
    in_table: bool = False
    row_end: bool = False  # the mark that ends a table row (after its last cell)
    listed: bool = False  # an item of a list Word numbers or bullets (the mark is not in the text)


@dataclass(frozen=True)
class _Paragraph:
    text: str  # without its mark
    end: str  # PARAGRAPH_END, or CELL_END for a table cell's last paragraph
    style: str  # the style's name, lower case
    look: _Look


def read_doc(path: Path) -> Document:
    """A Word 97-2003 file's text as blocks: headings from its heading styles, tables as rows."""
    import olefile

    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"the Word file is larger than {MAX_BYTES // 2**20} MB")
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if not ole.exists("WordDocument"):
                raise ValueError("not a Word document (no WordDocument stream)")
            word = ole.openstream("WordDocument").read()
            table_name = "1Table" if _flags(word) & 0x0200 else "0Table"
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
    blocks = _blocks(paragraphs)
    if not blocks:
        raise ValueError("the Word file has no text")
    styled = " ".join(p.text.strip() for p in paragraphs if p.style == "title" and p.text.strip())
    opening = blocks[0].text if blocks[0].heading and names_the_document(blocks[0].text) else ""
    own = styled or (title if sensible_title(title) else "") or opening
    return Document(name=path.name, title=own or title_from_name(path), blocks=blocks)


def _flags(word: bytes) -> int:
    """The FIB's flags, after checking that this is a Word 97 or later file and can be read."""
    if len(word) < _FC_LCB + 8 * (_CLX + 1):
        raise ValueError("the Word file is too short to be a document")
    ident, version = struct.unpack_from("<HH", word, 0)
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if ident != _MAGIC:
        raise ValueError("not a Word 97-2003 document")
    if version < 101:  # Word 6 and 95 files have another layout
        raise ValueError("a Word 95 or older document: save it as .docx or PDF to include it")
    if flags & 0x0100:
        raise ValueError("the Word file is password-protected")
    return int(flags)


def _summary_title(ole: object) -> str:
    """The file's Title property, if it has one."""
    try:
        meta = ole.get_metadata()  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001  # a damaged property set only loses the title
        return ""
    raw = getattr(meta, "title", None) or b""
    text = raw.decode("cp1252", errors="replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def _fc_lcb(word: bytes, n: int) -> tuple[int, int]:
    offset, length = struct.unpack_from("<II", word, _FC_LCB + 8 * n)
    return int(offset), int(length)


def _paragraphs(word: bytes, table: bytes) -> list[_Paragraph]:
    """The main document's paragraphs and table cells, each with its style's name."""
    ccp_text = struct.unpack_from("<I", word, 32 + 2 + 28 + 2 + 12)[0]
    pieces = _pieces(word, table)
    styles = _style_names(word, table)
    runs = _style_runs(word, table)
    paragraphs: list[_Paragraph] = []
    text: list[str] = []
    for piece in pieces:
        if piece.start >= ccp_text:
            break
        end = min(piece.end, ccp_text)
        size = 2 if piece.wide else 1
        raw = word[piece.offset : piece.offset + (end - piece.start) * size]
        chars = raw.decode("utf-16-le") if piece.wide else raw.decode("cp1252", errors="replace")
        for i, char in enumerate(chars):
            if char not in (PARAGRAPH_END, CELL_END):
                text.append(char)
                continue
            look = _look_at(runs, piece.at(piece.start + i))
            paragraphs.append(_Paragraph(_clean("".join(text)), char, styles.get(look.istd, ""), look))
            text = []
    return paragraphs


def _pieces(word: bytes, table: bytes) -> list[_Piece]:
    """The piece table: where each run of characters is stored, and how."""
    offset, length = _fc_lcb(word, _CLX)
    clx = table[offset : offset + length]
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # property modifiers before the piece table
        at += 3 + struct.unpack_from("<H", clx, at + 1)[0]
    if at >= len(clx) or clx[at] != 0x02:
        raise ValueError("the Word file's piece table is missing")
    size = struct.unpack_from("<I", clx, at + 1)[0]
    plc = clx[at + 5 : at + 5 + size]
    count = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc, 0)
    pieces = []
    for n in range(count):
        fc = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * n + 2)[0]
        compressed = bool(fc & _COMPRESSED)
        start = (fc & ~_COMPRESSED) // 2 if compressed else fc
        pieces.append(_Piece(cps[n], cps[n + 1], start, not compressed))
    return pieces


def _style_runs(word: bytes, table: bytes) -> list[tuple[int, int, _Look]]:
    """(first byte, end byte, look) of the paragraphs whose marks fall in each range."""
    offset, length = _fc_lcb(word, _BTE_PAPX)
    count = (length - 4) // 8
    if count <= 0:
        return []
    pages = struct.unpack_from(f"<{count}I", table, offset + 4 * (count + 1))
    runs = []
    for number in pages:
        start = (number & 0x3FFFFF) * _PAGE
        page = word[start : start + _PAGE]
        if len(page) < _PAGE:
            continue
        crun = page[_PAGE - 1]
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for i in range(crun):
            where = page[4 * (crun + 1) + 13 * i] * 2
            look = _Look()
            if where:
                cb = page[where]
                size, at = (2 * page[where + 1], where + 2) if cb == 0 else (2 * cb - 1, where + 1)
                look = _read_look(page[at : at + size])
            runs.append((fcs[i], fcs[i + 1], look))
    return runs


def _read_look(grpprl_and_istd: bytes) -> _Look:
    """The style number, then the property changes that say "in a table" and "a row's end"."""
    istd = struct.unpack_from("<H", grpprl_and_istd, 0)[0]
    values: dict[int, int] = {}
    at = 2
    while at + 2 <= len(grpprl_and_istd):
        code = struct.unpack_from("<H", grpprl_and_istd, at)[0]
        at += 2
        size = _OPERAND_SIZES[code >> 13]
        if size < 0:  # variable: a length byte first (two for a table's definition)
            if code == 0xD608:
                size = struct.unpack_from("<H", grpprl_and_istd, at)[0] + 1
            else:
                size = grpprl_and_istd[at] + 1 if at < len(grpprl_and_istd) else 1
        if size in (1, 2) and at + size <= len(grpprl_and_istd):
            values[code] = int.from_bytes(grpprl_and_istd[at : at + size], "little")
        at += size
    return _Look(istd, bool(values.get(_IN_TABLE)), bool(values.get(_ROW_END)), bool(values.get(_LIST)))


_OPERAND_SIZES = (1, 1, 2, 4, 2, 2, -1, 3)  # by a property code's top three bits ([MS-DOC] 2.2.5.1)


def _look_at(runs: list[tuple[int, int, _Look]], fc: int) -> _Look:
    """The look of the run holding byte `fc` (runs are in file order)."""
    n = bisect.bisect_right(runs, fc, key=lambda run: run[0]) - 1
    if n >= 0 and runs[n][0] <= fc < runs[n][1]:
        return runs[n][2]
    return _Look()


def _style_names(word: bytes, table: bytes) -> dict[int, str]:
    """Style number -> its name in lower case ("heading 1", "title", "list bullet")."""
    offset, length = _fc_lcb(word, _STSHF)
    stsh = table[offset : offset + length]
    if len(stsh) < 6:
        return {}
    header = struct.unpack_from("<H", stsh, 0)[0]
    count, base_size = struct.unpack_from("<HH", stsh, 2)
    at = 2 + header
    names: dict[int, str] = {}
    for istd in range(count):
        if at + 2 > len(stsh):
            break
        size = struct.unpack_from("<H", stsh, at)[0]
        std = stsh[at + 2 : at + 2 + size]
        at += 2 + size
        if size < base_size + 2:
            continue
        chars = struct.unpack_from("<H", std, base_size)[0]
        name = std[base_size + 2 : base_size + 2 + 2 * chars].decode("utf-16-le", errors="replace")
        names[istd] = name.lower().split(",")[0].strip()  # "heading 1,h1" names aliases after a comma
    return names


def _clean(text: str) -> str:
    """A paragraph's text: fields shown as their results, marks that are not text left out."""
    out: list[str] = []
    depth, showing = 0, [True]
    for char in text:
        if char == _FIELD_START:
            depth += 1
            showing.append(False)  # the field's code, up to its separator
        elif char == _FIELD_SEPARATOR and depth:
            showing[-1] = all(showing[:-1])
        elif char == _FIELD_END and depth:
            depth -= 1
            showing.pop()
        elif showing[-1]:
            out.append(char)
    return clean_glyphs("".join(out).translate(_NOT_TEXT).translate(_AS_TEXT))


def _blocks(paragraphs: list[_Paragraph]) -> list[Block]:
    """Headings, paragraphs and tables (a row of cells is one block, as in a .docx)."""
    blocks: list[Block] = []
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
            blocks += table_blocks(rows)
            rows = []
            _add(blocks, text, p)
    return blocks + table_blocks(rows)


def _add(blocks: list[Block], text: str, p: _Paragraph) -> None:
    """A paragraph as the .docx reader takes it: a heading (read once if repeated), a list item
    joined to the text before it, or a paragraph. A Title paragraph names the document instead."""
    if not text or p.style == "title":
        return
    if p.style.startswith("heading"):
        if not (blocks and blocks[-1].heading and blocks[-1].text == text):
            blocks.append(Block(text, heading=True))
    elif p.look.listed or p.style.startswith("list"):
        if blocks and not blocks[-1].heading:
            blocks[-1] = Block(f"{blocks[-1].text}\n- {text}")
        else:
            blocks.append(Block(f"- {text}"))
    else:
        blocks.append(Block(text))
