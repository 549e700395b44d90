"""A tagged PDF (Word's "Save as PDF", LibreOffice's export) read by its structure tree: headings,
paragraphs, list items and tables as the author made them, page furniture (artifacts) left out.

The small PDFs here are written by hand, as in `test_pdf_reading`: each element of the tree is
("H2", [...]) with, as leaves, lines (text, "R" or "B", size) that the file draws in marked
content of their own, one line a row, and PAGE to go on to the next page. The two real files are
a Word document of the workload set exported by LibreOffice with a running header and footer,
and one Microsoft Word saved (`tests/data/tagged-pdf/`).
"""

from __future__ import annotations

from pathlib import Path

from helpers import DATA, reading
from search_fixtures import escape_pdf, pdf_file, pdf_stream

from knowledge.chunking import ChunkSettings, chunk_document
from knowledge.documents import read_document

Line = tuple[str, str, float]  # text, "R" (Helvetica) or "B" (Helvetica-Bold), size in points
PAGE = "page"
UNTAGGED = "untagged"  # an element's lines drawn in marked content that no element names
Node = tuple[str, list["Node"]] | Line | str
TAGGED = DATA / "tagged-pdf"


def body(text: str) -> Line:
    return (text, "R", 11)


def _name(name: str) -> str:
    """A PDF name: a style's name keeps its spaces as #20 ("/List#20Paragraph")."""
    return "/" + name.replace(" ", "#20")


class _Writer:
    """A tagged PDF's objects: catalog, page tree, fonts, then pages, contents and elements."""

    def __init__(self, header: str) -> None:
        fonts = b"/Type /Font /Subtype /Type1 /Encoding /WinAnsiEncoding"
        self.objects: list[bytes] = [
            b"<< /Type /Catalog /Pages 2 0 R /StructTreeRoot 5 0 R /MarkInfo << /Marked true >> >>",
            b"",  # the page tree
            b"<< " + fonts + b" /BaseFont /Helvetica >>",
            b"<< " + fonts + b" /BaseFont /Helvetica-Bold >>",
            b"",  # the structure tree's root
        ]
        self.header = header
        self.pages: list[tuple[int, list[str]]] = []  # page object, its drawing
        self.mcid = 0
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        self.objects.append(b"")
        self.pages.append((len(self.objects), []))
        self.mcid, self.y = 0, 800.0
        if self.header:  # a running header and a page number, marked as furniture
            number = len(self.pages)
            for text, y in ((self.header, 820), (f"Page {number}", 30)):
                self.pages[-1][1].append(f"/Artifact BMC BT /R 9 Tf 72 {y} Td ({escape_pdf(text)}) Tj ET EMC")

    def draw(self, line: Line) -> str:
        """Draw a line in marked content of its own; what its element's /K names it by."""
        text, font, size = line
        page, ops = self.pages[-1]
        self.y -= max(16, 1.5 * size)
        ops.append(f"/P <</MCID {self.mcid}>> BDC BT /{font} {size} Tf 72 {self.y:.0f} Td")
        ops.append(f"({escape_pdf(text)}) Tj ET EMC")
        self.mcid += 1
        return f"<< /Type /MCR /Pg {page} 0 R /MCID {self.mcid - 1} >>"

    def element(self, node: tuple[str, list[Node]], parent: int) -> int:
        self.objects.append(b"")
        number = len(self.objects)
        kind, kids = node
        refs = []
        for kid in kids:
            if kid == PAGE:
                self.new_page()
            elif isinstance(kid, tuple) and kid[0] == UNTAGGED:
                for line in kid[1]:
                    self.draw(line)  # type: ignore[arg-type]
            elif isinstance(kid, tuple) and isinstance(kid[1], list):
                refs.append(f"{self.element(kid, number)} 0 R")
            elif isinstance(kid, tuple):
                refs.append(self.draw(kid))  # type: ignore[arg-type]
        self.objects[number - 1] = (
            f"<< /Type /StructElem /S {_name(kind)} /P {parent} 0 R /K [{' '.join(refs)}] >>".encode()
        )
        return number

    def finish(self, roots: list[int], role_map: dict[str, str]) -> bytes:
        roles = " ".join(f"{_name(name)} {_name(role)}" for name, role in role_map.items())
        kids = " ".join(f"{n} 0 R" for n in roots)
        self.objects[4] = f"<< /Type /StructTreeRoot /K [{kids}] /RoleMap << {roles} >> >>".encode()
        for page, ops in self.pages:
            self.objects.append(pdf_stream(ops, "cp1252"))
            self.objects[page - 1] = (
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                b"/Resources << /Font << /R 3 0 R /B 4 0 R >> >> >>" % len(self.objects)
            )
        pages = " ".join(f"{page} 0 R" for page, _ in self.pages)
        self.objects[1] = f"<< /Type /Pages /Kids [{pages}] /Count {len(self.pages)} >>".encode()
        return pdf_file(self.objects)


def tagged_pdf(tree: list[Node], header: str = "", role_map: dict[str, str] | None = None) -> bytes:
    writer = _Writer(header)
    return writer.finish([writer.element(("Document", tree), 5)], role_map or {})


def read(tmp_path: Path, tree: list[Node], header: str = "", role_map: dict[str, str] | None = None):
    path = tmp_path / "online-safety.pdf"
    path.write_bytes(tagged_pdf(tree, header, role_map))
    return read_document(path)


def blocks(doc) -> list[str]:
    return [("## " if b.heading else "") + b.text for b in doc.blocks]


# --- what the tags say ---------------------------------------------------------------------------


def test_a_heading_tagged_as_one_is_a_heading_though_it_is_set_as_body_text(tmp_path):
    doc = read(
        tmp_path,
        [
            ("H1", [("Online Safety Policy", "B", 16)]),
            ("H2", [body("Personal devices")]),  # no larger, no bolder than the body
            ("P", [body("Staff keep personal phones in the staffroom during lessons.")]),
        ],
    )
    assert doc.title == "Online Safety Policy"
    assert blocks(doc) == [
        "## Online Safety Policy",
        "## Personal devices",
        "Staff keep personal phones in the staffroom during lessons.",
    ]


def test_a_paragraph_reads_whole_over_a_page_break_without_the_running_header_and_page_number(tmp_path):
    doc = read(
        tmp_path,
        [
            ("H1", [("Online Safety Policy", "B", 16)]),
            (
                "P",
                [
                    body("Photographs of pupils are taken on school devices only. Images are"),
                    PAGE,
                    body("deleted from the device once they are stored on the school network."),
                ],
            ),
            ("P", [body("A pupil's image is never shared on a personal account.")]),
        ],
        header="St Crispin's School - Online Safety Policy",
    )
    assert blocks(doc) == [
        "## Online Safety Policy",
        "Photographs of pupils are taken on school devices only. Images are deleted from the device "
        "once they are stored on the school network.",
        "A pupil's image is never shared on a personal account.",
    ]


def test_list_items_join_their_lead_in_with_their_numbers_and_a_nested_list_a_level_deeper(tmp_path):
    def item(label: str, text: str, *nested: Node) -> Node:
        return ("LI", [("Lbl", [body(label)]), ("LBody", [body(text), *nested])])

    doc = read(
        tmp_path,
        [
            ("P", [body("If a pupil sends a friend request, staff:")]),
            (
                "L",
                [
                    item("1.", "decline it;"),
                    item(
                        "2.",
                        "tell the DSL the same day, giving:",
                        ("L", [item("\u2022", "the pupil's name"), item("\u2022", "the account's name")]),
                    ),
                ],
            ),
        ],
    )
    assert blocks(doc) == [
        "If a pupil sends a friend request, staff:\n1. decline it;\n2. tell the DSL the same day, "
        "giving:\n  - the pupil's name\n  - the account's name"
    ]


def test_a_list_item_keeps_its_drawn_number_in_any_style_and_a_bullet_glyph_is_no_number(tmp_path):
    labels = ["(a)", "b)", "iv.", "2.1", "\u2022", "o"]
    items = [
        ("LI", [("Lbl", [body(label)]), ("LBody", [body(f"rule {n}")])]) for n, label in enumerate(labels)
    ]
    doc = read(tmp_path, [("P", [body("Staff must:")]), ("L", items)])
    assert doc.blocks[0].text.splitlines() == [
        "Staff must:",
        "(a) rule 0",
        "b) rule 1",
        "iv. rule 2",
        "2.1 rule 3",
        "- rule 4",
        "- rule 5",
    ]


def test_a_table_reads_a_row_a_block_each_cell_labelled_by_its_column(tmp_path):
    def row(*cells: str) -> Node:
        return ("TR", [("TD", [body(cell)]) for cell in cells])

    doc = read(
        tmp_path,
        [
            ("Table", [row("Role", "Name"), row("DSL", "Ms A Patel"), row("Deputy DSL", "Mr J Okafor")]),
        ],
    )
    assert blocks(doc) == ["Role: DSL – Name: Ms A Patel", "Role: Deputy DSL – Name: Mr J Okafor"]
    assert all(b.table_row for b in doc.blocks)


def test_the_contents_and_its_heading_are_not_read_and_keep_the_title_apart_from_the_first_section(
    tmp_path,
):
    doc = read(
        tmp_path,
        [
            ("H1", [("Online Safety Policy", "B", 16)]),
            ("P", [body("Contents")]),
            ("TOC", [("TOCI", [body("Introduction 2")]), ("TOCI", [body("Personal devices 3")])]),
            ("H1", [("Introduction", "B", 16)]),
            ("P", [body("This policy applies to all staff and volunteers.")]),
        ],
    )
    assert blocks(doc) == [
        "## Online Safety Policy",
        "## Introduction",
        "This policy applies to all staff and volunteers.",
    ]


def test_a_styles_own_name_counts_as_word_names_it_through_the_role_map(tmp_path):
    doc = read(
        tmp_path,
        [
            ("Title", [("Online Safety Policy", "B", 16)]),
            ("Heading_20_2", [body("Trips")]),
            ("List Paragraph", [body("a school phone goes on every trip")]),
            ("Footnote", [("1 See the trips policy.", "R", 8)]),
        ],
        role_map={"Heading_20_2": "H2", "List Paragraph": "P", "Footnote": "Note"},
    )
    assert doc.title == "Online Safety Policy"
    assert blocks(doc) == ["## Trips", "- a school phone goes on every trip"]


def test_a_bold_opening_set_on_its_own_line_is_a_heading_and_a_wrapped_bold_sentence_is_not(tmp_path):
    doc = read(
        tmp_path,
        [
            ("P", [("Mobile phones", "B", 11), body("Staff phones stay in lockers during the school day.")]),
            (
                "P",
                [
                    ("Staff must never give a pupil their personal mobile number or", "B", 11),
                    body("social media account, in school or outside it."),
                ],
            ),
        ],
    )
    assert blocks(doc) == [
        "## Mobile phones",
        "Staff phones stay in lockers during the school day.",
        "Staff must never give a pupil their personal mobile number or social media account, in school "
        "or outside it.",
    ]


def test_a_list_typed_with_line_breaks_or_as_paragraphs_joins_its_lead_in_an_item_a_line(tmp_path):
    doc = read(
        tmp_path,
        [
            (
                "P",
                [
                    body("In all communications, staff:"),
                    body("- keep personal and professional lives"),
                    body("separate;"),
                    body("- follow safeguarding principles."),
                ],
            ),
            ("P", [body("Risks include:")]),
            ("P", [body("- access to inappropriate material;")]),
            ("P", [body("- damage to the school's reputation.")]),
        ],
    )
    assert blocks(doc) == [
        "In all communications, staff:\n- keep personal and professional lives separate;\n"
        "- follow safeguarding principles.",
        "Risks include:\n- access to inappropriate material;\n- damage to the school's reputation.",
    ]


def test_a_word_a_narrow_cell_cuts_without_a_hyphen_reads_whole_where_lines_end_in_their_space(tmp_path):
    """Word and LibreOffice end a line the page wrapped with the space it wrapped at; a line ending
    in a letter was cut inside a word ("Chromeb" / "ook"), which reads whole again."""
    wrapped = [
        body("Staff lend a school device to a pupil only with the DSL's agreement, and ") for _ in range(24)
    ]
    doc = read(
        tmp_path,
        [
            ("P", [*wrapped, body("record the loan.")]),
            (
                "Table",
                [("TR", [("TD", [body("Device")]), ("TD", [body("Google Chromeb"), body("ook (11 inch)")])])],
            ),
        ],
    )
    assert "Device – Google Chromebook (11 inch)" in [b.text for b in doc.blocks]
    assert doc.blocks[0].text.endswith(
        "agreement, and Staff lend a school device to a pupil only with the DSL's "
        "agreement, and record the loan."
    )


# --- when the tags are not the text -------------------------------------------------------------


STAFFROOM = "Staff keep personal phones in the staffroom during lessons."
PHOTOGRAPHS = "Photographs of pupils are taken on school devices only."


def test_a_pdf_tagged_only_in_part_is_read_from_its_pages(tmp_path, caplog):
    """A tree naming the heading alone leaves the paragraphs out of it: the page is read instead,
    and the log says why."""
    caplog.set_level("INFO", logger="knowledge.pdf_tags")
    doc = read(
        tmp_path,
        [
            ("H1", [("Online Safety Policy", "B", 16)]),
            (
                UNTAGGED,
                [body(STAFFROOM), body(PHOTOGRAPHS)],
            ),
        ],
    )
    assert STAFFROOM in doc.text and PHOTOGRAPHS in doc.text
    untagged = sum(len(line.replace(" ", "")) for line in (STAFFROOM, PHOTOGRAPHS))
    drawn = untagged + len("OnlineSafetyPolicy")
    assert f"structure tree not used ({untagged} of {drawn} letters are in no element)" in caplog.text


# --- real files ---------------------------------------------------------------------------------


def test_a_word_document_exported_as_a_tagged_pdf_reads_as_the_word_document(tmp_path):
    """The workload set's flexible working policy, exported by LibreOffice 7.4 with a running
    header and a "Page N" footer added: every heading, paragraph and list item of the .docx, the
    nested list at its level, the contents and its heading not read, no header or footer."""
    pdf = reading(TAGGED / "example-flexible-working-policy.pdf")
    word = reading(DATA / "corpora" / "dfe-workload-wellbeing" / "example-flexible-working-policy.docx")
    assert pdf == word


def test_a_pdf_microsoft_word_saved_reads_without_its_header_footer_and_footnote():
    """Apache Tika's testPDFVarious.pdf (Word 2007): bulleted and numbered lists, a table, a text
    box, a footnote, a header and a footer, and Gothic letters pypdf cannot decode."""
    doc = read_document(TAGGED / "word-made" / "testPDFVarious.pdf")
    text = doc.text
    assert "header text" not in text and "footer text" not in text and "This is a footnote" not in text
    assert "Here is a list:\n- Bullet 1\n- Bullet 2\n- Bullet 3" in text
    assert "Here is a numbered list:\n1) Number bullet 1\n2) Number bullet 2\n3) Number bullet 3" in text
    assert "Here is a text box" in text
    assert any(b.table_row and "Row 2 Col 3" in b.text for b in doc.blocks)
    assert chunk_document(doc, ChunkSettings())  # its undecodable letters do not stop the passages
