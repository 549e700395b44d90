"""Where a passage that is too long for a phone may be cut: at the end of a sentence.

A cut is a slice of the policy's own text, so every piece stays word for
word. Places to cut are tried in order, each only for a piece the ones before
could not bring under the limit:

1. the end of a paragraph or a list item: a blank line, a line ending a
   sentence or a lead-in, the line before a list item or between the short
   lines of a plain list, so that a passage holds whole paragraphs and items;
2. the end of a sentence inside a line ("e.g.", "Mr." and initials are not ends);
3. before a sub-item (an indented line), or any line break: a list item with
   many sub-items is cut between them rather than inside a sentence;
4. the end of a clause (";", ":", ",", a dash), for a sentence longer than a passage;
5. between words, for a run of words with no punctuation at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_ITEM = re.compile(r"^\s*(?:[-•*–·]|\d{1,2}(?:\.\d{1,2})*[.)]?|[a-z][.)])\s+")
_CLOSERS = r"[\"'”’)\]]*"  # quotes and brackets closing a sentence
_LINE_END = re.compile(rf"[.!?:;]{_CLOSERS}$")
_FULL_STOP = re.compile(rf"(?<=[.!?]){_CLOSERS}[ \t]+(?=[\"'‘“(]?[A-Z0-9•])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|mr|mrs|ms|dr|st|no|nos|vs|cf|approx|incl|dept|tel|fig|para|ref|ext|op|p|pp)"
    r"|(?<![\w.])[A-Z])\.$",
    re.IGNORECASE,
)
_LIST_NUMBER = re.compile(r"(?:^|\n)[ \t]*(?:\d{1,2}(?:\.\d{1,2})*|[A-Za-z])\.$")  # "8." opening an item
_CLAUSE = re.compile(r"(?<=[;:,])[ \t]+|[ \t]+(?=[–—][ \t])")
_WORD = re.compile(r"(?<=\S)\s+(?=\S)")
PLAIN_LIST_WORDS = 6  # as `knowledge.chunking.is_list`: a plain list's lines are this short


def _words(text: str) -> int:
    return len(text.split())


def line_cuts(text: str) -> list[int]:
    """Offsets where a paragraph or a list item ends at a line break and the next begins."""
    cuts: list[int] = []
    lines = text.split("\n")
    offset = 0
    for n, line in enumerate(lines[:-1]):
        offset += len(line) + 1
        after = lines[n + 1]
        if not after.strip() or after[:1] in " \t":
            continue  # a blank line cuts at the next text; an indented line belongs to the one above
        before = next((x for x in reversed(lines[: n + 1]) if x.strip()), "")
        if (
            not line.strip()
            or _LINE_END.search(before.rstrip())
            or _ITEM.match(after)
            or (_words(before) <= PLAIN_LIST_WORDS and _words(after) <= PLAIN_LIST_WORDS)
        ):
            cuts.append(offset)
    return cuts


def sentence_cuts(text: str) -> list[int]:
    """Offsets where a sentence ends and the next begins: at a line break or inside a line."""
    cuts = line_cuts(text)
    for match in _FULL_STOP.finditer(text):
        before = text[max(0, match.start() - 12) : match.start()]
        if not _ABBREVIATION.search(before) and not _LIST_NUMBER.search(before):
            cuts.append(match.end())
    return sorted(set(cuts))


def _any_line_cuts(text: str) -> list[int]:
    return [m.end() for m in re.finditer(r"\n+", text)]


def _clause_cuts(text: str) -> list[int]:
    return [m.end() for m in _CLAUSE.finditer(text)]


def _word_cuts(text: str) -> list[int]:
    return [m.end() for m in _WORD.finditer(text)]


_LEVELS: tuple[Callable[[str], list[int]], ...] = (
    line_cuts,
    sentence_cuts,
    _any_line_cuts,
    _clause_cuts,
    _word_cuts,
)


def _pack(text: str, cuts: list[int], max_words: int) -> list[str]:
    """Greedy: each piece runs to the last cut that keeps it within `max_words`."""
    bounds = [0, *cuts, len(text)]
    pieces: list[str] = []
    start = 0
    for prev, cut in zip(bounds, bounds[1:], strict=False):
        if prev > start and _words(text[start:cut]) > max_words:
            pieces.append(text[start:prev].strip())
            start = prev
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def cut(text: str, max_words: int, level: int = 0) -> list[str]:
    """`text` as slices of at most `max_words` words, cut at the gentlest places that allow it."""
    if _words(text) <= max_words or level >= len(_LEVELS):
        return [text.strip()] if text.strip() else []
    out: list[str] = []
    for piece in _pack(text, _LEVELS[level](text), max_words):
        out += cut(piece, max_words, level + 1) if _words(piece) > max_words else [piece]
    return out
