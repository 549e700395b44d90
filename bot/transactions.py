"""Transactions on the bot's autocommit SQLite connection.

`with db.conn:` opens no transaction on a connection with `isolation_level=None`
(as bot.storage opens it), so every multi-statement write goes through
`transaction(db)`: BEGIN IMMEDIATE ... COMMIT, or a savepoint (sqlite-utils'
`db.atomic()`) when a transaction is already open. sqlite-utils 4 table methods
nest inside it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlite_utils


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """All or nothing: the block's writes are committed together or rolled back together."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.execute("begin immediate")
    try:
        yield
    except BaseException:
        db.rollback()  # a no-op if the error already ended the transaction
        raise
    db.execute("commit")
