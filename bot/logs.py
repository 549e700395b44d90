"""Logging for a bot that runs for years: one line per event, with time and level, no secrets.

`serve` and `check` log through `setup_logging(config)`: each record is one line
(`2026-11-25 19:40:01,123 INFO staffguide.app: ...`; a traceback is folded into the
same line, so journald and `grep` see one event), at `[logging] level`. The bot
token is replaced by `[token]` in every line, whoever logs it: the HTTP client
logs request URLs, and Telegram's URLs contain the token.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[token]"
# Libraries that log every request at INFO (a poll every half second) unless asked for DEBUG, and
# faiss's loader, which logs at INFO that it tried and could not load its AVX512 build (eight lines
# at every start on a CPU without it, saying nothing an operator can act on).
CHATTY = ("httpx", "httpcore", "apscheduler", "telegram.ext.Updater", "faiss.loader")
# pypdf warns about a file's insides ("EOF marker not found", "Ignoring wrong pointing object")
# without naming the file; the policy reader says which file it could not read, and what to do.
QUIET = ("pypdf",)


def quiet_libraries(level: str | int) -> None:
    """Only errors from libraries whose warnings name nothing the operator can act on."""
    for name in QUIET:
        logging.getLogger(name).setLevel(level if level in ("DEBUG", logging.DEBUG) else logging.ERROR)


class OneLineRedactingFormatter(logging.Formatter):
    """Formats as usual, then removes secrets and folds the event onto one line."""

    def __init__(self, secrets: Iterable[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def format(self, record: logging.LogRecord) -> str:
        text = self.redact(super().format(record))
        return " | ".join(line for line in text.splitlines() if line.strip())


@contextlib.contextmanager
def configured_logging(
    level: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> Iterator[logging.Handler]:
    """`setup_logging` for the length of a `with` block, then the logging set-up as it was (the
    handlers and levels), so a command run in-process (tests) leaves no handler behind."""
    root = logging.getLogger()
    handlers, root_level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in CHATTY + QUIET}
    handler = setup_logging(level, secrets, stream)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for old in handlers:
            if old not in root.handlers:
                root.addHandler(old)
        root.setLevel(root_level)
        for name, old_level in levels.items():
            logging.getLogger(name).setLevel(old_level)


def setup_logging(level: str, secrets: Iterable[str] = (), stream: TextIO | None = None) -> logging.Handler:
    """Replace the root logger's handlers with one that writes one redacted line per event."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(OneLineRedactingFormatter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(level if level == "DEBUG" else "WARNING")
    quiet_libraries(level)
    return handler
