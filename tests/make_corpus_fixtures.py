#!/usr/bin/env python3
"""Make Word and PDF versions of three documents of the DfE devices guidance corpus.

Schools keep their policies as Word files and PDFs exported from Word, not as
Markdown, so these fixtures carry the same text in those formats:

- `.docx` written with python-docx: Word's own Heading 1-3, List Bullet,
  List Bullet 2 and List Number styles, a title, and the specification table
  as a real Word table;
- `.pdf` written by `search_fixtures.paged_pdf`: A4 pages with a running
  header, a footer and "Page N of M", text wrapped as a word processor would.

Only the Markdown syntax is removed (links keep their text, images and HTML
tags go); the words are the source's. Run from the repository root:

    .venv/bin/python tests/make_corpus_fixtures.py

and commit what it writes to tests/data/corpora/dfe-devices-guidance-formats/.
The Word 97-2003 (.doc) copies there are the .docx files saved by LibreOffice:

    soffice --headless --convert-to doc --outdir DIR DIR/*.docx
"""

from __future__ import annotations

import html
import re
import sys
import textwrap
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import docx
from docx.shared import Pt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_fixtures import paged_pdf  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "corpora"
SOURCE = DATA / "dfe-devices-guidance"
OUT = DATA / "dfe-devices-guidance-formats"

DOCUMENTS = {
    "safeguarding_for_device_users.md": "Safeguarding for device users",
    "device_distribution_and_ownership.md": "Device distribution and ownership",
    "device_specification.md": "Device specification",
}
HEADER = "Department for Education - Get help with technology"
ROWS_PER_PAGE = 44
WRAP = 88  # characters of 11 pt Helvetica across an A4 page with 2 cm margins


@dataclass
class Item:
    kind: str  # "heading", "para", "bullet", "number", "table"
    text: str = ""
    level: int = 1
    rows: list[list[str]] | None = None


class _TableParser(HTMLParser):
    """Rows of cell texts from an HTML table (th and td alike)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self.cell)).strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def inline(text: str) -> str:
    """Markdown and HTML inline syntax removed, the words kept."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text)  # HTML tags
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = text.replace("\\_", "_").replace("\\\\", "\\")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def parse(markdown: str) -> list[Item]:
    tables: list[list[list[str]]] = []

    def keep_table(match: re.Match) -> str:
        parser = _TableParser()
        parser.feed(match.group(0))
        tables.append([r for r in parser.rows if r])
        return f"\n\n@@TABLE{len(tables) - 1}@@\n\n"

    text = re.sub(r"<table.*?</table>", keep_table, markdown, flags=re.S)
    text = re.sub(r"<caption.*?</caption>", "", text, flags=re.S)
    text = re.sub(
        r"<h([1-6])[^>]*>\s*(.*?)\s*</h\1>",
        lambda m: "\n\n" + "#" * int(m.group(1)) + " " + m.group(2) + "\n\n",
        text,
        flags=re.S,
    )

    items: list[Item] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            words = inline(" ".join(para))
            if words:
                items.append(Item("para", words))
            para.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if m := re.match(r"@@TABLE(\d+)@@$", stripped):
            flush()
            items.append(Item("table", rows=tables[int(m.group(1))]))
        elif m := re.match(r"^(#{1,6})\s*(.+?)\s*#*$", stripped):
            flush()
            items.append(Item("heading", inline(m.group(2)), level=min(len(m.group(1)) - 1, 3) or 1))
        elif m := re.match(r"^(\s*)[*+-]\s+(.*)$", line):
            flush()
            items.append(Item("bullet", inline(m.group(2)), level=2 if len(m.group(1)) >= 2 else 1))
        elif m := re.match(r"^\s*\d+\.\s+(.*)$", line):
            flush()
            items.append(Item("number", inline(m.group(1))))
        elif items and items[-1].kind in ("bullet", "number") and not para and line.startswith((" ", "\t")):
            continued = inline(stripped)  # a list item's indented continuation or image
            if continued:
                items[-1].text += " " + continued
        else:
            para.append(stripped)
    flush()
    return [i for i in items if i.kind == "table" or i.text]


def write_docx(title: str, items: list[Item], path: Path) -> None:
    word = docx.Document()
    word.core_properties.title = title
    word.core_properties.author = "Department for Education"
    word.styles["Normal"].font.size = Pt(11)
    word.add_heading(title, level=0)
    for item in items:
        if item.kind == "heading":
            word.add_heading(item.text, level=item.level)
        elif item.kind == "bullet":
            word.add_paragraph(item.text, style="List Bullet" if item.level == 1 else "List Bullet 2")
        elif item.kind == "number":
            word.add_paragraph(item.text, style="List Number")
        elif item.kind == "table":
            width = max(len(r) for r in item.rows)
            table = word.add_table(rows=len(item.rows), cols=width)
            table.style = "Table Grid"
            for r, row in enumerate(item.rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
                    if r == 0 or c == 0:
                        for run in table.cell(r, c).paragraphs[0].runs:
                            run.bold = True
        else:
            word.add_paragraph(item.text)
    section = word.sections[0]
    section.header.paragraphs[0].text = f"{HEADER}: {title}"
    section.footer.paragraphs[
        0
    ].text = "Source: get-help-with-tech.education.gov.uk (Open Government Licence v3.0)"
    word.save(path)


def pdf_rows(title: str, items: list[Item]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [("h", title), ("", "")]
    number = 0
    for item in items:
        if item.kind != "number":
            number = 0
        if item.kind == "heading":
            rows += [("", ""), ("h", item.text)]
        elif item.kind == "bullet":
            indent = "    " if item.level == 2 else ""
            lines = textwrap.wrap(item.text, WRAP - 4 - len(indent))
            rows += [("b", indent + ("\u2022 " if i == 0 else "   ") + line) for i, line in enumerate(lines)]
        elif item.kind == "number":
            number += 1
            lines = textwrap.wrap(item.text, WRAP - 4)
            rows += [("b", (f"{number}. " if i == 0 else "    ") + line) for i, line in enumerate(lines)]
        elif item.kind == "table":
            header, *body = item.rows
            for row in body:  # one block per row, as a table flattened to text reads
                rows.append(("h", row[0]))
                for name, cell in zip(header[1:], row[1:], strict=False):
                    rows += [("b", line) for line in textwrap.wrap(f"{name}: {cell}", WRAP)]
                rows.append(("", ""))
        else:
            rows += [("b", line) for line in textwrap.wrap(item.text, WRAP)]
            rows.append(("", ""))
    return rows


def paginate(rows: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    pages: list[list[tuple[str, str]]] = [[]]
    for row in rows:
        full = len(pages[-1]) >= ROWS_PER_PAGE
        # A heading never ends a page: move it to the next one.
        orphan = row[0] == "h" and len(pages[-1]) >= ROWS_PER_PAGE - 2
        if full or orphan:
            pages.append([])
        if pages[-1] or row[1]:  # no blank row at the top of a page
            pages[-1].append(row)
    return pages


def safe_cp1252(text: str) -> str:
    return text.encode("cp1252", "replace").decode("cp1252")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, title in DOCUMENTS.items():
        items = parse((SOURCE / name).read_text(encoding="utf-8"))
        stem = Path(name).stem
        write_docx(title, items, OUT / f"{stem}.docx")
        rows = [(style, safe_cp1252(text)) for style, text in pdf_rows(title, items)]
        pages = paginate(rows)
        (OUT / f"{stem}.pdf").write_bytes(
            paged_pdf(pages, f"{HEADER}: {title}", "Open Government Licence v3.0")
        )
        print(f"{stem}: {len(items)} blocks, {len(pages)} PDF pages")


if __name__ == "__main__":
    main()
