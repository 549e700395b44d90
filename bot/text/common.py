"""Wording every feature shares: the error sentences, role titles, a tapped choice, a person's
own words quoted back. One place, so a role is called the same everywhere."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from .telegram import PHONE_SCREEN, esc, fit_escaped, tg_len

ERROR = "Something went wrong, please try again."


def storage_failed() -> str:
    return (
        "I could not store that just now: the server's storage is failing. Please try again in a few "
        "minutes (a report you were filing is kept: tap Send again). If it is urgent, speak to the "
        f"DSL or {ROLE_TITLES['head_teacher']} in person."
    )


BUTTON_EXPIRED = "This button has expired."


def button_stale(ref: str) -> str:
    """A report button from before the database was restored, whose number now names another
    report: nothing is done to that other report."""
    return (
        f"This button is for a report that is no longer in the bot's records (the database was "
        f"restored from a backup); {ref} is now another report. Nothing was changed. "
        f"Use /show {ref} or /queue."
    )


PUT_ASIDE = (
    "The bot was restarted while you were part way through something you had left for a while, "
    "so it was put aside: nothing was sent, saved or changed by it. Please start it again."
)
TAP_A_BUTTON = "Please tap one of the buttons above, or /cancel to stop."
NOTHING_TO_CANCEL = "Nothing to cancel: you are not filing a report or writing a note or message."

# The school's own titles for its roles ([school] head_title, deputy_title, dsl_title, chair_title):
# a pre-school has a manager and a chair of trustees, an academy a principal. Set once as the bot
# starts (`use_titles`); every message that names a role reads them from here.
DEFAULT_TITLES = {
    "head_teacher": "Head Teacher",
    "deputy": "Deputy Head",
    "dsl": "Designated Safeguarding Lead",
    "chair_of_governors": "Chair of Governors",
}
_TITLES = dict(DEFAULT_TITLES)


def use_titles(titles: Mapping[str, str]) -> None:
    """The school's titles from now on (a blank one keeps the default)."""
    _TITLES.clear()
    _TITLES.update(DEFAULT_TITLES)
    _TITLES.update(
        {role: name.strip() for role, name in titles.items() if role in DEFAULT_TITLES and name.strip()}
    )


def title(role: str) -> str:
    """ "Head Teacher", or what the school calls the role."""
    return _TITLES[role]


class _RoleTitles(Mapping[str, str]):
    """The one list of role titles, with "the" (reports say "acknowledged by the Deputy Head",
    refusals "This command is for the Head Teacher"), in the school's own words."""

    OTHERS = {"policy_admins": "policy admins", "staff": "staff"}

    def __getitem__(self, role: str) -> str:
        return f"the {_TITLES[role]}" if role in _TITLES else self.OTHERS[role]

    def __iter__(self) -> Iterator[str]:
        return iter([*DEFAULT_TITLES, *self.OTHERS])

    def __len__(self) -> int:
        return len(DEFAULT_TITLES) + len(self.OTHERS)


ROLE_TITLES = _RoleTitles()


def years_text(years: int) -> str:
    return f"{years} year{'s' if years != 1 else ''}"


CUT_NOTE = "… <i>(cut here; /export has it in full)</i>"


def quoted(text: str) -> str:
    """A person's own words, quoted back (notes, additions, messages about a report)."""
    return f"<blockquote>{fit_escaped(text, 3000, CUT_NOTE)}</blockquote>"


def confirming(question: str, text: str) -> str:
    """`question` over the words it asks about, within a phone screen: a long text is cut on screen
    only (the person typed it and knows the rest); all of it is what is kept."""
    head = f"{question}\n\n"
    note = f"… <i>(cut here on screen; all {len(text):,} characters are kept)</i>"
    room = PHONE_SCREEN - tg_len(head) - tg_len("<blockquote></blockquote>")
    return f"{head}<blockquote>{fit_escaped(text, room, note)}</blockquote>"


def chosen(label: str) -> str:
    """What replaces a tapped keyboard, so old buttons cannot be tapped again."""
    return f"✔ {esc(label)}"


def titles(roles: list[str]) -> str:
    """Whom something went to, by role: "the Designated Safeguarding Lead and the Head Teacher"."""
    named = sorted({ROLE_TITLES.get(role, role) for role in roles})
    if not named:
        return ROLE_TITLES["head_teacher"]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def counted(count: int, thing: str, things: str = "") -> str:
    """ "1 file", "3 files", "2 members of staff": a count as people say it, never "file(s)"."""
    return f"{count} {thing if count == 1 else (things or thing + 's')}"


def minutes_text(value: float) -> str:
    if value >= 1:
        return f"{value:g} minute{'s' if value != 1 else ''}"
    return f"{value * 60:g} seconds"
