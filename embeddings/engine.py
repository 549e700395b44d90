"""Starting the search engine: the index loaded (or built) and the model warmed, together.

This is the one place that turns a policy folder and an index folder into a
ready `SearchEngine`; the CLI and the bot both call it and only translate
`EngineError` into their own words.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from knowledge.documents import PolicyFolderError

from .index import open_index
from .model import ModelError, load_model
from .search import DEFAULT_THRESHOLD, SearchEngine

log = logging.getLogger(__name__)


class EngineError(Exception):
    """The engine cannot start; the message is one line a person can act on."""


def open_engine(
    policies: Path,
    index_dir: Path,
    threshold: float | None = None,
    *,
    rebuild: bool = False,
    progress: bool = True,
    notify: Callable[[str], None] | None = None,
) -> tuple[SearchEngine, str]:
    """Load (or build) the index and wrap it in a search engine; returns (engine, status).

    The model import (about 5 s) starts in a thread at once, so that it
    overlaps reading the index instead of following it. A `threshold` of
    None (or below 0) means the calibrated default.
    """
    say = notify or (lambda msg: log.warning("%s", msg))
    errors: list[BaseException] = []

    def warm() -> None:
        try:
            load_model()
        except BaseException as exc:  # reported below, in the calling thread
            errors.append(exc)

    warmer = threading.Thread(target=warm, daemon=True)
    warmer.start()
    try:
        opened = open_index(policies, index_dir, rebuild=rebuild, progress=progress, notify=say)
    except (PolicyFolderError, ModelError) as exc:
        raise EngineError(str(exc)) from None
    except OSError as exc:
        raise EngineError(f"cannot write the index to {index_dir}: {exc.strerror}") from None
    warmer.join()
    if errors:
        raise EngineError(str(errors[0]))
    for name, why in opened.index.skipped:
        say(f"skipped {name}: {why}")
    chosen = threshold if threshold is not None and threshold >= 0 else DEFAULT_THRESHOLD
    return SearchEngine(opened.index, threshold=chosen), opened.status
