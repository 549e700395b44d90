"""StaffGuide's configuration: one typed object, read from TOML and the environment.

Every key has a sensible default except the bot token and the Head Teacher,
which a running bot cannot do without. Mistakes (a missing file, a typo in a
key or role, a wrong type) raise ConfigError with one line that says what to
fix; the CLI prints it and exits with code 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import knowledge

BUNDLED_POLICIES = Path(knowledge.__file__).parent / "policies"
TOKEN_ENV = "STAFFGUIDE_TELEGRAM_TOKEN"
MAX_TITLE = 40  # a role title fits a button ("Ask the Chair of the Local Governing Body")
ROLES = ("head_teacher", "deputy", "dsl", "chair_of_governors", "policy_admins", "staff")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# The report categories by the keys `[school] report_categories` and `omit_categories` name them.
# The keys are fixed: routing and every stored report use them (bot.reports.vocabulary has the
# words, and a test keeps the two lists the same).
REPORT_CATEGORIES = (
    "harassment",
    "pupil_contact",
    "staff_post",
    "safeguarding",
    "data_leak",
    "reputation",
    "indecent_image",
    "other",
    "triage",
    "question",
)
# Categories every setting's /report offers, and why.
ALWAYS_OFFERED = {
    "safeguarding": "it is urgent and reaches the DSL at once",
    "indecent_image": "it is urgent and reaches the DSL at once",
    "other": "a report that fits no other category needs it",
}
NOT_OFFERED = ("triage", "question")  # a one-line /report and "Ask the Head Teacher": never a button
MAX_LABEL = 60  # a category's label fits a button on a phone
PUPIL_WORD = re.compile(r"[^\W\d_]+(?:[ '-][^\W\d_]+)*")
MAX_PUPIL_WORD = 30


class ConfigError(Exception):
    """A configuration mistake, described in one line."""


def parse_category_labels(where: str, value: object) -> dict[str, str]:
    """`[school] report_categories`: category key -> the label staff see, for the categories the
    setting words its own way; the others keep the default words."""
    if not isinstance(value, dict):
        raise ConfigError(
            f'{where} must be a table of category = label, e.g. {{ staff_post = "Unsuitable post by '
            'a member of the team" }}'
        )
    labels: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, label in value.items():
        _known_category(where, key)
        if isinstance(label, str) and label.strip() == "":
            raise ConfigError(
                f"{where}: {key} is empty; to leave a category out of /report, list it in omit_categories"
            )
        if not isinstance(label, str) or len(label.strip()) > MAX_LABEL or "\n" in label:
            raise ConfigError(f"{where}: {key} must be a label of 1-{MAX_LABEL} characters on one line")
        labels[key] = label.strip()
        other = seen.setdefault(label.strip().casefold(), key)
        if other != key:
            raise ConfigError(f"{where}: {other} and {key} have the same label {label.strip()!r}")
    return labels


def parse_omitted_categories(where: str, value: object) -> list[str]:
    """`[school] omit_categories`: categories this setting's /report does not offer."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where} must be a list of categories, e.g. ["data_leak", "reputation"]')
    for key in value:
        _known_category(where, key)
        if key in ALWAYS_OFFERED:
            raise ConfigError(f"{where}: {key} can never be left out: {ALWAYS_OFFERED[key]}")
        if key in NOT_OFFERED:
            raise ConfigError(f"{where}: {key} is never offered in /report, so it cannot be left out")
    return list(dict.fromkeys(value))


def _known_category(where: str, key: str) -> None:
    if key not in REPORT_CATEGORIES:
        raise ConfigError(f"{where}: unknown report category {key!r}; known: {', '.join(REPORT_CATEGORIES)}")


@dataclass
class TelegramConfig:
    token: str = ""
    base_url: str = ""  # a self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot
    base_file_url: str = ""  # its file URL; derived from base_url when empty
    poll_interval: float = 0.5
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443


@dataclass
class SchoolConfig:
    name: str = "St Crispin's School"
    timezone: str = "Europe/London"  # every time a person sees, and the jobs' hours
    # reports and questions naming the Head Teacher (by role or by this name) never reach the Head
    head_teacher_name: str = ""
    # who to tell outside the bot when nobody in it may see a report (e.g. "the Chair of Governors on
    # 01632 960000, or the LADO on 01632 960001"); said to the reporter when that happens
    outside_contact: str = ""
    # What the school calls its roles (a pre-school's "Manager" and "Chair of Trustees", an
    # academy's "Principal"): every message says these, and a report naming the Head's title is
    # about the Head.
    head_title: str = "Head Teacher"
    deputy_title: str = "Deputy Head"
    dsl_title: str = "Designated Safeguarding Lead"
    chair_title: str = "Chair of Governors"
    # The example questions in the welcome, in staff's own words; empty: drawn from the policies'
    # section headings.
    example_questions: list[str] = field(default_factory=list)
    # What the setting calls the children or young people it teaches ("child" in a pre-school,
    # "student" in a college): every report label that says pupil says this instead.
    pupil_word: str = "pupil"
    # A report category's label in the setting's own words (key -> label), and the categories its
    # /report does not offer. Two keys rather than "" meaning "left out": an empty label reads like
    # a value forgotten, and a list names what is left out in one place, where the categories that
    # can never be left out (the urgent ones, "other") are refused with their reason.
    report_categories: dict[str, str] = field(default_factory=dict, metadata={"parse": parse_category_labels})
    omit_categories: list[str] = field(default_factory=list, metadata={"parse": parse_omitted_categories})

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def titles(self) -> dict[str, str]:
        """The role titles by role (bot.text.common.use_titles)."""
        return {
            "head_teacher": self.head_title,
            "deputy": self.deputy_title,
            "dsl": self.dsl_title,
            "chair_of_governors": self.chair_title,
        }


@dataclass
class PeopleConfig:
    head_teacher: list[int] = field(default_factory=list)
    deputy: list[int] = field(default_factory=list)
    dsl: list[int] = field(default_factory=list)
    chair_of_governors: list[int] = field(default_factory=list)
    policy_admins: list[int] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)

    def roles_of(self, user_id: int) -> set[str]:
        return {role for role in ROLES if user_id in getattr(self, role)}


@dataclass
class KnowledgeConfig:
    dir: Path = BUNDLED_POLICIES
    index_dir: Path = Path(".staffguide/index")
    threshold: float = -1.0  # below 0: the calibrated default
    adapt: bool = True  # adapt the model to the policies in the background (embeddings.adapter)


KEEP_REPORTS = "keep"
MAX_REPORT_YEARS = 100


def parse_report_retention(where: str, value: object) -> int | None:
    """`[storage] report_retention`: "keep" is None (reports are never deleted), else whole years
    after a report is resolved. Parsed once, here, so no other code reads the string."""
    if value == KEEP_REPORTS:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_REPORT_YEARS:
        return value
    raise ConfigError(
        f'{where} must be "{KEEP_REPORTS}" or a whole number of years from 1 to {MAX_REPORT_YEARS}'
        f" (counted from when a report is resolved), not {value!r}"
    )


@dataclass
class StorageConfig:
    database: Path = Path("staffguide.db")
    question_retention_days: int = 365
    # written `report_retention` in the file ("keep" or years); None: reports are never deleted
    report_retention_years: int | None = field(
        default=None, metadata={"key": "report_retention", "parse": parse_report_retention}
    )


@dataclass
class LimitsConfig:
    questions_per_minute: int = 20
    max_question_chars: int = 2000
    # a report, note or resolution left unanswered this long is put aside (the person is told)
    conversation_minutes: float = 30.0
    # reports (incl. "Ask the Head Teacher") one person may file a minute with an alert each; more
    # are stored all the same and the reviewers get one summary
    reports_per_minute: int = 3
    # invites and policy uploads one person may make a minute; more are refused for the moment
    writes_per_minute: int = 10


@dataclass
class InvitesConfig:
    expire_days: int = 7


@dataclass
class EscalationConfig:
    renotify_minutes: float = 30.0


@dataclass
class DigestConfig:
    day: str = "monday"
    hour: int = 8


@dataclass
class ReadsConfig:
    # the daily reminder to staff who have not confirmed reading a changed policy, school time
    reminder_hour: int = 10
    weekends: bool = False  # remind on Saturdays and Sundays too


@dataclass
class BackupConfig:
    dir: Path = Path("backups")
    keep_days: int = 30
    hour: int = 2  # the nightly backup, in the school's time


@dataclass
class LoggingConfig:
    level: str = "INFO"


@dataclass
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    school: SchoolConfig = field(default_factory=SchoolConfig)
    people: PeopleConfig = field(default_factory=PeopleConfig)
    knowledge: KnowledgeConfig = field(default_factory=KnowledgeConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    invites: InvitesConfig = field(default_factory=InvitesConfig)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    reads: ReadsConfig = field(default_factory=ReadsConfig)
    backup: BackupConfig = field(default_factory=BackupConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    source: Path | None = None

    def require_bot_settings(self) -> None:
        """What `serve` needs beyond the defaults."""
        where = self.source or "the config"
        if not self.telegram.token:
            raise ConfigError(f"no bot token: set [telegram] token in {where} or {TOKEN_ENV}")
        if not self.people.head_teacher:
            raise ConfigError(
                f"[people] head_teacher is empty in {where}: reports need somewhere to go; put the Head "
                "Teacher's Telegram user id there, e.g. head_teacher = [123456789]"
            )


def toml_key(item: Field[object]) -> str:
    """The key a setting is written as in the file: its field's name unless the field says so."""
    return str(item.metadata.get("key", item.name))


def _read(section: str, item: Field[object], value: object, path: Path) -> object:
    """A value from the file as its field's type; a field with its own parser names the file."""
    key = toml_key(item)
    parse = item.metadata.get("parse")
    if parse is not None:
        return parse(f"[{section}] {key} in {path}", value)
    return _convert(section, key, value, str(item.type), path.resolve().parent)


def _convert(section: str, key: str, value: object, annotation: str, base: Path) -> object:
    where = f"[{section}] {key}"
    if annotation == "str":
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, not {type(value).__name__}")
        return value
    if annotation == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}")
        return value
    if annotation == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, not {value!r}")
        return value
    if annotation == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, not {value!r}")
        return float(value)
    if annotation == "Path":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where} must be a path as a non-empty string")
        path = Path(value).expanduser()
        return path if path.is_absolute() else base / path
    if annotation == "list[str]":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ConfigError(f'{where} must be a list of texts, e.g. ["Can I friend a parent?"]')
        return [v.strip() for v in value]
    if annotation == "list[int]":
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise ConfigError(f"{where} must be a list of Telegram user ids (numbers), e.g. [123456789]")
        return list(value)
    raise AssertionError(annotation)


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read `path` (TOML) over the defaults; the environment's token wins over the file's."""
    environ: Mapping[str, str] = os.environ if env is None else env
    config = Config()
    if path is not None:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {path} not found (copy config.example.toml)") from None
        except IsADirectoryError:
            raise ConfigError(f"{path} is a folder, not a config file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again"
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
        config.source = path
        sections = {f.name: f for f in fields(Config) if f.name != "source"}
        for name, values in data.items():
            if name not in sections:
                raise ConfigError(f"unknown section [{name}] in {path}; known: {', '.join(sections)}")
            if not isinstance(values, dict):
                raise ConfigError(f"{name} must be a [section] in {path}")
            target = getattr(config, name)
            known = {toml_key(f): f for f in fields(target)}
            for key, value in values.items():
                if key not in known:
                    what = "role" if name == "people" else "key"
                    raise ConfigError(
                        f"unknown {what} {key!r} in [{name}] of {path}; known: {', '.join(known)}"
                    )
                setattr(target, known[key].name, _read(name, known[key], value, path))
    token = environ.get(TOKEN_ENV, "").strip()
    if token:
        config.telegram.token = token
    _validate(config)
    return config


def _validate(config: Config) -> None:
    if config.telegram.base_url and not config.telegram.base_url.startswith(("http://", "https://")):
        raise ConfigError("[telegram] base_url must start with http:// or https://")
    secret = config.telegram.webhook_secret
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        # Telegram's rule; setWebhook would refuse it only once the bot is starting
        raise ConfigError("[telegram] webhook_secret must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
    if config.telegram.poll_interval <= 0:
        raise ConfigError("[telegram] poll_interval must be above 0")
    if config.limits.questions_per_minute < 1:
        raise ConfigError("[limits] questions_per_minute must be at least 1")
    if config.limits.max_question_chars < 10:
        raise ConfigError("[limits] max_question_chars must be at least 10")
    if config.limits.writes_per_minute < 1:
        raise ConfigError("[limits] writes_per_minute must be at least 1")
    if config.limits.reports_per_minute < 1:
        raise ConfigError("[limits] reports_per_minute must be at least 1")
    if config.limits.conversation_minutes <= 0:
        raise ConfigError("[limits] conversation_minutes must be above 0")
    if config.invites.expire_days < 1:
        raise ConfigError("[invites] expire_days must be at least 1")
    if config.escalation.renotify_minutes <= 0:
        raise ConfigError("[escalation] renotify_minutes must be above 0")
    for key, value in (
        ("head_title", config.school.head_title),
        ("deputy_title", config.school.deputy_title),
        ("dsl_title", config.school.dsl_title),
        ("chair_title", config.school.chair_title),
    ):
        if not value.strip() or len(value) > MAX_TITLE or "\n" in value:
            raise ConfigError(f"[school] {key} must be a title of 1-{MAX_TITLE} characters on one line")
    pupil = config.school.pupil_word.strip()
    if len(pupil) > MAX_PUPIL_WORD or not PUPIL_WORD.fullmatch(pupil):
        raise ConfigError(
            f"[school] pupil_word must be one or a few words of letters (up to {MAX_PUPIL_WORD} characters), "
            f'e.g. "child" or "student", not {config.school.pupil_word!r}'
        )
    if config.digest.day.lower() not in WEEKDAYS:
        raise ConfigError(f"[digest] day must be one of {', '.join(WEEKDAYS)}")
    if not 0 <= config.digest.hour <= 23:
        raise ConfigError("[digest] hour must be between 0 and 23")
    if not 0 <= config.reads.reminder_hour <= 23:
        raise ConfigError("[reads] reminder_hour must be between 0 and 23")
    if config.backup.keep_days < 1:
        raise ConfigError("[backup] keep_days must be at least 1")
    if not 0 <= config.backup.hour <= 23:
        raise ConfigError("[backup] hour must be between 0 and 23")
    config.logging.level = config.logging.level.upper()
    if config.logging.level not in LOG_LEVELS:
        raise ConfigError(f"[logging] level must be one of {', '.join(LOG_LEVELS)}")
    try:
        config.school.tz  # noqa: B018 - loads the zone
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f'[school] timezone {config.school.timezone!r} is not a known time zone, e.g. "Europe/London"'
        ) from None
    if config.knowledge.threshold > 1:
        raise ConfigError("[knowledge] threshold must be at most 1 (a cosine similarity)")
