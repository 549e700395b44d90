"""Migrations bring an older database forward without losing rows."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from bot import storage
from bot.storage import MIGRATIONS, StorageError, migrate, open_db


def test_database_from_0001_keeps_its_rows(tmp_path, monkeypatch) -> None:
    path = tmp_path / "old.db"
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS[:1])  # the first release knew only 0001
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    assert migrate(old) == ["0001_core"]
    old["users"].insert({"user_id": 5, "name": "Tess", "enrolled_at": "2025-01-01T00:00:00+00:00"})
    old["questions"].insert(
        {"user_id": 5, "asked_at": "2025-01-02T00:00:00+00:00", "text": "q?", "answered": 0}
    )
    old["refusals"].insert({"day": "2025-01-02", "count": 4})
    old.conn.close()
    monkeypatch.undo()

    db = open_db(path)

    names = [r["name"] for r in db["migrations"].rows]
    assert names == [name for name, _ in MIGRATIONS]
    assert "ptb_user_data" in db.table_names() and "ptb_conversations" in db.table_names()
    assert db["users"].get(5)["name"] == "Tess"
    assert [r["text"] for r in db["questions"].rows] == ["q?"]
    assert db["refusals"].get("2025-01-02")["count"] == 4
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert migrate(db) == []  # nothing left to apply


def test_fresh_database_gets_every_migration(tmp_path) -> None:
    db = open_db(tmp_path / "new.db")
    assert {r["name"] for r in db["migrations"].rows} == {name for name, _ in MIGRATIONS}


def test_a_migration_failing_halfway_leaves_the_database_as_it_was(tmp_path, monkeypatch) -> None:
    path = tmp_path / "bot.db"
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS[:1])
    open_db(path).conn.close()

    def half_done(db: sqlite_utils.Database) -> None:
        db.execute("create table half_done (id integer primary key)")
        db.table("users").insert({"user_id": 9, "name": "Ned", "enrolled_at": "2025-01-01T00:00:00+00:00"})
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(storage, "MIGRATIONS", [*MIGRATIONS[:1], ("0002_half_done", half_done)])
    with pytest.raises(StorageError, match="disk I/O error"):
        open_db(path)

    seen = sqlite_utils.Database(sqlite3.connect(path))
    assert "half_done" not in seen.table_names()
    assert seen.execute("select count(*) from users").fetchone()[0] == 0
    assert [r["name"] for r in seen["migrations"].rows] == ["0001_core"]
    seen.conn.close()
    monkeypatch.undo()

    db = open_db(path)  # the next start applies everything
    assert [r["name"] for r in db["migrations"].rows] == [name for name, _ in MIGRATIONS]


def test_an_older_release_refuses_a_database_a_newer_one_upgraded(tmp_path, monkeypatch) -> None:
    """Going back a release means restoring the backup from before the upgrade, not running old
    code over tables it does not know."""
    path = tmp_path / "bot.db"
    open_db(path).conn.close()  # this release's database
    monkeypatch.setattr(storage, "MIGRATIONS", MIGRATIONS[:-1])  # the release before it
    with pytest.raises(
        StorageError, match=rf"upgraded by a newer StaffGuide \(migration {MIGRATIONS[-1][0]}\)"
    ):
        open_db(path)
    with pytest.raises(StorageError, match="upgraded by a newer StaffGuide"):
        storage.open_db_readonly(path)
