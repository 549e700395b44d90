"""When an incident happened: one tap for today, or the day typed the way staff type it.

The school's record (CPOMS, MyConcern) wants the incident's date, which is often not the day it
was reported. Dates are read in the school's time; words we cannot date are kept as typed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.reports import happened
from bot.reports.happened import Happened, NotADay, describe, from_choice, from_words

# Wednesday 25 November 2026, 09:30 in London
AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def test_one_tap_choices_are_the_schools_today() -> None:
    assert from_choice("now", AT) == Happened("Just now", date(2026, 11, 25))
    assert from_choice("today", AT) == Happened("Earlier today", date(2026, 11, 25))
    with pytest.raises(ValueError):
        from_choice("other", AT)


def test_today_is_the_schools_day_not_utcs() -> None:
    # 23:30 UTC on 30 June is already 1 July in London (BST)
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert happened.today(late) == date(2026, 7, 1)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("yesterday", date(2026, 11, 24)),
        ("Yesterday.", date(2026, 11, 24)),
        ("today", date(2026, 11, 25)),
        ("2 days ago", date(2026, 11, 23)),
        ("three days ago", date(2026, 11, 22)),
        ("17/11", date(2026, 11, 17)),
        ("17.11.2026", date(2026, 11, 17)),
        ("1/9/26", date(2026, 9, 1)),
        ("on 3/12", date(2025, 12, 3)),  # without a year: the latest 3 December not to come
        ("3 Nov", date(2026, 11, 3)),
        ("the 3rd of November", date(2026, 11, 3)),
        ("November 3, 2026", date(2026, 11, 3)),
        ("monday", date(2026, 11, 23)),
        ("on Tues", date(2026, 11, 24)),
        ("wednesday", date(2026, 11, 25)),  # today is a Wednesday
        ("last Wednesday", date(2026, 11, 18)),
        ("last friday", date(2026, 11, 20)),
        ("friday night", date(2026, 11, 20)),  # a part of the day after the day still names it
        ("last Thursday evening", date(2026, 11, 19)),
        ("17/11 at lunchtime", date(2026, 11, 17)),
    ],
)
def test_typed_days(typed: str, day: date) -> None:
    found = from_words(typed, AT)
    assert found.on == day
    assert found.words == " ".join(typed.split())


def test_words_that_name_no_day_are_kept_as_typed() -> None:
    found = from_words("  the Friday   before half term ", AT)
    assert found == Happened("the Friday before half term", None)
    assert from_words("x" * 500, AT).words == "x" * happened.MAX_WORDS


@pytest.mark.parametrize(
    "typed",
    ["31/02", "12/13", "26/11/2026", "  ", "tomorrow", "Tomorrow.", "tmrw", "next Tuesday", "in 2 days"],
)
def test_impossible_or_future_days_are_refused(typed: str) -> None:
    with pytest.raises(NotADay):
        from_words(typed, AT)


def test_describe_for_people() -> None:
    assert describe(None, None) == "not given"
    assert describe("Just now", "2026-11-25") == "Just now (25/11/2026)"
    assert describe("17/11/2026", "2026-11-17") == "17/11/2026"
    assert describe("the week before half term", None) == "the week before half term"
