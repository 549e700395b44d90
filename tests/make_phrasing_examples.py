#!/usr/bin/env python3
"""Make embeddings/staff-phrasing.jsonl: labelled staff questions about three policy sets.

Each in-policy question of a set's labelled questions is written once for
every passage that answers it (its evidence phrase is in the passage), with
that passage's section and words as the index reads them today. Only
questions a set may be tuned on go in: the bundled policy's questions file
and the tuning halves of the two public corpora. The held-out halves
(`tests/data/*-heldout.jsonl`) never do, so figures measured on them stay
held-out. Run from the repository root after the reading or the question
sets change, and commit what it writes:

    .venv/bin/python tests/make_phrasing_examples.py

`tests/test_phrasing.py` checks the file is what this script makes now.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embeddings.phrasing import PHRASING_FILE, PhrasingExample  # noqa: E402
from embeddings.training import answering_passages, read_questions_file  # noqa: E402
from knowledge.chunking import chunk_documents  # noqa: E402
from knowledge.documents import load_folder  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = {  # set name: (policy folder, labelled questions it may be tuned on)
    "st-crispins-social-media": (
        ROOT / "knowledge" / "policies",
        ROOT / "knowledge" / "policies" / "social-media-policy.questions.jsonl",
    ),
    "dfe-devices-guidance": (
        DATA / "corpora" / "dfe-devices-guidance",
        DATA / "dfe-devices-guidance-tune.jsonl",
    ),
    "dfe-workload-wellbeing": (
        DATA / "corpora" / "dfe-workload-wellbeing",
        DATA / "dfe-workload-wellbeing-tune.jsonl",
    ),
}


def examples() -> list[PhrasingExample]:
    out: list[PhrasingExample] = []
    for name, (folder, questions) in SETS.items():
        passages = chunk_documents(load_folder(folder).documents)
        for item in read_questions_file(questions):
            if not item.in_policy:
                continue
            for number in answering_passages(item.evidence, passages):
                p = passages[number]
                out.append(PhrasingExample(item.question, name, p.section, p.text, p.context, p.parts))
    return out


def render(rows: list[PhrasingExample]) -> str:
    return "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in rows)


if __name__ == "__main__":
    made = examples()
    PHRASING_FILE.write_text(render(made), encoding="utf-8")
    print(f"{len(made)} examples from {len({e.question for e in made})} questions → {PHRASING_FILE}")
