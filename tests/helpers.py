"""Small helpers the tests share."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any


def plain(text: str | None) -> str:
    """What the user reads: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


def tag(services: object, report_id: int) -> str:
    """The tag a button for this report carries (bot.reports.records.Report.tag)."""
    from bot import reports

    report = reports.get_report(services.db, report_id)  # type: ignore[attr-defined]
    assert report is not None, f"no report {report_id}"
    return report.tag


def labels(reply: dict[str, Any]) -> list[str]:
    """The labels of a message's buttons, in order."""
    return [label for label, _data in reply["reply_markup"]]


def stored_alert(services: object, report_id: int = 1) -> str:
    """The alert a reviewer is sent for the report as stored."""
    from bot import reports
    from bot.text import report_record

    report = reports.get_report(services.db, report_id)  # type: ignore[attr-defined]
    assert report is not None, f"no report {report_id}"
    return report_record.render_escalation(report)


async def all_pages(user: Any, reply: dict[str, Any], limit: int = 50) -> list[str]:
    """The texts of every page of a paged message (Previous / Next), in order: Next ▶ is tapped
    until the last page, waiting each time for the message to change."""
    import asyncio

    from bot.text.pages import NEXT

    texts = [reply["text"]]
    current = reply
    for _ in range(limit):
        tap = next((data for label, data in current["reply_markup"] if label == NEXT), None)
        if tap is None:
            return texts
        await user.tap(tap, reply["message_id"])
        for _ in range(200):
            turned = await user.message(reply["message_id"])
            if turned["text"] != current["text"]:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"the page after {current['text'][:60]!r} never came")
        current = turned
        texts.append(current["text"])
    raise AssertionError(f"more than {limit} pages")


def why_not_read(folder: Path, name: str, content: bytes) -> str:
    """The reason the policy folder gives for not reading a file `name` holding `content`, the
    file put beside a policy that reads (a folder with nothing readable is an error of its own)."""
    from knowledge.documents import load_folder

    (folder / name).write_bytes(content)
    (folder / "phones.txt").write_text("Phones\n\nStaff keep phones away in lessons.\n", encoding="utf-8")
    return dict(load_folder(folder).skipped)[name]


DATA = Path(__file__).parent / "data"
# Word files whose twins in other formats (.doc, .odt, .rtf) LibreOffice saved: stem → the .docx.
WORD_TWINS = {
    "numbered-sections": DATA / "word-97-2003" / "numbered-sections.docx",
    "wellbeing-charter": DATA / "corpora" / "dfe-workload-wellbeing" / "wellbeing-charter.docx",
    "make-statutory-flexible-working-request": DATA
    / "corpora"
    / "dfe-workload-wellbeing"
    / "make-statutory-flexible-working-request.docx",
    "review-statutory-flexible-working-request": DATA  # a form: "Notes:" text boxes to fill in
    / "corpora"
    / "dfe-workload-wellbeing"
    / "review-statutory-flexible-working-request.docx",
}


def reading(path: Path) -> tuple[str, list[tuple[str, bool, bool, bool]]]:
    """A document's title and blocks, white space (no-break spaces too) made single spaces: what
    one document saved in two formats must read the same in."""
    from knowledge.documents import read_document

    document = read_document(path)
    return document.title, [
        (" ".join(b.text.split()), b.heading, b.table_row, b.field) for b in document.blocks
    ]
