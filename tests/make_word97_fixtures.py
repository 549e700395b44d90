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

`tracked-changes.docx` (in tests/data/tracked-changes/) holds a deletion and an insertion tracked
but not accepted, and hidden text; LibreOffice saves it as .doc, .odt and .rtf beside it:

    soffice --headless --convert-to doc --outdir tests/data/tracked-changes tests/data/tracked-changes/*.docx

(and `odt`, `rtf`).
"""

from __future__ import annotations

from pathlib import Path

import docx
from docx.oxml import parse_xml

OUT = Path(__file__).resolve().parent / "data" / "word-97-2003"
TRACKED = OUT.parent / "tracked-changes"
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


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
    tracked_changes()


def tracked_changes() -> None:
    """ "drawer" deleted and "locker" inserted with changes tracked, and a hidden note."""
    word = docx.Document()
    word.add_heading("Phones", 1)
    edited = word.add_paragraph("Staff keep phones in a ")
    tracked = f'w:author="Office" w:date="2026-01-05T09:00:00Z" {_W}'
    edited._p.append(parse_xml(f'<w:del w:id="1" {tracked}><w:r><w:delText>drawer</w:delText></w:r></w:del>'))
    edited._p.append(parse_xml(f'<w:ins w:id="2" {tracked}><w:r><w:t>locker</w:t></w:r></w:ins>'))
    edited.add_run(" (check with HR)").font.hidden = True
    edited.add_run(".")
    word.add_paragraph("They never use them in lessons.")
    TRACKED.mkdir(parents=True, exist_ok=True)
    word.save(str(TRACKED / "tracked-changes.docx"))


if __name__ == "__main__":
    main()
