"""A transactional outbox for notifications: a row per recipient, sent at least once, never
twice once Telegram has accepted it (bar one documented window).

Domain code only: no Telegram types. The sender (bot.outbox_sender) loops::

    rows = claim_due(db)                 # pending -> sending, atomically
    for row in rows:
        try:
            message_id = await bot.send_message(...)
        except <error> as exc:
            mark_failed(db, row.id, str(exc), permanent=..., backoff=...)   # sending -> pending (later)
        else:
            mark_sent(db, row.id, message_id)                               # sending -> sent

States: ``pending`` (due at ``next_attempt_at``) -> ``sending`` (claimed by one drain) ->
``sent`` | ``pending`` again (after a failure, with exponential backoff) | ``failed`` (a
permanent error such as "bot was blocked by the user", after ``Backoff.max_permanent_attempts``).

Guarantees, and the one window:

* Rows are written in the same SQLite transaction as the thing they announce (a report, an
  acknowledgement), so nothing is announced that was not stored and nothing stored goes
  unannounced.
* ``claim_due`` moves rows from ``pending`` to ``sending`` in one ``BEGIN IMMEDIATE``
  transaction, so two drains (the repeating job and the one triggered after a report) never
  claim the same row; ``mark_sent`` only moves a row that is still ``sending``.
* A ``sent`` row is never claimed again, so a message Telegram accepted *and we recorded* is
  never re-sent, whatever restarts follow.
* The window: if the process dies after Telegram accepted a message but before ``mark_sent``
  committed (microseconds of Python plus one small commit), or a request times out after
  Telegram accepted it, the row is still ``sending``/``pending`` and is sent again after the
  restart (``recover_interrupted``, called once at start-up: the bot runs as one process), or
  after a lease of 5 minutes if only the sender died (see ``claim_due``).
  We chose at-least-once here on purpose: for a safeguarding alert a duplicate is harmless and
  a lost message is not.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from .clock import stamp, utc
from .transactions import transaction

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback_data)


def create_table(db: sqlite_utils.Database) -> None:
    """Called from the reports migration (bot.reports.schema.migrate_reports)."""
    db.execute(
        """
        create table outbox (
            id integer primary key autoincrement,
            created_at text not null,
            purpose text not null,            -- escalation, renotify, urgent, ack_notice, ...
            report_id integer,                -- what it is about, for the audit trail
            recipient_id integer not null,    -- a Telegram chat id (private chat = user id)
            text text not null,               -- rendered HTML, stored so a restart re-sends the same
            buttons text,                     -- JSON rows of [label, callback_data], or null
            status text not null default 'pending',
            attempts integer not null default 0,
            next_attempt_at text not null,
            claimed_at text,
            sent_at text,
            message_id integer,
            last_error text
        )
        """
    )
    db.execute("create index outbox_due on outbox (status, next_attempt_at)")


@dataclass(frozen=True)
class OutboxRow:
    id: int
    purpose: str
    report_id: int | None
    recipient_id: int
    text: str
    buttons: Buttons | None
    attempts: int


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (1-based): base * factor**(n-1), at most `cap` seconds."""

    base: float = 1.0
    factor: float = 2.0
    cap: float = 300.0
    max_permanent_attempts: int = 5  # "blocked by the user", "chat not found": give up after this

    def delay(self, attempts: int) -> float:
        return min(self.cap, self.base * self.factor ** max(attempts - 1, 0))


def enqueue(
    db: sqlite_utils.Database,
    *,
    recipient_id: int,
    text: str,
    purpose: str,
    buttons: Buttons | None = None,
    report_id: int | None = None,
    at: datetime | None = None,
) -> int:
    """Add one message; plain SQL so it joins the caller's transaction."""
    moment = stamp(at)
    cursor = db.execute(
        "insert into outbox (created_at, purpose, report_id, recipient_id, text, buttons, status,"
        " next_attempt_at) values (?, ?, ?, ?, ?, ?, 'pending', ?)",
        [
            moment,
            purpose,
            report_id,
            recipient_id,
            text,
            json.dumps(buttons) if buttons is not None else None,
            moment,
        ],
    )
    return int(cursor.lastrowid or 0)


def recover_interrupted(db: sqlite_utils.Database) -> int:
    """At start-up: rows a previous process claimed but never marked go back to pending.

    This is the documented at-least-once window: such a row may or may not have reached
    Telegram. Returns how many rows were recovered.
    """
    with transaction(db):
        cursor = db.execute(
            "update outbox set status = 'pending', claimed_at = null where status = 'sending'"
        )
    return cursor.rowcount


def claim_due(
    db: sqlite_utils.Database, limit: int = 20, at: datetime | None = None, lease_seconds: float = 300.0
) -> list[OutboxRow]:
    """Atomically move up to `limit` due rows to `sending`, oldest first.

    A row left `sending` for longer than `lease_seconds` (its sender died without the process
    exiting, e.g. the database refused the status update) is due again; no send takes that
    long (python-telegram-bot's timeouts are seconds), so this cannot race a live send.
    """
    moment = utc(at)
    now_text = stamp(moment)
    stale = stamp(moment - timedelta(seconds=lease_seconds))
    with transaction(db):
        rows = db.execute(
            "select id, purpose, report_id, recipient_id, text, buttons, attempts from outbox"
            " where (status = 'pending' and next_attempt_at <= ?) or (status = 'sending' and claimed_at <= ?)"
            " order by next_attempt_at, id limit ?",
            [now_text, stale, limit],
        ).fetchall()
        for row in rows:
            db.execute(
                "update outbox set status = 'sending', claimed_at = ? where id = ?", [now_text, row[0]]
            )
    return [
        OutboxRow(
            id=row[0],
            purpose=row[1],
            report_id=row[2],
            recipient_id=row[3],
            text=row[4],
            buttons=[[tuple(b) for b in r] for r in json.loads(row[5])] if row[5] else None,
            attempts=row[6],
        )
        for row in rows
    ]


def mark_sent(
    db: sqlite_utils.Database,
    row_id: int,
    message_id: int | None,
    at: datetime | None = None,
    after: Callable[[sqlite_utils.Database, int], None] | None = None,
) -> bool:
    """Record that Telegram accepted row `row_id`; `after(db, row_id)` runs in the same
    transaction (the reports module appends its 'delivered' event there)."""
    with transaction(db):
        cursor = db.execute(
            "update outbox set status = 'sent', sent_at = ?, message_id = ?, last_error = null"
            " where id = ? and status = 'sending'",
            [stamp(at), message_id, row_id],
        )
        done = cursor.rowcount == 1
        if done and after is not None:
            after(db, row_id)
    return done


def mark_failed(
    db: sqlite_utils.Database,
    row_id: int,
    error: str,
    *,
    permanent: bool = False,
    backoff: Backoff = Backoff(),
    retry_after: float | None = None,
    at: datetime | None = None,
    after_give_up: Callable[[sqlite_utils.Database, int], object] | None = None,
) -> str:
    """Schedule a retry (exponential backoff, or Telegram's own `retry_after`), or give up on a
    permanent error after `backoff.max_permanent_attempts`. Returns the row's new status."""
    moment = utc(at)
    with transaction(db):
        row = db.execute("select attempts, status from outbox where id = ?", [row_id]).fetchone()
        if row is None or row[1] != SENDING:
            return row[1] if row else FAILED
        attempts = row[0] + 1
        if permanent and attempts >= backoff.max_permanent_attempts:
            db.execute(
                "update outbox set status = 'failed', attempts = ?, last_error = ?, claimed_at = null"
                " where id = ?",
                [attempts, error[:500], row_id],
            )
            if after_give_up is not None:
                after_give_up(db, row_id)
            return FAILED
        delay = max(backoff.delay(attempts), retry_after or 0.0)
        db.execute(
            "update outbox set status = 'pending', attempts = ?, last_error = ?, claimed_at = null,"
            " next_attempt_at = ? where id = ?",
            [attempts, error[:500], stamp(moment + timedelta(seconds=delay)), row_id],
        )
    return PENDING


def counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows per status (for /status-style checks and tests)."""
    try:
        return dict(db.execute("select status, count(*) from outbox group by status").fetchall())
    except sqlite3.OperationalError:
        return {}
