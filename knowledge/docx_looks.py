"""How a Word paragraph's text is set: the font size and weight of each of its lines.

Schools often type a policy without heading styles: a heading is a Normal
paragraph set larger or in bold. To read it as the eye does, each run's size
and weight are resolved as Word resolves them (the run's own formatting, its
character style, the paragraph's style and the styles it is based on, the
document's defaults) and each line of a paragraph (lines end at a manual line
break) takes the size most of its letters are set in, bold when nearly all of
them are. The PDF reader judges its lines in the same terms
(`knowledge.pdf_lines.Style`), so a heading is found alike in both formats.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .pdf_lines import Line, Style

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Text a reader of the final document does not see (as `knowledge.docx.paragraph_text`).
UNSEEN = {f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent"}
_RUN = f"{_W}r"
_SDT = f"{_W}sdt"  # a content control
TEXT = {f"{_W}t": "", f"{_W}tab": " ", f"{_W}br": "\n", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
_OFF = {"0", "false", "off"}
_DEFAULT_HALF_POINTS = 20  # Word's size when nothing says otherwise: 10 pt
_MAX_BASED_ON = 12  # a chain of styles longer than this is broken (or a loop)


def placeholder(sdt: Any) -> bool:
    """A content control still showing its prompt ("Click here to enter text.", "[School
    name]"): Word greys it out until someone fills the field in; it is not the policy's text."""
    return sdt.find(f"{_W}sdtPr/{_W}showingPlcHdr") is not None


def _hidden(run: Any) -> bool:
    """A run set as hidden text (Word shows it neither on screen nor in print by default)."""
    vanish = run.find(f"{_W}rPr/{_W}vanish")
    return vanish is not None and vanish.get(f"{_W}val", "true") not in _OFF


def visible_pieces(paragraph_element: Any) -> list[tuple[str, Any]]:
    """The text of a paragraph as the final document shows it, piece by piece, each with the run
    (`w:r` element) it is set in: tracked insertions kept, deletions, hidden text and text boxes
    left out."""
    pieces: list[tuple[str, Any]] = []

    def walk(element: Any) -> None:
        for child in element:
            if (
                child.tag in UNSEEN
                or (child.tag == _RUN and _hidden(child))
                or (child.tag == _SDT and placeholder(child))
            ):
                continue
            if child.tag not in TEXT:
                walk(child)
            else:
                pieces.append((TEXT[child.tag] or child.text or "", element))

    walk(paragraph_element)
    return pieces


class Looks:
    """Resolves the size and weight runs of one Word document are set in; lookups are cached."""

    def __init__(self, word: Any) -> None:
        self._styles = word.styles.element
        self._by_id: dict[str, Any] = {}
        for style in self._styles.findall(f"{_W}style"):
            self._by_id.setdefault(str(style.get(f"{_W}styleId")), style)
        defaults = self._styles.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
        self._default_size = _size(defaults) or _DEFAULT_HALF_POINTS
        self._default_bold = bool(_bold(defaults))
        normal = [
            s
            for s in self._styles.findall(f"{_W}style")
            if s.get(f"{_W}type") == "paragraph" and s.get(f"{_W}default") in ("1", "true", "on")
        ]
        self._normal = normal[0] if normal else None
        self._chains: dict[str | None, tuple[int | None, bool | None]] = {}
        self._runs: dict[tuple[str | None, str | None, int | None, bool | None], Style] = {}

    def _chain(self, style: Any) -> tuple[int | None, bool | None]:
        """The size (half-points) and weight a style and the styles it is based on set, if any."""
        size: int | None = None
        bold: bool | None = None
        for _ in range(_MAX_BASED_ON):
            if style is None:
                break
            r_pr = style.find(f"{_W}rPr")
            size = size if size is not None else _size(r_pr)
            bold = bold if bold is not None else _bold(r_pr)
            based = style.find(f"{_W}basedOn")
            style = self._by_id.get(str(based.get(f"{_W}val"))) if based is not None else None
        return size, bold

    def _style_chain(self, style_id: str | None, paragraph: bool) -> tuple[int | None, bool | None]:
        key = f"{'p' if paragraph else 'r'}:{style_id}"
        if key not in self._chains:
            style = self._by_id.get(style_id) if style_id else (self._normal if paragraph else None)
            self._chains[key] = self._chain(style)
        return self._chains[key]

    def run_style(self, run: Any, paragraph_style: str | None) -> Style:
        """The size in points and the weight a run (`w:r`) is set in."""
        r_pr = run.find(f"{_W}rPr")
        own_size, own_bold = _size(r_pr), _bold(r_pr)
        char = r_pr.find(f"{_W}rStyle") if r_pr is not None else None
        char_id = str(char.get(f"{_W}val")) if char is not None else None
        key = (paragraph_style, char_id, own_size, own_bold)
        if key not in self._runs:
            size, bold = own_size, own_bold
            for chain_size, chain_bold in (
                self._style_chain(char_id, paragraph=False),
                self._style_chain(paragraph_style, paragraph=True),
            ):
                size = size if size is not None else chain_size
                bold = bold if bold is not None else chain_bold
            size = size if size is not None else self._default_size
            bold = bold if bold is not None else self._default_bold
            self._runs[key] = Style(size / 2, bold)
        return self._runs[key]

    def lines(self, paragraph: Any) -> list[Line]:
        """A paragraph's lines (split at its manual line breaks), each with the style most of its
        letters are set in; an empty line stays, so the text reads as `paragraph_text` gives it."""
        style_id = _style_id(paragraph)
        lines: list[Line] = []
        text: list[str] = []
        letters: Counter[Style] = Counter()
        for piece, run in [*visible_pieces(paragraph._p), ("\n", None)]:
            if piece == "\n":
                lines.append(Line("".join(text), most_letters(letters)))
                text, letters = [], Counter()
                continue
            text.append(piece)
            count = len(piece.replace(" ", ""))
            if count and run is not None and run.tag == f"{_W}r":
                letters[self.run_style(run, style_id)] += count
        return lines

    def bold_opening(self, paragraph: Any) -> str:
        """The words a paragraph opens with in bold ("Location:" of "Location: Sunderland")."""
        style_id = _style_id(paragraph)
        opening: list[str] = []
        for piece, run in visible_pieces(paragraph._p):
            if piece == "\n":
                break
            if piece.strip() and (run.tag != f"{_W}r" or not self.run_style(run, style_id).bold):
                break
            opening.append(piece)
        return "".join(opening)


def _style_id(paragraph: Any) -> str | None:
    p_pr = paragraph._p.pPr
    p_style = p_pr.find(f"{_W}pStyle") if p_pr is not None else None
    return str(p_style.get(f"{_W}val")) if p_style is not None else None


def most_letters(letters: Counter[Style]) -> Style:
    """The size most letters are set in; bold when at least 80% of them are."""
    if not letters:
        return Style()
    sizes: Counter[float] = Counter()
    for style, count in letters.items():
        sizes[style.size] += count
    bold = sum(count for style, count in letters.items() if style.bold)
    return Style(sizes.most_common(1)[0][0], bold >= 0.8 * sum(letters.values()))


def body_style(paragraphs: list[list[Line]]) -> Style:
    """The style most of a document's letters are set in: its body text."""
    sizes: Counter[float] = Counter()
    bold = letters = 0
    for lines in paragraphs:
        for line in lines:
            count = len(line.text.replace(" ", ""))
            sizes[line.style.size] += count
            letters += count
            bold += count if line.style.bold else 0
    if not sizes:
        return Style()
    return Style(sizes.most_common(1)[0][0], bool(letters) and bold >= 0.5 * letters)


def _size(r_pr: Any) -> int | None:
    found = r_pr.find(f"{_W}sz") if r_pr is not None else None
    value = found.get(f"{_W}val") if found is not None else None
    return int(value) if value is not None and value.isdigit() else None


def _bold(r_pr: Any) -> bool | None:
    found = r_pr.find(f"{_W}b") if r_pr is not None else None
    if found is None:
        return None
    return str(found.get(f"{_W}val", "1")).lower() not in _OFF
