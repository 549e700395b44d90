"""Adapting the model to a school: pairs from its text and questions, training, and the stored result.

Training runs for real on a small policy with tiny settings (a few seconds):
a made-up word the base model cannot know is taught to mean one passage,
which only a model that really learned can rank first.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from search_fixtures import BUNDLED_POLICIES, bundled_index_dir, write_small_policy

from embeddings import adaptation
from embeddings.adaptation import (
    Correction,
    Measured,
    TrainingData,
    adapt_index,
    adaptation_due,
    adaptation_key,
    gather,
    measure,
    split,
)
from embeddings.adapter import NICENESS, SPIN_TURNS, Adapter
from embeddings.calibrate import MIN_QUESTIONS_FOR_A_SMALLER_LEAD, choose_lead, outcome_value
from embeddings.decision import DEFAULT_MARGIN, Outcome
from embeddings.index import load_index, open_index
from embeddings.search import SearchEngine
from embeddings.training import (
    AdaptSettings,
    LabelledQuestion,
    labelled_pairs,
    read_questions_file,
    sentences,
    synthetic_pairs,
)
from knowledge.chunking import Passage

TINY = AdaptSettings(epochs=6, batch_size=8, learning_rate=1e-4, max_synthetic=40, other_schools=4)
TRIP = "On school trips staff must use the school mobile phone"
CLASS = "Staff must keep personal phones out of sight during lessons"


def passage(text: str, section: str = "Phones", number: int = 0) -> Passage:
    return Passage(f"p{number}", "Policy", "policy.txt", section, text, number)


# --- pairs ------------------------------------------------------------------------------------------


def test_sentences_split_on_full_stops_and_list_items_without_their_bullets():
    text = "Staff may use phones: \n- in the staff room\n- in an emergency. Never in class."
    assert sentences(text) == [
        "Staff may use phones:",
        "in the staff room",
        "in an emergency.",
        "Never in class.",
    ]


def test_synthetic_pairs_ask_for_a_passage_by_its_sentences_and_its_heading():
    passages = [
        passage("Staff must never share their personal number with a pupil. Short one.", "Contact", 0),
        passage("Photos of pupils are stored on the school network only.", "Photos", 1),
    ]
    pairs = synthetic_pairs(passages, AdaptSettings())
    assert ("Staff must never share their personal number with a pupil.", 0) in [
        (p.query, p.passage) for p in pairs
    ]
    assert ("Contact", 0) in [(p.query, p.passage) for p in pairs]
    assert all(p.query != "Short one." for p in pairs), "a sentence under six words teaches nothing"
    assert not any(p.labelled for p in pairs)


def test_a_labelled_question_is_paired_with_every_passage_that_answers_it():
    passages = [
        passage("Staff should decline friend requests from pupils.", number=0),
        passage("Ex-pupils may not be added either; decline friend requests from them too.", number=1),
        passage("Phones stay in lockers.", number=2),
    ]
    item = LabelledQuestion("kid added me on snap", True, ("decline friend requests",))
    pairs = labelled_pairs([item, LabelledQuestion("parking?", False)], passages)
    assert sorted(p.passage for p in pairs) == [0, 1]
    assert all(p.labelled and p.query == "kid added me on snap" for p in pairs)


def test_a_bad_line_in_a_questions_file_is_named(tmp_path):
    path = tmp_path / "policy.questions.jsonl"
    path.write_text('{"question": "ok?", "in_policy": true, "evidence": ["x"]}\n{"question": 3}\n')
    with pytest.raises(ValueError, match="line 2"):
        read_questions_file(path)


def test_the_calibration_split_is_stable_and_keeps_every_out_of_policy_question():
    questions = tuple(LabelledQuestion(f"question number {n}", True, ("x",)) for n in range(60))
    questions += (LabelledQuestion("where do i park", False),)
    train, calibrate = split(TrainingData(questions))
    assert split(TrainingData(tuple(reversed(questions)))) == (train[::-1], calibrate[::-1])
    assert any(not q.in_policy for q in calibrate) and all(q.in_policy for q in train)
    assert 10 <= sum(q.in_policy for q in calibrate) <= 30, "about a third is held back"


# --- the lead a confident answer needs -----------------------------------------------------------------


def test_a_confident_wrong_answer_costs_more_than_a_tap_gains():
    assert outcome_value(Outcome.ANSWER, right_first=True, right_shown=True) == 1.0
    assert outcome_value(Outcome.ANSWER, right_first=False, right_shown=True) < -1.0
    assert 0 < outcome_value(Outcome.CHOOSE, right_first=False, right_shown=True) < 1.0
    assert outcome_value(Outcome.CHOOSE, right_first=False, right_shown=False) == 0.0
    assert outcome_value(Outcome.DECLINE, right_first=True, right_shown=True) == 0.0


def test_the_lead_that_lets_one_wrong_answer_through_for_two_right_ones_is_not_chosen():
    # lead 0.05: 2 more right answers and 1 more wrong one than at 0.1 (+2 - 3 - 2 * 0.5 for the taps)
    values = {0.05: 10 * 1.0 + 2 * 1.0 - 3.0, 0.1: 10 * 1.0 + 3 * 0.5}
    assert choose_lead(values, questions=60) == 0.1


def test_leads_worth_the_same_go_to_the_larger_safer_one():
    assert choose_lead({0.0: 5.0, 0.15: 5.0, 0.3: 4.5}, questions=60) == 0.15


def test_a_handful_of_questions_cannot_lower_the_lead_below_the_default():
    """Fifteen held-back questions with no wrong answer at 0.05 say little about the next fifty."""
    values = {0.05: 12.0, 0.1: 11.0, DEFAULT_MARGIN: 10.0, 0.3: 8.0}
    assert choose_lead(values, questions=15) == DEFAULT_MARGIN
    assert choose_lead(values, questions=MIN_QUESTIONS_FOR_A_SMALLER_LEAD) == 0.05


# --- training and the stored result -------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("adapt")
    write_small_policy(root / "policies")
    open_index(root / "policies", root / "index", progress=False, notify=lambda _m: None).index.close()
    return root


@pytest.fixture
def school(small_index, tmp_path) -> Path:
    shutil.copytree(small_index, tmp_path, dirs_exist_ok=True)
    return tmp_path


def write_questions(folder: Path, rows: list[dict]) -> None:
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (folder / "policies" / "phone-policy.questions.jsonl").write_text(text, encoding="utf-8")


def rank_of(engine: SearchEngine, question: str, evidence: str) -> int:
    answer = engine.search(question, top_k=3)
    texts = [h.passage.text for h in answer.hits]
    return next((n for n, t in enumerate(texts) if evidence in t), 99)


def test_measuring_embeds_the_calibration_questions_once_for_all_keyword_weights(monkeypatch):
    import embeddings.search

    # The bundled policy's own calibration questions, where the keyword weights do differ.
    _, calibration = split(gather(BUNDLED_POLICIES))
    calibration.append(LabelledQuestion(" ?! ", False))  # no words: declined without being embedded

    def engine() -> SearchEngine:
        return SearchEngine(load_index(bundled_index_dir()))

    # The reference: each keyword weight measured on its own, the questions embedded for each.
    per_weight: list[Measured] = []
    for weight in adaptation.KEYWORD_WEIGHTS:
        with monkeypatch.context() as patch:
            patch.setattr(adaptation, "KEYWORD_WEIGHTS", (weight,))
            per_weight.append(measure(engine(), calibration))
    expected = max(per_weight, key=lambda m: (m.hit1, m.hit3))  # the first best, as `measure` keeps
    assert len({(m.hit1, m.hit3, m.threshold, m.margin) for m in per_weight}) > 1, "weights must matter"

    calls: list[int] = []
    encode = embeddings.search.encode_with_tokens

    def counted(texts, **kwargs):
        calls.append(len(texts))
        return encode(texts, **kwargs)

    monkeypatch.setattr(embeddings.search, "encode_with_tokens", counted)
    measured = engine()
    chosen = measure(measured, calibration)

    assert calls == [len(calibration) - 1], "one model call, for every question with words"
    assert chosen == expected
    assert measured.keyword_weight == expected.keyword_weight


def test_adapting_teaches_the_model_a_schools_own_word(school):
    # "zorbing" is no word the base model knows; the school's questions say it means a trip.
    questions = [
        {"question": f"zorbing {w}", "in_policy": True, "evidence": [TRIP]} for w in ("rules", "phone")
    ]
    questions += [{"question": "phones during lessons", "in_policy": True, "evidence": [CLASS]}]
    write_questions(school, questions)
    before = SearchEngine(load_index(school / "index"))
    before.keyword_weight = 0.0  # the word is in no passage: only the model can learn it
    assert rank_of(before, "zorbing", TRIP) > 0, "the base model must not already know the word"

    data = gather(school / "policies")
    result = adapt_index(school / "index", data, TINY, progress=False)

    assert result.adapted, result.reason
    after = SearchEngine(result.index)
    after.keyword_weight = 0.0
    assert rank_of(after, "zorbing", TRIP) == 0
    assert result.index.query_model_dir is not None and result.index.query_model_dir.is_dir()
    reloaded = load_index(school / "index")
    assert reloaded.query_model_dir == result.index.query_model_dir, (
        "the adapted model is stored with the index"
    )
    assert not adaptation_due(reloaded, data, TINY)


def test_adaptation_is_due_again_when_the_schools_questions_change(school):
    write_questions(school, [{"question": "zorbing rules", "in_policy": True, "evidence": [TRIP]}])
    result = adapt_index(school / "index", gather(school / "policies"), TINY, progress=False)
    assert not adaptation_due(result.index, gather(school / "policies"), TINY)
    write_questions(school, [{"question": "zorbing phone", "in_policy": True, "evidence": [TRIP]}])
    assert adaptation_due(result.index, gather(school / "policies"), TINY)


def test_the_adaptation_status_gathers_the_questions_files_and_the_stored_corrections(school):
    import sqlite_utils

    from embeddings import examples
    from embeddings.engine import adaptation_status

    write_questions(school, [{"question": "zorbing rules", "in_policy": True, "evidence": [TRIP]}])
    policies, database = school / "policies", school / "bot.db"
    index = load_index(school / "index")

    status = adaptation_status(index, policies, database, TINY)  # no database yet: no corrections
    assert status.data == gather(policies) and len(status.data.questions) == 1
    assert status.key == adaptation_key(index, status.data, TINY) and status.due

    adapted = replace(index, manifest={**index.manifest, "adaptation": {"key": status.key}})
    assert not adaptation_status(adapted, policies, database, TINY).due
    assert adaptation_status(adapted, policies, database, AdaptSettings()).due, "the settings count"

    db = sqlite_utils.Database(database)
    examples.create_table(db)
    vector = np.ones(index.vectors.shape[1], dtype=np.float32)
    examples.add_example(db, index.passages[0].id, "zorbing phone", vector / np.linalg.norm(vector))
    db.close()
    corrected = adaptation_status(adapted, policies, database, TINY)
    assert corrected.data.corrections == (Correction("zorbing phone", index.passages[0].id),)
    assert corrected.due and corrected.key != status.key, "a stored correction makes it due again"


def test_with_nothing_labelled_the_model_still_learns_the_policys_own_text(school):
    result = adapt_index(school / "index", gather(school / "policies"), TINY, progress=False)
    assert result.adapted, result.reason
    info = result.index.manifest["adaptation"]
    assert info["labelled_pairs"] == 0 and info["pairs"] > 0
    assert 0.0 < result.index.manifest["threshold"] < 1.0, "a threshold carried over to the new model"
    assert not adaptation_due(result.index, gather(school / "policies"), TINY), (
        "not retried until data changes"
    )


def test_with_nothing_to_learn_the_base_model_stays_and_says_why(tmp_path):
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "tiny.txt").write_text("Phones stay in lockers.\n", encoding="utf-8")
    open_index(
        tmp_path / "policies", tmp_path / "index", progress=False, notify=lambda _m: None
    ).index.close()
    settings = AdaptSettings(epochs=1, min_sentence_words=50)
    result = adapt_index(tmp_path / "index", gather(tmp_path / "policies"), settings, progress=False)
    assert not result.adapted and "nothing" in result.reason
    assert result.index.query_model_dir is None


def test_a_policy_change_during_adaptation_wins(school):
    write_questions(school, [{"question": "zorbing rules", "in_policy": True, "evidence": [TRIP]}])
    data = gather(school / "policies")
    policy = school / "policies" / "phone-policy.txt"

    def rebuild_meanwhile() -> bool:  # the policy is re-indexed while the model trains
        if "Updated" not in policy.read_text():
            policy.write_text(policy.read_text() + "\nUpdated\n\nStaff must lock their phones.\n")
            open_index(school / "policies", school / "index", progress=False, notify=lambda _m: None)
        return False

    result = adapt_index(school / "index", data, TINY, progress=False, should_stop=rebuild_meanwhile)
    assert not result.adapted and "changed" in result.reason
    stored = load_index(school / "index")
    assert stored.query_model_dir is None and any("lock their phones" in p.text for p in stored.passages)


def test_an_answer_says_when_it_is_ambiguous(school):
    engine = SearchEngine(load_index(school / "index"), margin=2.0)  # a lead no answer has
    answer = engine.search("can i use my phone on the school trip")
    assert answer.answered and answer.ambiguous and answer.to_json()["ambiguous"] is True
    assert answer.to_json()["answered"] is True, "a choice shows passages: it is not a decline"


# --- in the bot: a child process, then a swap -----------------------------------------------------------


async def child_priority(adapter: Adapter, limit: float = 60.0) -> int:
    """The running child's CPU priority once it has lowered it (it does so before loading the model);
    its priority when it ends first or `limit` seconds pass."""
    pid, ours = adapter.child, os.getpriority(os.PRIO_PROCESS, 0)  # this process: the bot's stand-in
    assert pid is not None
    seen, deadline = ours, asyncio.get_running_loop().time() + limit
    while seen == ours and asyncio.get_running_loop().time() < deadline:
        try:
            seen = os.getpriority(os.PRIO_PROCESS, pid)
        except OSError:  # gone
            break
        await asyncio.sleep(0.05)
    return seen - ours


def child_environment(adapter: Adapter) -> dict[str, str]:
    """The environment the running child was started with (Linux: /proc)."""
    assert adapter.child is not None
    raw = Path(f"/proc/{adapter.child}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


async def test_the_bot_adapts_in_a_child_process_and_swaps_the_result_in(school):
    write_questions(school, [{"question": "zorbing rules", "in_policy": True, "evidence": [TRIP]}])
    engine = SearchEngine(load_index(school / "index"))
    adapter = Adapter(engine, school / "policies", school / "index", None, TINY)
    assert adapter.due() and adapter.last.startswith("base model")

    assert await adapter.tick() == "started"
    assert adapter.running and await adapter.tick() in (None, adapter.last)  # answering goes on meanwhile
    assert child_environment(adapter).get("GOMP_SPINCOUNT") == SPIN_TURNS, "its waiting threads sleep soon"
    assert await child_priority(adapter) == NICENESS, "the child trains below the bot's CPU priority"
    line = await adapter.wait()

    assert line is not None and line.startswith("adapted to these policies"), line
    assert engine.index.query_model_dir is not None, "the engine answers with the adapted model now"
    assert not adapter.due() and await adapter.tick() is None, "nothing more to do until something changes"


async def test_a_failed_adaptation_is_reported_once_and_not_retried(school):
    engine = SearchEngine(load_index(school / "index"))
    adapter = Adapter(engine, school / "policies", school / "missing-index", None, TINY)
    assert await adapter.tick() == "started"
    line = await adapter.wait()
    assert line is not None and line.startswith("adaptation failed") and "damaged" in line
    assert not adapter.due() and await adapter.tick() is None
    assert adapter.failed, "/policies says the tuning failed"


def test_an_index_whose_adapted_model_is_gone_is_damaged_not_trusted(school):
    from embeddings.index import IndexCorrupt

    write_questions(school, [{"question": "zorbing rules", "in_policy": True, "evidence": [TRIP]}])
    result = adapt_index(school / "index", gather(school / "policies"), TINY, progress=False)
    assert result.index.query_model_dir is not None
    shutil.rmtree(result.index.query_model_dir)
    with pytest.raises(IndexCorrupt, match="adapted model"):
        load_index(school / "index")
    reopened = open_index(school / "policies", school / "index", progress=False, notify=lambda _m: None)
    assert reopened.status == "rebuilt (damaged)" and reopened.index.query_model_dir is None


def test_adapting_again_starts_from_the_base_model_and_replaces_the_old_one(school):
    write_questions(school, [{"question": "zorbing rules", "in_policy": True, "evidence": [TRIP]}])
    first = adapt_index(school / "index", gather(school / "policies"), TINY, progress=False)
    write_questions(school, [{"question": "zorbing phone", "in_policy": True, "evidence": [TRIP]}])
    second = adapt_index(school / "index", gather(school / "policies"), TINY, progress=False)
    assert first.adapted and second.adapted
    assert second.index.query_model_dir != first.index.query_model_dir
    assert second.index.query_model_dir is not None and second.index.query_model_dir.is_dir()
    assert not first.index.query_model_dir.exists(), "the old adapted model is not kept"


def test_a_new_correction_is_learnt_by_continuing_the_adapted_model_in_a_few_steps(school):
    """A staff pick must count in seconds, not after minutes of adapting from zero."""
    first_data = gather(school / "policies", [Correction("zorbing rules", _passage_id(school, TRIP))])
    first = adapt_index(school / "index", first_data, TINY, progress=False)
    assert first.adapted, first.reason
    full_steps = first.index.manifest["adaptation"]["steps"]

    pick = Correction("quidditch", _passage_id(school, CLASS))  # a word no model knows
    data = replace(first_data, corrections=(*first_data.corrections, pick))
    assert adaptation.continuation(first.index, data, TINY) == [pick]
    second = adapt_index(school / "index", data, TINY, progress=False)

    stored = second.index.manifest["adaptation"]
    assert second.adapted and stored["continued"], second.reason
    # bounded by the new picks and their replay, whatever the size of the policies
    one_pick = math.ceil((1 + adaptation.REPLAY_PER_NEW) / TINY.batch_size) * adaptation.CONTINUATION_EPOCHS
    assert stored["steps"] == one_pick < full_steps
    assert not adaptation_due(second.index, data, TINY)
    after = SearchEngine(second.index)
    after.keyword_weight = 0.0
    assert rank_of(after, "quidditch", CLASS) == 0, "the new pick is learnt"
    assert rank_of(after, "zorbing rules", TRIP) == 0, "the earlier one is not forgotten"


def test_a_withdrawn_correction_or_a_changed_questions_file_adapts_from_the_base_model(school):
    pick = Correction("zorbing rules", _passage_id(school, TRIP))
    first = adapt_index(school / "index", gather(school / "policies", [pick]), TINY, progress=False)
    assert first.adapted, first.reason

    assert adaptation.continuation(first.index, gather(school / "policies"), TINY) is None
    write_questions(school, [{"question": "zorbing phone", "in_policy": True, "evidence": [TRIP]}])
    assert adaptation.continuation(first.index, gather(school / "policies", [pick]), TINY) is None


def _passage_id(school: Path, text: str) -> str:
    index = load_index(school / "index")
    try:
        return next(p.id for p in index.passages if text in p.text)
    finally:
        index.close()
