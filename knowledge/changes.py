"""What changed between two versions of one policy, section by section.

Staff asked to read a changed policy should read the change, not the whole document again, so a
new version is compared with the previous one passage by passage and the differences are grouped
under their section headings: a section that is new, one that is gone, one whose passages were
reworded (some passages out, some in), and one whose heading changed while its words did not.
Only the policy's own words are kept (the passages as chunked); nothing is paraphrased.

Pure functions over (section, text) pairs, so the bot, the command line and the tests share them.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

ADDED, REMOVED, REWORDED, RENAMED = "added", "removed", "reworded", "renamed"
KINDS = (ADDED, REMOVED, REWORDED, RENAMED)


class Quoted(Protocol):
    """A passage as the diff needs it (knowledge.chunking.Passage is one)."""

    @property
    def section(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True)
class SectionChange:
    """One changed section: `before` the passages that went, `after` those that came, in order.

    For RENAMED, `section` is the new heading and `old_section` the previous one; the words are
    the same, so `before` and `after` are empty."""

    kind: str
    section: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    old_section: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "section": self.section,
            "before": list(self.before),
            "after": list(self.after),
            "old_section": self.old_section,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> SectionChange:
        before = data.get("before") or []
        after = data.get("after") or []
        return cls(
            kind=str(data.get("kind", REWORDED)),
            section=str(data.get("section", "")),
            before=tuple(str(t) for t in before) if isinstance(before, list) else (),
            after=tuple(str(t) for t in after) if isinstance(after, list) else (),
            old_section=str(data.get("old_section") or ""),
        )


def _same(text: str) -> str:
    """Spacing is layout, not wording: two passages that differ only there are the same."""
    return " ".join(text.split())


def by_section(passages: Sequence[Quoted]) -> dict[str, list[str]]:
    """Passages grouped under their heading, headings in document order."""
    grouped: dict[str, list[str]] = {}
    for passage in passages:
        grouped.setdefault(passage.section, []).append(passage.text)
    return grouped


def _reworded(section: str, old: list[str], new: list[str]) -> SectionChange | None:
    """The passages of one section that went and came, unchanged ones left out; None if none."""
    matcher = difflib.SequenceMatcher(a=[_same(t) for t in old], b=[_same(t) for t in new], autojunk=False)
    before: list[str] = []
    after: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            before += old[i1:i2]
            after += new[j1:j2]
    if not before and not after:
        return None
    return SectionChange(REWORDED, section, tuple(before), tuple(after))


def section_changes(old: Sequence[Quoted], new: Sequence[Quoted]) -> list[SectionChange]:
    """The changed sections of a document, in the new version's order; sections that are gone
    follow, in the old version's order. Empty when the words are the same."""
    old_sections, new_sections = by_section(old), by_section(new)
    gone = {name: texts for name, texts in old_sections.items() if name not in new_sections}
    renamed_from: dict[str, str] = {}
    for name, texts in new_sections.items():
        if name in old_sections:
            continue
        same_words = [old_name for old_name, old_texts in gone.items() if _words(old_texts) == _words(texts)]
        if same_words and same_words[0] not in renamed_from.values():
            renamed_from[name] = same_words[0]
    changes: list[SectionChange] = []
    for name, texts in new_sections.items():
        if name in renamed_from:
            changes.append(SectionChange(RENAMED, name, old_section=renamed_from[name]))
        elif name not in old_sections:
            changes.append(SectionChange(ADDED, name, after=tuple(texts)))
        elif (change := _reworded(name, old_sections[name], texts)) is not None:
            changes.append(change)
    taken = set(renamed_from.values())
    changes += [
        SectionChange(REMOVED, name, before=tuple(texts)) for name, texts in gone.items() if name not in taken
    ]
    return changes


def _words(texts: list[str]) -> list[str]:
    return [_same(t) for t in texts]
