"""The words of a report: categories, subjects, places, outcomes and the reviewer roles.

The keys are fixed: routing, stored reports and buttons name them. The words are the setting's
own, set once as the bot starts (`use_words`, from `[school] pupil_word`, `report_categories`,
`omit_categories` and `head_title`): a pre-school's "child", a college's "student", categories a
setting does not use left out of /report. CATEGORIES, SUBJECTS and OUTCOMES are updated in place,
so every reader (the guided report, /show, /queue, the alerts, the export, the digest) says the
same words. A category left out is only not offered: a report filed under it earlier keeps its
name everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..config import ConfigError

# The default words. "{a_pupil}", "{A_pupil}" and "{Pupil}" are `[school] pupil_word` with its
# article, capitalised; "{head}" is the Head's title. "Child" in the safeguarding and indecent
# image categories is the law's word (anyone under 18), so it is not the pupil word.
_CATEGORY_WORDS: dict[str, str] = {
    "harassment": "Cyberbullying or harassment of staff",
    "pupil_contact": "Contact or friend request from {a_pupil}",
    "staff_post": "Inappropriate post by a member of staff",
    "safeguarding": "A child's safety (safeguarding)",
    "data_leak": "Confidential information or personal data leaked",
    "reputation": "Damage to the school's reputation",
    "indecent_image": "Indecent image of a child",
    "other": "Other",
    "triage": "To triage",  # one-line /report TEXT; not offered in the flow
    "question": "Question the policies do not answer",  # "Ask the Head Teacher"; not in the flow
}
_SUBJECT_WORDS: dict[str, str] = {
    "pupil": "{A_pupil}",
    "parent": "A parent/carer",
    "staff": "A member of staff",
    "head_teacher": "The {head}",
    "public": "A member of the public",
    "unknown": "Unknown",
}
_OUTCOME_WORDS: dict[str, str] = {
    "nfa": "No further action",
    "informal": "Dealt with informally",
    "behaviour": "{Pupil} behaviour policy",
    "disciplinary": "Disciplinary or capability procedure",
    "safeguarding": "Safeguarding procedures / referral",
    "police": "Reported to the Police",
    "recorded": "Recorded in the school's safeguarding system",  # CPOMS, MyConcern: asks its reference
    "other": "Other (type it)",
}
DEFAULT_PUPIL_WORD = "pupil"
DEFAULT_HEAD_TITLE = "Head Teacher"

CATEGORIES: dict[str, str] = {}
SUBJECTS: dict[str, str] = {}
OUTCOMES: dict[str, str] = {}
FLOW_CATEGORIES = [key for key in _CATEGORY_WORDS if key not in ("triage", "question")]
INDECENT_IMAGE = "indecent_image"
URGENT_CATEGORIES = frozenset({"indecent_image", "safeguarding"})
_LEFT_OUT: set[str] = set()

PLACES: dict[str, str] = {
    "school_trip": "On a school trip",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "snapchat": "Snapchat",
    "tiktok": "TikTok",
    "whatsapp": "WhatsApp",
    "other": "Other (type it)",
}


REVIEWER_ROLES = ("head_teacher", "dsl", "chair_of_governors", "deputy")


def _filled(words: Mapping[str, str], pupil: str, head: str) -> dict[str, str]:
    article = "an" if pupil[:1].lower() in "aeiou" else "a"
    values = {
        "a_pupil": f"{article} {pupil}",
        "A_pupil": f"{article.capitalize()} {pupil}",
        "Pupil": pupil[:1].upper() + pupil[1:],
        "head": head,
    }
    return {key: text.format(**values) for key, text in words.items()}


def _same_label(labels: Mapping[str, str], where: str) -> None:
    """Two choices with one label cannot be told apart on a button: a one-line config error."""
    seen: dict[str, str] = {}
    for key, label in labels.items():
        other = seen.setdefault(label.casefold(), key)
        if other != key:
            raise ConfigError(f"{where}: {other} and {key} would both read {label!r}; give one another label")


def use_words(
    pupil_word: str = DEFAULT_PUPIL_WORD,
    labels: Mapping[str, str] | None = None,
    omit: Iterable[str] = (),
    head_title: str = DEFAULT_HEAD_TITLE,
) -> None:
    """The setting's words from now on (bot.config has checked the keys; no argument: the defaults).
    A label that repeats another is a ConfigError, and nothing is changed."""
    pupil = " ".join(pupil_word.split()) or DEFAULT_PUPIL_WORD
    categories = _filled(_CATEGORY_WORDS, pupil, head_title)
    categories.update({key: label.strip() for key, label in (labels or {}).items() if key in categories})
    subjects = _filled(_SUBJECT_WORDS, pupil, head_title)
    outcomes = _filled(_OUTCOME_WORDS, pupil, head_title)
    _same_label(categories, "[school] report_categories")
    _same_label(subjects, "[school] pupil_word")
    _same_label(outcomes, "[school] pupil_word")
    for words, new in ((CATEGORIES, categories), (SUBJECTS, subjects), (OUTCOMES, outcomes)):
        words.clear()
        words.update(new)
    _LEFT_OUT.clear()
    _LEFT_OUT.update(key for key in omit if key not in URGENT_CATEGORIES)


def offered_categories() -> dict[str, str]:
    """The guided report's first choice: every category the setting uses, by its label, in order."""
    return {key: CATEGORIES[key] for key in FLOW_CATEGORIES if key not in _LEFT_OUT}


use_words()
