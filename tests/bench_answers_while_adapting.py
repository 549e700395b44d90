"""Answers while the model adapts: how long a question takes beside the training child. Not a pytest test.

    .venv/bin/python tests/bench_answers_while_adapting.py [--seconds 40]

The bot adapts its model in a child process (`embeddings.adapter`) and keeps
answering meanwhile; training takes both cores for minutes. This measures, in
one run, how long `SearchEngine.search` takes on the staff questions:

1. with nothing else running;
2. while a child adapts at the bot's own CPU priority (`--niceness 0`);
3. while a child adapts below it, as the bot starts it (`NICENESS`).

Each child adapts its own copy of a base-model index of the DfE devices
guidance (16,000 words; a whole adaptation takes minutes, so the child is
stopped after `--seconds` of answering, which begin once it trains). Prints
the median and 95th percentile of each and their ratio to the idle figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from embeddings.adapter import NICENESS  # noqa: E402
from embeddings.index import load_index, open_index  # noqa: E402
from embeddings.search import SearchEngine  # noqa: E402

DFE = ROOT / "tests" / "data" / "corpora" / "dfe-devices-guidance"
QUESTIONS = ROOT / "tests" / "data" / "staff-questions.jsonl"


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (Linux /proc), 0.0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_training(child: subprocess.Popen[bytes], limit: float = 120.0) -> bool:
    """Wait until the child uses more than one core (its training threads), or it ends."""
    started = time.monotonic()
    before = cpu_seconds(child.pid)
    while time.monotonic() - started < limit and child.poll() is None:
        time.sleep(2.0)
        now = cpu_seconds(child.pid)
        if now - before > 2.0 * 1.5:  # more than 1.5 cores over the last two seconds
            return True
        before = now
    return False


def timed(engine: SearchEngine, questions: list[str], seconds: float) -> list[float]:
    """Seconds per question, asking the questions in turn for about `seconds`."""
    times: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for question in questions:
            start = time.perf_counter()
            engine.search(question)
            times.append(time.perf_counter() - start)
            if time.monotonic() >= end:
                break
    return times


def beside_child(
    engine: SearchEngine, questions: list[str], policies: Path, index: Path, niceness: int, seconds: float
) -> list[float]:
    command = [
        sys.executable,
        "-m",
        "embeddings.adapter",
        str(policies),
        str(index),
        f"--niceness={niceness}",
    ]
    log = index.with_suffix(".stderr")  # a file, not a pipe: an undrained pipe could stall the child
    with log.open("wb") as stderr:
        child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        if not wait_until_training(child):
            err = log.read_text(errors="replace").strip()[-300:]
            raise SystemExit(f"the adapting child never started training: {err}")
        return timed(engine, questions, seconds)
    finally:
        child.terminate()
        child.wait()


def p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=40.0, help="answering time beside each child")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    work = Path(tempfile.mkdtemp(prefix="staffguide-answers-adapting-"))
    try:
        policies = work / "policies"
        shutil.copytree(DFE, policies)
        open_index(policies, work / "index", progress=False, notify=lambda _m: None)
        engine = SearchEngine(load_index(work / "index"))
        for question in questions[:5]:
            engine.search(question)  # the model loaded and warm
        rows = [("idle", timed(engine, questions, args.seconds))]
        for niceness in (0, NICENESS):
            copy = work / f"index-{niceness}"
            shutil.copytree(work / "index", copy)
            label = f"beside adapting, niceness {niceness}" + (" (the bot's)" if niceness == NICENESS else "")
            rows.append((label, beside_child(engine, questions, policies, copy, niceness, args.seconds)))
        idle50, idle95 = statistics.median(rows[0][1]), p95(rows[0][1])
        print(f"{'':40} {'questions':>9} {'p50 ms':>8} {'p95 ms':>8} {'x idle p50':>10} {'x idle p95':>10}")
        for label, times in rows:
            t50, t95 = statistics.median(times), p95(times)
            print(
                f"{label:40} {len(times):>9} {t50 * 1000:>8.1f} {t95 * 1000:>8.1f} "
                f"{t50 / idle50:>10.2f} {t95 / idle95:>10.2f}"
            )
        print(f"load average now: {os.getloadavg()[0]:.2f} (other work on the machine shows up as noise)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
