"""Misuse reports: routing, storage, the audit trail, escalation and export.

No Telegram types and no wording here: whoever is told something is told through a
``notices.Notices`` passed in from above (bot.text.notices words it as Telegram HTML). One
module per job: ``vocabulary``, ``routing``, ``schema``, ``records``, ``notices``,
``audit``, ``queries``, ``store``, ``delivery``, ``escalation``, ``export``,
``incidents``, ``head`` (does a text name the Head), ``flood`` (bursts of reports),
``retention`` (deleting resolved reports after ``[storage] report_retention`` years). This
package re-exports what the handlers and tests use.

Storage (migration 0003_reports):

* ``reports`` — one row per report, written once. A trigger refuses UPDATE and DELETE.
* ``report_evidence`` — Telegram file references (file_id) with the time each was sent; never
  the bytes. Written with the report; immutable.
* ``report_routes`` — who the report is routed to, by role ('to'), and which roles must never
  see it ('never', e.g. the Head Teacher for a report about the Head Teacher). Rows are only
  ever added (the deputy is added when a report is not acknowledged in time); immutable.
* ``report_events`` — the append-only audit trail: created, delivered, acknowledged, note,
  resolved, exported, renotified, escalated, delivery_failed, rerouted (nobody in a routed
  role can be reached, so the next role allowed to see it has it); each with who and when.
  Triggers RAISE on UPDATE and DELETE.
* ``report_purges`` (migration 0005_retention) — one row per retention purge: when, how many
  reports, the lowest and highest reference; no content. ``retention.purge_resolved`` is the only
  code that deletes reports: it lifts the delete triggers inside its own transaction only.
* A report's status is *derived* from its events (view ``report_status``): resolved if it has a
  'resolved' event, acknowledged if it has an 'acknowledged' one, else open. There is no mutable
  status column to get out of step with the history.

Routing is the table ``routing.ROUTING_TABLE``; recipients are resolved from ``[people]`` when the
report is created, and their notifications are written to the outbox (bot.outbox) in the same
transaction as the report and its 'created' event.

Visibility: a person may review (queue, show in full, acknowledge, note, resolve, export) a
report when one of their ``[people]`` roles is routed to it and none of their roles is barred
from it; a reporter sees their own reports in a reduced form (no notes, no reasoning).
"""

from __future__ import annotations

from .audit import events
from .delivery import record_delivery, record_delivery_failure, unreachable_people
from .escalation import escalate_overdue
from .exchange import conversation_of, message_reporter, reply_from_reporter
from .export import Export, export_reports
from .flood import summarise_held
from .incidents import looks_like_incident
from .notices import Notice, Notices
from .queries import can_review, evidence_for, get_report, is_reviewer, my_reports, named_by_button, queue
from .records import Created, Event, Evidence, NewReport, Report, Result, parse_reference, reference
from .retention import Purge, last_purge, purge_resolved
from .routing import FALLBACK_ROLE, ROUTING_TABLE, Route, resolve_recipients, route
from .store import acknowledge, add_note, create_report, resolve
from .vocabulary import (
    CATEGORIES,
    FLOW_CATEGORIES,
    INDECENT_IMAGE,
    OUTCOMES,
    PLACES,
    REVIEWER_ROLES,
    SUBJECTS,
    URGENT_CATEGORIES,
    offered_categories,
    use_words,
)

__all__ = [
    "CATEGORIES",
    "FALLBACK_ROLE",
    "FLOW_CATEGORIES",
    "INDECENT_IMAGE",
    "OUTCOMES",
    "PLACES",
    "REVIEWER_ROLES",
    "ROUTING_TABLE",
    "SUBJECTS",
    "URGENT_CATEGORIES",
    "Created",
    "Event",
    "Export",
    "Evidence",
    "NewReport",
    "Notice",
    "Notices",
    "Purge",
    "Report",
    "Result",
    "Route",
    "acknowledge",
    "add_note",
    "can_review",
    "conversation_of",
    "create_report",
    "escalate_overdue",
    "events",
    "evidence_for",
    "export_reports",
    "get_report",
    "is_reviewer",
    "last_purge",
    "looks_like_incident",
    "message_reporter",
    "my_reports",
    "named_by_button",
    "offered_categories",
    "parse_reference",
    "purge_resolved",
    "queue",
    "record_delivery",
    "record_delivery_failure",
    "unreachable_people",
    "reference",
    "reply_from_reporter",
    "resolve",
    "summarise_held",
    "resolve_recipients",
    "route",
    "use_words",
]
