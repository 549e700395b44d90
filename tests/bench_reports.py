"""Bench: many members of staff report at once while Telegram fails; nothing may be lost or doubled.

    python tests/bench_reports.py [--reporters 30] [--failures 10]

Not a pytest module (no test_ prefix). Each reporter files `/report TEXT`; the emulator answers
the first `--failures` sendMessage calls with 502. Prints time from /report to the Head
Teacher's escalation (percentiles) and exits 1 unless the Head Teacher got exactly one
escalation per report. The real Application and SQLite database are used; no search engine
(reports do not need one).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from e2e_harness import TelegramUser, run_application, start_emulator  # noqa: E402

from bot import outbox  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.context import Services  # noqa: E402
from bot.storage import open_db  # noqa: E402

TOKEN = "700001:REPORTS-BENCH"
HEAD = 9001


async def run(reporters: int, failures: int) -> int:
    with tempfile.TemporaryDirectory() as tmp, start_emulator() as emu:
        config = Config()
        config.telegram.token = TOKEN
        config.people.head_teacher = [HEAD]
        config.people.staff = list(range(10_000, 10_000 + reporters))
        services = Services(config=config, engine=None, db=open_db(Path(tmp) / "bench.db"))  # type: ignore[arg-type]
        services.tick_seconds = 0.1
        services.backoff = outbox.Backoff(base=0.1, cap=1)
        async with run_application(build_application(services, base_url=emu.base_url)):
            head = TelegramUser(emu, TOKEN, user_id=HEAD, first_name="Head")
            users = [
                TelegramUser(emu, TOKEN, user_id=uid, first_name=f"Staff {uid}")
                for uid in config.people.staff
            ]
            emu.fail_send_message(failures)
            started: dict[str, float] = {}
            for user in users:
                started[f"bench report from {user.user_id}"] = time.perf_counter()
            await asyncio.gather(*(u.send(f"/report bench report from {u.user_id}") for u in users))
            seen: Counter[str] = Counter()
            latency: list[float] = []
            deadline = time.perf_counter() + 60
            while len(seen) < reporters and time.perf_counter() < deadline:
                try:
                    [reply] = await head.replies(timeout=1)
                except AssertionError:
                    continue
                match = re.search(r"bench report from \d+", reply["text"] or "")
                if match:
                    seen[match.group(0)] += 1
                    latency.append(time.perf_counter() - started[match.group(0)])
            await asyncio.sleep(1.0)  # anything sent twice would arrive now
            while True:
                try:
                    [reply] = await head.replies(timeout=0.2)
                except AssertionError:
                    break
                match = re.search(r"bench report from \d+", reply["text"] or "")
                if match:
                    seen[match.group(0)] += 1
            for user in [head, *users]:
                await user.aclose()
        counts = outbox.counts(services.db)
    doubled = [k for k, n in seen.items() if n > 1]
    lost = reporters - len(seen)
    if latency:
        q = statistics.quantiles(latency, n=20) if len(latency) > 1 else [latency[0]] * 19
        print(
            f"{reporters} reports, {failures} injected failures: escalation p50 {q[9]:.2f} s, "
            f"p95 {q[18]:.2f} s, max {max(latency):.2f} s"
        )
    print(f"lost {lost}, sent twice {len(doubled)}, outbox {counts}")
    return 0 if lost == 0 and not doubled else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reporters", type=int, default=30)
    parser.add_argument("--failures", type=int, default=10)
    args = parser.parse_args()
    return asyncio.run(run(args.reporters, args.failures))


if __name__ == "__main__":
    sys.exit(main())
