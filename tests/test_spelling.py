"""Typing slips in a question are mended against the policies' own words before searching.

Why: staff type on phones. A misspelt word matches nothing in the keyword ranking and turns
into unrelated word pieces for the model; measured on the labelled phone-style questions, one
slip per question cost the DfE guidance's held-out half 7 of 48 right answers. The rule must
never touch a question typed correctly, so most of these tests are about what stays.
"""

from __future__ import annotations

from collections import Counter

import pytest

from embeddings.spelling import Speller, edit_distance

POLICY = [
    "Staff should decline friend requests from students they receive in their personal accounts.",
    "Personal phones must not be used to contact parents. Use the school email address.",
    "Report harassment to the Head Teacher. Keep evidence: screenshots of messages.",
    "Facebook, Instagram and Twitter accounts of the school are run by the marketing manager.",
]
KNOWN = {"what", "about", "class", "with", "play", "nativity", "insert"}  # stands in for the model's words


@pytest.fixture
def speller() -> Speller:
    return Speller.for_texts(POLICY, KNOWN)


@pytest.mark.parametrize(
    ("a", "b", "limit", "expected"),
    [
        ("friend", "friend", 1, 0),
        ("frend", "friend", 1, 1),  # a letter left out
        ("firend", "friend", 1, 1),  # two neighbours swapped: one slip
        ("frinds", "friend", 1, 2),  # beyond the limit: limit + 1
        ("harasment", "harassment", 2, 1),
        ("cat", "harassment", 2, 3),  # lengths too far apart to be within the limit
    ],
)
def test_edit_distance(a: str, b: str, limit: int, expected: int) -> None:
    assert edit_distance(a, b, limit) == expected


def test_slips_become_the_policy_words(speller: Speller) -> None:
    assert speller.correct("got a frisnd req, do i decilne?") == "got a friend req, do i decline?"
    assert speller.correct("can i use my persnal phone to emial parnets") == (
        "can i use my personal phone to email parents"
    )
    assert speller.correct("a mum is on facenook") == "a mum is on facebook"
    assert speller.correct("Harasment by a parent") == "harassment by a parent"


def test_a_correct_question_is_never_changed(speller: Speller) -> None:
    for question in (
        "What about the nativity play?",  # words the model knows, though not in the policy
        "arent we meant to report it",  # a contraction without its apostrophe, not "parent"
        "shld i keep screenshots",  # no vowel: an abbreviation
        "can i DM a kid",  # short words are left alone
        "are the school's accounts run by marketing",  # an inflected policy word
        "the students reported it",  # inflected forms of known words
    ):
        assert speller.correct(question) == question


def test_the_most_frequent_policy_word_wins_a_tie() -> None:
    speller = Speller(Counter({"parents": 9, "patents": 1}))
    assert speller.suggestion("pagents") == "parents"
    assert speller.suggestion("zzzzzzz") is None  # nothing near: left as typed


def test_a_slip_finds_the_passage_the_correct_question_finds(engine) -> None:
    typed = "can i acept frend requsts from ex studnts"
    meant = "can i accept friend requests from ex students"
    right = engine.search(meant).best.passage.id
    assert engine.search(typed).best.passage.id == right
    engine.spelling = False
    try:
        assert engine.search(typed).best.passage.id != right  # what the slips cost without mending
    finally:
        engine.spelling = True
    assert engine.search(typed).question == typed  # the question itself is kept as typed
