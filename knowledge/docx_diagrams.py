"""The words of a Word file's SmartArt diagrams, which are not in its body's text at all.

A SmartArt diagram (a process's steps, a referral flowchart, who to tell)
is a drawing whose words sit in a part of their own, the diagram's data
(`word/diagrams/data1.xml`), as points joined by connections: each step is a
point, its sub-steps are points connected below it. The body holds only a
reference to that part (`dgm:relIds r:dm="rId8"`), so python-docx, and a
reader built on it, never sees the words. They are read here in the
diagram's own order: from its root, each point's children in the order the
connections give them, deeper points after their parent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

_DGM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_WORDS = (None, "node", "asst")  # a point's types that hold the diagram's words
_MAX_DEPTH = 32  # a diagram deeper than this is damaged (or a loop)


DIAGRAM = f"{_DGM}relIds"  # where the body draws a diagram: its parts' relationship ids


def data_reference(diagram: Any) -> str:
    """The relationship id of a drawn diagram's data part ("" when it names none)."""
    return str(diagram.get(f"{_R}dm") or "")


def diagram_texts(data: bytes) -> list[str]:
    """A diagram's words, a point a line, in the diagram's order; none when the data cannot be
    read (a picture of a diagram is then all there is)."""
    from docx.oxml.parser import parse_xml

    try:
        model = parse_xml(data)
    except Exception:  # noqa: BLE001  # lxml raises its own kinds on damaged XML: the words are lost, not the file
        return []
    points = {pt.get("modelId"): pt for pt in model.iter(f"{_DGM}pt")}
    below: dict[str, list[tuple[int, str]]] = {}
    for cxn in model.iter(f"{_DGM}cxn"):
        if cxn.get("type") in (None, "parOf"):
            order = int(cxn.get("srcOrd", "0")) if cxn.get("srcOrd", "0").isdigit() else 0
            below.setdefault(cxn.get("srcId", ""), []).append((order, cxn.get("destId", "")))
    roots = [key for key, pt in points.items() if pt.get("type") == "doc"]
    seen: set[str] = set()
    texts = [text for root in roots for text in _walk(root, points, below, seen, 0)]
    if not texts:  # no connections to follow: the points in the order they are listed
        texts = [_words(pt) for pt in points.values() if pt.get("type") in _WORDS]
    return [text for text in texts if text]


def _walk(
    key: str, points: dict[str, Any], below: dict[str, list[tuple[int, str]]], seen: set[str], depth: int
) -> Iterator[str]:
    if key in seen or depth > _MAX_DEPTH:
        return
    seen.add(key)
    point = points.get(key)
    if point is not None and point.get("type") in _WORDS:
        yield _words(point)
    for _, child in sorted(below.get(key, [])):
        yield from _walk(child, points, below, seen, depth + 1)


def _words(point: Any) -> str:
    """A point's text: its paragraphs' runs, one line."""
    lines = ["".join(t.text or "" for t in p.iter(f"{_A}t")) for p in point.iter(f"{_A}p")]
    return " ".join(" ".join(lines).split())
