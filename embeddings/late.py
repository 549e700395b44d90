"""Late interaction: the first passages put in order by how well each word of the question finds its match.

The dense retriever compares one vector for the question with one for each
view of a passage, so a passage that shares the question's topic but not its
point can rank first. Late interaction (ColBERT's MaxSim) keeps the model's
vector for every word piece instead: each word piece of the question takes
its best cosine with the passage's word pieces, and the passage scores the
mean. MiniLM's own token vectors serve; nothing is trained for it.

Measured on first-day indexes (no labelled questions of the school's own;
the four tuning sets, 195 in-policy questions), with each passage read with
its heading as its first view is embedded. Putting the first FIRST passages
of the fused ranking in order by this score alone: hit@1 119 -> 135, hit@3
160 -> 170, reach 148 -> 154. Joining that order with the fused one by
reciprocal rank fusion, the late ranking at WEIGHT: hit@1 133, hit@3 171,
reach 156 (at weight 1: 151; at 4: 155), with the same declines and no
confident wrong answer, so it is joined. Held-out halves (133 questions),
scored after: joined, hit@1 77 -> 90, hit@3 100 -> 106, reach 93 -> 97
(alone: 95, 114, 104; the choice was made on the tuning sets). Only the
first three put in order: hit@1 132, hit@3 unchanged; the first 6, 10 and
50 alone gave reach 153, 153 and 155. The score favours passages with many
words (each question word finds some match among them): a one-line rule can
fall from 5th to 13th, which the join with the fused order softens.

The decline bar still applies to the first three of the fused ranking
(`embeddings.decision.Shown.closest`): applied to the reordered three it
declined 4 more in-policy questions and answered 2 more out-of-policy ones;
applied to the better of the two, it answered 3 more out-of-policy ones.
Leaving out the question's common words lost ground (a third of the gain in
hit@1, in a first trial on the first three).

A passage's token vectors are made with its index (the same model call as
its vectors) and kept as int8 rows, one scale each: about 400 bytes a word
piece, 33 kB for a passage of 85 word pieces. A school's set of up to about
1,000 passages is held in memory (`IN_MEMORY`); a larger one stays on disk
and a question reads just the passages it reorders: memory-mapped, the
kernel's read-ahead took the serving RSS at 10,000 passages (275 MB of
rows) from 628 MB to 840 MB over 166 questions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .fusion import reciprocal_rank_fusion

TOKENS = "tokens.npy"  # int8 rows, one per word piece of each passage's first view
TOKEN_SCALES = "token-scales.npy"  # float32: row r is TOKENS[r] * TOKEN_SCALES[r] / 127
TOKEN_STARTS = "token-starts.npy"  # int64: passage p owns rows starts[p]:starts[p + 1]
FIRST = 20  # passages of the fused ranking put in order again (measured above)
WEIGHT = 2.0  # of the late ranking, joined with the fused one (measured above)
# Rows up to this size are held in memory once loaded (about 1,000 passages; the bundled policy's
# are 1.3 MB, the DfE guidance's 6.3 MB): twenty reads from disk a question took 0.3-0.5 ms of a
# search there (A/B in one process, 166 questions, the same answers). Larger sets read from disk.
IN_MEMORY = 32 * 2**20


class RowFile:
    """The int8 rows of a stored `TOKENS` file, read a slice at a time (positional reads, so
    searches on several threads share it; a swapped-out index keeps reading its open file)."""

    def __init__(self, path: Path) -> None:
        """Raises ValueError for a file that is not a two-dimensional int8 array."""
        self._file: BinaryIO = open(path, "rb")  # noqa: SIM115  # open for as long as the index is
        try:
            version = np.lib.format.read_magic(self._file)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format {version}")
            header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = header(self._file)
        except (ValueError, OSError) as exc:
            self._file.close()
            raise ValueError(f"unreadable word-piece rows ({exc})") from None
        if dtype != np.int8 or len(shape) != 2 or fortran:
            self._file.close()
            raise ValueError(f"word-piece rows of {shape} {dtype}")
        self._offset = self._file.tell()
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        if os.fstat(self._file.fileno()).st_size < self._offset + self.shape[0] * self.shape[1]:
            self._file.close()
            raise ValueError("the word-piece rows file is cut short")

    def __del__(self) -> None:  # with the index that holds it: never while a search can read it
        file = getattr(self, "_file", None)  # None when the file could not be opened
        if file is not None:
            file.close()

    def __len__(self) -> int:
        return self.shape[0]

    def read(self, start: int, end: int) -> np.ndarray:
        dim = self.shape[1]
        data = os.pread(self._file.fileno(), (end - start) * dim, self._offset + start * dim)
        return np.frombuffer(data, dtype=np.int8).reshape(end - start, dim)


@dataclass(frozen=True)
class TokenRows:
    """Every passage's word-piece vectors, stored compactly, read one passage at a time."""

    rows: np.ndarray | RowFile  # int8 (word pieces, dim): in memory when built, on disk when loaded
    scales: np.ndarray  # float32 (word pieces,)
    starts: np.ndarray  # int64 (passages + 1,)

    @classmethod
    def of_passages(cls, per_passage: Sequence[np.ndarray], dim: int) -> TokenRows:
        """Each passage's unit-length rows (float32, one per word piece), quantised."""
        return cls.join([quantise(rows) for rows in per_passage], dim)

    @classmethod
    def join(cls, per_passage: Sequence[tuple[np.ndarray, np.ndarray]], dim: int) -> TokenRows:
        """Passages already quantised (`quantise`), in passage order."""
        counts = [len(rows) for rows, _ in per_passage]
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        if not sum(counts):
            return cls(np.zeros((0, dim), dtype=np.int8), np.zeros(0, dtype=np.float32), starts)
        rows = np.vstack([rows for rows, _ in per_passage])
        scales = np.concatenate([scales for _, scales in per_passage]).astype(np.float32)
        return cls(rows, scales, starts)

    def of(self, passage: int) -> np.ndarray:
        """The word-piece vectors of one passage, float32."""
        rows, scales, _ = self.stored([passage])
        vectors: np.ndarray = rows.astype(np.float32) * scales[:, None]
        return vectors

    def stored(self, passages: Sequence[int]) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Several passages' int8 rows stacked, each row's scale (to multiply by), each passage's count."""
        spans = [(int(self.starts[p]), int(self.starts[p + 1])) for p in passages]
        if isinstance(self.rows, np.ndarray):
            rows = [self.rows[start:end] for start, end in spans]
        else:
            rows = [self.rows.read(start, end) for start, end in spans]
        dim = self.rows.shape[1]
        stacked = np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.int8)
        scales = np.concatenate([self.scales[start:end] for start, end in spans] or [np.zeros(0)]) / 127
        return stacked, scales.astype(np.float32), [end - start for start, end in spans]

    @property
    def passages(self) -> int:
        return len(self.starts) - 1

    def save(self, folder: Path) -> None:
        """Write rows built in memory (a loaded set is saved by copying its files)."""
        if not isinstance(self.rows, np.ndarray):
            raise TypeError("word-piece rows read from disk are copied as files, not saved again")
        np.save(folder / TOKENS, self.rows, allow_pickle=False)
        np.save(folder / TOKEN_SCALES, self.scales, allow_pickle=False)
        np.save(folder / TOKEN_STARTS, self.starts, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> TokenRows:
        """The scales and starts in memory; the rows too up to `IN_MEMORY` bytes, else read from
        disk as questions need them.

        Raises ValueError when the three files do not fit together."""
        scales = np.load(folder / TOKEN_SCALES, allow_pickle=False)
        starts = np.load(folder / TOKEN_STARTS, allow_pickle=False)
        rows = RowFile(folder / TOKENS)
        if scales.dtype != np.float32 or scales.shape != (len(rows),):
            raise ValueError(f"{rows.shape} word-piece rows with {scales.shape} {scales.dtype} scales")
        if starts.ndim != 1 or not len(starts) or starts[0] != 0 or starts[-1] != len(rows):
            raise ValueError("word-piece rows and their passages do not match")
        if np.any(np.diff(starts) < 0):
            raise ValueError("word-piece passage starts go backwards")
        if rows.shape[0] * rows.shape[1] <= IN_MEMORY:
            return cls(rows.read(0, len(rows)), scales, starts)  # the file closes with its RowFile
        return cls(rows, scales, starts)


def quantise(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and each row's scale: a quarter of float32's memory, cosines within 0.01."""
    peak = np.maximum(np.abs(rows).max(axis=1), 1e-12) if len(rows) else np.zeros(0, dtype=np.float32)
    return np.rint(rows / peak[:, None] * 127).astype(np.int8), peak.astype(np.float32)


def late_score(question: np.ndarray, passage: np.ndarray) -> float:
    """The mean over the question's word pieces of each one's best cosine with the passage's."""
    if not len(question) or not len(passage):
        return 0.0
    return float((question @ passage.T).max(axis=1).mean())


def late_scores(question: np.ndarray, tokens: TokenRows, numbers: Sequence[int]) -> list[float]:
    """`late_score` for several passages, with one matrix product for all of them."""
    rows, scales, counts = tokens.stored(numbers)
    if not len(question) or not len(rows):
        return [0.0] * len(counts)
    similarities = product(rows, question) * scales[:, None]  # scaled after the product
    held = [i for i, count in enumerate(counts) if count]
    starts = np.cumsum([0, *counts])[held]
    best = np.maximum.reduceat(similarities, starts, axis=0).mean(axis=1)
    scores = [0.0] * len(counts)
    for i, score in zip(held, best.tolist(), strict=True):
        scores[i] = round(float(score), 6)  # the product's rounding differs by column; equal is equal
    return scores


def product(rows: np.ndarray, question: np.ndarray) -> np.ndarray:
    """The passages' int8 rows (as float32) by the question's rows: a thousand or two by a dozen.

    Done by torch, on the threads that have just encoded the question. numpy's
    OpenBLAS took 0.88 ms for 1,400 rows on one thread (on two, its second
    thread kept spinning after the product on the core the next encode needs)
    and torch 0.34 ms, with the same numbers; a whole search, A/B in one
    process over 166 questions with the same answers, went 13.21 -> 12.41 ms
    on the bundled policy, 12.91 -> 12.23 ms on the DfE guidance and 15.79 ->
    15.02 ms on 10,046 passages (bare encode 10.0-10.2 ms).
    """
    import torch

    writable = [a if a.flags.writeable else a.copy() for a in (rows, question)]  # torch shares memory
    with torch.inference_mode():
        result: np.ndarray = (torch.from_numpy(writable[0]).float() @ torch.from_numpy(writable[1]).T).numpy()
    return result


def reorder_first(
    order: Sequence[tuple[int, float]],
    question: np.ndarray,
    tokens: TokenRows,
    first: int = FIRST,
    weight: float = WEIGHT,
) -> list[tuple[int, float]]:
    """`order` with its first `first` passages put in order by the given order and the late one,
    joined by reciprocal rank fusion (the late ranking at `weight`); the rest as they were.

    Each passage keeps its given score."""
    head = list(order[:first])
    numbers = [n for n, _ in head]
    scores = dict(zip(numbers, late_scores(question, tokens, numbers), strict=True))
    late = sorted(numbers, key=lambda n: -scores[n])
    joined = reciprocal_rank_fusion([numbers, late], weights=[1.0, weight])
    given = dict(head)
    return [(n, given[n]) for n, _ in joined] + list(order[first:])
