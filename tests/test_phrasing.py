"""Other schools' staff questions, taught to a new school's adaptation (embeddings.phrasing)."""

from __future__ import annotations

import json

import pytest
from make_phrasing_examples import examples, render
from search_fixtures import BUNDLED_POLICIES, ROOT, write_small_policy

from embeddings import adaptation, phrasing
from embeddings.adaptation import TrainingData, adapt_index, gather, other_schools, split
from embeddings.engine import describe
from embeddings.index import build_index, load_index
from embeddings.phrasing import PHRASING_FILE, PhrasingError, load_examples, others, prepare
from embeddings.training import AdaptSettings, LabelledQuestion
from knowledge.chunking import chunk_documents
from knowledge.documents import load_folder

DATA = ROOT / "tests" / "data"


def test_the_shipped_examples_are_what_the_tuning_halves_make_with_todays_reading():
    assert PHRASING_FILE.read_text(encoding="utf-8") == render(examples()), (
        "run tests/make_phrasing_examples.py and commit embeddings/staff-phrasing.jsonl"
    )


def test_no_held_out_question_is_among_the_shipped_examples():
    shipped = {e.question.lower() for e in load_examples()}
    for held_out in DATA.glob("*-heldout.jsonl"):
        questions = {json.loads(line)["question"].lower() for line in held_out.read_text().splitlines()}
        assert not shipped & questions, held_out.name


def test_a_schools_own_policy_set_is_left_out_and_the_others_kept():
    shipped = load_examples()
    bundled = chunk_documents(load_folder(BUNDLED_POLICIES).documents)
    kept = {e.set for e in others(shipped, bundled)}
    assert kept == {e.set for e in shipped} - {"st-crispins-social-media"}
    assert len(kept) >= 2


def test_a_policy_set_of_its_own_learns_from_every_set(tmp_path):
    policy = write_small_policy(tmp_path)
    passages = chunk_documents(load_folder(policy.parent).documents)
    assert len(others(load_examples(), passages)) == len(load_examples())


def test_a_damaged_examples_file_is_named_with_its_line(tmp_path):
    bad = tmp_path / "staff-phrasing.jsonl"
    bad.write_text('{"question": "q", "set": "s", "section": "h", "text": "t"}\n{"question": "q"}\n')
    with pytest.raises(PhrasingError, match="staff-phrasing.jsonl line 2"):
        load_examples(bad)


def test_examples_are_numbered_after_the_schools_passages_and_share_a_passage_once():
    shipped = load_examples()
    by_text: dict[str, list[str]] = {}
    for e in shipped:
        by_text.setdefault(e.text, []).append(e.question)
    text, questions = next((t, q) for t, q in by_text.items() if len(q) >= 2)
    chosen = [e for e in shipped if e.text == text][:2]
    taught = prepare(chosen, offset=50, views=2)
    assert [p.passage for p in taught.pairs] == [50, 50] and all(p.labelled for p in taught.pairs)
    assert taught.rows.shape == (1, 2, 384)
    assert taught.positives == {q: {50} for q in questions[:2]}


def test_adapting_learns_from_other_schools_questions_and_says_how_many(tmp_path):
    policies = tmp_path / "policies"
    write_small_policy(policies)
    build_index(policies, tmp_path / "index", progress=False)
    settings = AdaptSettings(epochs=1, batch_size=8, max_synthetic=10, other_schools=6)
    assert len(other_schools(load_index(tmp_path / "index"), settings)) == 6
    result = adapt_index(tmp_path / "index", gather(policies), settings, progress=False)
    info = result.index.manifest["adaptation"]
    assert info["other_schools_pairs"] == 6 and info["labelled_pairs"] == 0
    assert "6 other schools' pairs" in describe(result.index)


def test_a_changed_examples_file_makes_adaptation_due_again(tmp_path, monkeypatch):
    policies = tmp_path / "policies"
    write_small_policy(policies)
    index = build_index(policies, tmp_path / "index", progress=False)
    data, settings = gather(policies), AdaptSettings()
    before = adaptation.adaptation_key(index, data, settings)
    fewer = tmp_path / "staff-phrasing.jsonl"
    fewer.write_text("".join(PHRASING_FILE.read_text(encoding="utf-8").splitlines(keepends=True)[1:]))
    monkeypatch.setattr(phrasing, "PHRASING_FILE", fewer)
    assert adaptation.adaptation_key(index, data, settings) != before
    assert other_schools(index, AdaptSettings(other_schools=0)) == []


def test_a_school_with_enough_labelled_questions_of_its_own_learns_none_of_other_schools(tmp_path):
    policies = tmp_path / "policies"
    write_small_policy(policies)
    index = build_index(policies, tmp_path / "index", progress=False)
    asked = [LabelledQuestion(f"can i do thing {n}", True, ("thing",)) for n in range(12)]
    data = TrainingData(questions=(*asked, LabelledQuestion("what is for lunch", False)))
    own = sum(q.in_policy for q in split(data)[0])  # calibration questions are not learnt from
    assert own > 0
    assert other_schools(index, AdaptSettings(other_schools=6, own_enough=own), data) == []
    assert len(other_schools(index, AdaptSettings(other_schools=6, own_enough=own + 1), data)) == 6
