"""The search engine for a configuration, started once for the bot and the command line.

Kept apart from bot.app so that `staffguide ask` does not import the Telegram
library (a quarter of a second) to answer one question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import Config
from .errors import StartupError

if TYPE_CHECKING:
    from embeddings.search import SearchEngine


def open_engine(config: Config, *, rebuild: bool = False, progress: bool = True) -> tuple[SearchEngine, str]:
    """The engine for `config` (see embeddings.engine.open_engine), or a one-line StartupError."""
    from embeddings.engine import EngineError
    from embeddings.engine import open_engine as start_engine

    knowledge = config.knowledge
    try:
        return start_engine(
            knowledge.dir, knowledge.index_dir, knowledge.threshold, rebuild=rebuild, progress=progress
        )
    except EngineError as exc:
        raise StartupError(str(exc)) from None
