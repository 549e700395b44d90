"""Hybrid policy search: embeddings and BM25, fused, with a decision to decline.

Dense search finds passages that mean the same as the question in other
words; BM25 finds the rare exact words (FTS5, "EYFS", "Flickr") that an
embedding blurs. Reciprocal rank fusion combines the two rankings without
having to put cosine and BM25 on one scale. Whether to answer at all is a
separate decision: the best passage's cosine similarity must clear a
threshold calibrated on labelled questions (see `calibrate`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from knowledge.chunking import Passage
from knowledge.glossary import Glossary

from .examples import TaughtRows
from .index import Index
from .model import MAX_QUERY_CHARS, encode, model_path
from .spelling import Speller, model_vocabulary

# Calibrated with `staffguide calibrate` on embeddings/calibration-questions.jsonl.
DEFAULT_THRESHOLD = 0.412
# "Did you mean": the best passage must lead the next two by this much cosine similarity to be
# answered alone. It is chosen on a school's labelled questions (embeddings.adaptation) and
# stored with its index; without them, no choices (-1: no answer's lead is below it): measured
# on two policy sets, the same margin helped one and cost the other.
DEFAULT_MARGIN = -1.0
# Weights of the keyword ranking in the fusion that calibration chooses from (1.0 = equal to dense).
KEYWORD_WEIGHTS = (1.0, 0.5, 0.0)
RRF_K = 60
CANDIDATES = 50
METHODS = ("hybrid", "dense", "keyword")
# A question at least this close (cosine) to a taught example question is about the same thing;
# chosen with tests/bench_corrections.py (0.6 and 0.65 cost the untaught control questions).
TAUGHT_MIN_SIMILARITY = 0.7

_STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be been before being below between both but
    by can cant could did do does doing dont down during each few for from further had has have having he
    her here hers him his how i if in into is it its itself just me more most my myself no nor not now of
    off ok okay on once only or other our out over own same she should so some such than that the their
    them then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours im ive id get got going gonna want wanna
    need allowed alright fine please thanks really still also ever""".split()
)


def query_words(text: str) -> list[str]:
    """The question's content words, lower-case, each once, in order (at most 40)."""
    words: list[str] = []
    for word in re.findall(r"[^\W_]+", text.lower()):
        if len(word) > 1 and word not in _STOPWORDS and word not in words:
            words.append(word)
    return words[:40]


def or_query(words: list[str]) -> str:
    """Words as a safe FTS5 query: OR-ed and each quoted, so no FTS syntax gets through."""
    return " OR ".join(f'"{w}"' for w in words)


def fts_query(text: str) -> str:
    """A safe FTS5 query of the question's content words."""
    return or_query(query_words(text))


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


@dataclass
class Answer:
    question: str
    answered: bool
    hits: list[Hit] = field(default_factory=list)
    ambiguous: bool = False  # answered, but the best passage is not clearly ahead: offer a choice

    @property
    def gap(self) -> float:
        """How far the best passage leads the next two in cosine similarity (1.0 with one hit)."""
        if not self.hits:
            return 0.0
        rest = [h.similarity for h in self.hits[1:3]]
        return self.hits[0].similarity - max(rest) if rest else 1.0

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


def reciprocal_rank_fusion(
    rankings: Iterable[list[int]], k: int = RRF_K, weights: Iterable[float] | None = None
) -> list[tuple[int, float]]:
    """Fuse rankings of item numbers: each item scores sum(w / (k + rank)), rank from 1."""
    scores: dict[int, float] = {}
    rankings = list(rankings)
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


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
        self._lock = threading.Lock()
        self.glossary = glossary if glossary is not None else Glossary.load()
        self._threshold = threshold
        self._margin = margin
        self.keyword_weight: float | None = None  # None: the index's calibrated weight
        self.method = method
        self.spelling = True  # mend typing slips against the policies' words (embeddings.spelling)
        self._speller: tuple[Index, Speller] | None = None

    @property
    def threshold(self) -> float:
        """The similarity the best passage needs to be answered: set, else calibrated, else default."""
        if self._threshold is not None:
            return self._threshold
        return float(self._index.manifest.get("threshold", DEFAULT_THRESHOLD))

    @threshold.setter
    def threshold(self, value: float | None) -> None:
        self._threshold = value

    @property
    def margin(self) -> float:
        if self._margin is not None:
            return self._margin
        return float(self._index.manifest.get("margin", DEFAULT_MARGIN))

    @margin.setter
    def margin(self, value: float | None) -> None:
        self._margin = value

    def _keyword_weight(self, index: Index) -> float:
        if self.keyword_weight is not None:
            return self.keyword_weight
        return float(index.manifest.get("keyword_weight", 1.0))

    def prepare(self, question: str) -> str:
        """The text embedded for a question: cleaned, with the glossary's policy words added."""
        return self.glossary.expand(clean_question(question))

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

    def sections(self) -> list[tuple[str, str, Passage]]:
        """(document, section, first passage) for every section, in document order."""
        seen: dict[tuple[str, str], Passage] = {}
        for p in self._index.passages:
            seen.setdefault((p.document, p.section), p)
        return [(doc, sec, p) for (doc, sec), p in seen.items()]

    def section_passages(self, document: str, section: str) -> list[Passage]:
        return [p for p in self._index.passages if p.document == document and p.section == section]

    def embed_queries(self, questions: list[str], index: Index | None = None) -> np.ndarray:
        """Question vectors from the model of `index` (adapted or base); the current index by default."""
        index = index if index is not None else self._index
        return encode([self.prepare(q) for q in questions], model_dir=index.query_model_dir)

    def search(self, question: str, top_k: int = 3) -> Answer:
        return self.search_many([question], top_k)[0]

    def question_vectors(self, questions: list[str], index: Index | None = None) -> np.ndarray:
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
        made = self._speller
        if made is None or made[0] is not index:
            texts = [f"{p.section} {p.text}" for p in index.passages]
            known = model_vocabulary(model_path()) | {
                w for term in self.glossary.terms for w in term.lower().split()
            }
            made = (index, Speller.for_texts(texts, known))
            self._speller = made
        return made[1]

    def _question_vectors(self, cleaned: list[str], index: Index) -> np.ndarray:
        todo = [i for i, q in enumerate(cleaned) if q]
        if not todo:
            return np.zeros((len(cleaned), index.vectors.shape[-1]), dtype=np.float32)
        embedded = self.embed_queries([cleaned[i] for i in todo], index)
        vectors = np.zeros((len(cleaned), embedded.shape[1]), dtype=np.float32)
        vectors[todo] = embedded
        return vectors

    def search_many(
        self, questions: list[str], top_k: int = 3, *, vectors: np.ndarray | None = None
    ) -> list[Answer]:
        """Answer several questions with one model call (the batch mode of the CLI).

        `vectors` are the questions' rows from `question_vectors`, when they
        are already at hand: searching one batch several times (say, under
        each keyword weight) then embeds it once. They must come from the
        model of the index this engine searches.
        """
        if vectors is not None and len(vectors) != len(questions):
            raise ValueError(f"{len(vectors)} question vectors for {len(questions)} questions")
        index = self._index
        cleaned = self._cleaned(questions, index)
        answers: list[Answer] = [Answer(q, False) for q in questions]
        todo = [i for i, q in enumerate(cleaned) if q]
        if not todo or not index.passages:
            return answers
        if vectors is None:
            vectors = self._question_vectors(cleaned, index)
        for i in todo:
            answers[i] = self._rank(index, questions[i], cleaned[i], vectors[i], top_k)
        return answers

    def _rank(self, index: Index, question: str, cleaned: str, vector: np.ndarray, top_k: int) -> Answer:
        dense = index.dense(vector, CANDIDATES)
        similarity = dict(dense)
        taught = self._taught_matches(index, vector) if self.method == "hybrid" else []
        if self.method == "dense":
            order = [(i, s) for i, s in dense]
        else:
            words = index.informative(query_words(self.glossary.expand(cleaned)))
            keyword = index.keyword(or_query(words), CANDIDATES)
            if self.method == "keyword":
                order = keyword
            else:
                rankings = [[i for i, _ in dense], [i for i, _ in keyword]]
                weights = [1.0, self._keyword_weight(index)]
                if taught:
                    rankings.append([i for i, _ in taught])
                    weights.append(1.0)
                order = reciprocal_rank_fusion(rankings, weights=weights)
        missing = [i for i, _ in order[:top_k] if i not in similarity]
        if missing:
            similarity.update(index.similarity(vector, missing))
        hits = [Hit(index.passages[i], float(score), similarity[i]) for i, score in order[:top_k]]
        best_similarity = dense[0][1] if dense else 0.0
        # A near-copy of a question a reviewer taught is in policy by their decision.
        answered = bool(hits) and (best_similarity >= self.threshold or bool(taught))
        answer = Answer(question, answered, hits)
        answer.ambiguous = answered and not taught and len(hits) > 1 and answer.gap < self.margin
        return answer

    def _taught_matches(self, index: Index, vector: np.ndarray) -> list[tuple[int, float]]:
        """Passages whose taught example questions this question nearly repeats, best first.

        A third ranking for the fusion, kept apart from the passages' own
        vectors: measured on labelled questions, mixing examples into the
        dense rows pulled unrelated questions to them, while this bar
        (cosine >= TAUGHT_MIN_SIMILARITY) helps paraphrases and leaves the
        rest alone. See tests/bench_corrections.py.
        """
        taught = self._taught
        if taught is None or taught.index is not index:  # mid-swap: the old examples do not apply
            return []
        return taught.matches(vector, TAUGHT_MIN_SIMILARITY)


def clean_question(text: str) -> str:
    """Drop control characters and excess length; an empty result means "no question"."""
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text[: MAX_QUERY_CHARS * 2])
    text = " ".join(text.split())
    return text[:MAX_QUERY_CHARS] if re.search(r"[^\W_]", text) else ""
