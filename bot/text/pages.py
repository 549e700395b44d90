"""Long lists a page at a time, so every message fits a phone screen: Previous / Next under it.

Used by /staff, /queue, /myreports, /topics and /show. A page is worked out again from the list
as it is when a button is tapped (someone revoked, a report resolved meanwhile): a page number
past the end shows the last page, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .callbacks import Page

T = TypeVar("T")

PREVIOUS, NEXT = "◀ Previous", "Next ▶"


@dataclass(frozen=True)
class Paged(Generic[T]):
    items: list[T]  # this page's
    number: int  # from 0
    count: int  # pages in all (at least 1)
    total: int  # items in all

    @property
    def note(self) -> str:
        """ "Page 2 of 5", or nothing when everything fits on one."""
        return f"Page {self.number + 1} of {self.count}" if self.count > 1 else ""


def page(items: Sequence[T], number: int, size: int) -> Paged[T]:
    count = max(1, -(-len(items) // size))
    number = min(max(number, 0), count - 1)
    return Paged(list(items[number * size : (number + 1) * size]), number, count, len(items))


def nav_row(view: str, paged: Paged[T]) -> list[tuple[str, Page]]:
    """The Previous / Next buttons for a page (none when there is one page)."""
    row: list[tuple[str, Page]] = []
    if paged.number > 0:
        row.append((PREVIOUS, Page(view, paged.number - 1)))
    if paged.number < paged.count - 1:
        row.append((NEXT, Page(view, paged.number + 1)))
    return row
