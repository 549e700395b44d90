"""Policy reads: the Head's "must staff read this?", the change message staff get with "I have
read it", a changed section's words, reminders, and /reads (and `staffguide reads`).

Every message fits a phone screen (PHONE_LIMIT, tags included); longer content is paged with
buttons. The policy's words are quoted as they are, only escaped.
"""

from __future__ import annotations

from knowledge.changes import ADDED, REMOVED, RENAMED, REWORDED, SectionChange

from ..clock import shown
from ..policy_versions import Version
from ..reads import Progress
from .common import counted
from .pages import Paged
from .telegram import ELLIPSIS, button_label, esc, heading, pack, split_at_sentences, tg_len

PHONE_LIMIT = 600  # what a phone shows without scrolling, in UTF-16 units with the tags
SECTIONS_LISTED = 5  # changed sections named in a change message
SECTION_BUTTONS = 4  # of them, openable with a button (the rest from "Next section")
LABEL_CHARS = 40
NAMES_PER_PAGE = 8
VERSIONS_PER_PAGE = 4

KIND_WORDS = {ADDED: "new section", REMOVED: "removed", REWORDED: "reworded", RENAMED: "new heading"}

DECIDE_YES = "✅ Staff must read it"
DECIDE_NO = "No reading needed"
READ_IT = "✅ I have read it"
NEXT_SECTION = "Next section ›"
ALL_VERSIONS = "All policies"


def _titled(version: Version, limit: int) -> str:
    """The policy's title (cut to `limit`) and its version number, which is never cut."""
    return f"{heading(version.title, limit)}, version {version.number}"


def _whole(version: Version) -> bool:
    """The whole policy is shown (to someone who joined since staff were asked to read it)."""
    return version.counted_from == 0 and version.number > 1


def _since(version: Version) -> str:
    """When the changes shown span more than the last version: since which one."""
    if version.counted_from >= version.number - 1:
        return ""
    return f" since version {version.counted_from}" if version.counted_from else ""


def _day(at: str) -> str:
    return shown(at)[:10]


def _change_lines(version: Version) -> list[str]:
    whole = _whole(version)  # every section is "new": name them only
    lines = [
        f"{n}. {heading(c.section, 40)}" + ("" if whole else f" — {KIND_WORDS.get(c.kind, c.kind)}")
        for n, c in enumerate(version.changes[:SECTIONS_LISTED], 1)
    ]
    if len(version.changes) > SECTIONS_LISTED:
        lines.append(f"… and {len(version.changes) - SECTIONS_LISTED} more")
    return lines


# -- the Head's decision ----------------------------------------------------------------------


def decision_request(version: Version, uploaded_by: str) -> str:
    """To the Head Teacher and the policy admins, once per changed version."""
    by = f" by {heading(uploaded_by, 40)}" if uploaded_by else ""
    return "\n".join(
        [
            f"📘 <b>{heading(version.title, 80)}</b> has changed: version {version.number}, "
            f"{_day(version.recorded_at)}{by}.",
            "",
            "<b>Changed sections</b>",
            *_change_lines(version),
            "",
            "Must all staff read this change and confirm it? (A typo fix need not be read.)",
        ]
    )


def decided(version: Version, required: bool, staff: int, held: int = 0) -> str:
    """The Head's message once decided (its buttons go); `held`: staff already sent a message
    about reads today, who get this one in the next reminder."""
    if required:
        later = f"; {held} already told about a policy today get it in the next reminder" if held else ""
        return (
            f"✅ Staff must read {_titled(version, 80)}: "
            f"sent to {counted(staff, 'member of staff', 'members of staff')}{later}. "
            "/reads shows who has read it."
        )
    return f"Recorded: {_titled(version, 80)} needs no reading by staff."


def decided_earlier(version: Version, required: bool, when: str) -> str:
    """Another decider's question, once someone decided (its buttons go)."""
    what = "staff must read it" if required else "it needs no reading by staff"
    return f"{_titled(version, 80)}: decided on {when}, {what}. /reads shows who has read it."


def decide_labels(version: Version) -> tuple[str, str]:
    """/reads: the two decision buttons of a version waiting for one."""
    return (
        button_label(f"✅ Must read: {version.title}", LABEL_CHARS - 4) + f" v{version.number}",
        f"No reading needed: v{version.number}",
    )


def already_decided(required: bool, when: str) -> str:
    what = "staff must read it" if required else "no reading needed"
    return f"Already decided on {when}: {what}."


NO_SUCH_VERSION = "This policy version is no longer known."


# -- staff: the change message and its sections -----------------------------------------------


def announcement(version: Version, confirmed_at: str | None = None) -> str:
    """What every member of staff gets: which policy, what changed, and what to do."""
    end = (
        f"✅ You confirmed reading it on {shown(confirmed_at)}."
        if confirmed_at
        else "Tap a section to read it, then “I have read it”."
    )
    return "\n".join(
        [
            f"📘 <b>{heading(version.title, 80)} has changed</b>",
            f"Version {version.number}, {_day(version.recorded_at)}. "
            + (
                "As you joined since, please read the whole policy."
                if _whole(version)
                else f"Please read what changed{_since(version)}."
            ),
            "",
            "<b>Its sections</b>"
            if version.counted_from == 0 and version.number > 1
            else "<b>What changed</b>",
            *_change_lines(version),
            "",
            end,
        ]
    )


def what_changed(version: Version, to_confirm: bool, confirmed_at: str | None) -> str:
    """The answer to "what's new in the … policy?": its latest change, from the change record."""
    if to_confirm:
        end = "Staff are asked to read this change: tap a section, then “I have read it”."
    elif confirmed_at:
        end = f"✅ You confirmed reading it on {shown(confirmed_at)}."
    else:
        end = "Tap a section to read it."
    return "\n".join(
        [
            f"📘 <b>What changed in {heading(version.title, 80)}</b>",
            f"Version {version.number}, {_day(version.recorded_at)}."
            + (f" Changes{_since(version)}." if _since(version) else ""),
            "",
            *_change_lines(version),
            "",
            end,
        ]
    )


def unchanged_since(version: Version) -> str:
    return (
        f"📘 {heading(version.title, 80)} has not changed since the bot has held it "
        f"({_day(version.recorded_at)}). Ask a question about it as usual."
    )


def recent_changes(versions: list[Version]) -> str:
    """ "What's new in the policies?" naming none: the policies changed, newest first."""
    if not versions:
        return "📘 No policy has changed since the bot has held them."
    lines = ["📘 <b>Recently changed policies</b>", ""]
    lines += [f"• {_titled(v, 55)}, {_day(v.recorded_at)}" for v in versions[:SECTIONS_LISTED]]
    return "\n".join([*lines, "", "Tap one to see what changed."])


def section_labels(version: Version) -> list[str]:
    """The buttons that open the first changed sections."""
    return [
        button_label(f"{n}. {c.section}", LABEL_CHARS)
        for n, c in enumerate(version.changes[:SECTION_BUTTONS], 1)
    ]


def _quoted(texts: tuple[str, ...], size: int) -> list[str]:
    """Each passage in quotes, a long one cut into pieces that fit a page."""
    blocks: list[str] = []
    for text in texts:
        pieces = [esc(run) for run in split_at_sentences(text, size)]
        for i, piece in enumerate(pieces):
            start = "“" if i == 0 else ELLIPSIS
            end = "”" if i == len(pieces) - 1 else ELLIPSIS
            blocks.append(f"{start}{piece}{end}")
    return blocks


def _section_head(version: Version, index: int, change: SectionChange) -> str:
    kind = "" if _whole(version) else f" — {KIND_WORDS.get(change.kind, change.kind)}"
    return (
        f"<b>{heading(change.section, 100)}</b>{kind}\n"
        f"<i>{heading(version.title, 80)}, version {version.number}, "
        f"{'section' if _whole(version) else 'change'} {index + 1} of "
        f"{len(version.changes)}</i>\n"
    )


def section_pages(version: Version, index: int) -> list[str]:
    """A changed section's words as pages that fit a phone: now, then before."""
    change = version.changes[index]
    head = _section_head(version, index, change)
    room = PHONE_LIMIT - tg_len(head) - 40  # the page mark
    if change.kind == RENAMED:
        blocks = [f"The heading was “{heading(change.old_section, 100)}”; the words are the same."]
    else:
        blocks = []
        if change.after and _whole(version):
            blocks += _quoted(change.after, room - 20)
        elif change.after:
            blocks += [
                "<b>Now:</b>" if change.kind == REWORDED else "<b>New:</b>",
                *_quoted(change.after, room - 20),
            ]
        if change.before:
            blocks += [
                "<b>Before:</b>" if change.kind == REWORDED else "<b>Removed:</b>",
                *_quoted(change.before, room - 20),
            ]
    pages = pack(blocks, limit=room)
    if len(pages) == 1:
        return [head + "\n" + pages[0]]
    return [f"{head}\n{page}\n<i>Page {n} of {len(pages)}</i>" for n, page in enumerate(pages, 1)]


CONFIRMED = "Thank you: your reading is recorded."
REPLACED = "This version has been replaced by a newer one: please read the change sent below."
NOT_ASKED = "Nothing to confirm: staff were not asked to read this version."


def already_confirmed(when: str) -> str:
    return f"You confirmed reading this on {when}; nothing more to do."


def _to_read_lines(versions: list[Version], listed: int = SECTIONS_LISTED) -> list[str]:
    lines = [f"• {_titled(v, 55)} (changed {_day(v.recorded_at)})" for v in versions[:listed]]
    if len(versions) > listed:
        lines.append(f"… and {len(versions) - listed} more")
    return lines


def reminder(versions: list[Version]) -> str:
    """The daily reminder: every policy this person still has to read, in one message."""
    some = "a changed policy" if len(versions) == 1 else f"{len(versions)} changed policies"
    return "\n".join(
        [
            f"📘 <b>Reminder</b>: please read {some} and confirm.",
            "",
            *_to_read_lines(versions),
            "",
            "Tap to open it.",
        ]
    )


def welcome_reads(versions: list[Version]) -> str:
    """To someone who joined after a change: the policies staff must read."""
    return "\n".join(
        [
            "📘 <b>Policies to read</b>",
            "Every member of staff is asked to read these changes and confirm:",
            "",
            *_to_read_lines(versions),
            "",
            "Tap to open one.",
        ]
    )


def open_label(version: Version) -> str:
    return button_label(f"Open: {version.title}", LABEL_CHARS)


NOTHING_TO_READ = "You have no policy changes to read. ✅"
MY_READS_LISTED = 3
KEPT = "<i>Kept as the school's record, as long as its reports.</i>"


def confirmed_name(title: str, number: int) -> str:
    """A confirmed read in /myreads: the policy and its version."""
    return f"{title}, version {number}"


def my_reads(pending: list[Version], confirmed: list[tuple[str, str]]) -> str:
    """/myreads: what this person still has to read, and what they confirmed (name, when)."""
    lines = ["📘 <b>Your policy reads</b>", ""]
    lines += ["<b>To read</b>", *_to_read_lines(pending, MY_READS_LISTED)] if pending else [NOTHING_TO_READ]
    if confirmed:
        lines += ["", f"<b>Confirmed</b> ({len(confirmed)})"]
        lines += [f"• {heading(name, 32)} — {shown(at)}" for name, at in confirmed[-MY_READS_LISTED:]]
        if len(confirmed) > MY_READS_LISTED:
            lines.append(f"… and {len(confirmed) - MY_READS_LISTED} earlier")
        lines += ["", KEPT]
    return "\n".join(lines)


# -- /reads and `staffguide reads` ------------------------------------------------------------


def _name(user_id: int, name: str) -> str:
    return name or f"id {user_id}"


def _summary(item: Progress) -> str:
    if item.replaced:
        return f"{len(item.confirmed)} confirmed (replaced by a newer version)"
    total = len(item.confirmed) + len(item.waiting)
    return f"{len(item.confirmed)} of {total} confirmed, {len(item.waiting)} not yet"


NO_READS = "No policy change has been sent to staff to read yet."


def reads_list(paged: Paged[Progress], waiting: list[Version]) -> str:
    """/reads: each version staff were asked to read with its count, a page at a time."""
    lines = ["<b>Policy reads</b>", ""]
    if not paged.total:
        lines.append(NO_READS)
    first = paged.number * VERSIONS_PER_PAGE + 1
    lines += [
        f"{n}. {_titled(item.version, 40)}: {_summary(item)}" for n, item in enumerate(paged.items, first)
    ]
    if waiting:
        names = ", ".join(_titled(v, 30) for v in waiting[:2])
        more = f" and {len(waiting) - 2} more" if len(waiting) > 2 else ""
        lines += ["", f"Waiting for a decision: {names}{more}"]
    if paged.note:
        lines += ["", paged.note]
    if paged.total:
        lines.append("Tap a policy for the names.")
    return "\n".join(lines)


def name_lines(item: Progress) -> list[str]:
    """/reads for one version: who has not confirmed, then who has and when (paged by the caller)."""
    lines = [f"<b>Not yet</b> ({len(item.waiting)})"] if not item.replaced else []
    lines += [f"• {heading(_name(uid, name), 30)}" for uid, name in item.waiting]
    lines.append(f"<b>Confirmed</b> ({len(item.confirmed)})")
    lines += [f"• {heading(_name(c.user_id, c.name), 30)} — {shown(c.confirmed_at)}" for c in item.confirmed]
    return lines


def reads_detail(item: Progress, paged: Paged[str]) -> str:
    """One version's page of names (`name_lines`, NAMES_PER_PAGE a page)."""
    head = [
        f"<b>{_titled(item.version, 65)}</b>",
        f"Asked on {_day(item.decision.decided_at)}: {_summary(item)}.",
        "",
    ]
    return "\n".join(head + paged.items + (["", paged.note] if paged.note else []))


def reads_report(items: list[Progress], waiting: list[Version]) -> str:
    """`staffguide reads`: the same figures and names as /reads, whole, as plain text."""
    if not items and not waiting:
        return NO_READS
    lines: list[str] = []
    for item in items:
        lines += [
            f"{item.version.name} ({item.version.source}), asked {_day(item.decision.decided_at)}: "
            f"{_summary(item)}"
        ]
        if not item.replaced:
            lines.append(
                f"  not yet ({len(item.waiting)}): " + ", ".join(_name(u, n) for u, n in item.waiting)
            )
        confirmed = ", ".join(f"{_name(c.user_id, c.name)} {shown(c.confirmed_at)}" for c in item.confirmed)
        lines.append(f"  confirmed ({len(item.confirmed)}): {confirmed}")
    for version in waiting:
        lines.append(
            f"{version.name} ({version.source}): waiting for the decision whether staff must read it"
        )
    return "\n".join(lines)
