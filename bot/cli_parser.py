"""The `staffguide` command line's arguments: every command with what it does (its --help page)
and only the options it uses. Apart from bot.cli so that the commands stay readable; argparse only.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _options(*, config: bool = True, search: bool = False, defaults: bool) -> argparse.ArgumentParser:
    """The options a command takes, before or after its name (`staffguide serve --config F`):
    --config and -q for every command, --policies and --index-dir only for those that open the
    search index, so a command's --help lists only what it reads.

    On the sub-commands they default to SUPPRESS, so an option given before
    the command name is not overwritten by the sub-command's default.
    """
    common = argparse.ArgumentParser(add_help=False)
    keep: dict[str, Any] = {} if defaults else {"default": argparse.SUPPRESS}
    if config:
        common.add_argument("--config", type=Path, help="TOML config file (see config.example.toml)", **keep)
    if search:
        common.add_argument(
            "--policies",
            type=Path,
            help="folder of policy files (.txt .md .pdf .docx .doc .odt .rtf .html, and templates)",
            **keep,
        )
        common.add_argument("--index-dir", type=Path, help="where the search index is stored", **keep)
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notices", **keep)
    return common


def version() -> str:
    """The installed package's version (pyproject.toml's), as `pip show staffguide` gives it."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("staffguide")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="staffguide",
        description="Answers staff questions from the school's policies; runs the StaffGuide Telegram bot.",
        parents=[_options(search=True, defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"staffguide {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    searching = [_options(search=True, defaults=False)]
    plain = [_options(defaults=False)]

    def command(name: str, parents: list[argparse.ArgumentParser], summary: str, description: str) -> Any:
        return sub.add_parser(name, parents=parents, help=summary, description=description)

    p = command(
        "index",
        searching,
        "build or refresh the search index",
        "Build the search index from the policy files (reused when nothing changed), then adapt the "
        "model to them (minutes, once per change). Run it after changing the policies.",
    )
    p.add_argument("--rebuild", action="store_true", help="rebuild even if nothing changed")
    p.add_argument(
        "--no-adapt",
        action="store_true",
        help="do not adapt the model to the policies (faster, less accurate)",
    )

    p = command(
        "ask",
        searching,
        "answer a question from the policies",
        "Answer a question the way the bot does: the passage of the policy, quoted word for word.",
    )
    p.add_argument("question", nargs="*", help="the question; with --json and none, read stdin")
    p.add_argument("--json", action="store_true", help="one JSON object per question, one a line")
    p.add_argument("--top-k", type=int, default=3, help="passages per answer (1-20, default 3)")

    p = command(
        "calibrate",
        searching,
        "pick the 'answered' threshold from labelled questions",
        "Print the similarity threshold that labelled questions imply for answering or declining.",
    )
    p.add_argument("questions", type=Path, help="JSON lines: {question, in_policy}")

    p = command(
        "evaluate",
        searching,
        "score the search on labelled questions (hit@1, hit@3, reach, wrong)",
        "Score the search on labelled questions as staff meet it: how often the right passage is "
        "first or among the three shown, on screen within one tap (reach), or given confidently "
        "when it is the wrong one (wrong); and how many questions the policies do not cover are "
        "declined.",
    )
    p.add_argument("questions", type=Path, help="JSON lines: {question, in_policy, evidence}")
    p.add_argument(
        "-v", "--verbose", action="store_true", help="list each question missed, with what was shown first"
    )

    p = command(
        "serve",
        searching,
        "run the Telegram bot",
        "Run the Telegram bot until stopped. Exit codes: 2 a mistake to fix (config), 75 Telegram "
        "unreachable at start-up (try again).",
    )
    p.add_argument("--webhook", metavar="URL", help="receive updates by webhook at this HTTPS URL")
    p.add_argument(
        "--wait-for-telegram",
        action="store_true",
        help="at start-up, keep trying to reach Telegram instead of exiting with 75 (for Docker, "
        "whose restart policy cannot tell 75 from 2)",
    )

    command(
        "stats",
        plain,
        "print the weekly digest",
        "Print the weekly digest from the bot's database (read only; the database must exist). "
        "Needs --config, so it never reads a database by accident.",
    )

    command(
        "reads",
        plain,
        "who has confirmed reading the changed policies",
        "Print, for each policy version staff were asked to read, who has confirmed reading it (and "
        "when) and who has not: what the Head Teacher's /reads shows. Read only; needs --config.",
    )

    command(
        "check",
        searching,
        "check the config, Telegram (getMe), the database and the index",
        "Check everything the bot needs before its first start: the config, Telegram (getMe), the "
        "database (created or upgraded), the search index and the backup folder.",
    )

    p = command(
        "health",
        plain,
        "is the running bot alive? (for Docker's HEALTHCHECK, monitoring)",
        "Exit 0 when a bot runs on the database and wrote its heartbeat recently, else 1 with one "
        "line saying why. Reads two small files: no Telegram, no model, no database.",
    )
    p.add_argument(
        "--max-age",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how old the last heartbeat may be (default 120; the bot writes one every 30 s)",
    )

    p = command(
        "export-person",
        plain,
        "everything held about one member of staff, as JSON (subject access)",
        "Write everything the bot's database holds under one Telegram user id (enrolment, questions, "
        "reports filed with their history, notes and messages, replies) as one JSON document, for a "
        "subject access request. Read only; review it before disclosure (reports can name others).",
    )
    p.add_argument("user_id", type=int, help="the member of staff's Telegram user id")
    p.add_argument("-o", "--output", type=Path, help="write to this file (default: standard output)")

    p = command(
        "erase-questions",
        plain,
        "delete one member of staff's questions, on their request",
        "Delete every question one member of staff asked, with the copies of their words (policy "
        "gaps, example questions). Reports are the school's record and follow [storage] "
        "report_retention. Says what it would delete unless --yes is given.",
    )
    p.add_argument("user_id", type=int, help="the member of staff's Telegram user id")
    p.add_argument("--yes", action="store_true", help="really delete them (there is no undo)")

    p = command(
        "backup",
        plain,
        "back up the database (safe while the bot runs)",
        "Copy the database with SQLite's online backup API while the bot runs; the copy is checked "
        "before it gets its name.",
    )
    p.add_argument("dest", type=Path, help="the backup file (e.g. copy.db), or a folder for a dated backup")

    p = command(
        "restore",
        plain,
        "replace the database with a checked backup",
        "Replace the database with a backup after checking it; the replaced database is kept next to it.",
    )
    p.add_argument("source", type=Path, help="a backup made by `staffguide backup`")
    p.add_argument("--force", action="store_true", help="even while a bot is running on the database")
    return parser
