"""Adapting the search to one school: train, calibrate, and keep the result only if it is better.

The index build hands the school's passages and labelled questions to
`adapt_index`, which

1. splits the labelled questions (those in `*.questions.jsonl` files next to
   the policies, and the corrections reviewers made) into a training part
   and a calibration part, by a hash of each question so the split never
   moves;
2. fine-tunes the question side of the model (`adapt.train_query_side`) on
   synthetic pairs from the policy text plus the training part (a school
   with no labelled questions yet still gets the synthetic pairs: measured
   on held-out questions of two policy sets, they alone help);
3. on the calibration part, which it never trained on, chooses the decline
   threshold, the lead a confident answer needs and the keyword weight for the new
   model, and compares it with the base model: the adapted model is used
   only when it finds the right passage at least as often. With too few
   labelled questions to judge, the threshold is carried over from the base
   model (`carry_threshold`);
4. saves the model next to the index under the same manifest, so a change
   to the policies, the chunking, the labelled questions or the settings
   makes it due again (`adaptation_due`).

When all that changed since the last adaptation is new corrections (staff
picks that agree, reviewers' examples), the adapted model learns just those
(`continuation`), with a replay of what it learnt before so it does not
forget it: seconds instead of minutes, and the model a restart finds on disk
is the one it continues from.

It runs on CPU in a few minutes; the bot runs it in a separate process
while questions go on being answered from the current index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from knowledge.chunking import Passage
from knowledge.glossary import Glossary, GlossaryError

from .calibrate import LEADS, choose_lead, choose_threshold, outcome_value
from .decision import CHOICES, DEFAULT_THRESHOLD
from .index import MANIFEST, Index, index_lock, load_index, read_manifest, rows_by_passage, swap_in
from .model import MODEL_NAME, fresh_base_model, fresh_model
from .phrasing import PhrasingExample, load_examples, others, prepare
from .phrasing import fingerprint as phrasing_fingerprint
from .search import KEYWORD_WEIGHTS, QuestionVectors, SearchEngine
from .training import (
    AdaptSettings,
    LabelledQuestion,
    Pair,
    answering_passages,
    labelled_pairs,
    questions_files,
    read_questions_file,
    synthetic_pairs,
    train_query_side,
)

log = logging.getLogger(__name__)

CALIBRATION_SHARE = 3  # one labelled in-policy question in this many is kept for calibration
MIN_CALIBRATION_IN = 8  # fewer held-back questions than this cannot judge a model
QUERY_MODEL = "query-model"
# A continuation (new corrections only) replays this many earlier pairs per new one, for this many
# epochs: the new picks are learnt without the model drifting away from everything before them.
REPLAY_PER_NEW = 8
CONTINUATION_EPOCHS = 2
# Keyword weight of an adapted model with too few labelled questions to choose it: measured on
# held-out questions, full-weight keyword fusion cost an adapted model right answers.
ADAPTED_KEYWORD_WEIGHT = 0.5


@dataclass(frozen=True)
class Correction:
    """A reviewer's "this question is answered by that passage" (by the passage's stable id)."""

    question: str
    passage_id: str


@dataclass(frozen=True)
class TrainingData:
    questions: tuple[LabelledQuestion, ...] = ()
    corrections: tuple[Correction, ...] = ()
    problems: tuple[str, ...] = ()  # unreadable questions files, named
    # The glossary questions are widened with while training: a model trained with other words added
    # to its questions would be read with words it never saw, so a glossary change makes it due.
    glossary: tuple[tuple[str, str], ...] = ()

    def fingerprint(self, corrections: bool = True) -> str:
        """What the data is; without `corrections`: what a continuation must have in common."""
        digest = hashlib.sha256()
        for term, words in self.glossary:
            digest.update(f"{term}\x1f{words}\x1e".encode())
        for q in self.questions:
            digest.update(json.dumps([q.question, q.in_policy, list(q.evidence)]).encode())
        for mark in self.correction_marks() if corrections else []:
            digest.update(mark.encode())
        return digest.hexdigest()[:16]

    def correction_marks(self) -> list[str]:
        """One short hash per correction, kept in the manifest to tell which are new."""
        return [
            hashlib.sha256(f"{c.question}\x1f{c.passage_id}".encode()).hexdigest()[:12]
            for c in self.corrections
        ]


def gather(policies: Path, corrections: Sequence[Correction] = ()) -> TrainingData:
    """The school's labelled questions: its questions files plus the given corrections."""
    questions: list[LabelledQuestion] = []
    problems: list[str] = []
    for path in questions_files(policies):
        try:
            questions += read_questions_file(path)
        except (OSError, ValueError) as exc:
            problems.append(f"{path.name}: {exc}")
    try:
        glossary = Glossary.for_policies(policies)
    except GlossaryError as exc:
        problems.append(str(exc))
        glossary = Glossary.load()
    terms = tuple(sorted(glossary.terms.items()))
    return TrainingData(tuple(questions), tuple(corrections), tuple(problems), terms)


def for_calibration(question: str) -> bool:
    """Whether a labelled in-policy question is held back for calibration (a stable hash split)."""
    digest = hashlib.sha256(" ".join(question.lower().split()).encode()).digest()
    return digest[0] % CALIBRATION_SHARE == 0


def split(data: TrainingData) -> tuple[list[LabelledQuestion], list[LabelledQuestion]]:
    """(training, calibration): every out-of-policy question calibrates, it has no passage to learn."""
    train: list[LabelledQuestion] = []
    calibrate: list[LabelledQuestion] = []
    for q in data.questions:
        (calibrate if (not q.in_policy or for_calibration(q.question)) else train).append(q)
    return train, calibrate


def adaptation_key(
    index: Index, data: TrainingData, settings: AdaptSettings, corrections: bool = True
) -> str:
    """What an adapted model depends on: base model, passages (documents and chunking), data, settings.
    Without `corrections`: the foundation a continuation must share with the model it continues."""
    parts = [
        MODEL_NAME,
        str(index.manifest.get("documents")),
        str(index.manifest.get("chunking")),
        data.fingerprint(corrections),
        settings.fingerprint(),
        phrasing_fingerprint(other_schools(index, settings, data)),
    ]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]


def other_schools(
    index: Index, settings: AdaptSettings, data: TrainingData | None = None
) -> list[PhrasingExample]:
    """The other schools' questions this index's adaptation learns staff wording from: none once
    the school has `settings.own_enough` labelled questions of its own to learn from (picks left
    out of the count, so a continuation keeps the foundation it continues)."""
    own = sum(q.in_policy for q in split(data)[0]) if data else 0
    if settings.other_schools <= 0 or own >= settings.own_enough:
        return []
    examples = others(load_examples(), index.passages)
    if len(examples) > settings.other_schools:
        examples = random.Random(settings.seed).sample(examples, settings.other_schools)
    return examples


def continuation(index: Index, data: TrainingData, settings: AdaptSettings) -> list[Correction] | None:
    """The corrections the index's adapted model has not learnt, when learning just them is enough:
    the same passages, questions files, glossary and settings, and none of its corrections withdrawn.
    None: adapt from the base model."""
    stored = index.manifest.get("adaptation") or {}
    model = index.query_model_dir
    if not stored.get("adapted") or model is None or not model.is_dir():
        return None
    if stored.get("foundation") != adaptation_key(index, data, settings, corrections=False):
        return None
    learnt = set(stored.get("corrections") or [])
    marks = data.correction_marks()
    if not learnt <= set(marks):
        return None
    new = [c for c, mark in zip(data.corrections, marks, strict=True) if mark not in learnt]
    return new or None


def adaptation_due(index: Index, data: TrainingData, settings: AdaptSettings) -> bool:
    """True when the index was not adapted for exactly these passages, data and settings."""
    stored = index.manifest.get("adaptation") or {}
    return bool(stored.get("key") != adaptation_key(index, data, settings))


@dataclass
class Measured:
    """A model's figures on the calibration questions."""

    hit1: int = 0
    hit3: int = 0
    n_in: int = 0
    threshold: float = DEFAULT_THRESHOLD
    margin: float | None = None  # the lead an answer needs; None: not chosen (the default applies)
    keyword_weight: float = 1.0

    def to_json(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass
class AdaptResult:
    index: Index
    adapted: bool  # False: the base model stays (no better on calibration questions, or nothing to learn)
    reason: str
    base: Measured | None = None
    tuned: Measured | None = None
    pairs: int = 0
    labelled: int = 0
    seconds: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


def passage_rows(index: Index) -> np.ndarray:
    """The index's vectors as (passages, views, dim): each passage's rows, the last repeated to fill."""
    return rows_by_passage(index.vectors, index.owners, len(index.passages))


def measure(engine: SearchEngine, items: Sequence[LabelledQuestion]) -> Measured:
    """Choose the keyword weight, threshold and lead for `engine` on `items`, and its hit rates.

    The threshold separates covered from uncovered questions by the best of
    the passages that would be shown; the lead is then chosen by what each
    question's outcome is worth (`calibrate.outcome_value`). The engine's
    own bars are left as they were.
    """
    questions = [q.question for q in items]
    vectors = engine.question_vectors(questions)  # the keyword weight changes the fusion, not these
    kept = engine.threshold_override, engine.margin_override
    best: Measured | None = None
    try:
        for weight in KEYWORD_WEIGHTS:
            engine.keyword_weight = weight
            m = _measure_weight(engine, items, questions, vectors, weight)
            if best is None or (m.hit1, m.hit3) > (best.hit1, best.hit3):
                best = m
    finally:
        engine.threshold_override, engine.margin_override = kept
    if best is None:
        raise ValueError("no keyword weights to measure")
    engine.keyword_weight = best.keyword_weight
    return best


def _measure_weight(
    engine: SearchEngine,
    items: Sequence[LabelledQuestion],
    questions: list[str],
    vectors: QuestionVectors,
    weight: float,
) -> Measured:
    answers = engine.search_many(questions, top_k=CHOICES, vectors=vectors)
    m = Measured(keyword_weight=weight)
    scored = [(a.closest, q.in_policy) for q, a in zip(items, answers, strict=True)]
    right: list[tuple[bool, bool]] = []  # per question: right at 1, right among the shown
    for item, answer in zip(items, answers, strict=True):
        found = [_holds(h.passage, item.evidence) for h in answer.hits] if item.in_policy else []
        right.append((bool(found) and found[0], any(found)))
        if item.in_policy:
            m.n_in += 1
            m.hit1 += right[-1][0]
            m.hit3 += right[-1][1]
    if any(not inside for _, inside in scored) and any(inside for _, inside in scored):
        m.threshold = choose_threshold(scored).threshold
    engine.threshold_override = m.threshold
    values: dict[float, float] = {}
    for lead in LEADS:
        engine.margin_override = lead
        outcomes = engine.search_many(questions, top_k=CHOICES, vectors=vectors)
        values[lead] = sum(
            outcome_value(a.outcome, r1, r3)
            for item, a, (r1, r3) in zip(items, outcomes, right, strict=True)
            if item.in_policy
        )
    m.margin = choose_lead(values, m.n_in)
    return m


def reference_questions() -> list[str]:
    path = Path(__file__).with_name("reference-questions.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def carry_threshold(base: SearchEngine, tuned: SearchEngine) -> float:
    """The adapted model's threshold when there are too few labelled questions to calibrate it.

    Adapting moves the cosine scale, so the base threshold would decline
    answers it should give. On general staff questions, the adapted
    threshold is set to answer the same share as the base one does: the
    matching quantile of the adapted model's best similarities.
    """
    questions = reference_questions()
    before = np.array([a.closest for a in base.search_many(questions, CHOICES)])
    after = np.array([a.closest for a in tuned.search_many(questions, CHOICES)])
    share = float(np.mean(before >= base.threshold))
    if share <= 0.0 or share >= 1.0:
        return base.threshold
    return round(float(np.quantile(after, 1.0 - share)), 4)


def _continuation_pairs(
    new: Sequence[Correction], numbers: dict[str, int], pairs: Sequence[Pair], seed: int
) -> list[Pair]:
    """The new corrections' pairs, and a sample of the earlier ones replayed with them."""
    fresh = [Pair(c.question, numbers[c.passage_id], labelled=True) for c in new if c.passage_id in numbers]
    earlier = [p for p in pairs if p not in fresh]
    replay = random.Random(seed).sample(earlier, min(len(earlier), REPLAY_PER_NEW * len(fresh)))
    return fresh + replay


def _holds(passage: Passage, evidence: Sequence[str]) -> bool:
    return bool(answering_passages(evidence, [passage]))


def adapt_index(
    index_dir: Path,
    data: TrainingData,
    settings: AdaptSettings | None = None,
    *,
    glossary: Glossary | None = None,
    progress: bool = True,
    should_stop: Callable[[], bool] = lambda: False,
) -> AdaptResult:
    """Adapt the stored index in `index_dir` to its passages and `data`; swap in the result.

    The adapted index is written to a new folder and swapped in only if the
    stored index is still the one it was made from (a policy upload meanwhile
    wins). When the adapted model is no better on the calibration questions,
    the base model stays and the manifest records why, so the work is not
    repeated until something changes.
    """
    settings = settings or AdaptSettings()
    if glossary is None:  # the one the key was made with
        glossary = Glossary(dict(data.glossary)) if data.glossary else Glossary.load()
    started = time.perf_counter()
    index = load_index(index_dir)
    key = adaptation_key(index, data, settings)
    new = continuation(index, data, settings)
    learnt = {
        "foundation": adaptation_key(index, data, settings, corrections=False),
        "corrections": data.correction_marks(),
        "continued": new is not None,
    }
    # Compare with and calibrate against the base model; train from it too, unless continuing.
    base_manifest = {k: v for k, v in index.manifest.items() if k not in _MODEL_KEYS}
    base_index = replace(index, manifest=base_manifest)
    passages = index.passages
    train_items, calibration = split(data)
    numbers = {p.id: n for n, p in enumerate(passages)}
    taught = [
        Pair(c.question, numbers[c.passage_id], labelled=True)
        for c in data.corrections
        if c.passage_id in numbers
    ]
    labelled = labelled_pairs(train_items, passages) + taught
    own = synthetic_pairs(passages, settings) + labelled
    enough = sum(q.in_policy for q in calibration) >= MIN_CALIBRATION_IN
    base_engine = SearchEngine(base_index, glossary=glossary)
    base = measure(base_engine, calibration) if enough else None

    if not own:  # other schools' wording alone says nothing about this school's passages
        why = "nothing in the policies to learn from"
        return _record(index_dir, index, key, None, base, None, why, started, own, learnt=learnt)
    rows = passage_rows(index)
    wording = prepare(other_schools(index, settings, data), len(passages), rows.shape[1])
    pairs = own + wording.pairs
    rows = np.concatenate([rows, wording.rows])
    learnt["other_schools_pairs"] = len(wording.pairs)

    positives: dict[str, set[int]] = {q: set(numbers) for q, numbers in wording.positives.items()}
    for pair in labelled:
        positives.setdefault(pair.query, set()).add(pair.passage)
    if new is not None and index.query_model_dir is not None:
        model = fresh_model(index.query_model_dir)
        training = _continuation_pairs(new, numbers, pairs, settings.seed)
        train_settings = replace(settings, epochs=CONTINUATION_EPOCHS)
    else:
        model, training, train_settings = fresh_base_model(), pairs, settings
    steps = train_query_side(
        model,
        training,
        rows,
        train_settings,
        positives=positives,
        prepare_query=base_engine.prepare,
        progress=progress,
        should_stop=should_stop,
    )
    if should_stop():
        return AdaptResult(index, False, "stopped", base, None, len(pairs), len(labelled))

    tmp = index_dir.with_name(index_dir.name + f".adapting-{time.time_ns()}")
    try:
        shutil.copytree(index_dir, tmp, ignore=shutil.ignore_patterns(QUERY_MODEL + "*"))
        folder = f"{QUERY_MODEL}-{key}"
        model.save(str(tmp / folder))
        manifest = {**base_manifest, "query_model": folder}
        trial = replace(index, manifest=manifest, db_path=tmp / "passages.db")
        tuned_engine = SearchEngine(trial, glossary=glossary)
        if enough:
            tuned = measure(tuned_engine, calibration)
        else:
            tuned = Measured(
                threshold=carry_threshold(base_engine, tuned_engine),
                keyword_weight=ADAPTED_KEYWORD_WEIGHT,
            )
        trial.close()
        if base is not None and tuned is not None and (tuned.hit1, tuned.hit3) < (base.hit1, base.hit3):
            reason = (
                f"the adapted model found fewer right passages ({tuned.hit1} vs {base.hit1} of {base.n_in})"
            )
            return _record(index_dir, index, key, None, base, tuned, reason, started, pairs, steps, learnt)
        why = "adapted (continued with new corrections)" if new is not None else "adapted"
        return _record(index_dir, index, key, tmp, tuned, base, why, started, pairs, steps, learnt)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _record(
    index_dir: Path,
    index: Index,
    key: str,
    built: Path | None,
    chosen: Measured | None,
    compared: Measured | None,
    reason: str,
    started: float,
    pairs: Sequence[Pair],
    steps: int = 0,
    learnt: dict[str, object] | None = None,
) -> AdaptResult:
    """Write the manifest (with the adapted model when `built`) and swap it in if nothing changed.

    `chosen` holds the figures of the model that will answer (its threshold,
    margin and keyword weight are used from now on), `compared` those of the
    other one, for the record.
    """
    adapted = built is not None
    # the school's own: other schools' examples are numbered after its passages (phrasing.prepare)
    labelled = sum(p.labelled and p.passage < len(index.passages) for p in pairs)
    seconds = round(time.perf_counter() - started, 1)
    manifest = {k: v for k, v in index.manifest.items() if k not in _MODEL_KEYS}
    manifest["adaptation"] = {
        "key": key,
        "adapted": adapted,
        "reason": reason,
        "pairs": len(pairs),
        "labelled_pairs": labelled,
        "steps": steps,
        "seconds": seconds,
        "calibration": chosen.to_json() if chosen else None,
        "compared_with": compared.to_json() if compared else None,
        **(learnt or {}),
    }
    if chosen is not None:
        manifest.update(threshold=chosen.threshold, keyword_weight=chosen.keyword_weight)
        if chosen.margin is not None:
            manifest["answer_lead"] = chosen.margin
    if built is None:
        built = index_dir.with_name(index_dir.name + f".adapting-{time.time_ns()}")
        shutil.copytree(index_dir, built, ignore=shutil.ignore_patterns(QUERY_MODEL + "*"))
    else:
        manifest["query_model"] = f"{QUERY_MODEL}-{key}"
    try:
        (built / MANIFEST).write_text(json.dumps(manifest, indent=2))
        with index_lock(index_dir):
            current = read_manifest(index_dir) or {}
            if any(current.get(k) != index.manifest.get(k) for k in ("documents", "chunking", "built_at")):
                log.warning(
                    "the policies changed while the model was being adapted; that adaptation is dropped"
                )
                return AdaptResult(index, False, "the policies changed meanwhile", compared, chosen)
            swap_in(built, index_dir)
    finally:
        shutil.rmtree(built, ignore_errors=True)
    index.close()
    new = load_index(index_dir)
    return AdaptResult(
        new,
        adapted,
        reason,
        compared if adapted else chosen,
        chosen if adapted else compared,
        len(pairs),
        labelled,
        seconds,
    )


# "margin" is the old "did you mean" margin (a different rule): dropped, never read as a lead.
_MODEL_KEYS = ("query_model", "threshold", "margin", "answer_lead", "keyword_weight", "adaptation")
