"""The search engine: the pipeline's parts composed, over an index that can be swapped live.

A question goes through, in order:

1. `embeddings.query`: cleaned, typing slips mended (`embeddings.spelling`),
   the glossary's policy words added for the keyword side;
2. `embeddings.retrievers`: dense, keyword and taught rankings;
3. `embeddings.fusion`: one ranking, by reciprocal rank fusion, and
   `embeddings.distinct`: without copies of a passage ranked above;
   `embeddings.late`: the first twenty in order of their word pieces' match;
4. `embeddings.decision`: answer, choice of three, or decline, decided on
   the passages that would be shown.

The engine holds only what changes while the bot runs: the current index,
the examples taught for it and the speller made from its words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from knowledge.chunking import Passage
from knowledge.glossary import Glossary

from . import retrievers
from .decision import CHOICES, DEFAULT_MARGIN, DEFAULT_THRESHOLD, Bars, Outcome, Shown, decide
from .distinct import distinct, says_the_same
from .examples import TaughtRows
from .fusion import reciprocal_rank_fusion
from .index import Index
from .late import FIRST as LATE_FIRST
from .late import reorder_first
from .model import encode, encode_with_tokens, model_path
from .query import clean_question, query_words
from .retrievers import Query
from .spelling import Speller, model_vocabulary

# Weights of the keyword ranking in the fusion that calibration chooses from (1.0 = equal to dense).
KEYWORD_WEIGHTS = (1.0, 0.5, 0.0)
METHODS = ("hybrid", "dense", "keyword")

__all__ = ["DEFAULT_MARGIN", "DEFAULT_THRESHOLD", "KEYWORD_WEIGHTS", "Answer", "Hit", "SearchEngine"]


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float  # fused ranking score, higher is better
    similarity: float  # cosine similarity of question and passage

    def to_json(self) -> dict[str, object]:
        p = self.passage
        return {
            "id": p.id,
            "document": p.document,
            "section": p.section,
            "text": p.text,
            "score": round(self.score, 6),
            "similarity": round(self.similarity, 4),
        }


@dataclass(frozen=True)
class QuestionVectors:
    """Questions as a search embeds them: a vector each, and each one's word pieces (`embeddings.late`).

    A question with no words has a row of zeros and no word pieces."""

    vectors: np.ndarray
    pieces: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.vectors)


@dataclass
class Answer:
    question: str
    outcome: Outcome = Outcome.DECLINE
    hits: list[Hit] = field(default_factory=list)
    # The best similarity among the first three passages found, which the decline bar is held
    # against (embeddings.decision.Shown.closest); calibrating that bar reads it from here.
    closest: float = 0.0

    @property
    def answered(self) -> bool:
        """A passage is shown: as the answer, or among a choice."""
        return self.outcome is not Outcome.DECLINE

    @property
    def ambiguous(self) -> bool:
        """Shown as a choice ("did you mean"), not as the answer."""
        return self.outcome is Outcome.CHOOSE

    @property
    def choices(self) -> list[Hit]:
        return self.hits[:CHOICES]

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "ambiguous": self.ambiguous,
            "passages": [h.to_json() for h in self.hits],
        }


class SearchEngine:
    """Answers questions from an index; the index can be swapped while searches run."""

    def __init__(
        self,
        index: Index,
        glossary: Glossary | None = None,
        threshold: float | None = None,
        method: str = "hybrid",
        margin: float | None = None,
    ) -> None:
        """`threshold` and `margin` of None mean: the index's calibrated values, else the defaults."""
        if method not in METHODS:
            raise ValueError(f"unknown search method {method!r}; use one of {', '.join(METHODS)}")
        self._index = index
        self._attach: Callable[[Index], TaughtRows | None] | None = None
        self._taught: TaughtRows | None = None  # example questions for self._index
        self._speller: tuple[Index, Speller] | None = None
        self._lock = threading.Lock()
        self.glossary = glossary if glossary is not None else Glossary.load()
        self.threshold_override = threshold
        self.margin_override = margin
        self.keyword_weight: float | None = None  # None: the index's calibrated weight
        self.method = method
        self.spelling = True  # mend typing slips against the policies' words (embeddings.spelling)

    # -- the bars: set here, else calibrated with the index, else the defaults ---------------------

    @property
    def threshold(self) -> float:
        """The decline bar in force (set one with `threshold_override`)."""
        return self.bars(self._index).threshold

    @property
    def margin(self) -> float:
        """The lead a confident answer needs, in force (set one with `margin_override`)."""
        return self.bars(self._index).margin

    def bars(self, index: Index) -> Bars:
        manifest = index.manifest
        threshold = self.threshold_override
        margin = self.margin_override
        return Bars(
            float(manifest.get("threshold", DEFAULT_THRESHOLD)) if threshold is None else threshold,
            float(manifest.get("answer_lead", DEFAULT_MARGIN)) if margin is None else margin,
        )

    def _keyword_weight(self, index: Index) -> float:
        if self.method == "dense":
            return 0.0
        if self.keyword_weight is not None:
            return self.keyword_weight
        return float(index.manifest.get("keyword_weight", 1.0))

    # -- the index and what is taught for it -----------------------------------------------------

    @property
    def index(self) -> Index:
        return self._index

    def swap(self, index: Index) -> Index:
        """Install a new index; searches already running finish on the old one.

        Example questions (see `set_examples`) are attached to the new index
        as it goes live, so a policy update never loses the corrections.
        """
        taught = self._taught_rows(index)
        with self._lock:
            old, self._index = self._index, index
            self._taught = taught
        return old

    def set_examples(self, attach: Callable[[Index], TaughtRows | None] | None) -> None:
        """Use `attach` (e.g. `embeddings.examples.attacher(db)`) on this and every later index.

        Call it again after storing a new example, so the correction counts
        from the next question on.
        """
        with self._lock:
            self._attach = attach
        taught = self._taught_rows(self._index)
        with self._lock:
            self._taught = taught

    def _taught_rows(self, index: Index) -> TaughtRows | None:
        """The examples for `index`, re-embedded when its questions go through an adapted model.

        Stored vectors come from the model of the day they were taught; an
        adapted model puts questions elsewhere, so its examples are embedded
        again with it (a few milliseconds each).
        """
        rows = self._attach(index) if self._attach is not None else None
        if rows is not None and rows.attached and index.query_model_dir is not None:
            rows = replace(rows, vectors=self.embed_queries(list(rows.questions), index))
        return rows

    @property
    def taught(self) -> TaughtRows | None:
        return self._taught

    def passage(self, passage_id: str) -> Passage | None:
        return next((p for p in self._index.passages if p.id == passage_id), None)

    # -- step 1: the question --------------------------------------------------------------------

    def prepare(self, question: str) -> str:
        """The text embedded for a question: cleaned, with the glossary's policy words added."""
        return self.glossary.expand(clean_question(question))

    def embed_queries(self, questions: list[str], index: Index | None = None) -> np.ndarray:
        """Question vectors from the model of `index` (adapted or base); the current index by default."""
        index = index if index is not None else self._index
        return encode([self.prepare(q) for q in questions], model_dir=index.query_model_dir)

    def question_vectors(self, questions: list[str], index: Index | None = None) -> QuestionVectors:
        """One row per question, embedded as `search_many` embeds them, in one model call.

        A question with no words is not embedded (its row is zeros: it is
        declined without a search). The current index's model by default.
        """
        index = index if index is not None else self._index
        return self._question_vectors(self._cleaned(questions, index), index)

    def _cleaned(self, questions: list[str], index: Index) -> list[str]:
        """The questions as searched: cleaned, and with typing slips mended."""
        cleaned = [clean_question(q) for q in questions]
        if not self.spelling:
            return cleaned
        speller = self.speller(index)
        return [speller.correct(q) if q else q for q in cleaned]

    def speller(self, index: Index) -> Speller:
        """The speller for `index`'s words, made on first use (a few milliseconds a thousand words)."""
        with self._lock:
            made = self._speller
        if made is not None and made[0] is index:
            return made[1]
        texts = [f"{p.section} {p.text}" for p in index.passages]
        known = model_vocabulary(model_path()) | {
            w for term in self.glossary.terms for w in term.lower().split()
        }
        speller = Speller.for_texts(texts, known)
        with self._lock:
            self._speller = (index, speller)
        return speller

    def _question_vectors(self, cleaned: list[str], index: Index) -> QuestionVectors:
        todo = [i for i, q in enumerate(cleaned) if q]
        vectors = np.zeros((len(cleaned), index.vectors.shape[-1]), dtype=np.float32)
        none = np.zeros((0, index.vectors.shape[-1]), dtype=np.float32)
        pieces = [none] * len(cleaned)
        if todo:
            texts = [self.prepare(cleaned[i]) for i in todo]
            embedded, their_pieces = encode_with_tokens(texts, model_dir=index.query_model_dir)
            vectors[todo] = embedded
            for i, rows in zip(todo, their_pieces, strict=True):
                pieces[i] = rows
        return QuestionVectors(vectors, pieces)

    # -- steps 2 to 4 ----------------------------------------------------------------------------

    def search(self, question: str, top_k: int = CHOICES) -> Answer:
        return self.search_many([question], top_k)[0]

    def search_many(
        self, questions: list[str], top_k: int = CHOICES, *, vectors: QuestionVectors | None = None
    ) -> list[Answer]:
        """Answer several questions with one model call (the batch mode of the CLI).

        `vectors` are the questions' rows from `question_vectors`, when they
        are already at hand: searching one batch several times (say, under
        each keyword weight) then embeds it once. They must come from the
        model of the index this engine searches.
        """
        if vectors is not None and len(vectors) != len(questions):
            raise ValueError(f"{len(vectors)} question vectors for {len(questions)} questions")
        with self._lock:
            index, taught = self._index, self._taught
        cleaned = self._cleaned(questions, index)
        answers = [Answer(q) for q in questions]
        todo = [i for i, q in enumerate(cleaned) if q]
        if not todo or not index.passages:
            return answers
        if vectors is None:
            vectors = self._question_vectors(cleaned, index)
        for i in todo:
            words = tuple(query_words(self.glossary.expand(cleaned[i])))
            query = Query(cleaned[i], words, vectors.vectors[i], vectors.pieces[i])
            answers[i] = self._answer(index, taught, questions[i], query, top_k)
        return answers

    def _answer(
        self, index: Index, taught: TaughtRows | None, question: str, query: Query, top_k: int
    ) -> Answer:
        dense = retrievers.dense(index, query)
        keyword = retrievers.keyword(index, query) if self.method != "dense" else []
        near = retrievers.taught(taught, index, query) if self.method == "hybrid" else []
        if self.method == "dense":
            order = dense
        elif self.method == "keyword":
            order = keyword
        else:
            rankings = [[i for i, _ in dense], [i for i, _ in keyword], [i for i, _ in near]]
            weights = [1.0, self._keyword_weight(index), 1.0]
            order = reciprocal_rank_fusion(rankings, weights=weights)
        if near:  # a near-copy of a taught question: the passage taught for it leads, by decision
            order = [kv for kv in order if kv[0] == near[0][0]] + [kv for kv in order if kv[0] != near[0][0]]
        order = distinct(order, lambda i: index.passages[i].text, look=LATE_FIRST)
        fused_three = [i for i, _ in order[:CHOICES]]  # what declines are judged on
        if self.method == "hybrid" and index.tokens is not None and len(query.pieces) and not near:
            order = reorder_first(order, query.pieces, index.tokens, LATE_FIRST)  # a taught lead stays
        shown = order[: max(top_k, CHOICES)]
        similarity = dict(dense)
        missing = [i for i in {i for i, _ in shown} | set(fused_three) if i not in similarity]
        if missing:
            similarity.update(index.similarity(query.vector, missing))
        hits = [Hit(index.passages[i], float(score), similarity[i]) for i, score in shown]
        firsts = [dense]
        if self.method != "dense" and self._keyword_weight(index) > 0:
            firsts.append(keyword)  # a keyword ranking that counts must agree too; an empty one does not
        shown_first = shown[0][0] if shown else None
        rivals = set(fused_three) - {shown_first}  # Shown.lead also reads the next ones shown
        closest = max((similarity[i] for i in fused_three), default=0.0)
        first_text = index.passages[shown_first].text if shown_first is not None else None
        seen = Shown(
            [h.similarity for h in hits],
            # each retriever that counts put the shown passage first, or a copy of it (distinct)
            agree=first_text is not None
            and all(r and says_the_same(index.passages[r[0][0]].text, first_text) for r in firsts),
            taught=near[0][1] if near and near[0][0] == shown_first else 0.0,
            closest=closest,
            runner_up=max((similarity[i] for i in rivals), default=None),
        )
        return Answer(question, decide(seen, self.bars(index)), hits[:top_k], closest)
