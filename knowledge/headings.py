"""Numbered headings: "2. Personal devices", "3.1 Social media", "Section 4 – Monitoring".

Most school policies number their sections. A numbered line looks like a list
item, so it is a heading only when it is short and title-like, and (decided in
`knowledge.chunking`) when its number continues the document's numbering
rather than a list that a lead-in opened.

A line that ends on a word no title ends on ("Keep in touch days can be used
by helping staff to") is the start of a sentence leading into what follows,
never a title, numbered or not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})(?:[.)]|(?=\s))\s+(?P<title>\S.*)$")
_LABELLED = re.compile(
    r"^(?P<word>section|part|appendix|annex|annexe|schedule|chapter)\s+"
    r"(?P<label>\d{1,2}(?:\.\d{1,2})*|[A-Z]|[IVX]{1,5})(?![\w.])\s*(?:[:.–—-]\s*)?(?P<title>.*)$",
    re.IGNORECASE,
)
_TITLE_END = (".", ":", ";", ",", "!", "?")
MAX_TITLE_WORDS = 12
# Words and marks a sentence goes on after: articles, prepositions and conjunctions, "that"
# and a dash or ampersand, in lower case as inside a sentence ("Q&A" and "Plan A" end titles).
# Particles ("log in", "sign out") and verbs ("Who we are") end titles too.
_LEAD_IN_END = re.compile(
    r"(?:\b(?:to|that|the|a|an|and|or|nor|but|of|for|by|with|from|into|as|than|because|whether"
    r"|including|such\s+as)|[-–—&])$"
)
LEAD_IN_WORDS = 10  # a line this long, with a list after it, reads as the list's lead-in


def reads_as_lead_in(line: str) -> bool:
    """A line that stops where a sentence goes on: "... by helping staff to", "... as well as"."""
    return _LEAD_IN_END.search(line.strip()) is not None


@dataclass(frozen=True)
class NumberedHeading:
    """A numbered title line: its number as integers ("3.1" -> (3, 1)) or a label ("Appendix B")."""

    number: tuple[int, ...]  # empty for a labelled heading
    labelled: bool


def _title_like(title: str) -> bool:
    words = title.split()
    return (
        0 < len(words) <= MAX_TITLE_WORDS
        and not title.endswith(_TITLE_END)
        and (title[0].isupper() or title[0].isdigit() or title[0] in "\"'‘“(")
        and re.search(r"[A-Za-z]{2,}", title) is not None
        and not reads_as_lead_in(title)
    )


def numbered_heading(line: str) -> NumberedHeading | None:
    """The numbering of a short, title-like numbered line; None for anything else."""
    text = line.strip()
    if not text or "\n" in text:
        return None
    labelled = _LABELLED.match(text)
    if labelled:
        title = labelled.group("title").strip()
        if title and not _title_like(title):
            return None
        label = labelled.group("label")
        number = tuple(int(n) for n in label.split(".")) if label[0].isdigit() else ()
        return NumberedHeading(number, labelled=True)
    numbered = _NUMBERED.match(text)
    if numbered and _title_like(numbered.group("title").strip()):
        return NumberedHeading(tuple(int(n) for n in numbered.group("num").split(".")), labelled=False)
    return None


def list_number(line: str) -> int | None:
    """The number of a single-level numbered list line ("3. Report it" -> 3), else None."""
    match = re.match(r"^\s*(\d{1,2})[.)]\s+\S", line)
    return int(match.group(1)) if match else None


def continues(number: tuple[int, ...], last: tuple[int, ...] | None) -> bool:
    """Whether `number` can follow the heading numbered `last` (next sibling at any level, or a child)."""
    if not number:
        return True
    if last is None or not last:
        return True
    if number == last + (1,):
        return True
    for depth in range(len(last)):
        if len(number) == depth + 1 and number[:depth] == last[:depth] and number[depth] == last[depth] + 1:
            return True
    return False


# The names sections start with: an opening heading with one of these is not the document's title.
_SECTION_NAME = re.compile(
    r"^(?:introduction|purpose|scope|aims?|contents|rationale|overview|background|summary"
    r"|definitions|policy statement|statement of intent|key contacts)\b",
    re.IGNORECASE,
)


# The words a document's name has that a cover's other lines (the school's name, a date) lack.
KIND_OF_DOCUMENT = re.compile(
    r"\b(?:policy|policies|procedures?|guidance|statement|code|plan|protocol|handbook|charter)\b",
    re.IGNORECASE,
)


def names_the_document(opening: str) -> bool:
    """Whether a document's opening heading is its name: not numbered ("1. Scope") and not a
    section's name ("Introduction", "Purpose")."""
    return numbered_heading(opening) is None and not _SECTION_NAME.match(opening)
