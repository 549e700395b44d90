"""Start-up errors shared by the bot and the command line."""

from __future__ import annotations


class StartupError(Exception):
    """The bot cannot start; the message is one line a person can act on."""
