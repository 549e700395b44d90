"""Reading policy documents from a folder.

A policy folder holds one file per policy. Plain text and Markdown are read
here; PDF and Word files are read with pypdf and python-docx. A file that
cannot be read is reported by name and skipped, so one broken upload never
takes the other policies offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")


class PolicyFolderError(Exception):
    """The policy folder is missing, empty or holds nothing readable."""


@dataclass(frozen=True)
class Block:
    """A run of text between blank lines; `heading` marks a known heading (Markdown, Word styles)."""

    text: str
    heading: bool = False


@dataclass
class Document:
    """A policy: its display title, its file name and its text as blocks."""

    name: str  # file name, unique within the folder
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)


@dataclass
class LoadResult:
    documents: list[Document]
    skipped: list[tuple[str, str]]  # (file name, reason)


_TITLE_LINE = re.compile(r"^\s*(?:policy\s+name|title)\s*:\s*(.+?)\s*$", re.IGNORECASE)


def title_from_name(path: Path) -> str:
    """A readable title from a file name: `social-media-policy.txt` -> `Social Media Policy`."""
    words = re.split(r"[-_\s]+", path.stem)
    return " ".join(w[:1].upper() + w[1:] for w in words if w) or path.name


def split_blocks(text: str) -> list[Block]:
    """Split text on blank lines, trimming trailing space but keeping each block's words exactly."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    blocks = []
    for raw in re.split(r"\n[ \t]*\n", text):
        lines = [line.rstrip() for line in raw.split("\n")]
        block = "\n".join(line for line in lines if line.strip())
        if block.strip():
            blocks.append(Block(block.strip()))
    return blocks


def _with_title(path: Path, blocks: list[Block]) -> Document:
    """Take a leading `Policy Name: ...` line as the title; otherwise use the file name."""
    title = title_from_name(path)
    if blocks and not blocks[0].heading:
        first_line, _, rest = blocks[0].text.partition("\n")
        match = _TITLE_LINE.match(first_line)
        if match:
            title = match.group(1)
            blocks = ([Block(rest.strip())] if rest.strip() else []) + blocks[1:]
    return Document(name=path.name, title=title, blocks=blocks)


def read_text_file(path: Path) -> Document:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ValueError("looks like a binary file, not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return _with_title(path, split_blocks(text))


_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$")


def read_markdown_file(path: Path) -> Document:
    """Markdown: `#` lines are headings; the first level-1 heading is the title."""
    doc = read_text_file(path)
    blocks: list[Block] = []
    title = doc.title
    for block in doc.blocks:
        para: list[str] = []
        for line in block.text.split("\n"):
            match = _MD_HEADING.match(line)
            if match:
                if para:
                    blocks.append(Block("\n".join(para)))
                    para = []
                if match.group(1) == "#" and title == title_from_name(path) and not blocks:
                    title = match.group(2)
                else:
                    blocks.append(Block(match.group(2), heading=True))
            else:
                para.append(line)
        if para:
            blocks.append(Block("\n".join(para)))
    return Document(name=doc.name, title=title, blocks=blocks)


def read_pdf_file(path: Path) -> Document:
    """PDF text, page by page; headings are found later from short title lines."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ValueError(f"unreadable PDF ({exc})") from None
    except Exception as exc:  # pypdf raises a wide variety on damaged files
        raise ValueError(f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    text = "\n\n".join(pages)
    if not text.strip():
        raise ValueError("the PDF has no text layer (a scan?)")
    # PDF text loses blank lines between paragraphs; a line ending a sentence ends a block.
    text = re.sub(r"([.:;!?])\n(?=[A-Z•\-])", r"\1\n\n", text)
    return _with_title(path, split_blocks(_separate_pdf_headings(text)))


def _separate_pdf_headings(text: str) -> str:
    """Put blank lines around a PDF heading line, so that it is a block of its own.

    Without them a heading is glued to the paragraph under it and never found.
    A heading line is short (well under the widest line, which a wrapped
    paragraph line is not), does not end like a sentence, is followed by a
    capitalised line, and follows the end of a sentence, a bullet, the title
    line or nothing (not a colon: lines after a colon are a plain list).
    """
    lines = text.split("\n")
    widest = max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    before = ""  # the last non-empty line
    for i, line in enumerate(lines):
        stripped = line.strip()
        after = next((x.strip() for x in lines[i + 1 :] if x.strip()), "")
        if (
            stripped
            and stripped[0].isupper()
            and after[:1].isupper()
            and (
                not before
                or before.endswith((".", ";", "!", "?"))
                or _BULLET_START.match(before)
                or _TITLE_LINE.match(before)
            )
            and not stripped.endswith((".", ":", ";", ",", "!", "?"))
            and len(stripped.split()) <= 16
            and len(stripped) < 0.7 * widest
        ):
            out += ["", line, ""]
        else:
            out.append(line)
        if stripped:
            before = stripped
    return "\n".join(out)


_BULLET_START = re.compile(r"^(?:[-•*–·]|\d{1,2}[.)])\s+")


def read_docx_file(path: Path) -> Document:
    """Word: paragraphs in a Heading or Title style are headings."""
    import docx  # python-docx

    try:
        word = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError on damaged files
        raise ValueError(f"unreadable Word file ({type(exc).__name__})") from None
    title = word.core_properties.title or title_from_name(path)
    blocks: list[Block] = []
    for para in word.paragraphs:
        text = para.text.strip()
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        if style.lower() == "title":
            title = text
        elif style.lower().startswith("heading"):
            blocks.append(Block(text, heading=True))
        elif style.lower().startswith("list") and blocks and not blocks[-1].heading:
            bullet = text if text.startswith(("-", "•")) else f"- {text}"
            blocks[-1] = Block(blocks[-1].text + "\n" + bullet)
        else:
            blocks.append(Block(text))
    if not blocks:
        raise ValueError("the Word file has no text")
    return Document(name=path.name, title=title, blocks=blocks)


READERS = {
    ".txt": read_text_file,
    ".md": read_markdown_file,
    ".pdf": read_pdf_file,
    ".docx": read_docx_file,
}


def read_document(path: Path) -> Document:
    """Read one policy file; raises ValueError with a reason a person can act on."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"unsupported file type {path.suffix or '(none)'}")
    doc = reader(path)
    if not any(b.text.strip() for b in doc.blocks):
        raise ValueError("the file is empty")
    return doc


def policy_files(folder: Path) -> list[Path]:
    """The policy files of a folder, sorted by name; hidden files and sub-folders are ignored."""
    if not folder.exists():
        raise PolicyFolderError(f"policy folder {folder} does not exist")
    if not folder.is_dir():
        raise PolicyFolderError(f"{folder} is not a folder")
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUPPORTED_SUFFIXES
    )


def require_policy_files(folder: Path) -> list[Path]:
    """The policy files of a folder, or PolicyFolderError when there are none."""
    files = policy_files(folder)
    if not files:
        raise PolicyFolderError(
            f"no policies in {folder} (expected {', '.join(SUPPORTED_SUFFIXES)} files)"
        )
    return files


def load_folder(folder: Path) -> LoadResult:
    """Read every policy in `folder`; unreadable ones are listed in `skipped`, not raised."""
    files = require_policy_files(folder)
    documents, skipped = [], []
    for path in files:
        try:
            documents.append(read_document(path))
        except (ValueError, OSError) as exc:
            skipped.append((path.name, str(exc)))
    if not documents:
        reasons = "; ".join(f"{name}: {why}" for name, why in skipped)
        raise PolicyFolderError(f"no readable policies in {folder} ({reasons})")
    return LoadResult(documents, skipped)
