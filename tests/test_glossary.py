"""The glossary: a general one safe in any school type, and the school's own words over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.adaptation import gather
from knowledge.glossary import SCHOOL_GLOSSARY, Glossary, GlossaryError

PEOPLE = {"child", "children", "kid", "kids", "learner", "learners", "pupil", "pupils", "student", "students"}


def test_the_general_glossary_never_turns_one_kind_of_person_into_another():
    """In a college or a nursery a "student" may be an adult trainee: "child" must not become one."""
    general = Glossary.load()
    for term in PEOPLE:
        assert term not in general.terms, term
    assert "head" not in general.terms, '"bumped her head" is not the Head Teacher'


@pytest.mark.parametrize(
    ("typed", "policy_words"),
    [
        ("can i give calpol on the trip", "medicine"),
        ("where do the epi pens live", "adrenaline auto-injector"),
        ("who's our LADO", "local authority designated officer"),
        ("caught a yr 10 with a fag", "smoking"),
        ("do i need an RA for forest school", "risk assessment"),
        ("H&S walk round tomorrow", "health and safety"),
    ],
)
def test_school_abbreviations_and_slang_get_the_policy_words(typed, policy_words):
    assert policy_words in Glossary.load().expand(typed)


def test_a_school_s_own_words_are_added_and_win(tmp_path: Path):
    (tmp_path / SCHOOL_GLOSSARY).write_text('[terms]\n"kid" = "pupil"\n"ht" = "principal"\n')
    glossary = Glossary.for_policies(tmp_path)
    assert glossary.expand("a kid asked the ht") == "a kid asked the ht (pupil; principal)"


def test_a_folder_with_no_glossary_of_its_own_gets_the_general_one(tmp_path: Path):
    assert Glossary.for_policies(tmp_path).terms == Glossary.load().terms


def test_a_broken_school_glossary_is_named_in_one_line(tmp_path: Path):
    (tmp_path / SCHOOL_GLOSSARY).write_text('[terms\n"kid" = ')
    with pytest.raises(GlossaryError, match=r"glossary .*glossary.toml is not valid TOML") as caught:
        Glossary.for_policies(tmp_path)
    assert "\n" not in str(caught.value)
    (tmp_path / SCHOOL_GLOSSARY).write_text('[terms]\n"kid" = 3\n')
    with pytest.raises(GlossaryError, match="needs a \\[terms\\] table"):
        Glossary.for_policies(tmp_path)


def test_changing_the_school_s_glossary_makes_the_adapted_model_due_again(tmp_path: Path):
    """The model is trained on questions widened by the glossary; other words make it stale."""
    before = gather(tmp_path).fingerprint()
    (tmp_path / SCHOOL_GLOSSARY).write_text('[terms]\n"kid" = "pupil"\n')
    assert gather(tmp_path).fingerprint() != before
