"""python-telegram-bot persistence in the bot's own SQLite database.

Why not PicklePersistence: a pickle file is rewritten whole and only every
`update_interval` seconds, so a killed process loses the latest steps of a
half-finished conversation (a report being written, say). Here each
`update_*` call writes its one row at once, as JSON, in the same database as
everything else; `flush()` has nothing left to do. Only user_data and
conversation states are kept: chat_data and bot_data are not used (the
Services object in bot_data is rebuilt at every start) and callback data is
validated by the handlers instead of being stored.

A conversation older than the flows' timeout is not restored: the library
times conversations out in memory only, so without this a restart would
bring back any state of any age, and a person's next ordinary message could
become the answer to a question asked hours before (the reasoning that
resolves a report, say). Such states are put aside, and the person is told.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils
from telegram.ext import BasePersistence, PersistenceInput

from .clock import now
from .transactions import transaction

ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]

USER_DATA = "ptb_user_data"
CONVERSATIONS = "ptb_conversations"


def migrate_persistence(db: sqlite_utils.Database) -> None:
    """Tables for SqlitePersistence: one row per user, one per (conversation, key)."""
    db.table(USER_DATA).create(
        {"user_id": int, "data": str, "updated_at": str}, pk="user_id", not_null={"data", "updated_at"}
    )
    db.table(CONVERSATIONS).create(
        {"name": str, "key": str, "state": str, "updated_at": str},
        pk=("name", "key"),
        not_null={"state", "updated_at"},
    )


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Stores user_data and conversations in SQLite, writing through on every update.

    `update_interval` only decides how often the Application hands over changed
    data; keep it short (the default is 1 s) so little is ever waiting.
    """

    def __init__(
        self, db: sqlite_utils.Database, update_interval: float = 1.0, max_age_minutes: float | None = None
    ) -> None:
        """`max_age_minutes`: conversations last changed longer ago are put aside at start (None: kept)."""
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=True, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db
        self.max_age = timedelta(minutes=max_age_minutes) if max_age_minutes else None
        self.put_aside: list[tuple[str, ConversationKey]] = []  # (flow name, key), to tell the people

    # -- user_data ---------------------------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        if not self.db.table(USER_DATA).exists():
            return {}
        return {int(row["user_id"]): json.loads(row["data"]) for row in self.db.table(USER_DATA).rows}

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Empty data deletes the row: a user who was only refused leaves nothing behind."""
        if not data:
            await self.drop_user_data(user_id)
            return
        with transaction(self.db):
            self.db.table(USER_DATA).upsert(
                {"user_id": user_id, "data": json.dumps(data, default=str), "updated_at": now()},
                pk="user_id",
            )

    async def drop_user_data(self, user_id: int) -> None:
        with transaction(self.db):
            self.db.execute(f"delete from {USER_DATA} where user_id = ?", [user_id])

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to do: the Application's copy is always the newest."""

    # -- conversations -----------------------------------------------------------------------

    async def get_conversations(self, name: str) -> ConversationDict:
        """The flow's conversations, those older than `max_age` put aside (deleted and listed)."""
        rows = self.db.execute(
            f"select key, state, updated_at from {CONVERSATIONS} where name = ?", [name]
        ).fetchall()
        kept: ConversationDict = {}
        for key_json, state, updated_at in rows:
            key = tuple(json.loads(key_json))
            if self._stale(updated_at):
                with transaction(self.db):
                    self.db.execute(
                        f"delete from {CONVERSATIONS} where name = ? and key = ?", [name, key_json]
                    )
                self.put_aside.append((name, key))
            else:
                kept[key] = json.loads(state)
        return kept

    def _stale(self, updated_at: str) -> bool:
        if self.max_age is None:
            return False
        try:
            changed = datetime.fromisoformat(updated_at)
        except ValueError:  # unreadable: safer to start that person again than to act on it
            return True
        if changed.tzinfo is None:
            changed = changed.replace(tzinfo=UTC)
        return datetime.now(UTC) - changed > self.max_age

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """A state of None means the conversation ended: its row goes."""
        key_json = json.dumps(list(key))
        with transaction(self.db):
            if new_state is None:
                self.db.execute(f"delete from {CONVERSATIONS} where name = ? and key = ?", [name, key_json])
            else:
                self.db.table(CONVERSATIONS).upsert(
                    {"name": name, "key": key_json, "state": json.dumps(new_state), "updated_at": now()},
                    pk=("name", "key"),
                )

    # -- not stored --------------------------------------------------------------------------

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        pass

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        pass

    async def update_callback_data(self, data: Any) -> None:
        pass

    async def drop_chat_data(self, chat_id: int) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        pass

    async def flush(self) -> None:
        """Everything was written when it changed."""
