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

import bisect
import struct
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .docx_looks import body_style, most_letters
from .headings import names_the_document, reads_as_lead_in
from .model import Block, Document
from .pdf_lines import Line, Style, styled_heading
from .text import clean_glyphs, continues_sentence, is_field, sensible_title, table_blocks, title_from_name
from .word_parts import Part, add_heading, blocks_of, depth

_MAGIC = 0xA5EC  # wIdent of a Word 97 or later file
_FC_LCB = 154  # where the FIB's (offset, length) pairs start in a Word 97 file
_STSHF, _BTE_CHPX, _BTE_PAPX, _CLX, _LST, _LFO = 1, 12, 13, 33, 73, 74  # their numbers among those pairs
_PAGE = 512  # paragraph properties come in pages of this size
_COMPRESSED = 0x40000000  # a piece stored one byte a character
MAX_BYTES = 64 * 2**20  # a policy document is far smaller; a larger file is refused unread

PARAGRAPH_END, CELL_END = "\r", "\x07"  # a table row ends with a mark of its own, after its last cell
# paragraph property codes: "in a table", "a row's end mark", a list's item (which list, what level)
_IN_TABLE, _ROW_END, _LIST, _LIST_LEVEL = 0x2416, 0x2417, 0x460B, 0x260A
_FIELD_START, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
# Characters that mark something other than text: drawn objects, pictures, footnote and comment
# references, and Word's optional hyphen.
_NOT_TEXT = str.maketrans({c: None for c in "\x01\x02\x03\x04\x05\x08\x1f"})
_AS_TEXT = str.maketrans({"\x1e": "-", "\t": " "})
_LINE_BREAKS = ("\x0b", "\n", "\x0c")  # Word's line break (shift+enter), a line feed, a page break


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
    list_format: int = 0  # the list (format override) it is an item of, 1 up; 0: none
    list_level: int = 0


@dataclass(frozen=True)
class _Paragraph:
    text: str  # without its mark
    end: str  # PARAGRAPH_END, or CELL_END for a table cell's last paragraph
    style: str  # the style's name, lower case
    look: _Look
    lines: tuple[Line, ...]  # its lines (Word's line breaks), each with how most letters are set
    bold_opening: str  # the words it opens with in bold ("Location:" of "Location: Sunderland")
    list_format: int = 0  # the list its style makes it an item of ("List Number"), 0: none
    list_level: int = 0


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
    blocks = _blocks(paragraphs, _Numbering(word, table))
    if not blocks:
        raise ValueError("the Word file has no text")
    styled = " ".join(p.text.strip() for p in paragraphs if p.style == "title" and p.text.strip())
    opening = blocks[0].text if blocks[0].heading and names_the_document(blocks[0].text) else ""
    own = styled or (title if sensible_title(title) else "") or opening
    return Document(name=path.name, title=own or title_from_name(path), blocks=blocks)


def _flags(word: bytes) -> int:
    """The FIB's flags, after checking that this is a Word 97 or later file and can be read."""
    if len(word) < _FC_LCB + 8 * (_LFO + 1):
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
    """The main document's paragraphs and table cells, each with its style and how it is set."""
    ccp_text = struct.unpack_from("<I", word, 32 + 2 + 28 + 2 + 12)[0]
    styles = _styles(word, table)
    looks = _style_runs(word, table)
    runs = _char_runs(word, table, styles)
    paragraphs: list[_Paragraph] = []
    lines: list[list[tuple[str, int]]] = [[]]  # each line's characters, with the byte each is at
    fields = _Fields()
    for piece in _pieces(word, table):
        if piece.start >= ccp_text:
            break
        end = min(piece.end, ccp_text)
        raw = word[piece.offset : piece.offset + (end - piece.start) * (2 if piece.wide else 1)]
        chars = raw.decode("utf-16-le") if piece.wide else raw.decode("cp1252", errors="replace")
        for i, char in enumerate(chars):
            if fields.hides(char):
                continue
            if char in _LINE_BREAKS:
                lines.append([])
            elif char not in (PARAGRAPH_END, CELL_END):
                lines[-1].append((char, piece.at(piece.start + i)))
            else:
                look = _look_at(looks, piece.at(piece.start + i))
                style = styles.get(look.istd)
                read, opening = _set_lines(lines, runs, *_looks_of(styles, look.istd))
                text = "\n".join(line.text for line in read)
                name = style.name if style else ""
                listed = (style.list_format, style.list_level) if style else (0, 0)
                paragraphs.append(_Paragraph(text, char, name, look, read, opening, *listed))
                lines = [[]]
    return paragraphs


def _set_lines(
    lines: list[list[tuple[str, int]]], runs: list[_Run], size: int, bold: bool
) -> tuple[tuple[Line, ...], str]:
    """A paragraph's lines, each with the size and weight most of its letters are set in (spaces
    not counted, as the .docx reader counts), and the words it opens with in bold."""
    read = []
    opening: list[str] = []
    for n, line in enumerate(lines):
        letters: Counter[Style] = Counter()
        for char, fc in line:
            if not char.isspace():
                letters[_char_style(runs, fc, size, bold)] += 1
        read.append(
            Line(
                _clean("".join(char for char, _ in line)),
                most_letters(letters) if letters else Style(size / 2, bold),
            )
        )
        if n == 0:
            for char, fc in line:
                if not char.isspace() and not _char_style(runs, fc, size, bold).bold:
                    break
                opening.append(char)
    return tuple(read), _clean("".join(opening))


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
    values = _properties(grpprl_and_istd[2:])
    return _Look(
        istd,
        bool(values.get(_IN_TABLE)),
        bool(values.get(_ROW_END)),
        values.get(_LIST, 0),
        values.get(_LIST_LEVEL, 0),
    )


def _properties(grpprl: bytes) -> dict[int, int]:
    """A list of property changes ("sprms"): each code with its value, for values of up to 4 bytes."""
    values: dict[int, int] = {}
    at = 0
    while at + 2 <= len(grpprl):
        code = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        size = _OPERAND_SIZES[code >> 13]
        if size < 0:  # variable: a length byte first (two for a table's definition)
            if code == 0xD608:
                size = struct.unpack_from("<H", grpprl, at)[0] + 1 if at + 2 <= len(grpprl) else 2
            else:
                size = grpprl[at] + 1 if at < len(grpprl) else 1
        if size <= 4 and at + size <= len(grpprl):
            values[code] = int.from_bytes(grpprl[at : at + size], "little")
        at += size
    return values


_OPERAND_SIZES = (1, 1, 2, 4, 2, 2, -1, 3)  # by a property code's top three bits ([MS-DOC] 2.2.5.1)


def _look_at(runs: list[tuple[int, int, _Look]], fc: int) -> _Look:
    """The look of the run holding byte `fc` (runs are in file order)."""
    n = bisect.bisect_right(runs, fc, key=lambda run: run[0]) - 1
    if n >= 0 and runs[n][0] <= fc < runs[n][1]:
        return runs[n][2]
    return _Look()


@dataclass(frozen=True)
class _WordStyle:
    name: str  # lower case: "normal", "heading 1", "title", "list bullet"
    base: int  # the style it is based on (NO_STYLE: none)
    size: int | None  # half-points, when the style itself sets them
    bold: int | None  # the bold property's value, when the style itself sets it
    list_format: int = 0  # the list its paragraphs are items of ("List Number"), 0: none
    list_level: int = 0


NO_STYLE = 0x0FFF
# character property codes: font size (half-points), bold, the character style ("Strong")
_SIZE, _BOLD, _CHAR_STYLE = 0x4A43, 0x0835, 0x4A30
DEFAULT_HALF_POINTS = 20  # Word's size when no style says otherwise: 10 pt


def _styles(word: bytes, table: bytes) -> dict[int, _WordStyle]:
    """Style number -> its name, base style and the size and weight it sets ([MS-DOC] STSH)."""
    offset, length = _fc_lcb(word, _STSHF)
    stsh = table[offset : offset + length]
    if len(stsh) < 6:
        return {}
    header = struct.unpack_from("<H", stsh, 0)[0]
    count, base_size = struct.unpack_from("<HH", stsh, 2)
    at = 2 + header
    styles: dict[int, _WordStyle] = {}
    for istd in range(count):
        if at + 2 > len(stsh):
            break
        size = struct.unpack_from("<H", stsh, at)[0]
        std = stsh[at + 2 : at + 2 + size]
        at += 2 + size
        if size >= base_size + 2:
            styles[istd] = _style(std, base_size)
    return styles


def _style(std: bytes, base_size: int) -> _WordStyle:
    kind_and_base, upx_count = struct.unpack_from("<HH", std, 2)
    chars = struct.unpack_from("<H", std, base_size)[0]
    name = std[base_size + 2 : base_size + 2 + 2 * chars].decode("utf-16-le", errors="replace")
    at = base_size + 2 + 2 * chars + 2  # after the name and its null
    upxs = []
    for _ in range(upx_count & 0x0F):
        if at + 2 > len(std):
            break
        length = struct.unpack_from("<H", std, at)[0]
        upxs.append(std[at + 2 : at + 2 + length])
        at += 2 + length + (length & 1)  # padded to an even length
    kind = kind_and_base & 0x0F  # 1: a paragraph style (paragraph, then character properties)
    chpx = upxs[1] if kind == 1 and len(upxs) > 1 else (upxs[0] if kind == 2 and upxs else b"")
    values = _properties(chpx)
    papx = _properties(upxs[0][2:]) if kind == 1 and upxs else {}  # after the style's own number
    return _WordStyle(
        name.lower().split(",")[0].strip(),  # "heading 1,h1" names aliases after a comma
        kind_and_base >> 4,
        values.get(_SIZE),
        values.get(_BOLD),
        papx.get(_LIST, 0),
        papx.get(_LIST_LEVEL, 0),
    )


def _chain(styles: dict[int, _WordStyle], istd: int) -> tuple[int | None, bool | None]:
    """The size (half-points) and weight a style sets, itself or through the styles it is based on."""
    size: int | None = None
    bold: bool | None = None
    seen: set[int] = set()
    while istd in styles and istd not in seen and (size is None or bold is None):
        seen.add(istd)
        style = styles[istd]
        size = style.size if size is None else size
        if bold is None and style.bold is not None and style.bold < 0x80:
            bold = bool(style.bold)
        istd = style.base
    return size, bold


def _looks_of(styles: dict[int, _WordStyle], istd: int) -> tuple[int, bool]:
    """The size and weight a paragraph style gives its text (Word's 10 pt when none says)."""
    size, bold = _chain(styles, istd)
    return size or DEFAULT_HALF_POINTS, bool(bold)


_Run = tuple[int, int, int | None, int | None]  # first byte, end byte, size, bold (None: the style's)


def _char_runs(word: bytes, table: bytes, styles: dict[int, _WordStyle]) -> list[_Run]:
    """Each run of characters set alike, with the size and weight set on it or by its character
    style ("Strong"); None where the paragraph's style decides."""
    offset, length = _fc_lcb(word, _BTE_CHPX)
    count = (length - 4) // 8
    if count <= 0:
        return []
    pages = struct.unpack_from(f"<{count}I", table, offset + 4 * (count + 1))
    runs: list[_Run] = []
    for number in pages:
        start = (number & 0x3FFFFF) * _PAGE
        page = word[start : start + _PAGE]
        if len(page) < _PAGE:
            continue
        crun = page[_PAGE - 1]
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for i in range(crun):
            where = page[4 * (crun + 1) + i] * 2
            values = _properties(page[where + 1 : where + 1 + page[where]]) if where else {}
            size, bold = _chain(styles, values[_CHAR_STYLE]) if _CHAR_STYLE in values else (None, None)
            runs.append(
                (
                    fcs[i],
                    fcs[i + 1],
                    values.get(_SIZE, size),
                    values.get(_BOLD, None if bold is None else int(bold)),
                )
            )
    return runs


def _char_style(runs: list[_Run], fc: int, size: int, bold: bool) -> Style:
    """The size and weight of the character at byte `fc`, in a paragraph whose style gives these."""
    n = bisect.bisect_right(runs, fc, key=lambda run: run[0]) - 1
    if n >= 0 and runs[n][0] <= fc < runs[n][1]:
        own_size, own_bold = runs[n][2], runs[n][3]
        size = own_size or size
        if own_bold is not None and own_bold != 0x80:
            bold = (not bold) if own_bold == 0x81 else bool(own_bold)
    return Style(size / 2, bold)


class _Fields:
    """Word's fields as the text runs through them: a field's code is hidden and its result shown
    (a link's words, a date), except a table of contents or an index, which is all hidden: it
    repeats every heading with a page number (a .docx's contents are not read either)."""

    _HIDDEN = ("TOC", "INDEX")

    def __init__(self) -> None:
        self._open: list[tuple[list[str], list[bool]]] = []  # each open field's code, [in its result]

    def hides(self, char: str) -> bool:
        """Whether `char` is not text: a field's mark, its code, or a hidden field's result.
        A paragraph's or a cell's end is never hidden (a hidden paragraph ends with no text)."""
        if char == _FIELD_START:
            self._open.append(([], [False]))
            return True
        if not self._open or char in (PARAGRAPH_END, CELL_END):
            return False
        code, in_result = self._open[-1]
        if char == _FIELD_SEPARATOR:
            in_result[0] = True
        elif char == _FIELD_END:
            self._open.pop()
        elif not in_result[0]:
            code.append(char)
        else:
            return any(_field_name(code) in self._HIDDEN for code, _ in self._open)
        return True


def _field_name(code: list[str]) -> str:
    """A field's kind, the first word of its code ("TOC", "HYPERLINK", "PAGEREF")."""
    words = "".join(code).split()
    return words[0].upper() if words else ""


def _clean(text: str) -> str:
    """A line's text without the marks that are not text, its glyphs made plain."""
    return clean_glyphs(text.translate(_NOT_TEXT).translate(_AS_TEXT))


class _Numbering:
    """The numbers Word draws before list items ("1.", "2.1"), which are not in the text: which
    list levels are numbered in decimal ([MS-DOC] PlfLst, PlfLfo), and a count per list."""

    def __init__(self, word: bytes, table: bytes) -> None:
        self._decimal: set[tuple[int, int]] = set()  # (list id, level) numbered 1, 2, 3
        self._lists: list[int] = []  # the list id of each list format override, 1 up
        self._counts: dict[int, list[int]] = {}
        try:
            self._read(word, table)
        except (struct.error, IndexError):  # a damaged list table: items read without numbers
            self._decimal.clear()

    def _read(self, word: bytes, table: bytes) -> None:
        offset, length = _fc_lcb(word, _LST)
        if length >= 2:
            count = struct.unpack_from("<h", table, offset)[0]
            at = offset + length  # the levels follow the list table
            for n in range(max(count, 0)):
                lsid, flags = (
                    struct.unpack_from("<i", table, offset + 2 + 28 * n)[0],
                    table[offset + 2 + 28 * n + 26],
                )
                for level in range(1 if flags & 1 else 9):
                    nfc, chpx, papx = table[at + 4], table[at + 24], table[at + 25]
                    if nfc == 0:
                        self._decimal.add((lsid, level))
                    at += 28 + chpx + papx
                    at += 2 + 2 * struct.unpack_from("<H", table, at)[0]  # the number's text
        offset, length = _fc_lcb(word, _LFO)
        if length >= 4:
            count = struct.unpack_from("<i", table, offset)[0]
            self._lists = [
                struct.unpack_from("<i", table, offset + 4 + 16 * n)[0] for n in range(max(count, 0))
            ]

    def label(self, list_format: int, level: int) -> str:
        """The next item's number at `level` of the list, as the .docx reader writes it; "" unless
        the level is numbered in decimal (bullets, letters and Roman numerals are not written)."""
        if not 0 < list_format <= len(self._lists) or not 0 <= level < 9:
            return ""
        if (self._lists[list_format - 1], level) not in self._decimal:
            return ""
        count = self._counts.setdefault(list_format, [0] * 9)
        count[level] += 1
        count[level + 1 :] = [0] * (8 - level)
        return ".".join(str(n) for n in count[: level + 1]) + ("." if level == 0 else "")


def _blocks(paragraphs: list[_Paragraph], numbering: _Numbering) -> list[Block]:
    """Headings, paragraphs, list items and tables (a row of cells is one block), as a .docx."""
    body = body_style([list(p.lines) for p in paragraphs if not p.look.in_table])
    out = _Parts(body, numbering)
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
            out.add(p)
    out.table(rows)
    return blocks_of(out.parts)


class _Parts:
    """Paragraphs made a Word document's parts as the .docx reader makes them (`knowledge.docx`)."""

    def __init__(self, body: Style, numbering: _Numbering) -> None:
        self.parts: list[Part] = []
        self.body = body
        self.numbering = numbering
        self.gap = False  # an empty paragraph since the last part

    def table(self, rows: list[list[str]]) -> None:
        if rows:
            self.parts += [Part("table", b.text, blank=b.blank) for b in table_blocks(rows)]

    def add(self, p: _Paragraph) -> None:
        """A heading (by its style, or its first lines set larger or in bold as headings are), a
        list item, or a paragraph. A Title paragraph names the document instead, and an empty
        one keeps two headings or paragraphs apart."""
        text = " ".join(p.text.split())
        listed = p.look.list_format or p.list_format
        label = self.numbering.label(listed, p.look.list_level or p.list_level) if listed else ""
        if not text:
            self.gap = True
            return
        last = self.parts[-1] if self.parts and not self.gap else None
        self.gap = False
        if p.style == "title":
            return
        if p.style.startswith("heading"):
            if label:
                self.parts.append(Part("heading", f"{label} {text}", style=p.style))
            else:
                add_heading(self.parts, last, text, p.style)
        elif listed or p.style.startswith("list"):
            level = p.look.list_level or p.list_level
            self.parts.append(Part("item", text, depth(level, p.style), label))
        else:
            self._paragraph(p, last)

    def _paragraph(self, p: _Paragraph, last: Part | None) -> None:
        lines = list(p.lines)
        while lines and (not lines[0].text.strip() or self._looks_like_heading(lines[0])):
            if lines[0].text.strip():
                add_heading(self.parts, last, " ".join(lines[0].text.split()), f"looks {lines[0].style}")
                last = self.parts[-1]
            lines = lines[1:]
        text = "\n".join(" ".join(line.text.split()) for line in lines).strip()
        if not text:
            return
        if (
            last is not None
            and last.kind == "para"
            and last.style == p.style
            and not last.field
            and continues_sentence(last.text, text)
        ):
            last.text = f"{last.text} {text}"  # a paragraph typed a line at a time
        else:
            field = len(lines) == len(p.lines) and ":" in text and is_field(text, p.bold_opening)
            self.parts.append(Part("para", text, style=p.style, field=field))

    def _looks_like_heading(self, line: Line) -> bool:
        return styled_heading(line, self.body) and not reads_as_lead_in(line.text)
