"""What every handler needs, in one object stored in `application.bot_data["services"]`.

Handlers stay small because they find the config, the search engine and the
database here rather than building them; tests build the same object around
a temporary database and the real engine, and may set the per-feature fields
(a shorter outbox tick, a slower policy library) before `build_application`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlite_utils

from .access import RateLimiter
from .config import Config
from .health import StorageHealth
from .outbox import Backoff

if TYPE_CHECKING:
    from embeddings.adapter import Adapter
    from embeddings.search import SearchEngine

    from .menus import Menu
    from .policy_library import PolicyLibrary


@dataclass
class Services:
    config: Config
    engine: SearchEngine
    db: sqlite_utils.Database
    # questions: per-person limit; built from [limits] by bot.app when not given
    rate_limiter: RateLimiter | None = None
    # the command menu (bot.menus), built by bot.app from every feature's COMMANDS
    menu: Menu | None = None
    # knowledge: the policy folder and its re-index; bot.handlers.policies builds the default
    library: PolicyLibrary | None = None
    # reports: how often the outbox is drained and overdue reports checked, and the retry policy
    tick_seconds: float = 1.0
    # invites and policy uploads: one per-person limit for each (built on first use)
    write_limiters: dict[str, RateLimiter] = field(default_factory=dict)
    # the database failing while running: told once in the log, recovered from
    storage: StorageHealth = field(default_factory=StorageHealth)
    # reports: a burst of held alerts is summarised once the person has stopped this long
    summary_settle_seconds: float = 10.0
    backoff: Backoff = field(default_factory=lambda: Backoff(max_permanent_attempts=10))
    # knowledge: adapts the model in a child process when due; checked every adapt_tick_seconds
    adapter: Adapter | None = None
    adapt_tick_seconds: float = 300.0
    adapt_first_seconds: float = 20.0  # the first check, soon after start

    def roles_of(self, user_id: int) -> set[str]:
        """Roles from `[people]` in the config; enrolment adds "staff" (see bot.access)."""
        return self.config.people.roles_of(user_id)


SERVICES_KEY = "services"


def services_of(context: Any) -> Services:
    """The Services of a handler's CallbackContext (or of an Application)."""
    bot_data = context.bot_data if hasattr(context, "bot_data") else context.application.bot_data
    services: Services = bot_data[SERVICES_KEY]
    return services
