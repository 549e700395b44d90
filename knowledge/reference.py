"""Sections that are about the document rather than rules for staff.

A change history, a version-control table, a contents page or a "Legal
framework" list of Acts and links is not what a member of staff asks about;
indexed, it only crowds real answers out. Such a section is left out only when
its heading says what it is and its body holds no rule (conservative: a
section with a "must" or a "should" in a sentence stays).
"""

from __future__ import annotations

import re

from .model import Block

_DOCUMENT_CONTROL = re.compile(
    r"\b(?:change|version|revision|review|amendment|document)\s+"
    r"(?:history|control|log|record|information|details)\b|\bversion\s+control\b",
    re.IGNORECASE,
)
_REFERENCES = re.compile(
    r"\b(?:legal\s+framework|legislation|statutory\s+(?:framework|guidance)|references|bibliography"
    r"|related\s+(?:policies|documents|guidance|legislation)|further\s+(?:reading|information|guidance)"
    r"|useful\s+(?:links|resources|websites)|external\s+links|sources)\b",
    re.IGNORECASE,
)
_RULE = re.compile(
    r"\b(?:must|should|shall|will|may\s+not|are\s+(?:required|expected)|is\s+(?:required|expected)|never)\b",
    re.IGNORECASE,
)
_CITATION = re.compile(
    r"https?://|www\.|\b(?:Act|Regulations|Order|Guidance|Code of Practice)\b|\b(?:19|20)\d\d\b|\bDfE\b",
)
_ITEM_MARK = re.compile(r"^\s*(?:[-•*–·]|\d{1,2}[.)])\s+")
_CONTENTS = re.compile(r"^\s*(?:table\s+of\s+)?contents\s*$", re.IGNORECASE)
# A contents line ends with its page number, after dot leaders, a tab or a space ("2. Scope ..... 3").
_PAGE_REFERENCE = re.compile(r"(?:\.{2,}|…|\s)\s*\d{1,3}$")


def _lines(blocks: list[Block]) -> list[str]:
    return [_ITEM_MARK.sub("", line).strip() for b in blocks for line in b.text.split("\n") if line.strip()]


def _has_rule(lines: list[str]) -> bool:
    """A sentence of some length with a modal verb: policy, not a citation or a table row."""
    return any(len(line.split()) >= 6 and _RULE.search(line) for line in lines)


def is_reference_section(heading: str, blocks: list[Block]) -> bool:
    """A document-control table, a contents list, or a list that is mostly links or citations, under a
    heading saying so."""
    lines = _lines(blocks)
    if not lines or _has_rule(lines):
        return False
    if _DOCUMENT_CONTROL.search(heading):
        return True
    if _CONTENTS.match(heading):  # a list of the headings and their pages
        return sum(bool(_PAGE_REFERENCE.search(line)) for line in lines) >= 0.6 * len(lines)
    if not _REFERENCES.search(heading):
        return False
    link_texts = {text.strip() for b in blocks for text, _url in b.links}
    items = [line for line in lines if not line.endswith(":")]  # a lead-in is not an item
    cited = [line for line in items if line in link_texts or _CITATION.search(line)]
    return bool(items) and len(cited) >= 0.6 * len(items)
