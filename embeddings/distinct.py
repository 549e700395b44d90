"""Distinct passages: a ranking without the passages that repeat one ranked above them.

A school's policies repeat their boilerplate word for word across documents (a safeguarding
contact paragraph, a device's set-up steps), so a choice of three could offer the same words
twice, and a passage could never lead its own copy by the answer lead. On the DfE guidance
(247 passages) 28 pairs of passages share nine in ten of their words, and the first three
passages of 2 of its 60 tuning questions held such a pair.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

SAME_WORDS = 0.9  # share of their words (of both together) above which two passages say the same
LOOK = 10  # how far down copies are looked for: a choice shows 3, the CLI's --top-k rarely more


# The same passages come back among the first twenty of question after question: their word sets
# are kept (leaving repeats out of the first twenty: 0.52 -> 0.15 ms, in one run), for 512
# passages at most, about 3 MB (a word set of 60 words is some 5 kB).
@lru_cache(maxsize=512)
def words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


# Most pairs differ in size too much to be copies (five in six of the first twenty's pairs against
# 10,000 passages), which a passage's word count tells without its word set: counts are kept for
# many more passages than sets are (an int each), so a large index mostly skips making the sets.
@lru_cache(maxsize=32_768)
def word_count(text: str) -> int:
    return len(words(text))


def sizes_allow(a: int, b: int) -> bool:
    """Whether sets of a and b words could share SAME_WORDS of their words: the share is never
    more than the smaller set's size over the larger's."""
    return a > 0 and b > 0 and min(a, b) / max(a, b) >= SAME_WORDS


def same_words(a: frozenset[str], b: frozenset[str]) -> bool:
    if not sizes_allow(len(a), len(b)):
        return False
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) >= SAME_WORDS


def says_the_same(a: str, b: str) -> bool:
    """Whether two passages' texts are copies (as `distinct` judges them)."""
    return a == b or same_words(words(a), words(b))


def distinct(
    order: Sequence[tuple[int, float]], text_of: Callable[[int], str], look: int = LOOK
) -> list[tuple[int, float]]:
    """`order` (passage number, score) without the passages among its first `look` that say
    what one ranked above them says; the first of each kind keeps its place."""
    kept: list[tuple[int, float]] = []
    seen: list[tuple[int, str]] = []  # word count and text of each passage kept
    for item, score in order[:look]:
        text = text_of(item)
        count = word_count(text)
        if any(sizes_allow(count, n) and same_words(words(text), words(other)) for n, other in seen):
            continue
        kept.append((item, score))
        seen.append((count, text))
    return kept + list(order[look:])
