"""What every handler needs, in one object stored in `application.bot_data["services"]`.

Handlers stay small because they find the config, the search engine and the
database here rather than building them; tests build the same object around
a temporary database and the real engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlite_utils

from .config import Config

if TYPE_CHECKING:
    from embeddings.search import SearchEngine


@dataclass
class Services:
    config: Config
    engine: SearchEngine
    db: sqlite_utils.Database
    extra: dict[str, Any] = field(default_factory=dict)  # per-feature state (rate limits, re-index lock)

    def roles_of(self, user_id: int) -> set[str]:
        """Roles from `[people]` in the config; enrolment adds "staff" (see bot.access)."""
        return self.config.people.roles_of(user_id)


SERVICES_KEY = "services"


def services_of(context: Any) -> Services:
    """The Services of a handler's CallbackContext (or of an Application)."""
    bot_data = context.bot_data if hasattr(context, "bot_data") else context.application.bot_data
    return bot_data[SERVICES_KEY]
