"""OpenDocument text (.odt), as LibreOffice and Google Docs save it: into the parts a Word file gives.

An .odt is a zip whose `content.xml` holds the text: `text:h` headings with
their outline level, `text:p` paragraphs named by style ("Title"), lists
(`text:list`, numbered when their list style says "1"), tables, sections.
Notes, comments and the table of contents are not text a policy quotes.
The parts go through the same assembly as Word's (`knowledge.word_parts`),
so a list joins its lead-in and numbered sections become headings alike.
The zip is checked before it is parsed, as a .docx is (`check_bounds`).
"""

from __future__ import annotations

import zipfile
from functools import partial
from pathlib import Path
from typing import Any

from .docx import check_bounds, tags_between
from .docx_looks import body_style
from .model import Document
from .pdf_lines import Line, Style
from .text import clean_glyphs, label_only, sensible_title, title_from_name
from .word_parts import Assembly, blocks_of, bold_opening, next_number, opening_heading, set_in

_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_TEXT, _TABLE, _STYLE, _OFFICE = (f"{{{_NS[k]}}}" for k in ("text", "table", "style", "office"))
_FO = "{urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0}"
DEFAULT_SIZE = 12.0  # points, when no style says
# What is not the policy's text: notes and comments (quoted nowhere), the contents (every heading
# again, with page numbers), a change-tracking record.
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"  # pictures, shapes, text boxes
_SKIPPED = {
    f"{_TEXT}note",
    f"{_OFFICE}annotation",
    f"{_TEXT}table-of-content",
    f"{_TEXT}tracked-changes",
    f"{_TEXT}alphabetical-index",
}


_BOXES = {f"{_DRAW}text-box", f"{_DRAW}custom-shape"}  # what holds a drawing's own paragraphs


def _skipped(element: Any) -> bool:
    """Not the policy's text: notes, comments, the contents (and an XML comment)."""
    tag = element.tag
    return not isinstance(tag, str) or tag in _SKIPPED


def _boxes(anchor: Any) -> list[Any]:
    """The text boxes and shapes with text in a paragraph or a drawing (`anchor`), read after it
    as the Word reader reads them: not one inside another box (read with it), nor a box holding
    only a form's label ("Notes:"); a picture's description is no paragraph and is never read."""
    found = []
    for box in anchor.iter(*_BOXES):
        above = tags_between(box, anchor)
        if not any(tag in _BOXES or tag in _SKIPPED for tag in above) and not _blank_field(box):
            found.append(box)
    return found


def _blank_field(box: Any) -> bool:
    return label_only("".join(box.itertext()))


def read_odt(path: Path) -> Document:
    """An OpenDocument text file's parts as blocks; ValueError naming what is wrong."""
    check_bounds(path, part="content.xml", kind="OpenDocument file")
    try:
        with zipfile.ZipFile(path) as archive:
            content = _parse(archive.read("content.xml"))
            meta = _parse(archive.read("meta.xml")) if "meta.xml" in archive.namelist() else None
            styles = _parse(archive.read("styles.xml")) if "styles.xml" in archive.namelist() else None
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        # RuntimeError: a part encrypted in the zip; NotImplementedError: a compression zipfile lacks
        raise ValueError(f"unreadable OpenDocument file ({type(exc).__name__})") from None
    body = content.find("office:body/office:text", _NS)
    if body is None:
        raise ValueError("not an OpenDocument text (no office:text)")
    reader = _Reader(_style_names(content, styles), _numbered_lists(content, styles), _Looks(styles, content))
    reader.out.body = body_style([reader.lines(p) for p in body.iter(f"{_TEXT}p")])
    reader.read(body)
    blocks = blocks_of(reader.out.parts)
    if not blocks:
        raise ValueError("the OpenDocument file has no text")
    stated = " ".join((meta.findtext(".//dc:title", "", _NS) or "").split()) if meta is not None else ""
    own = reader.out.title or (stated if sensible_title(stated) else "") or opening_heading(reader.out.parts)
    return Document(name=path.name, title=own or title_from_name(path), blocks=blocks)


def _parse(data: bytes) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"damaged OpenDocument file ({str(exc)[:80]})") from None


def _style_names(*trees: Any) -> dict[str, str]:
    """Each style's display name ("heading 1", "title"), lower case, by its name; an automatic
    style ("P3": a paragraph's direct formatting) resolved to the named style it is based on."""
    parents: dict[str, str] = {}
    shown: dict[str, str] = {}
    automatic: set[str] = set()
    for tree in trees:
        if tree is None:
            continue
        for style in tree.iter(f"{_STYLE}style"):
            name = style.get(f"{_STYLE}name", "")
            shown[name] = style.get(f"{_STYLE}display-name") or name.replace("_20_", " ")
            parents[name] = style.get(f"{_STYLE}parent-style-name", "")
            if style.getparent() is not None and style.getparent().tag == f"{_OFFICE}automatic-styles":
                automatic.add(name)
    resolved = {}
    for name in shown:
        step, seen = name, set()
        while step in automatic and parents.get(step) and step not in seen:
            seen.add(step)
            step = parents[step]
        resolved[name] = shown.get(step, step).lower()
    return resolved


def _count(value: str | None, default: int) -> int:
    """A small whole number from an attribute ("3"), the default when it is missing or not one."""
    return int(value) if value is not None and value.isdigit() and len(value) < 4 else default


def _numbered_lists(*trees: Any) -> set[tuple[str, int]]:
    """(list style, level from 0) of the list levels numbered 1, 2, 3."""
    numbered = set()
    for tree in trees:
        if tree is None:
            continue
        for list_style in tree.iter(f"{_TEXT}list-style"):
            name = list_style.get(f"{_STYLE}name", "")
            for level in list_style.iter(f"{_TEXT}list-level-style-number"):
                if level.get(f"{{{_NS['style']}}}num-format") == "1":
                    numbered.add((name, _count(level.get(f"{_TEXT}level"), 1) - 1))
    return numbered


class _Reader:
    """Walks the body in order, making Word parts of its headings, paragraphs, lists and tables."""

    def __init__(self, styles: dict[str, str], numbered: set[tuple[str, int]], looks: _Looks) -> None:
        self.styles, self.numbered, self.looks = styles, numbered, looks
        self.out = Assembly(Style())
        self.counts: dict[str, list[int]] = {}
        self._lines: dict[Any, list[Line]] = {}

    def read(self, element: Any, list_style: str = "", level: int = -1) -> None:
        for child in element:
            if _skipped(child):
                continue
            if child.tag == f"{_TEXT}h":
                self._paragraph(child, heading=True)
                self._read_boxes(child)
            elif child.tag == f"{_TEXT}p":
                self._paragraph(child, item=(list_style, level) if level >= 0 else None)
                self._read_boxes(child)
            elif child.tag == f"{_TEXT}list":
                style = child.get(f"{_TEXT}style-name") or list_style
                continues = child.get(f"{_TEXT}continue-numbering") == "true" or child.get(
                    f"{_TEXT}continue-list"
                )
                if level < 0 and not continues:
                    self.counts.pop(style, None)  # a new list numbers from 1
                self.read(child, style, level + 1)
            elif child.tag in (f"{_TEXT}list-item", f"{_TEXT}list-header"):
                self.read(child, list_style, level)
            elif child.tag == f"{_TABLE}table":
                self._table(child)
            elif child.tag.startswith(_DRAW):  # a drawing anchored to the page: its boxes' text
                self._read_boxes(child)
            else:  # sections, page breaks and other containers
                self.read(child, list_style, level)

    def _read_boxes(self, anchor: Any) -> None:
        for box in _boxes(anchor):
            self.read(box)

    def _paragraph(self, element: Any, heading: bool = False, item: tuple[str, int] | None = None) -> None:
        self.out.paragraph(
            " ".join(self._words(element).split()),
            self.styles.get(element.get(f"{_TEXT}style-name", ""), ""),
            partial(self._body_lines, element),
            partial(self._bold_opening, element),
            (item[1], self._label(*item)) if item is not None else None,
            heading,
        )

    def _body_lines(self, element: Any) -> list[Line]:
        return [Line(" ".join(line.text.split()), line.style) for line in self.lines(element)]

    def _words(self, element: Any) -> str:
        """The words of a paragraph: spans and links read through, spaces and tabs as written,
        line breaks kept, notes and comments left out."""
        return clean_glyphs("".join(text for text, _ in self.looks.runs(element)))

    def lines(self, element: Any) -> list[Line]:
        """A paragraph's lines (its line breaks), each with the size and weight most letters have;
        made once a paragraph (the body's style is measured on them before the reading)."""
        made = self._lines.get(element)
        if made is None:
            made = self._lines[element] = self._make_lines(element)
        return made

    def _make_lines(self, element: Any) -> list[Line]:
        lines: list[list[tuple[str, Style]]] = [[]]
        for text, style in self.looks.runs(element):
            for n, piece in enumerate(text.split("\n")):
                if n:
                    lines.append([])
                lines[-1].append((piece, style))
        return [
            Line(clean_glyphs("".join(text for text, _ in line)), set_in(line, Style(DEFAULT_SIZE)))
            for line in lines
        ]

    def _bold_opening(self, element: Any) -> str:
        return bold_opening(self.looks.runs(element))

    def _label(self, list_style: str, level: int) -> str:
        if (list_style, level) not in self.numbered or not 0 <= level < 9:
            return ""
        return next_number(self.counts, list_style, level)

    def _table(self, table: Any) -> None:
        rows = []
        for row in table.iter(f"{_TABLE}table-row"):
            cells = [c for c in row if c.tag == f"{_TABLE}table-cell"]
            rows.append(
                [" ".join(" ".join(self._words(p).split()) for p in c.iter(f"{_TEXT}p")) for c in cells]
            )
        self.out.table(rows)


class _Looks:
    """The size and weight each style sets (`style:text-properties`), through the styles it is
    based on, and the runs of a paragraph's text with how each is set."""

    def __init__(self, *trees: Any) -> None:
        self._own: dict[str, tuple[float | None, bool | None]] = {}
        self._parents: dict[str, str] = {}
        self._hidden: set[str] = set()  # text styles shown as nothing: hidden text
        self._default = DEFAULT_SIZE
        for tree in trees:
            if tree is None:
                continue
            for default in tree.iter(f"{_STYLE}default-style"):
                if default.get(f"{_STYLE}family") == "paragraph":
                    size, _ = _text_properties(default)
                    self._default = size or self._default
            for style in tree.iter(f"{_STYLE}style"):
                name = style.get(f"{_STYLE}name", "")
                self._own[name] = _text_properties(style)
                self._parents[name] = style.get(f"{_STYLE}parent-style-name", "")
                props = style.find(f"{_STYLE}text-properties")
                if props is not None and props.get(f"{_TEXT}display") == "none":
                    self._hidden.add(name)

    def of(self, name: str) -> Style:
        """How a paragraph style sets its text."""
        size, bold = self._chain(name)
        return Style(size or self._default, bool(bold))

    def runs(self, element: Any, within: Style | None = None) -> list[tuple[str, Style]]:
        """The text of a paragraph or span in runs, each with its size and weight."""
        name = element.get(f"{_TEXT}style-name", "")
        if within is None:
            style = self.of(name)
        else:  # a span: what its own style sets, else what it is within
            size, bold = self._chain(name)
            style = Style(size or within.size, within.bold if bold is None else bold)
        out = [(element.text or "", style)]
        for child in element:
            if (
                _skipped(child)
                or child.tag.startswith(_DRAW)
                or child.get(f"{_TEXT}style-name") in self._hidden
            ):
                pass  # a drawing's boxes are read after the paragraph (`_boxes`)
            elif child.tag == f"{_TEXT}s":
                out.append((" " * _count(child.get(f"{_TEXT}c"), 1), style))
            elif child.tag == f"{_TEXT}tab":
                out.append((" ", style))
            elif child.tag == f"{_TEXT}line-break":
                out.append(("\n", style))
            else:
                out += self.runs(child, style)
            out.append((child.tail or "", style))
        return out

    def _chain(self, name: str) -> tuple[float | None, bool | None]:
        size: float | None = None
        bold: bool | None = None
        seen: set[str] = set()
        while name and name not in seen and (size is None or bold is None):
            seen.add(name)
            own_size, own_bold = self._own.get(name, (None, None))
            size = own_size if size is None else size
            bold = own_bold if bold is None else bold
            name = self._parents.get(name, "")
        return size, bold


def _text_properties(style: Any) -> tuple[float | None, bool | None]:
    """The font size in points and the weight a style's text properties set, if they do."""
    props = style.find(f"{_STYLE}text-properties")
    if props is None:
        return None, None
    size_text = props.get(f"{_FO}font-size", "")
    size = (
        float(size_text[:-2])
        if size_text.endswith("pt") and size_text[:-2].replace(".", "", 1).isdigit()
        else None
    )
    weight = props.get(f"{_FO}font-weight")
    bold = None if weight is None else (weight == "bold" or _count(weight, 0) >= 600)
    return size, bold
