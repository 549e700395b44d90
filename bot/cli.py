"""The `staffguide` command line: the same engine the bot uses, for people and scripts.

    staffguide index [--rebuild]          build or refresh the search index
    staffguide ask "QUESTION"             the policy's answer, for a person
    staffguide ask --json [QUESTION]      one JSON object per question (stdin when no QUESTION)
    staffguide calibrate FILE             choose the "answered" threshold from labelled questions
    staffguide evaluate FILE              hit@1, hit@3, reach and wrong answers on labelled questions
    staffguide serve [--config FILE]      run the Telegram bot
    staffguide stats --config FILE        the weekly digest, printed (reads, never creates, the database)
    staffguide check [--config FILE]      check the config, Telegram, the database and the index
    staffguide health --config FILE       exit 0 if the running bot's heartbeat is recent, else 1
    staffguide export-person ID -o FILE   everything held about one member of staff (JSON)
    staffguide erase-questions ID --yes   delete one member of staff's questions on their request
    staffguide backup DEST                copy the database (safe while the bot runs)
    staffguide restore SRC [--force]      replace the database with a checked backup

`staffguide --version` prints the installed version; `staffguide COMMAND --help` what a command does.
Errors are one line on stderr and a non-zero exit code; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_parser import build_parser
from .config import ROLES, Config, ConfigError, load_config
from .errors import StartupError, TelegramUnreachable
from .logs import configured_logging, quiet_libraries
from .search_service import open_engine

if TYPE_CHECKING:
    from embeddings.search import Answer, SearchEngine
    from knowledge.chunking import Passage

EXIT_USAGE = 2  # a mistake to fix (config, arguments, a file): restarting will not help
EXIT_ERROR = 1
EXIT_TEMPFAIL = 75  # Telegram unreachable: worth retrying (systemd restarts on it, not on 2)
DECLINED = "The policy does not cover this. Please ask the Head Teacher or your line manager."

log = logging.getLogger("staffguide")


class CliError(StartupError):
    """A problem the user can fix, shown as one line."""


def _load(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    if args.policies is not None:
        config.knowledge.dir = args.policies
    if args.index_dir is not None:
        config.knowledge.index_dir = args.index_dir
    return config


def _progress(args: argparse.Namespace) -> bool:
    """Progress bars only on a terminal: redirected to a file or a journal, each redraw of a bar
    is one more line (133 redraws, 15 KB, in one `make demo` log)."""
    return not args.quiet and sys.stderr.isatty()


def _say_if_not_adapted(engine: SearchEngine, config: Config) -> None:
    """A notice (stderr) when the model could be adapted to these policies and is not yet."""
    from embeddings.engine import adaptation_status

    if not config.knowledge.adapt:
        return
    if adaptation_status(engine.index, config.knowledge.dir, config.storage.database).due:
        log.warning("the search model is not adapted to these policies yet: `staffguide index` adapts it")


def _cmd_index(args: argparse.Namespace, config: Config) -> int:
    from embeddings.adapter import spin_less, yield_to_answers
    from embeddings.engine import adapt_engine, corrections_from, describe

    spin_less()  # this command trains the model: set before torch is first imported, by the build
    engine, status = open_engine(config, rebuild=args.rebuild, progress=_progress(args))
    index = engine.index
    docs = ", ".join(index.manifest.get("documents_list", []))
    print(f"{status}: {len(index.passages)} passages from {docs} in {config.knowledge.index_dir}")
    _record_versions(config, index.passages)
    if args.no_adapt:
        print(f"model: {describe(index)}")
        return 0
    yield_to_answers()  # a bot serving beside this command answers first while the model trains
    model = adapt_engine(
        engine,
        config.knowledge.dir,
        config.knowledge.index_dir,
        corrections_from(config.storage.database),
        progress=_progress(args),
    )
    print(f"model: {model}")
    return 0


def _record_versions(config: Config, passages: list[Passage]) -> None:
    """The bot's database (when there is one) keeps every version of the policies: a changed
    policy gets a new version, and the bot asks the Head Teacher whether staff must read it."""
    from . import policy_versions as pv
    from .storage import open_db

    if not config.storage.database.exists():
        return
    db = open_db(config.storage.database)
    for version in pv.record(db, passages, pv.INDEX):
        sections = len(version.changes)
        print(
            f"policy changed: {version.name} ({version.source}), {sections} section(s) changed; "
            "the bot asks the Head Teacher whether staff must read it"
        )


def _stdin_questions() -> Iterator[str]:
    """Questions from stdin, one a line; bytes that are not UTF-8 are replaced, not fatal."""
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").strip()
        if line:
            yield line


def format_answer(answer: Answer) -> str:
    """The answer for a person reading a terminal."""
    if not answer.answered or answer.best is None:
        return DECLINED
    if answer.ambiguous:
        out = ["Which of these answers your question?"]
        for n, hit in enumerate(answer.hits, start=1):
            out += ["", f"{n}. {hit.passage.section}"]
            out += [
                textwrap.fill(line, 88, initial_indent="  > ", subsequent_indent="  > ")
                for line in hit.passage.text.split("\n")
                if line.strip()
            ]
            out.append(f"  ({hit.passage.document})")
        return "\n".join(out)
    best = answer.best.passage
    quote = "\n".join(
        textwrap.fill(line, 88, initial_indent="  > ", subsequent_indent="  > ") if line.strip() else "  >"
        for line in best.text.split("\n")
    )
    out = [f"{best.section}", "", quote, "", f"  ({best.document})"]
    others = answer.hits[1:]
    if others:
        out += ["", "See also:"]
        for hit in others:
            words = hit.passage.text.split()
            snippet = " ".join(words[:18]) + (" ..." if len(words) > 18 else "")
            out.append(f"  - {hit.passage.section}: {snippet}")
    return "\n".join(out)


def _cmd_ask(args: argparse.Namespace, config: Config) -> int:
    from embeddings.query import clean_question

    if not 1 <= args.top_k <= 20:
        raise CliError("--top-k must be between 1 and 20")
    question = " ".join(args.question)
    if args.question and not clean_question(question):
        raise CliError("the question is empty: type a question in words")
    if not args.question and not args.json:
        raise CliError('give a question, e.g. staffguide ask "Can I friend an ex-student?"')
    engine, _ = open_engine(config, progress=_progress(args))
    _say_if_not_adapted(engine, config)
    if args.question:
        answer = engine.search(question, args.top_k)
        print(json.dumps(answer.to_json(), ensure_ascii=False) if args.json else format_answer(answer))
        return 0
    for line in _stdin_questions():
        answer = engine.search(line, args.top_k)
        print(json.dumps(answer.to_json(), ensure_ascii=False), flush=True)
    return 0


def _cmd_calibrate(args: argparse.Namespace, config: Config) -> int:
    from embeddings.calibrate import calibrate, read_labelled

    try:
        labelled = read_labelled(args.questions)
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {args.questions}: {exc}") from None
    engine, _ = open_engine(config, progress=_progress(args))
    result = calibrate(engine, labelled)
    print(result.describe())
    return 0


def _cmd_evaluate(args: argparse.Namespace, config: Config) -> int:
    from embeddings.evaluate import evaluate, read_questions

    try:
        items = read_questions(args.questions)
    except (OSError, ValueError, KeyError) as exc:
        raise CliError(f"cannot read {args.questions}: {exc}") from None
    engine, _ = open_engine(config, progress=_progress(args))
    _say_if_not_adapted(engine, config)
    score = evaluate(engine, items)
    if args.verbose:
        for miss in score.misses:
            shown = f" -> {miss.shown_first}" if miss.shown_first else ""
            print(f"{miss.verdict.value}: {miss.question!r}{shown}")
    print(score.line())
    return 0


def _cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from .app import serve

    if args.webhook:
        if not args.webhook.startswith("https://"):
            raise CliError("--webhook needs an https:// URL")
        config.telegram.webhook_url = args.webhook
    config.require_bot_settings()
    with configured_logging(config.logging.level, [config.telegram.token, config.telegram.webhook_secret]):
        return serve(config, wait_for_telegram=args.wait_for_telegram)


def _cmd_stats(args: argparse.Namespace, config: Config) -> int:
    from .digest import digest_text
    from .storage import open_db_readonly

    if config.source is None:
        raise CliError("stats reads the bot's database: give the bot's config with --config FILE")
    name = config.school.head_teacher_name.strip()
    db = open_db_readonly(config.storage.database)
    from .access import members

    staff = [m.user_id for m in members(db, config)]
    print(f"{config.school.name}, from {config.storage.database}", file=sys.stderr)
    print(digest_text(db, config.school.name, html=False, head_names=[name] if name else [], members=staff))
    return 0


def _cmd_reads(args: argparse.Namespace, config: Config) -> int:
    """The same progress as the Head Teacher's /reads, every name on one screen."""
    from . import access, reads
    from .storage import open_db_readonly
    from .text.reads import reads_report  # the wording loads Telegram's constants

    if config.source is None:
        raise CliError("reads reads the bot's database: give the bot's config with --config FILE")
    db = open_db_readonly(config.storage.database)
    members = [(m.user_id, m.name) for m in access.members(db, config)]
    print(reads_report(reads.progress(db, members), reads.undecided(db)))
    return 0


def _cmd_check(args: argparse.Namespace, config: Config) -> int:
    from .app import check_telegram
    from .backup import newest, running_pid
    from .reports.routing import unreachable
    from .storage import open_db

    config.require_bot_settings()
    print(f"config: {config.source or 'defaults'} is valid")
    people = ", ".join(f"{role} {len(getattr(config.people, role))}" for role in ROLES)
    print(f"people: {people}")
    for kind in unreachable(config.people):
        print(f"warning: {kind} reach nobody: set [people] chair_of_governors (or deputy)")
    print(f"school: {config.school.name}, time zone {config.school.timezone}")
    from .app import use_school_words
    from .reports.vocabulary import offered_categories

    use_school_words(config)  # a label repeating another is a config error here, not at start-up
    offered = len(offered_categories())
    print(f'reports: /report offers {offered} categories (pupil word "{config.school.pupil_word}")')
    me = check_telegram(config)
    where = config.telegram.base_url or "api.telegram.org"
    print(f"telegram: @{me.username} (id {me.id}) at {where}")
    database = config.storage.database
    pid = running_pid(database)
    created = "" if database.exists() else " (created)"
    db = open_db(database)
    reports = db.execute("select count(*) from reports").fetchone()[0]
    users = db.execute("select count(*) from users where revoked_at is null").fetchone()[0]
    running = f"; a bot is running on it (pid {pid})" if pid else ""
    print(f"database: {database}{created}: {reports} report(s), {users} enrolled by invite{running}")
    from .reports import unreachable_people
    from .text.ops import unreachable_text

    cannot = unreachable_text(config.people, unreachable_people(db))
    if cannot:
        print(f"warning: cannot reach {cannot}")
    from .text.access import report_retention_text  # the wording loads Telegram's constants

    kept = report_retention_text(config.storage.report_retention_years)
    print(f"retention: questions deleted after {config.storage.question_retention_days} days; reports {kept}")
    engine, status = open_engine(config, progress=False)
    docs = ", ".join(engine.index.manifest.get("documents_list", []))
    print(
        f"index: {status}: {len(engine.index.passages)} passages from {docs} in {config.knowledge.index_dir}"
    )
    folder = config.backup.dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".check-"):
            pass
    except OSError as exc:
        raise CliError(f"the backup folder {folder} is not writable: {exc.strerror or exc}") from None
    last = newest(folder)
    print(f"backups: {folder} (writable), kept {config.backup.keep_days} days; newest: {last or 'none yet'}")
    print("all good")
    return 0


def _cmd_health(args: argparse.Namespace, config: Config) -> int:
    from .heartbeat import MAX_AGE_SECONDS, Unhealthy, probe

    if config.source is None:
        raise CliError("health needs the bot's config, to find its database: give --config FILE")
    max_age = MAX_AGE_SECONDS if args.max_age is None else args.max_age
    if max_age <= 0:
        raise CliError("--max-age must be above 0 seconds")
    try:
        print(probe(config.storage.database, max_age))
    except Unhealthy as exc:
        print(f"staffguide: unhealthy: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def _database_of(config: Config, command: str) -> Path:
    """The database a command about people's data works on: named by --config, never guessed."""
    if config.source is None:
        raise CliError(f"{command} works on the bot's database: give the bot's config with --config FILE")
    return config.storage.database


def _cmd_export_person(args: argparse.Namespace, config: Config) -> int:
    from .person import export_person
    from .storage import open_db_readonly

    database = _database_of(config, "export-person")
    db = open_db_readonly(database)
    data = export_person(db, args.user_id, _retention_words(config))
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    counts = ", ".join(
        f"{len(data[key])} {label}"
        for key, label in (("questions", "question(s)"), ("reports_filed", "report(s) filed"))
    )
    where = f" to {args.output}" if args.output else ""
    print(f"staffguide: exported user {args.user_id} from {database}{where}: {counts}", file=sys.stderr)
    return 0


def _retention_words(config: Config) -> str:
    """How long questions and reports are kept, as /privacy says it, for a person's export."""
    from .text.access import report_retention_text

    storage = config.storage
    return (
        f"Questions are deleted {storage.question_retention_days} days after they are asked. Reports "
        f"(with their history) are not erased on request: they are the school's safeguarding record, "
        f"{report_retention_text(storage.report_retention_years)}."
    )


def _cmd_erase_questions(args: argparse.Namespace, config: Config) -> int:
    from .person import count_questions, erase_questions
    from .storage import open_db
    from .text.access import report_retention_text

    database = _database_of(config, "erase-questions")
    if not database.is_file():
        raise CliError(f"there is no database at {database}")
    db = open_db(database)
    retention = report_retention_text(config.storage.report_retention_years)
    kept = f"reports follow the retention rule, not erasure: {retention}"
    if not args.yes:
        found = count_questions(db, args.user_id)
        raise CliError(
            f"user {args.user_id} has {found} question(s) in {database}; nothing deleted: add --yes to "
            f"delete them ({kept})"
        )
    erased = erase_questions(db, args.user_id)
    print(
        f"deleted {erased.questions} question(s) of user {args.user_id}, {erased.examples} example "
        f"question(s) and {erased.decisions} review decision(s) made from them; {erased.gaps_blanked} "
        f"policy gap(s) keep no words of theirs. {erased.reports_kept} report(s) they filed stay: {kept}. "
        "A running bot still "
        "holds the example questions in memory until it restarts."
    )
    return 0


def _cmd_backup(args: argparse.Namespace, config: Config) -> int:
    from .backup import take_backup

    info = take_backup(config.storage.database, args.dest)
    print(f"backed up {config.storage.database} to {info.path} ({info.reports} reports, {info.size:,} bytes)")
    return 0


def _cmd_restore(args: argparse.Namespace, config: Config) -> int:
    from .backup import describe_restore, restore

    info = restore(args.source, config.storage.database, force=args.force)
    print(f"restored {args.source} to {info.path} ({info.reports} reports); integrity check: ok")
    print("\n".join(describe_restore(info, config.school.tz)))
    return 0


COMMANDS = {
    "index": _cmd_index,
    "ask": _cmd_ask,
    "calibrate": _cmd_calibrate,
    "evaluate": _cmd_evaluate,
    "serve": _cmd_serve,
    "stats": _cmd_stats,
    "reads": _cmd_reads,
    "check": _cmd_check,
    "health": _cmd_health,
    "export-person": _cmd_export_person,
    "erase-questions": _cmd_erase_questions,
    "backup": _cmd_backup,
    "restore": _cmd_restore,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.ERROR if args.quiet else logging.WARNING,
        format="staffguide: %(message)s",
        stream=sys.stderr,
    )
    quiet_libraries(logging.WARNING)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        config = _load(args)
        return COMMANDS[args.command](args, config)
    except ConfigError as exc:
        print(f"staffguide: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TelegramUnreachable as exc:
        print(f"staffguide: error: {exc}", file=sys.stderr)
        return EXIT_TEMPFAIL
    except StartupError as exc:  # CliError, StorageError, the engine's and Telegram's
        print(f"staffguide: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("staffguide: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
