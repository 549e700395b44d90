"""Golden wording: the exact words of the messages staff judge the bot by.

Other tests assert kinds, buttons and routing through bot.text, so a wording change fails
only here, where a reviewer means to look at it.
"""

from __future__ import annotations

from bot.text import access as access_text
from bot.text import exchange as exchange_text
from bot.text import reports as reports_text


def test_the_guided_report_asks_these_five_questions() -> None:
    assert [
        reports_text.REPORT_STEP_WHAT,
        reports_text.REPORT_STEP_WHO,
        reports_text.REPORT_STEP_WHERE,
        reports_text.REPORT_STEP_WHEN,
        reports_text.REPORT_STEP_DESCRIBE,
    ] == [
        "<b>New report</b> (/cancel at any time)\n1/5 What is it about?",
        "2/5 Who is involved?",
        "3/5 Where did it happen?",
        "4/5 When did it happen?",
        "5/5 What happened? Tell it in your own words: what you saw, and who. "
        "You can add screenshots after this.",
    ]


def test_an_urgent_reports_receipt_reads_so() -> None:
    assert reports_text.report_receipt("R-0042", ["head_teacher", "dsl"], urgent=True) == (
        "✅ Report <b>R-0042</b> stored. Its alert to the Designated Safeguarding Lead and the Head "
        "Teacher is queued for sending. It is marked <b>urgent</b>.\n"
        "You will be told when it is acknowledged and resolved. /myreports lists your reports."
    )


def test_the_reporter_reads_the_outcome_by_role_only() -> None:
    assert reports_text.resolved_notice("R-0042", "head_teacher", "No further action") == (
        "☑️ Your report <b>R-0042</b> has been resolved by the Head Teacher.\nOutcome: No further action"
    )
    assert exchange_text.to_reporter("R-0042", "dsl", "Which platform was it?") == (
        "💬 The Designated Safeguarding Lead asks about your report <b>R-0042</b>:\n"
        "<blockquote>Which platform was it?</blockquote>\n"
        "Tap <b>Reply</b> to answer (or use Telegram's Reply on this message)."
    )


def test_an_outsider_is_refused_in_one_message_with_their_id() -> None:
    assert access_text.refusal("St Crispin's School", 12345) == (
        "StaffGuide is for the staff of St Crispin's School only. To get access, ask the Head Teacher "
        "for an invite code and send it here as /start CODE.\n\n"
        "Your Telegram id is <code>12345</code> (the Head Teacher may ask for it)."
    )
    assert access_text.role_refusal(("head_teacher", "policy_admins")) == (
        "This command is for the Head Teacher or policy admins."
    )
