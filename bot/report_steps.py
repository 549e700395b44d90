"""The guided report's steps, declared once: what each asks, the choices it offers and which part
of the draft it fills. bot.handlers.reports runs them (one tap each) and builds their keyboards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import reports
from .drafts import ReportDraft
from .reports import happened
from .text import reports as reports_text
from .text.callbacks import Callback, ReportChoice, Rows

# conversation states (strings: they are persisted as JSON)
WHAT, WHO, WHERE, WHERE_TEXT, DESCRIBE, CONFIRM = "what", "who", "where", "where_text", "describe", "confirm"
WHEN, WHEN_TEXT = "when", "when_text"


def _choices(slot: str, labels: dict[str, str], per_row: int, keys: list[str]) -> Rows:
    items: list[tuple[str, str | Callback]] = [(labels[key], ReportChoice(slot, key)) for key in keys]
    return [items[i : i + per_row] for i in range(0, len(items), per_row)]


def _first_alone(slot: str, first: str, per_row: int) -> Callable[[dict[str, str]], Rows]:
    """`first` on a row of its own, the others `per_row` a row."""
    return lambda labels: (
        _choices(slot, labels, 1, [first])
        + _choices(slot, labels, per_row, [key for key in labels if key != first])
    )


def _last_alone(slot: str, last: str, per_row: int) -> Callable[[dict[str, str]], Rows]:
    """The others `per_row` a row, then `last` on a row of its own."""
    return lambda labels: (
        _choices(slot, labels, per_row, [key for key in labels if key != last])
        + _choices(slot, labels, 1, [last])
    )


def _choose_category(draft: ReportDraft, key: str) -> str | None:
    draft.category = key
    if key != reports.INDECENT_IMAGE:
        return None
    draft.evidence = []  # nothing kept before the category was known either, but be sure
    return reports_text.INDECENT_IMAGE_WARNING


def _choose_subject(draft: ReportDraft, key: str) -> None:
    draft.subject = key


def _choose_place(draft: ReportDraft, key: str) -> None:
    draft.place = reports.PLACES[key]


def set_happened(draft: ReportDraft, found: happened.Happened) -> None:
    draft.happened = found.words
    draft.happened_on = found.on.isoformat() if found.on else None


def _choose_when(draft: ReportDraft, key: str) -> None:
    set_happened(draft, happened.from_choice(key))


@dataclass(frozen=True)
class Step:
    """One tap of the guided report: what it asks, the choices it offers, which part of the draft
    it fills (`filled` tells a resumed draft where it stopped) and, for "other", the question
    asked in words instead.

    The choices are read when asked, not when this module is imported: their words are the
    setting's own, set as the bot starts (bot.reports.use_words)."""

    slot: str  # bot.text.callbacks.ReportChoice.slot
    state: str
    prompt: str
    choices: Callable[[], dict[str, str]]  # key -> label, in order
    layout: Callable[[dict[str, str]], Rows]
    filled: Callable[[ReportDraft], bool]
    choose: Callable[[ReportDraft, str], str | None]  # may return a message to send after the tap
    typed: tuple[str, str, str] | None = None  # for "other": (state, prompt, what the tap shows)

    @property
    def labels(self) -> dict[str, str]:
        return self.choices()

    @property
    def rows(self) -> Rows:
        return self.layout(self.choices())


STEPS = (
    Step(
        "cat",
        WHAT,
        reports_text.REPORT_STEP_WHAT,
        reports.offered_categories,
        lambda labels: _choices("cat", labels, 1, list(labels)),
        lambda draft: bool(draft.category),
        _choose_category,
    ),
    Step(
        "who",
        WHO,
        reports_text.REPORT_STEP_WHO,
        lambda: reports.SUBJECTS,
        lambda labels: _choices("who", labels, 2, list(labels)),
        lambda draft: bool(draft.subject),
        _choose_subject,
    ),
    Step(
        "where",
        WHERE,
        reports_text.REPORT_STEP_WHERE,
        lambda: reports.PLACES,
        _first_alone("where", "school_trip", 3),
        lambda draft: bool(draft.place),
        _choose_place,
        typed=(WHERE_TEXT, reports_text.REPORT_STEP_WHERE_TEXT, reports_text.OTHER_PLACE_CHOICE),
    ),
    Step(
        "when",
        WHEN,
        reports_text.REPORT_STEP_WHEN,
        lambda: happened.CHOICES,
        _last_alone("when", "other", 3),
        lambda draft: bool(draft.happened),
        _choose_when,
        typed=(WHEN_TEXT, reports_text.REPORT_STEP_WHEN_TEXT, happened.CHOICES["other"]),
    ),
)
STEP_OF_SLOT = {step.slot: step for step in STEPS}
