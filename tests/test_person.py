"""A member of staff's data on request (UK GDPR): `staffguide export-person ID` writes everything
the database holds under their Telegram id, and `staffguide erase-questions ID --yes` deletes their
questions and the copies of their words, while their reports stay, as the retention rule says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_reports import HEAD, T0, TEACHER, TEACHER2, new

from bot import policy_versions as pv
from bot import reads as read_records
from bot import reports
from bot.cli import EXIT_USAGE, main
from bot.config import PeopleConfig
from bot.person import ERASED_TEXT
from bot.storage import open_db
from bot.text.notices import NOTICES
from embeddings import examples
from knowledge.chunking import Passage


def read_a_changed_policy(db) -> None:
    """The teacher confirmed reading a changed policy the Head asked staff to read."""
    rules = [
        Passage(f"p{n}", "Phones Policy", "phones.txt", "Phones", text, n)
        for n, text in enumerate(("a.", "b."))
    ]
    pv.record(db, rules[:1], pv.START)
    [changed] = pv.record(db, rules, pv.UPLOAD, by=HEAD)
    read_records.decide(db, changed.id, True, by=HEAD)
    read_records.confirm(db, changed.id, TEACHER, "Alice Teacher")


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A database with a teacher's questions, a report they filed with a conversation about it, a
    policy gap and an example made from one of their questions, and a colleague's question."""
    people = PeopleConfig(head_teacher=[HEAD], staff=[TEACHER, TEACHER2])
    db = open_db(tmp_path / "staffguide.db")
    questions = db.table("questions")
    for user, text in [(TEACHER, "can I follow a pupil's mum?"), (TEACHER, "lanyard photo ok?")]:
        questions.insert(
            {"user_id": user, "asked_at": "2026-03-01T09:00:00+00:00", "text": text, "answered": 0}
        )
    questions.insert(
        {
            "user_id": TEACHER2,
            "asked_at": "2026-03-01T09:00:00+00:00",
            "text": "colleague's words",
            "answered": 1,
        }
    )
    first = db.execute("select id from questions where user_id = ? order by id", [TEACHER]).fetchone()[0]
    db.table("policy_gaps").insert(
        {"question_id": first, "text": "can I follow a pupil's mum?", "recorded_by": HEAD, "recorded_at": "x"}
    )
    examples.add_example(
        db, "p1", "can I follow a pupil's mum?", np.ones(4), question_id=first, added_by=HEAD
    )
    rid = reports.create_report(db, people, new(), at=T0, notices=NOTICES).report.id
    reports.message_reporter(db, people, rid, HEAD, "Hana Head", "Which parent?", at=T0, notices=NOTICES)
    reports.reply_from_reporter(
        db, people, rid, TEACHER, "Alice Teacher", "Year 9 mum", at=T0, notices=NOTICES
    )
    reports.add_note(db, people, rid, HEAD, "Hana Head", "phoned the parent", at=T0)
    read_a_changed_policy(db)
    db.conn.close()
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndatabase = "staffguide.db"\n', encoding="utf-8")
    return config


def test_export_person_writes_everything_held_about_them_and_nothing_about_others(school, capsys) -> None:
    out = school.with_name("person.json")
    before = school.with_name("staffguide.db").read_bytes()
    assert main(["export-person", str(TEACHER), "--config", str(school), "-o", str(out)]) == 0
    assert "2 question(s), 1 report(s) filed" in capsys.readouterr().err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [q["text"] for q in data["questions"]] == ["can I follow a pupil's mum?", "lanyard photo ok?"]
    [report] = data["reports_filed"]
    assert report["reporter_id"] == TEACHER and report["description"]
    history = " ".join(str(e["detail"]) for e in data["reports_filed_history"])
    assert "Which parent?" in history and "Year 9 mum" in history and "phoned the parent" in history
    assert any("Which parent?" in m["text"] for m in data["messages_to_them"]), "the reviewer's question"
    assert [g["text"] for g in data["policy_gaps"]] == ["can I follow a pupil's mum?"]
    assert [e["question"] for e in data["examples_taught"]] == ["can I follow a pupil's mum?"]
    [confirmed] = data["policy_reads_confirmed"]
    assert (confirmed["title"], confirmed["number"], confirmed["name"]) == (
        "Phones Policy",
        2,
        "Alice Teacher",
    )
    assert data["policy_read_decisions_by_them"] == []
    assert "colleague's words" not in out.read_text(encoding="utf-8")
    assert "Review before disclosure" in data["scope"]
    assert "Reports (with their history) are not erased on request" in data["retention"]
    assert "Questions are deleted 365 days after they are asked" in data["retention"]
    assert school.with_name("staffguide.db").read_bytes() == before, "an export never writes"


def test_export_person_of_someone_unknown_is_empty_not_an_error(school, capsys) -> None:
    assert main(["export-person", "999", "--config", str(school)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["user_id"] == 999 and data["questions"] == [] and data["reports_filed"] == []


def test_erase_questions_without_yes_says_what_it_would_delete_and_deletes_nothing(school, capsys) -> None:
    assert main(["erase-questions", str(TEACHER), "--config", str(school)]) == EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert f"user {TEACHER} has 2 question(s)" in err and "nothing deleted: add --yes" in err
    db = open_db(school.with_name("staffguide.db"))
    assert db.execute("select count(*) from questions where user_id = ?", [TEACHER]).fetchone()[0] == 2


def test_erase_questions_deletes_their_words_everywhere_and_keeps_their_reports(school, capsys) -> None:
    assert main(["erase-questions", str(TEACHER), "--yes", "--config", str(school)]) == 0
    said = capsys.readouterr().out
    assert f"deleted 2 question(s) of user {TEACHER}" in said
    assert "1 report(s) they filed stay: reports follow the retention rule, not erasure: kept as" in said
    db = open_db(school.with_name("staffguide.db"))
    texts = [r[0] for r in db.execute("select text from questions").fetchall()]
    assert texts == ["colleague's words"]
    assert [r[0] for r in db.execute("select text from policy_gaps").fetchall()] == [ERASED_TEXT]
    assert db.execute("select count(*) from examples").fetchone()[0] == 0
    [report] = db.execute("select reporter_id from reports").fetchall()
    assert report[0] == TEACHER, "reports follow the retention rule, not an erasure request"


def test_commands_about_a_persons_data_need_the_config_and_an_existing_database(tmp_path, capsys) -> None:
    assert main(["export-person", "1"]) == EXIT_USAGE
    assert "--config" in capsys.readouterr().err
    config = tmp_path / "config.toml"
    config.write_text('[storage]\ndatabase = "nothing-here.db"\n', encoding="utf-8")
    for command in (["export-person", "1"], ["erase-questions", "1", "--yes"]):
        assert main([*command, "--config", str(config)]) == EXIT_USAGE
        assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "nothing-here.db").exists()
