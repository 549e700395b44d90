"""Starting the search engine: the index loaded (or built) and the model warmed, together.

This is the one place that turns a policy folder and an index folder into a
ready `SearchEngine`; the CLI and the bot both call it and only translate
`EngineError` into their own words.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge.documents import PolicyFolderError
from knowledge.glossary import Glossary, GlossaryError

from .adaptation import Correction, TrainingData, adapt_index, adaptation_due, adaptation_key, gather
from .index import Index, open_index, read_manifest
from .model import ModelError, load_model
from .search import SearchEngine
from .training import AdaptSettings

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
    None (or below 0) means the index's calibrated one (or the default).
    """
    say = notify or (lambda msg: log.warning("%s", msg))
    errors: list[BaseException] = []

    stored = read_manifest(index_dir) or {}
    adapted = index_dir / str(stored["query_model"]) if stored.get("query_model") else None

    def warm() -> None:  # the model questions will go through: an adapted one spares loading the base
        try:
            load_model(adapted if adapted is not None and adapted.is_dir() else None)
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
    chosen = threshold if threshold is not None and threshold >= 0 else None
    try:
        glossary = Glossary.for_policies(policies)
    except GlossaryError as exc:
        raise EngineError(str(exc)) from None
    engine = SearchEngine(opened.index, glossary=glossary, threshold=chosen)
    engine.speller(opened.index)  # made now, not in the first person's question
    return engine, opened.status


def corrections_from(database: Path | None) -> list[Correction]:
    """The reviewers' corrections stored in the bot's database (none when it does not exist yet)."""
    if database is None or not Path(database).exists():
        return []
    import sqlite3

    import sqlite_utils

    from .examples import load_examples

    try:
        db = sqlite_utils.Database(sqlite3.connect(f"file:{database}?mode=ro", uri=True))
        try:
            return [Correction(e.question, e.passage_id) for e in load_examples(db)]
        finally:
            db.conn.close()
    except sqlite3.Error as exc:
        log.warning("cannot read corrections from %s: %s", database, exc)
        return []


@dataclass(frozen=True)
class AdaptationStatus:
    """Whether an index is adapted to the school's labelled questions as they are now."""

    data: TrainingData  # the questions files next to the policies and the stored corrections
    key: str  # what a model adapted to `data` (and the index's passages, and the settings) is kept as
    due: bool  # the index's model is not that one: adapting would change it


def adaptation_status(
    index: Index, policies: Path, database: Path | None, settings: AdaptSettings | None = None
) -> AdaptationStatus:
    """Whether `index` is adapted to the school's labelled questions as they are now.

    They are the `*.questions.jsonl` files in `policies` and the reviewers'
    corrections in the bot's `database` (None, or not created yet: none).
    The bot's `Adapter` and the command line's notice both ask this.
    """
    settings = settings or AdaptSettings()
    data = gather(policies, corrections_from(database))
    key = adaptation_key(index, data, settings)
    return AdaptationStatus(data, key, adaptation_due(index, data, settings))


def adapt_engine(
    engine: SearchEngine,
    policies: Path,
    index_dir: Path,
    corrections: list[Correction] | None = None,
    *,
    settings: AdaptSettings | None = None,
    progress: bool = True,
    notify: Callable[[str], None] | None = None,
) -> str:
    """Adapt the model to the school when it is due, and swap the result into `engine`.

    Returns one line saying what happened. A questions file that cannot be
    read is named in a notice and left out; the rest still counts.
    """
    say = notify or (lambda msg: log.warning("%s", msg))
    settings = settings or AdaptSettings()
    data = gather(policies, corrections or [])
    for problem in data.problems:
        say(f"questions file left out: {problem}")
    if not adaptation_due(engine.index, data, settings):
        return describe(engine.index)
    result = adapt_index(index_dir, data, settings, glossary=engine.glossary, progress=progress)
    old = engine.swap(result.index)
    if old is not result.index:
        old.close()
    return describe(result.index)


def describe(index: Index) -> str:
    """One line on the model an index answers with."""
    info = index.manifest.get("adaptation")
    if not info:
        return "base model (not adapted to these policies yet)"
    labelled = int(info.get("labelled_pairs", 0))
    others = int(info.get("other_schools_pairs", 0))
    synthetic = int(info.get("pairs", 0)) - labelled - others
    pairs = f"{labelled} labelled, {synthetic} synthetic and {others} other schools' pairs"
    if info.get("adapted"):
        return f"adapted to these policies ({pairs}, {info.get('seconds', 0):.0f} s)"
    return f"base model kept: {info.get('reason')}"
