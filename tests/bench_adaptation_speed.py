"""How long adapting the model takes: a whole policy set, and a few new staff picks. Not a pytest test.

    .venv/bin/python tests/bench_adaptation_speed.py [--words 25000]

A policy set of about `--words` words is made from the bundled policy and
the DfE devices guidance (tests/data/corpora), with further copies of the
guidance under other names when more words are asked for: adapting costs
by the number of passages and training pairs, not by what they say. The
index is built once with the base model, then timed:

1. a full adaptation (`embeddings.adaptation.adapt_index`, default
   settings), as a school's first index build or a policy change does;
2. a continuation after 1 new agreed pick, then after 10 more: only the
   picks and a replay of earlier pairs are trained
   (`embeddings.adaptation.continuation`).

Prints the seconds of each, its ratio to the full run measured in the same
run, and the target (a full adaptation of 25,000 words within 5 minutes on
an unloaded 2-core machine; a pick well under a minute).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BUNDLED = ROOT / "knowledge" / "policies"
DFE = ROOT / "tests" / "data" / "corpora" / "dfe-devices-guidance"
FULL_TARGET_SECONDS = 300.0
PICK_TARGET_SECONDS = 60.0


def make_policy_set(folder: Path, words: int) -> int:
    """Copy policies into `folder` until it holds about `words` words; returns how many it holds."""
    folder.mkdir(parents=True)
    held = 0
    sources = sorted(BUNDLED.glob("*.txt")) + sorted(DFE.glob("*.md"))
    copy = 0
    while held < words:
        for source in sources:
            if held >= words:
                break
            text = source.read_text(encoding="utf-8")
            name = source.name if copy == 0 else f"copy{copy}-{source.name}"
            (folder / name).write_text(text, encoding="utf-8")
            held += len(text.split())
        copy += 1
    return held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=25_000)
    args = parser.parse_args()

    from embeddings.adaptation import Correction, adapt_index, gather
    from embeddings.index import open_index

    work = Path(tempfile.mkdtemp(prefix="staffguide-adapt-speed-"))
    try:
        policies, index_dir = work / "policies", work / "index"
        words = make_policy_set(policies, args.words)
        index = open_index(policies, index_dir, progress=False, notify=lambda _m: None).index
        passages = index.passages
        index.close()
        print(f"policy set: {words:,} words, {len(passages)} passages, {os.cpu_count()} CPUs")

        data = gather(policies)
        started = time.perf_counter()
        full = adapt_index(index_dir, data, progress=False)
        full_seconds = time.perf_counter() - started
        rows = [("full adaptation", full_seconds, full.index.manifest["adaptation"], FULL_TARGET_SECONDS)]

        picks = [Correction(f"staff question about {p.section.lower()}", p.id) for p in passages[::7][:11]]
        for first, last, label in ((0, 1, "1 new pick"), (1, 11, "10 more picks")):
            data = replace(data, corrections=(*data.corrections, *picks[first:last]))
            started = time.perf_counter()
            result = adapt_index(index_dir, data, progress=False)
            seconds = time.perf_counter() - started
            rows.append((label, seconds, result.index.manifest["adaptation"], PICK_TARGET_SECONDS))

        print(f"{'run':<18}{'seconds':>9}{'x full':>8}{'steps':>7}{'target':>9}  continued  result")
        for label, seconds, stored, target in rows:
            verdict = "ok" if seconds <= target else "MISSED"
            print(
                f"{label:<18}{seconds:>9.1f}{seconds / full_seconds:>8.2f}{stored['steps']:>7}"
                f"{target:>8.0f}s  {str(stored.get('continued', False)):<9}  {verdict}: {stored['reason']}"
            )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
