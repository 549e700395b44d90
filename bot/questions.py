"""Questions, their answers, feedback and escalation, as rows of the `questions` table.

Every question is kept, answered or not: the unanswered ones (answered=0)
show the Head Teacher what the policies miss. Rows are deleted after
`[storage] question_retention_days` by a daily job, because a question can
say more about its asker than they meant to share for ever.
Free of Telegram types: handlers pass plain ids and text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlite_utils

from .clock import now, utc
from .transactions import transaction

if TYPE_CHECKING:
    from embeddings.search import Answer

FEEDBACK = ("up", "down")


@dataclass(frozen=True)
class Question:
    id: int
    user_id: int
    text: str
    answered: bool
    passage_ids: list[str]
    feedback: str | None
    escalated_at: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Question:
        return cls(
            id=row["id"],
            user_id=row["user_id"],
            text=row["text"],
            answered=bool(row["answered"]),
            passage_ids=json.loads(row["passage_ids"] or "[]"),
            feedback=row["feedback"],
            escalated_at=row["escalated_at"],
        )


def record_question(db: sqlite_utils.Database, user_id: int, text: str, answer: Answer) -> int:
    """Store a question with what was found (passage ids, best first; a declined question's too,
    for "Show the closest passages"); returns its id."""
    ids = [hit.passage.id for hit in answer.hits]
    with transaction(db):
        table = db.table("questions").insert(
            {
                "user_id": user_id,
                "asked_at": now(),
                "text": text,
                "answered": int(answer.answered),
                "passage_ids": json.dumps(ids),
            }
        )
    return int(str(table.last_pk))


def get_question(db: sqlite_utils.Database, question_id: int) -> Question | None:
    rows = list(db.table("questions").rows_where("id = ?", [question_id]))
    return Question.from_row(rows[0]) if rows else None


def set_feedback(db: sqlite_utils.Database, question_id: int, user_id: int, value: str) -> bool:
    """Store 👍/👎 on the asker's own question; a later tap replaces an earlier one."""
    if value not in FEEDBACK:
        raise ValueError(f"feedback must be one of {FEEDBACK}")
    with transaction(db):
        changed = db.execute(
            "update questions set feedback = ?, feedback_at = ? where id = ? and user_id = ?",
            [value, now(), question_id, user_id],
        ).rowcount
    return changed == 1


def escalate(db: sqlite_utils.Database, question_id: int, user_id: int) -> bool:
    """Mark the asker's own unanswered question as sent to the Head Teacher.

    True only the first time, so a double tap does not message the Head twice.
    """
    with transaction(db):
        changed = db.execute(
            "update questions set escalated_at = ? where id = ? and user_id = ? and escalated_at is null",
            [now(), question_id, user_id],
        ).rowcount
    return changed == 1


def delete_older_than(db: sqlite_utils.Database, days: int, at: datetime | None = None) -> int:
    """Delete questions asked more than `days` ago; returns how many went."""
    cutoff = now(utc(at) - timedelta(days=days))
    with transaction(db):
        return db.execute("delete from questions where asked_at < ?", [cutoff]).rowcount


def unanswered(db: sqlite_utils.Database, limit: int = 50) -> list[Question]:
    """The most recent questions the policies did not answer."""
    rows = db.table("questions").rows_where("answered = 0", order_by="asked_at desc", limit=limit)
    return [Question.from_row(r) for r in rows]
