"""Every button's data is built and read back in one place, and nothing forged gets through."""

from __future__ import annotations

import pytest

from bot.text import callbacks as cb
from bot.text.telegram import CALLBACK_DATA_LIMIT

EVERY_KIND: list[cb.Callback] = [
    cb.More(123456789012, 3),
    cb.Feedback(7, True),
    cb.Feedback(7, False),
    cb.Pick(7, 2),
    cb.Pick(7, None),
    cb.MoreChoices(123456789012),
    cb.AskHead(7),
    cb.Section(12, 0),
    cb.ReportThis(7),
    *[cb.ReportChoice(slot, "safeguarding") for slot in cb.REPORT_SLOTS],
    cb.ReportSend(),
    cb.ReportCancel(),
    cb.ReportAddition(True),
    cb.ReportAddition(False),
    *[cb.ReviewAction(action, 42, "0a1b2c3d") for action in cb.REVIEW_ACTIONS],
    cb.ReviewAction("ack", 42),  # from an alert sent before buttons named their report
    cb.AskReporter(42, "0a1b2c3d"),
    cb.ShowPage(999_999_999_999, 999, "ffffffff"),
    cb.ShowPage(42, 0),
    cb.ReplyToReviewer(42, "0a1b2c3d"),
    cb.ReviewAction("ack", 999_999_999_999, "ffffffff"),
    cb.NoteConfirm(True),
    cb.Outcome("nfa"),
    cb.ExchangeConfirm(False),
    cb.Teach(7, "0123456789abcdef0123456789abcdef01234567"),
    cb.PolicyGap(7),
    cb.SkipReview(7),
    *[cb.StaffRevoke(action, -100123) for action in cb.STAFF_ACTIONS],
    cb.ReadDecision(12, "0a1b2c3d", True),
    cb.ReadDecision(123456789012, "0a1b2c3d", False),
    cb.ReadConfirm(123456789012, "0a1b2c3d"),
    cb.ReadSection(123456789012, 999999, 3, 1),
    cb.ReadSection(12, 1, 3, 2, turn=True),
    cb.ReadOpen(12),
    cb.ReadsPage(12, 3),
]


@pytest.mark.parametrize("tap", EVERY_KIND, ids=lambda tap: tap.data)
def test_a_buttons_data_reads_back_as_the_same_tap_within_telegrams_64_bytes(tap: cb.Callback) -> None:
    assert len(tap.data.encode()) <= CALLBACK_DATA_LIMIT
    assert cb.parse(tap.data) == tap


@pytest.mark.parametrize(
    "data",
    [
        "",
        "more:1",
        "more:x:1",
        "fb:1:sideways",
        "pick:1:10",
        "picks:",
        "picks:1:2",
        "rep:ack:",
        "rpt:cat:",
        "rep:burn:1",
        "rep:ack:1:XYZ",
        "rep:ack:1:0a1b2c3d9",
        "kr:p:1:XYZ",
        "stf:ask:abc",
        "ask:1 ",
        "x" * 65,
        None,
        42,
    ],
)
def test_anything_malformed_or_unknown_reads_as_nothing(data: object) -> None:
    assert cb.parse(data) is None


def test_a_handler_pattern_takes_only_its_own_kind() -> None:
    more = cb.matches(cb.More)
    assert more("more:1:2") and not more("sec:1:2") and not more("more:1")
    ack = cb.matches(
        cb.ReviewAction, where=lambda tap: isinstance(tap, cb.ReviewAction) and tap.action == "ack"
    )
    assert ack("rep:ack:9") and not ack("rep:note:9")


def test_a_features_family_covers_its_malformed_data_too() -> None:
    reports = cb.family(cb.REPORT_FAMILY)
    assert reports("rpt:cat:") and reports("rep:whatever") and reports("report:start:x")
    assert not reports("xch:send") and not reports(None)


def test_parse_as_gives_the_tap_only_as_the_kind_asked_for() -> None:
    assert cb.parse_as("rep:ask:5", cb.AskReporter) == cb.AskReporter(5)
    assert cb.parse_as("rep:ask:5", cb.ReplyToReviewer) is None
