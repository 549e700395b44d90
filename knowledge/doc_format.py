"""The Word 97-2003 binary format's structures that `knowledge.doc` reads ([MS-DOC]).

A .doc file is an OLE compound file; its WordDocument stream opens with the
FIB, which says where everything else is, mostly as (offset, length) pairs
into the table stream: the piece table (where each run of characters is
stored), the pages of paragraph and character properties (lists of
property changes, "sprms"), the style sheet, and the list tables. Each
function here reads one of them into plain Python values; any of them may
raise struct.error or IndexError on a damaged file, which the reader turns
into one line.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from .pdf_lines import Style
from .word_parts import next_number

_MAGIC = 0xA5EC  # wIdent of a Word 97 or later file
_WORD_6 = 0xA5DC  # and of a Word 6 or Word 95 one
_FC_LCB = 154  # where the FIB's (offset, length) pairs start in a Word 97 file
_STSHF, _BTE_CHPX, _BTE_PAPX, _CLX, _LST, _LFO = 1, 12, 13, 33, 73, 74  # their numbers among those pairs
_PAGE = 512  # paragraph properties come in pages of this size
_COMPRESSED = 0x40000000  # a piece stored one byte a character
MAX_BYTES = 64 * 2**20  # a policy document is far smaller; a larger file is refused unread

PARAGRAPH_END, CELL_END = "\r", "\x07"  # a table row ends with a mark of its own, after its last cell
# paragraph property codes: "in a table", "a row's end mark", a list's item (which list, what level)
_IN_TABLE, _ROW_END, _LIST, _LIST_LEVEL = 0x2416, 0x2417, 0x460B, 0x260A
_FIELD_START, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"


@dataclass(frozen=True)
class Piece:
    start: int  # first character position
    end: int
    offset: int  # byte offset of `start` in the WordDocument stream
    wide: bool  # two bytes a character (UTF-16)

    def at(self, cp: int) -> int:
        return self.offset + (cp - self.start) * (2 if self.wide else 1)


@dataclass(frozen=True)
class Look:
    """What a paragraph's properties say that is read here."""

    istd: int = 0  # its style's number in the style sheet
    in_table: bool = False
    row_end: bool = False  # the mark that ends a table row (after its last cell)
    list_format: int = 0  # the list (format override) it is an item of, 1 up; 0: none
    list_level: int = 0


def flags(word: bytes) -> int:
    """The FIB's flags, after checking that this is a Word 97 or later file and can be read."""
    ident, version = struct.unpack_from("<HH", word, 0) if len(word) >= 4 else (0, 0)
    if ident == _WORD_6 or (ident == _MAGIC and version < 101):  # another layout
        raise ValueError("a Word 6 or Word 95 document: save it as .docx or PDF to include it")
    if ident != _MAGIC:
        raise ValueError("not a Word 97-2003 document")
    if len(word) < _FC_LCB + 8 * (_LFO + 1):
        raise ValueError("the Word file is too short to be a document")
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & 0x0100:
        raise ValueError("the Word file needs a password to open: save a copy without one and send that")
    return int(flags)


def _fc_lcb(word: bytes, n: int) -> tuple[int, int]:
    offset, length = struct.unpack_from("<II", word, _FC_LCB + 8 * n)
    return int(offset), int(length)


def pieces(word: bytes, table: bytes) -> list[Piece]:
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
        pieces.append(Piece(cps[n], cps[n + 1], start, not compressed))
    return pieces


def plc(
    word: bytes, table: bytes, pair: int, size: int, layout: str
) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """The table the FIB's pair number `pair` points at in the table stream, as [MS-DOC] keeps
    many (a "PLC"): character positions, one more than its entries (the last ends the table),
    then the entries of `size` bytes, each unpacked by `layout`."""
    offset, length = _fc_lcb(word, pair)
    count = (length - 4) // (4 + size) if length >= 4 + size else 0
    if not count:
        return (), []
    positions = struct.unpack_from(f"<{count + 1}i", table, offset)
    base = offset + 4 * (count + 1)
    return positions, [struct.unpack_from(layout, table, base + size * n) for n in range(count)]


def _fkp_entries(word: bytes, table: bytes, pair: int, entry: int) -> Iterator[tuple[int, int, bytes, int]]:
    """(first byte, end byte, page, where in the page its properties are; 0: none) of each run in
    the pages of formatted runs ("FKPs") that the bin table `pair` lists; `entry` is the size of
    a run's entry in a page (13 for paragraphs, 1 for characters)."""
    offset, length = _fc_lcb(word, pair)
    count = (length - 4) // 8
    if count <= 0:
        return
    for number in struct.unpack_from(f"<{count}I", table, offset + 4 * (count + 1)):
        start = (number & 0x3FFFFF) * _PAGE
        page = word[start : start + _PAGE]
        if len(page) < _PAGE:
            continue
        crun = page[_PAGE - 1]
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for i in range(crun):
            yield fcs[i], fcs[i + 1], page, page[4 * (crun + 1) + entry * i] * 2


def style_runs(word: bytes, table: bytes) -> list[tuple[int, int, Look]]:
    """(first byte, end byte, look) of the paragraphs whose marks fall in each range."""
    runs = []
    for start, end, page, where in _fkp_entries(word, table, _BTE_PAPX, 13):
        look = Look()
        if where:
            cb = page[where]
            size, at = (2 * page[where + 1], where + 2) if cb == 0 else (2 * cb - 1, where + 1)
            look = _read_look(page[at : at + size])
        runs.append((start, end, look))
    return runs


def _read_look(grpprl_and_istd: bytes) -> Look:
    """The style number, then the property changes that say "in a table" and "a row's end"."""
    istd = struct.unpack_from("<H", grpprl_and_istd, 0)[0]
    values = _properties(grpprl_and_istd[2:])
    return Look(
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


def look_at(runs: list[tuple[int, int, Look]], fc: int) -> Look:
    """The look of the run holding byte `fc` (runs are in file order)."""
    n = bisect.bisect_right(runs, fc, key=lambda run: run[0]) - 1
    if n >= 0 and runs[n][0] <= fc < runs[n][1]:
        return runs[n][2]
    return Look()


@dataclass(frozen=True)
class WordStyle:
    name: str  # lower case: "normal", "heading 1", "title", "list bullet"
    base: int  # the style it is based on (0x0FFF: none, a number no style has)
    size: int | None  # half-points, when the style itself sets them
    bold: int | None  # the bold property's value, when the style itself sets it
    list_format: int = 0  # the list its paragraphs are items of ("List Number"), 0: none
    list_level: int = 0


# character property codes: font size (half-points), bold, the character style ("Strong"); hidden
# text, and a deletion tracked but not yet accepted: text the document does not show
_SIZE, _BOLD, _CHAR_STYLE = 0x4A43, 0x0835, 0x4A30
_VANISH, _DELETED = 0x083C, 0x0800
_ON = (1, 0x81)  # a toggle set on, or set opposite to a style that (as styles do) leaves it off
DEFAULT_HALF_POINTS = 20  # Word's size when no style says otherwise: 10 pt


def style_sheet(word: bytes, table: bytes) -> dict[int, WordStyle]:
    """Style number -> its name, base style and the size and weight it sets ([MS-DOC] STSH)."""
    offset, length = _fc_lcb(word, _STSHF)
    stsh = table[offset : offset + length]
    if len(stsh) < 6:
        return {}
    header = struct.unpack_from("<H", stsh, 0)[0]
    count, base_size = struct.unpack_from("<HH", stsh, 2)
    at = 2 + header
    styles: dict[int, WordStyle] = {}
    for istd in range(count):
        if at + 2 > len(stsh):
            break
        size = struct.unpack_from("<H", stsh, at)[0]
        std = stsh[at + 2 : at + 2 + size]
        at += 2 + size
        if size >= base_size + 2:
            styles[istd] = _style(std, base_size)
    return styles


def _style(std: bytes, base_size: int) -> WordStyle:
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
    return WordStyle(
        name.lower().split(",")[0].strip(),  # "heading 1,h1" names aliases after a comma
        kind_and_base >> 4,
        values.get(_SIZE),
        values.get(_BOLD),
        papx.get(_LIST, 0),
        papx.get(_LIST_LEVEL, 0),
    )


def _chain(styles: dict[int, WordStyle], istd: int) -> tuple[int | None, bool | None]:
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


def looks_of(styles: dict[int, WordStyle], istd: int) -> tuple[int, bool]:
    """The size and weight a paragraph style gives its text (Word's 10 pt when none says)."""
    size, bold = _chain(styles, istd)
    return size or DEFAULT_HALF_POINTS, bool(bold)


# first byte, end byte, size, bold (None: the style's), and whether the run is shown
Run = tuple[int, int, int | None, int | None, bool]


def char_runs(word: bytes, table: bytes, styles: dict[int, WordStyle]) -> list[Run]:
    """Each run of characters set alike, with the size and weight set on it or by its character
    style ("Strong"); None where the paragraph's style decides."""
    runs: list[Run] = []
    for start, end, page, where in _fkp_entries(word, table, _BTE_CHPX, 1):
        values = _properties(page[where + 1 : where + 1 + page[where]]) if where else {}
        size, bold = _chain(styles, values[_CHAR_STYLE]) if _CHAR_STYLE in values else (None, None)
        own_bold = values.get(_BOLD, None if bold is None else int(bold))
        shown = values.get(_VANISH) not in _ON and values.get(_DELETED) not in _ON
        runs.append((start, end, values.get(_SIZE, size), own_bold, shown))
    return runs


def _run_at(runs: list[Run], fc: int) -> Run | None:
    """The run the character at byte `fc` is in, if any."""
    n = bisect.bisect_right(runs, fc, key=lambda run: run[0]) - 1
    return runs[n] if n >= 0 and runs[n][0] <= fc < runs[n][1] else None


def shown(runs: list[Run], fc: int) -> bool:
    """Whether the character at byte `fc` is shown: not hidden, nor a tracked deletion."""
    run = _run_at(runs, fc)
    return run is None or run[4]


def char_style(runs: list[Run], fc: int, size: int, bold: bool) -> Style:
    """The size and weight of the character at byte `fc`, in a paragraph whose style gives these."""
    run = _run_at(runs, fc)
    if run is not None:
        own_size, own_bold = run[2], run[3]
        size = own_size or size
        if own_bold is not None and own_bold != 0x80:
            bold = (not bold) if own_bold == 0x81 else bool(own_bold)
    return Style(size / 2, bold)


class Fields:
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


class Numbering:
    """The numbers Word draws before list items ("1.", "2.1"), which are not in the text: which
    list levels are numbered in decimal ([MS-DOC] PlfLst, PlfLfo), and a count per list."""

    def __init__(self, word: bytes, table: bytes) -> None:
        self._decimal: set[tuple[int, int]] = set()  # (list id, level) numbered 1, 2, 3
        self._lists: list[int] = []  # the list id of each list format override, 1 up
        self._counts: dict[str, list[int]] = {}
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
        return next_number(self._counts, str(list_format), level)
