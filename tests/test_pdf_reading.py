"""A PDF read as a person reads the printed page: headings by their look, the document's own title,
no page furniture, footnotes and Word's margin comments out of the sentences, bullets a line each.

The PDFs are written by hand (pypdf reads, it does not lay out text), a
line a row: each row is a list of runs (text, font, size), font "R" regular
Helvetica and "B" Helvetica-Bold, so the tests control exactly the sizes and
weights that the reader sees through pypdf.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from search_fixtures import escape_pdf, normalise, pdf_file, pdf_stream

from knowledge.chunking import ChunkSettings, Passage, chunk_document
from knowledge.documents import read_document

Run = tuple[str, str, float]  # text, "R" or "B", size in points
Row = list[Run]


# A passage a paragraph: these tests read documents (joining paragraphs is tested in test_chunking).
PARAGRAPHS = ChunkSettings(join_words=0)


def body(text: str) -> Row:
    return [(text, "R", 11)]


def bold(text: str) -> Row:
    return [(text, "B", 11)]


def styled_pdf(pages: list[list[Row]], title: str = "") -> bytes:
    """A PDF of A4 pages drawing each row on a line of its own; `title` goes in the Info Title."""
    fonts = b"/Type /Font /Subtype /Type1 /Encoding /WinAnsiEncoding"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< " + fonts + b" /BaseFont /Helvetica >>",
        b"<< " + fonts + b" /BaseFont /Helvetica-Bold >>",
        b"<< /Title (%s) /Producer (Microsoft Word) >>" % escape_pdf(title).encode("cp1252"),
    ]
    kids = []
    for rows in pages:
        ops: list[str] = []
        y = 800.0
        for runs in rows:
            y -= max(16, 1.5 * max(size for _, _, size in runs))  # as a word processor spaces lines
            ops += ["BT", f"72 {y:.0f} Td"]
            for text, font, size in runs:
                rise = 4 if size < 9 and text.strip().isdigit() else 0
                ops += [f"/{font} {size} Tf", f"{rise} Ts", f"({escape_pdf(text)}) Tj"]
            ops.append("ET")
        objects.append(pdf_stream(ops, "cp1252"))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /R 3 0 R /B 4 0 R >> >> >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    return pdf_file(objects, info=5)


def read(tmp_path: Path, pages: list[list[Row]], title: str = "", name: str = "cp-2024.pdf"):
    path = tmp_path / name
    path.write_bytes(styled_pdf(pages, title))
    doc = read_document(path)
    return doc, chunk_document(doc, PARAGRAPHS)


def sections(passages: list[Passage]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in passages:
        out[p.section] = (out.get(p.section, "") + "\n\n" + p.text).strip()
    return out


# --- headings and title ------------------------------------------------------------------------


CHILD_PROTECTION = [
    [
        [("St Mary's Church of England Primary School", "B", 20)],
        [("Child Protection Policy", "B", 16)],
        body("This policy applies to all staff, volunteers and governors. Read it with the"),
        body("statutory guidance at www.gov.uk/kcsie"),
        bold("Recognising abuse"),
        body("Staff know the signs of abuse and neglect and stay alert to them at all times."),
        [("Recording a disclosure", "R", 14)],
        body("Write down what the child said, in their own words, the same day."),
        bold("Staff must:"),
        body("• listen without promising to keep a secret;"),
        body("• tell the DSL at once."),
    ]
]


def test_headings_come_from_font_size_and_weight_and_the_title_from_the_largest_policy_line(tmp_path):
    doc, passages = read(tmp_path, CHILD_PROTECTION)
    assert doc.title == "Child Protection Policy"
    found = sections(passages)
    assert list(found) == ["Child Protection Policy", "Recognising abuse", "Recording a disclosure"]
    assert found["Recognising abuse"].startswith("Staff know the signs of abuse")
    assert normalise(found["Recording a disclosure"]) == (
        "Write down what the child said, in their own words, the same day. "
        "Staff must: • listen without promising to keep a secret; • tell the DSL at once."
    ), "a bold lead-in ending in a colon is body text, not a heading"


def test_the_files_title_is_used_when_no_line_is_set_as_a_title(tmp_path):
    pages = [[bold("Purpose"), body("Staff use the school's systems for school work only.")]]
    doc, _ = read(tmp_path, pages, title="Acceptable Use Policy", name="aup_v3_final.pdf")
    assert doc.title == "Acceptable Use Policy"
    doc, _ = read(tmp_path, pages, title="Microsoft Word - aup_v3_final.docx", name="aup.pdf")
    assert doc.title == "Aup", "a converter's label is not a title: the file name is used"


def test_an_opening_line_set_as_a_heading_is_the_title_unless_it_names_a_section(tmp_path):
    rest = [body("Staff teach pupils to stay safe online in every year group."), bold("Filtering")]
    rest.append(body("The school filters and monitors its own network at all times."))
    doc, passages = read(tmp_path, [[bold("Online Safety Policy"), *rest]], name="os.pdf")
    assert doc.title == "Online Safety Policy"
    doc, _ = read(tmp_path, [[bold("Introduction"), *rest]], name="os.pdf")
    assert doc.title == "Os"


def test_a_heading_wrapped_over_two_lines_is_one_heading(tmp_path):
    pages = [
        [
            body("Staff follow this policy in school and on trips at all times of the day."),
            bold("Where a member of staff is a parent as well as"),
            bold("an employee of the school"),
            body("Staff keep the two roles apart when they use social media."),
        ]
    ]
    _, passages = read(tmp_path, pages)
    assert passages[-1].section == "Where a member of staff is a parent as well as an employee of the school"
    pages[0][1:3] = [bold("Staff must never share their personal"), bold("mobile number with a pupil.")]
    _, passages = read(tmp_path, pages)
    assert len({p.section for p in passages}) == 1, "a sentence set in bold is not a heading"
    assert "Staff must never share their personal mobile number with a pupil." in normalise(
        " ".join(p.text for p in passages)
    )


# A line of a paragraph that runs to the right margin: what a wrapped heading is measured against.
FULL_LINE = "Staff keep the two roles apart when they use social media, in school and out of it, and"


def h16(text: str) -> Row:
    return [(text, "B", 16)]


def test_a_heading_wrapped_after_a_comma_or_onto_a_capitalised_word_is_one_heading(tmp_path):
    """A web page printed to PDF wraps long headings wherever the line is full: after a comma,
    before a name, before a bracket. Each piece alone is no heading, or names the wrong section."""
    pages = [
        [
            h16("Keep key policies in an accessible shared area,"),
            h16("and develop the resources available"),
            body(FULL_LINE),
            body("we keep every policy in one shared place that staff can reach from home."),
            h16("Background from Chris Gibson, Deputy"),
            h16("Headteacher"),
            body(FULL_LINE),
            body("we set out one approach to behaviour that every member of staff follows."),
            h16("Offering high quality continuing professional development"),
            h16("(CPD)"),
            body("Every teacher has two training days a year that they choose themselves."),
        ]
    ]
    _, passages = read(tmp_path, pages)
    assert list(sections(passages)) == [
        "Keep key policies in an accessible shared area, and develop the resources available",
        "Background from Chris Gibson, Deputy Headteacher",
        "Offering high quality continuing professional development (CPD)",
    ]


def test_a_paragraph_set_in_large_type_is_not_a_heading(tmp_path):
    """A guide's opening words set large, over three lines: its first line alone looks like a
    heading ("Learn about flexible working and what it looks like in a"), the whole is a sentence."""
    pages = [
        [
            h16("Step 1: learn"),
            [("Learn about flexible working and what it looks like in a", "R", 14)],
            [("school context. This includes familiarising yourself with", "R", 14)],
            [("the different types of flexible working.", "R", 14)],
            body(FULL_LINE),
            body("flexible working covers part-time work, job shares and compressed hours."),
        ]
    ]
    _, passages = read(tmp_path, pages)
    assert list(sections(passages)) == ["Step 1: learn"]
    assert "Learn about flexible working and what it looks like in a school context." in normalise(
        sections(passages)["Step 1: learn"]
    )


def test_two_short_lines_in_the_same_large_type_stay_two_lines(tmp_path):
    """A cover's school name above the policy's name: the first line is far from full, so the
    second was not wrapped onto a line of its own; it is set there."""
    pages = [
        [
            h16("St Crispin's School"),
            h16("Social Media Policy"),
            body(FULL_LINE),
            body("staff never accept a pupil's friend request on any social media site."),
        ]
    ]
    doc, _ = read(tmp_path, pages)
    assert doc.title == "Social Media Policy"


def test_a_heading_below_the_first_paragraph_is_not_the_title_though_it_names_policies(tmp_path):
    """A cover's school name gives way to the policy's name under it; a section further down that
    happens to say "policies" is not the document's name."""
    pages = [
        [
            h16("Developing a family friendly culture"),
            body(FULL_LINE),
            body("we set out below the steps that made the biggest difference to our staff."),
            [("Keep key policies in one shared place", "B", 14)],
            body("Staff can read every policy without asking anyone for a copy of it."),
        ]
    ]
    doc, _ = read(tmp_path, pages)
    assert doc.title == "Developing a family friendly culture"


def test_a_numbered_heading_set_larger_is_a_heading_even_when_it_wraps(tmp_path):
    pages = [
        [
            [("4. Train your staff to use the system", "B", 14)],
            body("Staff learn the system in a twilight session before it starts."),
            [("5. Decide the purpose of reports and how often they should be", "B", 14)],
            [("used", "B", 14)],
            body("Behaviour reports can be made as often as needed, such as weekly."),
        ]
    ]
    _, passages = read(tmp_path, pages)
    last, text = list(sections(passages).items())[-1]
    assert last == "5. Decide the purpose of reports and how often they should be used"
    assert text.startswith("Behaviour reports can be made")


def test_a_heading_that_opens_with_a_brand_s_small_letter_is_a_heading(tmp_path):
    pages = [
        [
            bold("Google Chromebooks"),
            body("Chromebooks are ordered through the school's own account on the portal."),
            bold("iPads and Windows tablets"),
            body("Apple iPads and Microsoft Windows tablets are now permanently out of stock."),
            bold("eSafety lessons"),
            body("Every class has an online safety lesson in the first week of each term."),
        ]
    ]
    _, passages = read(tmp_path, pages)
    assert list(sections(passages)) == ["Google Chromebooks", "iPads and Windows tablets", "eSafety lessons"]


def test_a_bold_label_with_its_value_is_a_field_not_a_heading(tmp_path):
    """ "**Number of pupils**: 840": most of the line's letters are bold, but it is a record's field."""
    fields = [("School name", "St Joseph's School"), ("Phase", "Secondary"), ("Number of pupils", "840")]
    pages = [
        [
            [("School details", "B", 18)],
            *[[(f"{label}:", "B", 11), (f" {value}", "R", 11)] for label, value in fields],
            [("Background", "B", 18)],
            body("We found that teachers spent a lot of time marking with little effect."),
        ]
    ]
    _, passages = read(tmp_path, pages)
    assert list(sections(passages)) == ["School details", "Background"]
    assert "Number of pupils: 840" in sections(passages)["School details"]


def test_a_contents_page_is_not_a_passage(tmp_path):
    """Its lines hold every heading's words, so it would come up for any question and answer none."""
    toc = [("1. Introduction", 2), ("2. Roles and responsibilities", 3), ("3. Reporting concerns", 4)]
    pages = [
        [h16("Social Media Policy"), bold("Contents")]
        + [body(f"{title} .......................... {page}") for title, page in toc],
        [
            bold("1. Introduction"),
            body("This policy sets out how staff use social media in and out of school."),
            bold("2. Roles and responsibilities"),
            body("The Head Teacher makes sure every member of staff has read this policy."),
        ],
        [
            bold("3. Reporting concerns"),
            body("Staff report any concern about a pupil online to the DSL the same day."),
        ],
    ]
    _, passages = read(tmp_path, pages)
    assert list(sections(passages)) == [title for title, _ in toc]


# --- furniture, footnotes and comments ---------------------------------------------------------

HEADER = "Child Protection Policy 2024 - St Mary's"


def test_a_title_and_a_section_of_the_same_words_atop_two_pages_are_not_a_running_header(tmp_path):
    """A running header is the same words in the same type on every page; a two-page statement's
    title and its section of the same name, at the top of each page in their own sizes, are not."""
    pages = [
        [
            [("Staff wellbeing statement", "B", 24)],
            [("Our principles", "B", 16)],
            body("Staff are trusted to manage their own time and are thanked for their work."),
        ],
        [
            h16("Staff wellbeing statement"),
            body("The school recognises its duty of care for the health and wellbeing of staff."),
        ],
    ]
    doc, passages = read(tmp_path, pages)
    assert doc.title == "Staff wellbeing statement"
    assert list(sections(passages)) == ["Our principles", "Staff wellbeing statement"]


def test_a_running_header_drawn_among_the_body_lines_is_removed(tmp_path):
    places = ["the hall", "the field", "the library", "the car park"]
    pages = [
        [body(f"In {place} staff sign the visitors' book when they arrive ({n}).") for n in range(3)]
        + [[(HEADER, "R", 9)]]
        + [body(f"In {place} staff wear a lanyard at all times ({n}).") for n in range(3, 6)]
        + [body("Staff must:"), body(f"• lock the door of {place} when they leave.")]
        for place in places
    ]
    _, passages = read(tmp_path, pages)
    assert not any("St Mary" in p.text or "St Mary" in p.section for p in passages)
    assert sum(p.text.count("Staff must:") for p in passages) == 4, "a repeated lead-in is body text"
    assert "In the car park staff wear a lanyard at all times (5)." in " ".join(p.text for p in passages)


def test_a_page_number_drawn_before_a_form_s_last_boxes_is_removed(tmp_path):
    """Word draws the footer before a table that ends the page, so "Page 2 of the policy" comes out
    among the body lines; its words but the number repeat on every page."""
    steps = ["the request", "the meeting", "the trial period", "the decision"]
    pages = [
        [
            body(f"Read {step} carefully with the member of staff who asked for it."),
            body(f"Write down what was agreed about {step} and share it with them."),
            [(f"Page {n} of the policy", "R", 9)],
            body("Notes:"),
            body(f"Keep the record of {step} with the member of staff's file."),
        ]
        for n, step in enumerate(steps, start=1)
    ]
    _, passages = read(tmp_path, pages)
    assert not any("of the policy" in p.text or "of the policy" in p.section for p in passages)
    assert "Keep the record of the decision with the member of staff's file." in " ".join(
        p.text for p in passages
    )


def test_a_running_header_wrapped_on_narrow_pages_and_whole_on_a_wide_one_is_removed(tmp_path):
    """A landscape page (a flowchart) fits the header on one line; portrait pages wrap it."""
    header = "Flexible Working Guide - approved by governors"
    pages = [
        [[(f"{header} September 2025", "R", 9)], body("The flowchart shows the three outcomes of a request.")]
    ]
    pages += [
        [
            [(header, "R", 9)],
            [("September 2025", "R", 9)],
            body(f"Step {n}: meet the member of staff within a month of the request."),
            body(f"Talk through what they have asked for and how it would work ({n})."),
            body(f"Write to them with the decision and the reasons for it ({n})."),
        ]
        for n in range(1, 4)
    ]
    _, passages = read(tmp_path, pages)
    assert not any("governors" in f"{p.section} {p.text}" or "September" in p.text for p in passages)


def test_a_footnote_reference_is_not_glued_to_its_word_and_the_footnote_never_cuts_a_sentence(tmp_path):
    pages = [
        [
            bold("Making a referral"),
            body("Staff may refer a concern straight to the MASH") + [("4", "R", 7)] + body(" when the DSL"),
            body("cannot be reached, and they tell the DSL as soon as they can. If a child is"),
            body("in immediate danger, staff call the police on 999 and then"),
            [("4", "R", 8), ("Multi-Agency Safeguarding Hub, telephone 01234 567890.", "R", 8)],
        ],
        [
            body("inform the DSL, who records the call."),
            bold("Afterwards"),
            body("The DSL keeps a record of every referral in the safeguarding file."),
        ],
    ]
    _, passages = read(tmp_path, pages)
    text = "\n".join(p.text for p in passages)
    assert "MASH4" not in text and "MASH when the DSL" in normalise(text)
    referral = normalise(sections(passages)["Making a referral"])
    assert "staff call the police on 999 and then inform the DSL, who records the call." in referral
    assert referral.endswith("Multi-Agency Safeguarding Hub, telephone 01234 567890."), (
        "the footnote is kept, after the sentence it interrupted"
    )
    for p in passages:
        assert "then 4" not in normalise(p.text)


def test_words_comments_printed_in_the_margin_are_not_policy_text(tmp_path):
    pages = [
        [
            bold("Recording"),
            body("Staff record a concern on the same day they notice it."),
            [("Commented [DL1]: Should this be within 24 hours? We", "R", 8)],
            [("need to check with the LADO first.", "R", 8)],
            body("Records are kept securely and shared only with the DSL."),
        ]
    ]
    _, passages = read(tmp_path, pages)
    text = normalise(" ".join(p.text for p in passages))
    assert "Commented" not in text and "LADO" not in text and "24 hours" not in text
    assert text == (
        "Staff record a concern on the same day they notice it. "
        "Records are kept securely and shared only with the DSL."
    )


def test_bullets_extracted_on_one_line_are_read_as_separate_lines(tmp_path):
    pages = [
        [
            bold("On trips"),
            body("On a trip staff must:"),
            body("• carry the school mobile phone; • keep the register with them;"),
            body("• phone the school if a pupil is missing."),
        ]
    ]
    _, passages = read(tmp_path, pages)
    assert passages[0].text.splitlines() == [
        "On a trip staff must:",
        "• carry the school mobile phone;",
        "• keep the register with them;",
        "• phone the school if a pupil is missing.",
    ]


# --- lines wrapped at the column's edge ---------------------------------------------------------


def test_a_paragraph_set_in_a_narrow_column_reads_as_whole_sentences(tmp_path):
    column = [
        "Staff keep their personal",
        "phones in a locker during",
        "lessons and never use them",
        "in front of the children.",
        "On a trip the group leader",
        "carries the school phone and",
        "keeps it switched on all day.",
    ]
    _, passages = read(tmp_path, [[bold("Phones"), *map(body, column)]])
    assert [p.text for p in passages] == [" ".join(column[:4]), " ".join(column[4:])]


def test_a_paragraph_in_small_type_across_a_wide_page_reads_as_whole_sentences(tmp_path):
    wide = [  # lines of some 110 characters, as 9-point type sets them across an A4 page
        "Staff keep their personal phones in a locker during lessons and never use them "
        "in front of the children, so",
        "that no child is ever photographed on a personal device, and a member of staff "
        "who needs to make an urgent",
        "call steps out of the classroom and asks a colleague to supervise the class while "
        "they are out of the room.",
    ]
    _, passages = read(tmp_path, [[bold("Phones"), *map(body, wide)]])
    assert [p.text for p in passages] == [" ".join(wide)]


def test_a_page_of_short_labels_keeps_a_line_each(tmp_path):
    labels = ["Head: Mrs Okafor", "DSL: Mr Daniels", "Deputy DSL: Ms Lee", "Office: ext 201"]
    _, passages = read(tmp_path, [[bold("Contacts"), *map(body, labels)]])
    assert passages[0].text.splitlines() == labels


def test_a_short_line_ends_its_item_and_a_line_going_on_in_lower_case_joins_it(tmp_path):
    lines = [
        "You will need these details before you can order devices for the setting's staff:",
        "• a recovery email address, on a domain that is not the one the setting's own staff use",
        "for their school email, not the school's own",
        "If you are not sure how to find these details, ask the setting's IT support team for help",
        "with them. Requests are answered within 2 days, though this can take longer where agreed/",
        "contractual working",
        "arrangements apply.",
    ]
    _, passages = read(tmp_path, [[bold("Ordering"), *map(body, lines)]])
    assert passages[0].text.splitlines() == [
        lines[0],
        f"{lines[1]} {lines[2]}",
        " ".join(lines[3:]),
    ]


def test_an_endnote_reference_in_small_roman_numerals_is_not_glued_to_its_word(tmp_path):
    line = body("Flexible working is 'arrangements which vary the timing of work'") + [("i", "R", 7)]
    _, passages = read(tmp_path, [[bold("Types of flexible working"), line + body(".")]])
    assert passages[0].text == "Flexible working is 'arrangements which vary the timing of work'."


def test_a_word_hyphenated_after_a_number_at_a_line_end_reads_as_one_word(tmp_path):
    lines = [
        "We provide an Employee Assistance Programme, which offers a free and confidential 24-",
        "hour counselling service to every member of staff and to their families at home, with",
        "advice on money, health and relationships from trained counsellors at any time of day.",
    ]
    _, passages = read(tmp_path, [[bold("Support"), *map(body, lines)]])
    assert "a free and confidential 24-hour counselling service" in passages[0].text


def test_letters_pypdf_cannot_decode_are_left_out_and_the_policy_is_read(tmp_path):
    """A glyph whose font maps it to half a UTF-16 pair (as a Word PDF's Gothic letters do) came
    out as a lone surrogate, which no hash or database takes: making passages failed."""
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Odd def\n"
        b"1 begincodespacerange <00> <FF> endcodespacerange\n1 beginbfchar <7E> <D800> endbfchar\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /R 5 0 R >> >> >>",
        pdf_stream(["BT /R 11 Tf 72 700 Td (Staff read the policy ~~ every September.) Tj ET"]),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    path = tmp_path / "odd-glyphs.pdf"
    path.write_bytes(pdf_file(objects))
    passages = chunk_document(read_document(path))
    assert [normalise(p.text) for p in passages] == ["Staff read the policy every September."]


def test_a_scanned_pdf_is_refused_saying_what_to_send_instead(tmp_path):
    """A page that only draws (a scan is a picture of the page): no text to read or quote."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        pdf_stream(["0.5 g", "72 72 451 698 re f"]),
    ]
    path = tmp_path / "scanned-policy.pdf"
    path.write_bytes(pdf_file(objects))
    with pytest.raises(ValueError, match=r"not text \(a scan\?\): send the document it was made from"):
        read_document(path)


def encrypted(tmp_path: Path, user_password: str) -> Path:
    """A one-page policy PDF encrypted with AES, as Word saves an edit-restricted or locked PDF."""
    from pypdf import PdfReader, PdfWriter

    plain_pdf = tmp_path / "plain.pdf"
    plain_pdf.write_bytes(
        styled_pdf([[bold("Mobile phones"), body("Staff must keep phones out of sight in class.")]])
    )
    writer = PdfWriter(clone_from=PdfReader(str(plain_pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as out:
        writer.write(out)
    return path


def test_an_edit_restricted_pdf_with_no_password_to_open_is_read(tmp_path):
    document = read_document(encrypted(tmp_path, user_password=""))
    assert "Staff must keep phones out of sight in class." in " ".join(b.text for b in document.blocks)


def test_a_pdf_that_needs_a_password_is_refused_in_plain_words(tmp_path):
    with pytest.raises(ValueError) as refused:
        read_document(encrypted(tmp_path, user_password="open-sesame"))
    assert str(refused.value) == "the PDF needs a password to open: save a copy without one and send that"
