"""Reading a policy folder: text, Markdown, PDF and Word files; one broken file never hides the others."""

from __future__ import annotations

import codecs
from pathlib import Path

import docx
import pytest
from helpers import reading, why_not_read
from search_fixtures import minimal_pdf, normalise, write_small_policy

from knowledge.chunking import chunk_document
from knowledge.documents import PolicyFolderError, load_folder, read_document

PDF_LINES = [
    "Policy Name: Phone Policy",
    "Mobile phones in class",
    "Staff must keep personal phones out of sight during lessons and must not take calls.",
    "Phones may be used in the staff room at break and lunch.",
    "Trips and visits",
    "On trips staff use the school mobile phone and never give out a personal number.",
]


def write_docx(path: Path) -> Path:
    word = docx.Document()
    word.add_paragraph("Phone Policy", style="Title")
    word.add_heading("Mobile phones in class", level=1)
    word.add_paragraph("Staff must keep personal phones out of sight during lessons.")
    word.add_heading("Trips and visits", level=2)
    word.add_paragraph("On school trips staff may use a phone:")
    word.add_paragraph("to call the school office", style="List Bullet")
    word.add_paragraph("in an emergency", style="List Bullet")
    word.save(str(path))
    return path


def test_a_hand_made_pdf_is_valid_and_has_its_text():
    from io import BytesIO

    from pypdf import PdfReader

    text = PdfReader(BytesIO(minimal_pdf(PDF_LINES))).pages[0].extract_text()
    assert normalise(text) == normalise(" ".join(PDF_LINES))


def test_pdf_headings_become_sections(tmp_path):
    """PDF text has no blank lines; short title lines must still start sections."""
    path = tmp_path / "phone-policy.pdf"
    path.write_bytes(minimal_pdf(PDF_LINES))
    doc = read_document(path)
    chunks = chunk_document(doc)
    assert doc.title == "Phone Policy"
    by_section = {
        p.section: normalise(" ".join(q.text for q in chunks if q.section == p.section)) for p in chunks
    }
    assert set(by_section) == {"Mobile phones in class", "Trips and visits"}
    assert by_section["Mobile phones in class"].startswith("Staff must keep personal phones")
    assert "staff room" in by_section["Mobile phones in class"]
    assert by_section["Trips and visits"].startswith("On trips staff use the school mobile phone")


def test_word_heading_styles_become_sections_and_lists_stay_with_their_lead_in(tmp_path):
    doc = read_document(write_docx(tmp_path / "phones.docx"))
    chunks = chunk_document(doc)
    assert doc.title == "Phone Policy"
    assert [p.section for p in chunks] == ["Mobile phones in class", "Trips and visits"]
    trips = chunks[1].text
    assert trips.startswith("On school trips staff may use a phone:")
    assert "- to call the school office" in trips and "- in an emergency" in trips


def test_markdown_and_text_files_load_side_by_side(tmp_path):
    write_small_policy(tmp_path)
    (tmp_path / "wifi.md").write_text("# Wi-Fi Policy\n\n## Guests\n\nGuests use the visitor network.\n")
    result = load_folder(tmp_path)
    assert [d.name for d in result.documents] == ["phone-policy.txt", "wifi.md"]
    assert [d.title for d in result.documents] == ["Phone Policy", "Wi-Fi Policy"]
    assert result.skipped == []


def test_a_corrupt_pdf_and_a_text_file_in_no_known_encoding_are_skipped_and_the_others_load(tmp_path):
    write_small_policy(tmp_path)
    write_docx(tmp_path / "phones.docx")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pag" + bytes(range(256)))
    (tmp_path / "odd.txt").write_bytes(b"Caf\x81 rules: staff pay for coffee.\n")  # not UTF-8 nor cp1252
    (tmp_path / "empty.txt").write_text("   \n\n")
    (tmp_path / "fake.docx").write_bytes(b"not a zip file")
    result = load_folder(tmp_path)
    assert sorted(d.name for d in result.documents) == ["phone-policy.txt", "phones.docx"]
    skipped = dict(result.skipped)
    assert set(skipped) == {"broken.pdf", "odd.txt", "empty.txt", "fake.docx"}
    assert "UTF-8" in skipped["odd.txt"]
    assert "PDF" in skipped["broken.pdf"]


def test_a_text_policy_notepad_saved_as_ansi_is_read_word_for_word(tmp_path):
    """Windows-1252: Word's curly apostrophe (0x92), dash (0x96) and "\u00e9" (0xE9) are not UTF-8."""
    rule = "Staff\u2019s phones stay in a locker \u2013 the caf\u00e9 too."
    for name in ("phones.txt", "phones.md"):
        (tmp_path / name).write_bytes(f"Phones\n\n{rule}\n".encode("cp1252"))
        assert [b.text for b in read_document(tmp_path / name).blocks] == ["Phones", rule]


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_text_policy_notepad_saved_as_unicode_is_read_word_for_word(tmp_path, encoding):
    rule = "Staff keep phones in a locker \u2013 the caf\u00e9 too."
    text = f"Phones\n\n{rule}\n"
    mark = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    for name in ("phones.txt", "phones.md"):
        (tmp_path / name).write_bytes(mark + text.encode(encoding))
        document = read_document(tmp_path / name)
        assert [b.text for b in document.blocks] == [
            "Phones",
            "Staff keep phones in a locker \u2013 the caf\u00e9 too.",
        ]


TEMPLATES = Path(__file__).parent / "data" / "templates"  # saved from one .docx by LibreOffice


@pytest.mark.parametrize("suffix", [".docm", ".dotx", ".dot", ".ott"])
def test_a_word_file_with_macros_or_a_template_reads_as_the_document_it_was_saved_from(tmp_path, suffix):
    """A school's policy kept as a template, or in a file with macros, is no longer passed over."""
    original = Path(__file__).parent / "data" / "word-97-2003" / "numbered-sections.docx"
    name = f"numbered-sections{suffix}"
    (tmp_path / name).write_bytes((TEMPLATES / name).read_bytes())
    result = load_folder(tmp_path)
    assert [d.name for d in result.documents] == [name]
    assert reading(tmp_path / name) == reading(original)


def test_markdown_and_a_web_page_by_their_other_names_are_read(tmp_path):
    (tmp_path / "trips.markdown").write_text("# Trips\n\nCount the pupils at every stop.\n")
    (tmp_path / "phones.xhtml").write_text(
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Phones</h1>'
        "<p>Phones stay in lockers.</p></body></html>"
    )
    documents = {d.name: d for d in load_folder(tmp_path).documents}
    assert documents["trips.markdown"].blocks[-1].text == "Count the pupils at every stop."
    assert documents["phones.xhtml"].blocks[-1].text == "Phones stay in lockers."


def test_hidden_files_hidden_folders_and_other_types_are_ignored(tmp_path):
    write_small_policy(tmp_path)
    (tmp_path / ".~lock.phone-policy.txt#").write_text("lock")
    (tmp_path / ".notes.txt").write_text("Hidden notes\n\nNot a policy.")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG")
    (tmp_path / ".archive").mkdir()
    (tmp_path / ".archive" / "old.txt").write_text("Old\n\nAn old policy.")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "logo.png").write_bytes(b"\x89PNG")
    result = load_folder(tmp_path)
    assert [d.name for d in result.documents] == ["phone-policy.txt"]
    assert result.skipped == []


def test_a_sub_folder_of_documents_is_listed_as_not_read(tmp_path):
    write_small_policy(tmp_path)
    (tmp_path / "HR").mkdir()
    (tmp_path / "HR" / "absence.docx").write_bytes(b"PK")
    (tmp_path / "HR" / "conduct.pdf").write_bytes(b"%PDF")
    result = load_folder(tmp_path)
    assert [d.name for d in result.documents] == ["phone-policy.txt"]
    assert dict(result.skipped) == {
        "HR/": f"a folder (2 documents); only files directly in {tmp_path.name}/ are read"
    }


def test_a_document_in_a_format_that_is_not_read_is_listed_with_what_to_do(tmp_path):
    write_small_policy(tmp_path)
    (tmp_path / "Safeguarding 2019.wpd").write_bytes(b"\xffWPC Safeguarding")
    (tmp_path / "trips.pages").write_bytes(b"PK\x03\x04")
    result = load_folder(tmp_path)
    assert [d.name for d in result.documents] == ["phone-policy.txt"]
    skipped = dict(result.skipped)
    assert skipped["Safeguarding 2019.wpd"] == (
        "a WordPerfect document, which is not read: save it as .docx or PDF to include it"
    )
    assert skipped["trips.pages"].startswith("a Pages document")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Code of conduct.pptx", "a presentation"),
        ("Induction.odp", "a presentation"),
        ("Trips.xps", "an XPS document"),
    ],
)
def test_slides_and_a_printed_xps_file_are_listed_as_not_read_with_what_to_do(tmp_path, name, kind):
    assert why_not_read(tmp_path, name, b"PK\x03\x04") == (
        f"{kind}, which is not read: save it as .docx or PDF to include it"
    )


def test_a_folder_of_only_files_in_formats_not_read_says_how_to_include_them(tmp_path):
    (tmp_path / "conduct.wpd").write_bytes(b"\xffWPC Conduct")
    with pytest.raises(PolicyFolderError, match=r"not read: conduct.wpd, a WordPerfect document.*save it as"):
        load_folder(tmp_path)


def test_a_binary_file_named_txt_is_skipped(tmp_path):
    write_small_policy(tmp_path)
    (tmp_path / "image.txt").write_bytes(b"\x00\x01\x02" * 100)
    assert dict(load_folder(tmp_path).skipped).keys() == {"image.txt"}


def only_a_file_in_no_known_encoding(folder: Path) -> Path:
    (folder / "only.txt").write_bytes(b"Caf\x81 rules")  # neither UTF-8 nor Windows-1252
    return folder


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda folder: folder / "missing", "does not exist"),
        (lambda folder: folder, "no policies"),
        (only_a_file_in_no_known_encoding, "no readable policies .*only.txt: not UTF-8"),
    ],
    ids=["missing folder", "empty folder", "only an unreadable file"],
)
def test_a_folder_with_nothing_readable_is_an_error(tmp_path, make, message):
    with pytest.raises(PolicyFolderError, match=message):
        load_folder(make(tmp_path))


def test_a_crlf_file_with_a_byte_order_mark_reads_like_a_plain_one(tmp_path):
    plain = write_small_policy(tmp_path / "plain")
    windows = tmp_path / "windows" / "phone-policy.txt"
    windows.parent.mkdir()
    windows.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes().replace(b"\n", b"\r\n"))
    assert chunk_document(read_document(windows)) == chunk_document(read_document(plain))


def test_a_reader_failing_in_an_unforeseen_way_on_one_file_leaves_the_others_read(
    tmp_path, monkeypatch, caplog
):
    import knowledge.documents as documents

    def broken(path: Path):
        raise RuntimeError("an odd file")

    monkeypatch.setitem(documents.READERS, ".odt", broken)
    write_small_policy(tmp_path)
    (tmp_path / "trips.odt").write_bytes(b"PK\x03\x04")
    result = load_folder(tmp_path)
    assert [d.name for d in result.documents] == ["phone-policy.txt"]
    assert dict(result.skipped)["trips.odt"] == "the file could not be read (RuntimeError)"
    assert "reading trips.odt failed" in caplog.text
