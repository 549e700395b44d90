"""Adapting the embedding model to one school's policies, on CPU, with no labels needed.

A general model knows English, not how a school's staff ask about its
rules. The index build fine-tunes a copy of the base model on pairs made
from the school's own material:

- synthetic pairs from the policy text itself: a sentence → its passage,
  a section heading → its passages;
- every labelled pair the school has: questions written next to a policy
  (`*.questions.jsonl`), `/review` corrections and "did you mean" picks.

Training (`train_query_side`) is contrastive, like sentence-transformers'
MultipleNegativesRankingLoss, written as a short torch loop so nothing
beyond torch and sentence-transformers is needed: only the question side
learns, against the index's fixed passage vectors, so every passage is a
negative for every question, and the other passages that also answer a
labelled question are masked out of its negatives. The adapted model is
saved next to the index and the answer is still the policy's own words:
only the ranking learns.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.chunking import Passage

from .jsonl import json_rows

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

ADAPT_VERSION = 1  # bump when pair making or training changes: it invalidates adapted models
QUESTIONS_SUFFIX = ".questions.jsonl"


@dataclass(frozen=True)
class AdaptSettings:
    epochs: int = 4
    batch_size: int = 16
    learning_rate: float = 2e-5
    scale: float = 20.0  # cosine → logits, as in sentence-transformers' MNRL
    seed: int = 0
    max_synthetic: int = 3000  # pairs from the text; a big policy set is sampled down to this
    labelled_weight: int = 2  # each labelled pair is seen this many times an epoch
    # Other schools' staff questions learnt from (embeddings.phrasing), sampled down to this; 0: none.
    other_schools: int = 400
    # ... until the school has this many labelled questions of its own. The bundled policy, with
    # 153 labelled pairs: held-out reach 21/34 with and without them (hit@3 26 and 25, wrong 1
    # and 2), and 154 pairs fewer to learn make its adaptation about a quarter shorter.
    own_enough: int = 100
    min_sentence_words: int = 6

    def fingerprint(self) -> str:
        return json.dumps({"version": ADAPT_VERSION, **asdict(self)}, sort_keys=True)


@dataclass(frozen=True)
class Pair:
    query: str
    passage: int  # passage number in the list being adapted to
    labelled: bool = False


@dataclass(frozen=True)
class LabelledQuestion:
    question: str
    in_policy: bool
    evidence: tuple[str, ...] = ()


_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def sentences(text: str) -> list[str]:
    """The sentences and list items of a passage, without bullet marks."""
    out = []
    for part in _SENTENCE.split(text):
        part = re.sub(r"^\s*(?:[-•*–·]|\d{1,2}[.)])\s+", "", part).strip()
        if part:
            out.append(part)
    return out


def synthetic_pairs(passages: Sequence[Passage], settings: AdaptSettings) -> list[Pair]:
    """Pairs from the policy text alone: sentence → its passage, heading → its passages."""
    pairs: list[Pair] = []
    for number, passage in enumerate(passages):
        for sentence in sentences(passage.text):
            if len(sentence.split()) >= settings.min_sentence_words:
                pairs.append(Pair(sentence, number))
        if passage.section and passage.section != passage.document:
            pairs.append(Pair(passage.section, number))
    if len(pairs) > settings.max_synthetic:
        pairs = random.Random(settings.seed).sample(pairs, settings.max_synthetic)
    return pairs


def answering_passages(evidence: Iterable[str], passages: Sequence[Passage]) -> list[int]:
    """The passages that hold any evidence phrase (case and spacing ignored)."""
    phrases = [_norm(e) for e in evidence if e.strip()]
    return [n for n, p in enumerate(passages) if any(ph in _norm(p.text) for ph in phrases)]


def labelled_pairs(items: Iterable[LabelledQuestion], passages: Sequence[Passage]) -> list[Pair]:
    """Each in-policy question paired with every passage that answers it."""
    pairs = []
    for item in items:
        if item.in_policy:
            for number in answering_passages(item.evidence, passages):
                pairs.append(Pair(item.question, number, labelled=True))
    return pairs


def read_questions_file(path: Path) -> list[LabelledQuestion]:
    """A JSON-lines file of {"question", "in_policy", "evidence"}; a bad line is a ValueError naming it."""
    items = []
    try:
        rows = list(json_rows(path))
    except ValueError as exc:
        raise ValueError(f"{path.name} {exc}") from None
    for n, row in rows:
        question, in_policy = row.get("question"), row.get("in_policy", True)
        evidence = row.get("evidence", [])
        if isinstance(evidence, str):
            evidence = [evidence]
        if not isinstance(question, str) or not isinstance(in_policy, bool) or not isinstance(evidence, list):
            raise ValueError(f"{path.name} line {n}: needs a 'question', 'in_policy' and an 'evidence' list")
        items.append(LabelledQuestion(question, in_policy, tuple(str(e) for e in evidence)))
    return items


def questions_files(policies: Path) -> list[Path]:
    """The questions files a policy admin keeps next to the policies (`NAME.questions.jsonl`)."""
    if not policies.is_dir():
        return []
    return sorted(p for p in policies.iterdir() if p.is_file() and p.name.endswith(QUESTIONS_SUFFIX))


def _embed(model: SentenceTransformer, texts: list[str]) -> Any:
    import torch

    prepare = getattr(model, "preprocess", None) or model.tokenize  # tokenize is deprecated in 6.x
    features = prepare(texts)
    features = {k: v for k, v in features.items() if isinstance(v, torch.Tensor)}
    out = model(features)["sentence_embedding"]
    return torch.nn.functional.normalize(out, dim=-1)


def train_query_side(
    model: SentenceTransformer,
    pairs: Sequence[Pair],
    passage_rows: Any,
    settings: AdaptSettings,
    *,
    positives: dict[str, set[int]] | None = None,
    prepare_query: Callable[[str], str] = lambda q: q,
    progress: bool = True,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Fine-tune only the question side against fixed passage vectors; returns the steps taken.

    `passage_rows` is (passages, views, dim): the index's own vectors, made
    by the base model, stay as they are, so adapting needs no re-embedding
    and every passage is a negative for every question (not just those in
    the batch). Questions are short, so a step costs a small fraction of
    training both sides. Passages listed in `positives[query]` other than
    the pair's own are masked out of its negatives.
    """
    import numpy as np
    import torch
    from tqdm import tqdm

    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    rows = torch.from_numpy(np.ascontiguousarray(passage_rows, dtype=np.float32))
    weighted = [p for p in pairs for _ in range(settings.labelled_weight if p.labelled else 1)]
    epochs = []
    for _ in range(settings.epochs):
        order = list(weighted)
        rng.shuffle(order)
        epochs.append([order[i : i + settings.batch_size] for i in range(0, len(order), settings.batch_size)])
    total = sum(len(e) for e in epochs)
    if total == 0:
        return 0
    # The word embeddings stay as they are: half the weights, so each step costs less, and a
    # few hundred pairs are too few to move a 30,000-word vocabulary anywhere useful.
    for name, parameter in model.named_parameters():
        parameter.requires_grad = "word_embeddings" not in name
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate)
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, (total - step) / total)
    )
    positives = positives or {}
    model.train()
    steps = 0
    try:
        bar = tqdm(total=total, desc="Adapting the model", unit="step", disable=not progress, leave=False)
        with bar:
            for batches in epochs:
                for batch in batches:
                    if should_stop():
                        return steps
                    q = _embed(model, [prepare_query(p.query) for p in batch])
                    logits = settings.scale * torch.einsum("bd,nvd->bnv", q, rows).amax(dim=2)
                    mask = torch.zeros_like(logits, dtype=torch.bool)
                    for i, pair in enumerate(batch):
                        for other in positives.get(pair.query, ()):
                            if other != pair.passage:
                                mask[i, other] = True
                    logits = logits.masked_fill(mask, -1e4)
                    target = torch.tensor([p.passage for p in batch])
                    loss = torch.nn.functional.cross_entropy(logits, target)
                    optimizer.zero_grad()
                    loss.backward()  # type: ignore[no-untyped-call]  # untyped in torch
                    optimizer.step()
                    schedule.step()
                    steps += 1
                    bar.update(1)
    finally:
        model.eval()
    return steps
