"""Late interaction: the first passages found, ordered by how well each word of the question finds its match.

The single vector of a question and of a passage can agree on a topic and miss the point; the
word pieces' own vectors (MiniLM's, stored with the index) decide which of the first twenty
passages found are offered, and in what order, never whether a question is declined.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from search_fixtures import bundled_engine, normalise, staff_questions

import embeddings.late as late
from embeddings.late import FIRST, TokenRows, late_score, late_scores, reorder_first
from embeddings.search import SearchEngine


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("in_memory", [True, False], ids=["held in memory", "read from disk"])
def test_stored_word_pieces_come_back_within_a_rounding_of_what_was_stored(tmp_path, monkeypatch, in_memory):
    if not in_memory:
        monkeypatch.setattr(late, "IN_MEMORY", 0)
    rng = np.random.default_rng(5)
    passages = [unit(rng.normal(size=(n, 384))) for n in (3, 0, 7)]
    TokenRows.of_passages(passages, 384).save(tmp_path)
    loaded = TokenRows.load(tmp_path)
    assert loaded.passages == 3
    assert loaded.of(1).shape == (0, 384), "a passage with no word pieces has none, not a neighbour's"
    for number in (0, 2):
        assert np.abs(loaded.of(number) - passages[number]).max() < 0.01
    assert isinstance(loaded.rows, np.ndarray) == in_memory


def test_a_policy_sets_rows_are_held_in_memory_up_to_the_limit_and_larger_ones_read_from_disk(
    tmp_path, monkeypatch
):
    rng = np.random.default_rng(6)
    TokenRows.of_passages([unit(rng.normal(size=(10, 384)))], 384).save(tmp_path)
    monkeypatch.setattr(late, "IN_MEMORY", 10 * 384)
    assert isinstance(TokenRows.load(tmp_path).rows, np.ndarray)
    monkeypatch.setattr(late, "IN_MEMORY", 10 * 384 - 1)
    assert not isinstance(TokenRows.load(tmp_path).rows, np.ndarray)


def test_a_passage_holding_each_word_of_the_question_scores_higher_than_one_holding_some():
    rng = np.random.default_rng(8)
    words = unit(rng.normal(size=(4, 384)))
    question = words[:3]
    all_three = np.vstack([words[[0, 1, 2]], words[3:]])
    one_of_them = np.vstack([words[:1], words[3:]])
    assert late_score(question, all_three) == pytest.approx(1.0, abs=1e-5)
    assert late_score(question, one_of_them) < late_score(question, all_three)
    assert late_score(question, np.zeros((0, 384), dtype=np.float32)) == 0.0


def test_only_the_first_passages_are_reordered_and_ties_keep_the_fused_order():
    rng = np.random.default_rng(2)
    words = unit(rng.normal(size=(3, 384)))
    # passage 1 holds the question's word; 0 and 2 hold the same other word (a tie); 3 and 4 hold it too
    tokens = TokenRows.of_passages([words[:1], words[1:2], words[:1], words[1:2], words[1:2]], 384)
    order = [(0, 0.5), (1, 0.4), (2, 0.3), (3, 0.2), (4, 0.1)]
    reordered = reorder_first(order, words[1:2], tokens, first=3)
    assert reordered == [(1, 0.4), (0, 0.5), (2, 0.3), (3, 0.2), (4, 0.1)]
    same = TokenRows.of_passages([words[:1]] * 5, 384)
    assert reorder_first(order, words[1:2], same, first=3) == order


# --- on the bundled policy, with the real model ----------------------------------------------

# Staff questions whose passage the single vectors put second or third (measured on the bundled
# policy, base model): the word pieces bring it first.
BROUGHT_FIRST = [
    ("can the school put my photo on the website without asking", "Staff must give permission for their"),
    ("some kids arent allowed in photos, how do we make sure", "children who are on the restricted list"),
    (
        "what happens if a member of staff turns out to be the one doing the cyberbullying?",
        "If a member of staff is the perpetrator",
    ),
]


@pytest.fixture(scope="module")
def engines() -> tuple[SearchEngine, SearchEngine]:
    """The bundled policy's engine, and the same index searched without its word pieces."""
    engine = bundled_engine()
    return engine, SearchEngine(replace(engine.index, tokens=None), glossary=engine.glossary)


@pytest.mark.parametrize(("question", "evidence"), BROUGHT_FIRST)
def test_the_passage_whose_words_match_the_question_is_offered_first(engines, question, evidence):
    with_pieces, without = engines
    first = with_pieces.search(question).hits[0].passage.text
    assert normalise(evidence) in normalise(first)
    assert normalise(evidence) not in normalise(without.search(question).hits[0].passage.text)


def test_the_word_pieces_choose_what_is_offered_never_whether_a_question_is_declined(engines):
    with_pieces, without = engines
    questions = [q["question"] for q in staff_questions()]
    changed = 0
    for a, b in zip(with_pieces.search_many(questions), without.search_many(questions), strict=True):
        assert a.answered == b.answered, a.question
        changed += [h.passage.id for h in a.choices] != [h.passage.id for h in b.choices]
    assert changed >= 5, "what is offered changes for some questions"


def test_the_offer_is_drawn_from_the_first_twenty_found(engines):
    with_pieces, without = engines
    for item in staff_questions():
        first = {h.passage.id for h in without.search(item["question"], top_k=FIRST).hits}
        assert {h.passage.id for h in with_pieces.search(item["question"]).hits} <= first


def test_several_passages_are_scored_as_each_alone():
    rng = np.random.default_rng(4)
    question = unit(rng.normal(size=(4, 384)))
    passages = [unit(rng.normal(size=(n, 384))) for n in (5, 1, 9)]
    tokens = TokenRows.of_passages(passages, 384)
    assert late_scores(question, tokens, [2, 0, 1]) == pytest.approx(
        [late_score(question, tokens.of(n)) for n in (2, 0, 1)], abs=1e-5
    )


@pytest.mark.parametrize(
    "question", ["can i friend an ex student", "Where do I report a friend request? It was on the trip"]
)
def test_a_question_alone_is_embedded_as_the_models_own_encode_embeds_it(question):
    from embeddings.model import encode_with_tokens, load_model

    model = load_model()
    sentence = model.encode([question], show_progress_bar=False)[0]
    batch_vectors, batch_pieces = encode_with_tokens([question, "and another question"])
    model.train()  # as a model comes off disk: a question must still be read without dropout
    try:
        for _ in range(2):
            vectors, pieces = encode_with_tokens([question])
            assert np.array_equal(vectors[0], sentence / np.linalg.norm(sentence))
            assert pieces[0].shape == batch_pieces[0].shape
            assert np.allclose(pieces[0], batch_pieces[0], atol=1e-6)  # a batch is padded: 1e-7 apart
    finally:
        model.eval()
