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
    asked in words instead."""

    slot: str  # bot.text.callbacks.ReportChoice.slot
    state: str
    prompt: str
    labels: dict[str, str]
    rows: Rows
    filled: Callable[[ReportDraft], bool]
    choose: Callable[[ReportDraft, str], str | None]  # may return a message to send after the tap
    typed: tuple[str, str, str] | None = None  # for "other": (state, prompt, what the tap shows)


STEPS = (
    Step(
        "cat",
        WHAT,
        reports_text.REPORT_STEP_WHAT,
        {key: reports.CATEGORIES[key] for key in reports.FLOW_CATEGORIES},
        _choices("cat", reports.CATEGORIES, 1, reports.FLOW_CATEGORIES),
        lambda draft: bool(draft.category),
        _choose_category,
    ),
    Step(
        "who",
        WHO,
        reports_text.REPORT_STEP_WHO,
        reports.SUBJECTS,
        _choices("who", reports.SUBJECTS, 2, list(reports.SUBJECTS)),
        lambda draft: bool(draft.subject),
        _choose_subject,
    ),
    Step(
        "where",
        WHERE,
        reports_text.REPORT_STEP_WHERE,
        reports.PLACES,
        _choices("where", reports.PLACES, 1, ["school_trip"])
        + _choices("where", reports.PLACES, 3, [key for key in reports.PLACES if key != "school_trip"]),
        lambda draft: bool(draft.place),
        _choose_place,
        typed=(WHERE_TEXT, reports_text.REPORT_STEP_WHERE_TEXT, reports_text.OTHER_PLACE_CHOICE),
    ),
    Step(
        "when",
        WHEN,
        reports_text.REPORT_STEP_WHEN,
        happened.CHOICES,
        _choices("when", happened.CHOICES, 3, [key for key in happened.CHOICES if key != "other"])
        + _choices("when", happened.CHOICES, 1, ["other"]),
        lambda draft: bool(draft.happened),
        _choose_when,
        typed=(WHEN_TEXT, reports_text.REPORT_STEP_WHEN_TEXT, happened.CHOICES["other"]),
    ),
)
STEP_OF_SLOT = {step.slot: step for step in STEPS}
