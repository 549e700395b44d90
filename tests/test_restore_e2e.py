"""Restoring a backup under the bot, end to end: the Head's buttons from before the restore never
act on another report.

Why: after a restore of an older backup a new report got R-0005 again, and the Head's old
R-0005 Acknowledge button acknowledged the new report, which the Head had never seen.
"""

from __future__ import annotations

import pytest
from helpers import plain
from test_reports_e2e import eventually, fast

from bot import reports
from bot.text import callbacks as cb
from bot.text import common as common_text

pytestmark = pytest.mark.e2e


async def test_a_button_naming_another_report_under_the_same_number_is_refused_in_plain_words(
    make_services, running_bot, make_user, people, alerts
) -> None:
    """What the Head's button from before a restore carries when the number went to a new report
    (the old disk lost with the number kept beside it): the same id, another report's tag."""
    services = fast(make_services())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hana")
    await teacher.send("/report a parent posted a pupil's photo on Facebook")
    await teacher.replies()
    alert = await head.wait_for(lambda r: "R-0001" in (r["text"] or ""))
    report = reports.get_report(services.db, 1)
    assert (
        report is not None
        and cb.ReviewAction("ack", 1, report.tag).data in dict(alert["reply_markup"]).values()
    )

    stale = "0" * 8 if report.tag != "0" * 8 else "1" * 8
    for tap in (cb.ReviewAction("ack", 1, stale), cb.ReviewAction("res", 1, stale), cb.AskReporter(1, stale)):
        alerts.clear()
        await head.tap(tap.data, alert["message_id"])
        await eventually(lambda: bool(alerts))
        assert alerts == [common_text.button_stale("R-0001")]
    await head.no_reply(wait=0.3)
    await teacher.no_reply(wait=0.1)
    assert reports.get_report(services.db, 1).status == "open"
    assert "restored from a backup" in plain(common_text.button_stale("R-0001"))
