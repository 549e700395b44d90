#!/usr/bin/env python3
"""Split a labelled question set into a tuning half and a held-out half.

Usage: split_question_set.py FULL.jsonl TUNE.jsonl HELDOUT.jsonl [--seed N]

In-policy and out-of-policy questions are shuffled separately with a fixed
seed, then dealt alternately (tune, held-out, tune, ...), so both halves keep
the same balance and the split is the same on every run.
"""

import argparse
import json
import random
from pathlib import Path


def split(items, seed):
    tune, held = [], []
    for in_policy in (True, False):
        group = [i for i in items if i["in_policy"] is in_policy]
        random.Random(seed).shuffle(group)
        tune += group[0::2]
        held += group[1::2]
    return tune, held


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("full")
    ap.add_argument("tune")
    ap.add_argument("heldout")
    ap.add_argument("--seed", type=int, default=20240917)
    a = ap.parse_args()
    lines = Path(a.full).read_text(encoding="utf-8").splitlines()
    items = [json.loads(line) for line in lines if line.strip()]
    for path, part in zip((a.tune, a.heldout), split(items, a.seed), strict=True):
        with open(path, "w", encoding="utf-8") as f:
            for i in part:
                f.write(json.dumps(i, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
