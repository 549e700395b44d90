"""A policy still holding tracked changes or hidden text reads as the document shows it.

A policy sent for review comes back with its edits tracked: a deleted word is still in the file
and a hidden note may be too. Staff must be quoted what the document shows, never "drawerlocker".
The fixture (tests/make_word97_fixtures.py) deletes "drawer", inserts "locker" and hides a note,
with changes tracked; LibreOffice saved it in the other formats, which keep the changes as such.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.documents import read_document

TRACKED = Path(__file__).parent / "data" / "tracked-changes"
WORD_MADE = Path(__file__).parent / "data" / "word-97-2003" / "word-made"


@pytest.mark.parametrize("suffix", [".docx", ".doc", ".odt", ".rtf"])
def test_deleted_words_and_hidden_text_are_not_read_and_inserted_words_are(suffix):
    document = read_document(TRACKED / f"tracked-changes{suffix}")
    assert [b.text for b in document.blocks] == [
        "Phones",
        "Staff keep phones in a locker.",
        "They never use them in lessons.",
    ]


def test_deletions_word_tracked_in_a_doc_are_not_read():
    text = "\n".join(b.text for b in read_document(WORD_MADE / "testWORD_2006ml.doc").blocks)
    assert "The quick brown fox jumped over the lazy brown dog." in text  # "frog" was deleted
    assert "dogfrog" not in text and "Deleted paragraph" not in text and "Del r1c1" not in text


def test_text_word_hides_in_a_docx_is_not_read():
    text = "\n".join(b.text for b in read_document(WORD_MADE / "testWORD_features.docx").blocks)
    assert "Lorem ipsum dolor sit amet" in text
    assert "This is hidden text." not in text
