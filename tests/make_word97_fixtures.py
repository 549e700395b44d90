#!/usr/bin/env python3
"""Make the Word 97-2003 reading fixtures in tests/data/word-97-2003/.

`numbered-sections.docx` is written here with python-docx: a Title, sections
numbered by Word's List Number style ("1. Purpose" with its text after it), a
heading typed in the body style but set in bold, bullets, a paragraph with a
line break, a table and a bold-label field. Word 97-2003 files are not written
by any Python library, so each .docx is saved as .doc by LibreOffice:

    .venv/bin/python tests/make_word97_fixtures.py
    soffice --headless --convert-to doc --outdir tests/data/word-97-2003 tests/data/word-97-2003/*.docx

and both are committed. `wellbeing-charter.doc` and `make-statutory-flexible-working-request.doc`
are the workload set's own Word files (tests/data/corpora/dfe-workload-wellbeing, Open
Government Licence v3.0) saved as .doc the same way.
"""

from __future__ import annotations

from pathlib import Path

import docx

OUT = Path(__file__).resolve().parent / "data" / "word-97-2003"


def main() -> None:
    word = docx.Document()
    word.add_paragraph("Mobile phones and devices", style="Title")
    sections = [
        ("Purpose", "This policy sets out how staff use mobile phones and school devices during the day."),
        ("Scope", "It applies to all staff, supply teachers, volunteers and visitors on the school site."),
        ("Personal phones", "Staff keep personal phones in a locker and use them in the staff room."),
    ]
    for heading, text in sections:
        word.add_paragraph(heading, style="List Number")
        word.add_paragraph(text)
    bold = word.add_paragraph().add_run("School trips")
    bold.bold = True
    word.add_paragraph("On a trip the group leader carries the school mobile phone and keeps it switched on.")
    word.add_paragraph("Staff must not:")
    word.add_paragraph("photograph pupils on a personal phone", style="List Bullet")
    word.add_paragraph("share a pupil's image on social media", style="List Bullet")
    breaks = word.add_paragraph("Contact the Designated Safeguarding Lead")
    breaks.add_run().add_break()
    breaks.add_run("if a device is lost with pupils' details on it.")
    label = word.add_paragraph()
    label.add_run("Reviewed").bold = True
    label.add_run(": September 2026")
    table = word.add_table(rows=3, cols=2)
    rows = [("Role", "Phone"), ("Head Teacher", "Ext 201"), ("DSL", "Ext 305")]
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    OUT.mkdir(parents=True, exist_ok=True)
    word.save(str(OUT / "numbered-sections.docx"))


if __name__ == "__main__":
    main()
