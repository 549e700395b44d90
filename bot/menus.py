"""The command menu: every command, what it does and who sees it, in one registry.

bot.app builds it once from each feature's `COMMANDS` and puts it in Services, so /help
lists exactly what Telegram's menu shows a person, and /reload re-publishes the menus,
without either feature reaching up into the app.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from .config import ROLES, Config

log = logging.getLogger("staffguide.app")

# Commands shown only to people holding one of these roles; every other command is for all staff.
# (The handlers check the roles themselves: the menu only keeps each person's list to what works.)
REVIEWERS = frozenset({"head_teacher", "deputy", "dsl", "chair_of_governors"})
POLICY_ADMINS = frozenset({"head_teacher", "policy_admins"})
COMMAND_ROLES: dict[str, frozenset[str]] = {
    "invite": frozenset({"head_teacher"}),
    "revoke": frozenset({"head_teacher"}),
    "status": frozenset({"head_teacher"}),
    "staff": frozenset({"head_teacher"}),
    "queue": REVIEWERS,
    "show": REVIEWERS,
    "export": REVIEWERS,
    "review": POLICY_ADMINS,
    "policies": POLICY_ADMINS,
    "reload": POLICY_ADMINS,
    "reads": POLICY_ADMINS,
}


@dataclass(frozen=True)
class Menu:
    """Commands in menu order, each (command, description), and the roles of the restricted ones."""

    commands: tuple[tuple[str, str], ...]
    roles: dict[str, frozenset[str]]

    @classmethod
    def of(cls, listed: Iterable[tuple[str, str]], roles: dict[str, frozenset[str]] = COMMAND_ROLES) -> Menu:
        """The menu of the features' command lists in order; a command listed twice counts once."""
        seen: dict[str, str] = {}
        for command, description in listed:
            seen.setdefault(command, description)
        return cls(tuple(seen.items()), roles)

    def everything(self) -> list[tuple[str, str]]:
        return list(self.commands)

    def for_roles(self, roles: set[str]) -> list[tuple[str, str]]:
        """The menu of someone holding `roles` (staff: the commands every member of staff may use)."""
        return [(c, d) for c, d in self.commands if c not in self.roles or self.roles[c] & roles]

    async def publish(self, bot: Any, config: Config) -> None:
        """Everyone gets the staff menu; each person named in [people] gets their roles' menu in
        their own chat (BotCommandScopeChat). A bot that cannot still works, so only warn."""
        try:
            await bot.set_my_commands([BotCommand(c, d) for c, d in self.for_roles({"staff"})])
            people = {uid for role in ROLES for uid in getattr(config.people, role)}
            for user_id in sorted(people):
                menu = self.for_roles(config.people.roles_of(user_id) | {"staff"})
                await bot.set_my_commands(
                    [BotCommand(c, d) for c, d in menu], scope=BotCommandScopeChat(user_id)
                )
        except TelegramError as exc:
            log.warning("could not register the command menus with Telegram: %s", exc)
