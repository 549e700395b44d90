"""The first weeks at a new school: how the answers change as staff pick from choices.

For each policy set, starting as a school does on day one (no labelled
questions, the base model):

1. staff ask the questions of the set's tuning half, in order, twice over,
   each ask by a different person (a stand-in for colleagues asking the same
   thing in their own time);
2. each question gets the bot's outcome; where it is a choice holding the
   right passage among its three or, after "Show three more", the next three
   found, or "not covered" with it among the first three found ("Show the
   closest passages"), the person picks it, and the pick is stored as the product
   stores it (`embeddings.examples`, source "pick": it counts once a
   colleague agrees);
3. after 0, 10, 25, 50 and 100 picks, the held-out half is scored: hit@1,
   reach (the right passage on screen within one tap), wrong (confident and
   wrong) and in-policy questions declined.

The held-out questions are never asked in the stream, so a gain there is
learning that carries to other wording. Two lines per checkpoint: the taught
examples alone ("taught"), and after the model is adapted again with the
agreed picks as labelled questions, as the bot does in the background
("adapted"; each adaptation takes minutes, so --no-adapt skips it).

Run from the repository root: .venv/bin/python tests/bench_first_weeks.py [--no-adapt] [--corpus NAME]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings import examples  # noqa: E402
from embeddings.adaptation import Correction  # noqa: E402
from embeddings.engine import adapt_engine  # noqa: E402
from embeddings.evaluate import Labelled, evaluate, is_right, read_questions  # noqa: E402
from embeddings.index import open_index  # noqa: E402
from embeddings.search import Answer, Hit, SearchEngine  # noqa: E402
from knowledge.glossary import Glossary  # noqa: E402

DATA = ROOT / "tests" / "data"
CORPORA = {
    "bundled": (ROOT / "knowledge" / "policies" / "social-media-policy.txt", "bundled"),
    "dfe": (DATA / "corpora" / "dfe-devices-guidance", "dfe-devices-guidance"),
    "workload": (DATA / "corpora" / "dfe-workload-wellbeing", "dfe-workload-wellbeing"),
}
CHECKPOINTS = (0, 10, 25, 50, 100)
OFFERED = 6  # a choice's three and "Show three more" (bot.handlers.questions.TOP_K)


def score(engine: SearchEngine, items: list[Labelled]) -> str:
    s = evaluate(engine, items)
    n = s.n_in
    figures = f"hit@1 {s.hit1 / n:.2f}  reach {s.reach / n:.2f}  wrong {s.wrong}/{n}"
    return f"{figures}  declined {n - s.answered}/{n}"


def offered(answer: Answer) -> list[Hit]:
    """The passages a person can pick from: a choice's three and "Show three more"; under "not
    covered", the first three found ("Show the closest passages"); none under a confident answer."""
    if answer.ambiguous:
        return answer.hits
    if not answer.answered:
        return answer.choices
    return []


def policy_folder(source: Path, into: Path) -> Path:
    """The policies alone, as a new school has them: no labelled questions, no glossary of its own."""
    into.mkdir()
    files = [source] if source.is_file() else sorted(p for p in source.iterdir() if p.is_file())
    for path in files:
        if not path.name.endswith((".questions.jsonl", "glossary.toml")):
            shutil.copy(path, into / path.name)
    return into


def checkpoint(picks: int, engine: SearchEngine, held: list[Labelled], adapt: Adapt | None) -> None:
    print(f"  after {picks:>3} picks, taught:  {score(engine, held)}")
    if adapt is not None:
        adapt(engine)
        print(f"  after {picks:>3} picks, adapted: {score(engine, held)}")


class Adapt:
    """Adapt the engine's model to the policies plus the agreed picks, as the bot's background job does."""

    def __init__(self, folder: Path, index_dir: Path, db: sqlite_utils.Database) -> None:
        self.folder, self.index_dir, self.db = folder, index_dir, db

    def __call__(self, engine: SearchEngine) -> None:
        agreed = [Correction(e.question, e.passage_id) for e in examples.load_examples(self.db)]
        adapt_engine(engine, self.folder, self.index_dir, agreed, progress=False, notify=lambda _m: None)
        engine.set_examples(examples.attacher(self.db))


def run(name: str, source: Path, prefix: str, work: Path, adapt: bool) -> None:
    folder = policy_folder(source, work / name)
    index_dir = work / f"{name}-index"
    opened = open_index(folder, index_dir, progress=False, notify=lambda _m: None)
    engine = SearchEngine(opened.index, glossary=Glossary.for_policies(folder))
    db = sqlite_utils.Database(memory=True)
    examples.create_table(db)
    engine.set_examples(examples.attacher(db))
    adapter = Adapt(folder, index_dir, db) if adapt else None
    stream = [i for i in read_questions(DATA / f"{prefix}-tune.jsonl") if i.in_policy] * 2
    held = read_questions(DATA / f"{prefix}-heldout.jsonl")
    picks, person, scored = 0, 1000, 0  # scored: the picks at the last checkpoint
    print(f"{name}: {len(stream)} asks from the tuning half; held-out half {len(held)} questions")
    checkpoint(picks, engine, held, adapter)
    marks = [c for c in CHECKPOINTS if c > 0]
    for item in stream:
        person += 1
        answer = engine.search(item.question, top_k=OFFERED)
        chosen = next((h for h in offered(answer) if is_right(h.passage.text, item.evidence)), None)
        if chosen is None:
            continue
        vector = engine.embed_queries([item.question])[0]
        examples.add_example(
            db, chosen.passage.id, item.question, vector, added_by=person, source=examples.PICK
        )
        engine.set_examples(examples.attacher(db))
        picks += 1
        if marks and picks == marks[0]:
            marks.pop(0)
            checkpoint(picks, engine, held, adapter)
            scored = picks
    if marks and picks != scored:  # not again when the stream ends on a checkpoint (an adaptation)
        print(f"  the stream ran out at {picks} picks:")
        checkpoint(picks, engine, held, adapter)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-adapt", action="store_true", help="taught examples only (fast)")
    parser.add_argument("--corpus", choices=sorted(CORPORA), action="append", help="only these (repeatable)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="staffguide-first-weeks-"))
    try:
        for name, (source, prefix) in CORPORA.items():
            if args.corpus and name not in args.corpus:
                continue
            run(name, source, prefix, work, adapt=not args.no_adapt)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
