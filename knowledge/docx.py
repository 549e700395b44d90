"""Word policies, read with python-docx in body order, tables included.

Heading and Title styles make sections and the title; so does a short
title-like paragraph typed in the body style but set clearly larger or in bold
(`knowledge.docx_looks`), as the PDF reader finds headings, and one opening
with a bold label and a value ("Location: Sunderland") is a field, never a
heading. Heading paragraphs
of one style or look with nothing between ("Wellbeing" / "Charter") are one
heading, unless numbered; Title paragraphs in a row are one title. A paragraph with
numbering (a List style or its own `w:numPr`) is a list item, attached to
the lead-in before it as a "- item" line ("1. item" when numbered, nested
levels indented). In a document whose sections are numbered list paragraphs
("1. Introduction", "2. Personal devices", each followed by body text), such
a short title-like paragraph is a heading, its number written as Word shows
it. A table becomes one block a row ("Header: cell – Header: cell").
Consecutive paragraphs of one style, the first stopping mid-sentence and the
next going on in lower case, are one paragraph typed a line at a time: they
are read as one, so a passage never ends in the middle of its sentence.

A Word file is a zip: 37 KB can hold 100,000 empty paragraphs, which python-docx parsed for
minutes while the upload waited behind it. `check_bounds` counts the unpacked bytes, the
body's elements and its paragraphs from the zip's stream, before anything is parsed, and
refuses a file beyond what any policy needs in plain words.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from .doc import read_doc
from .docx_diagrams import DIAGRAM, data_reference, diagram_texts
from .docx_looks import UNSEEN, Looks, body_style, placeholder, visible_pieces
from .model import Document
from .text import distinct_cells, label_only, sensible_title, title_from_name
from .word_parts import Assembly, Part, blocks_of, next_number, opening_heading

MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # every part of the file, pictures included
MAX_PARAGRAPHS = 20_000  # some 600 pages of text; the longest statutory guidance has ~5,000
MAX_ELEMENTS = 1_000_000  # XML elements of the body (runs, properties, table cells...)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_P, _W_TBL, _W_SDT, _W_SDT_CONTENT, _W_CUSTOM_XML = (
    f"{_W}{t}" for t in ("p", "tbl", "sdt", "sdtContent", "customXml")
)
_W_TXBX = f"{_W}txbxContent"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_PARAGRAPH = re.compile(rb"<(?:\w+:)?p[\s/>]")
_ELEMENT = re.compile(rb"<[^/?!]")


def check_bounds(path: Path, part: str = "word/document.xml", kind: str = "Word file") -> None:
    """Refuse (ValueError, in plain words) a Word file (or another zipped document whose text is
    the zip's `part`) too big to be a policy, before parsing it. Only counts: the body is streamed
    from the zip, never built into a tree. A file that is not a zip is left to its reader."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    split = "; split it into smaller documents"
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise ValueError(
                f"the {kind} is too big: it unpacks to {unpacked // 2**20:,} MB "
                f"(a policy may have {MAX_UNPACKED_BYTES // 2**20} MB){split}"
            )
        try:
            body = archive.open(part)
        except (KeyError, zipfile.BadZipFile, OSError):
            return
        paragraphs = elements = read = 0
        carry = b""
        with body:
            while chunk := body.read(1 << 20):
                read += len(chunk)
                if read > MAX_UNPACKED_BYTES:  # the zip's sizes can lie
                    raise ValueError(f"the {kind} is too big to read{split}")
                data = carry + chunk
                cut = data.rfind(b"<")  # a tag cut by the chunk's end is counted with the next
                data, carry = (data[:cut], data[cut:]) if cut >= 0 else (data, b"")
                paragraphs += len(_PARAGRAPH.findall(data))
                elements += len(_ELEMENT.findall(data))
        paragraphs += len(_PARAGRAPH.findall(carry))
        elements += len(_ELEMENT.findall(carry))
    if paragraphs > MAX_PARAGRAPHS:
        raise ValueError(
            f"the {kind} is too big: it has {paragraphs:,} paragraphs "
            f"(a policy may have {MAX_PARAGRAPHS:,}){split}"
        )
    if elements > MAX_ELEMENTS:
        raise ValueError(
            f"the {kind} is too big: its text has {elements:,} parts "
            f"(a policy may have {MAX_ELEMENTS:,}){split}"
        )


def _style(paragraph: Any, styles: dict[str | None, Any]) -> Any:
    """The paragraph's style, looked up once per style id: python-docx searches every style of
    the document on each lookup, milliseconds a paragraph in Word's default template."""
    style_id = paragraph._p.style
    if style_id not in styles:
        styles[style_id] = paragraph.style
    return styles[style_id]


def _numbering(paragraph: Any, style: Any) -> tuple[str, int] | None:
    """(numId, level) of a paragraph's numbering, from the paragraph or its style; None if none."""
    p_pr = paragraph._p.pPr
    num_pr = p_pr.numPr if p_pr is not None else None
    while num_pr is None and style is not None:
        s_pr = style.element.pPr
        num_pr = s_pr.numPr if s_pr is not None else None
        style = style.base_style
    if num_pr is None or num_pr.numId is None:
        return None
    num_id = str(num_pr.numId.val)
    if num_id == "0":  # numbering switched off
        return None
    level = int(num_pr.ilvl.val) if num_pr.ilvl is not None else 0
    return num_id, level


def paragraph_text(paragraph: Any) -> str:
    """A paragraph's text as the final document shows it, tracked changes accepted.

    python-docx's `paragraph.text` reads only the paragraph's own runs, so a
    tracked insertion (`w:ins`, a run inside it) is left out: the sentence
    reads as it did before the edit. Comments are in a part of their own and
    never read; a comment's anchor marks hold no text.
    """
    return "".join(piece for piece, _run in visible_pieces(paragraph._p))


def _cell_text(cell: Any) -> str:
    """A cell's paragraphs, a line each; a table inside it (a layout table's), a line a row."""
    from docx.text.paragraph import Paragraph

    lines = []
    for content in _contents(cell._tc, cell):
        lines += [paragraph_text(content)] if isinstance(content, Paragraph) else _row_lines(content)
    return "\n".join(lines)


def _table_rows(table: Any) -> list[list[str]]:
    """A table's rows of cell texts; none for an irregular table python-docx cannot lay out."""
    try:
        return [[_cell_text(cell) for cell in row.cells] for row in table.rows]
    except (IndexError, ValueError):
        return []


def _row_lines(table: Any) -> list[str]:
    """A table's rows, each its cells' text joined (a cell merged over columns once)."""
    return [" – ".join(cell for _, cell in distinct_cells(row)) for row in _table_rows(table)]


def tags_between(element: Any, anchor: Any) -> list[str]:
    """The tags of the elements between `element` and its ancestor `anchor` (neither counted)."""
    tags = []
    for ancestor in element.iterancestors() if element is not anchor else ():
        if ancestor is anchor:
            break
        tags.append(ancestor.tag)
    return tags


def _text_boxes(paragraph: Any) -> Iterator[Any]:
    """The text boxes and shapes with text anchored in a paragraph (`w:txbxContent`), read after
    it: a flowchart's steps, a callout ("If in doubt, speak to the DSL"). Word writes each twice,
    as a drawing and as an older VML fallback; the fallback, a box inside another box (read
    with it), a box in a tracked deletion and a form's label box (`_blank_field`) are not read."""
    for box in paragraph.iter(_W_TXBX):
        above = tags_between(box, paragraph)
        if not any(tag in (_MC_FALLBACK, _W_TXBX, *UNSEEN) for tag in above) and not _blank_field(box):
            yield box


def _blank_field(box: Any) -> bool:
    """A box holding only a label ("Notes:"): a form's field left for someone to fill in, with
    nothing to quote (as a form's table row of a label beside an empty cell)."""
    return label_only("".join(piece for p in box.iter(_W_P) for piece, _ in visible_pieces(p)))


def _diagrams(paragraph: Any, parent: Any) -> Iterator[Any]:
    """The words of the SmartArt diagrams drawn in a paragraph (`knowledge.docx_diagrams`), a
    paragraph a point, read after it as its text boxes are."""
    from docx.oxml import OxmlElement
    from docx.text.paragraph import Paragraph

    for diagram in paragraph.iter(DIAGRAM):
        if any(tag in (_MC_FALLBACK, *UNSEEN) for tag in tags_between(diagram, paragraph)):
            continue
        data = parent.part.related_parts.get(data_reference(diagram))
        for text in diagram_texts(data.blob) if data is not None else []:
            element, run, words = OxmlElement("w:p"), OxmlElement("w:r"), OxmlElement("w:t")
            words.text = text
            run.append(words)
            element.append(run)
            yield Paragraph(element, parent)


def _contents(element: Any, parent: Any) -> Iterator[Any]:
    """The paragraphs and tables of a body or a cell, in order, those inside content controls
    too: python-docx passes over a block-level `w:sdt`, where Word templates keep a cover page
    or a whole section of a policy, and a `w:customXml` wrapper, and their text would be lost
    without a word. A content control still showing its prompt is not text (`placeholder`)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in element.iterchildren():
        if child.tag == _W_P:
            yield Paragraph(child, parent)
            for box in _text_boxes(child):
                yield from _contents(box, parent)
            yield from _diagrams(child, parent)
        elif child.tag == _W_TBL:
            yield Table(child, parent)
        elif child.tag == _W_SDT and not placeholder(child):
            inner = child.find(_W_SDT_CONTENT)
            yield from _contents(inner, parent) if inner is not None else ()
        elif child.tag == _W_CUSTOM_XML:
            yield from _contents(child, parent)


def _format(word: Any, num_id: str, level: int, cache: dict[tuple[str, int], str]) -> str:
    """The numFmt of a list level ("decimal", "bullet", ...), "bullet" when unknown."""
    key = (num_id, level)
    if key not in cache:
        fmt = "bullet"
        try:
            numbering = word.part.numbering_part.element
            abstract = numbering.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
            if abstract:
                found = numbering.xpath(
                    f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]'
                    f'/w:lvl[@w:ilvl="{level}"]/w:numFmt/@w:val'
                )
                fmt = str(found[0]) if found else fmt
        except (KeyError, NotImplementedError, AttributeError):
            pass
        cache[key] = fmt
    return cache[key]


def _parts(word: Any) -> tuple[str, list[Part]]:
    from docx.table import Table

    counters: dict[str, list[int]] = {}
    formats: dict[tuple[str, int], str] = {}
    styles: dict[str | None, Any] = {}
    looks = Looks(word)
    body = list(_contents(word.element.body, word._body))
    lines = {c._p: looks.lines(c) for c in body if not isinstance(c, Table)}
    out = Assembly(body_style(list(lines.values())))
    for content in body:
        if isinstance(content, Table):
            out.table(_table_rows(content))
            continue
        word_style = _style(content, styles)
        style = ((word_style.name if word_style is not None else "") or "").lower()
        numbering = _numbering(content, word_style)
        item = None
        if numbering is not None:
            num_id, level = numbering
            decimal = _format(word, num_id, level, formats) == "decimal"
            item = (level, next_number(counters, num_id, level) if decimal else "")
        out.paragraph(
            paragraph_text(content).strip(),
            style,
            partial(lines.__getitem__, content._p),
            partial(looks.bold_opening, content),
            item,
        )
    return out.title, out.parts


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file, not a zip


def read_docx(path: Path) -> Document:
    with path.open("rb") as file:
        if file.read(len(_OLE)) == _OLE:
            return _not_a_zip(path)
    check_bounds(path)
    try:
        word = _open(path)
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError on damaged files
        raise ValueError(f"unreadable Word file ({type(exc).__name__})") from None
    title, parts = _parts(word)
    blocks = blocks_of(parts)
    if not blocks:
        raise ValueError("the Word file has no text")
    core = word.core_properties.title or ""
    own = title or (" ".join(core.split()) if sensible_title(core) else "") or opening_heading(parts)
    return Document(name=path.name, title=own or title_from_name(path), blocks=blocks)


# The main part of a Word document with macros (.docm) and of a template (.dotx, .dotm): the
# same markup as a document's, under another name. Their text is read as a .docx's; macros are
# never run, nor read.
_OTHER_WORD_MAINS = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)


def _open(path: Path) -> Any:
    """The file as python-docx reads a .docx, a document with macros or a template too: its
    `Document()` takes only a .docx, though the others differ from it in name alone."""
    from docx.opc.constants import CONTENT_TYPE
    from docx.opc.part import PartFactory
    from docx.package import Package
    from docx.parts.document import DocumentPart

    for content_type in _OTHER_WORD_MAINS:
        PartFactory.part_type_for.setdefault(content_type, DocumentPart)
    main = Package.open(str(path)).main_document_part
    if main.content_type not in (CONTENT_TYPE.WML_DOCUMENT_MAIN, *_OTHER_WORD_MAINS):
        raise ValueError(f"not a Word document ({main.content_type})")
    return main.document


def _not_a_zip(path: Path) -> Document:
    """A .docx that is an OLE file: password-protected (Word keeps such a file encrypted inside
    one) or a Word 97-2003 file given the newer name, which is read as what it is."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            encrypted = ole.exists("EncryptedPackage")
    except OSError:
        raise ValueError("unreadable Word file (damaged)") from None
    if encrypted:
        raise ValueError("the Word file needs a password to open: save a copy without one and send that")
    return read_doc(path)
