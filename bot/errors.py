"""Start-up errors shared by the bot and the command line."""

from __future__ import annotations


class StartupError(Exception):
    """The bot cannot start; the message is one line a person can act on."""


class TelegramUnreachable(StartupError):
    """Telegram could not be reached: likely to pass by itself, so a service manager should retry
    (exit code 75, EX_TEMPFAIL) rather than treat it like a configuration mistake (exit code 2)."""
