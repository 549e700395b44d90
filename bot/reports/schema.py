"""The reports tables (migration 0003_reports): append-only, with the status derived from events."""

from __future__ import annotations

import sqlite_utils

from .. import outbox

IMMUTABLE_TABLES = ("reports", "report_evidence", "report_routes", "report_events")


def trigger_name(table: str, action: str) -> str:
    """`reports_no_delete`: the trigger that refuses `action` ("update" or "delete") on `table`."""
    return f"{table}_no_{action}"


def append_only_trigger(table: str, action: str) -> str:
    """The one copy of the append-only trigger's SQL: the migrations create it and
    bot.reports.retention puts it back after a purge, so the two can never differ."""
    return (
        f"create trigger {trigger_name(table, action)} before {action} on {table} "
        f"begin select raise(abort, '{table} are append-only: {action} refused'); end"
    )


def migrate_reports(db: sqlite_utils.Database) -> None:
    """Tables, the status view, the append-only triggers, and the outbox table."""
    db.execute(
        """
        create table reports (
            id integer primary key autoincrement,   -- never reused: R-0042 means one report forever
            created_at text not null,
            reporter_id integer not null,
            reporter_name text,
            category text not null,
            subject text,
            place text,
            description text not null,
            source text not null,                   -- flow, one-line, question
            question_id integer,
            urgent integer not null default 0
        )
        """
    )
    db.execute("create index reports_reporter on reports (reporter_id)")
    db.execute(
        """
        create table report_evidence (
            id integer primary key autoincrement,
            report_id integer not null references reports(id),
            kind text not null,                     -- photo, document
            file_id text not null,
            file_unique_id text,
            sent_at text not null                   -- when the member of staff sent it
        )
        """
    )
    db.execute(
        """
        create table report_routes (
            report_id integer not null references reports(id),
            role text not null,
            relation text not null check (relation in ('to', 'never')),
            added_at text not null,
            reason text,
            primary key (report_id, role, relation)
        )
        """
    )
    db.execute(
        """
        create table report_events (
            id integer primary key autoincrement,
            report_id integer not null references reports(id),
            at text not null,
            kind text not null,
            actor_id integer,                       -- null: the bot itself
            actor_name text,
            detail text                             -- text, or JSON for structured events
        )
        """
    )
    db.execute("create index report_events_report on report_events (report_id, id)")
    for table in IMMUTABLE_TABLES:
        for action in ("update", "delete"):
            db.execute(append_only_trigger(table, action))
    db.execute(
        """
        create view report_status as
        select r.id as report_id,
          case
            when exists (select 1 from report_events e where e.report_id = r.id and e.kind = 'resolved')
              then 'resolved'
            when exists (select 1 from report_events e where e.report_id = r.id and e.kind = 'acknowledged')
              then 'acknowledged'
            else 'open'
          end as status
        from reports r
        """
    )
    outbox.create_table(db)


def migrate_report_details(db: sqlite_utils.Database) -> None:
    """Migration 0006_report_details: when the incident happened, apart from when it was reported.

    `happened` holds the words chosen or typed ("Just now", "last Tuesday"); `happened_on` the
    day in the school's time (ISO date) when it is known. Reports filed before this migration
    (and one-line reports) have neither. Adding columns is no UPDATE: the append-only triggers
    stay as they are."""
    db.execute("alter table reports add column happened text")
    db.execute("alter table reports add column happened_on text")


def migrate_report_tags(db: sqlite_utils.Database) -> None:
    """Migration 0010_report_tags: no table changes. Report buttons name their report by number
    and tag from now on (bot.text.callbacks); the time this migration ran, kept in `migrations`,
    is what tells an untagged button from an older alert (its report filed before then) from
    one that cannot say which report it meant (bot.reports.queries.named_by_button)."""
