"""The review list: declined and 👎 questions, and what a reviewer decides about each one.

Choosing a passage stores the question as an example question for it
(`embeddings.examples`), which teaches the search without touching the
passage's words; "not covered" records a policy gap; "skip" drops the item.
Free of Telegram types (bot.handlers.review and bot.handlers.policies are the Telegram side).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sqlite_utils

from embeddings import examples
from knowledge.chunking import Passage

from .clock import now
from .policy_versions import CHANGED_PASSAGES
from .transactions import transaction

if TYPE_CHECKING:
    from embeddings.search import Hit, SearchEngine

REVIEW_CHOICES = 5
# Which questions a reviewer may see, by their text (e.g. never one naming the Head to the Head);
# None: all of them.
Visible = Callable[[str], bool] | None
OUTCOMES = ("example", "gap", "skip")


@dataclass(frozen=True)
class ReviewItem:
    question_id: int
    text: str
    asked_at: str
    reason: str  # "declined", "👎", PICKED or CHANGED


# A staff member's pick from "did you mean" waits here too: it changes nobody else's answer until
# a colleague agrees or a reviewer confirms it (embeddings.examples.agreed), and this is where a
# reviewer can.
# An answer quoted a passage whose words a later policy version changed (bot.policy_versions):
# the person was told what the policy no longer says, so a reviewer looks at it again.
_SINCE_CHANGED = f"""
    (q.answered = 1 and exists (select 1 from {CHANGED_PASSAGES} c
        where c.passage_id = json_extract(q.passage_ids, '$[0]') and c.changed_at > q.asked_at))
"""
_PENDING = f"""
    select q.id, q.text, q.asked_at, q.answered,
           exists (select 1 from {examples.TABLE} e where e.question_id = q.id and e.source = 'pick'),
           q.feedback = 'down'
    from questions q
    where (q.answered = 0 or q.feedback = 'down'
           or exists (select 1 from {examples.TABLE} e where e.question_id = q.id and e.source = 'pick')
           or {_SINCE_CHANGED})
      and not exists (select 1 from review_decisions d where d.question_id = q.id)
"""
PICKED = "picked by staff"
CHANGED = "answered from a passage since changed"


def _pending(
    db: sqlite_utils.Database, visible: Visible, where: str = "", params: list[object] | None = None
) -> list[ReviewItem]:
    rows = db.execute(_PENDING + where + " order by q.asked_at, q.id", params or []).fetchall()
    return [
        ReviewItem(
            r[0], r[1], r[2], PICKED if r[4] else "declined" if not r[3] else "👎" if r[5] else CHANGED
        )
        for r in rows
        if visible is None or visible(r[1])
    ]


def pending_reviews(db: sqlite_utils.Database, limit: int = 50, visible: Visible = None) -> list[ReviewItem]:
    """Declined questions, 👎 answers and staff picks nobody has decided on yet, oldest first."""
    return _pending(db, visible)[:limit]


def pending_count(db: sqlite_utils.Database, visible: Visible = None) -> int:
    return len(_pending(db, visible))


def review_item(db: sqlite_utils.Database, question_id: int, visible: Visible = None) -> ReviewItem | None:
    """The question if it is (still) waiting for review, and this reviewer may see it."""
    found = _pending(db, visible, " and q.id = ?", [question_id])
    return found[0] if found else None


def candidates(
    engine: SearchEngine, text: str, k: int = REVIEW_CHOICES, picked: str | None = None
) -> list[Hit]:
    """The passages the reviewer chooses from: the search's best k, answered or not; the passage a
    member of staff `picked` (a passage id) first, so that confirming it is one tap."""
    hits = engine.search(text, top_k=k).hits
    first = [h for h in hits if h.passage.id == picked]
    if picked is not None and not first and (passage := engine.passage(picked)) is not None:
        first = [replace(hits[0], passage=passage, score=0.0, similarity=0.0)] if hits else []
    return (first + [h for h in hits if h not in first])[:k]


def picked_passage(db: sqlite_utils.Database, question_id: int) -> str | None:
    """The passage a member of staff picked for this question from "did you mean", if any."""
    row = db.execute(
        f"select passage_id from {examples.TABLE} where question_id = ? and source = ? order by id desc",
        [question_id, examples.PICK],
    ).fetchone()
    return str(row[0]) if row else None


class AlreadyDecided(Exception):
    """Someone else reviewed this question first (or it no longer exists)."""


def _decide(
    db: sqlite_utils.Database, question_id: int, outcome: str, by: int, passage_id: str | None = None
) -> None:
    """Record a decision once; the primary key makes two reviewers racing safe."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}")
    try:
        db.table("review_decisions").insert(
            {
                "question_id": question_id,
                "outcome": outcome,
                "passage_id": passage_id,
                "decided_by": by,
                "decided_at": now(),
            }
        )
    except sqlite3.IntegrityError:
        raise AlreadyDecided(f"question {question_id} was already reviewed") from None


def teach(
    db: sqlite_utils.Database,
    engine: SearchEngine,
    question_id: int,
    passage_id: str,
    by: int,
    visible: Visible = None,
) -> Passage:
    """Store the question as an example for the passage and make the search use it at once.

    The passage must exist in the live index: a correction points at words
    staff will see quoted, never at something removed.
    """
    item = review_item(db, question_id, visible)
    if item is None:
        raise AlreadyDecided(f"question {question_id} is not waiting for review")
    passage = engine.passage(passage_id)
    if passage is None:
        raise AlreadyDecided(f"passage {passage_id} is no longer in the policies")
    vector = engine.embed_queries([item.text])[0]
    _decide(db, question_id, "example", by, passage_id)  # first: the key settles a race
    # embeddings.examples.add_example commits on its own (`with db.conn:`), so it cannot join a
    # transaction here; a failure takes the decision back instead.
    try:
        examples.add_example(db, passage_id, item.text, vector, question_id=question_id, added_by=by)
    except Exception:
        db.execute("delete from review_decisions where question_id = ?", [question_id])
        raise
    engine.set_examples(examples.attacher(db))
    return passage


def record_gap(db: sqlite_utils.Database, question_id: int, by: int, visible: Visible = None) -> ReviewItem:
    """ "Not covered by any policy": keep the question as a gap for the Head Teacher to act on."""
    item = review_item(db, question_id, visible)
    if item is None:
        raise AlreadyDecided(f"question {question_id} is not waiting for review")
    with transaction(db):  # the decision and the gap together, or neither
        _decide(db, question_id, "gap", by)
        db.table("policy_gaps").insert(
            {"question_id": question_id, "text": item.text, "recorded_by": by, "recorded_at": now()}
        )
    return item


def skip(db: sqlite_utils.Database, question_id: int, by: int, visible: Visible = None) -> None:
    """Take the question off the list without teaching anything (noise, a test, a duplicate)."""
    if review_item(db, question_id, visible) is None:
        raise AlreadyDecided(f"question {question_id} is not waiting for review")
    _decide(db, question_id, "skip", by)


def learn_from_pick(
    db: sqlite_utils.Database, engine: SearchEngine, question_id: int, text: str, passage_id: str, by: int
) -> bool:
    """A staff member's own pick from a "did you mean" choice, kept as an example question.

    A pick is evidence, not truth: it ranks the passage higher for questions
    like it, and is a labelled pair the next adaptation learns from, only
    once another member of staff picks the same passage for a question
    worded alike, or a reviewer teaches it (`embeddings.examples.agreed`).
    False when the passage left the policies meanwhile.
    """
    if engine.passage(passage_id) is None:
        return False
    vector = engine.embed_queries([text])[0]
    examples.add_example(
        db, passage_id, text, vector, question_id=question_id, added_by=by, source=examples.PICK
    )
    engine.set_examples(examples.attacher(db))
    return True
