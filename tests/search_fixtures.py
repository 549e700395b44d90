"""Shared helpers for the search and CLI tests: the bundled policy, hand-made files, one built index.

The embedding model costs about 5 s to import, and building the bundled
policy's index a few seconds more, so the index is built at most once per
test session (`bundled_index_dir`) and copied where a test needs to change it.
"""

from __future__ import annotations

import atexit
import functools
import json
import re
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_POLICIES = ROOT / "knowledge" / "policies"
BUNDLED_POLICY = BUNDLED_POLICIES / "social-media-policy.txt"
STAFF_QUESTIONS = ROOT / "tests" / "data" / "staff-questions.jsonl"

SMALL_POLICY = """Policy Name: Phone Policy

Mobile phones in class

Staff must keep personal phones out of sight during lessons and must not take calls while teaching.

Staff may use their phones:

- in the staff room
- in an emergency
- when the Head Teacher has agreed it

Trips and visits

On school trips staff must use the school mobile phone and never give out their personal number.
"""


def normalise(text: str) -> str:
    """White space collapsed, so a quote can be compared with the source it came from."""
    return re.sub(r"\s+", " ", text).strip()


def staff_questions() -> list[dict]:
    return [json.loads(line) for line in STAFF_QUESTIONS.read_text().splitlines() if line.strip()]


def write_small_policy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "phone-policy.txt"
    path.write_text(SMALL_POLICY, encoding="utf-8")
    return path


def escape_pdf(s: str) -> str:
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_file(objects: list[bytes], info: int | None = None) -> bytes:
    """Objects numbered from 1 (object 1 the catalog), with a byte-exact xref table; `info`: the
    number of the document information object (Title, Producer), if any."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info_ref = b" /Info %d 0 R" % info if info is not None else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        info_ref,
        xref,
    )
    return bytes(out)


def pdf_stream(ops: list[str], encoding: str = "latin-1") -> bytes:
    data = "\n".join(ops).encode(encoding)
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def minimal_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF drawing `lines` in Helvetica, one per row (an empty string skips a row).

    pypdf cannot lay out text, so the file is written by hand: five objects
    (catalog, pages, page, content stream, font) and a byte-exact xref table.
    """
    ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
    ops += [f"({escape_pdf(line)}) Tj T*" if line else "T*" for line in lines]
    ops.append("ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        pdf_stream(ops),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_file(objects)


def lines_pdf(pages: list[list[str]]) -> bytes:
    """A valid PDF with one page per list of lines (Helvetica, one line a row, "" skips a row)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
        ops += [f"({escape_pdf(line)}) Tj T*" if line else "T*" for line in lines]
        objects.append(pdf_stream([*ops, "ET"]))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    return pdf_file(objects)


def paged_pdf(pages: list[list[tuple[str, str]]], header: str, footer: str) -> bytes:
    """A multi-page A4 PDF, as exported policies are: a running header, a footer and "Page N of M".

    Each page is a list of (style, text) rows; style "h" is a bold heading row,
    "b" body text and "" an empty row. Text is Windows-1252 (curly quotes,
    dashes and bullets as Word exports them) in Helvetica.
    """
    n = len(pages)
    # 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, then (page, contents) pairs.
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(n))
    encoding = b"/Encoding /WinAnsiEncoding"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica " + encoding + b" >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold " + encoding + b" >>",
    ]
    for number, rows in enumerate(pages, start=1):
        ops = ["BT", "/F1 9 Tf", "56 806 Td", f"({escape_pdf(header)}) Tj", "ET"]
        ops += ["BT", "/F1 11 Tf", "15 TL", "56 770 Td"]
        font = "F1"
        for style, text in rows:
            want = "F2" if style == "h" else "F1"
            if want != font:
                ops.append(f"/{want} 11 Tf")
                font = want
            ops.append(f"({escape_pdf(text)}) Tj T*" if text else "T*")
        ops.append("ET")
        ops += ["BT", "/F1 9 Tf", "56 40 Td", f"({escape_pdf(footer)}) Tj", "ET"]
        ops += ["BT", "/F1 9 Tf", "480 40 Td", f"(Page {number} of {n}) Tj", "ET"]
        page_obj = 5 + 2 * (number - 1)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {page_obj + 1} 0 R "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>".encode()
        )
        objects.append(pdf_stream(ops, "cp1252"))
    return pdf_file(objects)


@functools.cache
def bundled_index_dir() -> Path:
    """An index of the bundled policy, built once per session in a temporary folder.

    Tests must not change it: copy it (`copy_index`) first.
    """
    from embeddings.index import open_index

    root = Path(tempfile.mkdtemp(prefix="staffguide-test-index-"))
    atexit.register(shutil.rmtree, root, True)
    index_dir = root / "index"
    opened = open_index(BUNDLED_POLICIES, index_dir, progress=False, notify=lambda _msg: None)
    opened.index.close()
    return index_dir


def copy_index(destination: Path) -> Path:
    shutil.copytree(bundled_index_dir(), destination)
    return destination


@functools.cache
def bundled_engine():
    """A SearchEngine over the bundled policy with the shipped threshold and glossary, shared read-only."""
    from embeddings.index import load_index
    from embeddings.search import SearchEngine
    from knowledge.glossary import Glossary

    return SearchEngine(load_index(bundled_index_dir()), glossary=Glossary.for_policies(BUNDLED_POLICIES))
