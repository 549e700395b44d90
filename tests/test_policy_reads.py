"""Policy versions, their section changes and staff's confirmations, without a bot."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import access, clock, reads
from bot import knowledge_review as kr
from bot import policy_versions as pv
from bot.backup import take_backup
from bot.digest import digest_text
from bot.reads import Confirmed
from bot.storage import open_db
from knowledge.changes import ADDED, REMOVED, RENAMED, REWORDED, section_changes
from knowledge.chunking import Passage, passage_id


def passage(
    section: str, text: str, source: str = "phones.txt", title: str = "Staff Phones Policy"
) -> Passage:
    return Passage(passage_id(source, section, text), title, source, section, text, 0)


TRIPS = passage("Phones on trips", "On school trips staff must carry the school mobile phone.")
PHOTOS = passage("Personal phones", "Staff must not use their personal phones to photograph pupils.")
CALLS = passage("Personal phones", "Staff may use a personal phone to call parents only in an emergency.")
CHARGING = passage("Charging", "Phones are charged in the staff room, never in classrooms.")


@pytest.fixture
def db(tmp_path: Path):
    return open_db(tmp_path / "staffguide.db")


def test_a_reworded_passage_is_one_reworded_section_with_the_old_and_new_words() -> None:
    [change] = section_changes([TRIPS, PHOTOS], [TRIPS, CALLS])
    assert change.kind == REWORDED and change.section == "Personal phones"
    assert change.before == (PHOTOS.text,) and change.after == (CALLS.text,)


def test_new_and_gone_sections_are_added_and_removed_in_document_order() -> None:
    changes = section_changes([TRIPS, PHOTOS], [CHARGING, PHOTOS])
    assert [(c.kind, c.section) for c in changes] == [(ADDED, "Charging"), (REMOVED, "Phones on trips")]
    assert changes[0].after == (CHARGING.text,) and changes[1].before == (TRIPS.text,)


def test_a_heading_changed_over_the_same_words_is_a_rename() -> None:
    moved = passage("Trips and visits", TRIPS.text)
    [change] = section_changes([TRIPS, PHOTOS], [moved, PHOTOS])
    assert (change.kind, change.section, change.old_section) == (
        RENAMED,
        "Trips and visits",
        "Phones on trips",
    )


def test_spacing_alone_is_no_change() -> None:
    spaced = passage(PHOTOS.section, PHOTOS.text.replace(" ", "  "))
    assert section_changes([TRIPS, PHOTOS], [TRIPS, spaced]) == []


def test_the_first_version_is_a_baseline_and_a_change_is_a_numbered_version(db) -> None:
    assert pv.record(db, [TRIPS, PHOTOS], pv.START) == []
    assert pv.record(db, [TRIPS, PHOTOS], pv.RELOAD) == [], "same words: no new version"
    [v2] = pv.record(db, [TRIPS, CALLS], pv.UPLOAD, by=7201)
    assert (v2.number, v2.action, v2.recorded_by, v2.title) == (2, "upload", 7201, "Staff Phones Policy")
    assert [c.kind for c in v2.changes] == [REWORDED]
    assert [q.text for q in v2.passages] == [TRIPS.text, CALLS.text]
    first = pv.get(db, v2.id - 1)
    assert first is not None and (first.number, first.action) == (1, pv.FIRST)
    assert pv.changed_passage_ids(v2, first) == {PHOTOS.id}


def test_versions_are_append_only(db) -> None:
    pv.record(db, [TRIPS], pv.START)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("update policy_versions set title = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from policy_versions")


def changed(db) -> pv.Version:
    pv.record(db, [TRIPS, PHOTOS], pv.START)
    [v2] = pv.record(db, [TRIPS, CALLS], pv.UPLOAD, by=7201)
    return v2


def test_the_decision_is_taken_once(db) -> None:
    v2 = changed(db)
    assert [v.id for v in reads.to_ask(db)] == [v2.id]
    done, first = reads.decide(db, v2.id, True, by=7001)
    assert done and first is not None and first.required
    again, earlier = reads.decide(db, v2.id, False, by=7201)
    assert not again and earlier == first
    assert reads.decide(db, 999, True, by=7001) == (False, None)


def test_a_confirmation_is_recorded_once_and_only_for_the_version_to_read(db) -> None:
    v2 = changed(db)
    assert reads.confirm(db, v2.id, 7101, "Tess")[0] is Confirmed.NOT_ASKED, "not decided yet"
    reads.decide(db, v2.id, True, by=7001)
    assert [v.id for v in reads.pending_for(db, 7101)] == [v2.id]
    result, first = reads.confirm(db, v2.id, 7101, "Tess")
    assert result is Confirmed.RECORDED and first is not None
    result, again = reads.confirm(db, v2.id, 7101, "Tess")
    assert result is Confirmed.ALREADY and again == first
    assert reads.pending_for(db, 7101) == []
    assert db.execute("select count(*) from read_confirmations").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from read_confirmations")

    [v3] = pv.record(db, [TRIPS, CALLS, CHARGING], pv.UPLOAD, by=7201)
    reads.decide(db, v3.id, True, by=7001)
    assert reads.confirm(db, v2.id, 7102, "Tom")[0] is Confirmed.REPLACED, "a stale button"
    assert [v.id for v in reads.pending_for(db, 7101)] == [v3.id], "the new version is to read again"


def test_a_change_that_needs_no_reading_asks_nobody(db) -> None:
    v2 = changed(db)
    reads.decide(db, v2.id, False, by=7001)
    assert reads.pending_for(db, 7101) == []
    assert reads.confirm(db, v2.id, 7101, "Tess")[0] is Confirmed.NOT_ASKED


def test_reminders_are_one_a_person_a_school_day(db, monkeypatch) -> None:
    monkeypatch.setattr(clock, "_school_zone", ZoneInfo("Europe/London"))
    v2 = changed(db)
    reads.decide(db, v2.id, True, by=7001)
    # 22:30 UTC on 30 June is 23:30 in London (BST); an hour later it is 1 July there but not in UTC
    evening = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
    reads.note_message(db, 7101, reads.ANNOUNCE, v2.id, at=evening)
    assert set(reads.due_reminders(db, [7101, 7102], at=evening + timedelta(minutes=20))) == {7102}
    assert set(reads.due_reminders(db, [7101, 7102], at=evening + timedelta(hours=1))) == {7101, 7102}
    reads.confirm(db, v2.id, 7102, "Tom")
    assert set(reads.due_reminders(db, [7101, 7102], at=evening + timedelta(hours=1))) == {7101}


def test_progress_lists_who_confirmed_and_who_has_not(db) -> None:
    v2 = changed(db)
    reads.decide(db, v2.id, True, by=7001)
    reads.confirm(db, v2.id, 7102, "Tom")
    [row] = reads.progress(db, [(7101, "Tess"), (7102, "Tom")])
    assert [c.name for c in row.confirmed] == ["Tom"] and row.waiting == [(7101, "Tess")]
    [record] = reads.records(db)
    assert (record.title, record.number, record.user_id) == ("Staff Phones Policy", 2, 7102)


def test_confirmations_of_a_version_replaced_long_ago_are_purged_and_the_rest_kept(db) -> None:
    v2 = changed(db)
    long_ago = datetime.now(UTC) - timedelta(days=800)
    reads.decide(db, v2.id, True, by=7001, at=long_ago)
    reads.confirm(db, v2.id, 7101, "Tess", at=long_ago)
    assert reads.purge_confirmations(db, 1) == 0, "still the version to read"
    [v3] = pv.record(db, [TRIPS, CALLS, CHARGING], pv.UPLOAD, by=7201)
    reads.decide(db, v3.id, True, by=7001, at=long_ago + timedelta(days=1))
    reads.confirm(db, v3.id, 7101, "Tess")
    assert reads.purge_confirmations(db, 1) == 1
    assert [r.number for r in reads.records(db)] == [3]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from read_confirmations")


def test_the_weekly_digest_counts_confirmations_of_the_version_to_read(db) -> None:
    v2 = changed(db)
    reads.decide(db, v2.id, True, by=7001)
    reads.confirm(db, v2.id, 7101, "Tess")
    text = digest_text(db, "St Crispin's School", html=False, members=[7001, 7101, 7102])
    assert "Policy reads\nStaff Phones Policy, version 2: 1 of 3 confirmed" in text


def test_a_backup_carries_the_versions_and_confirmations(db, tmp_path: Path) -> None:
    v2 = changed(db)
    reads.decide(db, v2.id, True, by=7001)
    reads.confirm(db, v2.id, 7101, "Tess")
    copy = take_backup(tmp_path / "staffguide.db", tmp_path / "copy.db").path
    restored = open_db(copy)
    assert reads.records(restored) == reads.records(db)
    assert pv.latest(restored)["phones.txt"] == pv.latest(db)["phones.txt"]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        restored.execute("delete from read_confirmations")


def test_a_question_answered_from_a_passage_that_changed_since_is_flagged_for_review(db) -> None:
    pv.record(db, [TRIPS, PHOTOS], pv.START)
    before = datetime.now(UTC) - timedelta(days=1)
    for text, quoted in (
        ("can I take photos of pupils on my phone?", PHOTOS.id),
        ("phones on trips?", TRIPS.id),
    ):
        db.table("questions").insert(
            {
                "user_id": 7101,
                "asked_at": before.isoformat(timespec="milliseconds"),
                "text": text,
                "answered": 1,
                "passage_ids": json.dumps([quoted]),
            }
        )
    assert kr.pending_reviews(db) == []
    pv.record(db, [TRIPS, CALLS], pv.UPLOAD, by=7201)
    [item] = kr.pending_reviews(db)
    assert item.text == "can I take photos of pupils on my phone?" and item.reason == kr.CHANGED


@pytest.mark.parametrize(
    "question",
    [
        "what's new in the phones policy?",
        "What has changed in the staff phones policy",
        "has the phones policy changed?",
        "any changes to the phone policy",
        "latest changes to our policies?",
    ],
)
def test_questions_about_what_changed_are_told_from_the_rest(db, question: str) -> None:
    pv.record(db, [TRIPS, PHOTOS], pv.START)
    assert pv.asks_what_changed(question, pv.latest(db))


@pytest.mark.parametrize(
    "question",
    [
        "can I change my phone's wallpaper?",
        "what should I do if a pupil changed their name online?",
        "can I use my personal phone on a trip?",
        "what is new staff induction?",
    ],
)
def test_questions_about_the_policy_itself_go_to_the_search(db, question: str) -> None:
    pv.record(db, [TRIPS, PHOTOS], pv.START)
    assert not pv.asks_what_changed(question, pv.latest(db))


def test_the_policy_asked_about_is_the_one_its_title_names(db) -> None:
    visitors = passage(
        "Signing in", "All visitors must sign in.", source="visitors.txt", title="Visitors Policy"
    )
    pv.record(db, [TRIPS, PHOTOS, visitors], pv.START)
    latest = pv.latest(db)
    assert pv.policy_asked_about("what's new in the phones policy?", latest).source == "phones.txt"
    assert pv.policy_asked_about("has the visitors policy changed?", latest).source == "visitors.txt"
    assert pv.policy_asked_about("what changed in the policies?", latest) is None


def test_the_school_day_is_the_schools_own(db, monkeypatch) -> None:
    v2 = changed(db)
    reads.decide(db, v2.id, True, by=7001)
    monkeypatch.setattr(clock, "_school_zone", ZoneInfo("Pacific/Auckland"))
    # 11:30 UTC on 1 July is 23:30 in Auckland; 12:30 UTC is the next day there
    reads.note_message(db, 7101, reads.ANNOUNCE, v2.id, at=datetime(2026, 7, 1, 11, 30, tzinfo=UTC))
    assert reads.due_reminders(db, [7101], at=datetime(2026, 7, 1, 11, 50, tzinfo=UTC)) == {}
    assert set(reads.due_reminders(db, [7101], at=datetime(2026, 7, 1, 12, 30, tzinfo=UTC))) == {7101}


def test_a_policy_added_after_the_first_ones_is_new_in_every_section(db) -> None:
    pv.record(db, [TRIPS, PHOTOS], pv.START)
    visitors = passage(
        "Signing in", "All visitors must sign in.", source="visitors.txt", title="Visitors Policy"
    )
    [new] = pv.record(db, [TRIPS, PHOTOS, visitors], pv.UPLOAD, by=7201)
    assert (new.source, new.number, [(c.kind, c.section) for c in new.changes]) == (
        "visitors.txt",
        1,
        [(ADDED, "Signing in")],
    )
    assert [v.id for v in reads.to_ask(db)] == [new.id]


def test_someone_behind_on_a_policy_is_shown_every_change_since_what_they_read(db) -> None:
    v2 = changed(db)
    reads.decide(db, v2.id, True, by=7001)
    reads.confirm(db, v2.id, 7101, "Tess")
    [v3] = pv.record(db, [TRIPS, CALLS, CHARGING], pv.UPLOAD, by=7201)
    reads.decide(db, v3.id, True, by=7001)
    assert reads.read_up_to(db, 7101, v3) == 2, "Tess read version 2: only the new section"
    assert [c.section for c in pv.since(db, v3, 2).changes] == ["Charging"]
    assert reads.read_up_to(db, 7102, v3) == 1, "Tom did not: version 2's change too"
    behind = pv.since(db, v3, 1)
    assert [(c.kind, c.section) for c in behind.changes] == [
        (REWORDED, "Personal phones"),
        (ADDED, "Charging"),
    ]
    assert behind.counted_from == 1 and pv.since(db, v3, 2) == v3


def test_someone_who_joined_after_staff_were_asked_reads_the_whole_policy(db) -> None:
    v2 = changed(db)
    reads.decide(db, v2.id, True, by=7001)
    assert (
        access.redeem_invite(db, access.create_invite(db, 7001, days=7), 8001, "Nell")
        is access.Redeemed.ENROLLED
    )
    assert reads.read_up_to(db, 8001, v2) == 0 and reads.read_up_to(db, 7101, v2) == 1
    whole = pv.since(db, v2, 0)
    assert [c.section for c in whole.changes] == ["Phones on trips", "Personal phones"]


def test_a_versions_tag_tells_it_from_another_that_got_its_id_after_a_restore(tmp_path: Path) -> None:
    first, second = open_db(tmp_path / "a.db"), open_db(tmp_path / "b.db")
    pv.record(first, [TRIPS], pv.START, at=datetime(2026, 1, 5, tzinfo=UTC))
    pv.record(second, [TRIPS], pv.START, at=datetime(2026, 3, 9, tzinfo=UTC))
    one, other = pv.get(first, 1), pv.get(second, 1)
    assert one is not None and other is not None and one.id == other.id
    assert one.tag != other.tag and len(one.tag) == 8
