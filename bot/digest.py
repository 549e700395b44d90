"""The weekly digest: how the bot did for staff, and what the policy admins should look at.

Sent by a JobQueue job to the Head Teacher and the policy admins, and printed
by `staffguide stats`. Everything comes from the database alone (the
sections of past answers from `passage_catalog`), so the command line needs
no model or index. Reports are counted from the reports tables read-only;
a database without them (reports not set up) shows 0 rather than failing.
Free of Telegram types.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

import sqlite_utils

from .clock import local, utc
from .reports.head import names_head

DAYS = 7
TOP_SECTIONS = 5
GAPS_LISTED = 5
GAP_CHARS = 120


@dataclass
class Digest:
    since: datetime
    until: datetime
    asked: int = 0
    answered: int = 0
    thumbs_down: int = 0
    sections: list[tuple[str, int]] = field(default_factory=list)  # "Document · Section", count
    new_gaps: list[str] = field(default_factory=list)
    awaiting_review: int = 0
    reports_opened: int = 0
    reports_resolved: int = 0
    # policy versions staff are asked to read now: (name, confirmed, members)
    reads: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def answered_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")  # as fine as any stored stamp


def _exists(db: sqlite_utils.Database, name: str) -> bool:
    return db[name].exists() or name in db.view_names()


def collect(
    db: sqlite_utils.Database, until: datetime | None = None, days: int = DAYS, members: Sequence[int] = ()
) -> Digest:
    """The figures for the `days` before `until` (now by default); `members`: who may use the bot
    now, whom the policy reads are counted against."""
    until = utc(until)
    since = until - timedelta(days=days)
    span = [_iso(since), _iso(until)]
    digest = Digest(since=since, until=until)
    if _exists(db, "questions"):
        row = db.execute(
            "select count(*), coalesce(sum(answered), 0), coalesce(sum(feedback = 'down'), 0) "
            "from questions where asked_at >= ? and asked_at <= ?",
            span,
        ).fetchone()
        digest.asked, digest.answered, digest.thumbs_down = int(row[0]), int(row[1]), int(row[2])
        digest.sections = _top_sections(db, span)
    if _exists(db, "policy_gaps"):
        digest.new_gaps = [
            r[0]
            for r in db.execute(
                "select text from policy_gaps where recorded_at >= ? and recorded_at <= ? order by id",
                span,
            ).fetchall()
        ]
    if _exists(db, "review_decisions") and _exists(db, "questions"):
        from .knowledge_review import pending_count

        digest.awaiting_review = pending_count(db)
    digest.reports_opened, digest.reports_resolved = _reports(db, span)
    if _exists(db, "read_confirmations"):
        from .reads import progress

        current = [p for p in progress(db, [(m, "") for m in members]) if not p.replaced]
        digest.reads = [
            (p.version.name, len(p.confirmed), len(p.confirmed) + len(p.waiting)) for p in current
        ]
    return digest


def _top_sections(db: sqlite_utils.Database, span: list[str]) -> list[tuple[str, int]]:
    """Sections of the best passage of answered questions, most asked first."""
    names: dict[str, str] = {}
    if _exists(db, "passage_catalog"):
        names = {
            r[0]: f"{r[1]} · {r[2]}"
            for r in db.execute("select passage_id, document, section from passage_catalog").fetchall()
        }
    counts: Counter[str] = Counter()
    rows = db.execute(
        "select passage_ids from questions where answered = 1 and asked_at >= ? and asked_at <= ?", span
    ).fetchall()
    for (ids,) in rows:
        try:
            best = (json.loads(ids or "[]") or [None])[0]
        except ValueError:
            continue
        if best:
            counts[names.get(best, f"passage {best}")] += 1
    return counts.most_common(TOP_SECTIONS)


def _reports(db: sqlite_utils.Database, span: list[str]) -> tuple[int, int]:
    """(opened, resolved) in the span, from bot.reports' tables if they exist."""
    opened = resolved = 0
    if _exists(db, "reports"):
        opened = db.execute(
            "select count(*) from reports where created_at >= ? and created_at <= ?", span
        ).fetchone()[0]
    if _exists(db, "report_events"):
        resolved = db.execute(
            "select count(distinct report_id) from report_events "
            "where kind = 'resolved' and at >= ? and at <= ?",
            span,
        ).fetchone()[0]
    return int(opened), int(resolved)


def _short(text: str, limit: int = GAP_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(digest: Digest, school_name: str, html: bool = True, head_names: Sequence[str] = ()) -> str:
    """The digest as Telegram HTML (`html=True`) or plain text for a terminal."""
    e = escape if html else (lambda s: s)
    b = (lambda s: f"<b>{s}</b>") if html else (lambda s: s)
    period = f"{local(digest.since):%d %b} – {local(digest.until):%d %b %Y}"
    rate = f"{digest.answered_rate:.0%}" if digest.answered_rate is not None else "–"
    lines = [
        b(e(f"StaffGuide weekly digest — {school_name}")),
        e(period),
        "",
        f"Questions asked: {digest.asked}",
        f"Answered: {digest.answered} ({rate})",
        f"👎 on answers: {digest.thumbs_down}",
        "",
        b("Most asked sections"),
    ]
    if digest.sections:
        lines += [f"{n}. {e(name)} ({count})" for n, (name, count) in enumerate(digest.sections, 1)]
    else:
        lines.append("none this week")
    lines += ["", b(f"New policy gaps: {len(digest.new_gaps)}")]
    # the digest goes to the Head Teacher: a gap that names the Head is counted, never quoted
    listed = [text for text in digest.new_gaps if not names_head(text, head_names)]
    lines += [f"- {e(_short(text))}" for text in listed[:GAPS_LISTED]]
    if len(digest.new_gaps) > min(len(listed), GAPS_LISTED):
        lines.append(f"… and {len(digest.new_gaps) - min(len(listed), GAPS_LISTED)} more")
    lines += [
        f"Waiting in /review: {digest.awaiting_review}",
        "",
        b("Misuse reports"),
        f"Opened: {digest.reports_opened}",
        f"Resolved: {digest.reports_resolved}",
        "",
        b("Policy reads"),
    ]
    lines += [f"{e(name)}: {done} of {total} confirmed" for name, done, total in digest.reads] or [
        "none asked"
    ]
    return "\n".join(lines)


def digest_text(
    db: sqlite_utils.Database,
    school_name: str,
    html: bool = True,
    until: datetime | None = None,
    head_names: Sequence[str] = (),
    members: Sequence[int] = (),
) -> str:
    """The last seven days' digest; `staffguide stats` prints it with html=False. `head_names`: the
    Head's configured name, so that a gap naming the Head by name is not quoted to the Head either."""
    return render(collect(db, until, members=members), school_name, html=html, head_names=head_names)
