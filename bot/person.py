"""One member of staff's data, for a subject access request (UK GDPR art. 15) and for erasure
(art. 17) of what may be erased: `staffguide export-person ID` and `staffguide erase-questions ID`.

Why here, as plain SQL over every table that holds a Telegram user id: the data protection lead
has a month to answer a request and must be able to say the answer is complete, so one place lists
where a person's id can be and the export walks all of them. Anything a table holds that is not
found by id (a colleague named in the free text of someone else's report) is not in the export,
and the export says so.

Erasure covers the questions only. Reports, their history and the messages about them are the
school's safeguarding record: append-only (bot.reports.schema) and deleted only by the retention
rule (`[storage] report_retention`, bot.reports.retention), which the answer states. A question's
words are also copied into a recorded policy gap and into an example that teaches the search;
erasing the question erases those copies too (the gap stays, as "erased on request", so the
policy's gap is not forgotten). Free of Telegram types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from .clock import now
from .transactions import transaction

ERASED_TEXT = "[question erased at the asker's request]"
NOT_FOUND_BY_ID = (
    "Found by Telegram user id in every table of the bot's database. Not included: mentions of this "
    "person by name in the free text of reports filed by others (search the /export files), backups "
    "(kept [backup] keep_days), and Telegram's own copies of messages. Review before disclosure: "
    "reports and notes can name other people."
)


@dataclass(frozen=True)
class Erased:
    questions: int
    gaps_blanked: int
    examples: int
    decisions: int
    reports_kept: int


def _rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _has(db: sqlite_utils.Database, table: str) -> bool:
    return db[table].exists()


def export_person(db: sqlite_utils.Database, user_id: int, retention: str = "") -> dict[str, Any]:
    """Everything the database holds under `user_id`, as one JSON-ready dict, oldest first;
    `retention` says how long the school keeps what it holds (the configured rules, in words)."""
    one = [user_id]
    filed = _rows(db, "select * from reports where reporter_id = ? order by id", one)
    filed_ids = json.dumps([r["id"] for r in filed])
    in_filed = "report_id in (select value from json_each(?))"
    data: dict[str, Any] = {
        "user_id": user_id,
        "exported_at": now(),
        "scope": NOT_FOUND_BY_ID,
        "retention": retention,
        "enrolment": _rows(db, "select * from users where user_id = ?", one),
        "invites": _rows(
            db, "select * from invites where created_by = ? or used_by = ? order by created_at", [user_id] * 2
        ),
        "questions": _rows(
            db,
            "select id, asked_at, text, answered, passage_ids, feedback, feedback_at, escalated_at"
            " from questions where user_id = ? order by id",
            one,
        ),
        "reports_filed": filed,
        "reports_filed_evidence": _rows(
            db, f"select * from report_evidence where {in_filed} order by id", [filed_ids]
        ),
        "reports_filed_history": _rows(
            db, f"select * from report_events where {in_filed} order by id", [filed_ids]
        ),
        "report_events_by_them": _rows(
            db,
            f"select * from report_events where actor_id = ? and not {in_filed} order by id",
            [user_id, filed_ids],
        ),
        "messages_to_them": _rows(
            db,
            "select id, created_at, purpose, report_id, text, status, sent_at from outbox"
            " where recipient_id = ? order by id",
            one,
        ),
        "examples_taught": _rows(
            db,
            "select id, passage_id, question, question_id, added_by, added_at, source from examples"
            " where added_by = ? or question_id in (select id from questions where user_id = ?) order by id",
            [user_id] * 2,
        ),
        "review_decisions_by_them": _rows(
            db, "select * from review_decisions where decided_by = ? order by decided_at", one
        ),
        "policy_gaps": _rows(
            db,
            "select * from policy_gaps where recorded_by = ?"
            " or question_id in (select id from questions where user_id = ?) order by id",
            [user_id] * 2,
        ),
        "policy_changes_by_them": _rows(db, "select * from policy_changes where by = ? order by id", one),
        "policy_reads_confirmed": _rows(
            db,
            "select c.confirmed_at, c.name, v.title, v.source, v.number, v.recorded_at as version_at"
            " from read_confirmations c join policy_versions v on v.id = c.version_id"
            " where c.user_id = ? order by c.id",
            one,
        ),
        "policy_read_messages": _rows(
            db, "select day, kind, version_id, at from read_notices where user_id = ? order by id", one
        ),
        "policy_read_decisions_by_them": _rows(
            db, "select * from read_decisions where decided_by = ? order by decided_at", one
        ),
        "policy_versions_uploaded_by_them": _rows(
            db,
            "select id, source, title, number, recorded_at, action from policy_versions"
            " where recorded_by = ? order by id",
            one,
        ),
        "unfinished_steps": _rows(db, "select * from ptb_user_data where user_id = ?", one)
        + [
            row
            for row in _rows(db, "select * from ptb_conversations order by name, key", [])
            if user_id in _ids_in_key(row["key"])
        ],
    }
    return data


def _ids_in_key(key: str) -> list[int]:
    """A conversation's key is the JSON list of its chat and user ids."""
    try:
        value = json.loads(key)
    except ValueError:
        return []
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def count_questions(db: sqlite_utils.Database, user_id: int) -> int:
    return int(db.execute("select count(*) from questions where user_id = ?", [user_id]).fetchone()[0])


def erase_questions(db: sqlite_utils.Database, user_id: int) -> Erased:
    """Delete every question `user_id` asked, and the copies of their words, in one transaction."""
    with transaction(db):
        ids = json.dumps(
            [r[0] for r in db.execute("select id from questions where user_id = ?", [user_id]).fetchall()]
        )
        theirs = "question_id in (select value from json_each(?))"
        gaps = db.execute(f"update policy_gaps set text = ? where {theirs}", [ERASED_TEXT, ids]).rowcount
        examples = db.execute(f"delete from examples where {theirs}", [ids]).rowcount
        decisions = db.execute(f"delete from review_decisions where {theirs}", [ids]).rowcount
        questions = db.execute("delete from questions where user_id = ?", [user_id]).rowcount
        reports = db.execute("select count(*) from reports where reporter_id = ?", [user_id]).fetchone()[0]
    return Erased(questions, gaps, examples, decisions, int(reports))
