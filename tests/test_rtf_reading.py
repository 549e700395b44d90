"""Rich-text (.rtf) policies read as the same documents saved from Word do.

Schools keep some older policies as rich text, which Word, WordPad and LibreOffice save. The
fixtures (tests/data/README.md) are three Word files saved as rich text by LibreOffice, whose
headings, paragraphs, lists, fields and tables must read as in the Word files, and three of
Apache Tika's test documents that Microsoft Word and WordPad saved. The short documents
written out below are what the format holds around a policy's words: headers, footnotes,
comments, a table of contents, code pages and Unicode escapes.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from helpers import WORD_TWINS, reading, why_not_read

from knowledge.documents import load_folder, read_document

DATA = Path(__file__).parent / "data"
RICH = DATA / "rich-text"
WORD_MADE = RICH / "word-made"  # saved by Microsoft Word and WordPad (Apache Tika's test documents)


def rtf(tmp_path: Path, body: str, name: str = "policy.rtf") -> list[str]:
    """The blocks of a rich-text file holding `body` after a usual header (Windows-1252, Arial,
    Symbol, a style sheet with Normal, Title and Heading 1)."""
    path = tmp_path / name
    path.write_bytes(
        (
            r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss\fcharset0 Arial;}"
            r"{\f1\ftech\fcharset2 Symbol;}}"
            r"{\stylesheet{\s0\fs22 Normal;}{\s15\fs56 Title;}{\s1\b\fs32 heading 1;}"
            r"{\s39\b\fs32 TOC Heading;}{\*\cs10 Default Paragraph Font;}}"
            "\n" + body + "}"
        ).encode("latin-1")
    )
    return [b.text for b in read_document(path).blocks]


@pytest.mark.parametrize("stem", sorted(WORD_TWINS))
def test_a_word_file_saved_as_rich_text_reads_into_the_same_title_and_blocks(stem):
    assert reading(RICH / f"{stem}.rtf") == reading(WORD_TWINS[stem])


def test_sections_numbered_by_a_list_become_headings_as_in_word():
    headings = [b.text for b in read_document(RICH / "numbered-sections.rtf").blocks if b.heading]
    assert headings[:3] == ["1. Purpose", "2. Scope", "3. Personal phones"]


def test_word_s_list_numbers_and_bullets_are_read_as_it_draws_them():
    blocks = [b.text for b in read_document(WORD_MADE / "testRTFListMicrosoftWord.rtf").blocks]
    assert blocks[0] == "A short ordered list:\n1. one\n2. two\n3. three"
    assert blocks[1] == "A short unordered list:\n- first\n- second\n- third"


def test_word_s_footnotes_are_left_out_and_its_links_tables_and_scripts_read():
    text = "\n".join(b.text for b in read_document(WORD_MADE / "testRTFVarious.rtf").blocks)
    assert "Footnote appears here" in text  # the sentence the footnote hangs on
    assert "This is a footnote" not in text
    assert "This is a hyperlink" in text
    assert "Row 1 Col 1: Row 2 Col 1 – Row 1 Col 2: Row 2 Col 2" in text
    assert "ゾルゲと尾崎、淡々と最期" in text
    assert "\U00010332\U0001033f" in text  # Gothic letters, each written as two \u halves


def test_a_wordpad_table_reads_a_row_a_block_labelled_by_its_header():
    document = read_document(WORD_MADE / "testRTFTableCellSeparation.rtf")
    assert [b.text for b in document.blocks] == ["a: c – b: d", "a: ä – b: ë", "a: ö – b: ü"]
    assert all(b.table_row for b in document.blocks)


def test_headers_footers_comments_footnotes_and_the_contents_are_not_read(tmp_path):
    body = (
        r"{\header\pard Staff Handbook 2026\par}{\footer\pard Page 1\par}"
        r"\pard\plain\s39\b\fs32 Contents\par"
        r"\pard\plain\fs22{\field{\*\fldinst TOC \\o \"1-3\"}{\fldrslt Phones 2\par Trips 3\par}}\par"
        r"\pard\plain\s1\b\fs32 Phones\par"
        r"\pard\plain\fs22 Staff keep phones in a locker"
        r"{\*\atnid JS}{\*\annotation\pard Check with HR\par}"
        r"{\footnote\pard See the trips policy.\par}"
        r" during lessons.\par"
    )
    assert rtf(tmp_path, body) == ["Phones", "Staff keep phones in a locker during lessons."]


def shape(text: str) -> str:
    """A text box as Word writes one: the shape's properties, its text, and a drawing of it for
    older readers (`shprslt`) that holds the same words again."""
    return (
        r"{\shp{\*\shpinst\shpleft0\shptop0{\sp{\sn shapeType}{\sv 202}}"
        r"{\shptxt \pard\plain\s0\fs22 " + text + r"\par}}"
        r"{\shprslt{\*\do\dobxcolumn\dptxbx{\dptxbxtext\pard " + text + r"\par}}}}"
    )


def test_a_text_box_is_read_once_after_the_paragraph_it_is_drawn_in(tmp_path):
    """A flowchart's step or a callout; the paragraph it is drawn in stays whole, and a box in a
    header or holding only a form's label ("Notes:") is not read."""
    body = (
        r"{\header\pard " + shape("Page furniture in a box") + r"\par}"
        r"\pard\plain\s1\b\fs32 Concerns\par"
        r"\pard\plain\s0\fs22 Staff record what the child said "
        + shape("If in doubt, speak to the DSL.")
        + shape("Notes:")
        + r" in their own words.\par"
        r"\pard The DSL decides on any referral.\par"
    )
    assert rtf(tmp_path, body) == [
        "Concerns",
        "Staff record what the child said in their own words.",
        "If in doubt, speak to the DSL.",
        "The DSL decides on any referral.",
    ]


def test_a_text_box_word_saved_in_rich_text_is_read():
    """Apache Tika's testRTFVarious.rtf, saved by Word: its text box is read as in the .docx."""
    assert "Here is a text box" in read_document(WORD_MADE / "testRTFVarious.rtf").text


def test_a_link_reads_as_its_words_and_the_code_page_s_letters_as_written(tmp_path):
    body = (
        r"\pard\plain\fs22 Read the {\field{\*\fldinst HYPERLINK \"https://example.org\"}"
        r"{\fldrslt trips policy}} before you book a coach\'92s seats \endash  and "
        r"\u8220\'93ask\u8221\'94 the caf\'e9.\par"
    )
    read = "Read the trips policy before you book a coach’s seats – and “ask” the café."
    assert rtf(tmp_path, body) == [read]


def test_styles_name_the_document_and_its_headings_and_bold_larger_lines_are_headings(tmp_path):
    body = (
        r"\pard\plain\s15\fs56 Mobile Phone Policy\par"
        r"\pard\plain\s1\b\fs32 Lessons\par"
        r"\pard\plain\fs22 Phones are kept away in lessons.\par"
        r"\pard\plain\fs22{\b\fs28 School trips}\par"
        r"\pard\plain\fs22 The group leader carries the school phone.\par"
    )
    document_path = tmp_path / "p.rtf"
    assert rtf(tmp_path, body, "p.rtf") == [
        "Lessons",
        "Phones are kept away in lessons.",
        "School trips",
        "The group leader carries the school phone.",
    ]
    document = read_document(document_path)
    assert document.title == "Mobile Phone Policy"
    assert [b.text for b in document.blocks if b.heading] == ["Lessons", "School trips"]


def test_tracked_changes_read_as_the_document_shows_once_they_are_accepted(tmp_path):
    body = (
        r"\pard\plain\fs22 Staff keep phones in a {\deleted\revauthdel1 drawer}{\revised\revauth1 locker}"
        r"{\v  (see note)}.\par"
    )
    assert rtf(tmp_path, body) == ["Staff keep phones in a locker."]


def test_symbol_font_bullets_list_items_under_their_lead_in(tmp_path):
    body = (
        r"\pard\plain\fs22 Staff must not:\par"
        r"{\pntext\f1\'b7\tab}\pard\plain\ls1\fs22 photograph pupils\par"
        r"{\listtext\pard\plain\f1\'b7\tab}\pard\plain\ls1\fs22 share images\par"
    )
    assert rtf(tmp_path, body) == ["Staff must not:\n- photograph pupils\n- share images"]


def test_what_follows_the_document_s_last_brace_is_not_read(tmp_path):
    after = "\x8f\x11junk{\\b more}"  # bytes some programs leave after the end
    assert rtf(tmp_path, r"\pard\plain\fs22 Lock the door.\par}" + after) == ["Lock the door."]


def test_a_backslash_at_a_line_s_end_ends_a_paragraph_as_older_programs_wrote_it(tmp_path):
    assert rtf(tmp_path, "\\pard Lock the door.\\\nCharge the phone.\\\n") == [
        "Lock the door.",
        "Charge the phone.",
    ]


def test_a_table_whose_last_row_is_not_ended_still_reads(tmp_path):
    body = r"\trowd\cellx2000\cellx4000\pard\intbl Role\cell Phone\cell\row\pard\intbl DSL\cell Ext 305\cell"
    assert rtf(tmp_path, body) == ["Role – Phone", "DSL – Ext 305"]


@pytest.mark.parametrize("suffix", [".doc", ".docx"])
def test_rich_text_saved_under_a_word_name_is_read_as_rich_text(tmp_path, suffix):
    path = tmp_path / f"conduct{suffix}"
    path.write_bytes((RICH / "numbered-sections.rtf").read_bytes())
    assert reading(path) == reading(RICH / "numbered-sections.rtf")


def test_a_folder_reads_rich_text_beside_other_policies(tmp_path):
    (tmp_path / "phones.rtf").write_bytes((RICH / "numbered-sections.rtf").read_bytes())
    (tmp_path / "trips.txt").write_text("Trips\n\nThe group leader carries the school phone.\n")
    result = load_folder(tmp_path)
    assert sorted(d.name for d in result.documents) == ["phones.rtf", "trips.txt"]
    assert result.skipped == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04 a zip, not rich text", "not a rich-text file"),
        (b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\par\\par}", "no text"),
        (b"{\\rtf1\\ansi{\\header\\pard Only a header\\par}}", "no text"),
    ],
)
def test_a_file_that_is_not_rich_text_or_holds_no_text_is_listed_as_not_read(tmp_path, content, reason):
    assert reason in why_not_read(tmp_path, "old.rtf", content)


def test_damaged_rich_text_reads_or_is_listed_with_one_line_never_a_crash(tmp_path):
    source = (RICH / "numbered-sections.rtf").read_bytes()
    rng = random.Random(7)
    for n in range(60):
        data = bytearray(source[: rng.randrange(10, len(source))])
        for _ in range(rng.randrange(1, 40)):
            data[rng.randrange(len(data))] = rng.choice(b"{}\\'0123456789abuxz \x00\xff")
        path = tmp_path / f"damaged{n}.rtf"
        path.write_bytes(bytes(data))
        try:
            document = read_document(path)
        except ValueError as exc:
            assert "\n" not in str(exc)
        else:
            assert document.blocks
