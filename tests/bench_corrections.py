"""Do corrections generalise? Teach the search with paraphrases, score the original questions.

A correction stores a question as an example for a passage. It is only worth
having if it helps the next, differently worded question about the same
thing. So, per question set:

1. split the in-policy questions into halves A (even positions) and B (odd);
2. score hit@1 / hit@3 on both halves with no examples;
3. teach the engine with tests/data/paraphrases.jsonl: two paraphrases of
   each half-A question, written independently in staff phone style, each
   attached to the passage holding its evidence phrase (as /review would);
4. score again. The ORIGINAL half-A questions were never taught, so a gain
   there is generalisation; half B is the control (it should not drop), and
   the out-of-policy questions must still be declined.

Run from the repository root: .venv/bin/python tests/bench_corrections.py
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import BUNDLED_POLICIES  # noqa: E402
from embeddings import examples  # noqa: E402
from embeddings.evaluate import Labelled, Score, evaluate, is_hit, read_questions  # noqa: E402
from embeddings.index import open_index  # noqa: E402
from embeddings.search import SearchEngine  # noqa: E402
from knowledge.glossary import Glossary  # noqa: E402

SETS = {
    "dev": ROOT.parent / "shared" / "eval" / "dev-questions.jsonl",
    "staff": ROOT / "tests" / "data" / "staff-questions.jsonl",
}
PARAPHRASES = ROOT / "tests" / "data" / "paraphrases.jsonl"


@dataclass
class Paraphrase:
    set: str
    original: str
    text: str
    evidence: str


def halves(items: list[Labelled]) -> tuple[list[Labelled], list[Labelled]]:
    """In-policy questions at even positions (A) and odd positions (B): fixed, no seed to argue over."""
    inside = [i for i in items if i.in_policy]
    return inside[0::2], inside[1::2]


def read_paraphrases(path: Path) -> list[Paraphrase]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Paraphrase(r["set"], r["original"], r["paraphrase"], r["evidence"]) for r in rows]


def passage_for(engine: SearchEngine, evidence: str) -> str | None:
    """The id of the passage that holds the evidence phrase (what a reviewer would tap)."""
    return next((p.id for p in engine.index.passages if is_hit(p.text, [evidence])), None)


def teach(engine: SearchEngine, db: sqlite_utils.Database, paraphrases: list[Paraphrase]) -> tuple[int, int]:
    """Store the paraphrases as examples (as /review does) and use them; returns (taught, unresolved)."""
    resolved = [(p, passage_for(engine, p.evidence)) for p in paraphrases]
    found = [(p, pid) for p, pid in resolved if pid is not None]
    for p, pid in resolved:
        if pid is None:
            print(f"  ! no passage holds the evidence {p.evidence!r} (paraphrase {p.text!r})")
    vectors = engine.embed_queries([p.text for p, _ in found])
    for (p, pid), vector in zip(found, vectors, strict=True):
        examples.add_example(db, pid, p.text, vector)
    engine.set_examples(examples.attacher(db))
    return len(found), len(resolved) - len(found)


def score(engine: SearchEngine, groups: dict[str, list[Labelled]]) -> dict[str, Score]:
    return {key: evaluate(engine, items) for key, items in groups.items() if items}


def bench(name: str, path: Path, engine: SearchEngine, paraphrases: list[Paraphrase]) -> dict[str, dict]:
    items = read_questions(path)
    half_a, half_b = halves(items)
    groups = {"A": half_a, "B": half_b, "out": [i for i in items if not i.in_policy]}
    originals = {i.question for i in half_a}
    mine = [p for p in paraphrases if p.set == name]
    strays = [p.original for p in mine if p.original not in originals]
    if strays:
        raise SystemExit(f"{name}: paraphrases of questions outside half A: {strays[:3]}")
    copies = [p.text for p in mine if " ".join(p.text.lower().split()) in {q.lower() for q in originals}]
    if copies:
        raise SystemExit(f"{name}: a paraphrase repeats its original word for word: {copies[:3]}")
    untaught = originals - {p.original for p in mine}

    engine.set_examples(None)
    results = {"before": score(engine, groups)}
    db = sqlite_utils.Database(memory=True)
    examples.create_table(db)
    taught, unresolved = teach(engine, db, mine)
    results["after"] = score(engine, groups)

    print(f"\n== {name}: {path}")
    print(
        f"   half A: {len(half_a)} questions, taught with {taught} paraphrases ({unresolved} unresolved, "
        f"{len(untaught)} questions without any); half B: {len(half_b)}; out of policy: {len(groups['out'])}"
    )
    print(f"   {'':24}{'before':>14}{'after':>14}")

    def row(label: str, key: str, value) -> None:
        cells = [value(results[k][key]) if key in results[k] else "-" for k in ("before", "after")]
        print(f"   {label:24}" + "".join(f"{c:>14}" for c in cells))

    def frac(x: int, n: int) -> str:
        return f"{x}/{n} {x / n:.2f}" if n else "-"

    row("hit@1 half A (taught)", "A", lambda s: frac(s.hit1, s.n_in))
    row("hit@1 half B (control)", "B", lambda s: frac(s.hit1, s.n_in))
    row("hit@3 half A", "A", lambda s: frac(s.hit3, s.n_in))
    row("hit@3 half B", "B", lambda s: frac(s.hit3, s.n_in))
    row("answered half A", "A", lambda s: frac(s.answered, s.n_in))
    row("answered half B", "B", lambda s: frac(s.answered, s.n_in))
    row("declined out of policy", "out", lambda s: frac(s.declined, s.n_out))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, default=ROOT / ".staffguide" / "index")
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    args = parser.parse_args(argv)
    opened = open_index(BUNDLED_POLICIES, args.index_dir, progress=False, notify=lambda _m: None)
    engine = SearchEngine(opened.index, glossary=Glossary.for_policies(BUNDLED_POLICIES))
    paraphrases = read_paraphrases(PARAPHRASES)
    for name in args.sets:
        bench(name, SETS[name], engine, paraphrases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
