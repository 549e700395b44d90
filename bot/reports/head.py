"""Does a text name the Head Teacher? Reports and questions that do never reach the Head.

KCSIE: concerns about the Head Teacher go to the chair of governors. The role words (head,
head teacher, headteacher, headmaster, headmistress, principal, head of school, HT, H/T) and the
Head's name (when `[school] head_teacher_name` is set) count; "deputy head", "assistant head",
"head of year" and "heads up" do not. When in doubt the answer is yes: the chair is the safe side.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_ROLE = re.compile(
    r"\b(head[\s-]*teachers?|head[\s-]*masters?|head[\s-]*mistress(?:es)?|principals?|head\s+of\s+school"
    r"|h\s*/\s*t|heads?)\b",
    re.IGNORECASE,
)
# "HT" only in capitals or after "the"/"our"/"my" ("our ht"): in lower case alone it is too often
# something else ("ht" for height in a risk assessment).
_HT = re.compile(r"\b(?:the|our|my|your)\s+ht\b", re.IGNORECASE)
_HT_CAPITALS = re.compile(r"\bHT\b")
_NOT_BEFORE = re.compile(r"\b(deputy|assistant|vice|acting deputy)[\s-]*$", re.IGNORECASE)
_NOT_AFTER = re.compile(r"^\s*(of\b|up\b|lice\b|ache\b|count\b|first\b|office\b)", re.IGNORECASE)
MIN_NAME_PART = 3
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "prof"})
# The school's own title for its Head when the role words above miss it ("Manager", "Warden"),
# set as the bot starts (`use_head_title`).
_OWN_TITLE: list[re.Pattern[str]] = []


def use_head_title(title: str) -> None:
    """A school that calls its Head "the Manager": a text naming that title names the Head."""
    _OWN_TITLE.clear()
    title = " ".join(title.split())
    if title and not _ROLE.fullmatch(title):
        _OWN_TITLE.append(re.compile(rf"\b{re.escape(title)}\b", re.IGNORECASE))


# A bare "head" is the Head Teacher after "the" or "our"; after anything else ("bumped her head",
# "hit his head on the coach") it may be a body part, and the reporter is asked (`unclear_head`).
_THE_HEAD = re.compile(r"\b(?:the|our)\s+$", re.IGNORECASE)


def unclear_head(text: str, head_names: Iterable[str] = ()) -> str | None:
    """The words that may or may not mean the Head Teacher ("her head"), when nothing else in
    `text` names the Head for sure; None when the text is clear either way. Asking the reporter
    one question is better than guessing: a wrong yes takes a report about a child away from the
    Head, a wrong no shows the Head a report about them."""
    if _HT_CAPITALS.search(text) or _HT.search(text) or _by_name(text, head_names) or _by_title(text):
        return None
    unclear: str | None = None
    for match in _role_mentions(text):
        before = text[: match.start()]
        if match.group(1).lower() not in ("head", "heads") or _THE_HEAD.search(before):
            return None  # a clear mention
        unclear = " ".join([*re.findall(r"[\w']+", before)[-1:], match.group(1)])
    return unclear


def names_head(text: str, head_names: Iterable[str] = ()) -> bool:
    """True when `text` names the Head Teacher by role, by the school's own title for them, or by (a
    part of) their configured name."""
    if _HT_CAPITALS.search(text) or _HT.search(text):
        return True
    return any(_role_mentions(text)) or _by_name(text, head_names) or _by_title(text)


def _role_mentions(text: str) -> Iterator[re.Match[str]]:
    """The role words in `text` that count: not "deputy head", "head of year", "head lice"."""
    for match in _ROLE.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        if _NOT_BEFORE.search(before):
            continue
        if match.group(1).lower() in ("head", "heads") and _NOT_AFTER.match(after):
            continue
        yield match


def _by_title(text: str) -> bool:
    return any(title.search(text) for title in _OWN_TITLE)


def _by_name(text: str, head_names: Iterable[str]) -> bool:
    for name in head_names:
        for part in re.findall(r"\w+", name):
            if (
                len(part) >= MIN_NAME_PART
                and part.lower() not in TITLES
                and re.search(rf"\b{re.escape(part)}\b", text, re.IGNORECASE)
            ):
                return True
    return False
