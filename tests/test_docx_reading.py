"""A Word policy read as its final version reads: nested lists keep their levels, a tracked
insertion is part of its sentence, and review markup (comments, deletions) is never quoted."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from search_fixtures import normalise

from knowledge.chunking import ChunkSettings, chunk_document
from knowledge.documents import read_document

# A passage a paragraph: these tests read documents (joining paragraphs is tested in test_chunking).
PARAGRAPHS = ChunkSettings(join_words=0)


def save(word, path: Path) -> Path:
    word.save(str(path))
    return path


def test_word_list_styles_keep_their_nesting(tmp_path):
    word = docx.Document()
    word.add_heading("Trips abroad", level=1)
    word.add_paragraph("On a trip abroad staff must:")
    word.add_paragraph("carry the school mobile phone", style="List Bullet")
    word.add_paragraph("check it works in the country visited", style="List Bullet 2")
    word.add_paragraph("ask the office to turn roaming on", style="List Bullet 3")
    word.add_paragraph("keep the register with them", style="List Bullet")
    word.add_paragraph("Report a lost pupil", style="List Number")
    word.add_paragraph("to the trip lead first", style="List Number 2")
    [passage] = chunk_document(read_document(save(word, tmp_path / "trips.docx")), PARAGRAPHS)
    assert passage.text == (
        "On a trip abroad staff must:\n"
        "- carry the school mobile phone\n"
        "  - check it works in the country visited\n"
        "    - ask the office to turn roaming on\n"
        "- keep the register with them\n"
        "1. Report a lost pupil\n"
        "  1. to the trip lead first"
    )


def test_a_long_nested_list_is_cut_only_between_top_level_items(tmp_path):
    word = docx.Document()
    word.add_heading("Equipment", level=1)
    word.add_paragraph("Before every trip abroad or at home the trip lead always checks:")
    for n in range(8):  # 11 words a line after a lead-in of 12: a 30-word cut falls inside a pair
        word.add_paragraph(f"that first aid kit {n} is complete, stocked and in date", style="List Bullet")
        word.add_paragraph(f"with plasters and gloves for group {n} of the pupils", style="List Bullet 2")
    doc = read_document(save(word, tmp_path / "kit.docx"))
    passages = chunk_document(doc, ChunkSettings(max_words=30))
    assert len(passages) > 1
    for n in range(8):
        [holding] = [p.text for p in passages if f"gloves for group {n} of" in p.text]
        assert f"- that first aid kit {n} is complete" in holding, n


def tracked(kind: str, text: str) -> object:
    tag = "w:delText" if kind == "del" else "w:t"
    return parse_xml(
        f'<w:{kind} {nsdecls("w")} w:id="{len(text)}" w:author="D Lee" w:date="2024-09-01T00:00:00Z">'
        f'<w:r><{tag} xml:space="preserve">{text}</{tag}></w:r></w:{kind}>'
    )


def test_tracked_changes_read_as_accepted_and_comments_are_never_quoted(tmp_path):
    word = docx.Document()
    word.add_heading("Recording", level=1)
    paragraph = word.add_paragraph("Staff record a concern ")
    paragraph._p.append(tracked("ins", "on the same day "))
    paragraph._p.append(tracked("del", "within a week "))
    paragraph.add_run("in the safeguarding log.")
    commented = word.add_paragraph("Records are shared only with the DSL.")
    word.add_comment(commented.runs, text="Should the LADO see them too?", author="D Lee", initials="DL")
    table = word.add_table(rows=2, cols=2)
    for cell, text in zip(table.rows[0].cells + table.rows[1].cells, ["Who", "When", "DSL", ""], strict=True):
        cell.text = text
    table.cell(1, 1).paragraphs[0]._p.append(tracked("ins", "Within one hour"))
    text = normalise(
        " ".join(p.text for p in chunk_document(read_document(save(word, tmp_path / "r.docx")), PARAGRAPHS))
    )
    assert "Staff record a concern on the same day in the safeguarding log." in text
    assert "Who: DSL – When: Within one hour" in text
    assert "within a week" not in text
    assert "LADO" not in text and "Commented" not in text and "[DL" not in text


def content_control(inner: str, prompt: bool = False) -> object:
    """A Word content control (`w:sdt`) holding `inner`; `prompt`: it still shows its prompt."""
    shown = "<w:showingPlcHdr/>" if prompt else ""
    return parse_xml(
        f'<w:sdt {nsdecls("w")}><w:sdtPr><w:alias w:val="Field"/>{shown}</w:sdtPr>'
        f"<w:sdtContent>{inner}</w:sdtContent></w:sdt>"
    )


def paragraph_xml(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_text_in_a_word_templates_content_controls_is_read_and_an_unfilled_prompt_is_not(tmp_path):
    """python-docx passes over block-level content controls: a section a template keeps in one,
    and a table's cell filled in through one, were lost without a word."""
    word = docx.Document()
    word.add_heading("Mobile phones", level=1)
    body = word.element.body
    section = paragraph_xml("Staff keep personal phones in a locker during lessons.")
    body.insert(len(body) - 1, content_control(section))
    body.insert(len(body) - 1, content_control(paragraph_xml("Click here to enter text."), prompt=True))
    table = word.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "DSL"
    cell = table.cell(0, 1)._tc
    cell.remove(cell.find(f"{{{cell.nsmap['w']}}}p"))
    cell.append(content_control(paragraph_xml("Ms A Patel, ext 201")))
    filled = word.add_paragraph("The head teacher is ")
    filled._p.append(content_control("<w:r><w:t>Mr J Okafor</w:t></w:r>"))
    unfilled = word.add_paragraph("The deputy is ")
    unfilled._p.append(content_control("<w:r><w:t>[Name]</w:t></w:r>", prompt=True))
    doc = read_document(save(word, tmp_path / "phones.docx"))
    assert [b.text for b in doc.blocks] == [
        "Mobile phones",
        "Staff keep personal phones in a locker during lessons.",
        "DSL – Ms A Patel, ext 201",
        "The head teacher is Mr J Okafor",
        "The deputy is",
    ]


def test_a_table_laid_out_inside_a_tables_cell_is_read_a_line_a_row(tmp_path):
    """python-docx gives a cell's own paragraphs only: a contacts table set inside a layout
    table's cell was lost."""
    word = docx.Document()
    word.add_heading("Key contacts", level=1)
    layout = word.add_table(rows=1, cols=1)
    cell = layout.cell(0, 0)
    cell.text = "Safeguarding team"
    inner = cell.add_table(rows=2, cols=2)
    for r, (role, name) in enumerate([("DSL", "Ms A Patel"), ("Deputy DSL", "Mr J Okafor")]):
        inner.cell(r, 0).text, inner.cell(r, 1).text = role, name
    doc = read_document(save(word, tmp_path / "contacts.docx"))
    assert doc.blocks[1].text == "Safeguarding team DSL – Ms A Patel Deputy DSL – Mr J Okafor"


_BOX_NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def text_box(text: str, deleted: bool = False) -> object:
    """A run holding a text box as Word writes one: a drawing, and the same box again as a VML
    fallback for older readers; `deleted`: inside a tracked deletion."""
    inner = f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    box = (
        f'<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>{inner}'
        f"</wps:txbx></wps:wsp></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{inner}"
        "</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent>"
    )
    if deleted:
        return parse_xml(f'<w:del {_BOX_NAMESPACES} w:id="1" w:author="D Lee"><w:r>{box}</w:r></w:del>')
    return parse_xml(f"<w:r {_BOX_NAMESPACES}>{box}</w:r>")


def test_a_text_box_is_read_once_after_the_paragraph_it_is_anchored_in(tmp_path):
    """A flowchart's steps and callouts are text boxes; Word writes each twice (a drawing and a
    fallback). A box in a tracked deletion is not in the document as it reads, and a box holding
    only a label has nothing to quote."""
    word = docx.Document()
    word.add_heading("Concerns about a child", level=1)
    anchor = word.add_paragraph("Staff record what the child said in their own words.")
    anchor._p.append(text_box("If in doubt, speak to the DSL the same day."))
    anchor._p.append(text_box("Call 999 if the child is in danger.", deleted=True))
    anchor._p.append(text_box("Notes:"))  # a form's box left to be filled in
    word.add_paragraph("The DSL decides on any referral.")
    doc = read_document(save(word, tmp_path / "concerns.docx"))
    assert [b.text for b in doc.blocks] == [
        "Concerns about a child",
        "Staff record what the child said in their own words.",
        "If in doubt, speak to the DSL the same day.",
        "The DSL decides on any referral.",
    ]


def smartart(steps: list[str], order: list[int]) -> bytes:
    """A SmartArt diagram's data part: `steps` listed in that order, connected from the root in
    the order `order` gives (as after a person reordered them in Word)."""
    a, dgm = "http://schemas.openxmlformats.org/drawingml/2006/main", DIAGRAM_NAMESPACE
    points = '<dgm:pt modelId="root" type="doc"/>' + "".join(
        f'<dgm:pt modelId="p{n}"><dgm:t><a:p><a:r><a:t>{step}</a:t></a:r></a:p></dgm:t></dgm:pt>'
        f'<dgm:pt modelId="t{n}" type="parTrans"/>'
        for n, step in enumerate(steps)
    )
    connections = "".join(
        f'<dgm:cxn modelId="c{n}" srcId="root" destId="p{n}" srcOrd="{order.index(n)}"/>'
        for n in range(len(steps))
    )
    return (
        f'<dgm:dataModel xmlns:dgm="{dgm}" xmlns:a="{a}"><dgm:ptLst>{points}</dgm:ptLst>'
        f"<dgm:cxnLst>{connections}</dgm:cxnLst></dgm:dataModel>"
    ).encode()


DIAGRAM_NAMESPACE = "http://schemas.openxmlformats.org/drawingml/2006/diagram"


def test_a_smartart_diagrams_steps_are_read_in_the_diagrams_order_after_its_paragraph(tmp_path):
    """A diagram's words are in a part of their own, which the body only refers to: a referral
    flowchart drawn as SmartArt was lost whole."""
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    word = docx.Document()
    word.add_heading("Reporting a concern", level=1)
    steps = ["Tell the DSL the same day", "Write down what was said", "The DSL decides what happens next"]
    data = smartart(steps, order=[1, 0, 2])  # listed as typed, then the second step moved first
    part = Part(PackURI("/word/diagrams/data1.xml"), CONTENT_TYPE.DML_DIAGRAM_DATA, data, word.part.package)
    reference = word.part.relate_to(part, RELATIONSHIP_TYPE.DIAGRAM_DATA)
    drawn = word.add_paragraph("Staff follow these steps:")
    drawn._p.append(
        parse_xml(
            f'<w:r {nsdecls("w", "r")}><w:drawing><dgm:relIds xmlns:dgm="{DIAGRAM_NAMESPACE}" '
            f'r:dm="{reference}"/></w:drawing></w:r>'
        )
    )
    word.add_paragraph("The DSL keeps a record of every concern.")
    doc = read_document(save(word, tmp_path / "concerns.docx"))
    assert [b.text for b in doc.blocks][1:] == [
        "Staff follow these steps:",
        "Write down what was said",
        "Tell the DSL the same day",
        "The DSL decides what happens next",
        "The DSL keeps a record of every concern.",
    ]


@pytest.mark.parametrize(
    "name, words",
    [
        ("testWORD_diagramData.docx", ["From here", "To here", "And then here."]),
        ("testWORD_missing_text.docx", ["Seasoned professional"]),
        ("testWORD_text_box.docx", ["This text is inside of a text box in the body of the document."]),
    ],
)
def test_text_python_docx_passes_over_is_read_from_files_word_saved(name, words):
    text = read_document(Path(__file__).parent / "data" / "word-made" / name).text
    for word in words:
        assert text.count(word) == 1, word


def empty_paragraphs(count: int) -> bytes:
    """A real Word file of `count` empty paragraphs after one sentence: some 37 KB zipped."""
    import io

    from docx.oxml import OxmlElement

    word = docx.Document()
    word.add_paragraph("Staff must not befriend pupils on social media.")
    last = word.element.body[-1]  # the section properties stay the body's last element
    for _ in range(count):
        last.addprevious(OxmlElement("w:p"))
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def test_a_small_word_file_of_100000_empty_paragraphs_is_refused_before_it_is_parsed(tmp_path):
    """It took 404 s to parse; counted from the zip's stream it is refused at once."""
    import time

    path = tmp_path / "policy.docx"
    path.write_bytes(empty_paragraphs(100_000))
    assert path.stat().st_size < 64_000
    started = time.monotonic()
    with pytest.raises(ValueError, match=r"too big: it has 100,001 paragraphs \(a policy may have 20,000\)"):
        read_document(path)
    assert time.monotonic() - started < 5


def test_a_word_file_that_unpacks_to_more_than_a_policy_needs_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "policy.docx"
    path.write_bytes(empty_paragraphs(0))
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/filler.bin", b"\0" * (65 * 1024 * 1024))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(ValueError, match="too big: it unpacks to 65 MB"):
        read_document(path)


def test_a_paragraph_typed_as_a_word_paragraph_a_line_is_read_as_one(tmp_path):
    """Each line ends mid-sentence and the next starts in lower case: one paragraph, quoted whole."""
    word = docx.Document()
    word.add_heading("Right to appeal", level=1)
    word.add_paragraph("An employee may appeal the outcome of a formal flexible working request.")
    lines = [
        "A meeting will be held within ten days of receipt of the appeal between a designated senior leader",
        "and the applicant, to discuss and consider the appeal. The appeal will be",
        "dealt with impartially and the applicant may be accompanied by a colleague or",
        "trade union representative at the appeal.",
    ]
    for line in lines:
        word.add_paragraph(line)
    word.add_paragraph("Staff are told the outcome in writing.")
    word.add_paragraph("iPads used at the meeting are returned to the office.")
    texts = [p.text for p in chunk_document(read_document(save(word, tmp_path / "appeal.docx")), PARAGRAPHS)]
    assert texts == [
        "An employee may appeal the outcome of a formal flexible working request.",
        " ".join(lines),
        "Staff are told the outcome in writing.",
        "iPads used at the meeting are returned to the office.",
    ]


def test_a_heading_set_over_two_paragraphs_is_one_and_a_heading_may_be_set_by_its_looks(tmp_path):
    """Paragraphs typed in Normal but set large or bold are headings, as in a PDF; two heading
    paragraphs of one level with nothing between are one heading, unless they are numbered."""
    from docx.shared import Pt

    word = docx.Document()
    for line in ("Wellbeing", "Charter"):
        word.add_paragraph().add_run(line).font.size = Pt(38)
    word.add_paragraph("Staff can book the quiet room at lunch time on any school day.")
    word.add_heading("Wellbeing team", level=1)
    word.add_heading("commitments", level=1)
    word.add_paragraph("The team reviews the staff survey every term and reports to leaders.")
    word.add_heading("1. Aims", level=2)
    word.add_heading("2. Scope", level=2)
    word.add_paragraph("This charter applies to all staff, teaching and support alike.")
    word.add_paragraph().add_run("Trust commitments").bold = True
    word.add_paragraph("Counselling for any member of staff who asks.", style="List Bullet")
    word.add_paragraph("Your commitments")  # set as the body is: the lead-in of its list
    word.add_paragraph("Telling the wellbeing team when commitments are not kept.", style="List Bullet")
    found = chunk_document(read_document(save(word, tmp_path / "charter.docx")), PARAGRAPHS)
    assert [(p.section, p.text.split("\n")[0]) for p in found] == [
        ("Wellbeing Charter", "Staff can book the quiet room at lunch time on any school day."),
        (
            "Wellbeing team commitments",
            "The team reviews the staff survey every term and reports to leaders.",
        ),
        ("2. Scope", "This charter applies to all staff, teaching and support alike."),
        ("Trust commitments", "- Counselling for any member of staff who asks."),
        ("Trust commitments", "Your commitments"),
    ]


def test_a_form_table_row_of_a_label_and_an_empty_box_is_not_text(tmp_path):
    word = docx.Document()
    word.add_heading("Review a flexible working request", level=1)
    table = word.add_table(rows=3, cols=2)
    for row, (label, value) in zip(
        table.rows,
        [("Job title", ""), ("Current working pattern", ""), ("Line manager", "Head of year")],
        strict=True,
    ):
        row.cells[0].text, row.cells[1].text = label, value
    word.add_paragraph("Check that the application says when the new pattern would start.")
    texts = [p.text for p in chunk_document(read_document(save(word, tmp_path / "review.docx")), PARAGRAPHS)]
    assert texts == [
        "Line manager – Head of year",
        "Check that the application says when the new pattern would start.",
    ]


def test_a_word_bold_label_with_a_value_is_a_field_not_a_heading(tmp_path):
    word = docx.Document()
    word.add_heading("School details", level=1)
    for label, value in (("Location:", " Sunderland"), ("Number of pupils", ": 130 to 200")):
        paragraph = word.add_paragraph()
        paragraph.add_run(label).bold = True
        paragraph.add_run(value)
    word.add_paragraph("Staff can book the quiet room at lunch time on any school day.")
    found = chunk_document(read_document(save(word, tmp_path / "details.docx")), PARAGRAPHS)
    assert [(p.section, p.text) for p in found] == [
        ("School details", "Location: Sunderland\n\nNumber of pupils: 130 to 200"),
        ("School details", "Staff can book the quiet room at lunch time on any school day."),
    ]


@pytest.mark.parametrize(
    "core_title, expected",
    [
        ("Acceptable Use Policy", "Acceptable Use Policy"),
        ("staff-wellbeing-statement", "Staff Wellbeing Statement"),  # a converter's slug
        ("Microsoft Word - swb_v2.docx", "Staff Wellbeing Statement"),
        ("Untitled", "Staff Wellbeing Statement"),
    ],
)
def test_the_files_title_property_is_used_only_when_a_person_wrote_it(tmp_path, core_title, expected):
    word = docx.Document()
    word.core_properties.title = core_title
    word.add_paragraph("Staff are trusted to manage their own time and are thanked for their work.")
    doc = read_document(save(word, tmp_path / "staff-wellbeing-statement.docx"))
    assert doc.title == expected


@pytest.mark.parametrize(
    "opening, expected",
    [
        ("Social Media Policy", "Social Media Policy"),
        ("Introduction", "Smp V3 FINAL"),
        ("1. Scope", "Smp V3 FINAL"),
    ],
)
def test_a_word_file_that_opens_with_a_heading_is_titled_by_it_unless_it_names_a_section(
    tmp_path, opening, expected
):
    """No Title style and no Title property: the document's own opening heading names it before
    a file name such as "smp_v3_FINAL.docx" does, but "Introduction" names a section, not a policy."""
    word = docx.Document()
    word.core_properties.title = ""
    word.add_paragraph(opening, style="Heading 1")
    word.add_paragraph("Staff never accept friend requests from pupils on any social media site.")
    doc = read_document(save(word, tmp_path / "smp_v3_FINAL.docx"))
    assert doc.title == expected


def test_a_cover_page_opening_with_the_schools_name_is_titled_by_the_policys_name(tmp_path):
    """The school's name, set large, opens the cover; the heading naming the policy titles it."""
    word = docx.Document()
    word.core_properties.title = ""
    word.add_paragraph("St Mary's Church of England Academy", style="Heading 2")
    word.add_paragraph("Child Protection Policy", style="Heading 1")
    word.add_paragraph("Every member of staff reads this policy at the start of each school year.")
    doc = read_document(save(word, tmp_path / "cp-2025.docx"))
    assert doc.title == "Child Protection Policy"


def test_a_heading_repeated_in_the_next_paragraph_is_read_once(tmp_path):
    """A web page saved as Word repeats its name: the page's title, then its first heading."""
    word = docx.Document()
    word.core_properties.title = ""
    for _ in range(2):
        word.add_paragraph("Staff wellbeing statement", style="Heading 1")
    word.add_paragraph("Staff are trusted to manage their own time and are thanked for their work.")
    doc = read_document(save(word, tmp_path / "swb.docx"))
    assert doc.title == "Staff wellbeing statement"
    assert [p.section for p in chunk_document(doc, PARAGRAPHS)] == ["Staff wellbeing statement"]


def test_a_list_after_a_table_is_not_read_into_the_tables_last_row(tmp_path):
    word = docx.Document()
    word.add_paragraph("Contacts", style="Heading 1")
    table = word.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Role", "Phone"), ("DSL", "Ext 305")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    word.add_paragraph("ring the DSL first", style="List Bullet")
    word.add_paragraph("then the Head Teacher", style="List Bullet")
    word.save(str(tmp_path / "contacts.docx"))
    blocks = read_document(tmp_path / "contacts.docx").blocks
    assert [b.text for b in blocks[1:]] == [
        "Role: DSL – Phone: Ext 305",
        "- ring the DSL first\n- then the Head Teacher",
    ]
    assert [b.table_row for b in blocks[1:]] == [True, False]
