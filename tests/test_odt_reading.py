"""OpenDocument text (.odt) policies read as their Word twins do.

LibreOffice and Google Docs save .odt. The fixtures are Word files saved as .odt by
LibreOffice (tests/data/README.md): the DfE guidance's three, and a policy made to hold
what schools type (sections numbered by a list, a heading set only in bold, bullets, a
line break, a bold-label field, a table). The same blocks must come out of either file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import reading, why_not_read

from knowledge.documents import read_document

DATA = Path(__file__).parent / "data"
FORMATS = DATA / "corpora" / "dfe-devices-guidance-formats"
TWINS = {
    **{p: p.with_suffix(".docx") for p in sorted(FORMATS.glob("*.odt"))},
    DATA / "opendocument" / "numbered-sections.odt": DATA / "word-97-2003" / "numbered-sections.docx",
}


@pytest.mark.parametrize("odt", sorted(TWINS), ids=lambda p: p.stem)
def test_an_odt_file_reads_into_the_same_title_and_blocks_as_its_word_twin(odt):
    assert reading(odt) == reading(TWINS[odt])


def test_sections_numbered_by_a_list_and_a_bold_heading_are_headings():
    blocks = read_document(DATA / "opendocument" / "numbered-sections.odt").blocks
    headings = [b.text for b in blocks if b.heading]
    assert headings == ["1. Purpose", "2. Scope", "3. Personal phones", "School trips"]


def test_a_new_list_numbers_from_one_and_a_continued_list_goes_on(tmp_path):
    body = (
        '<text:list text:style-name="N"><text:list-item><text:p>alpha rule</text:p></text:list-item>'
        "<text:list-item><text:p>beta rule</text:p></text:list-item></text:list>"
        "<text:p>A paragraph between the lists.</text:p>"
        '<text:list text:style-name="N" text:continue-numbering="true"><text:list-item>'
        "<text:p>gamma rule</text:p></text:list-item></text:list>"
        "<text:p>Another paragraph.</text:p>"
        '<text:list text:style-name="N"><text:list-item><text:p>delta rule</text:p>'
        "</text:list-item></text:list>"
    )
    styles = (
        '<text:list-style style:name="N"><text:list-level-style-number text:level="1" style:num-format="1"/>'
        "</text:list-style>"
    )
    path = write_odt(tmp_path / "lists.odt", body, styles)
    text = "\n".join(b.text for b in read_document(path).blocks)
    assert "1. alpha rule\n2. beta rule" in text
    assert "3. gamma rule" in text and "1. delta rule" in text


def test_notes_comments_the_contents_and_a_forms_label_box_are_not_read(tmp_path):
    body = (
        "<text:table-of-content><text:index-body><text:p>Phones 2</text:p></text:index-body>"
        "</text:table-of-content>"
        '<text:h text:outline-level="1">Phones</text:h>'
        "<text:p>Staff keep phones in a locker<text:note><text:note-body><text:p>A footnote.</text:p>"
        "</text:note-body></text:note>.<office:annotation><text:p>Check this</text:p>"
        "</office:annotation></text:p>"
        '<text:p><draw:frame draw:name="Box"><draw:text-box><text:p>Notes:</text:p></draw:text-box>'
        "</draw:frame></text:p>"
    )
    blocks = read_document(write_odt(tmp_path / "phones.odt", body)).blocks
    assert [b.text for b in blocks] == ["Phones", "Staff keep phones in a locker."]


def test_a_text_box_or_a_shape_with_text_is_read_after_its_paragraph_and_a_pictures_description_not(
    tmp_path,
):
    """A flowchart's steps and a callout are drawings holding paragraphs, as in a Word file."""
    body = (
        '<text:h text:outline-level="1">Concerns about a child</text:h>'
        "<text:p>Staff record what the child said.<draw:frame><draw:text-box>"
        "<text:p>If in doubt, speak to the DSL the same day.</text:p></draw:text-box></draw:frame>"
        "<draw:frame><draw:image/><svg:desc>A photo of the school office</svg:desc></draw:frame></text:p>"
        "<draw:custom-shape><text:p>The DSL decides on any referral.</text:p></draw:custom-shape>"
    )
    blocks = read_document(write_odt(tmp_path / "concerns.odt", body)).blocks
    assert [b.text for b in blocks] == [
        "Concerns about a child",
        "Staff record what the child said.",
        "If in doubt, speak to the DSL the same day.",
        "The DSL decides on any referral.",
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04", "unreadable OpenDocument file"),
        (b"Dear parents, this is not a document at all." * 10, "unreadable OpenDocument file"),
    ],
)
def test_a_damaged_odt_file_is_listed_as_not_read_with_one_line(tmp_path, content, reason):
    why = why_not_read(tmp_path, "trips.odt", content)
    assert why.startswith(reason)
    assert "\n" not in why


def write_odt(path: Path, body: str, styles: str = "") -> Path:
    """A minimal OpenDocument text file holding `body` (and list styles)."""
    import zipfile

    namespaces = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {namespaces}>'
        f"<office:automatic-styles>{styles}</office:automatic-styles>"
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return path
