"""SqlitePersistence: user_data and conversation states survive a killed process."""

from __future__ import annotations

import json

from helpers import plain
from telegram.ext import AIORateLimiter

from bot.app import build_application, file_url_for
from bot.config import Config
from bot.context import Services
from bot.persistence import CONVERSATIONS, USER_DATA, SqlitePersistence
from bot.storage import open_db


async def test_user_data_is_written_through(tmp_path) -> None:
    path = tmp_path / "p.db"
    persistence = SqlitePersistence(open_db(path))
    await persistence.update_user_data(5, {"draft": "a report", "step": 2})
    await persistence.update_user_data(6, {"x": [1, 2]})
    # no flush(): a second connection, as after a crash, sees the rows
    reopened = SqlitePersistence(open_db(path))
    assert await reopened.get_user_data() == {5: {"draft": "a report", "step": 2}, 6: {"x": [1, 2]}}

    await persistence.update_user_data(5, {})  # empty data leaves no row
    await persistence.drop_user_data(6)
    assert await reopened.get_user_data() == {}
    assert reopened.db[USER_DATA].count == 0


async def test_conversations_round_trip(tmp_path) -> None:
    path = tmp_path / "p.db"
    persistence = SqlitePersistence(open_db(path))
    await persistence.update_conversation("report", (11, 11), 2)
    await persistence.update_conversation("report", (12, 12), "WRITING")
    await persistence.update_conversation("other", (11, 11), 1)
    await persistence.update_conversation("report", (11, 11), 3)

    reopened = SqlitePersistence(open_db(path))
    assert await reopened.get_conversations("report") == {(11, 11): 3, (12, 12): "WRITING"}
    await persistence.update_conversation("report", (11, 11), None)  # the conversation ended
    assert await reopened.get_conversations("report") == {(12, 12): "WRITING"}
    assert await reopened.get_conversations("nothing") == {}
    assert reopened.db[CONVERSATIONS].count == 2


async def test_only_user_data_and_conversations_are_stored(tmp_path) -> None:
    persistence = SqlitePersistence(open_db(tmp_path / "p.db"))
    assert persistence.store_data.user_data
    assert not (persistence.store_data.bot_data or persistence.store_data.chat_data)
    assert not persistence.store_data.callback_data
    assert await persistence.get_bot_data() == {} and await persistence.get_chat_data() == {}


def test_application_wiring(tmp_path) -> None:
    config = Config()
    config.telegram.token = "1:TEST"
    config.telegram.base_url = "http://127.0.0.1:8081/bot"
    services = Services(config=config, engine=None, db=open_db(tmp_path / "a.db"))
    app = build_application(services)
    assert isinstance(app.persistence, SqlitePersistence)
    assert app.bot_data["services"] is services
    assert app.bot.base_url == "http://127.0.0.1:8081/bot1:TEST"
    assert app.bot.base_file_url == "http://127.0.0.1:8081/file/bot1:TEST"
    assert isinstance(app.bot.rate_limiter, AIORateLimiter), "Telegram's flood limits on sends"
    # the plain-text question handler is the last handler of its group
    assert app.handlers[0][-1].callback.__name__ == "on_question"
    assert file_url_for("https://api.example/bot") == "https://api.example/file/bot"


async def test_a_conversation_older_than_the_timeout_is_put_aside_at_start(tmp_path) -> None:
    """Seen before: the Head at "Why?" when the bot restarted; hours later the Head's next ordinary
    question became the reasoning that resolved a report. A stale step must not come back."""
    db = open_db(tmp_path / "bot.db")
    writer = SqlitePersistence(db)
    await writer.update_conversation("resolve", (42, 42), 3)
    await writer.update_conversation("report", (7, 7), 1)
    db.execute(f"update {CONVERSATIONS} set updated_at = '2026-01-05T09:00:00+00:00' where name = 'resolve'")

    restarted = SqlitePersistence(db, max_age_minutes=30)
    assert await restarted.get_conversations("resolve") == {}
    assert await restarted.get_conversations("report") == {(7, 7): 1}
    assert restarted.put_aside == [("resolve", (42, 42))]
    assert db.execute(f"select count(*) from {CONVERSATIONS} where name = 'resolve'").fetchone()[0] == 0


async def test_without_a_timeout_every_conversation_is_restored(tmp_path) -> None:
    db = open_db(tmp_path / "bot.db")
    await SqlitePersistence(db).update_conversation("resolve", (42, 42), 3)
    db.execute(f"update {CONVERSATIONS} set updated_at = '2026-01-05T09:00:00+00:00'")
    assert await SqlitePersistence(db).get_conversations("resolve") == {(42, 42): 3}


def test_the_bot_puts_aside_conversations_older_than_its_conversation_timeout(tmp_path) -> None:
    config = Config()
    config.telegram.token = "1:TEST"
    config.limits.conversation_minutes = 45
    app = build_application(Services(config=config, engine=None, db=open_db(tmp_path / "bot.db")))
    assert isinstance(app.persistence, SqlitePersistence)
    assert app.persistence.max_age is not None and app.persistence.max_age.total_seconds() == 45 * 60


async def test_after_a_restart_the_head_is_told_and_the_next_question_is_only_a_question(
    make_services, running_bot, make_user, people
) -> None:
    from bot.handlers.review import REASON
    from bot.text import common as common_text

    services = make_services()
    head_id = people.head_teacher
    services.db[CONVERSATIONS].insert(
        {
            "name": "review",
            "key": json.dumps([head_id, head_id]),
            "state": json.dumps(REASON),
            "updated_at": "2026-01-05T09:00:00+00:00",
        }
    )
    await running_bot(services)
    head = make_user(services, head_id, "Hana")

    [told] = await head.replies(timeout=15)
    assert plain(told["text"]) == common_text.PUT_ASIDE

    question = "can i give my personal phone number to a parent"
    await head.send(question)
    await head.replies(timeout=15)
    assert [row["text"] for row in services.db["questions"].rows] == [question], "taken as a question"
