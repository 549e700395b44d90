"""Typing-slip benchmark: what mending slips (embeddings.spelling) buys, and what it costs. Not a
pytest test.

    .venv/bin/python tests/bench_spelling.py [--seed 1]

Each policy set's index is built as `staffguide index` builds it (adapted to the policies). Every
labelled question set of that policy is then searched twice over: as written, and with one slip
(two neighbouring letters swapped, one dropped, or one replaced; seeded) in each in-policy
question's longest word; each both without and with mending. Printed per set: hit@1 / hit@3 of
the in-policy questions and the out-of-policy ones declined, and the words mending changed in
the questions as written (each is a false correction).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = ROOT / "tests" / "data"
SETS = {
    ROOT / "knowledge" / "policies": [
        DATA / "bundled-heldout.jsonl",
        DATA / "bundled-tune.jsonl",
        DATA / "staff-questions.jsonl",
        ROOT.parent / "shared" / "eval" / "dev-questions.jsonl",
    ],
    DATA / "corpora" / "dfe-devices-guidance": [
        DATA / "dfe-devices-guidance-heldout.jsonl",
        DATA / "dfe-devices-guidance-tune.jsonl",
    ],
}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def holds(text: str, evidence: list[str]) -> bool:
    """score.py's rule: an evidence phrase in a passage short enough to read on a phone."""
    return len(text.split()) <= 150 and any(_norm(e) in _norm(text) for e in evidence)


def slipped(question: str, rng: random.Random) -> str:
    """One slip in the longest word of five letters or more (the first letter is kept)."""
    words = question.split()
    spots = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not spots:
        return question
    i = max(spots, key=lambda n: len(words[n]))
    word, at, kind = words[i], rng.randrange(1, len(words[i]) - 2), rng.random()
    if kind < 1 / 3:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    elif kind < 2 / 3:
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + rng.choice("aeiourstn") + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def score(engine, items: list[dict], questions: list[str]) -> str:
    answers = engine.search_many(questions, 3)
    inside = [(a, i) for a, i in zip(answers, items, strict=True) if i["in_policy"]]
    hit1 = sum(bool(a.hits) and holds(a.hits[0].passage.text, i["evidence"]) for a, i in inside)
    hit3 = sum(any(holds(h.passage.text, i["evidence"]) for h in a.hits[:3]) for a, i in inside)
    declined = [not a.answered for a, i in zip(answers, items, strict=True) if not i["in_policy"]]
    return f"{hit1:>3} / {hit3:>3} of {len(inside):>3}, declined {sum(declined)}/{len(declined)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from embeddings.index import load_index
    from embeddings.search import SearchEngine

    with tempfile.TemporaryDirectory() as tmp:
        for policies, sets in SETS.items():
            index_dir = Path(tmp) / policies.name
            staffguide = [sys.executable, "-m", "bot.cli", "index", "-q"]
            run = [*staffguide, "--policies", str(policies), "--index-dir", str(index_dir)]
            subprocess.run(run, check=True, cwd=ROOT)
            engine = SearchEngine(load_index(index_dir))
            print(f"\n{policies.name} (hit@1 / hit@3 of in-policy questions, out-of-policy declined)")
            print(f"{'set':32} {'as written':>28} {'with slips, not mended':>30} {'with slips, mended':>28}")
            for path in sets:
                if not path.exists():
                    print(f"{path.name}: not found, skipped")
                    continue
                items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
                rng = random.Random(args.seed)
                written = [i["question"] for i in items]
                slips = [
                    slipped(q, rng) if i["in_policy"] else q for q, i in zip(written, items, strict=True)
                ]
                engine.spelling = True
                clean = score(engine, items, written)
                speller = engine.speller(engine.index)
                changed = [
                    (a, b)
                    for q in written
                    for a, b in zip(q.split(), speller.correct(q).split(), strict=False)
                    if a != b
                ]
                mended = score(engine, items, slips)
                engine.spelling = False
                plain = score(engine, items, slips)
                unmended = score(engine, items, written)
                print(f"{path.stem:32} {clean:>28} {plain:>30} {mended:>28}")
                if unmended != clean:
                    print(f"{'':32} as written, not mended: {unmended}")
                if changed:
                    print(f"{'':32} words changed as written: {changed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
