"""The search itself: rank fusion, safe keyword queries, and the decision to answer or decline.

Fusion and the threshold choice are tested on hand-made numbers, so a failure
points at the arithmetic; the answer/decline decision is tested with the real
model and the bundled policy on the held-out staff questions (not the dev set
the threshold was tuned on).
"""

from __future__ import annotations

import re

import pytest
from search_fixtures import bundled_engine, staff_questions

from embeddings.calibrate import choose_threshold
from embeddings.fusion import RRF_K, reciprocal_rank_fusion
from embeddings.query import clean_question, query_words
from embeddings.search import Answer, QuestionVectors, SearchEngine

# --- reciprocal rank fusion --------------------------------------------------------------------


def test_an_item_high_in_both_rankings_beats_one_top_in_only_one():
    dense = [1, 2, 3, 4]
    keyword = [5, 2, 6, 7]
    fused = reciprocal_rank_fusion([dense, keyword])
    order = [item for item, _ in fused]
    assert order[0] == 2  # second in both
    assert order.index(2) < order.index(1) and order.index(2) < order.index(5)


def test_fused_scores_are_the_sum_of_one_over_k_plus_rank():
    fused = dict(reciprocal_rank_fusion([[10, 20], [20]], k=60))
    assert fused[10] == pytest.approx(1 / 61)
    assert fused[20] == pytest.approx(1 / 62 + 1 / 61)
    assert RRF_K == 60


def test_every_item_of_every_ranking_appears_once_best_first():
    fused = reciprocal_rank_fusion([[3, 1, 2], [4, 3]])
    items = [i for i, _ in fused]
    assert sorted(items) == [1, 2, 3, 4]
    scores = [s for _, s in fused]
    assert scores == sorted(scores, reverse=True)


def test_weights_let_one_ranking_count_more():
    dense, keyword = [1, 2], [2, 1]
    assert reciprocal_rank_fusion([dense, keyword], weights=[3.0, 1.0])[0][0] == 1
    assert reciprocal_rank_fusion([dense, keyword], weights=[1.0, 3.0])[0][0] == 2
    assert dict(reciprocal_rank_fusion([dense], weights=[0.0])) == {1: 0.0, 2: 0.0}


def test_a_small_k_rewards_the_very_top_more_than_a_large_k():
    """Item 1: first in one ranking only; item 2: third in both. k decides which wins."""
    rankings = [[1, 9, 2], [7, 8, 2]]
    assert reciprocal_rank_fusion(rankings, k=1)[0][0] == 1  # 1/2 > 2/4
    assert reciprocal_rank_fusion(rankings, k=60)[0][0] == 2  # 1/61 < 2/63


def test_ties_are_broken_by_item_number_so_results_are_repeatable():
    assert [i for i, _ in reciprocal_rank_fusion([[5, 3], [3, 5]])] == [3, 5]


def test_fusion_of_nothing_is_nothing():
    assert reciprocal_rank_fusion([]) == []
    assert reciprocal_rank_fusion([[], []]) == []


def test_weights_must_match_the_rankings():
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[1], [2]], weights=[1.0])


# --- keyword queries ---------------------------------------------------------------------------

HOSTILE_QUESTIONS = [
    'friend "requests',
    "friend NEAR(requests, 2)",
    "NEAR friend requests",
    "ex-student*",
    "(friend OR students) AND NOT staff",
    "friend AND OR NOT",
    "column:text ^friend requests + - {x} [y]",
    "staff's 'friend' requests; DROP TABLE passages; --",
    "élèves et professeurs sur Facebook ✨ 先生",
    "\x00\x1b[31m friend",
    "***",
    "",
]


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS)
def test_query_words_are_plain_words_each_once(question):
    words = query_words(question)
    if not words:  # only a question with no word of two letters or more leaves nothing to search for
        assert not any(len(w) > 1 for w in re.findall(r"[^\W_]+", question)), question
        return
    assert all(w.isalnum() and w == w.lower() for w in words), words
    assert len(set(words)) == len(words), "each word once"


@pytest.mark.parametrize("question", HOSTILE_QUESTIONS)
def test_the_keyword_ranking_takes_any_question_without_error(question):
    index = bundled_engine().index
    hits = index.keyword(index.informative(query_words(question)), 5)
    assert all(0 <= n < len(index.passages) and score > 0 for n, score in hits)


def test_query_words_keep_content_words_and_drop_chat_filler():
    words = query_words("Can I please accept a friend request from an ex-student on Facebook??")
    assert words == ["accept", "friend", "request", "ex", "student", "facebook"]


def test_keyword_search_finds_rare_exact_words():
    index = bundled_engine().index
    for word, phrase in [("flickr", "Flickr"), ("eyfs", "EYFS"), ("zoom", "Zoom Meetings")]:
        hits = index.keyword([word], 3)
        assert hits, word
        assert phrase in index.passages[hits[0][0]].text


def test_words_in_most_passages_are_left_out_of_the_keyword_query():
    """BM25 gives a word in over half the passages no weight; querying it only costs time."""
    index = bundled_engine().index
    half = len(index.passages) / 2
    assert index.document_frequency("staff") > half  # "staff" is nearly everywhere in the policy
    assert 0 < index.document_frequency("flickr") <= half
    assert index.informative(["staff", "flickr", "zzzunknown"]) == ["flickr", "zzzunknown"]
    assert index.document_frequency("zzzunknown") == 0


def test_clean_question_drops_control_characters_and_rejects_questions_without_words():
    assert clean_question("  can I\x00 friend\x1b  a student?\n") == "can I friend a student?"
    assert clean_question("?!... ___ \t") == ""
    assert len(clean_question("word " * 100_000)) <= 2000


# --- the answered decision with the real model -------------------------------------------------

IN_POLICY = [
    "Can I friend an ex-student?",
    "yr 10 girl sent me a follow request on tiktok, do i accept??",
    "one of my old yr 13s who left 2 yrs ago wants to connect on insta, allowed?",
]
OUT_OF_POLICY = [
    "What is the staff dress code?",
    "How much maternity pay will I get?",
    "photocopier's jammed again, who fixes it",
    "am i on lunch duty tmrw",
    "When is the next INSET day?",
]


@pytest.fixture(scope="module")
def engine() -> SearchEngine:
    return bundled_engine()


@pytest.mark.parametrize("question", IN_POLICY)
def test_in_policy_questions_are_answered(engine, question):
    answer = engine.search(question)
    assert answer.answered, f"best similarity {answer.best.similarity:.3f} < {engine.threshold}"


@pytest.mark.parametrize("question", OUT_OF_POLICY)
def test_out_of_policy_questions_are_declined(engine, question):
    answer = engine.search(question)
    assert not answer.answered, f"best similarity {answer.best.similarity:.3f} >= {engine.threshold}"


def test_the_friend_request_question_finds_the_ex_student_rule(engine):
    answer = engine.search("Can I friend an ex-student?")
    assert any("ex-students" in h.passage.text for h in answer.hits[:3])


def test_the_decision_holds_on_the_staff_question_set(engine):
    """Held-out staff questions (measured: 56/60 answered, 12/15 declined at the shipped threshold)."""
    items = staff_questions()
    answers = engine.search_many([i["question"] for i in items])
    in_policy = [a.answered for i, a in zip(items, answers, strict=True) if i["in_policy"]]
    out_of_policy = [not a.answered for i, a in zip(items, answers, strict=True) if not i["in_policy"]]
    assert len(in_policy) >= 50 and len(out_of_policy) >= 10
    answered, declined = sum(in_policy) / len(in_policy), sum(out_of_policy) / len(out_of_policy)
    assert answered >= 0.9, f"answered only {answered:.0%} of in-policy questions"
    assert declined >= 0.75, f"declined only {declined:.0%} of out-of-policy questions"


def test_search_many_matches_one_at_a_time(engine):
    questions = ["Can I friend an ex-student?", "", "What is the staff dress code?"]
    batch = engine.search_many(questions, top_k=3)
    for question, answer in zip(questions, batch, strict=True):
        single = engine.search(question, top_k=3)
        assert answer.answered == single.answered
        assert [h.passage.id for h in answer.hits] == [h.passage.id for h in single.hits]


def test_search_many_with_vectors_embedded_beforehand_gives_the_same_answers(engine):
    questions = ["Can I friend an ex-student?", " ?? ", "What is the staff dress code?"]
    vectors = engine.question_vectors(questions)
    assert len(vectors) == 3 and not vectors.vectors[1].any(), "a question with no words is not embedded"
    assert not len(vectors.pieces[1]) and len(vectors.pieces[0]) >= 3
    assert engine.search_many(questions, top_k=3, vectors=vectors) == engine.search_many(questions, top_k=3)
    fewer = QuestionVectors(vectors.vectors[:2], vectors.pieces[:2])
    with pytest.raises(ValueError, match="2 question vectors for 3 questions"):
        engine.search_many(questions, vectors=fewer)


def test_an_empty_question_is_declined_with_no_passages(engine):
    assert engine.search("  ?? ") == Answer("  ?? ")


def test_hits_are_best_first_and_carry_their_similarity(engine):
    answer = engine.search("who do I report cyberbullying to?", top_k=5)
    assert len(answer.hits) == 5
    scores = [h.score for h in answer.hits]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= h.similarity <= 1.0 for h in answer.hits)
    assert len({h.passage.id for h in answer.hits}) == 5


@pytest.mark.parametrize("method", ["dense", "keyword", "hybrid"])
def test_every_method_finds_the_friend_request_rule(engine, method):
    single = SearchEngine(engine.index, glossary=engine.glossary, method=method)
    answer = single.search("should staff decline friend requests from students?", top_k=3)
    assert any("decline 'friend requests'" in h.passage.text for h in answer.hits)


def test_an_unknown_method_is_refused(engine):
    with pytest.raises(ValueError, match="unknown search method"):
        SearchEngine(engine.index, glossary=engine.glossary, method="magic")


# --- choosing the threshold --------------------------------------------------------------------


def test_the_threshold_is_the_separating_cut_in_the_middle_of_the_gap():
    scores = [(0.80, True), (0.70, True), (0.62, True), (0.40, False), (0.35, False), (0.20, False)]
    result = choose_threshold(scores)
    assert result.threshold == pytest.approx((0.62 + 0.40) / 2)
    assert (result.answered_in_policy, result.declined_out_of_policy) == (1.0, 1.0)
    assert (result.n_in, result.n_out) == (3, 3)


def test_few_out_of_policy_questions_still_count_in_full():
    """Ten covered questions (one an outlier at 0.3) and two not covered: declining four in five
    of two means declining both, so the cut goes between 0.6 and 0.65 and loses the outlier."""
    covered = [0.9, 0.85, 0.8, 0.78, 0.75, 0.72, 0.7, 0.68, 0.65, 0.3]
    scores = [(s, True) for s in covered] + [(0.5, False), (0.6, False)]
    result = choose_threshold(scores)
    assert result.answered_in_policy == pytest.approx(0.9)
    assert result.declined_out_of_policy == 1.0
    assert result.threshold == pytest.approx((0.6 + 0.65) / 2)


def test_a_lone_out_of_policy_question_is_declined_even_among_covered_ones():
    """One out-of-policy question scoring among nineteen covered ones: plain accuracy would answer
    everything (19/20 right); the bar declines it at the cost of the six covered ones below it."""
    scores = [(round(0.5 + i / 100, 2), True) for i in range(19)] + [(0.555, False)]
    result = choose_threshold(scores)
    assert result.threshold == pytest.approx((0.555 + 0.56) / 2)
    assert result.declined_out_of_policy == 1.0
    assert result.answered_in_policy == pytest.approx(13 / 19)


def test_the_bar_stops_at_four_in_five_out_of_policy_questions_declined():
    """Twenty covered questions, three of them low (0.40-0.44), and five not covered, one at 0.5.
    Declining that one too would cost the three covered ones (balanced accuracy 0.925 against
    0.90 chose so); the bar declines four in five and answers every covered question."""
    covered = [round(0.9 - i * 0.02, 2) for i in range(17)] + [0.40, 0.42, 0.44]
    scores = [(s, True) for s in covered] + [(s, False) for s in (0.2, 0.25, 0.3, 0.35, 0.5)]
    result = choose_threshold(scores)
    assert result.threshold == pytest.approx((0.35 + 0.40) / 2)
    assert (result.answered_in_policy, result.declined_out_of_policy) == (1.0, 0.8)


def test_out_of_policy_questions_among_the_covered_ones_do_not_push_the_bar_over_them():
    """Ten covered questions at 0.40-0.49 and three of five uncovered ones among them: declining
    four in five would answer only 3 covered ones; the bar stays below them all, as balanced
    accuracy puts it, and declines the two uncovered ones that are clearly apart."""
    covered = [round(0.40 + i / 100, 2) for i in range(10)]
    scores = [(s, True) for s in covered] + [(s, False) for s in (0.1, 0.2, 0.455, 0.465, 0.475)]
    result = choose_threshold(scores)
    assert result.threshold == pytest.approx((0.2 + 0.40) / 2)
    assert (result.answered_in_policy, result.declined_out_of_policy) == (1.0, 0.4)


def test_when_nothing_separates_the_rates_show_the_compromise():
    scores = [(0.5, True), (0.5, False), (0.7, True), (0.3, False)]
    result = choose_threshold(scores)
    assert (result.answered_in_policy, result.declined_out_of_policy) in {(1.0, 0.5), (0.5, 1.0)}
    assert "threshold" in result.describe()
