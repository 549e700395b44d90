"""Web pages (.html, .htm) saved from a school website, read with Python's html.parser.

What a visitor reads is kept: headings (h1–h6) become sections, paragraphs
and list items their text (lists as "- item" lines, nested items indented),
tables one block a row, links their text with the URL kept beside it. A
paragraph opening with a bold label and a value ("<b>Location</b>: Sunderland")
is a field, never taken for a heading. Scripts,
styles and the site's furniture (navigation, header, footer, side bars, forms,
and what ARIA roles or a class or id mark as such: menus, cookie notices,
breadcrumbs, skip links) are left out; a page with a <main> element is read
from it alone.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from pathlib import Path

from .model import Block, Document
from .text import decode_text, is_field, table_blocks, title_from_name

_SKIP = {
    "script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button",
    "select", "template", "svg", "iframe", "head",
}  # fmt: skip
_BREAKS = {
    "p", "div", "section", "article", "main", "blockquote", "pre", "address", "figure",
    "figcaption", "dd", "dt", "dl", "body", "center", "hr",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BOLD = {"strong", "b"}
LINK_SCHEMES = ("http://", "https://", "mailto:")


# A website's own furniture, marked by ARIA landmark roles (what <nav>, <header>, <footer> and
# <aside> are) or by what its class or id says it is: a cookie notice, a breadcrumb, a skip link.
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
_FURNITURE_NAMES = re.compile(r"cookie|consent|gdpr|breadcrumb|skip-?(?:link|to)", re.IGNORECASE)
_VOID = {"br", "img", "hr", "input", "meta", "link", "wbr", "source", "col", "area", "base", "embed"}


def _furniture(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag in _VOID:  # no end tag to end the skip at
        return False
    named = dict(attrs)
    return (named.get("role") or "").lower() in _FURNITURE_ROLES or bool(
        _FURNITURE_NAMES.search(f"{named.get('class') or ''} {named.get('id') or ''}")
    )


class _Page(HTMLParser):
    def __init__(self, only_main: bool = False, site_furniture: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.page_title = ""
        self.first_h1 = ""
        self._in_title = False
        # Outside <main>, when the page has one, everything is the site's, not the policy's.
        self._skip = 1 if only_main else 0
        self._only_main = only_main
        self._site_furniture = site_furniture
        # The outermost furniture element being skipped, and how many of its kind are open in it.
        self._furniture_tag = ""
        self._furniture_open = 0
        self._parts: list[str] = []
        self._links: list[tuple[str, str]] = []
        self._open_links: list[tuple[str, int]] = []
        self._heading = ""  # the open heading's tag
        self._lists: list[list[int]] = []  # [ordered (0/1), items so far], one per open list
        self._marker = ""  # the marker the next list line starts with
        self._list_lines: list[str] = []
        self._list_links: list[tuple[str, str]] = []
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._tables = 0
        self._bold_from: int | None = None  # where a bold run opening the block starts in _parts
        self._label = ""  # the bold words the block opens with ("Location", "Phase:")

    # --- text collection -------------------------------------------------------------------

    def _take(self) -> tuple[list[str], list[tuple[str, str]]]:
        text = "".join(self._parts)
        lines = [" ".join(line.split()) for line in text.split("\n")]
        links = self._links
        self._parts, self._links = [], []
        self._bold_from = None
        return [line for line in lines if line], links

    def _flush(self) -> None:
        label, self._label = self._label, ""
        lines, links = self._take()
        if not lines:
            return
        if self._cell is not None:
            self._cell.append(" ".join(lines))
            return
        if self._heading:
            text = " ".join(lines)
            if self._heading == "h1" and not self.first_h1 and not self.blocks:
                self.first_h1 = text
            else:
                self.blocks.append(Block(text, heading=True, links=tuple(links)))
            return
        if self._lists:
            indent = "  " * (len(self._lists) - 1)
            marker = self._marker or " " * 2
            self._list_lines.append(indent + marker + lines[0])
            self._list_lines += [indent + " " * len(marker) + line for line in lines[1:]]
            self._marker = ""
            self._list_links += links
            return
        text = "\n".join(lines)
        self.blocks.append(Block(text, links=tuple(links), field=is_field(text, label)))

    # --- parser events ---------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._furniture_open:
            self._furniture_open += tag == self._furniture_tag
        elif self._site_furniture and _furniture(tag, attrs):
            self._furniture_tag, self._furniture_open = tag, 1
            self._skip += 1
            return
        if tag in _SKIP:
            self._skip += 1
            return
        if tag == "main" and self._only_main:
            self._skip -= 1
            return
        if tag == "title":
            self._in_title = True
        if self._skip:
            return
        if tag in _HEADINGS:
            self._flush()
            self._heading = tag
        elif tag in _BREAKS:
            self._flush()
        elif tag in ("ul", "ol"):
            self._flush()
            self._lists.append([int(tag == "ol"), 0])
        elif tag == "li":
            self._flush()
            if self._lists:
                self._lists[-1][1] += 1
                ordered, count = self._lists[-1]
                self._marker = f"{count}. " if ordered else "- "
        elif tag == "table":
            self._flush()
            self._tables += 1
            if self._tables == 1:
                self._rows = []
        elif tag == "tr" and self._tables == 1:
            self._rows.append([])
        elif tag in ("td", "th") and self._tables == 1:
            self._flush()
            self._cell = []
        elif tag == "br":
            self._parts.append("\n")
        elif tag == "a":
            self._open_links.append((dict(attrs).get("href") or "", len(self._parts)))
        elif tag in _BOLD and not "".join(self._parts).strip() and not self._label:
            self._bold_from = len(self._parts)

    def handle_endtag(self, tag: str) -> None:
        if self._furniture_open and tag == self._furniture_tag:
            self._furniture_open -= 1
            if not self._furniture_open:
                self._skip = max(0, self._skip - 1)
                return
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "main" and self._only_main:
            self._skip += 1
            return
        if tag == "title":
            self._in_title = False
        if self._skip:
            return
        if tag in _HEADINGS and self._heading:
            self._flush()
            self._heading = ""
        elif tag in _BREAKS or tag == "li":
            self._flush()
        elif tag in ("ul", "ol") and self._lists:
            self._flush()
            self._lists.pop()
            if not self._lists and self._list_lines:
                self.blocks.append(Block("\n".join(self._list_lines), links=tuple(self._list_links)))
                self._list_lines, self._list_links = [], []
        elif tag in ("td", "th") and self._cell is not None:
            self._flush()
            if self._rows:
                self._rows[-1].append(" ".join(self._cell))
            self._cell = None
        elif tag == "table" and self._tables:
            self._tables -= 1
            if self._tables == 0:
                self.blocks += table_blocks(self._rows)
                self._rows = []
        elif tag in _BOLD and self._bold_from is not None:
            self._label = " ".join("".join(self._parts[self._bold_from :]).split())
            self._bold_from = None
        elif tag == "a" and self._open_links:
            href, start = self._open_links.pop()
            label = " ".join("".join(self._parts[start:]).split())
            if label and href.lower().startswith(LINK_SCHEMES):
                self._links.append((label, href))

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page_title += data
        elif not self._skip:
            self._parts.append(data.replace("\r", " ").replace("\n", " "))

    def close(self) -> None:
        super().close()
        self._flush()
        if self._list_lines:
            self.blocks.append(Block("\n".join(self._list_lines), links=tuple(self._list_links)))


def parse_page(text: str, whole: bool = False) -> _Page:
    """The page's blocks: from its <main> when it has one, without the site's furniture.

    A page whose every part is marked as furniture (a "Cookie policy" page in a div called
    "cookie-policy") is read whole instead. `whole` reads an HTML fragment, which has no site.
    """
    only_main = not whole and _MAIN.search(text) is not None
    page = _Page(only_main, site_furniture=not whole)
    page.feed(text)
    page.close()
    if not whole and not page.blocks and not page.first_h1:
        return parse_page(text, whole=True)
    return page


_MAIN = re.compile(r"<main[\s>]", re.IGNORECASE)


# <meta charset="windows-1252"> or <meta http-equiv="Content-Type" content="text/html; charset=...">
_DECLARED = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# As browsers read them (the WHATWG encoding standard): a page declaring Latin-1 or ASCII is
# read as Windows-1252, which is where Word's curly quotes and dashes (bytes 0x80-0x9F) sit.
_AS_BROWSERS_READ = {"latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252"}


def page_text(raw: bytes) -> str:
    """A saved web page's text: UTF-8 (or UTF-16 with its byte-order mark), else the encoding
    the page declares in a meta tag, else Windows-1252, as a browser in the UK reads it (the
    WHATWG encoding standard's default for an English locale). Older school sites serve
    Windows-1252 pages, not all of which say so; a page in none of these is refused with what
    to do."""
    declared = _declared_encoding(raw)
    also = [declared] if declared and declared != "utf-8" else []
    return decode_text(raw, also, ", nor in an encoding the page declares")


def _declared_encoding(raw: bytes) -> str:
    """The encoding a page's meta tag names, as a browser takes it; "" when it names none known."""
    declared = _DECLARED.search(raw[:8192])
    if declared is None:
        return ""
    try:
        name = codecs.lookup(declared.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return ""
    return _AS_BROWSERS_READ.get(name.replace("-", "_"), name)


def fragment_blocks(html: str) -> list[Block]:
    """The blocks of an HTML fragment (e.g. a raw HTML block in Markdown), its headings marked."""
    page = parse_page(html, whole=True)
    return ([Block(page.first_h1, heading=True)] if page.first_h1 else []) + page.blocks


def read_html(path: Path) -> Document:
    """A saved web page: the first h1 (else the page's <title>) is the title."""
    return _page_document(path, page_text(path.read_bytes()))


def read_web_archive(path: Path) -> Document:
    """A web page saved as one file (.mht, .mhtml: Word's "Single File Web Page", a browser's web
    archive), read as the web page it holds; the pictures and styles it carries are not text."""
    return _page_document(path, archived_page(path.read_bytes()))


def archived_page(raw: bytes) -> str:
    """The web page inside a web archive (a MIME message: the page and what it shows, each
    encoded for mail), in the character set it names; ValueError when it holds none."""
    import email
    import email.policy

    message = email.message_from_bytes(raw, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            try:
                return str(part.get_content())
            except (LookupError, UnicodeError):
                raise ValueError("the web archive's page cannot be decoded; save it as .html") from None
    raise ValueError("the web archive holds no web page; save the page as .html or PDF")


def _page_document(path: Path, text: str) -> Document:
    page = parse_page(text)
    title = page.first_h1 or " ".join(page.page_title.split()) or title_from_name(path)
    blocks = page.blocks
    if not blocks:
        raise ValueError("the web page has no text")
    return Document(name=path.name, title=title, blocks=blocks)
