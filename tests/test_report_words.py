"""A report's words in the setting's own language: a pre-school's "child", a college's "student",
categories a setting does not use left out of /report.

The keys never change (routing and stored reports name them); `use_words` changes only what
people read, everywhere at once: the flow's buttons, /show, /queue, alerts, the export, the digest.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import plain

from bot import reports
from bot.config import ConfigError, PeopleConfig
from bot.digest_chart import collect_series
from bot.reports import NewReport, vocabulary
from bot.reports.vocabulary import CATEGORIES, OUTCOMES, SUBJECTS, offered_categories, use_words
from bot.storage import open_db
from bot.text import report_record
from bot.text.notices import NOTICES
from bot.text.pages import page


@pytest.fixture(autouse=True)
def default_words_after() -> Iterator[None]:
    yield
    use_words()


def test_the_defaults_are_a_secondary_schools() -> None:
    use_words()
    assert CATEGORIES["pupil_contact"] == "Contact or friend request from a pupil"
    assert SUBJECTS["pupil"] == "A pupil"
    assert SUBJECTS["head_teacher"] == "The Head Teacher"
    assert OUTCOMES["behaviour"] == "Pupil behaviour policy"
    assert list(offered_categories()) == vocabulary.FLOW_CATEGORIES


def test_the_pupil_word_is_used_by_every_label_that_says_pupil() -> None:
    use_words(pupil_word="child", head_title="Manager")
    assert CATEGORIES["pupil_contact"] == "Contact or friend request from a child"
    assert SUBJECTS["pupil"] == "A child"
    assert SUBJECTS["head_teacher"] == "The Manager"
    assert OUTCOMES["behaviour"] == "Child behaviour policy"
    everything = [*CATEGORIES.values(), *SUBJECTS.values(), *OUTCOMES.values()]
    assert not [label for label in everything if "pupil" in label.lower()]


def test_a_word_that_starts_with_a_vowel_takes_an() -> None:
    use_words(pupil_word="apprentice")
    assert SUBJECTS["pupil"] == "An apprentice"
    assert CATEGORIES["pupil_contact"] == "Contact or friend request from an apprentice"


def test_labels_replace_the_defaults_and_left_out_categories_are_not_offered() -> None:
    use_words(labels={"staff_post": "Unsuitable post by a member of the team"}, omit=["data_leak"])
    offered = offered_categories()
    assert offered["staff_post"] == "Unsuitable post by a member of the team"
    assert "data_leak" not in offered
    assert CATEGORIES["data_leak"], "a report filed before it was left out is still shown by its name"
    assert {"safeguarding", "indecent_image", "other"} <= set(offered)


def test_the_defaults_come_back() -> None:
    use_words(pupil_word="student", labels={"other": "Something else"}, omit=["reputation"])
    use_words()
    assert CATEGORIES["other"] == "Other" and "reputation" in offered_categories()


def test_a_label_that_repeats_another_is_a_one_line_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        use_words(labels={"harassment": "Other"})
    message = str(caught.value)
    assert "[school] report_categories" in message and "harassment" in message and "other" in message
    assert "\n" not in message
    assert CATEGORIES["harassment"] == "Cyberbullying or harassment of staff", "nothing half-applied"


def test_a_pupil_word_that_repeats_another_subject_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\[school\] pupil_word"):
        use_words(pupil_word="member of staff")


def test_every_place_a_report_is_read_says_the_settings_words(tmp_path: Path) -> None:
    """The alert, /show, a /queue page, both export files and the digest's chart read the same
    labels: what the setting set as the bot started."""
    use_words(
        pupil_word="child", labels={"harassment": "Unkind messages about the team"}, head_title="Manager"
    )
    db = open_db(tmp_path / "reports.db")
    people = PeopleConfig(head_teacher=[1], staff=[101])
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for category, subject in (("pupil_contact", "pupil"), ("harassment", "parent")):
        new = NewReport(101, "Alice", category, "It happened on the page.", subject, "Facebook")
        reports.create_report(db, people, new, at=at, notices=NOTICES)
    first = reports.get_report(db, 1)
    assert first is not None
    for text in (
        report_record.render_escalation(first),
        *(report_record.render_show(db, people, 1, 1) or []),
    ):
        assert "Contact or friend request from a child" in plain(text) and "Who: A child" in plain(text)
    listed = plain(report_record.render_page(page(reports.queue(db, people, 1), 0, 10), "Open"))
    assert "Contact or friend request from a child" in listed and "Unkind messages about the team" in listed
    exported = reports.export_reports(db, people, 1, "Hana", at=at)
    incidents = list(csv.DictReader(io.StringIO(exported.incidents.decode("utf-8-sig"))))
    assert [(r["Category"], r["Who is involved"]) for r in incidents] == [
        ("Contact or friend request from a child", "A child"),
        ("Unkind messages about the team", "A parent/carer"),
    ]
    history = list(csv.DictReader(io.StringIO(exported.history.decode("utf-8-sig"))))
    assert {(r["category"], r["subject"]) for r in history} == {
        ("Contact or friend request from a child", "A child"),
        ("Unkind messages about the team", "A parent/carer"),
    }
    series = collect_series(db, until=datetime(2026, 3, 3, tzinfo=UTC))
    assert set(series.reports) == {"Contact or friend request from a child", "Unkind messages about the team"}
