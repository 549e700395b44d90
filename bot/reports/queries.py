"""Reading reports: one report, its routes and status, who may review it, the queues."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from ..config import PeopleConfig
from .records import Evidence, Report
from .vocabulary import REVIEWER_ROLES


def routed_roles(db: sqlite_utils.Database, report_id: int) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "select role from report_routes where report_id = ? and relation = 'to' order by added_at, rowid",
            [report_id],
        ).fetchall()
    ]


def barred_roles(db: sqlite_utils.Database, report_id: int) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "select role from report_routes where report_id = ? and relation = 'never'", [report_id]
        ).fetchall()
    ]


def status(db: sqlite_utils.Database, report_id: int) -> str | None:
    row = db.execute("select status from report_status where report_id = ?", [report_id]).fetchone()
    return row[0] if row else None


def get_report(db: sqlite_utils.Database, report_id: int) -> Report | None:
    row = db.execute(
        "select r.id, r.created_at, r.reporter_id, r.reporter_name, r.category, r.subject, r.place,"
        " r.description, r.source, r.urgent, s.status, r.happened, r.happened_on"
        " from reports r join report_status s on s.report_id = r.id where r.id = ?",
        [report_id],
    ).fetchone()
    if row is None:
        return None
    evidence = tuple(
        Evidence(kind=e[0], file_id=e[1], sent_at=e[2], file_unique_id=e[3])
        for e in db.execute(
            "select kind, file_id, sent_at, file_unique_id from report_evidence"
            " where report_id = ? order by id",
            [report_id],
        ).fetchall()
    )
    return Report(
        id=row[0],
        created_at=row[1],
        reporter_id=row[2],
        reporter_name=row[3],
        category=row[4],
        subject=row[5],
        place=row[6],
        description=row[7],
        source=row[8],
        urgent=bool(row[9]),
        status=row[10],
        evidence=evidence,
        happened=row[11],
        happened_on=row[12],
    )


TAGS_MIGRATION = "0010_report_tags"


def named_by_button(db: sqlite_utils.Database, report: Report, tag: str | None) -> bool:
    """Does a button carrying (report.id, `tag`) name this very report? A button from before a
    restore may carry a number now given to another report; its tag then differs. A button
    made before buttons had tags names a report filed before that release."""
    if tag is not None:
        return tag == report.tag
    row = db.execute("select applied_at from migrations where name = ?", [TAGS_MIGRATION]).fetchone()
    return row is not None and datetime.fromisoformat(report.created_at) < datetime.fromisoformat(row[0])


def _visibility_sql(people: PeopleConfig, user_id: int) -> tuple[str, list[object]]:
    """SQL condition on `r.id`: routed to one of the user's roles, barred from none."""
    roles = sorted(people.roles_of(user_id) & set(REVIEWER_ROLES))
    if not roles:
        return "0", []
    marks = ", ".join("?" * len(roles))
    all_roles = sorted(people.roles_of(user_id))
    bar_marks = ", ".join("?" * len(all_roles))
    condition = (
        f"exists (select 1 from report_routes t where t.report_id = r.id and t.relation = 'to'"
        f" and t.role in ({marks})) and not exists (select 1 from report_routes n where"
        f" n.report_id = r.id and n.relation = 'never' and n.role in ({bar_marks}))"
    )
    return condition, [*roles, *all_roles]


def is_reviewer(people: PeopleConfig, user_id: int) -> bool:
    return bool(people.roles_of(user_id) & set(REVIEWER_ROLES))


def can_review(db: sqlite_utils.Database, people: PeopleConfig, report_id: int, user_id: int) -> bool:
    condition, params = _visibility_sql(people, user_id)
    row = db.execute(
        f"select 1 from reports r where r.id = ? and {condition}", [report_id, *params]
    ).fetchone()
    return row is not None


def queue(
    db: sqlite_utils.Database, people: PeopleConfig, user_id: int, include_resolved: bool = False
) -> list[Report]:
    """Reports routed to this person that are not resolved, oldest first."""
    condition, params = _visibility_sql(people, user_id)
    status = "" if include_resolved else " and s.status != 'resolved'"
    ids = [
        row[0]
        for row in db.execute(
            f"select r.id from reports r join report_status s on s.report_id = r.id where {condition}{status}"
            " order by r.created_at, r.id",
            params,
        ).fetchall()
    ]
    return [r for r in (get_report(db, i) for i in ids) if r is not None]


def my_reports(db: sqlite_utils.Database, user_id: int) -> list[Report]:
    ids = [
        row[0]
        for row in db.execute(
            "select id from reports where reporter_id = ? order by id desc", [user_id]
        ).fetchall()
    ]
    return [r for r in (get_report(db, i) for i in ids) if r is not None]


def evidence_for(
    db: sqlite_utils.Database, people: PeopleConfig, report_id: int, viewer_id: int
) -> list[Evidence]:
    """The screenshots a reviewer of this report may see again; nothing for anyone else.

    The reporter's reduced view leaves evidence out, as `render_show` does.
    Indecent-image reports never hold any (see `create_report`).
    """
    report = get_report(db, report_id)
    if report is None or not can_review(db, people, report_id, viewer_id):
        return []
    return list(report.evidence)
