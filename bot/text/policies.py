"""Keeping the knowledge right: /policies, uploads and /reload, what a re-index changed,
and /review of questions the policies did not answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..clock import shown
from .common import counted
from .telegram import PHONE_SCREEN, SNIPPET_WORDS, esc, first_words, fit_escaped, heading, join_within, tg_len

if TYPE_CHECKING:
    from embeddings.search import Hit

    from ..knowledge_review import ReviewItem
    from ..policy_library import Change, PolicyInfo


LISTED_CHANGES = 8

POLICY_FOLDER_EMPTY = "The policy folder is empty."

REREADING = "Re-reading the policy folder…"

NOTHING_TO_REVIEW = "Nothing to review: every declined or 👎 question is done."

REINDEX_WAITING = "A re-index is running; yours starts when it finishes."

GAP_RECORDED = "📝 Recorded as a policy gap (it will be in the weekly digest)."

SKIPPED = "Skipped."


def taught(section: str) -> str:
    return f"✅ Taught: questions like this now find “{esc(section)}”."


def to_review(count: int) -> str:
    return f"{counted(count, 'question')} to review."


def search_state(adaptation: Mapping[str, object] | None, running: bool, failed: bool = False) -> str:
    """Whether the search is tuned to the policies, in plain words (the index manifest's
    "adaptation" record; the pair counts and seconds are for `staffguide index`, not for staff)."""
    if failed:
        now = "tuning it to these policies failed; it answers with the general model (see the log)"
    elif adaptation and adaptation.get("adapted"):
        now = "tuned to these policies"
    elif adaptation:
        now = "the general model (tuning it found no more right answers)"
    else:
        now = "not yet tuned to these policies; it answers with the general model"
    return now + ("; tuning to the current policies now" if running else "")


def policies_text(infos: list[PolicyInfo], model: str | None = None) -> str:
    """The policy list; `model` says whether the search is tuned to them (`search_state`)."""
    lines = ["<b>Policies</b>"]
    for info in infos:
        line = f"• {esc(info.title)} — <code>{esc(info.name)}</code>, {shown(info.modified)}"
        if info.versions:
            line += f", {counted(info.versions, 'earlier version')}"
        if info.problem:
            line += f"\n  ⚠️ {esc(info.problem)}"
        lines.append(line)
    if model:
        lines.append(f"\nSearch: {esc(model)}")
    lines.append(
        "\nSend a .txt, .md, .pdf, .docx, .doc, .odt, .rtf or .html file to add or replace a policy;"
        " /reload re-reads them."
    )
    return join_within(lines)


def reload_failed(why: str) -> str:
    return f"Re-index failed; the bot keeps the previous index.\n{esc(why)}"


def received(file_name: str) -> str:
    return f"Received {esc(file_name)}; checking and re-indexing…"


def upload_rejected(why: str) -> str:
    return f"Not stored: {esc(why)}\nThe policies in use are unchanged."


def reindex_failed(why: str) -> str:
    return f"Not stored: the re-index failed ({esc(why)}). The previous version is back in place."


RE_READ_HEADING = "Policies re-read"


def stored_heading(document: str) -> str:
    """The heading of what an upload did: the file stored, by its name."""
    return f"Stored {esc(document)}"


def change_text(change: Change) -> str:
    """What a re-index did, by stable passage id, as Telegram HTML within a phone screen: what
    needs acting on (files skipped, examples orphaned) and the totals first, then as many of the
    changed passages as fit."""
    head = f"<b>{stored_heading(change.document)}</b>" if change.document else f"<b>{RE_READ_HEADING}</b>"
    lines = [head]
    if change.archived:
        lines.append(f"The previous version is kept as .archive/{esc(change.archived)}.")
    for name, why in change.skipped:
        lines.append(f"⚠️ Skipped {heading(name, 60)}: {heading(why, 120)}")
    if orphaned := change.examples_orphaned:
        one = orphaned == 1
        lines.append(
            f"{counted(orphaned, 'taught example question')} lost {'its' if one else 'their'} passage "
            f"and {'is' if one else 'are'} ignored."
        )
    lines.append(
        f"Now {counted(change.passages, 'passage')} from {counted(len(change.documents), 'document')}."
    )
    if change.unchanged:
        lines.append("No passage changed.")
    else:
        lines.append(f"Passages added: {len(change.added)}, removed: {len(change.removed)}.")
    for mark, group in (("+", change.added), ("−", change.removed)):
        for p in group[:LISTED_CHANGES]:
            lines.append(f"{mark} {heading(p.section, 60)}: {first_words(p.text, words=8)}")
        if len(group) > LISTED_CHANGES:
            lines.append(f"{mark} … and {len(group) - LISTED_CHANGES} more")
    return join_within(lines, PHONE_SCREEN)


REVIEW_ASKS = "Which passage answers it?"


REVIEW_QUESTION_CHARS = 200


def review_text(item: ReviewItem, hits: list[Hit]) -> str:
    """The question and the start of each candidate passage, within a phone screen: the snippets
    get shorter as the passages' headings get longer (the buttons name each passage too)."""
    head = (
        f"<b>Review</b> ({esc(item.reason)}, asked {esc(shown(item.asked_at)[:10])})\n\n"
        f"<b>Question:</b> {fit_escaped(item.text, REVIEW_QUESTION_CHARS)}\n\n"
        f"{REVIEW_ASKS}\n"
    )
    if not hits:
        return head + "No passage comes close."
    for words, room in ((SNIPPET_WORDS, 80), (20, 80), (12, 60), (6, 30), (3, 20)):
        body = [
            f"{n}. <i>{fit_escaped(h.passage.section, room)}</i>: {first_words(h.passage.text, words=words)}"
            for n, h in enumerate(hits, 1)
        ]
        text = "\n".join([head, *body])
        if tg_len(text) <= PHONE_SCREEN:
            return text
    return join_within([head, *body], PHONE_SCREEN)


# /review's buttons after the candidate passages
NOT_COVERED = "Not covered by any policy"
SKIP = "Skip"
