"""A PDF page's lines with the font size and weight each is set in, from pypdf's text visitor.

pypdf's `extract_text` says what the words are; its `visitor_text` callback
says, for each run of text it writes, the font and the matrices it is drawn
with. Together they give what a reader sees of a line: is it larger or bolder
than the body text (a heading), is a number in it set small (a footnote
reference, "MASH⁴" extracted as "MASH4"). When the two disagree on the words
(a file pypdf reads oddly), the plain text is kept and the styles are unknown.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|,bd\b", re.IGNORECASE)
_REFERENCE = re.compile(r"^(?:\d{1,3}|[ivx]{1,4})(?:[,–-](?:\d{1,3}|[ivx]{1,4}))*$")  # "4", "2,3", "ii"
_COMMENT = re.compile(r"\s*\bComment(?:ed)?\s*\[[A-Za-z]{1,8}\d{1,4}\]\s*:.*$")
BULLET_START = re.compile(r"^(?:[-•*–·]|\d{1,2}[.)])\s+")  # a list item's mark: "• ", "- ", "3. ", "2) "
_GLYPH_BULLET = re.compile(r"^[-•*–·]\s+")
# Word's second-level bullet in Courier New: "o" and a tab or spaces, then the item
SUB_BULLET = re.compile(r"^o[ \t]+(?=[A-Za-z(])", re.MULTILINE)
_BRAND_START = re.compile(r"^[a-z][A-Z]")  # "iPads and Windows tablets", "eSafety"
SUPERSCRIPT_RATIO = 0.8  # Word sets a superscript at about 2/3 of the text's size
HEADING_RATIO = 1.15  # a heading set larger is at least a point or two above 11-12 pt body text
HEADING_MAX_WORDS = 16  # as long as the chunker lets a heading be
# A heading wrapped over lines may be longer: a web page's "Proactively consult teachers before they
# go on maternity leave on their plans and preferences, and ensure a clear plan is in place for when
# they return" is 26 words over four lines.
WRAPPED_HEADING_MAX_WORDS = 32


@dataclass(frozen=True)
class Style:
    """A font size in points (0 when unknown) and whether the font is bold."""

    size: float = 0.0
    bold: bool = False


@dataclass(frozen=True)
class Line:
    text: str
    style: Style = field(default_factory=Style)


@dataclass(frozen=True)
class Run:
    """A piece of text as pypdf draws it: its size and weight, and in a tagged PDF the marked
    content it is drawn in (`mark`, its MCID: the structure tree names it) or whether it is page
    furniture (`artifact`: a running header, a footer, a page number)."""

    text: str
    size: float
    bold: bool
    mark: int | None = None
    artifact: bool = False


@dataclass(frozen=True)
class Drawn:
    """A page's text as pypdf extracts it, and the runs it draws it in."""

    text: str
    runs: list[Run]


def _scale(matrix: Any) -> float:
    """How much a PDF matrix scales text vertically (1 when it cannot be read)."""
    try:
        return math.hypot(float(matrix[2]), float(matrix[3])) or 1.0
    except (TypeError, ValueError, IndexError):
        return 1.0


def _bold(font: Any) -> bool:
    """A bold font by its name ("Arial-BoldMT", "Calibri,Bold") or its descriptor's weight."""
    try:
        if _BOLD_NAME.search(str(font.get("/BaseFont", ""))):
            return True
        descriptor = font.get("/FontDescriptor")
        weight = descriptor.get_object().get("/FontWeight", 0) if descriptor is not None else 0
        return float(weight) >= 600
    except (AttributeError, TypeError, ValueError):
        return False


_SHOWS_TEXT = {b"Tj", b"TJ", b"'", b'"'}


class _Marks:
    """Which marked content (BDC/BMC ... EMC) pypdf is drawing in, as its operators go by.

    pypdf hands text to the visitor when it ends a piece (a new line, font or
    text object), not when marked content ends; a piece is the content's that
    was open when its first letters were shown.
    """

    def __init__(self, page: Any) -> None:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else {}
        properties = resources.get("/Properties") if hasattr(resources, "get") else None
        self.properties = properties.get_object() if properties is not None else {}
        self.open: list[tuple[str, int | None]] = []
        self.shown: tuple[int | None, bool] | None = None  # where the piece being drawn started

    def now(self) -> tuple[int | None, bool]:
        mark = next((m for _, m in reversed(self.open) if m is not None), None)
        return mark, any(tag == "/Artifact" for tag, _ in self.open)

    def before(self, operator: bytes, operands: Any, cm: Any, tm: Any) -> None:
        if operator in _SHOWS_TEXT and self.shown is None:
            self.shown = self.now()
        elif operator == b"BDC" and len(operands) >= 2:
            self.open.append((str(operands[0]), self._mcid(operands[1])))
        elif operator == b"BMC" and operands:
            self.open.append((str(operands[0]), None))
        elif operator == b"EMC" and self.open:
            self.open.pop()

    def _mcid(self, properties: Any) -> int | None:
        try:
            if not hasattr(properties, "get"):  # a name for an entry of the page's /Properties
                properties = self.properties[properties].get_object()
            mcid = properties.get("/MCID")
            return int(mcid) if mcid is not None else None
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def take(self) -> tuple[int | None, bool]:
        shown, self.shown = self.shown, None
        return shown if shown is not None else self.now()


def draw_page(page: Any, tagged: bool = True) -> Drawn:
    """What pypdf draws on a page: its text, and the runs with their styles and, in a tagged
    PDF, the marked content each is drawn in (not looked for otherwise: it costs a call an
    operator)."""
    runs: list[Run] = []
    marks = _Marks(page)

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        mark, artifact = marks.take()
        if text:
            height = round(float(size or 0) * _scale(tm) * _scale(cm), 1)
            runs.append(Run(text, height, _bold(font), mark, artifact))

    text = page.extract_text(visitor_operand_before=marks.before if tagged else None, visitor_text=visit)
    return Drawn(text or "", runs)


def drawn_lines(drawn: Drawn) -> list[Line]:
    """A drawn page's lines with their styles, or its plain text's lines when pypdf's text and its
    runs disagree on the words (a file pypdf reads oddly)."""
    if not runs_agree(drawn):
        return [Line(line) for line in drawn.text.split("\n")]
    return [line_of(parts) for parts in split_lines(drawn.runs)]


def runs_agree(drawn: Drawn) -> bool:
    """The runs hold the very words of the page's text."""
    return "".join("".join(r.text for r in drawn.runs).split()) == "".join(drawn.text.split())


def split_lines(runs: list[Run]) -> list[list[Run]]:
    """Runs cut into the lines pypdf breaks them into."""
    lines: list[list[Run]] = [[]]
    for run in runs:
        for n, piece in enumerate(run.text.split("\n")):
            if n:
                lines.append([])
            if piece:
                lines[-1].append(Run(piece, run.size, run.bold, run.mark, run.artifact))
    return lines


def line_of(runs: list[Run]) -> Line:
    """One line's text, without superscript reference numbers, and the style most of it is set in."""
    kept: list[Run] = []
    for run in runs:
        before = next((r for r in reversed(kept) if r.text.strip()), None)
        if (
            before is not None
            and _REFERENCE.match(run.text.strip())
            and 0 < run.size < SUPERSCRIPT_RATIO * before.size
        ):
            continue
        kept.append(run)
    text = "".join(r.text for r in kept)
    sizes: Counter[float] = Counter()
    bold = letters = 0
    for run in kept:
        count = len(run.text.replace(" ", ""))
        sizes[run.size] += count
        letters += count
        bold += count if run.bold else 0
    size = sizes.most_common(1)[0][0] if sizes else 0.0
    return Line(text, Style(size, bool(letters) and bold >= 0.8 * letters and not _field(kept)))


def _field(runs: list[Run]) -> bool:
    """A bold label and its value in regular type ("**Number of pupils**: 840"): a record's line,
    however few letters the value has."""
    label = 0
    while label < len(runs) and (runs[label].bold or not runs[label].text.strip()):
        label += 1
    value = "".join(r.text for r in runs[label:])
    labelled = "".join(r.text for r in runs[:label]).rstrip().endswith(":")
    return (
        0 < label < len(runs) and labelled and not any(r.bold for r in runs[label:]) and bool(value.strip())
    )


def body_style(pages: list[list[Line]]) -> Style:
    """The style most of the document's letters are set in: its body text."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page:
            sizes[round(line.style.size * 2) / 2] += len(line.text)
    size = sizes.most_common(1)[0][0] if sizes else 0.0
    return Style(size)


def larger(line: Line, body: Style) -> bool:
    """Set clearly larger than the body text."""
    return bool(body.size) and line.style.size >= HEADING_RATIO * body.size


def heading_style(line: Line, body: Style) -> bool:
    """Set clearly larger than the body text, or in bold at its size: how headings look."""
    bolder = line.style.bold and not body.bold and line.style.size >= 0.95 * body.size
    return bool(body.size and line.style.size) and (larger(line, body) or bolder)


def styled_heading(line: Line, body: Style, max_words: int = HEADING_MAX_WORDS) -> bool:
    """A short title-like line set clearly larger than the body text, or in bold at its size.

    A line ending like a sentence or a lead-in (".", ",", ";", ":") or a
    bullet is body text even in bold: policies bold a key sentence or a
    lead-in ("Staff must:"), which does not start a section. A numbered line
    is a list item in bold, but a heading when set larger ("5. Decide the
    purpose of reports" at 14 points over 12-point text).
    """
    text = line.text.strip()
    if not text or _GLYPH_BULLET.match(text) or (BULLET_START.match(text) and not larger(line, body)):
        return False
    return (
        heading_style(line, body)
        and 0 < len(text.split()) <= max_words
        and (text[0].isupper() or text[0].isdigit() or _BRAND_START.match(text) is not None)
        and not text.endswith((".", ",", ";", ":"))
        and re.search(r"[A-Za-z]{2,}", text) is not None
    )


def without_comments(page: list[Line], body: Style) -> list[Line]:
    """A page without the comments Word prints in the margin ("Commented [DL1]: ...").

    The marker and what follows it on its line go; when the comment starts
    its own line, the lines after it set in the same style (not the body's)
    are the rest of the comment and go too.
    """
    out: list[Line] = []
    comment: Style | None = None
    for line in page:
        if comment is not None and line.style == comment and line.style != body:
            continue
        comment = None
        found = _COMMENT.search(line.text)
        if found is None:
            out.append(line)
            continue
        if found.start() == 0 and line.style.size:
            comment = line.style
        rest = line.text[: found.start()].rstrip()
        if rest:
            out.append(Line(rest, line.style))
    return out
