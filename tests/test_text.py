"""The wording modules (bot.text): verbatim quotes, HTML escaping and Telegram's 4096-character limit."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from helpers import plain

from bot.text import access as access_text
from bot.text import questions as questions_text
from bot.text import telegram as tg
from bot.text.questions import format_passage
from bot.text.telegram import MESSAGE_LIMIT, fit_escaped


@dataclass
class P:
    document: str
    section: str
    text: str


def test_passage_is_quoted_verbatim_and_escaped() -> None:
    passage = P(
        "Social Media <Policy>", "Use of Images & Video", 'Staff must not post "<b>pupils</b>" & parents.'
    )
    out = format_passage(passage)
    assert out.startswith("<b>Use of Images &amp; Video</b>")
    assert "&lt;b&gt;pupils&lt;/b&gt;" in out
    assert "<blockquote>" in out and out.endswith("<i>Social Media &lt;Policy&gt;</i>")
    assert passage.text in plain(out)
    assert "<b>pupils</b>" not in out


def test_long_passage_is_cut_to_the_limit_without_breaking_entities() -> None:
    passage = P("Doc", "Section", "a&b " * 3000)
    out = format_passage(passage, note="a note")
    assert len(out) <= MESSAGE_LIMIT
    assert out.count("<blockquote>") == out.count("</blockquote>") == 1
    body = out.split("<blockquote>")[1].split("</blockquote>")[0]
    assert body.endswith(tg.ELLIPSIS)
    assert re.search(r"&(?!amp;)", body) is None  # no half entity
    assert "a note" in out


def test_headings_and_notes_are_capped_too() -> None:
    out = format_passage(P("D" * 5000, "S" * 5000, "text"), note="n" * 5000, position=(2, 4))
    assert len(out) <= MESSAGE_LIMIT
    assert "text" in out and "passage 2 of 4" in out


def test_a_text_cut_to_fit_never_cuts_an_entity() -> None:
    assert fit_escaped("<&>", 100) == "&lt;&amp;&gt;"
    cut = fit_escaped("<<<<", 8)
    assert cut == "&lt;" + tg.ELLIPSIS  # a second &lt; would not fit
    assert len(fit_escaped("x" * 50, 10)) == 10


def test_fixed_texts_are_short_and_safe() -> None:
    assert access_text.refusal("St <Crispin's>") == (
        "StaffGuide is for the staff of St &lt;Crispin's&gt; only. To get access, ask the Head Teacher "
        "for an invite code and send it here as /start CODE."
    )
    assert access_text.role_refusal(("head_teacher",)) == "This command is for the Head Teacher."
    assert access_text.role_refusal(("head_teacher", "dsl", "chair_of_governors")) == (
        "This command is for the Head Teacher, the Designated Safeguarding Lead or the Chair of Governors."
    )
    assert "365 days" in access_text.privacy_text(365)
    assert tg.button_label("x" * 100, 20) == "x" * 19 + tg.ELLIPSIS
    assert "<code>ABC</code>" in access_text.invite_text(
        "ABC", "2026-01-01T00:00:00+00:00", "https://t.me/b?start=ABC", 7
    )


def test_privacy_says_what_is_kept_and_for_how_long_with_the_configured_numbers() -> None:
    keep = plain(access_text.privacy_text(365, 30))
    assert "Misuse reports are kept as the school's record until the school deletes them." in keep
    assert "after they are resolved" not in keep

    seven = plain(access_text.privacy_text(90, 14, report_years=7))
    assert (
        "Misuse reports are deleted 7 years after they are resolved; open reports are never deleted." in seven
    )
    assert "kept as the school's record" not in seven
    assert "Questions are deleted after 90 days." in seven
    assert "each backup is deleted after 14 days" in seven
    assert "deleted 1 year after they are resolved" in plain(access_text.privacy_text(365, report_years=1))

    for text in (keep, seven):
        assert "your Telegram user id and name" in text
        assert "who is involved, where and when it happened, and the description" in text
        assert "screenshots as Telegram file references, never the image files" in text
        assert "indecent images of children are never accepted" in text
        assert "who acknowledged and resolved it, the outcome and their notes" in text
        assert "the messages about it between the reviewers and the person who reported it" in text
        assert "a report you are still filing is kept until you send or cancel it" in text
        assert len(text) < 1500, "read on a phone: one screen or two, not a policy document"
    assert tg.tg_len(access_text.privacy_text(365, 30, report_years=100)) <= MESSAGE_LIMIT


def test_a_passages_links_become_telegram_links_and_the_words_stay_the_policys() -> None:
    from knowledge.chunking import Passage

    passage = Passage(
        "p1",
        "Online Safety",
        "online-safety.md",
        "Reporting",
        "Report concerns to the DSL & see the CEOP guidance or the <school> page.",
        0,
        links=(("CEOP guidance", "https://www.ceop.police.uk/?a=1&b=2"), ("nowhere", "https://x.example")),
    )
    text = format_passage(passage)
    assert '<a href="https://www.ceop.police.uk/?a=1&amp;b=2">CEOP guidance</a>' in text
    assert "DSL &amp; see the" in text and "&lt;school&gt;" in text
    assert plain(text).count(passage.text) == 1, "the quote is still the policy's own words"
    assert "x.example" not in text, "a link whose words are not in the passage is left out"


def test_only_web_and_mail_links_are_made() -> None:
    assert questions_text.with_links("see the form", [("the form", "javascript:alert(1)")]) is None
    assert questions_text.with_links("mail the office", [("the office", "mailto:office@school.uk")]) == (
        'mail <a href="mailto:office@school.uk">the office</a>'
    )


@dataclass(frozen=True)
class Candidate:
    document: str
    section: str
    text: str


def test_choice_labels_are_never_two_alike() -> None:
    same = [
        Candidate(
            "Parents policy", "External communication with parents/carers", "Staff must use school email."
        ),
        Candidate(
            "Parents policy",
            "External communication with parents/carers",
            "Phone calls go through the office.",
        ),
        Candidate("Parents policy", "Meetings", "Meetings are booked through the office."),
    ]
    labels = questions_text.choice_labels(same)
    assert len({label.split(". ", 1)[1] for label in labels}) == 3, labels
    assert labels[2] == "3. Meetings"


def test_choice_labels_name_the_document_when_the_candidates_span_documents() -> None:
    spread = [
        Candidate("Intimate care policy", "Procedures", "Two adults are present."),
        Candidate("First aid policy", "Procedures", "The first aider records the injury."),
    ]
    labels = questions_text.choice_labels(spread)
    assert labels == ["1. Procedures · Intimate care policy", "2. Procedures · First aid policy"]
    assert "Intimate care policy" in questions_text.choose_passage(spread)


def test_a_refusal_in_a_button_alert_shows_no_tags_or_entities_and_is_cut_at_a_word() -> None:
    school = "St Crispin's School & Nursery"
    alert = tg.plain(access_text.refusal(school, 123456789))
    assert "<" not in alert and "&amp;" not in alert and "&#x27;" not in alert
    assert school in alert
    assert len(alert) <= tg.ALERT_LIMIT and alert.endswith("…")
    words = alert[:-1].split()
    whole = html.unescape(re.sub("<[^>]+>", "", access_text.refusal(school, 123456789))).split()
    assert words == whole[: len(words)], "cut between words, never inside one"
    short = tg.plain(access_text.refusal("St Crispin's", None))
    assert short == html.unescape(access_text.refusal("St Crispin's", None))


def test_a_page_past_the_end_shows_the_last_page_and_one_page_needs_no_buttons() -> None:
    from bot.text.callbacks import Page
    from bot.text.pages import NEXT, PREVIOUS, nav_row, page

    items = list(range(13))
    last = page(items, 7, size=6)
    assert (last.items, last.number, last.count, last.note) == ([12], 2, 3, "Page 3 of 3")
    assert nav_row("queue", last) == [(PREVIOUS, Page("queue", 1))]
    assert nav_row("queue", page(items, 0, size=6)) == [(NEXT, Page("queue", 1))]
    assert nav_row("queue", page(items[:6], 0, size=6)) == [] and page([], 0, size=6).note == ""


def test_privacy_says_what_telegram_sees_instead_of_claiming_nothing_leaves_the_school() -> None:
    text = plain(access_text.privacy_text(30, 14))
    assert "Telegram's servers" in text and "Nothing is shared outside the school" not in text


def test_review_buttons_for_passages_under_one_heading_are_never_alike() -> None:
    """Seen before: /review offered three buttons all reading "1. Policy statement"."""
    from bot.handlers.policies import review_keyboard
    from bot.knowledge_review import ReviewItem
    from embeddings.search import Hit
    from knowledge.chunking import Passage

    hits = [
        Hit(Passage(f"p{n}", "Policy", "policy.txt", "Policy statement", text, n), 1.0, 0.5)
        for n, text in enumerate(["Staff must not share.", "Pupils may not film.", "Parents are asked."])
    ]
    markup = review_keyboard(ReviewItem(7, "can i film", "2026-01-01", "declined"), hits)
    labels = [row[0].text for row in markup.inline_keyboard[:3]]
    words = {label.split(". ", 1)[1] for label in labels}  # what tells them apart besides the number
    assert len(words) == 3 and all("Policy statement" in label for label in labels)


def test_a_school_whose_headings_give_no_examples_gets_a_welcome_without_an_empty_list() -> None:
    assert access_text.examples_from_headings([("Policy", "Policy statement"), ("Policy", "Scope")]) == []
    text = plain(access_text.welcome("Little Acorns", "Tess", []))
    assert "for example" not in text and "Just type a question." in text


def test_the_search_state_is_said_in_plain_words_without_pair_counts() -> None:
    from bot.text.policies import search_state

    tuned = {"adapted": True, "pairs": 372, "labelled_pairs": 153, "seconds": 64}
    assert search_state(tuned, running=False) == "tuned to these policies"
    assert "tuning to the current policies now" in search_state(None, running=True)
    assert "failed" in search_state(tuned, running=False, failed=True)
    assert "found no more right answers" in search_state({"adapted": False, "reason": "x"}, running=False)


def test_review_fits_a_phone_screen_however_long_the_passages_and_the_question() -> None:
    """Five long passages under long headings used to make /review 1,045 characters."""
    from bot.knowledge_review import ReviewItem
    from bot.text import policies as policies_text
    from embeddings.search import Hit
    from knowledge.chunking import Passage

    long_text = " ".join(["Staff will not communicate with parents or pupils via any networking site"] * 4)
    hits = [Hit(Passage(f"p{n}", "P", "p.txt", "S" * 120, long_text, n), 1.0, 0.5) for n in range(5)]
    item = ReviewItem(7, "can I " + "really " * 200 + "use a VPN?", "2026-01-01T09:00:00+00:00", "declined")
    text = policies_text.review_text(item, hits)
    assert tg.tg_len(text) <= tg.PHONE_SCREEN
    assert all(f"{n}. " in plain(text) for n in range(1, 6)), "every candidate is still listed"


def test_an_alert_a_reminder_and_the_check_before_send_fit_a_phone_screen() -> None:
    from bot.reports.records import Report
    from bot.text import report_record
    from bot.text import reports as reports_text

    account = "She sent a friend request and then a message asking for my number. " * 20
    reports = [
        Report(
            n,
            "2026-03-02T09:00:00+00:00",
            7101,
            "Tess " + "Teacher" * 8,
            "data_leak",
            "pupil",
            "Facebook",
            account,
            "flow",
            False,
            "open",
        )
        for n in range(1, 15)
    ]
    alert = report_record.render_escalation(reports[0])
    assert tg.tg_len(alert) <= tg.PHONE_SCREEN - 100 and "/show R-0001" in plain(alert)
    overdue = report_record.render_overdue(reports)
    assert tg.tg_len(overdue) <= tg.PHONE_SCREEN - 120 and "more." in plain(overdue)
    check = reports_text.report_summary("What", "Who", "Where", account, False, 2, "yesterday")
    assert tg.tg_len(check) <= tg.PHONE_SCREEN and "all of it will be sent" in plain(check)


def test_the_urgent_alert_for_an_indecent_image_fits_a_phone_screen_with_the_policys_steps() -> None:
    from bot.reports.records import Report
    from bot.text import report_record

    report = Report(
        3,
        "2026-03-02T09:00:00+00:00",
        7101,
        "Tess Teacher",
        "indecent_image",
        "pupil",
        "On a school trip",
        "A pupil showed me a picture on his phone on the coach.",
        "flow",
        True,
        "open",
    )
    alert = plain(report_record.render_escalation(report))
    assert len(alert) <= tg.PHONE_SCREEN - 100  # room for the reminder line in front
    assert "Police should be contacted immediately" in alert and "locked cupboard" in alert
    assert "showed me a picture" in alert  # the account itself is not cut away for the steps


def test_a_choice_of_three_long_passages_fits_a_phone_screen_each_cut_at_a_word() -> None:
    words = "Staff must report any concern about a child's welfare to the DSL on the same day " * 6
    long = [
        Candidate(f"{name} policy for staff and volunteers", "Procedures and responsibilities", words)
        for name in ("Safeguarding", "Intimate care", "Online safety")
    ]
    text = questions_text.choose_passage(long)
    assert tg.tg_len(text) <= tg.PHONE_SCREEN
    lines = [line for line in plain(text).splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(lines) == 3
    for line in lines:
        assert "Staff must report any concern" in line and line.endswith(" …")
        assert line[:-2].split()[-1] in words.split()  # a whole word before the cut


def test_a_passage_too_long_for_one_screen_is_quoted_whole_over_several_messages() -> None:
    sentences = [f"Rule {n}: staff must log every call to a parent & note its date." for n in range(1, 25)]
    long = Candidate("Staff code of conduct", "Contact with parents", " ".join(sentences))
    parts = questions_text.passage_messages(long, position=(1, 3))
    assert len(parts) > 1
    assert all(tg.tg_len(part) <= tg.PHONE_SCREEN for part in parts)
    quoted = [re.search(r"<blockquote>(.*)</blockquote>", part, re.S) for part in parts]
    assert " ".join(html.unescape(q.group(1)) for q in quoted if q) == long.text  # word for word
    assert all(html.unescape(q.group(1)).endswith(".") for q in quoted[:-1] if q)  # cut at sentences
    assert "Staff code of conduct" in plain(parts[-1]) and "passage 1 of 3" in plain(parts[-1])
    assert "(continued)" in plain(parts[1]) and "Contact with parents" in plain(parts[1])


def test_a_passage_that_fits_is_one_message_as_before() -> None:
    short = Candidate("Staff code of conduct", "Contact with parents", "Log every call.")
    assert questions_text.passage_messages(short) == [questions_text.format_passage(short)]


def test_a_long_note_or_message_is_quoted_back_for_confirming_within_a_phone_screen() -> None:
    from bot.text import exchange as exchange_text
    from bot.text import reports as reports_text
    from bot.text import review as review_text

    typed = "The parent rang again about the photo & asked who else had seen it. " * 30
    for confirm in (
        review_text.confirm_note("R-0042", typed),
        review_text.confirm_resolution("R-0042", "Dealt with informally", typed),
        exchange_text.confirm_reply("R-0042", typed),
        exchange_text.confirm_to_reporter("R-0042", typed),
        reports_text.confirm_addition(typed),
    ):
        shown = plain(confirm)
        assert tg.tg_len(confirm) <= tg.PHONE_SCREEN
        assert "The parent rang again about the photo & asked" in shown
        assert f"all {len(typed):,} characters are kept" in shown


def test_the_upload_summary_fits_a_phone_screen_and_keeps_what_needs_acting_on() -> None:
    from bot.policy_library import Change
    from bot.text import policies as policies_text
    from knowledge.chunking import Passage

    def passage(n: int) -> Passage:
        return Passage(
            id=f"p{n}",
            document="Staff code of conduct",
            source="conduct.docx",
            section=f"Section {n}: conduct with pupils, parents and colleagues outside school hours",
            text="Staff must keep professional boundaries with pupils and parents at all times. " * 3,
            position=n,
        )

    change = Change(
        added=[passage(n) for n in range(20)],
        removed=[passage(n) for n in range(20, 40)],
        passages=120,
        documents=["conduct.docx", "safeguarding.pdf"],
        skipped=[("scan.pdf", "no text in it (a scanned image?)")],
        examples_orphaned=2,
        document="conduct.docx",
    )
    text = policies_text.change_text(change)
    assert tg.tg_len(text) <= tg.PHONE_SCREEN
    shown = plain(text)
    assert "Skipped scan.pdf" in shown and "Now 120 passages" in shown and "2 taught example" in shown


def test_counts_read_as_words_not_as_forms() -> None:
    from bot.text import policies as policies_text
    from bot.text import reports as reports_text
    from bot.text import review as review_text

    assert policies_text.to_review(1) == "1 question to review."
    assert policies_text.to_review(3) == "3 questions to review."
    assert "Kept 1 file as evidence" in reports_text.evidence_kept(1)
    assert "Kept 2 files as evidence" in reports_text.evidence_kept(2)
    texts = [policies_text.to_review(n) for n in (1, 2)] + [reports_text.evidence_kept(n) for n in (1, 2)]
    for caption in (
        review_text.export_caption,
        review_text.export_incidents_caption,
        review_text.export_reads_caption,
    ):
        texts += [caption(n) for n in (1, 2)]
    assert not [t for t in texts if "(s)" in t]


def test_lines_cut_to_a_limit_stay_within_it_with_the_closing_ellipsis() -> None:
    lines = ["x" * 10] * 10
    for limit in range(20, 60):
        joined = tg.join_within(lines, limit)
        assert tg.tg_len(joined) <= limit and joined.endswith(tg.ELLIPSIS)
    assert tg.join_within(["a", "b"], 3) == "a\nb"  # what fits exactly is not cut


def test_a_decline_mentions_the_closest_passages_only_when_a_button_offers_them():
    assert "closest passages" in questions_text.not_covered()
    alone = questions_text.not_covered(closest=False)
    assert "closest" not in alone and "with the button below" in alone
