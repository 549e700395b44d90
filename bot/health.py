"""The database failing while the bot runs (disk full, file unwritable, I/O error).

The bot keeps running: the person is told to try again later, the failure is logged ONCE with
its cause (not once per update or per tick), and the first write that works again is logged
too. SQLite's transactions make each report stored whole or not at all.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

log = logging.getLogger("staffguide.storage")


def is_storage_error(exc: BaseException | None) -> bool:
    """SQLite could not read or write (full, read-only, I/O, locked); not a broken constraint."""
    return isinstance(exc, sqlite3.OperationalError) or (
        isinstance(exc, sqlite3.DatabaseError)
        and not isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError)
    )


@dataclass
class StorageHealth:
    failing: bool = False

    def failed(self, exc: BaseException) -> None:
        if self.failing:
            log.debug("storage still failing: %s", exc)
            return
        self.failing = True
        log.error(
            "the database cannot be written (%s: %s); the bot keeps running and retries",
            type(exc).__name__,
            exc,
        )

    def worked(self) -> None:
        if self.failing:
            self.failing = False
            log.warning("the database can be written again")
