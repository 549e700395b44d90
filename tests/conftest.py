"""Shared fixtures: the real search engine (built once), the Bot API emulator, bots and users.

Why these shapes: loading the model costs seconds, so `engine` is built once
per session from the bundled policy into a temporary folder; the emulator is
a subprocess, so it is session-scoped too. Everything with an event loop (the
Application, the users' HTTP clients) lives per test, on the test's loop.
Each bot gets its own token, so tests sharing the emulator never see each
other's messages even when they reuse user ids.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e_harness import Emulator, TelegramUser, run_application, start_emulator
from search_fixtures import copy_index
from telegram.ext import ExtBot

from bot.config import BUNDLED_POLICIES, Config
from bot.context import Services
from bot.storage import open_db


@dataclass(frozen=True)
class People:
    """Default [people] of a test school (Telegram user ids)."""

    head_teacher: int = 7001
    deputy: int = 7002
    dsl: int = 7003
    chair_of_governors: int = 7004
    teacher: int = 7101  # on the staff allow-list
    teacher2: int = 7102  # on the staff allow-list
    stranger: int = 7901  # enrolled nowhere

    def config(self) -> dict[str, list[int]]:
        return {
            "head_teacher": [self.head_teacher],
            "deputy": [self.deputy],
            "dsl": [self.dsl],
            "chair_of_governors": [self.chair_of_governors],
            "staff": [self.teacher, self.teacher2],
        }


PEOPLE = People()
_tokens = itertools.count(1)


def new_token() -> str:
    """A fresh bot token (the numeric prefix is the bot's id, as on Telegram)."""
    return f"{600000 + next(_tokens)}:STAFFGUIDE-TEST"


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real SearchEngine over the bundled policy and its glossary, on its own copy of the index
    the search tests use (built once a session: embedding it again took 6.5 s a test process)."""
    from embeddings.index import open_index
    from embeddings.search import SearchEngine
    from knowledge.glossary import Glossary

    index_dir = copy_index(tmp_path_factory.mktemp("index") / "index")
    opened = open_index(BUNDLED_POLICIES, index_dir, progress=False, notify=lambda _msg: None)
    assert opened.status == "reused", opened.status
    return SearchEngine(opened.index, glossary=Glossary.for_policies(BUNDLED_POLICIES))


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with start_emulator() as emu:
        yield emu


@pytest.fixture
def people() -> People:
    return PEOPLE


@pytest.fixture
def make_services(tmp_path: Path, engine: Any) -> Callable[..., Services]:
    """Services around a fresh database in tmp_path and the session's engine.

    make_services(people={"head_teacher": [1]}, limits={"questions_per_minute": 2}, search_engine=stub)
    — `people` replaces the default [people]; other keyword arguments set keys of that
    config section.
    """
    counter = itertools.count(1)

    def make(
        people: dict[str, list[int]] | None = None, search_engine: Any = None, **sections: dict
    ) -> Services:
        config = Config()
        config.telegram.token = new_token()
        config.telegram.poll_interval = 0.05
        config.knowledge.adapt = False  # no adapting child process unless a test asks for one
        for role, ids in (people if people is not None else PEOPLE.config()).items():
            setattr(config.people, role, list(ids))
        for section, values in sections.items():
            for key, value in values.items():
                setattr(getattr(config, section), key, value)
        db_path = tmp_path / f"staffguide-{next(counter)}.db"
        config.storage.database = db_path
        return Services(
            config=config, engine=search_engine if search_engine is not None else engine, db=open_db(db_path)
        )

    return make


BotStarter = Callable[[Services], Awaitable[Any]]


@pytest.fixture
async def running_bot(emulator: Emulator) -> AsyncIterator[BotStarter]:
    """`app = await running_bot(services)`: the real Application, polling the emulator until the
    test ends."""
    from bot.app import build_application

    async with contextlib.AsyncExitStack() as stack:

        async def start(services: Services) -> Any:
            app = build_application(services, base_url=emulator.base_url)
            return await stack.enter_async_context(run_application(app, poll_interval=0.05))

        yield start


UserMaker = Callable[..., TelegramUser]


@pytest.fixture
async def make_user(emulator: Emulator) -> AsyncIterator[UserMaker]:
    """`alice = make_user(services, user_id, "Alice")`: a user of that bot, closed after the test."""
    users: list[TelegramUser] = []

    def make(services: Services, user_id: int, first_name: str = "Alice") -> TelegramUser:
        user = TelegramUser(emulator, services.config.telegram.token, user_id=user_id, first_name=first_name)
        users.append(user)
        return user

    yield make
    for user in users:
        await user.aclose()


@pytest.fixture
def alerts(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """Texts of every answerCallbackQuery the bot makes (the emulator does not keep them)."""
    seen: list[str | None] = []
    original = ExtBot.answer_callback_query

    async def record(self: ExtBot, callback_query_id: str, text: str | None = None, *args: Any, **kw: Any):
        seen.append(text)
        return await original(self, callback_query_id, text, *args, **kw)

    monkeypatch.setattr(ExtBot, "answer_callback_query", record)
    return seen


@pytest.fixture(autouse=True)
def no_errors(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every end-to-end test fails if a handler raised (the app's error handler logs at ERROR),
    so an error the user only sees as "Something went wrong" cannot pass unnoticed."""
    if request.node.get_closest_marker("e2e") is None:
        yield
        return
    caplog.set_level(logging.WARNING)
    yield
    errors = [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and not _polling_shutdown(r) and not _job_cancelled_at_shutdown(r)
    ]
    assert not errors, [_described(r) for r in errors]


def _described(record: logging.LogRecord) -> str:
    """The message with the end of its traceback, so a failure seen once can be read."""
    if not record.exc_info:
        return record.getMessage()
    return record.getMessage() + " | " + "".join(traceback.format_exception(*record.exc_info))[-1500:]


def _job_cancelled_at_shutdown(record: logging.LogRecord) -> bool:
    """The test's teardown stops the Application while a timed job (the outbox drain, an escalation
    tick) is running; the scheduler cancels it and logs the CancelledError at ERROR. A job that
    failed of itself raises something else and still fails the test."""
    return (
        record.name.startswith("apscheduler")
        and record.exc_info is not None
        and isinstance(record.exc_info[1], asyncio.CancelledError)
    )


def _polling_shutdown(record: logging.LogRecord) -> bool:
    """python-telegram-bot's Updater, stopping, makes one last getUpdates to mark what it fetched;
    on a loaded machine that call can time out waiting for a connection, and the library logs it
    at ERROR while suppressing it ("to ensure graceful shutdown"). It is the test's own teardown
    of polling, not a handler failing, so it does not fail the test."""
    return record.name == "telegram.ext.Updater" and record.getMessage().startswith(
        "Error while calling `get_updates` one more time"
    )
