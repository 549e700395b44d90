"""Adaptation benchmark: how answers grow with a school's labelled questions. Not a pytest test.

    .venv/bin/python tests/bench_adaptation.py [--corpus bundled|dfe|all] [--counts 0,10,25,50,all]

For each policy set (the bundled policy and the DfE devices guidance in
tests/data/corpora), the index is built once with the base model; then, for
each count N, a copy of the policy folder gets a questions file holding the
first N in-policy questions of the set's *tuning* half (and a share of its
out-of-policy ones), the index is adapted to it (`embeddings.adaptation`),
and the result is scored on the *held-out* half, which nothing was trained
or calibrated on. N = 0 is synthetic pairs from the text alone.

Prints one table per set: hit@1, hit@3, in-policy answered, out-of-policy
declined, whether the adapted model was kept, and how long adapting took.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = ROOT / "tests" / "data"
CORPORA = {
    "bundled": (
        ROOT / "knowledge" / "policies",
        [
            DATA / "bundled-tune.jsonl",
            DATA / "staff-questions.jsonl",
            ROOT / "embeddings" / "calibration-questions.jsonl",
        ],
        DATA / "bundled-heldout.jsonl",
    ),
    "dfe": (
        DATA / "corpora" / "dfe-devices-guidance",
        [DATA / "dfe-devices-guidance-tune.jsonl"],
        DATA / "dfe-devices-guidance-heldout.jsonl",
    ),
    "workload": (
        DATA / "corpora" / "dfe-workload-wellbeing",
        [DATA / "dfe-workload-wellbeing-tune.jsonl"],
        DATA / "dfe-workload-wellbeing-heldout.jsonl",
    ),
}


def read(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def subset(rows: list[dict], n: int | None) -> list[dict]:
    """The first n in-policy questions and the same share of out-of-policy ones (all when n is None)."""
    inside = [r for r in rows if r["in_policy"]]
    outside = [r for r in rows if not r["in_policy"]]
    if n is None:
        return inside + outside
    share = round(len(outside) * n / max(1, len(inside)))
    return inside[:n] + outside[:share]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="all", choices=["all", *CORPORA])
    parser.add_argument("--counts", default="0,10,25,50,all")
    args = parser.parse_args(argv)

    from embeddings.adaptation import adapt_index, gather
    from embeddings.evaluate import Labelled, evaluate
    from embeddings.index import build_index, load_index
    from embeddings.search import SearchEngine

    counts = [None if c == "all" else int(c) for c in args.counts.split(",")]
    names = list(CORPORA) if args.corpus == "all" else [args.corpus]
    for name in names:
        policies, tune_files, heldout_file = CORPORA[name]
        tune = read(tune_files)
        heldout = [
            Labelled(r["question"], r["in_policy"], r.get("evidence", [])) for r in read([heldout_file])
        ]
        with tempfile.TemporaryDirectory() as tmp:
            base_dir = Path(tmp) / "base-index"
            started = time.perf_counter()
            build_index(policies, base_dir, progress=False)
            built = time.perf_counter() - started
            base = load_index(base_dir)
            print(
                f"\n{name}: {len(base.passages)} passages (built in {built:.0f} s); "
                f"tuning questions {sum(r['in_policy'] for r in tune)} in / "
                f"{sum(not r['in_policy'] for r in tune)} out; held-out {heldout_file.name}"
            )
            head = f"{'labelled':>9}  {'hit@1':>6} {'hit@3':>6} {'answered':>9} {'declined':>9}"
            print(head + "  kept  seconds  note")
            line = evaluate(SearchEngine(base), heldout)
            print(_row("base", line, "-", 0.0, "base model, default threshold"))
            for n in counts:
                folder = Path(tmp) / f"school-{n}"
                shutil.copytree(policies, folder, ignore=shutil.ignore_patterns("*.questions.jsonl"))
                rows = subset(tune, n)
                if rows:
                    (folder / "school.questions.jsonl").write_text(
                        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
                    )
                index_dir = Path(tmp) / f"index-{n}"
                shutil.copytree(base_dir, index_dir)
                started = time.perf_counter()
                result = adapt_index(index_dir, gather(folder), progress=False)
                seconds = time.perf_counter() - started
                score = evaluate(SearchEngine(result.index), heldout)
                label = "all" if n is None else str(n)
                print(
                    _row(label, score, "yes" if result.adapted else "no", seconds, result.reason), flush=True
                )
                result.index.close()
            base.close()
    return 0


def _row(label: str, score, kept: str, seconds: float, note: str) -> str:  # type: ignore[no-untyped-def]
    f = lambda x, n: x / n if n else 1.0  # noqa: E731
    return (
        f"{label:>9}  {f(score.hit1, score.n_in):6.2f} {f(score.hit3, score.n_in):6.2f} "
        f"{score.answered:>4}/{score.n_in:<4} {score.declined:>4}/{score.n_out:<4}  "
        f"{kept:>4}  {seconds:7.0f}  {note}"
    )


if __name__ == "__main__":
    sys.exit(main())
