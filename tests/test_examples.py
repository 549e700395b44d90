"""Taught examples: a reviewer's counts at once; a staff member's pick only once others agree."""

from __future__ import annotations

import numpy as np
import sqlite_utils

from embeddings import examples
from embeddings.examples import PICK, REVIEW, add_example, load_examples


def unit(*values: float) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


PHONE_TRIP = unit(1.0, 0.1)
PHONE_TRIP_AGAIN = unit(1.0, 0.2)  # worded alike: cosine 0.995
SOMETHING_ELSE = unit(0.0, 1.0)


def fresh() -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    examples.create_table(db)
    return db


def test_one_pick_changes_nobody_s_answer_but_is_kept():
    db = fresh()
    add_example(db, "p1", "phone on trip?", PHONE_TRIP, added_by=1, source=PICK)
    assert load_examples(db) == []
    assert [e.question for e in load_examples(db, agreed_only=False)] == ["phone on trip?"]


def test_a_second_person_picking_the_same_passage_for_a_question_worded_alike_makes_both_count():
    db = fresh()
    add_example(db, "p1", "phone on trip?", PHONE_TRIP, added_by=1, source=PICK)
    add_example(db, "p1", "phone on the trip??", PHONE_TRIP_AGAIN, added_by=2, source=PICK)
    assert [e.added_by for e in load_examples(db)] == [1, 2]


def test_the_same_person_picking_twice_is_not_agreement():
    db = fresh()
    add_example(db, "p1", "phone on trip?", PHONE_TRIP, added_by=1, source=PICK)
    add_example(db, "p1", "phone on the trip??", PHONE_TRIP_AGAIN, added_by=1, source=PICK)
    assert load_examples(db) == []


def test_picks_of_different_passages_or_unlike_questions_do_not_agree():
    db = fresh()
    add_example(db, "p1", "phone on trip?", PHONE_TRIP, added_by=1, source=PICK)
    add_example(db, "p2", "phone on the trip??", PHONE_TRIP_AGAIN, added_by=2, source=PICK)
    add_example(db, "p1", "something else", SOMETHING_ELSE, added_by=3, source=PICK)
    assert load_examples(db) == []


def test_a_reviewer_teaching_the_same_makes_a_pick_count():
    db = fresh()
    add_example(db, "p1", "phone on trip?", PHONE_TRIP, added_by=1, source=PICK)
    add_example(db, "p1", "phone on the trip??", PHONE_TRIP_AGAIN, added_by=9, source=REVIEW)
    assert [e.source for e in load_examples(db)] == [PICK, REVIEW]


def test_examples_stored_before_sources_existed_keep_counting_as_reviews():
    db = sqlite_utils.Database(memory=True)
    db.execute(
        "create table examples (id integer primary key, passage_id text not null, question text not null, "
        "vector blob not null, dim integer not null, model text not null, question_id integer, "
        "added_by integer, added_at text not null)"
    )
    db.execute(
        "insert into examples (passage_id, question, vector, dim, model, added_at) values (?, ?, ?, ?, ?, ?)",
        ["p1", "old one", examples.to_blob(PHONE_TRIP), 384, examples.MODEL_NAME, "2026-01-01T00:00:00"],
    )
    examples.add_source_column(db)
    examples.add_source_column(db)  # twice is harmless
    [old] = load_examples(db)
    assert old.source == REVIEW and old.question == "old one"
