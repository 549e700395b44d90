"""Reading policy documents from a folder: the reader for each file is chosen by its suffix.

A policy folder holds one file per policy. Plain text (`knowledge.text`),
Markdown (`knowledge.markdown`, markdown-it-py), PDF (`knowledge.pdf`, pypdf),
Word (`knowledge.docx`, python-docx; Word 97-2003 in `knowledge.doc`), OpenDocument
(`knowledge.odt`), rich text (`knowledge.rtf`) and web pages (`knowledge.html`) each
have a reader that turns the file into a `knowledge.model.Document` of clean
text blocks: what a person reads, without markup or page furniture. The
readers sit below this module and never import it. A file that cannot be
read is reported by name and skipped, so one broken upload never takes the
other policies offline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .doc import read_doc
from .docx import read_docx
from .html import read_html, read_web_archive
from .markdown import read_markdown
from .model import Document
from .odt import read_odt
from .pdf import read_pdf
from .rtf import RICH_TEXT_START, read_rtf
from .text import clean_glyphs, read_text_file

log = logging.getLogger(__name__)
SUPPORTED_SUFFIXES = (
    *(".txt", ".md", ".pdf", ".docx", ".doc", ".odt", ".rtf", ".html", ".htm"),
    *(".docm", ".dotx", ".dotm", ".dot", ".ott"),  # Word with macros, and templates: read as their kind
    *(".mht", ".mhtml"),  # a web page saved as one file
    *(".markdown", ".xhtml"),  # Markdown and a web page by other names
)
# Formats schools keep policies in that are not read, each with what to do instead. A file of
# one of these in the policy folder is listed as not read, never passed over in silence: a school
# whose older policies are in one of them would otherwise find them missing from the answers.
UNREAD_FORMATS = {
    ".pages": "a Pages document",
    ".wpd": "a WordPerfect document",
    **dict.fromkeys((".pptx", ".ppt", ".odp", ".key"), "a presentation"),  # a code of conduct's slides
    **dict.fromkeys((".xps", ".oxps"), "an XPS document"),  # Windows' "Print to XPS"
}
SAVE_AS = "save it as .docx or PDF to include it"


class PolicyFolderError(Exception):
    """The policy folder is missing, empty or holds nothing readable."""


@dataclass
class LoadResult:
    documents: list[Document]
    skipped: list[tuple[str, str]]  # (file name, reason)


READERS: dict[str, Callable[[Path], Document]] = {
    ".txt": read_text_file,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".docm": read_docx,
    ".dotx": read_docx,
    ".dotm": read_docx,
    ".doc": read_doc,
    ".dot": read_doc,
    ".odt": read_odt,
    ".ott": read_odt,
    ".rtf": read_rtf,
    ".html": read_html,
    ".htm": read_html,
    ".xhtml": read_html,
    ".mht": read_web_archive,
    ".mhtml": read_web_archive,
}


def _rich_text_named_word(path: Path) -> bool:
    """Rich text saved under a Word name, as WordPad and older Word saved it: read as what it is."""
    if path.suffix.lower() not in (".doc", ".docx"):
        return False
    with path.open("rb") as file:
        return file.read(len(RICH_TEXT_START)) == RICH_TEXT_START


def read_document(path: Path) -> Document:
    """Read one policy file; raises ValueError with a reason a person can act on."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"unsupported file type {path.suffix or '(none)'}")
    try:
        doc = (read_rtf if _rich_text_named_word(path) else reader)(path)
    except (ValueError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001  # a reader's fault on an odd file must not stop the rest
        log.warning("reading %s failed: %s: %s", path.name, type(exc).__name__, exc)
        log.debug("reading %s failed", path.name, exc_info=True)  # the traceback, for a developer
        raise ValueError(f"the file could not be read ({type(exc).__name__})") from None
    doc.title = clean_glyphs(doc.title)
    doc.blocks = [replace(b, text=clean_glyphs(b.text)) for b in doc.blocks]
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


def unread_files(folder: Path) -> list[tuple[str, str]]:
    """The folder's documents in a format that is not read, and its sub-folders that hold
    documents (only the folder itself is read), each with why and what to do."""
    unread = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_file() and p.suffix.lower() in UNREAD_FORMATS:
            unread.append((p.name, f"{UNREAD_FORMATS[p.suffix.lower()]}, which is not read: {SAVE_AS}"))
        elif p.is_dir() and (held := _documents_in(p)):
            what = f"{held} document{'s' if held > 1 else ''}"
            unread.append(
                (f"{p.name}/", f"a folder ({what}); only files directly in {folder.name}/ are read")
            )
    return unread


def _documents_in(folder: Path) -> int:
    try:
        return len(policy_files(folder))
    except (OSError, PolicyFolderError):  # unreadable, or gone since the folder was listed
        return 0


def require_policy_files(folder: Path) -> list[Path]:
    """The policy files of a folder, or PolicyFolderError when there are none."""
    files = policy_files(folder)
    if not files:
        expected = f"expected {', '.join(SUPPORTED_SUFFIXES)} files"
        unread = unread_files(folder)
        if unread:
            expected += f"; not read: {unread[0][0]}, {unread[0][1]}"
            expected += f", and {len(unread) - 1} more" if len(unread) > 1 else ""
        raise PolicyFolderError(f"no policies in {folder} ({expected})")
    return files


def load_folder(folder: Path) -> LoadResult:
    """Read every policy in `folder`; unreadable ones are listed in `skipped`, not raised."""
    files = require_policy_files(folder)
    documents, skipped = [], unread_files(folder)
    for path in files:
        try:
            documents.append(read_document(path))
        except (ValueError, OSError) as exc:
            skipped.append((path.name, str(exc)))
    skipped.sort()
    if not documents:
        reasons = "; ".join(f"{name}: {why}" for name, why in skipped)
        raise PolicyFolderError(f"no readable policies in {folder} ({reasons})")
    return LoadResult(documents, skipped)
