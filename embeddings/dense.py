"""Nearest-vector search: a flat scan, or an inverted-file (IVF) index for very large sets.

A flat scan reads every vector for every question and is exact: 0.01 ms for
the bundled policy, 1.3-2.8 ms for 20,000 rows (10,000 passages) and about
13 ms for 100,000 rows on a small CPU, on one thread. It is torch's
matrix-vector product, on the threads that have just encoded the question:
right after an encode (the rows no longer in the CPU's caches), 20,000 rows
took 1.6 ms that way against 2.4 ms for FAISS's scan on one thread, and
FAISS on two threads took 6 ms, its OpenMP threads contending with torch's
(and slowing the next encode by 2 ms). From `APPROXIMATE_FROM` rows up, the
index also holds an IVF index: the rows are grouped around `lists(n)` k-means
centres and a question reads only the `probes(n)` groups nearest to it, about
a quarter of the rows. Scores stay exact cosines (IVF-Flat keeps the full
vectors); what can differ is a row missed because it sits in a group not read.

Why only from 100,000 rows: measured on the labelled questions against
10,000 passages (20,000 rows, `tests/bench_search.py`), IVF reading a quarter
of the rows saved 0.8 ms a question but found the flat scan's best passage
for 165 of 166 questions, and reading an eighth changed the top three or
the decision to answer for 21 of 166. Below 100,000 rows the flat scan
costs too little to trade answers for. Recall on random vectors is tested
in `tests/test_dense.py`.

The IVF index is built once with the index (k-means on one thread with a
fixed seed, so the same vectors give the same index) and stored next to it."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

APPROXIMATE_FROM = 100_000  # rows (two per passage); below this the exact flat scan is kept
SEED = 1234


def lists(rows: int) -> int:
    """IVF groups for `rows` vectors: about 1 per 150 rows (2 * sqrt(rows) at 20,000)."""
    return max(16, round(2 * math.sqrt(rows)))


def probes(n_lists: int) -> int:
    """Groups read per question: a quarter of them, at least 8."""
    return min(n_lists, max(8, n_lists // 4))


def single_threaded(search: Any, *args: Any) -> Any:
    """Run a FAISS call on one OpenMP thread, then restore the setting.

    One question is a single matrix-vector product, which more threads only
    slow down (measured); the setting is process-wide and shared with torch,
    whose batch embedding does want every core, hence the restore. Building
    the IVF index on one thread also makes it deterministic.
    """
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return search(*args)
    finally:
        faiss.omp_set_num_threads(before)


def build_approximate(vectors: NDArray[np.float32]) -> Any:
    """An IVF-Flat inner-product index over `vectors` (unit rows), with its probe count set."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    rows, dim = vectors.shape
    n_lists = min(lists(rows), rows)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, n_lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = SEED
    index.cp.niter = 20
    index.cp.spherical = True  # unit vectors: centres on the sphere too
    single_threaded(index.train, vectors)
    single_threaded(index.add, vectors)
    index.nprobe = probes(n_lists)
    return index


def save_approximate(index: Any, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load_approximate(path: Path, vectors: NDArray[np.float32]) -> Any:
    """Read an IVF index written by `save_approximate` for these vectors; ValueError if it does not fit."""
    import faiss

    try:
        index = faiss.read_index(str(path))
    except RuntimeError as exc:  # FAISS reports unreadable files so
        raise ValueError(f"unreadable IVF index: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(index, faiss.IndexIVFFlat):
        raise ValueError(f"expected an IVF-Flat index, found {type(index).__name__}")
    if index.ntotal != len(vectors) or index.d != vectors.shape[1] or not index.is_trained:
        raise ValueError(f"IVF index of {index.ntotal} x {index.d} for {vectors.shape} vectors")
    index.nprobe = probes(index.nlist)
    return index


class DenseSearch:
    """The best rows for a query vector: a flat scan, or the IVF index over all of them."""

    def __init__(self, vectors: NDArray[np.float32], approximate: Any = None) -> None:
        # The flat scan reads these rows in place (an IndexFlatIP would hold a second copy:
        # 31 MB at 10,000 passages); torch shares their memory.
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.approximate = approximate
        self._rows: Any = None  # the same rows as a torch tensor, made at the first flat scan

    def search(self, query: NDArray[np.float32], n: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The best rows and their inner products, best first, at most n; ties to the lower row."""
        n = min(n, len(self.vectors))
        if n <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        # a few rows beyond the n-th, so that copies tied at the n-th place are put in row order too
        wanted = min(n + TIES, len(self.vectors))
        if self.approximate is None:
            return best_first(*self._flat(query[0], wanted), n)
        scores, ids = single_threaded(self.approximate.search, query, wanted)
        return best_first(ids[0], scores[0], n)

    def _flat(self, query: NDArray[np.float32], n: int) -> tuple[NDArray[Any], NDArray[np.float32]]:
        """The n best rows of a flat scan and their inner products, best first (ties in any order)."""
        import torch

        if self._rows is None:
            rows = self.vectors if self.vectors.flags.writeable else self.vectors.copy()
            self._rows = torch.from_numpy(rows)  # the same memory (only a read-only array is copied)
        with torch.inference_mode():
            scores = torch.mv(self._rows, torch.from_numpy(query.copy()))
            best = torch.topk(scores, n)
        return best.indices.numpy(), best.values.numpy()


TIES = 16  # rows found beyond those asked for, to order exact ties (a passage's copies) by row


def best_first(
    ids: NDArray[Any], scores: NDArray[np.float32], n: int
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Rows found, best score first and ties to the lower row: FAISS's heap and torch's top-k
    return rows of equal score in no set order (FAISS gave three copies as rows 200, 50, 10)."""
    found = ids >= 0
    ids, scores = ids[found].astype(np.int64), scores[found].astype(np.float32)
    order = np.lexsort((ids, -scores))[:n]
    return ids[order], scores[order]
