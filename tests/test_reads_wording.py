"""Every message about policy reads fits a phone screen, however long the titles, headings,
passages and lists of names; longer content is paged."""

from __future__ import annotations

import re

from bot.policy_versions import Quote, Version
from bot.reads import Confirmation, Decision, Progress
from bot.text import reads as reads_text
from bot.text.pages import page
from bot.text.telegram import tg_len
from knowledge.changes import ADDED, REMOVED, REWORDED, SectionChange

LONG = "Keeping Children Safe in Education: Part One — Information for all school and college staff " * 2
WHEN = "2026-12-06T14:05:00.000+00:00"


def version(number: int = 2, sections: int = 12, words: int = 400) -> Version:
    text = " ".join(
        ["Staff must report any concern about a child's welfare to the DSL at once."] * (words // 14)
    )
    changes = tuple(
        SectionChange((ADDED, REMOVED, REWORDED)[n % 3], f"{n}. {LONG}", before=(text,), after=(text, text))
        for n in range(sections)
    )
    return Version(42, "kcsie.pdf", LONG, number, WHEN, 7201, "upload", (Quote("a", "s", text),), changes)


def fits(text: str) -> bool:
    return tg_len(text) <= reads_text.PHONE_LIMIT


def test_the_heads_question_the_change_message_and_reminders_fit_a_phone() -> None:
    v = version()
    assert fits(reads_text.decision_request(v, "Ada " + LONG))
    assert fits(reads_text.announcement(v)) and fits(reads_text.announcement(v, WHEN))
    assert fits(reads_text.what_changed(v, True, None))
    assert fits(reads_text.decided(v, True, 1200))
    many = [version(n) for n in range(2, 12)]
    assert fits(reads_text.reminder(many)) and fits(reads_text.welcome_reads(many))
    assert fits(reads_text.recent_changes(many))
    assert fits(reads_text.my_reads(many, [(LONG, WHEN)] * 40))


def test_a_long_changed_section_is_paged_and_every_page_fits() -> None:
    v = version(words=900)
    pages = reads_text.section_pages(v, 2)
    assert len(pages) > 1 and all(fits(p) for p in pages)
    assert "Page 1 of" in pages[0]


def test_a_long_changed_passage_is_quoted_in_whole_sentences() -> None:
    v = version(words=900)
    pieces = [
        p
        for page_text in reads_text.section_pages(v, 2)
        for p in re.findall(r"[“…]([^“”…]*welfare[^“”…]*)[”…]", page_text)
    ]
    assert len(pieces) > 2
    assert all(p.endswith("at once.") and p.startswith("Staff must") for p in pieces)


def test_reads_pages_fit_with_many_versions_and_names() -> None:
    staff = [(9000 + n, f"{LONG[:60]} {n}") for n in range(300)]
    confirmed = [Confirmation(42, 8000 + n, f"{LONG[:60]} {n}", WHEN) for n in range(200)]
    decision = Decision(42, True, 7001, WHEN)
    items = [Progress(version(n), decision, confirmed, staff, n > 2) for n in range(2, 30)]
    size = reads_text.VERSIONS_PER_PAGE
    listing = page(items, 0, size)
    assert listing.count > 1
    for number in range(listing.count):
        assert fits(reads_text.reads_list(page(items, number, size), [version(40), version(41)]))
    names = reads_text.name_lines(items[0])
    detail = page(names, 0, reads_text.NAMES_PER_PAGE)
    assert detail.count > 1
    for number in range(detail.count):
        assert fits(reads_text.reads_detail(items[0], page(names, number, reads_text.NAMES_PER_PAGE)))
