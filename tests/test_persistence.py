"""SqlitePersistence: user_data and conversation states survive a killed process."""

from __future__ import annotations

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
    # the plain-text question handler is the last handler of its group
    assert app.handlers[0][-1].callback.__name__ == "on_question"
    assert file_url_for("https://api.example/bot") == "https://api.example/file/bot"
