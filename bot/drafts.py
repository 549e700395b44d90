"""What a person has half-done in a flow, as typed values kept in their user_data.

The bot's persistence (bot.persistence) writes user_data as JSON on every update, so a
half-filed report, an unsent message about a report or a note waiting for "Yes" survive a
restart. A draft is therefore stored as a plain dict (`to_data`) and read back through
`from_data`, which takes any dict the flows ever stored (missing keys take their defaults,
unknown keys are ignored) and refuses anything else. Handlers only see the dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import Any, Generic, Protocol, TypeVar

UserData = MutableMapping[Any, Any]


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def _int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class EvidenceItem:
    """A screenshot or file kept as Telegram's file reference, never the bytes."""

    kind: str
    file_id: str
    sent_at: str
    file_unique_id: str | None = None


@dataclass
class ReportDraft:
    """A report being filed with /report (or from "Report this" under an answer)."""

    source: str = "flow"  # flow, question, one-line
    category: str | None = None
    subject: str | None = None
    place: str | None = None
    happened: str | None = None  # as chosen or typed (bot.reports.happened)
    happened_on: str | None = None  # that day, ISO, when known
    description: str | None = None
    question_id: int | None = None
    evidence: list[EvidenceItem] = field(default_factory=list)
    pending_addition: str | None = None  # text typed at the check, waiting for "Add it?"
    about_head: bool | None = None  # the reporter's answer when the words left it unclear

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: object) -> ReportDraft | None:
        if not isinstance(data, dict):
            return None
        evidence = [
            EvidenceItem(e["kind"], e["file_id"], e["sent_at"], e.get("file_unique_id"))
            for e in data.get("evidence") or []
            if isinstance(e, dict) and {"kind", "file_id", "sent_at"} <= e.keys()
        ]
        return cls(
            source=_text(data, "source") or "flow",
            category=_text(data, "category"),
            subject=_text(data, "subject"),
            place=_text(data, "place"),
            happened=_text(data, "happened"),
            happened_on=_text(data, "happened_on"),
            description=_text(data, "description"),
            question_id=_int(data, "question_id"),
            evidence=evidence,
            pending_addition=_text(data, "pending_addition"),
            about_head=data.get("about_head") if isinstance(data.get("about_head"), bool) else None,
        )


@dataclass
class ExchangeDraft:
    """A message about a report being written: by a reviewer to the reporter, or back."""

    report_id: int
    side: str  # bot.handoffs.REVIEWER or REPORTER
    pending: str | None = None  # typed, waiting for "Send this?"

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: object) -> ExchangeDraft | None:
        if not isinstance(data, dict) or (report_id := _int(data, "report_id")) is None:
            return None
        return cls(report_id, _text(data, "side") or "", _text(data, "pending"))


@dataclass
class ReviewDraft:
    """A reviewer's note or resolution of a report, step by step."""

    action: str  # "note" or "res" (bot.text.callbacks.ReviewAction)
    report_id: int
    pending_note: str | None = None  # typed, waiting for "Add this as a note?"
    outcome: str | None = None
    reference: str | None = None  # its number in the school's safeguarding system
    pending_reason: str | None = None  # typed, waiting for "Resolve with this reasoning?"

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: object) -> ReviewDraft | None:
        if not isinstance(data, dict) or (report_id := _int(data, "report_id")) is None:
            return None
        return cls(
            _text(data, "action") or "",
            report_id,
            _text(data, "pending_note"),
            _text(data, "outcome"),
            _text(data, "reference"),
            _text(data, "pending_reason"),
        )


class Draft(Protocol):
    def to_data(self) -> dict[str, Any]: ...


D = TypeVar("D", bound=Draft)


@dataclass(frozen=True)
class Slot(Generic[D]):
    """Where in user_data one kind of draft lives, and how it is read back."""

    key: str
    read: Callable[[object], D | None]  # the draft class's from_data

    def get(self, user_data: UserData) -> D | None:
        return self.read(user_data.get(self.key))

    def put(self, user_data: UserData, draft: D) -> None:
        """Store the draft (call after every change: the stored dict is what persists)."""
        user_data[self.key] = draft.to_data()

    def pop(self, user_data: UserData) -> D | None:
        return self.read(user_data.pop(self.key, None))

    def drop(self, user_data: UserData) -> None:
        user_data.pop(self.key, None)


REPORT: Slot[ReportDraft] = Slot("report_draft", ReportDraft.from_data)
REPORT_PUT_ASIDE: Slot[ReportDraft] = Slot("report_put_aside", ReportDraft.from_data)  # resumed by /report
EXCHANGE: Slot[ExchangeDraft] = Slot("exchange", ExchangeDraft.from_data)
REVIEW: Slot[ReviewDraft] = Slot("review_draft", ReviewDraft.from_data)
