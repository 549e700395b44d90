"""Plain text policies, and the text conventions every reader shares.

A `.txt` policy is read here: blocks between blank lines, hard-wrapped lines
joined again, a leading `Policy Name: ...` line taken as the title. The other
readers use the same pieces (titles from file names, clean glyphs, tables as
one block a row) so that a policy reads alike whatever format it came in.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from pathlib import Path

from .model import Block, Document

TITLE_LINE = re.compile(r"^\s*(?:policy\s+name|title)\s*:\s*(.+?)\s*$", re.IGNORECASE)


def sensible_title(title: str) -> bool:
    """A Title property a person wrote (a PDF's or a Word file's), not a file name, a converter's
    label ("Microsoft Word - aup.docx") or a template's placeholder ("Untitled")."""
    title = " ".join(title.split())
    return (
        0 < len(title.split()) <= 15
        and re.search(r"[A-Za-z]{3,}", title) is not None
        and not re.search(r"\.(?:docx?|pdf|odt|rtf)$|^microsoft word\b|^untitled\b", title, re.IGNORECASE)
        and not (" " not in title and re.search(r"[_\-.]", title))
    )


def title_from_name(path: Path) -> str:
    """A readable title from a file name: `social-media-policy.txt` -> `Social Media Policy`."""
    words = re.split(r"[-_\s]+", path.stem)
    return " ".join(w[:1].upper() + w[1:] for w in words if w) or path.name


# Characters a reader never sees as such, which text extracted from a PDF (or pasted from one)
# carries: ligatures, invisible marks, and the private-use glyphs Word's Symbol and Wingdings
# bullets become. Cleaned once for every format (`read_document`), and on a PDF's pages before
# its paragraphs are found, so a bullet is a bullet to the chunker and a quote reads cleanly.
_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
# A glyph pypdf cannot map to a letter comes as half a UTF-16 pair, which no text file, hash or
# database takes: it is dropped.
_INVISIBLE.update(dict.fromkeys(range(0xD800, 0xE000), None))
_GLYPH_BULLET = re.compile(
    r"^([ \t]*)[\uf0a7\uf0b7\uf076\uf0d8\uf0e0\uf0fc\uf0a8"  # Symbol and Wingdings, as extracted
    r"\u25cf\u25aa\u25a0\u25e6\u25cb\u25ba\u27a2\u2023\u2043\u2219]"  # ● ▪ ■ ◦ ○ ► ➢ ‣ ⁃ ∙
    r"[ \t]*\n?[ \t]*(?=\S)",
    re.MULTILINE,
)


def clean_glyphs(text: str) -> str:
    """Ligatures spelled out, invisible marks dropped, no-break spaces made spaces, and odd
    bullet glyphs at a line's start made "• " (a glyph alone on its line joins its item)."""
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    text = text.translate(_INVISIBLE).replace("\u00a0", " ").replace("\u202f", " ")
    return _GLYPH_BULLET.sub(r"\1• ", text)


def split_blocks(text: str, width: int | None = None) -> list[Block]:
    """Split text on blank lines, trimming trailing space but keeping each block's words exactly.

    In a hard-wrapped file (lines cut at a fixed width), the lines of one
    paragraph are joined with single spaces; list items stay lines of their own.
    `width` is the width the text was wrapped at when the caller knows it is
    wrapped (a PDF's lines always are); by default it is guessed (`wrap_width`).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if width is None:
        width = wrap_width(text.split("\n"))
    blocks = []
    for raw in re.split(r"\n[ \t]*\n", text):
        lines = [line.rstrip() for line in raw.split("\n") if line.strip()]
        block = "\n".join(unwrap(lines, width) if width else lines)
        if block.strip():
            blocks.append(Block(block.strip()))
    return blocks


_GOES_ON = re.compile(r"\s*[a-z]")  # a line going on with a sentence
_ITEM_START = re.compile(r"^\s*(?:[-•*–·]|\d{1,2}(?:\.\d{1,2})*[.)]?|[a-z][.)])\s+")


def wrap_width(lines: list[str]) -> int:
    """The width a file's text was wrapped at, or 0 when it is not hard-wrapped.

    Hard-wrapped text has many lines and almost none wider than about 100
    characters; a file with a paragraph a line is not wrapped.
    """
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    if len(lengths) < 8:
        return 0
    near_widest = near_widest_line(lengths)
    return near_widest if 40 <= near_widest <= 100 else 0


def near_widest_line(lengths: list[int]) -> int:
    """The width (in characters) that all but the widest twentieth of lines keep within."""
    ordered = sorted(lengths)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0


def unwrap(lines: list[str], width: int) -> list[str]:
    """Join a wrapped paragraph's lines with single spaces.

    A line continues the one before when that one is nearly full width, or
    when it goes on in lower case (a long next word wrapped early: "agreed/
    contractual working" / "arrangements."), unless the line before ends with
    a colon or the line starts a list item. A line after a short one that
    starts afresh ("... school email address only" / "A staff member ...") is
    a line of its own. A word hyphenated at the line's end ("pre-" /
    "school") is joined without a space.
    """
    out: list[str] = []
    before = ""  # the line before, as wrapped: a short one ended its paragraph or item
    for line in lines:
        if (
            out
            and (len(before.strip()) >= 0.75 * width or _GOES_ON.match(line))
            and not before.rstrip().endswith(":")
            and not _ITEM_START.match(line)
        ):
            out[-1] = out[-1].rstrip() + wrap_joint(out[-1].rstrip(), line.strip()) + line.strip()
        else:
            out.append(line)
        before = line
    return out


# A word broken over two lines at its own hyphen ("pre-" / "school", "24-" / "hour") reads as one.
# A hyphen before "and", "or" or "to" is a shared prefix ("pre- and post-school") and keeps its space.
BROKEN_WORD = re.compile(r"[A-Za-z0-9]-$")
NEXT_WORD = re.compile(r"^(?!(?:and|or|to)\b)[a-z]")


def wrap_joint(before: str, after: str) -> str:
    """What joins two lines of a wrapped paragraph: nothing inside a hyphenated word, else a space."""
    return "" if BROKEN_WORD.search(before) and NEXT_WORD.match(after) else " "


FIELD_LABEL_WORDS = 6


# A line ending a sentence or a lead-in; quotes and brackets may close it.
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_LINE_WORDS = 5  # a line of a paragraph typed a line at a time is longer than a title


def continues_sentence(before: str, after: str) -> bool:
    """`after` goes on with the sentence `before` stopped in the middle of: a paragraph typed as one
    Word paragraph a line ("... between a designated senior leader" / "and the applicant, ...")."""
    return not _SENTENCE_END.search(before) and len(before.split()) >= _LINE_WORDS and after[:1].islower()


def is_field(text: str, label: str) -> bool:
    """A one-line "Label: value" whose label is set apart (in bold): "Location: Sunderland".

    `label` is the text the line opens with in bold, its colon inside or after
    it. A bold label with a value is a field of a record, not a heading; a bold
    lead-in with nothing after its colon ("Staff must:") is not a field.
    """
    head = label.strip().rstrip(":").rstrip()
    if not head or "\n" in text or len(head.split()) > FIELD_LABEL_WORDS:
        return False
    return re.match(re.escape(head) + r"\s*:\s*\S", text.strip()) is not None


def label_only(text: str) -> bool:
    """A form's label with nothing after it ("Notes:"): a field left for someone to fill in."""
    words = text.split()
    return bool(words) and words[-1].endswith(":") and len(words) <= FIELD_LABEL_WORDS


def _empty_field_row(row: list[str]) -> bool:
    """A form's row: a short label in its first cell and every other cell empty."""
    label = row[0].strip()
    return (
        len(row) > 1
        and 0 < len(label.split()) <= FIELD_LABEL_WORDS
        and not label.endswith((".", "!", "?"))
        and not any(cell.strip() for cell in row[1:])
    )


def with_title(path: Path, blocks: list[Block]) -> Document:
    """Take a leading `Policy Name: ...` line as the title; otherwise use the file name."""
    title = title_from_name(path)
    if blocks and not blocks[0].heading:
        first_line, _, rest = blocks[0].text.partition("\n")
        match = TITLE_LINE.match(first_line)
        if match:
            title = match.group(1)
            blocks = ([Block(rest.strip())] if rest.strip() else []) + blocks[1:]
    return Document(name=path.name, title=title, blocks=blocks)


def unicode_text(raw: bytes) -> str:
    """Bytes read as UTF-8 text, or UTF-16 when they start with its byte-order mark (Notepad's
    "Unicode"), the mark dropped: ValueError for what looks like a binary file,
    UnicodeDecodeError (a ValueError too) for text in another encoding, which a caller may read
    another way (a web page in the encoding it declares)."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")
    if b"\x00" in raw[:4096]:
        raise ValueError("looks like a binary file, not text")
    return raw.decode("utf-8-sig")


def read_text(path: Path) -> str:
    """A text file's contents (`decode_text`): Notepad saved "ANSI" files in Windows-1252 on a
    UK school's PCs until 2019 and still opens them so ("Staff\x92s phones": an apostrophe that
    is not UTF-8)."""
    return decode_text(path.read_bytes())


def decode_text(raw: bytes, declared: Sequence[str] = (), neither: str = "") -> str:
    """Bytes as text: UTF-8 (or UTF-16 with its byte-order mark), else in each encoding of
    `declared` (what a web page says it is in), else Windows-1252; ValueError (with what to do)
    for a binary file or one in none of these, `neither` saying what else was tried."""
    try:
        return unicode_text(raw)
    except UnicodeDecodeError as exc:
        first = exc.start
    for encoding in (*declared, "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    raise ValueError(f"not UTF-8 text (byte {first}){neither}; save it as UTF-8")


def read_text_file(path: Path) -> Document:
    return with_title(path, split_blocks(read_text(path)))


def distinct_cells(row: list[str]) -> list[tuple[int, str]]:
    """A row's cells that hold text, with their columns; a cell merged over columns (repeated in
    each) once."""
    return [(n, cell) for n, cell in enumerate(row) if cell.strip() and not (n and cell == row[n - 1])]


def table_blocks(rows: list[list[str]]) -> list[Block]:
    """A table as text a phone can show: one block a row.

    With a header row each cell is labelled with its column ("Role: Head
    Teacher – Duty: approves accounts"); otherwise cells are joined with " – ".
    Empty cells and a merged cell repeated across columns are left out; a
    form's row that is only a label beside empty boxes ("Job title" | "") is
    marked blank: it has nothing to quote.
    """
    rows = [[" ".join(cell.split()) for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    header = rows[0]
    labelled = (
        len(rows) > 1
        and len(header) > 1
        and all(header)
        and all(len(cell.split()) <= 6 and not cell.endswith(".") for cell in header)
    )
    blocks = []
    for row in rows[1:] if labelled else rows:
        blank = not labelled and _empty_field_row(row)
        cells: list[str] = []
        for n, cell in distinct_cells(row):
            label = header[n] if labelled and n < len(header) and header[n] != cell else ""
            cells.append(f"{label}: {cell}" if label else cell)
        if cells:
            blocks.append(Block(" – ".join(cells), table_row=True, blank=blank))
    return blocks
