"""Wording every feature shares: the error sentences, role titles, a tapped choice, a person's
own words quoted back. One place, so a role is called the same everywhere."""

from __future__ import annotations

from .telegram import esc, fit_escaped

ERROR = "Something went wrong, please try again."

STORAGE_FAILED = (
    "I could not store that just now: the server's storage is failing. Please try again in a few "
    "minutes (a report you were filing is kept: tap Send again). If it is urgent, speak to the "
    "DSL or the Head Teacher in person."
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

# The one list of role titles (reports say "acknowledged by the Deputy Head", refusals
# "This command is for the Head Teacher").
ROLE_TITLES = {
    "head_teacher": "the Head Teacher",
    "deputy": "the Deputy Head",
    "dsl": "the Designated Safeguarding Lead",
    "chair_of_governors": "the Chair of Governors",
    "policy_admins": "policy admins",
    "staff": "staff",
}


def years_text(years: int) -> str:
    return f"{years} year{'s' if years != 1 else ''}"


CUT_NOTE = "… <i>(cut here; /export has it in full)</i>"


def quoted(text: str) -> str:
    """A person's own words, quoted back (notes, additions, messages about a report)."""
    return f"<blockquote>{fit_escaped(text, 3000, CUT_NOTE)}</blockquote>"


def chosen(label: str) -> str:
    """What replaces a tapped keyboard, so old buttons cannot be tapped again."""
    return f"✔ {esc(label)}"


def titles(roles: list[str]) -> str:
    """Whom something went to, by role: "the Designated Safeguarding Lead and the Head Teacher"."""
    named = sorted({ROLE_TITLES.get(role, role) for role in roles})
    if not named:
        return "the Head Teacher"
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def minutes_text(value: float) -> str:
    if value >= 1:
        return f"{value:g} minute{'s' if value != 1 else ''}"
    return f"{value * 60:g} seconds"
