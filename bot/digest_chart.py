"""The weekly digest's picture: the last 8 weeks of reports by category, and questions answered
and declined, as one PNG the digest job sends as a photo.

Counts come from the database alone (like bot.digest); weeks end at the digest's own moment and
are labelled by their first day in the school's time zone. matplotlib is imported only when a
chart is drawn (its Agg back end: no screen needed), so nothing else pays for it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from .clock import local, utc

WEEKS = 8


@dataclass
class Series:
    weeks: list[datetime]  # the first moment of each week, oldest first (aware, UTC)
    reports: dict[str, list[int]] = field(default_factory=dict)  # category label -> count per week
    answered: list[int] = field(default_factory=list)
    declined: list[int] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(sum(v) for v in self.reports.values()) and not sum(self.answered + self.declined)


def _week_of(moment: datetime, starts: list[datetime], end: datetime) -> int | None:
    if moment < starts[0] or moment >= end:
        return None
    return min(int((moment - starts[0]).total_seconds() // (7 * 86400)), len(starts) - 1)


def collect_series(db: sqlite_utils.Database, until: datetime | None = None, weeks: int = WEEKS) -> Series:
    """Counts per week for the `weeks` weeks before `until` (now by default)."""
    from .reports.vocabulary import CATEGORIES

    end = utc(until)
    starts = [end - timedelta(days=7 * (weeks - i)) for i in range(weeks)]
    series = Series(weeks=starts, answered=[0] * weeks, declined=[0] * weeks)
    since = (starts[0] - timedelta(days=1)).date().isoformat()  # a date prefix: safe to compare as text
    tables = set(db.table_names())
    if "reports" in tables:
        for created_at, category in db.execute(
            "select created_at, category from reports where created_at >= ?", [since]
        ).fetchall():
            week = _week_of(datetime.fromisoformat(created_at), starts, end)
            if week is not None:
                label = CATEGORIES.get(category, category)
                series.reports.setdefault(label, [0] * weeks)[week] += 1
    if "questions" in tables:
        for asked_at, answered in db.execute(
            "select asked_at, answered from questions where asked_at >= ?", [since]
        ).fetchall():
            week = _week_of(datetime.fromisoformat(asked_at), starts, end)
            if week is not None:
                (series.answered if answered else series.declined)[week] += 1
    return series


def chart_png(series: Series, school_name: str) -> bytes:
    """Two panels, 8 weeks each: reports by category (stacked), questions answered and declined."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    labels = [local(start).strftime("%d/%m") for start in series.weeks]
    x = list(range(len(labels)))
    figure = Figure(figsize=(8, 6.5), dpi=100, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    base = [0] * len(x)
    for category, counts in sorted(series.reports.items()):
        top.bar(x, counts, bottom=base, label=category)
        base = [b + c for b, c in zip(base, counts, strict=True)]
    top.set_title(f"Misuse reports by category, last {len(x)} weeks")
    top.set_ylabel("reports")
    if series.reports:  # headroom above the bars keeps the legend off them
        top.set_ylim(0, max(base) * 1.6 + 1)
        top.legend(fontsize="small", loc="upper left")
    else:
        top.text(0.5, 0.5, "no reports", ha="center", va="center", transform=top.transAxes)
    bottom.bar(x, series.answered, label="answered", color="#2e7d32")
    bottom.bar(x, series.declined, bottom=series.answered, label="declined", color="#c62828")
    bottom.set_title("Questions answered and declined")
    bottom.set_ylabel("questions")
    totals = [a + d for a, d in zip(series.answered, series.declined, strict=True)]
    bottom.set_ylim(0, max(totals) * 1.35 + 1)
    bottom.legend(fontsize="small", loc="upper left")
    bottom.set_xticks(x, labels)
    bottom.set_xlabel("week starting")
    for axes in (top, bottom):
        axes.yaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(f"StaffGuide — {school_name}")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
