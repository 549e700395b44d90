"""Rich-text policies (.rtf): read into the same parts as a Word file.

Word, WordPad and LibreOffice save rich text, and schools keep some older
policies so. A rich-text file is text with control words in groups
(`{\\b bold}`); this reads the main text (no headers, footers, footnotes,
comments, pictures or objects) with what the Word readers read: paragraph
styles by their names in the style sheet ("heading 1", "Title", "List
Bullet"), each letter's size and weight (so headings set only by their looks
are found), the number or bullet written before each list item (`\\listtext`,
which Word and LibreOffice write for readers that do not draw lists), line
breaks, table rows, and fields shown as their results (a table of contents or
an index not at all). The parts go to the Word readers' assembly
(`knowledge.word_parts`). Letters are decoded in the document's code page
(`\\ansicpg`) or their font's character set; `\\uN` is Unicode.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

from .doc_format import MAX_BYTES
from .docx_looks import body_style
from .model import Document
from .pdf_lines import Line, Style
from .text import clean_glyphs, label_only, sensible_title, title_from_name
from .word_parts import Assembly, blocks_of, bold_opening, opening_heading, set_in

_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # a control word and its number
    r"|\\'([0-9a-fA-F]{2})"  # a byte in the code page
    r"|\\(.)"  # a control symbol (\{ \} \\ \~ \- \_ \*)
    r"|([{}])|[\r\n]+"  # a group; line ends in the file are not text
    r"|([^\\{}\r\n]+)",
    re.DOTALL,
)
# Groups that are not the policy's text. `info` is read for its title only; a group marked
# `\*` that is not known here is skipped too, as the format asks.
_SKIPPED = frozenset(
    "colortbl pict object header headerl headerr headerf footer footerl footerr footerf footnote "
    "annotation atnid atnauthor atndate atnref xe tc txe nonshppict shprslt sp themedata "
    "colorschememapping datastore latentstyles listtable listoverridetable revtbl rsidtbl generator "
    "xmlnstbl mmathPr pgdsctbl filetbl private template userprops docvar ftnsep ftnsepc ftncn aftnsep "
    "aftnsepc aftncn protusertbl objdata do author operator subject keywords comment doccomm company "
    "manager category hlinkbase pnseclvl pn".split()
)
_LIST_MARKS = ("listtext", "pntext")  # the number or bullet drawn before a list item
_CHARACTERS = {
    "line": "\n",
    "page": "\n",
    "tab": " ",
    "emdash": "\u2014",
    "endash": "\u2013",
    "bullet": "\u2022",
    "lquote": "\u2018",
    "rquote": "\u2019",
    "ldblquote": "\u201c",
    "rdblquote": "\u201d",
    "emspace": " ",
    "enspace": " ",
    "qmspace": " ",
}
_SYMBOLS = {"\\": "\\", "{": "{", "}": "}", "~": " ", "_": "-", "-": ""}
# Windows character sets (a font's \fcharset) and the codecs that decode their bytes.
_CHARSETS = {
    77: "mac_roman",
    128: "cp932",
    129: "cp949",
    134: "gbk",
    136: "big5",
    161: "cp1253",
    162: "cp1254",
    163: "cp1258",
    177: "cp1255",
    178: "cp1256",
    186: "cp1257",
    204: "cp1251",
    222: "cp874",
    238: "cp1250",
}
_SYMBOL_CHARSET = 2  # the Symbol font: its byte 0xB7 is a bullet
_FIELDS_HIDDEN = re.compile(r"^\s*(?:TOC|INDEX)\b", re.IGNORECASE)  # every heading or term again
_NUMBER = re.compile(r"(\d{1,3}(?:\.\d{1,3})*)[.)]?")  # "2.", "2.1", "2)": a decimal item's number
DEFAULT_SIZE = 24  # half-points, the format's default
RICH_TEXT_START = b"{\\rtf"  # how every rich-text file starts


class _State(NamedTuple):
    """What a group sets, restored when the group ends."""

    dest: str = ""  # "": the main text; the destination being read ("listtext", "fldinst"...); "skip"
    bold: bool = False
    size: int = DEFAULT_SIZE  # half-points
    hidden: bool = False
    font: int = -1
    uc: int = 1  # bytes standing in for each \uN, skipped after it
    style: int = 0
    in_table: bool = False
    level: int = 0  # \ilvl
    listed: bool = False  # \ls N > 0
    box: bool = False  # inside a text box's text (\shptxt)


@dataclass
class _Paragraph:
    text: str
    style: str  # the style's name, lower case
    lines: list[Line]
    bold_opening: str
    item: tuple[int, str] | None  # list level and drawn number, when it is a list item


class _Around(NamedTuple):
    """What the main text had read when a text box began: its lines, list mark, parts and cells."""

    lines: list[list[tuple[str, Style]]]
    label: str | None
    parts: list[_Paragraph | list[str]]
    cell: list[str]
    cells: list[str]


@dataclass
class _Parser:
    """One pass over the file: the font table, style sheet and title, then paragraphs and rows."""

    code_page: str = "cp1252"
    fonts: dict[int, int] = field(default_factory=dict)  # font number → character set
    default_font: int = -1
    styles: dict[int, str] = field(default_factory=dict)  # paragraph style number → name
    title: str = ""
    parts: list[_Paragraph | list[str]] = field(default_factory=list)  # paragraphs and table rows
    state: _State = _State()
    stack: list[_State] = field(default_factory=list)
    pending: bytearray = field(default_factory=bytearray)  # bytes not yet decoded
    skip: int = 0  # characters still to pass over after a \uN
    opening: bool = False  # no control word yet in the group just opened
    ignorable: bool = False  # ... which opened with \*
    field_hidden: bool = False  # the field whose instruction was read last shows nothing
    collected: list[str] = field(default_factory=list)  # a destination's text being read
    entry: int = 0  # the style (or font) whose entry is being read
    lines: list[list[tuple[str, Style]]] = field(default_factory=lambda: [[]])
    label: str | None = None  # this paragraph's list mark, as written before it
    cell: list[str] = field(default_factory=list)  # the cell's paragraphs before its last
    cells: list[str] = field(default_factory=list)  # the row's cells so far
    around: _Around | None = None  # the text a text box is drawn in, while the box is read
    boxes: list[_Paragraph | list[str]] = field(default_factory=list)  # read after their paragraph

    def run(self, source: str) -> None:
        pos = 0
        while pos < len(source):
            match = _TOKEN.match(source, pos)
            if match is None:  # a lone backslash at the end
                break
            pos = match.end()
            word, number, byte, symbol, brace, text = match.groups()
            if word is not None:
                pos += self._control(word, int(number) if number is not None else None)
            elif byte is not None:
                self._byte(int(byte, 16))
            elif symbol is not None:
                self._symbol(symbol)
            elif brace == "{":
                self._open()
            elif brace == "}":
                self._close()
                if not self.stack:  # the document's group has ended; what follows is not text
                    break
            elif text is not None:
                self._text(text)
        self._flush()
        self._end_paragraph()
        self._end_row()  # a last row whose end was not written
        self._after_boxes()

    # -- characters ---------------------------------------------------------------------------

    def _text(self, text: str) -> None:
        self.opening = False
        if self.skip:
            dropped = min(self.skip, len(text))
            text, self.skip = text[dropped:], self.skip - dropped
        self.pending += text.encode("latin-1")

    def _byte(self, value: int) -> None:
        if self.skip:
            self.skip -= 1
        else:
            self.pending.append(value)

    def _flush(self) -> None:
        """The bytes read so far, decoded in their font's code page."""
        if not self.pending:
            return
        data, self.pending = bytes(self.pending), bytearray()
        font = self.state.font if self.state.font >= 0 else self.default_font
        charset = self.fonts.get(font, 0)
        if charset == _SYMBOL_CHARSET:
            self._emit("".join("\u2022" if b == 0xB7 else chr(0xF000 + b) for b in data))
        else:
            self._emit(data.decode(_CHARSETS.get(charset, self.code_page), errors="replace"))

    def _emit(self, chars: str) -> None:
        state = self.state
        if state.dest == "" and not state.hidden:
            style = Style(state.size / 2, state.bold)
            for char in chars:
                if char == "\n":
                    self.lines.append([])
                else:
                    self.lines[-1].append((char, style))
        elif state.dest in _COLLECTED:
            self.collected.append(chars)

    def _symbol(self, symbol: str) -> None:
        if symbol == "*":
            self.ignorable = True
            return
        self.opening = False
        self._flush()
        if symbol in "\r\n":  # a backslash ending a line of the file: an older way to write \par
            self._end_paragraph()
        elif symbol in _SYMBOLS:
            self._emit(_SYMBOLS[symbol])

    # -- groups and destinations --------------------------------------------------------------

    def _open(self) -> None:
        self._flush()
        self.stack.append(self.state)
        self.opening, self.ignorable = True, False
        if self.state.dest == "stylesheet":  # a style's entry begins
            self.collected, self.entry = [], 0

    def _close(self) -> None:
        """A group ends: what it read is put where it belongs, and the state before it returns."""
        self._flush()
        if self.state.box and not (self.stack and self.stack[-1].box):
            self._close_box()
        ended = self.state
        self.state = self.stack.pop() if self.stack else _State()
        self.opening = self.ignorable = False
        read = "".join(self.collected)
        if ended.dest == "stylesheet" and self.state.dest == "stylesheet":
            name = read.split(";")[0].strip().lower()
            if name and self.entry >= 0:
                self.styles[self.entry] = name
            self.collected = []
        elif ended.dest != self.state.dest:
            if ended.dest in _LIST_MARKS:
                self.label = read.strip()
            elif ended.dest == "fldinst":
                self.field_hidden = bool(_FIELDS_HIDDEN.match(read))
            elif ended.dest == "title":
                self.title = " ".join(read.split())
            self.collected = []

    def _destination(self, word: str) -> bool:
        """The group's first control word, when it names what the group holds; True when it did."""
        first, ignorable = self.opening, self.ignorable
        self.opening = self.ignorable = False
        dest = self.state.dest
        if dest == "skip":
            return True
        if not first or dest in ("fonttbl", "stylesheet"):
            return False
        if dest == "info":
            new = "title" if word == "title" else "skip"
        elif word == "fldrslt":
            new = "skip" if self.field_hidden else dest
        elif word in _DRAWINGS:
            return True  # a drawing: its text box's text (\shptxt) is read, its other groups not
        elif word == "shptxt" and dest == "" and not self.state.box:
            self._flush()
            self._open_box()
            return True
        elif word in _OWN_DESTINATIONS:
            new = word
        elif word in _SKIPPED or word == "shptxt" or ignorable:
            new = "skip"
        else:
            return False
        self._flush()
        self.collected = []
        self.state = self.state._replace(dest=new)
        return True

    # -- control words ------------------------------------------------------------------------

    def _control(self, word: str, number: int | None) -> int:
        """Acts on one control word; the number of raw bytes after it to pass over."""
        if word == "bin":  # a picture's or an object's raw bytes
            self._flush()
            return max(number or 0, 0)
        if word == "u" and number is not None:
            self.opening = False
            self._flush()
            self._emit(chr(number % 65536))
            self.skip = self.state.uc
            return 0
        self.skip = 0
        if self._destination(word):
            return 0
        if self.state.dest == "fonttbl":
            self._table_entry(word, number, fonts=True)
        elif self.state.dest == "stylesheet":
            self._table_entry(word, number, fonts=False)
        elif word in _CHARACTERS:
            self._flush()
            self._emit(_CHARACTERS[word])
        elif word in ("par", "cell", "nestcell", "row", "nestrow"):
            self._flush()
            if word == "par":
                self._end_paragraph()
            elif word.endswith("cell"):
                self._end_cell()
            else:
                self._end_row()
        else:
            self._property(word, number)
        return 0

    def _table_entry(self, word: str, number: int | None, fonts: bool) -> None:
        """A font's number and character set, or a style's number (a paragraph style's only)."""
        if number is None:
            return
        if fonts and word == "f":
            self.entry = number
        elif fonts and word == "fcharset":
            self.fonts[self.entry] = number
        elif not fonts and word == "s":
            self.entry = number
        elif not fonts and word in ("cs", "ds", "ts"):
            self.entry = -1  # a character, section or table style: no paragraph has it

    def _property(self, word: str, number: int | None) -> None:
        if word in _CHARACTER_PROPERTIES:
            self._flush()
        state = self.state
        if word == "b":
            self.state = state._replace(bold=number != 0)
        elif word == "fs" and number is not None and 0 < number < 2000:
            self.state = state._replace(size=number)
        elif word in ("v", "deleted"):  # hidden text, and a deletion tracked but not yet accepted
            self.state = state._replace(hidden=number != 0)
        elif word == "f" and number is not None:
            self.state = state._replace(font=number)
        elif word == "plain":
            self.state = state._replace(bold=False, size=DEFAULT_SIZE, hidden=False, font=-1)
        elif word == "pard":
            self.state = state._replace(style=0, in_table=False, level=0, listed=False)
        elif word == "s" and number is not None:
            self.state = state._replace(style=number)
        elif word == "intbl":
            self.state = state._replace(in_table=True)
        elif word == "ilvl" and number is not None and 0 <= number < 9:
            self.state = state._replace(level=number)
        elif word == "ls":
            self.state = state._replace(listed=bool(number))
        elif word == "uc" and number is not None and 0 <= number < 10:
            self.state = state._replace(uc=number)
        elif word == "ansicpg" and number:
            self.code_page = _code_page(number, self.code_page)
        elif word == "deff" and number is not None:
            self.default_font = number
        elif word in _CODE_PAGES:
            self.code_page = _CODE_PAGES[word]

    # -- paragraphs and tables ----------------------------------------------------------------

    def _paragraph(self) -> _Paragraph | None:
        """The paragraph read since the last one ended; None when it has no words and no mark."""
        chars, self.lines = self.lines, [[]]
        label, self.label = self.label, None
        lines = [_line(line) for line in chars]
        text = " ".join(" ".join(line.text for line in lines).split())
        if not text and label is None:
            return None
        style = self.styles.get(self.state.style, "")
        item = None
        if self.state.listed or label is not None:
            item = (self.state.level, _number(label or ""))
        return _Paragraph(text, style, lines, clean_glyphs(bold_opening(chars[0])), item)

    def _end_paragraph(self) -> None:
        if self.state.dest != "":
            return
        paragraph = self._paragraph()
        if self.state.in_table:
            if paragraph is not None:
                self.cell.append(paragraph.text)
        else:
            self.parts.append(paragraph or _Paragraph("", "", [], "", None))  # empty: a gap
            self._after_boxes()

    def _end_cell(self) -> None:
        if self.state.dest != "":
            return
        paragraph = self._paragraph()
        self.cells.append(" ".join([*self.cell, paragraph.text if paragraph else ""]).strip())
        self.cell = []

    def _end_row(self) -> None:
        if self.state.dest != "":
            return
        if self.cells:
            self.parts.append(self.cells)
        self.cells, self.cell = [], []
        self._after_boxes()

    # -- text boxes ---------------------------------------------------------------------------

    def _open_box(self) -> None:
        """A text box begins inside a paragraph: the paragraph's text so far is put aside, and the
        box's paragraphs are read as a document of their own."""
        self.around = _Around(self.lines, self.label, self.parts, self.cell, self.cells)
        self.lines, self.label, self.parts, self.cell, self.cells = [[]], None, [], [], []
        self.state = self.state._replace(box=True, in_table=False)

    def _close_box(self) -> None:
        """The box's last paragraph ends with it; its paragraphs wait for the paragraph it is
        drawn in to end (a form's box holding only a label, "Notes:", has nothing to quote)."""
        if any(self.lines):
            self._end_paragraph()
        self._end_row()
        read, around = self.parts, self.around
        if around is not None:
            self.lines, self.label, self.parts, self.cell, self.cells = around
        self.around = None
        words = " ".join(part.text if isinstance(part, _Paragraph) else " ".join(part) for part in read)
        if not label_only(words):
            self.boxes += read

    def _after_boxes(self) -> None:
        if self.boxes and not self.state.box:
            self.parts += self.boxes
            self.boxes = []


_OWN_DESTINATIONS = frozenset({"fonttbl", "stylesheet", "info", "fldinst", *_LIST_MARKS})
_DRAWINGS = frozenset({"shp", "shpgrp", "shpinst"})  # a shape, a group of them, its instructions
_COLLECTED = frozenset({"fldinst", "title", "stylesheet", *_LIST_MARKS})  # their text is read
_CHARACTER_PROPERTIES = frozenset({"b", "fs", "v", "deleted", "f", "plain"})
_CODE_PAGES = {"mac": "mac_roman", "pc": "cp437", "pca": "cp850"}


def _code_page(number: int, default: str) -> str:
    try:
        return codecs.lookup(f"cp{number}").name
    except LookupError:
        return default


def _number(mark: str) -> str:
    """The number a list item is drawn with, written as the Word readers write it ("2." for a
    number alone, "2.1" for one below another); "" for a bullet or a letter."""
    found = _NUMBER.fullmatch(mark)
    if found is None:
        return ""
    return found[1] + ("." if "." not in found[1] else "")


def _line(chars: list[tuple[str, Style]]) -> Line:
    """A line's text and the size and weight most of its letters are set in."""
    # \uN writes a letter beyond the first 65,536 as two halves (UTF-16 surrogates): made one
    halves = "".join(char for char, _ in chars).encode("utf-16-le", "surrogatepass")
    text = clean_glyphs(halves.decode("utf-16-le", "replace"))
    return Line(text, set_in(chars, Style(DEFAULT_SIZE / 2)))


def read_rtf(path: Path) -> Document:
    """A rich-text file's text as blocks, as the same document saved from Word reads."""
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"the rich-text file is larger than {MAX_BYTES // 2**20} MB")
    data = path.read_bytes()
    if not data.lstrip().startswith(RICH_TEXT_START):
        raise ValueError("not a rich-text file (it does not start with {\\rtf)")
    parser = _Parser()
    parser.run(data.decode("latin-1"))
    out = _assemble(parser.parts)
    blocks = blocks_of(out.parts)
    if not blocks:
        raise ValueError("the rich-text file has no text")
    stated = parser.title if sensible_title(parser.title) else ""
    own = out.title or stated or opening_heading(out.parts)
    return Document(name=path.name, title=own or title_from_name(path), blocks=blocks)


def _assemble(parts: list[_Paragraph | list[str]]) -> Assembly:
    """Paragraphs and table rows made parts, as a Word file's are."""
    out = Assembly(body_style([p.lines for p in parts if isinstance(p, _Paragraph)]))
    rows: list[list[str]] = []
    for part in parts:
        if isinstance(part, list):
            rows.append(part)
            continue
        if rows:
            out.table(rows)
            rows = []
        lines = [Line(" ".join(line.text.split()), line.style) for line in part.lines]
        out.paragraph(part.text, part.style, partial(list, lines), partial(str, part.bold_opening), part.item)
    if rows:
        out.table(rows)
    return out
