"""Policy files read as a person reads them: Markdown, numbered headings, PDF page furniture,
Word tables and numbering, saved web pages, and links kept beside the clean text."""

from __future__ import annotations

from pathlib import Path

import docx
import numpy as np
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from helpers import why_not_read
from search_fixtures import lines_pdf, normalise

from knowledge.chunking import ChunkSettings, Passage, chunk_document
from knowledge.documents import load_folder, read_document

# A passage a paragraph: these tests read documents (joining paragraphs is tested in test_chunking).
PARAGRAPHS = ChunkSettings(join_words=0)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def chunks_of(path: Path) -> list[Passage]:
    return chunk_document(read_document(path), PARAGRAPHS)


def by_section(passages: list[Passage]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in passages:
        out[p.section] = (out.get(p.section, "") + "\n\n" + p.text).strip()
    return out


# --- Markdown ----------------------------------------------------------------------------------

POLICY_MD = """---
title: Online Safety Policy
author: Mrs J. Patel
review: September 2025
---

# Procedures #

Staff **must** report concerns to the
[Designated Safeguarding Lead](https://school.example/dsl) on the
*same* day, using the form on the staff portal.

> Never promise a pupil that you will keep a secret.

## Personal devices

Staff may use their own phones only:

- in the staff room

- on trips, when the lead has agreed:

    - to call the school office
    - to call parents in an emergency

- at break

## Change history

| Version | Date | Change |
|---|---|---|
| 1.1 | Sept 2024 | Updated contacts |
| 1.2 | Sept 2025 | New section 4 |

## Legal framework

- [Education Act 2002](https://www.legislation.gov.uk/ukpga/2002/32)
- [Keeping Children Safe in Education](https://www.gov.uk/kcsie)
- [Data Protection Act 2018](https://www.legislation.gov.uk/ukpga/2018/12)
"""


def test_markdown_front_matter_gives_the_title_and_is_not_a_passage(tmp_path):
    doc = read_document(write(tmp_path, "online-safety.md", POLICY_MD))
    passages = chunk_document(doc, PARAGRAPHS)
    assert doc.title == "Online Safety Policy"
    assert {p.document for p in passages} == {"Online Safety Policy"}
    assert not any("author" in p.text or "---" in p.text or "Patel" in p.text for p in passages)


def test_markdown_is_quoted_as_clean_text_with_its_links_kept_beside_it(tmp_path):
    passages = chunks_of(write(tmp_path, "online-safety.md", POLICY_MD))
    procedures = [p for p in passages if p.section == "Procedures"]
    assert procedures, [p.section for p in passages]
    first = procedures[0]
    assert first.text.startswith(
        "Staff must report concerns to the Designated Safeguarding Lead on the same day, using the form"
    )
    assert "\n" not in first.text.split("\n\n")[0], "a hard-wrapped paragraph is one line"
    for raw in ("**", "*same*", "](", "https://", ">", "#"):
        assert all(raw not in p.text for p in passages), raw
    assert first.links == (("Designated Safeguarding Lead", "https://school.example/dsl"),)
    assert "Never promise a pupil that you will keep a secret." in by_section(passages)["Procedures"]


def test_a_nested_list_stays_with_its_parent_item_and_lead_in(tmp_path):
    passages = chunks_of(write(tmp_path, "online-safety.md", POLICY_MD))
    devices = [p for p in passages if p.section == "Personal devices"]
    assert len(devices) == 1
    assert devices[0].text == (
        "Staff may use their own phones only:\n\n"
        "- in the staff room\n"
        "- on trips, when the lead has agreed:\n"
        "  - to call the school office\n"
        "  - to call parents in an emergency\n"
        "- at break"
    )


def test_a_long_list_is_never_cut_between_an_item_and_its_sub_items(tmp_path):
    items = "\n".join(
        f"- Rule {i} applies to every member of staff on site:\n"
        f"  - first detail of rule {i} for staff\n  - second detail of rule {i} for staff"
        for i in range(12)
    )
    passages = chunks_of(write(tmp_path, "rules.md", f"# Rules\n\n## Site rules\n\nOn site:\n\n{items}\n"))
    assert len(passages) > 1
    for i in range(12):
        holding = [p.text for p in passages if f"rule {i} for staff" in p.text]
        assert len(holding) == 1 and f"- Rule {i} applies" in holding[0], i


def test_reference_only_sections_are_not_indexed_but_rules_under_such_a_heading_are(tmp_path):
    passages = chunks_of(write(tmp_path, "online-safety.md", POLICY_MD))
    sections = {p.section for p in passages}
    assert "Change history" not in sections
    assert "Legal framework" not in sections
    kept = POLICY_MD.replace(
        "## Legal framework\n",
        "## Legal framework\n\nStaff must follow the Acts below when they share information.\n\n",
    )
    assert "Legal framework" in {p.section for p in chunks_of(write(tmp_path, "kept.md", kept))}


# --- numbered headings -------------------------------------------------------------------------

NUMBERED_TXT = """Policy Name: Phone Policy

1. Introduction

This policy sets out how staff use mobile phones in school.

2. Personal devices

Staff keep personal phones out of sight during lessons.

Staff must:

1. Never photograph pupils on a personal phone
2. Never share a pupil's number

3. Social media

3.1 Personal accounts

Staff do not accept friend requests from pupils.

3.2 School accounts

Only the office posts on the school's accounts.

Section 4 – Monitoring

The school may monitor its own network.

Appendix B: Forms

The reporting form is on the staff portal.
"""


def test_numbered_headings_start_sections_and_keep_their_number(tmp_path):
    passages = chunks_of(write(tmp_path, "phones.txt", NUMBERED_TXT))
    sections = by_section(passages)
    assert list(sections) == [
        "1. Introduction",
        "2. Personal devices",
        "3.1 Personal accounts",
        "3.2 School accounts",
        "Section 4 – Monitoring",
        "Appendix B: Forms",
    ]
    assert sections["3.1 Personal accounts"] == "Staff do not accept friend requests from pupils."
    assert sections["Section 4 – Monitoring"] == "The school may monitor its own network."


def test_a_numbered_list_under_a_lead_in_stays_a_list(tmp_path):
    devices = by_section(chunks_of(write(tmp_path, "phones.txt", NUMBERED_TXT)))["2. Personal devices"]
    assert normalise(devices).endswith(
        "Staff must: 1. Never photograph pupils on a personal phone 2. Never share a pupil's number"
    )
    spaced = NUMBERED_TXT.replace(
        "1. Never photograph pupils on a personal phone\n2. Never share a pupil's number\n",
        "1. Never photograph pupils on a personal phone\n\n2. Never share a pupil's number\n\n"
        "3. Report a lost phone\n",
    )
    sections = by_section(chunks_of(write(tmp_path, "spaced.txt", spaced)))
    assert "3.1 Personal accounts" in sections and "3. Report a lost phone" not in sections
    assert normalise(sections["2. Personal devices"]).endswith(
        "Staff must: 1. Never photograph pupils on a personal phone 2. Never share a pupil's number "
        "3. Report a lost phone"
    )


def test_numbered_headings_in_markdown(tmp_path):
    text = "# Phone Policy\n\n" + NUMBERED_TXT.split("\n", 2)[2]
    sections = by_section(chunks_of(write(tmp_path, "phones.md", text)))
    assert "2. Personal devices" in sections and "3.2 School accounts" in sections
    assert "Never share a pupil's number" in sections["2. Personal devices"]


def test_a_hard_wrapped_text_file_is_quoted_a_paragraph_a_line(tmp_path):
    text = (
        "Phones\n\n"
        "Staff keep their personal phones out of sight during lessons and never\n"
        "take calls while teaching, except in an emergency agreed with the\n"
        "Head Teacher.\n\n"
        "Staff may use phones:\n\n- in the staff room\n- on trips\n\n"
        "Trips\n\n"
        "On school trips staff use the school mobile phone and never give out\n"
        "their own personal number to pupils or to parents of pupils.\n"
    )
    sections = by_section(chunks_of(write(tmp_path, "phones.txt", text)))
    assert sections["Phones"] == (
        "Staff keep their personal phones out of sight during lessons and never take calls while "
        "teaching, except in an emergency agreed with the Head Teacher.\n\n"
        "Staff may use phones:\n\n- in the staff room\n- on trips"
    )
    assert sections["Trips"] == (
        "On school trips staff use the school mobile phone and never give out their own personal "
        "number to pupils or to parents of pupils."
    )


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_running_headers_footers_and_page_numbers_are_removed_and_a_split_paragraph_joined(tmp_path):
    header = "St Crispin's School - Phone Policy (reviewed 2024)"
    pages = [
        [
            header,
            "Policy Name: Phone Policy",
            "1. Introduction",
            "This policy sets out how all members of staff use mobile phones and other",
            "personal devices in school and on school trips.",
            "2. Personal devices",
            "Staff keep personal phones out of sight during lessons and must not take",
            "Page 1 of 3",
        ],
        [
            header,
            "calls while teaching, except in an emergency.",
            "Staff may use their phones in the staff room at break and at lunch time.",
            "Page 2 of 3",
        ],
        [
            header,
            "3. Trips",
            "On school trips staff use the school mobile phone and never give out a",
            "personal number to pupils or parents.",
            "- 3 -",
        ],
    ]
    path = tmp_path / "phones.pdf"
    path.write_bytes(lines_pdf(pages))
    doc = read_document(path)
    passages = chunk_document(doc, PARAGRAPHS)
    assert doc.title == "Phone Policy"
    text = " ".join(p.text for p in passages)
    assert "St Crispin" not in text and "Page" not in text and "- 3 -" not in text
    sections = by_section(passages)
    assert list(sections) == ["1. Introduction", "2. Personal devices", "3. Trips"]
    assert normalise(sections["2. Personal devices"]).startswith(
        "Staff keep personal phones out of sight during lessons and must not take calls while teaching, "
        "except in an emergency."
    )


def test_a_word_made_pdfs_bullet_glyphs_and_ligatures_read_as_a_person_reads_them(tmp_path):
    """What pypdf extracts from a policy saved as PDF from Word: Symbol-font bullets come out as
    private-use characters (U+F0B7, sometimes alone on their line), second-level bullets as
    Courier "o", and "fi" as one ligature character. The quote must read cleanly and the list
    must stay with its lead-in."""
    from knowledge.pdf import document_from_pages

    pages = [
        "Policy Name: Trips Policy\n"
        "1. Mobile phones on trips\n"
        "On a trip the ﬁrst contact for parents is the school oﬃce. Staff must:\n"
        "\uf0b7\tcarry the school mobile phone at all times;\n"
        "\uf0b7\n"
        "never give pupils a personal number;\n"
        "o\tnot even for a lost pupil;\n"
        "\u25cf report a lost phone to the trip lead.\n"
        "2\n",
    ]
    doc = document_from_pages(tmp_path / "trips.pdf", pages)
    [passage] = chunk_document(doc, PARAGRAPHS)
    assert passage.section == "1. Mobile phones on trips"
    assert passage.text.splitlines() == [
        "On a trip the first contact for parents is the school office. Staff must:",
        "• carry the school mobile phone at all times;",
        "• never give pupils a personal number;",
        "• not even for a lost pupil;",
        "• report a lost phone to the trip lead.",
    ]


def test_text_pasted_from_a_pdf_is_cleaned_the_same_way(tmp_path):
    path = write(
        tmp_path,
        "pasted.txt",
        "Contact with pupils\n\nStaff must not:\n\uf0a7 add pupils as friends;\n\uf0a7 share their"
        "\u00a0personal e\u00admail address.\n",
    )
    text = " ".join(p.text for p in chunks_of(path))
    assert "• add pupils as friends;" in text and "share their personal email address." in text
    assert not any("\ue000" <= ch <= "\uf8ff" for ch in text)


# --- Word --------------------------------------------------------------------------------------


def numbered(paragraph, num_id: int, level: int = 0) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    num_pr = OxmlElement("w:numPr")
    ilvl = OxmlElement("w:ilvl")
    ilvl.set(qn("w:val"), str(level))
    num = OxmlElement("w:numId")
    num.set(qn("w:val"), str(num_id))
    num_pr.append(ilvl)
    num_pr.append(num)
    p_pr.append(num_pr)


def decimal_numbering(word) -> int:
    """A decimal list definition in the document's numbering part; its numId."""
    numbering = word.part.numbering_part.element
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), "90")
    for level in range(2):
        lvl = OxmlElement("w:lvl")
        lvl.set(qn("w:ilvl"), str(level))
        fmt = OxmlElement("w:numFmt")
        fmt.set(qn("w:val"), "decimal")
        lvl.append(fmt)
        abstract.append(lvl)
    numbering.insert(0, abstract)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), "90")
    ref = OxmlElement("w:abstractNumId")
    ref.set(qn("w:val"), "90")
    num.append(ref)
    numbering.append(num)
    return 90


def test_word_tables_are_read_in_body_order_a_row_a_block(tmp_path):
    word = docx.Document()
    word.add_paragraph("Contacts Policy", style="Title")
    word.add_heading("Who to contact", level=1)
    word.add_paragraph("Report every concern to the right person the same day.")
    table = word.add_table(rows=3, cols=2)
    for row, cells in zip(
        table.rows,
        [("Concern", "Contact"), ("Safeguarding", "Mrs Patel, DSL"), ("Data breach", "Mr Jones, DPO")],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    word.add_heading("Afterwards", level=1)
    word.add_paragraph("Write down what you saw and heard.")
    path = tmp_path / "contacts.docx"
    word.save(str(path))
    sections = by_section(chunks_of(path))
    assert list(sections) == ["Who to contact", "Afterwards"]
    contact = sections["Who to contact"]
    assert contact.startswith("Report every concern")
    assert "Concern: Safeguarding – Contact: Mrs Patel, DSL" in contact
    assert "Concern: Data breach – Contact: Mr Jones, DPO" in contact


def test_word_numbered_paragraphs_are_headings_or_list_items(tmp_path):
    word = docx.Document()
    num_id = decimal_numbering(word)
    word.add_paragraph("Phone Policy", style="Title")
    numbered(word.add_paragraph("Introduction"), num_id)
    word.add_paragraph("This policy sets out how staff use phones.")
    numbered(word.add_paragraph("Personal devices"), num_id)
    word.add_paragraph("Staff must:")
    for rule in ("Never photograph pupils on a personal phone", "Never share a pupil's number"):
        word.add_paragraph(rule, style="List Bullet")
    numbered(word.add_paragraph("Trips"), num_id)
    word.add_paragraph("Staff use the school phone on trips.")
    path = tmp_path / "phones.docx"
    word.save(str(path))
    sections = by_section(chunks_of(path))
    assert list(sections) == ["1. Introduction", "2. Personal devices", "3. Trips"]
    assert sections["2. Personal devices"] == (
        "Staff must:\n- Never photograph pupils on a personal phone\n- Never share a pupil's number"
    )


def test_a_word_numbered_list_under_a_lead_in_stays_a_numbered_list(tmp_path):
    word = docx.Document()
    num_id = decimal_numbering(word)
    word.add_heading("Phones", level=1)
    word.add_paragraph("Staff must:")
    numbered(word.add_paragraph("Never photograph pupils"), num_id)
    numbered(word.add_paragraph("Never share numbers"), num_id)
    word.add_paragraph("The Head Teacher may agree exceptions in writing.")
    path = tmp_path / "phones.docx"
    word.save(str(path))
    passages = chunks_of(path)
    assert {p.section for p in passages} == {"Phones"}
    assert "Staff must:\n1. Never photograph pupils\n2. Never share numbers" in passages[0].text


# --- web pages ---------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><title>Phones | St Crispin's</title>
<style>p { color: red }</style><script>var x = 1;</script></head>
<body><nav><ul><li><a href="/">Home</a></li><li>Policies</li></ul></nav>
<main><h1>Phone Policy</h1>
<h2>Personal devices</h2>
<p>Staff keep personal phones
   out of sight during lessons. See the <a href="https://school.example/aup">Acceptable Use
   Policy</a>.</p>
<p>Staff may use phones:</p>
<ul><li>in the staff room</li><li>on trips:<ul><li>to call the office</li></ul></li></ul>
<h2>Contacts</h2>
<table><tr><th>Role</th><th>Name</th></tr><tr><td>DSL</td><td>Mrs Patel</td></tr></table>
</main><footer>&copy; 2024 St Crispin's School</footer></body></html>
"""


def test_a_saved_web_page_is_read_without_its_furniture(tmp_path):
    write(tmp_path, "phones.html", PAGE)
    result = load_folder(tmp_path)
    assert result.skipped == []
    doc = result.documents[0]
    assert doc.title == "Phone Policy"
    passages = chunk_document(doc, PARAGRAPHS)
    sections = by_section(passages)
    assert list(sections) == ["Personal devices", "Contacts"]
    assert sections["Personal devices"] == (
        "Staff keep personal phones out of sight during lessons. See the Acceptable Use Policy.\n\n"
        "Staff may use phones:\n\n- in the staff room\n- on trips:\n  - to call the office"
    )
    assert passages[0].links == (("Acceptable Use Policy", "https://school.example/aup"),)
    assert sections["Contacts"] == "Role: DSL – Name: Mrs Patel"
    text = " ".join(p.text for p in passages)
    assert "Home" not in text and "color" not in text and "2024" not in text


def test_a_school_website_page_is_read_from_its_main_content(tmp_path):
    """Saved from a school's website: a cookie banner and a "skip to content" link before the page,
    ARIA-marked menus, a breadcrumb and a contact strip around it. Only what <main> holds is the
    policy, and its first h1 names it."""
    page = (
        "<html><head><title>Mobile Phones | Oakfield Academy</title></head><body>"
        '<a href="#main">Skip to content</a>'
        '<div class="cookie-banner">We use cookies to improve your experience.</div>'
        '<div role="banner">Oakfield Academy, Station Road</div>'
        '<main id="main"><div class="breadcrumb">Home / Policies / Mobile Phones</div>'
        "<h1>Mobile Phones Policy</h1><h2>Staff use of mobile phones</h2>"
        "<p>Staff must not use personal mobile phones where pupils are present.</p></main>"
        '<div role="contentinfo">Registered in England no. 01234567</div></body></html>'
    )
    write(tmp_path, "phones.html", page)
    doc = load_folder(tmp_path).documents[0]
    assert doc.title == "Mobile Phones Policy"
    passages = chunk_document(doc, PARAGRAPHS)
    assert [(p.section, p.text) for p in passages] == [
        ("Staff use of mobile phones", "Staff must not use personal mobile phones where pupils are present.")
    ]


def test_a_cookie_notice_and_aria_landmarks_are_not_text_on_a_page_without_main(tmp_path):
    page = (
        '<html><body><div id="cookieConsent"><p>This site uses cookies.</p><div>Accept</div></div>'
        '<div role="navigation"><ul><li>Home</li><li>Policies</li></ul></div>'
        "<h1>Uniform Policy</h1><h2>Staff</h2><p>Staff wear their lanyard at all times on site.</p>"
        '<div role="complementary"><p>See also our behaviour policy.</p></div></body></html>'
    )
    write(tmp_path, "uniform.html", page)
    doc = load_folder(tmp_path).documents[0]
    assert doc.title == "Uniform Policy"
    assert [p.text for p in chunk_document(doc, PARAGRAPHS)] == [
        "Staff wear their lanyard at all times on site."
    ]


def test_a_page_all_marked_as_a_cookie_notice_is_the_school_s_cookie_policy_and_is_read(tmp_path):
    page = (
        '<html><body><main><div class="cookie-policy"><h1>Cookie Policy</h1><h2>Staff</h2>'
        "<p>Staff never change the website's cookie settings for visitors.</p></div></main></body></html>"
    )
    write(tmp_path, "cookies.html", page)
    doc = load_folder(tmp_path).documents[0]
    assert doc.title == "Cookie Policy"
    assert [p.text for p in chunk_document(doc, PARAGRAPHS)] == [
        "Staff never change the website's cookie settings for visitors."
    ]


def test_a_web_page_bold_label_with_a_value_is_a_field_not_a_heading(tmp_path):
    page = (
        "<html><body><h1>Staff wellbeing policy</h1><h2>School details</h2>"
        "<p><strong>Location</strong>: Huntingdon</p><p><b>Number of pupils:</b> 1600</p>"
        "<p>Staff can book the quiet room at lunch time on any school day.</p>"
        "<p><strong>Staff must:</strong></p><ul><li>sign in at reception</li></ul></body></html>"
    )
    write(tmp_path, "wellbeing.html", page)
    passages = chunk_document(load_folder(tmp_path).documents[0], PARAGRAPHS)
    assert [(p.section, p.text) for p in passages] == [
        ("School details", "Location: Huntingdon\n\nNumber of pupils: 1600"),
        ("School details", "Staff can book the quiet room at lunch time on any school day."),
        ("School details", "Staff must:\n\n- sign in at reception"),
    ]


@pytest.mark.parametrize(
    ("declared", "encoding"),
    [
        ('<meta charset="windows-1252">', "cp1252"),
        ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">', "cp1252"),
        ("", "utf-16"),  # saved with a byte-order mark
    ],
)
def test_an_older_school_page_in_the_encoding_it_declares_is_read_as_a_browser_reads_it(
    tmp_path, declared, encoding
):
    page = (
        f"<html><head>{declared}<title>Trips</title></head><body><main><h1>Trips</h1>"
        "<p>Staff\u2019s phones stay on during a trip \u2013 the leader\u2019s too.</p></main></body></html>"
    )
    (tmp_path / "trips.html").write_bytes(page.encode(encoding))
    document = read_document(tmp_path / "trips.html")
    assert (
        document.blocks[-1].text == "Staff\u2019s phones stay on during a trip \u2013 the leader\u2019s too."
    )


def test_an_older_school_page_that_declares_no_encoding_is_read_as_windows_1252_as_a_uk_browser_does(
    tmp_path,
):
    (tmp_path / "trips.html").write_bytes(
        "<html><body><p>Staff\u2019s phones stay on \u2013 always.</p></body></html>".encode("cp1252")
    )
    assert read_document(tmp_path / "trips.html").blocks[-1].text == (
        "Staff\u2019s phones stay on \u2013 always."
    )


_ARCHIVE = (  # as Word writes a "Single File Web Page": the page quoted-printable, then its pictures
    b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart_01DB.1"\r\n\r\n'
    b"This document is a Single File Web Page, also known as a Web Archive file.\r\n\r\n"
    b"------=_NextPart_01DB.1\r\nContent-Location: file:///C:/1/phones.htm\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b'Content-Type: text/html; charset="windows-1252"\r\n\r\n'
    b'<html><head><meta http-equiv=3DContent-Type content=3D"text/html; charset=3Dwindows-1252">\r\n'
    b"<title>Mobile phones</title></head><body lang=3DEN-GB><div class=3DWordSection1>\r\n"
    b"<h1>Mobile phones</h1>\r\n<p class=3DMsoNormal>Staff=92s phones stay in lockers during =\r\n"
    b"lessons =96 not in pockets.</p></div></body></html>\r\n\r\n"
    b"------=_NextPart_01DB.1\r\nContent-Location: file:///C:/1/phones_files/image001.png\r\n"
    b"Content-Transfer-Encoding: base64\r\nContent-Type: image/png\r\n\r\niVBORw0KGgo=\r\n\r\n"
    b"------=_NextPart_01DB.1--\r\n"
)


def test_a_web_page_saved_as_one_file_is_read_as_the_page_it_holds(tmp_path):
    (tmp_path / "phones.mht").write_bytes(_ARCHIVE)
    document = read_document(tmp_path / "phones.mht")
    assert document.title == "Mobile phones"
    assert [b.text for b in document.blocks] == [
        "Staff\u2019s phones stay in lockers during lessons \u2013 not in pockets."
    ]


def test_a_web_archive_holding_no_page_says_what_to_do(tmp_path):
    only_pictures = _ARCHIVE.replace(b"text/html", b"text/css")
    assert why_not_read(tmp_path, "phones.mhtml", only_pictures) == (
        "the web archive holds no web page; save the page as .html or PDF"
    )


def test_a_page_in_no_encoding_a_browser_would_use_says_what_to_do(tmp_path):
    (tmp_path / "trips.html").write_bytes(b"<html><body><p>Staff\x81s phones</p></body></html>")
    with pytest.raises(ValueError, match="not UTF-8 text .* save it as UTF-8"):
        read_document(tmp_path / "trips.html")


# --- links in the index ------------------------------------------------------------------------


def test_passage_links_are_stored_in_the_index_and_loaded_back(tmp_path):
    from embeddings.index import FORMAT, load_index, write_index
    from embeddings.late import TokenRows

    passages = [
        Passage(
            "a1",
            "Phones",
            "phones.md",
            "Devices",
            "See the Acceptable Use Policy.",
            0,
            links=(("Acceptable Use Policy", "https://school.example/aup"),),
        ),
        Passage("b2", "Phones", "phones.md", "Devices", "No links here.", 1),
    ]
    vectors = np.eye(2, 384, dtype=np.float32)
    tokens = TokenRows.of_passages([vectors[:1], vectors[1:]], 384)
    write_index(tmp_path / "index", passages, vectors, np.arange(2), tokens, {"format": FORMAT})
    loaded = load_index(tmp_path / "index")
    try:
        assert loaded.passages == passages
        assert hash(loaded.passages[0]) == hash(passages[0])
    finally:
        loaded.close()
