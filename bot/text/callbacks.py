"""Every button's callback data, built and parsed in one place.

Telegram hands back at most 64 bytes of a button's data, as a string, from anyone who can
forge it; so each tap is a small typed value here with one `data` (what the button carries)
and one parser (what a tap may mean). A handler registers with `matches(Kind)` and reads
`parse_as(data, Kind)`: anything malformed, unknown or too long is None, never an exception.

    more:<question>:<n>              More                the next passage of an answer
    fb:<question>:up|down            Feedback            👍 / 👎 under an answer
    pick:<question>:<n>|x            Pick                "did you mean": passage n, or none
    picks:<question>                 MoreChoices         "did you mean": three more passages
    near:<question>                  Closest             "not covered": the closest passages anyway
    ask:<question>                   AskHead             "Ask the Head Teacher"
    sec:<section>:<n>                Section             /topics: passage n of a section
    pg:staff|queue|mine|topics|reads:<n>  Page           Previous / Next under a long list
    report:start:<question>          ReportThis          "Report this" under an answer
    rpt:cat|who|where|when:<key>     ReportChoice        a step of the guided report
    rpt:send, rpt:cancel             ReportSend, ReportCancel
    rpt:add:yes|no                   ReportAddition      "Add this to your description?"
    rep:ack|note|res:<report>:<tag>  ReviewAction        under an alert
    rep:ask:<report>:<tag>           AskReporter         "Ask the reporter" / "Answer"
    rep:pg:<report>:<n>:<tag>        ShowPage            /show: Previous / Next through a report
    rep:reply:<report>:<tag>         ReplyToReviewer     the reporter's "Reply"
    rep:nadd:yes|no                  NoteConfirm         "Add this as a note?"
    hdq:yes|no                       HeadCheck           "Is this report about the Head Teacher?"
    rep:rdone:yes|no                 ResolveConfirm      "Resolve with this reasoning?"
    rep:out:<key>                    Outcome             the outcome of a resolution
    xch:send|drop                    ExchangeConfirm     "Send this?" for a message about a report
    kr:p:<question>:<passage>        Teach               /review: this passage answers it
    kr:g:<question>, kr:s:<question> PolicyGap, SkipReview
    stf:ask|yes|no:<user>            StaffRevoke         /staff: Revoke, and its confirmation
    rd:need:<version>:<tag>:y|n      ReadDecision        "Must staff read this change?"
    rd:ok:<version>:<tag>            ReadConfirm         "I have read it"
    rd:sec|pg:<v>:<since>:<n>:<p>    ReadSection         a changed section: opened, or a page turned
    rd:open:<version>                ReadOpen            a reminder's policy: its change message again
    rd:v:<version>:<page>            ReadsPage           /reads: one version's names (the list pages by Page)

A report button names its report twice: the number and `Report.tag` (from the time it was
filed), so a button from before a restore never acts on another report that got the same number
(bot.reports.numbering). Buttons made before tags existed have none (`tag` None).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .telegram import CALLBACK_DATA_LIMIT


@dataclass(frozen=True)
class More:
    question_id: int
    at: int

    @property
    def data(self) -> str:
        return f"more:{self.question_id}:{self.at}"


@dataclass(frozen=True)
class Feedback:
    question_id: int
    helpful: bool

    @property
    def data(self) -> str:
        return f"fb:{self.question_id}:{'up' if self.helpful else 'down'}"

    @property
    def vote(self) -> str:
        """As bot.questions stores it."""
        return "up" if self.helpful else "down"


@dataclass(frozen=True)
class Pick:
    """A "did you mean" choice: passage `choice` (0-based), or None for "None of these"."""

    question_id: int
    choice: int | None

    @property
    def data(self) -> str:
        return f"pick:{self.question_id}:{'x' if self.choice is None else self.choice}"


@dataclass(frozen=True)
class MoreChoices:
    """Under a "did you mean": the next three passages found, to pick from."""

    question_id: int

    @property
    def data(self) -> str:
        return f"picks:{self.question_id}"


@dataclass(frozen=True)
class Closest:
    """Under "not covered": the passages that came closest, to pick from all the same."""

    question_id: int

    @property
    def data(self) -> str:
        return f"near:{self.question_id}"


@dataclass(frozen=True)
class AskHead:
    question_id: int

    @property
    def data(self) -> str:
        return f"ask:{self.question_id}"


PAGED_VIEWS = ("staff", "queue", "mine", "topics", "reads")


@dataclass(frozen=True)
class Page:
    view: str  # one of PAGED_VIEWS
    number: int  # from 0

    @property
    def data(self) -> str:
        return f"pg:{self.view}:{self.number}"


@dataclass(frozen=True)
class Section:
    index: int
    at: int

    @property
    def data(self) -> str:
        return f"sec:{self.index}:{self.at}"


@dataclass(frozen=True)
class ReportThis:
    question_id: int

    @property
    def data(self) -> str:
        return f"report:start:{self.question_id}"


REPORT_SLOTS = ("cat", "who", "where", "when")


@dataclass(frozen=True)
class ReportChoice:
    """A tap at a step of the guided report: `slot` is one of REPORT_SLOTS, `key` the choice."""

    slot: str
    key: str

    @property
    def data(self) -> str:
        return f"rpt:{self.slot}:{self.key}"


@dataclass(frozen=True)
class ReportSend:
    @property
    def data(self) -> str:
        return "rpt:send"


@dataclass(frozen=True)
class ReportCancel:
    @property
    def data(self) -> str:
        return "rpt:cancel"


@dataclass(frozen=True)
class ReportAddition:
    yes: bool

    @property
    def data(self) -> str:
        return f"rpt:add:{'yes' if self.yes else 'no'}"


def _tagged(tag: str | None) -> str:
    return f":{tag}" if tag else ""


@dataclass(frozen=True)
class ShowPage:
    """/show's Previous / Next: page `number` (from 0) of a report's record."""

    report_id: int
    number: int
    tag: str | None = None

    @property
    def data(self) -> str:
        return f"rep:pg:{self.report_id}:{self.number}" + _tagged(self.tag)


REVIEW_ACTIONS = ("ack", "note", "res")


@dataclass(frozen=True)
class ReviewAction:
    """Acknowledge, Add note or Resolve under an alert (`action` is one of REVIEW_ACTIONS)."""

    action: str
    report_id: int
    tag: str | None = None

    @property
    def data(self) -> str:
        return f"rep:{self.action}:{self.report_id}" + _tagged(self.tag)


@dataclass(frozen=True)
class AskReporter:
    report_id: int
    tag: str | None = None

    @property
    def data(self) -> str:
        return f"rep:ask:{self.report_id}" + _tagged(self.tag)


@dataclass(frozen=True)
class ReplyToReviewer:
    report_id: int
    tag: str | None = None

    @property
    def data(self) -> str:
        return f"rep:reply:{self.report_id}" + _tagged(self.tag)


@dataclass(frozen=True)
class NoteConfirm:
    yes: bool

    @property
    def data(self) -> str:
        return f"rep:nadd:{'yes' if self.yes else 'no'}"


@dataclass(frozen=True)
class HeadCheck:
    yes: bool

    @property
    def data(self) -> str:
        return f"hdq:{'yes' if self.yes else 'no'}"


@dataclass(frozen=True)
class ResolveConfirm:
    yes: bool

    @property
    def data(self) -> str:
        return f"rep:rdone:{'yes' if self.yes else 'no'}"


@dataclass(frozen=True)
class Outcome:
    key: str

    @property
    def data(self) -> str:
        return f"rep:out:{self.key}"


@dataclass(frozen=True)
class ExchangeConfirm:
    send: bool

    @property
    def data(self) -> str:
        return f"xch:{'send' if self.send else 'drop'}"


@dataclass(frozen=True)
class Teach:
    question_id: int
    passage_id: str

    @property
    def data(self) -> str:
        return f"kr:p:{self.question_id}:{self.passage_id}"


@dataclass(frozen=True)
class PolicyGap:
    question_id: int

    @property
    def data(self) -> str:
        return f"kr:g:{self.question_id}"


@dataclass(frozen=True)
class SkipReview:
    question_id: int

    @property
    def data(self) -> str:
        return f"kr:s:{self.question_id}"


STAFF_ACTIONS = ("ask", "yes", "no")


@dataclass(frozen=True)
class StaffRevoke:
    """/staff: `action` "ask" (Revoke tapped), "yes" (confirmed) or "no" (kept)."""

    action: str
    user_id: int

    @property
    def data(self) -> str:
        return f"stf:{self.action}:{self.user_id}"


@dataclass(frozen=True)
class ReadDecision:
    """The Head's tap; `tag` is `Version.tag`, so a button from before a restore decides nothing."""

    version_id: int
    tag: str
    required: bool

    @property
    def data(self) -> str:
        return f"rd:need:{self.version_id}:{self.tag}:{'y' if self.required else 'n'}"


@dataclass(frozen=True)
class ReadConfirm:
    """ "I have read it"; `tag` is `Version.tag`, so a button from before a restore records nothing."""

    version_id: int
    tag: str

    @property
    def data(self) -> str:
        return f"rd:ok:{self.version_id}:{self.tag}"


@dataclass(frozen=True)
class ReadSection:
    """Changed section `index` (0-based) of a version's changes since version `since`, page `page`
    of its words: in a new message, or (`turn`) in place of the page shown."""

    version_id: int
    since: int
    index: int
    page: int
    turn: bool = False

    @property
    def data(self) -> str:
        return f"rd:{'pg' if self.turn else 'sec'}:{self.version_id}:{self.since}:{self.index}:{self.page}"


@dataclass(frozen=True)
class ReadOpen:
    version_id: int

    @property
    def data(self) -> str:
        return f"rd:open:{self.version_id}"


@dataclass(frozen=True)
class ReadsPage:
    """/reads: who has and has not confirmed one version, page `page` of the names."""

    version_id: int
    page: int

    @property
    def data(self) -> str:
        return f"rd:v:{self.version_id}:{self.page}"


Callback = (
    More
    | Feedback
    | Pick
    | MoreChoices
    | Closest
    | AskHead
    | Section
    | Page
    | ReportThis
    | ReportChoice
    | ReportSend
    | ReportCancel
    | ReportAddition
    | ReviewAction
    | AskReporter
    | ShowPage
    | ReplyToReviewer
    | NoteConfirm
    | ResolveConfirm
    | HeadCheck
    | Outcome
    | ExchangeConfirm
    | Teach
    | PolicyGap
    | SkipReview
    | StaffRevoke
    | ReadDecision
    | ReadConfirm
    | ReadSection
    | ReadOpen
    | ReadsPage
)
Rows = list[list[tuple[str, str | Callback]]]  # buttons as (label, tap), row by row

ID = r"(\d{1,12})"
KEY = r"(\w{1,30})"
TAG = r"(?::([0-9a-f]{8}))?"  # Report.tag; absent on buttons made before tags
FORMS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Callback]]] = [
    (re.compile(rf"more:{ID}:(\d{{1,2}})"), lambda m: More(int(m[1]), int(m[2]))),
    (re.compile(rf"fb:{ID}:(up|down)"), lambda m: Feedback(int(m[1]), m[2] == "up")),
    (re.compile(rf"pick:{ID}:(\d|x)"), lambda m: Pick(int(m[1]), None if m[2] == "x" else int(m[2]))),
    (re.compile(rf"picks:{ID}"), lambda m: MoreChoices(int(m[1]))),
    (re.compile(rf"near:{ID}"), lambda m: Closest(int(m[1]))),
    (re.compile(rf"ask:{ID}"), lambda m: AskHead(int(m[1]))),
    (re.compile(r"sec:(\d{1,4}):(\d{1,3})"), lambda m: Section(int(m[1]), int(m[2]))),
    (re.compile(rf"pg:({'|'.join(PAGED_VIEWS)}):(\d{{1,4}})"), lambda m: Page(m[1], int(m[2]))),
    (re.compile(rf"report:start:{ID}"), lambda m: ReportThis(int(m[1]))),
    (re.compile(rf"rpt:({'|'.join(REPORT_SLOTS)}):{KEY}"), lambda m: ReportChoice(m[1], m[2])),
    (re.compile(r"rpt:send"), lambda m: ReportSend()),
    (re.compile(r"rpt:cancel"), lambda m: ReportCancel()),
    (re.compile(r"rpt:add:(yes|no)"), lambda m: ReportAddition(m[1] == "yes")),
    (
        re.compile(rf"rep:({'|'.join(REVIEW_ACTIONS)}):{ID}{TAG}"),
        lambda m: ReviewAction(m[1], int(m[2]), m[3]),
    ),
    (re.compile(rf"rep:ask:{ID}{TAG}"), lambda m: AskReporter(int(m[1]), m[2])),
    (re.compile(rf"rep:pg:{ID}:(\d{{1,3}}){TAG}"), lambda m: ShowPage(int(m[1]), int(m[2]), m[3])),
    (re.compile(rf"rep:reply:{ID}{TAG}"), lambda m: ReplyToReviewer(int(m[1]), m[2])),
    (re.compile(r"rep:nadd:(yes|no)"), lambda m: NoteConfirm(m[1] == "yes")),
    (re.compile(r"rep:rdone:(yes|no)"), lambda m: ResolveConfirm(m[1] == "yes")),
    (re.compile(r"hdq:(yes|no)"), lambda m: HeadCheck(m[1] == "yes")),
    (re.compile(rf"rep:out:{KEY}"), lambda m: Outcome(m[1])),
    (re.compile(r"xch:(send|drop)"), lambda m: ExchangeConfirm(m[1] == "send")),
    (re.compile(rf"kr:p:{ID}:([0-9a-f]{{6,40}})"), lambda m: Teach(int(m[1]), m[2])),
    (re.compile(rf"kr:g:{ID}"), lambda m: PolicyGap(int(m[1]))),
    (re.compile(rf"kr:s:{ID}"), lambda m: SkipReview(int(m[1]))),
    (re.compile(rf"stf:({'|'.join(STAFF_ACTIONS)}):(-?\d{{1,15}})"), lambda m: StaffRevoke(m[1], int(m[2]))),
    (
        re.compile(rf"rd:need:{ID}:([0-9a-f]{{8}}):(y|n)"),
        lambda m: ReadDecision(int(m[1]), m[2], m[3] == "y"),
    ),
    (re.compile(rf"rd:ok:{ID}:([0-9a-f]{{8}})"), lambda m: ReadConfirm(int(m[1]), m[2])),
    (
        re.compile(rf"rd:(sec|pg):{ID}:(\d{{1,6}}):(\d{{1,3}}):(\d{{1,3}})"),
        lambda m: ReadSection(int(m[2]), int(m[3]), int(m[4]), int(m[5]), m[1] == "pg"),
    ),
    (re.compile(rf"rd:open:{ID}"), lambda m: ReadOpen(int(m[1]))),
    (re.compile(rf"rd:v:{ID}:(\d{{1,4}})"), lambda m: ReadsPage(int(m[1]), int(m[2]))),
]

# Data a feature owns by its prefix: a tap on one of its buttons outside its step (an old
# message, after /cancel, forged) is refused by that feature, not taken for something else.
REPORT_FAMILY = ("rpt:", "rep:", "report:")
EXCHANGE_FAMILY = ("xch:",)
STAFF_FAMILY = ("stf:",)
KNOWLEDGE_FAMILY = ("kr:",)
READS_FAMILY = ("rd:",)

T = TypeVar("T")


def parse(data: object) -> Callback | None:
    """The tap `data` stands for, or None for anything this bot did not make."""
    if not isinstance(data, str) or len(data.encode()) > CALLBACK_DATA_LIMIT:
        return None
    for pattern, make in FORMS:
        if (found := pattern.fullmatch(data)) is not None:
            return make(found)
    return None


def parse_as(data: object, kind: type[T]) -> T | None:
    """The tap as `kind`, or None when it is anything else."""
    tap = parse(data)
    return tap if isinstance(tap, kind) else None


def matches(
    *kinds: type[object], where: Callable[[Callback], bool] | None = None
) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: taps of one of `kinds` (and `where`, when given)."""

    def check(data: object) -> bool:
        tap = parse(data)
        if tap is None or not isinstance(tap, kinds):
            return False
        return where is None or where(tap)

    return check


def on_view(view: str) -> Callable[[Callback], bool]:
    """For `matches(Page, where=...)`: Previous / Next under one list (PAGED_VIEWS)."""
    return lambda tap: isinstance(tap, Page) and tap.view == view


def family(prefixes: tuple[str, ...]) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern: any data a feature owns, well-formed or not."""

    def check(data: object) -> bool:
        return isinstance(data, str) and data.startswith(prefixes)

    return check
