"""What staff read when they ask: a policy passage quoted word for word, "did you mean",
not covered, "Ask the Head Teacher", /topics, and the buttons under an answer."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Protocol

from .common import ROLE_TITLES, titles
from .telegram import (
    MESSAGE_LIMIT,
    PHONE_SCREEN,
    button_label,
    esc,
    first_words,
    fit,
    heading,
    join_within,
    split_at_sentences,
    tg_len,
)

FEEDBACK_THANKS = "Thanks, your feedback is noted."


class Quotable(Protocol):
    """What a quoted passage needs (knowledge.chunking.Passage, a frozen dataclass, has it)."""

    @property
    def document(self) -> str: ...

    @property
    def section(self) -> str: ...

    @property
    def text(self) -> str: ...


def format_passage(
    passage: Quotable, note: str | None = None, position: tuple[int, int] | None = None
) -> str:
    """Section heading in bold, the passage verbatim in a quote, the document's name.

    `position` (n, total) says which of the found passages this is, for "More".
    """
    head = _quote_head(passage.section)
    tail = _quote_tail(passage.document, note, position)
    linked = with_links(passage.text, getattr(passage, "links", ()))
    if linked is not None and tg_len(head + linked + tail) <= MESSAGE_LIMIT:
        return head + linked + tail
    return fit(head, passage.text, tail)  # too long to keep the links whole: plain words, cut


def _quote_head(section: str, continued: bool = False) -> str:
    return f"<b>{heading(section)}</b>{' <i>(continued)</i>' if continued else ''}\n\n<blockquote>"


def _quote_tail(document: str, note: str | None, position: tuple[int, int] | None) -> str:
    tail = f"</blockquote>\n\n<i>{heading(document)}</i>"
    if position is not None:
        tail += f" · passage {position[0]} of {position[1]}"
    if note:
        tail += f"\n\n<i>{heading(note, 500)}</i>"
    return tail


def passage_messages(
    passage: Quotable, note: str | None = None, position: tuple[int, int] | None = None
) -> list[str]:
    """The passage as `format_passage` quotes it, or, when that is longer than a phone screen,
    quoted whole over several messages cut between sentences (between words in a sentence too
    long): each fits one screen, the heading heads each, the document's name closes the last.
    Links are left as plain words then, as `fit` leaves them."""
    whole = format_passage(passage, note, position)
    if tg_len(whole) <= PHONE_SCREEN:
        return [whole]
    tail = _quote_tail(passage.document, note, position)
    room = PHONE_SCREEN - tg_len(_quote_head(passage.section, continued=True)) - tg_len(tail)
    pieces = split_at_sentences(passage.text, room)
    parts = [
        _quote_head(passage.section, n > 0) + esc(piece) + "</blockquote>" for n, piece in enumerate(pieces)
    ]
    parts[-1] = parts[-1].removesuffix("</blockquote>") + tail
    return parts


LINK_SCHEMES = ("http://", "https://", "mailto:")


def with_links(text: str, links: Sequence[tuple[str, str]]) -> str | None:
    """The passage escaped, each link's words made a Telegram link to its address.

    Links are found left to right in the policy's own words (each after the
    last), so the text stays word for word; None when there is no link to make.
    """
    parts: list[str] = []
    start = 0
    for words, url in links:
        if not words or not url.startswith(LINK_SCHEMES):
            continue
        at = text.find(words, start)
        if at < 0:
            continue
        parts.append(esc(text[start:at]))
        parts.append(f'<a href="{escape(url, quote=True)}">{esc(words)}</a>')
        start = at + len(words)
    if not parts:
        return None
    return "".join(parts) + esc(text[start:])


CHOOSE_HEADING = "Which of these answers your question?"
MORE_CHOICES_HEADING = "Or one of these?"
MORE_CHOICES = "Show three more"
CLOSEST = "Show the closest passages"
CLOSEST_HEADING = "The closest passages (the policies may not cover your question)"


def choose_passage(
    passages: Sequence[Quotable], note: str | None = None, start: int = 1, title: str = CHOOSE_HEADING
) -> str:
    """ "Did you mean": the close candidates, each its heading and first words, to pick from,
    numbered from `start` (three more, after the first three, go on from 4).

    When they come from several documents each names its document: measured on a pre-school's
    policies, most wrong first passages were from the wrong document, whose headings
    ("Procedures", "Policy statement") say nothing alone.
    """
    head = [f"<b>{title}</b>", ""]
    tail = ["", "Tap the one that answers you, or “None of these”."]
    if note:
        tail += ["", f"<i>{heading(note, 500)}</i>"]
    several = len({p.document for p in passages}) > 1
    starts = []
    for n, passage in enumerate(passages, start=start):
        where = f" <i>({esc(passage.document)})</i>" if several else ""
        starts.append(f"{n}. <b>{heading(passage.section, CHOICE_HEADING_CHARS)}</b>{where} — ")
    # The first words of each, as many as fit a phone screen shared equally (up to telegram.SNIPPET_WORDS).
    room = PHONE_SCREEN - sum(tg_len(line) + 1 for line in head + tail + starts)
    share = max(room // max(len(passages), 1), 24)
    snippets = [first_words(p.text, share) for p in passages]
    lines = head + [begin + snippet for begin, snippet in zip(starts, snippets, strict=True)]
    return join_within(lines + tail)


CHOICE_HEADING_CHARS = 80  # a heading that is a whole sentence leaves room for the words under it
CHOICE_LABEL_LIMIT = 60


def choice_labels(passages: Sequence[Quotable], start: int = 1) -> list[str]:
    """One button label per candidate, never two alike: "1. Section", with the document when the
    candidates span documents, and the passage's first words where that still leaves two the same."""
    several = len({p.document for p in passages}) > 1
    names = [f"{p.section} · {p.document}" if several else p.section for p in passages]
    labels = []
    for n, (name, passage) in enumerate(zip(names, passages, strict=True), start=start):
        if names.count(name) > 1:
            name = f"{passage.section}: {' '.join(passage.text.split()[:8])}"
        labels.append(button_label(f"{n}. {name}", CHOICE_LABEL_LIMIT))
    return labels


NONE_OF_THESE = "None of these"


def none_of_these_thanks() -> str:
    return (
        "Thanks. Your question goes to the policy reviewers, so that the policies can answer it better. "
        f"If it is urgent, ask {ROLE_TITLES['head_teacher']}."
    )


CHOICE_THANKS = "Thanks, that teaches the search."


def not_covered(note: str | None = None, closest: bool = True) -> str:
    """A decline: nothing found close enough to quote; `closest`: a button offers the nearest all
    the same, so the words say a search found nothing, not that the policies are silent."""
    head = ROLE_TITLES["head_teacher"]
    text = "I could not find this in the school's policies, so I cannot answer it.\n\n" + (
        f"You can send it to {head}, or look at the closest passages, with the buttons below."
        if closest
        else f"You can send it to {head} with the button below."
    )
    if note:
        text += f"\n\n<i>{heading(note, 500)}</i>"
    return text


def long_question_note(max_chars: int) -> str:
    return f"Your message was long, so I answered from its first {max_chars:,} characters."


def rate_limited(per_minute: int) -> str:
    return f"You have asked {per_minute} questions in the last minute. Please wait a moment and try again."


def already_escalated() -> str:
    return f"This question was already sent to {ROLE_TITLES['head_teacher']}."


TOPICS_PAGE = 8  # sections a page of /topics offers


def topics_text(count: int, documents: int = 1, note: str = "") -> str:
    where = "The policy has" if documents <= 1 else f"The {documents} policies have"
    text = f"{where} {count} sections. Tap one to read its first passage."
    return f"{text}\n{note}" if note else text


def topic_label(document: str, section: str, documents: int) -> str:
    return section if documents <= 1 else f"{document}: {section}"


def question_queued(roles: list[str], about_head: bool) -> str:
    """ "Ask the Head Teacher": the question is stored and queued for whom (not yet sent)."""
    text = f"Your question is stored and queued for {titles(roles)}; you will hear back here."
    if about_head:
        text += (
            f" It names the Head, so it goes to {ROLE_TITLES['chair_of_governors']} instead;"
            " the Head does not see it."
        )
    return text


# The buttons under an answer (labels only: their data is bot.text.callbacks').
MORE = "More"
HELPFUL = "👍"
UNHELPFUL = "👎"
REPORT_THIS = "Report this"


def ask_button(about_head: bool) -> str:
    """Under an unanswered question: a question naming the Head goes to the chair instead."""
    return f"Ask {ROLE_TITLES['chair_of_governors' if about_head else 'head_teacher']}"
