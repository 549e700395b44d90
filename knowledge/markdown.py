"""Markdown policies, read with markdown-it-py as a person reads the rendered page.

The token stream is walked and rendered to plain text: emphasis markers,
quote markers and closing hashes go; a link keeps its text (and its URL is
kept beside the block, for the bot to show as a link); the hard-wrapped lines
of a paragraph are joined with single spaces; a list becomes "- item" (or
"2. item") lines in one block, nested items indented under their parent. Raw
HTML is read as a web page is (`knowledge.html`), its headings sections too.
A line opening with a bold label and a value ("**Location**: Sunderland") is
a field of a record, never taken for a heading.

YAML front matter gives the title and is not text, and neither is a line
holding only a site macro's marker ("{inset-text}" ... "{/inset-text}"): what
the markers enclose is kept. Template code ("<%= render(...) %>", "{{ ... }}",
"{% ... %}") is the site's, not the policy's, and is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .headings import numbered_heading
from .html import fragment_blocks
from .model import Block, Document
from .text import BROKEN_WORD, NEXT_WORD, is_field, read_text, table_blocks, title_from_name, with_title

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title\s*:\s*(.+?)\s*$", re.IGNORECASE)
LINK_SCHEMES = ("http://", "https://", "mailto:")


def front_matter(text: str) -> tuple[str, str]:
    """(the `title:` of a leading YAML front matter or "", the text after the front matter)."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return "", text
    title = ""
    for line in match.group(1).split("\n"):
        found = _FRONT_TITLE.match(line)
        if found:
            title = found.group(1).strip().strip("\"'").strip()
            break
    return title, text[match.end() :]


# A link Markdown did not take as one, left as text: a space before the "(", a space or no ")"
# in the URL, or a reference ("[text][ref]") that no definition resolves. A reader sees its text.
_TARGET = r"(?:https?://|mailto:|www\.|/|#)"
_LOOSE_LINK = re.compile(
    r"\[(?P<text>[^\[\]\n]+)\]"
    rf"(?:[ \t]?\((?P<url>{_TARGET}[^()\n]*)\)|[ \t]?\((?P<open>{_TARGET}\S*)|\[[^\[\]\n]*\])"
)


def loose_links(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Text with each malformed link shown as its text, and the links among them with a usable URL."""
    links: list[tuple[str, str]] = []

    def keep(match: re.Match[str]) -> str:
        label = " ".join(match.group("text").split())
        url = (match.group("url") or match.group("open") or "").strip()
        if url.lower().startswith(LINK_SCHEMES) and " " not in url:
            links.append((label, url))
        return label

    return _LOOSE_LINK.sub(keep, text), links


# A site's macro marker alone on its line ("{inset-text}" ... "{/inset-text}"): a static-site
# generator's markup around a box, not words of the policy. What it encloses is kept.
MACRO_LINE = re.compile(r"[ \t]*\{/?[A-Za-z][^\s{}]*\}[ \t]*")
_BREAKS = ("softbreak", "hardbreak")
# Template code a site builds the page with (ERB "<% %>" and "<%= %>", Liquid or Jinja "{{ }}" and
# "{% %}"): what it would render is not in the file. A tag never runs across a blank line.
_SPAN = r"(?:(?!\n[ \t]*\n)[\s\S])*?"
TEMPLATE_TAG = re.compile(rf"<%{_SPAN}%>|\{{\{{{_SPAN}\}}\}}|\{{%{_SPAN}%\}}")


def _without_macro_lines(children: list[Token]) -> list[Token]:
    """Inline children without the lines that are only a macro marker (and the break ending each)."""
    lines: list[list[Token]] = [[]]
    for child in children:
        lines[-1].append(child)
        if child.type in _BREAKS:
            lines.append([])
    kept: list[Token] = []
    for line in lines:
        words = [c for c in line if c.type not in _BREAKS]
        only_text = bool(words) and all(c.type == "text" for c in words)
        if only_text and MACRO_LINE.fullmatch("".join(c.content for c in words)):
            continue
        kept += line
    while kept and kept[-1].type in _BREAKS:  # a marker on the last line leaves its break behind
        kept.pop()
    return kept


def inline_text(token: Token) -> tuple[str, list[tuple[str, str]]]:
    """An inline token as plain text, and its links as (text, URL)."""
    parts: list[str] = []
    links: list[tuple[str, str]] = []
    open_links: list[tuple[str, int]] = []
    children = _without_macro_lines(token.children or [])
    for i, child in enumerate(children):
        if child.type in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif child.type == "softbreak":
            after = children[i + 1].content if i + 1 < len(children) else ""
            joined = parts and BROKEN_WORD.search(parts[-1]) and NEXT_WORD.match(after)
            parts.append("" if joined else " ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            open_links.append((str(child.attrs.get("href", "")), len(parts)))
        elif child.type == "link_close" and open_links:
            href, start = open_links.pop()
            label = " ".join("".join(parts[start:]).split())
            if label and href.lower().startswith(LINK_SCHEMES):
                links.append((label, href))
    text = "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n"))
    text, loose = loose_links(text)
    return text.strip(), links + loose


def bold_label(token: Token) -> str:
    """The bold words an inline token opens with ("**Location**: ..." -> "Location"), else ""."""
    children = token.children or []
    start = next((i for i, c in enumerate(children) if c.type != "text" or c.content.strip()), None)
    if start is None or children[start].type != "strong_open":
        return ""
    label: list[str] = []
    for child in children[start + 1 :]:
        if child.type == "strong_close":
            return "".join(label)
        if child.type in _BREAKS:
            return ""
        label.append(child.content)
    return ""


@dataclass
class _Item:
    marker: str  # "- " or "2. "
    paragraphs: int = 0


@dataclass
class _Walker:
    """Turns a token stream into blocks; a top-level list (nested lists included) is one block."""

    blocks: list[Block] = field(default_factory=list)
    lists: list[bool] = field(default_factory=list)  # ordered?, one per open list
    items: list[_Item] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the open top-level list's lines
    top_items: list[int] = field(default_factory=list)  # where each top-level item starts in `lines`
    links: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    heading_h1: list[str] = field(default_factory=list)

    def add(
        self, text: str, links: list[tuple[str, str]], heading: bool = False, field: bool = False
    ) -> None:
        if not text.strip():
            return
        if self.lists and not heading:
            depth = len(self.lists)
            indent = "  " * (depth - 1)
            item = self.items[-1] if self.items else _Item("- ")
            first = indent + (item.marker if item.paragraphs == 0 else " " * len(item.marker))
            rest = indent + " " * len(item.marker)
            text_lines = text.split("\n")
            self.lines.append(first + text_lines[0])
            self.lines += [rest + line for line in text_lines[1:]]
            item.paragraphs += 1
            self.links += links
        else:
            self.blocks.append(Block(text, heading=heading, links=tuple(links), field=field))

    def close_top_list(self) -> None:
        """Emit the list; a last numbered item that is a lone title line ("2. Scope") stands apart."""
        lines, starts = self.lines, self.top_items
        last: list[str] = []
        if len(starts) > 1 and len(lines) - starts[-1] == 1 and numbered_heading(lines[-1]) is not None:
            lines, last = lines[:-1], lines[-1:]
        links = tuple(self.links)
        if lines:
            self.blocks.append(Block("\n".join(lines), links=links))
        if last:
            self.blocks.append(Block(last[0], links=links))
        self.lines, self.top_items, self.links = [], [], []

    def walk(self, tokens: list[Token]) -> list[Block]:
        for i, token in enumerate(tokens):
            kind = token.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                self.lists.append(kind == "ordered_list_open")
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
                if not self.lists:
                    self.close_top_list()
            elif kind == "list_item_open":
                ordered = bool(self.lists and self.lists[-1])
                self.items.append(_Item(f"{token.info}{token.markup} " if ordered else "- "))
                if len(self.lists) == 1:
                    self.top_items.append(len(self.lines))
            elif kind == "list_item_close":
                self.items.pop()
            elif kind == "inline" and i > 0:
                opener = tokens[i - 1].type
                text, links = inline_text(token)
                if opener == "heading_open":
                    if tokens[i - 1].tag == "h1" and not self.blocks and not self.heading_h1:
                        self.heading_h1.append(text)
                    else:
                        self.add(text, links, heading=True)
                elif opener in ("th_open", "td_open"):
                    if self.rows:
                        self.rows[-1].append(text)
                else:
                    self.add(text, links, field=is_field(text, bold_label(token)))
            elif kind == "tr_open":
                self.rows.append([])
            elif kind == "table_close":
                for block in table_blocks(self.rows):
                    if self.lists:
                        self.add(block.text, [])
                    else:
                        self.blocks.append(block)
                self.rows = []
            elif kind in ("fence", "code_block"):
                self.add(token.content.strip(), [])
            elif kind == "html_block":
                lines = token.content.split("\n")
                for block in fragment_blocks("\n".join(x for x in lines if not MACRO_LINE.fullmatch(x))):
                    if self.lists and not block.heading:
                        self.add(block.text, list(block.links))
                    else:
                        self.blocks.append(block)
        return self.blocks


def read_markdown(path: Path) -> Document:
    """Markdown: headings are sections; the title is the front matter's, else the first level-1 heading."""
    title, body = front_matter(read_text(path))
    body = TEMPLATE_TAG.sub("", body)
    walker = _Walker()
    blocks = walker.walk(MarkdownIt("commonmark").enable("table").parse(body))
    if walker.heading_h1:
        if title:
            blocks.insert(0, Block(walker.heading_h1[0], heading=True))
        else:
            title = walker.heading_h1[0]
    if title:
        return Document(name=path.name, title=title, blocks=blocks)
    doc = with_title(path, blocks)
    return Document(name=path.name, title=doc.title or title_from_name(path), blocks=doc.blocks)
