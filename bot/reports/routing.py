"""Who a report goes to: the routing table and the people it resolves to from `[people]`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..config import PeopleConfig


@dataclass(frozen=True)
class Route:
    """When `field` (category, subject or about; "*" for every report) is one of `values`, the report
    goes to the roles in `send_to`, and never to anyone holding a role in `never`."""

    field: str
    values: frozenset[str]
    send_to: tuple[str, ...]
    never: tuple[str, ...] = ()


ROUTING_TABLE: tuple[Route, ...] = (
    Route("*", frozenset(), ("head_teacher",)),  # every report: the Head Teacher's queue
    Route("category", frozenset({"safeguarding", "indecent_image"}), ("dsl",)),  # the DSL as well
    # a one-line /report is not classified: it may be a child at risk, so the DSL sees it too
    Route("category", frozenset({"triage"}), ("dsl",)),
    # about the Head Teacher (the guided subject, or the text names the Head): the chair, never the Head
    Route("about", frozenset({"head_teacher"}), ("chair_of_governors",), never=("head_teacher",)),
)
# A routed role with nobody configured falls back to this role (a report about the Head must
# not vanish because no chair is configured).
FALLBACK_ROLE = {"chair_of_governors": "deputy", "dsl": "deputy"}


def route(category: str, subject: str | None, about_head: bool = False) -> tuple[list[str], list[str]]:
    """(roles the report is sent to, in table order; roles barred from it). `about_head`: the
    report's text names the Head Teacher (bot.reports.head); the subject "head_teacher" counts too."""
    send_to: list[str] = []
    never: list[str] = []
    about = "head_teacher" if about_head or subject == "head_teacher" else None
    facts = {"category": category, "subject": subject, "about": about}
    for rule in ROUTING_TABLE:
        if rule.field == "*" or facts.get(rule.field) in rule.values:
            send_to += [r for r in rule.send_to if r not in send_to]
            never += [r for r in rule.never if r not in never]
    return [r for r in send_to if r not in never], never


def people_in(people: PeopleConfig, roles: Iterable[str], barred: set[int]) -> list[int]:
    found: list[int] = []
    for role in roles:
        for user_id in getattr(people, role):
            if user_id not in barred and user_id not in found:
                found.append(user_id)
    return found


def resolve_recipients(
    people: PeopleConfig, send_to: list[str], never: list[str]
) -> tuple[list[str], list[tuple[int, str]]]:
    """Apply FALLBACK_ROLE; returns (final 'to' roles, [(user_id, role)]) with barred people out."""
    barred = set(people_in(people, never, set()))
    roles = list(send_to)
    for role in send_to:
        fallback = FALLBACK_ROLE.get(role)
        if not people_in(people, [role], barred) and fallback and fallback not in roles + never:
            roles.append(fallback)
    recipients: list[tuple[int, str]] = []
    seen: set[int] = set()
    for role in roles:
        for user_id in people_in(people, [role], barred):
            if user_id not in seen:
                seen.add(user_id)
                recipients.append((user_id, role))
    return roles, recipients


def unreachable(people: PeopleConfig) -> list[str]:
    """The kinds of report that would reach nobody with these `people` (by the routing table).

    Checked where it can be fixed, before any report is filed: `staffguide check` and start-up
    name them. Every report reaches the Head Teacher, whom the config requires; a report about the
    Head may not, and goes to the chair, else the deputy.
    """
    kinds = {"reports about the Head Teacher": route("other", None, about_head=True)}
    return [
        kind for kind, (send_to, never) in kinds.items() if not resolve_recipients(people, send_to, never)[1]
    ]
