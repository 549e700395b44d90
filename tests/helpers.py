"""Small helpers the tests share."""

from __future__ import annotations

import html
import re


def plain(text: str | None) -> str:
    """What the user reads: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


def tag(services: object, report_id: int) -> str:
    """The tag a button for this report carries (bot.reports.records.Report.tag)."""
    from bot import reports

    report = reports.get_report(services.db, report_id)  # type: ignore[attr-defined]
    assert report is not None, f"no report {report_id}"
    return report.tag
