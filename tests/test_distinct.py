"""A choice never offers the same words twice: copies of a passage ranked above are left out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embeddings.decision import Outcome
from embeddings.distinct import SAME_WORDS, distinct, same_words, says_the_same
from embeddings.index import build_index
from embeddings.search import SearchEngine

TEXTS = {
    1: "If you are worried about a child, tell the Designated Safeguarding Lead the same day.",
    2: "If you are worried about a child, tell the designated safeguarding lead the same day!",
    3: "Staff must not accept friend requests from pupils on any social media site.",
    4: "If you are worried about a pupil, write down what they said and tell the DSL the same day.",
}


def ranked(*items: int) -> list[tuple[int, float]]:
    return [(item, 1.0 / n) for n, item in enumerate(items, start=1)]


def test_a_passage_with_the_same_words_as_one_above_it_is_left_out():
    order = ranked(1, 3, 2, 4)

    assert distinct(order, TEXTS.get) == [order[0], order[1], order[3]]


def test_the_copy_ranked_first_keeps_its_place_and_the_other_passages_keep_their_order():
    order = distinct(ranked(2, 4, 1, 3), TEXTS.get)
    assert [item for item, _ in order] == [2, 4, 3]


def test_passages_that_share_most_but_not_all_of_their_words_are_both_kept():
    assert [item for item, _ in distinct(ranked(1, 4), TEXTS.get)] == [1, 4]


def test_copies_are_the_same_words_whatever_their_case_and_punctuation():
    assert says_the_same(TEXTS[1], TEXTS[2])
    assert not says_the_same(TEXTS[1], TEXTS[4])


def test_copies_below_the_first_few_are_left_as_they_are():
    assert [item for item, _ in distinct(ranked(3, 1, 2), TEXTS.get, look=2)] == [3, 1, 2]


SHARED = (
    "If a pupil tells you something that worries you about their safety, listen, do not promise "
    "to keep it secret, write down their words and tell the Designated Safeguarding Lead at once."
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> SearchEngine:
    """Two policies that share their disclosure paragraph word for word."""
    tmp_path = tmp_path_factory.mktemp("shared")
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "safeguarding.txt").write_text(
        f"Safeguarding Policy\n\n1. Disclosures\n\n{SHARED}\n\n2. Visitors\n\n"
        "Visitors sign in at reception and wear a badge at all times.\n"
    )
    (policies / "online-safety.txt").write_text(
        f"Online Safety Policy\n\n1. Concerns\n\n{SHARED}\n\n2. Filtering\n\n"
        "The school filters internet access on every school device.\n"
    )
    return SearchEngine(build_index(policies, tmp_path / "index", progress=False))


QUESTION = "a pupil told me something worrying, what do i do"


def test_a_paragraph_two_policies_share_is_offered_once(engine: SearchEngine):
    answer = engine.search(QUESTION, top_k=3)

    texts = [" ".join(hit.passage.text.split()) for hit in answer.hits]
    assert texts[0] == SHARED
    assert texts.count(SHARED) == 1


def test_a_paragraph_two_policies_share_can_be_the_answer(engine: SearchEngine):
    """Each retriever may put either copy first; the one shown counts as theirs."""
    assert engine.search(QUESTION).outcome is Outcome.ANSWER


VOCABULARY = [f"w{n}" for n in range(120)]
WORDS = st.frozensets(st.sampled_from(VOCABULARY), max_size=100)
A_FEW = st.frozensets(st.sampled_from(VOCABULARY), max_size=8)


@given(WORDS, A_FEW, A_FEW)
def test_sharing_words_is_the_share_of_both_sets_words_found_in_each(a, removed, added):
    b = (a - removed) | added  # close to a, where the share is near the bar
    # the quick check on the sets' sizes never changes what the definition says
    for x, y in ((a, b), (b, a)):
        assert same_words(x, y) == (bool(x and y) and len(x & y) / len(x | y) >= SAME_WORDS)


def test_a_passage_holding_nine_in_ten_of_a_longer_ones_words_says_the_same():
    longer = frozenset(f"w{n}" for n in range(70))
    assert same_words(longer, frozenset(list(longer)[:63]))  # 63 / 70 is the bar itself


def distinct_by_definition(order, text_of, look):
    """The rule as written: a passage among the first `look` is left out when it says the same as one kept."""
    kept = []
    for item, score in order[:look]:
        if not any(says_the_same(text_of(item), text_of(other)) for other, _ in kept):
            kept.append((item, score))
    return kept + list(order[look:])


@given(
    st.frozensets(st.sampled_from(VOCABULARY), min_size=1, max_size=100),
    st.lists(st.tuples(A_FEW, A_FEW), max_size=12),
)
def test_leaving_out_copies_is_the_rule_as_written_however_the_sizes_compare(base, changes):
    """Passages a few words away from one another, where the bar and the size check both matter."""
    passages = [sorted(base)] + [sorted((base - removed) | added) or ["w0"] for removed, added in changes]
    texts = {n: " ".join(words) for n, words in enumerate(passages)}
    order = ranked(*texts)
    assert distinct(order, texts.get, look=10) == distinct_by_definition(order, texts.get, look=10)
