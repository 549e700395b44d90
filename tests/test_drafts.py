"""Typed drafts: a half-filed report, an unsent message and a waiting note survive a restart."""

from __future__ import annotations

from typing import Any

from bot import drafts
from bot.drafts import EvidenceItem, ExchangeDraft, ReportDraft, ReviewDraft
from bot.persistence import SqlitePersistence
from bot.storage import open_db


async def test_every_draft_reads_back_the_same_from_the_database_after_a_restart(tmp_path) -> None:
    path = tmp_path / "p.db"
    report = ReportDraft(
        source="question",
        category="harassment",
        subject="parent",
        place="Facebook",
        happened="yesterday",
        happened_on="2026-03-01",
        description="A parent posted about me.",
        question_id=7,
        evidence=[EvidenceItem("photo", "file-1", "2026-03-02T08:55:00+00:00", "u1")],
        pending_addition="and again today",
    )
    exchange = ExchangeDraft(42, "reporter", pending="Jo's mum.")
    review = ReviewDraft("res", 42, outcome="Recorded in the school's safeguarding system", reference="CP-1")
    user_data: dict[Any, Any] = {}
    drafts.REPORT.put(user_data, report)
    drafts.EXCHANGE.put(user_data, exchange)
    drafts.REVIEW.put(user_data, review)
    await SqlitePersistence(open_db(path)).update_user_data(5, user_data)

    restarted = (await SqlitePersistence(open_db(path)).get_user_data())[5]
    assert drafts.REPORT.get(restarted) == report
    assert drafts.EXCHANGE.get(restarted) == exchange
    assert drafts.REVIEW.get(restarted) == review


def test_a_draft_stored_as_a_plain_dict_before_the_types_still_reads() -> None:
    """What a running bot held when it was upgraded: the flows' own dicts, keys as today."""
    user_data = {
        "report_draft": {
            "evidence": [{"kind": "photo", "file_id": "f", "file_unique_id": "u", "sent_at": "t"}],
            "source": "flow",
            "category": "other",
        },
        "exchange": {"report_id": 3, "side": "reviewer"},
        "review_draft": {"action": "note", "report_id": 3, "pending_note": "seen"},
    }
    assert drafts.REPORT.get(user_data) == ReportDraft(
        category="other", evidence=[EvidenceItem("photo", "f", "t", "u")]
    )
    assert drafts.EXCHANGE.get(user_data) == ExchangeDraft(3, "reviewer")
    assert drafts.REVIEW.get(user_data) == ReviewDraft("note", 3, pending_note="seen")


def test_anything_else_in_a_drafts_place_reads_as_no_draft() -> None:
    user_data: dict[Any, Any] = {"report_draft": "junk", "exchange": {"side": "reviewer"}, "review_draft": []}
    assert drafts.REPORT.get(user_data) is None
    assert drafts.EXCHANGE.get(user_data) is None
    assert drafts.REVIEW.get(user_data) is None
    assert drafts.REPORT.pop(user_data) is None and "report_draft" not in user_data
