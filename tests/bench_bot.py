"""Bench: 50 members of staff ask at once through the Bot API emulator; all must be answered.

    python tests/bench_bot.py [--users 50] [--poll 0.05]

Not a pytest module (no test_ prefix). Prints time-to-reply percentiles; exits 1 if any
question was dropped or answered twice. The real Application, SearchEngine and SQLite
database are used; searches run in threads (asyncio.to_thread), so one slow question must
not hold up the others.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from e2e_harness import TelegramUser, run_application, start_emulator  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.config import BUNDLED_POLICIES, Config  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.storage import open_db  # noqa: E402

TOKEN = "424242:STAFFGUIDE-BENCH"
FIRST_ID = 100_000


def questions(count: int) -> list[str]:
    lines = (ROOT / "tests" / "data" / "staff-questions.jsonl").read_text(encoding="utf-8").splitlines()
    pool = [json.loads(line)["question"] for line in lines if line.strip()]
    return [pool[i % len(pool)] for i in range(count)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def watch(client: httpx.AsyncClient, chats: set[int], sent: dict[int, float], timeout: float):
    """One poller for everyone (50 pollers would load the emulator and this process, which also
    runs the bot, and so measure themselves): the time each chat's first reply appeared."""
    arrived: dict[int, float] = {}
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        response = await client.post("/getUpdatesHistory", json={"token": TOKEN})
        seen = time.perf_counter()
        for item in response.json()["result"]:
            chat = int((item.get("message") or {}).get("chat_id", 0))
            if chat in chats and chat in sent and chat not in arrived:
                arrived[chat] = seen
        if len(arrived) == len(chats):
            break
        await asyncio.sleep(0.02)
    return arrived


async def replies_per_chat(client: httpx.AsyncClient) -> Counter[int]:
    response = await client.post("/getUpdatesHistory", json={"token": TOKEN})
    return Counter(
        int(item["message"]["chat_id"])
        for item in response.json()["result"]
        if "chat_id" in item.get("message", {})
    )


async def bench(users: int, poll: float, workdir: Path) -> int:
    from embeddings.index import open_index
    from embeddings.search import SearchEngine
    from knowledge.glossary import Glossary

    t0 = time.perf_counter()
    opened = open_index(BUNDLED_POLICIES, workdir / "index", progress=False, notify=lambda _m: None)
    engine = SearchEngine(opened.index, glossary=Glossary.for_policies(BUNDLED_POLICIES))
    engine.search("warm-up question about social media")
    print(f"engine ready in {time.perf_counter() - t0:.1f} s ({len(opened.index.passages)} passages)")

    config = Config()
    config.telegram.token = TOKEN
    config.people.head_teacher = [1]
    config.people.staff = list(range(FIRST_ID, FIRST_ID + users))
    services = Services(config=config, engine=engine, db=open_db(workdir / "bench.db"))

    with start_emulator() as emulator:
        app = build_application(services, base_url=emulator.base_url)
        async with run_application(app, poll_interval=poll):
            people = [TelegramUser(emulator, TOKEN, FIRST_ID + i, f"Staff{i}") for i in range(users)]
            chats = {u.user_id for u in people}
            sent: dict[int, float] = {}

            async def ask(user: TelegramUser, question: str) -> None:
                sent[user.user_id] = time.perf_counter()
                await user.send(question)

            async with httpx.AsyncClient(base_url=emulator.url, timeout=10) as client:
                try:
                    started = time.perf_counter()
                    watcher = asyncio.create_task(watch(client, chats, sent, timeout=60))
                    await asyncio.gather(*(ask(u, q) for u, q in zip(people, questions(users), strict=True)))
                    arrived = await watcher
                    wall = time.perf_counter() - started
                    await asyncio.sleep(0.5)  # anything answered twice shows up by now
                    counts = await replies_per_chat(client)
                finally:
                    await asyncio.gather(*(u.aclose() for u in people))

    times = [arrived[c] - sent[c] for c in arrived]
    dropped = sorted(chats - set(arrived))
    doubled = sorted(c for c in chats if counts[c] > 1)
    stored = services.db["questions"].count
    print(
        f"{users} staff asked at once: {len(arrived)} answered, {len(dropped)} dropped, "
        f"{len(doubled)} answered twice, {stored} questions stored, wall {wall:.2f} s"
    )
    if times:
        print(
            f"time to reply: p50 {statistics.median(times) * 1000:.0f} ms, "
            f"p95 {percentile(times, 0.95) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
        )
    return 0 if not dropped and not doubled and stored == users else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--poll", type=float, default=0.05, help="the bot's poll interval, seconds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="staffguide-bench-") as tmp:
        return asyncio.run(bench(args.users, args.poll, Path(tmp)))


if __name__ == "__main__":
    sys.exit(main())
