"""Word 97-2003 (.doc) policies read as their Word 2007 (.docx) twins do.

Schools keep older policies as .doc files. The fixtures are Word files saved as Word 97-2003
by LibreOffice (tests/data/README.md): the DfE guidance's three, three of the workload set's
own policies and forms, and a policy made to hold what schools type (sections numbered by
Word's list numbering, a heading set only in bold, bullets, a line break, a bold-label
field, a table). The same headings, paragraphs, lists and tables must come out of either file.
"""

from __future__ import annotations

import struct
from pathlib import Path

import olefile
import pytest
from helpers import WORD_TWINS, reading, why_not_read

from knowledge.documents import load_folder, read_document

DATA = Path(__file__).parent / "data"
FORMATS = DATA / "corpora" / "dfe-devices-guidance-formats"
STEMS = sorted(p.stem for p in FORMATS.glob("*.doc"))
WORD_97 = DATA / "word-97-2003"
WORD_MADE = WORD_97 / "word-made"  # saved by Microsoft Word (Apache Tika's test documents)


def test_each_word_file_has_a_word_97_2003_twin():
    assert sorted(p.stem for p in FORMATS.glob("*.docx")) == STEMS


@pytest.mark.parametrize("stem", STEMS)
def test_a_doc_file_reads_into_the_same_title_headings_and_text_as_its_docx(stem):
    old, new = read_document(FORMATS / f"{stem}.doc"), read_document(FORMATS / f"{stem}.docx")
    assert old.title == new.title
    assert [b.text for b in old.blocks if b.heading] == [b.text for b in new.blocks if b.heading]
    assert old.blocks == new.blocks


@pytest.mark.parametrize("stem", sorted(WORD_TWINS))
def test_numbered_sections_bold_headings_line_breaks_fields_and_tables_read_as_in_the_docx(stem):
    assert reading(WORD_97 / f"{stem}.doc") == reading(WORD_TWINS[stem])


def test_word_numbers_sections_in_the_doc_as_it_shows_them():
    headings = [b.text for b in read_document(WORD_97 / "numbered-sections.doc").blocks if b.heading]
    assert headings == ["1. Purpose", "2. Scope", "3. Personal phones", "School trips"]


def test_a_doc_files_table_of_contents_and_its_heading_are_not_read():
    document = read_document(WORD_97 / "example-flexible-working-policy.doc")
    docx = DATA / "corpora" / "dfe-workload-wellbeing" / "example-flexible-working-policy.docx"
    assert not any(b.text.endswith((" 2", " 3", " 6")) for b in document.blocks)  # "Introduction 2"
    headings = [b.text for b in document.blocks if b.heading]
    assert headings == [b.text for b in read_document(docx).blocks if b.heading]  # no "Contents"


def test_a_file_word_saved_reads_into_its_title_headings_table_and_text():
    document = read_document(WORD_MADE / "testWORD.doc")
    assert document.title == "Sample Word Document Title"
    headings = [b.text for b in document.blocks if b.heading]
    assert headings[1:] == ["Main Heading", "Heading Level 1", "Heading Level 2", "Heading Level 3"]
    assert "This document includes text that is BOLD and ITALIC." in [b.text for b in document.blocks]
    assert [b.text for b in document.blocks if b.table_row][0] == "This is a table"


def test_a_list_word_numbered_reads_with_its_numbers_and_levels():
    first = read_document(WORD_MADE / "testWORD_numbered_list.doc").blocks[0].text
    assert first.splitlines()[:2] == ["1. This", "  - Is"]


def test_a_text_box_is_read_after_the_paragraph_its_shape_is_drawn_in_as_from_the_docx():
    blocks = [b.text for b in read_document(WORD_MADE / "testWORD_numbered_list.doc").blocks]
    box = blocks.index("I\u2019m a little text box\n1. Short\n2. Stout\n  - 2 a\n    - 2 a i")
    assert blocks[box - 1].startswith("This is a new list that starts at 6")
    assert blocks[box + 1].startswith("How about a list over a section break")


def test_a_cover_pages_text_boxes_and_a_shape_drawn_in_a_table_read_where_word_draws_them():
    blocks = read_document(WORD_MADE / "testWORD_2006ml.doc").blocks
    texts = [b.text for b in blocks]
    assert texts[:4] == [
        "This is the Author",
        "This is an engaging title page",
        "My Document Title",
        "My Document Subtitle",
    ]
    assert texts[texts.index("This should have a footnote") + 1] == "This is a text box"
    shape = texts.index("This is text within a shape")
    assert blocks[shape - 1].table_row  # drawn in the table's cell: read after its row
    assert texts.count("This is a text box") == 1


def test_a_text_box_whose_list_is_damaged_loses_the_box_not_the_document(tmp_path):
    copy = tmp_path / "lists.doc"
    copy.write_bytes((WORD_MADE / "testWORD_numbered_list.doc").read_bytes())
    with olefile.OleFileIO(str(copy), write_mode=True) as ole:
        word = bytearray(ole.openstream("WordDocument").read())
        struct.pack_into("<I", word, 154 + 8 * 56, 0x7FFFFFF0)  # the text boxes' list, far past the end
        ole.write_stream("WordDocument", bytes(word))
    texts = [b.text for b in read_document(copy).blocks]
    assert texts[0].startswith("1. This")
    assert not any("little text box" in text for text in texts)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("testWORD6.doc", "a Word 6 or Word 95 document: save it as .docx or PDF to include it"),
        (
            "testWORD_protected_passtika.doc",
            "the Word file needs a password to open: save a copy without one and send that",
        ),
    ],
)
def test_a_word_6_file_or_a_password_protected_one_is_not_read_and_says_why(tmp_path, name, reason):
    assert why_not_read(tmp_path, name, (WORD_MADE / name).read_bytes()) == reason


def test_a_password_protected_docx_says_what_to_do(tmp_path):
    name = "testWORD_protected_passtika.docx"  # Word keeps it encrypted inside an OLE file
    reason = why_not_read(tmp_path, name, (WORD_MADE / name).read_bytes())
    assert reason == "the Word file needs a password to open: save a copy without one and send that"


def test_a_word_97_2003_file_named_docx_is_read_as_what_it_is(tmp_path):
    (tmp_path / "Mobile phones.docx").write_bytes((WORD_97 / "numbered-sections.doc").read_bytes())
    document = read_document(tmp_path / "Mobile phones.docx")
    assert document.title == "Mobile phones and devices"
    assert [b.text for b in document.blocks if b.heading][0] == "1. Purpose"


def test_a_doc_files_table_is_read_a_row_at_a_time():
    rows = [b.text for b in read_document(FORMATS / "device_specification.doc").blocks if b.table_row]
    assert len(rows) >= 10
    assert rows[0].startswith("Microsoft Windows laptop – Google Chromebook – ")  # the header row
    assert any(row.startswith("Minimum screen size – Minimum 11 inch screen – ") for row in rows)


def test_a_folder_reads_doc_files_beside_the_others(tmp_path):
    for suffix in (".doc", ".pdf"):
        name = f"device_specification{suffix}"
        (tmp_path / name).write_bytes((FORMATS / name).read_bytes())
    result = load_folder(tmp_path)
    assert sorted(d.name for d in result.documents) == [
        "device_specification.doc",
        "device_specification.pdf",
    ]
    assert result.skipped == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xd0\xcf\x11\xe0", "unreadable Word 97-2003 file"),  # an OLE signature and nothing more
        (b"Dear parents, this is not a Word file at all." * 20, "unreadable Word 97-2003 file"),
    ],
)
def test_a_damaged_doc_file_is_listed_as_not_read_with_one_line_saying_why(tmp_path, content, reason):
    why = why_not_read(tmp_path, "safeguarding.doc", content)
    assert why.startswith(reason)
    assert "\n" not in why


def test_a_doc_file_cut_short_is_listed_as_not_read(tmp_path):
    whole = (FORMATS / "safeguarding_for_device_users.doc").read_bytes()
    why = why_not_read(tmp_path, "safeguarding.doc", whole[: len(whole) // 3])
    assert "Word 97-2003" in why or "Word file" in why
