"""Telegram's limits and how text is escaped and fitted to them: the one set of rules every
wording module uses.

Two rules must never break: policy text is quoted word for word (only HTML-escaped, never
reworded) and no message exceeds Telegram's limit, counted as Telegram counts it (UTF-16
code units, tags included). The limits are python-telegram-bot's own constants, so they
change with the library rather than by hand.
"""

from __future__ import annotations

import html
import re

from telegram.constants import CallbackQueryLimit, InlineKeyboardButtonLimit, MessageLimit

MESSAGE_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096 UTF-16 units
CALLBACK_DATA_LIMIT = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # 64 bytes
ALERT_LIMIT = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)  # 200 characters
# What a message may take and still fit one phone screen (≈): a longer one comes a page at a time
# with Previous / Next, or is cut with where to read the rest. Counted like MESSAGE_LIMIT.
PHONE_SCREEN = 700
MAX_HEADING_CHARS = 200
ELLIPSIS = "…"


def tg_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji outside the BMP counts 2."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """HTML-escape for Telegram: &, < and > (quotes are fine in text)."""
    return html.escape(text, quote=False)


def fit_escaped(raw: str, budget: int, suffix: str = ELLIPSIS) -> str:
    """`raw` escaped whole when it fits in `budget` UTF-16 units; else its longest prefix that
    fits with `suffix` (already HTML) after it. Cut at a character, never inside an entity."""
    escaped = esc(raw)
    if tg_len(escaped) <= budget:
        return escaped
    room = max(budget - tg_len(suffix), 0)
    lo, hi = 0, len(raw)
    while lo < hi:  # the longest prefix whose escaped form fits
        mid = (lo + hi + 1) // 2
        if tg_len(esc(raw[:mid])) <= room:
            lo = mid
        else:
            hi = mid - 1
    return esc(raw[:lo]) + suffix


def heading(text: str, limit: int = MAX_HEADING_CHARS) -> str:
    """A heading or name inside a message: escaped, cut with "…" past `limit`."""
    return fit_escaped(text, limit)


def fit(head: str, body: str, tail: str = "") -> str:
    """head + escaped body + tail within the message limit; only the body is shortened."""
    budget = MESSAGE_LIMIT - tg_len(head) - tg_len(tail)
    return head + fit_escaped(body, max(budget, 0)) + tail


def split_escaped(raw: str, size: int, first: int | None = None) -> list[str]:
    """`raw` escaped in pieces, the first within `first` UTF-16 units (default `size`; it may be
    empty), the others within `size`, never cutting an entity; a piece ends after a word when a
    word ends in its last fifth. For text staff typed; a quote is cut at sentences instead."""
    pieces: list[str] = []
    rest, budget = raw, size if first is None else first
    while rest:
        taken = len(html.unescape(fit_escaped(rest, max(budget, 0), "")))
        if taken < len(rest):
            space = rest.rfind(" ", 0, taken)
            if space > taken * 4 // 5:
                taken = space + 1
        if taken == 0 and budget == size:  # one character wider than a piece: never loop forever
            taken = 1
        pieces.append(esc(rest[:taken].rstrip()))
        rest, budget = rest[taken:], size
    return pieces or [""]


SNIPPET_WORDS = 30


def first_words(text: str, budget: int = MESSAGE_LIMIT, words: int = SNIPPET_WORDS) -> str:
    """The passage's first words (at most `words`), escaped, within `budget` UTF-16 units,
    cut at a word with " …" when any are left out: enough to recognise it, quoted as written."""
    parts = text.split()
    shown: list[str] = []
    for word in parts[:words]:
        if tg_len(esc(" ".join([*shown, word]))) + 2 > budget:
            break
        shown.append(word)
    if not shown:  # one very long word: a cut word is better than nothing
        return fit_escaped(text, max(budget - 2, 1), "") + " …"
    return esc(" ".join(shown)) + (" …" if len(shown) < len(parts) else "")


# Where a quote may be cut: the white space after a sentence's end, or a line break (list items).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")
_WORD_BREAK = re.compile(r"\s+")


def split_at_sentences(text: str, room: int) -> list[str]:
    """`text` (raw) cut into runs of whole sentences, each within `room` once escaped (a sentence
    longer than that, rarely: a table row, cut between words). Only the white space at a cut is
    left out, so the runs are the text, word for word, in order. For a quote read as it is
    written; `split_escaped` cuts text staff typed, after a word where it can."""
    spans = _spans(text, _SENTENCE_BREAK, 0, len(text))
    fine = [piece for start, end in spans for piece in _fitting(text, start, end, room)]
    runs: list[tuple[int, int]] = []
    for start, end in fine:
        if runs and tg_len(esc(text[runs[-1][0] : end])) <= room:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return [text[start:end] for start, end in runs]


def _spans(text: str, breaks: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    """The stretches of text[start:end] between the matches of `breaks`, none empty."""
    spans, at = [], start
    for match in breaks.finditer(text, start, end):
        if match.start() > at:
            spans.append((at, match.start()))
        at = match.end()
    if at < end:
        spans.append((at, end))
    return spans


def _fitting(text: str, start: int, end: int, room: int) -> list[tuple[int, int]]:
    if tg_len(esc(text[start:end])) <= room:
        return [(start, end)]
    return _spans(text, _WORD_BREAK, start, end)


def pack(blocks: list[str], limit: int = MESSAGE_LIMIT, separator: str = "\n") -> list[str]:
    """Join complete HTML blocks into as few messages as fit in `limit` UTF-16 units."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        joined = f"{current}{separator}{block}" if current else block
        if tg_len(joined) <= limit:
            current = joined
        else:
            if current:
                messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def join_within(lines: list[str], limit: int = MESSAGE_LIMIT - 50) -> str:
    """Whole lines up to `limit` UTF-16 units, then "…" (cutting a line could cut an HTML tag)."""
    whole = "\n".join(lines)
    if tg_len(whole) <= limit:
        return whole
    out: list[str] = []
    used = tg_len(ELLIPSIS)  # the "…" line that closes a cut list
    for line in lines:
        if used + tg_len(line) + 1 > limit:
            break
        out.append(line)
        used += tg_len(line) + 1
    return "\n".join([*out, ELLIPSIS])


def button_label(text: str, limit: int) -> str:
    """Button text is plain (no HTML); long headings are cut with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s[^<>]*)?>", re.IGNORECASE)


def plain(text: str) -> str:
    """A message's text as a tap's alert shows it: alerts take no HTML, so tags go and entities are
    read back ("&amp;" is "&"); cut at a word within the alert's limit, never mid-word."""
    words = html.unescape(_TAG.sub("", text))
    if len(words) <= ALERT_LIMIT:
        return words
    cut = words[: ALERT_LIMIT - 1]
    if " " in cut and not words[ALERT_LIMIT - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + ELLIPSIS
