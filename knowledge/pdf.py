"""PDF policies, read with pypdf as a person reads the printed pages.

Page furniture is removed: a line that repeats at the top or bottom of most
pages (digits aside: "Social Media Policy – page 3", "Reviewed September 2024")
and page-number lines ("Page 3 of 12", "3", "- 3 -"). Pages are then read as
one text, so a paragraph cut by a page break is joined again. PDF text has no
blank lines, so paragraphs end at a line ending a sentence, and short title
lines (numbered or not) are set apart as headings.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .headings import numbered_heading
from .model import Document
from .text import TITLE_LINE, clean_glyphs, split_blocks, with_title

_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE
)
_EDGE_LINES = 3  # furniture is looked for among the first and last lines of a page
_BULLET_START = re.compile(r"^(?:[-•*–·]|\d{1,2}[.)])\s+")


def read_pdf(path: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ValueError(f"unreadable PDF ({exc})") from None
    except Exception as exc:  # pypdf raises a wide variety on damaged files
        raise ValueError(f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    if not "".join(pages).strip():
        raise ValueError("the PDF has no text layer (a scan?)")
    return document_from_pages(path, pages)


# Word's second-level bullet in Courier New: "o" and a tab or spaces, then the item
_SUB_BULLET = re.compile(r"^o[ \t]+(?=[A-Za-z(])", re.MULTILINE)


def document_from_pages(path: Path, pages: list[str]) -> Document:
    """A PDF's document from the text of its pages, as pypdf extracts it."""
    pages = [_SUB_BULLET.sub("• ", clean_glyphs(page)) for page in pages]
    text = "\n".join(line for page in strip_page_furniture(pages) for line in page)
    # PDF text loses blank lines between paragraphs; a line ending a sentence ends a block. A
    # list stays one block with its lead-in: its items end in ";" or "." but do not end it, and
    # it starts a block of its own only after a paragraph (a line ending a sentence, no bullet).
    text = re.sub(r"([.:;!?])\n(?=[A-Z])", r"\1\n\n", text)
    text = re.sub(r"^((?![•\-–] ).*[.!?])\n(?=[•\-–] )", r"\1\n\n", text, flags=re.MULTILINE)
    return with_title(path, split_blocks(_separate_pdf_headings(text)))


def _shape(line: str) -> str:
    """A line with its digits ignored, to match a running header whose page number changes."""
    return re.sub(r"\d+", "#", " ".join(line.split()).lower())


def strip_page_furniture(pages: list[str]) -> list[list[str]]:
    """Each page's lines without running headers, footers and page numbers."""
    lines = [[line.strip() for line in page.split("\n") if line.strip()] for page in pages]
    seen: Counter[str] = Counter()
    for page in lines:
        edges = page[:_EDGE_LINES] + page[-_EDGE_LINES:]
        seen.update({_shape(line) for line in edges})
    repeated = {
        shape for shape, count in seen.items() if len(lines) >= 2 and count >= max(2, 0.6 * len(lines))
    }
    cleaned = []
    for page in lines:
        keep = list(page)
        # Trim from each edge while the line is furniture; stop at the first real line.
        while keep and (_shape(keep[0]) in repeated or _PAGE_NUMBER.match(keep[0])):
            keep.pop(0)
        while keep and (_shape(keep[-1]) in repeated or _PAGE_NUMBER.match(keep[-1])):
            keep.pop()
        cleaned.append(keep)
    return cleaned


def _separate_pdf_headings(text: str) -> str:
    """Put blank lines around a PDF heading line, so that it is a block of its own.

    Without them a heading is glued to the paragraph under it and never found.
    A heading line is short (well under the widest line, which a wrapped
    paragraph line is not), does not end like a sentence, is followed by a
    capitalised line, and follows the end of a sentence, a bullet, the title
    line or nothing (not a colon: lines after a colon are a plain list). A
    numbered title line ("2. Personal devices") may follow any line but a
    lead-in; whether it is a heading or a list item is decided with the
    document's numbering when sections are made.
    """
    lines = text.split("\n")
    widest = max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    before = ""  # the last non-empty line
    for i, line in enumerate(lines):
        stripped = line.strip()
        after = next((x.strip() for x in lines[i + 1 :] if x.strip()), "")
        numbered = numbered_heading(stripped) is not None and not before.endswith(":")
        plain = (
            stripped[:1].isupper()
            and (
                not before
                or before.endswith((".", ";", "!", "?"))
                or _BULLET_START.match(before)
                or TITLE_LINE.match(before)
            )
            and not stripped.endswith((".", ":", ";", ",", "!", "?"))
            and len(stripped.split()) <= 16
        )
        if (
            stripped
            and (after[:1].isupper() or (numbered and after[:1].isdigit()))
            and (numbered or plain)
            and len(stripped) < 0.7 * widest
        ):
            out += ["", line, ""]
        else:
            out.append(line)
        if stripped:
            before = stripped
    return "\n".join(out)
