"""The document model every reader produces and the chunker consumes.

A reader turns a file into a `Document` of `Block`s: clean text, headings
marked where the format says so. Kept apart from the readers and from the
module choosing among them, so that each of those depends on this alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    """A run of text between blank lines; `heading` marks a known heading (Markdown, Word styles).

    `links` holds (link text, URL) for each link in the text (Markdown, web pages);
    `table_row` marks a table's row and `field` a "Label: value" line set out as one (a bold
    label: "**Location**: Sunderland"); neither is ever taken for a heading. `blank` marks a
    form's field left blank (a label beside empty boxes): it has nothing to quote.
    """

    text: str
    heading: bool = False
    links: tuple[tuple[str, str], ...] = ()
    table_row: bool = False
    field: bool = False
    blank: bool = False


@dataclass
class Document:
    """A policy: its display title, its file name and its text as blocks."""

    name: str  # file name, unique within the folder
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)
