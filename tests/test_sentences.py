"""A passage too long for a phone is cut where a sentence ends, never inside one, and stays verbatim.

Staff read a passage as a quote: one that stops mid-sentence ("staff must
not take" / "calls while teaching") reads as a different rule, and the half
without its subject is found for the wrong questions.
"""

from __future__ import annotations

import re

from search_fixtures import normalise

from knowledge.chunking import ChunkSettings, chunk_document
from knowledge.model import Block, Document

SETTINGS = ChunkSettings(max_words=40)
ENDS = re.compile(r"[.!?:;][\"'”’)\]]*$")


def passages_of(*blocks: Block, settings: ChunkSettings = SETTINGS) -> list[str]:
    doc = Document(name="p.txt", title="Policy", blocks=[Block("Rules", heading=True), *blocks])
    return [p.text for p in chunk_document(doc, settings)]


def test_a_paragraph_whose_lines_break_mid_sentence_is_cut_only_at_a_sentence_end():
    """A PDF or text paragraph too short to be taken as hard-wrapped keeps its line breaks,
    which fall inside sentences."""
    lines = [
        "Staff who are worried about a child must write down what they saw and",
        "heard on the same day, in the child's own words, and pass the record",
        "to the Designated Safeguarding Lead. If the DSL cannot be reached the",
        "member of staff speaks to the deputy or to the Head Teacher, who acts",
        "on it at once. Staff never investigate a concern on their own and never",
        "promise a child that what they say will be kept secret from others.",
    ]
    text = "\n".join(lines)
    passages = passages_of(Block(text))
    assert len(passages) > 1
    for passage in passages:
        assert ENDS.search(passage), passage
        assert normalise(passage) in normalise(text)


def test_abbreviations_and_initials_do_not_end_a_sentence():
    first = (
        "Staff report every concern about the conduct of an adult working in school to the Head "
        "Teacher on the same day, and they write down what they saw and heard."
    )
    second = (
        "This covers any adult on site, e.g. Supply teachers, visitors and volunteers, and the "
        "records go to Mr. J. Smith at St. Mary's."
    )
    assert len(first.split()) == 30  # a cut after "e.g." would fit the 40 words; it must not be made
    assert passages_of(Block(f"{first} {second}")) == [first, second]


def test_a_sentence_longer_than_a_passage_is_cut_at_a_clause_not_between_any_two_words():
    sentence = (
        "Staff must not use personal devices to take photographs of pupils, to store their contact "
        "details or to message them; they use the school's own equipment, which the office signs "
        "out and back in, and they delete any image from it once it has been printed or uploaded "
        "to the school's secure system for the purpose it was taken for."
    )
    assert len(sentence.split()) > SETTINGS.max_words
    pieces = passages_of(Block(sentence))
    assert len(pieces) > 1 and " ".join(pieces) == sentence
    for piece in pieces[:-1]:
        assert piece.endswith((";", ",")), piece


def test_a_list_item_with_many_sub_items_is_cut_between_sub_items():
    sub_items = "\n".join(f"  - a copy of the signed consent form for group {n} of pupils" for n in range(8))
    block = "Before a trip the lead must:\n- pack the folder, which holds:\n" + sub_items
    passages = passages_of(Block(block))
    assert len(passages) > 1
    for passage in passages:
        for line in passage.split("\n"):
            assert line.strip().startswith("-") or line.endswith(":"), line
        assert max(len(p.split()) for p in passages) <= SETTINGS.max_words


def test_a_numbered_item_keeps_its_number():
    steps = "\n".join(
        f"{n}. Select the menu item called Settings. Check the box for option {n} and save it."
        for n in range(1, 9)
    )
    for passage in passages_of(Block(steps)):
        assert re.match(r"^\d\. Select", passage), passage
