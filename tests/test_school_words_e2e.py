"""The setting's own words: a pre-school's Manager and Chair of Trustees, a primary school's
Headteacher, an academy's Principal.

Every message that names a role uses the school's titles (`[school] head_title`, `chair_title`,
...), and a report naming the Head by the school's title is a report about the Head. A report's
categories are in the setting's words too: a pre-school's "child", an academy's "student"
(`[school] pupil_word`), its own labels (`report_categories`) and none it does not use
(`omit_categories`), in the guided report's buttons, the alert, /queue and the outcomes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import plain, stored_alert

from bot import reports
from bot.reports import happened
from bot.reports.head import names_head, use_head_title
from bot.reports.vocabulary import CATEGORIES, OUTCOMES, SUBJECTS, use_words
from bot.text import access as access_text
from bot.text import callbacks as cb
from bot.text import report_record
from bot.text import reports as reports_text
from bot.text import review as review_text
from bot.text.common import use_titles

pytestmark = pytest.mark.e2e

PRE_SCHOOL = {
    "name": "Little Acorns Pre-School",
    "head_title": "Manager",
    "chair_title": "Chair of Trustees",
    "example_questions": ["Can I take photos of the children on my phone?", "Who do I tell about a bruise?"],
    "pupil_word": "child",
    "report_categories": {"staff_post": "Unsuitable post by a member of the team"},
    "omit_categories": ["data_leak", "reputation"],
}
PRIMARY = {
    "name": "Brook Lane Primary School",
    "head_title": "Headteacher",
    "chair_title": "Chair of Governors",
    "example_questions": ["Can parents add me on Facebook?", "Can I post photos from sports day?"],
}
ACADEMY = {
    "name": "Northfield Academy",
    "head_title": "Principal",
    "chair_title": "Chair of the Local Governing Body",
    "pupil_word": "student",
}


def summary_text(services, report_id: int) -> str:
    """The reporter's check before Send, for the report as it was then filed."""
    report = reports.get_report(services.db, report_id)
    assert report is not None
    return reports_text.report_summary(
        what=CATEGORIES[report.category],
        who=SUBJECTS[report.subject or ""],
        where=report.place or "",
        happened=happened.describe(report.happened, report.happened_on),
        description=report.description,
        indecent_image=False,
        files=0,
    )


@pytest.fixture(autouse=True)
def default_titles_after() -> Iterator[None]:
    """The titles are the running bot's; later tests start from the defaults again."""
    yield
    use_titles({})
    use_head_title("Head Teacher")
    use_words()


@pytest.mark.parametrize("school", [PRE_SCHOOL, PRIMARY, ACADEMY], ids=["pre-school", "primary", "academy"])
async def test_each_setting_sees_its_own_titles(
    make_services, running_bot, make_user, people, school
) -> None:
    services = make_services(school=school)
    await running_bot(services)
    head, chair = school["head_title"], school["chair_title"]

    stranger = make_user(services, people.stranger, "Sam")
    await stranger.send("/start")
    [refused] = await stranger.replies()
    assert refused["text"] == access_text.refusal(school["name"], people.stranger)
    assert head in plain(refused["text"]) and "Head Teacher" not in plain(refused["text"])
    staff = make_user(services, people.teacher, "Tess")
    await staff.send("/start")
    [welcome] = await staff.replies()
    sections = [(p.document, p.section) for p in services.engine.index.passages]
    examples = school.get("example_questions") or access_text.examples_from_headings(sections)
    assert examples and welcome["text"] == access_text.welcome(school["name"], "Tess", examples)
    for example in school.get("example_questions", []):
        assert example in plain(welcome["text"]), "the school's own examples"

    teacher = make_user(services, people.teacher, "Tess")
    await teacher.send(f"/report the {head.lower()} posted a photo of a child on her own instagram")
    [receipt] = await teacher.replies(timeout=15)
    assert receipt["text"] == reports_text.report_receipt(
        "R-0001", ["chair_of_governors", "dsl"], urgent=False, about_head=True
    )
    assert chair in plain(receipt["text"]) and head not in plain(receipt["text"]), (
        "the chair, by title; never the Head"
    )
    trustee = make_user(services, people.chair_of_governors, "Cai")
    await trustee.wait_for(lambda r: "posted a photo of a child" in plain(r["text"]), timeout=15)
    manager = make_user(services, people.head_teacher, "Hana")
    await manager.no_reply(wait=0.5)

    await teacher.send("/report")
    [what] = await teacher.replies()
    assert what["text"] == reports_text.REPORT_STEP_WHAT
    categories = [label for label, _data in what["reply_markup"]]
    pupil = school.get("pupil_word", "pupil")
    own_word = pupil != "pupil"  # the setting does not say "pupil": no label may
    contact = CATEGORIES["pupil_contact"]
    assert pupil in contact.split() and contact in categories, "the setting's word for a pupil"
    # The golden wording check: the setting's word sits in the label as people say it, article and all.
    assert contact == f"Contact or friend request from a {pupil}"
    for key, label in school.get("report_categories", {}).items():
        assert label in categories, key
    assert (CATEGORIES["data_leak"] in categories) == ("data_leak" not in school.get("omit_categories", []))
    # "child" in these two is the law's word (anyone under 18), in every setting
    assert {CATEGORIES["safeguarding"], CATEGORIES["indecent_image"], CATEGORIES["other"]} <= set(categories)
    assert "child" in CATEGORIES["safeguarding"] and "child" in CATEGORIES["indecent_image"]
    assert not own_word or not [label for label in categories if "pupil" in label.lower()]
    await teacher.tap(cb.ReportChoice("cat", "pupil_contact").data, what["message_id"])
    [who] = await teacher.replies()
    chosen = await teacher.message(what["message_id"])
    assert contact in plain(chosen["text"])
    assert who["text"] == reports_text.REPORT_STEP_WHO
    subjects = [label for label, _data in who["reply_markup"]]
    a_pupil, the_head = SUBJECTS["pupil"], SUBJECTS["head_teacher"]
    assert pupil in a_pupil.split() and head in the_head and {a_pupil, the_head} <= set(subjects)
    assert not own_word or not [label for label in subjects if "pupil" in label.lower()]
    await teacher.tap(cb.ReportChoice("who", "pupil").data, who["message_id"])
    [where] = await teacher.replies()
    await teacher.tap(cb.ReportChoice("where", "facebook").data, where["message_id"])
    [when] = await teacher.replies()
    await teacher.tap(cb.ReportChoice("when", "now").data, when["message_id"])
    [describe] = await teacher.replies()
    assert describe["text"] == reports_text.REPORT_STEP_DESCRIBE
    await teacher.send("A parent's account sent me a friend request.")
    [summary] = await teacher.replies()
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    alert = await manager.wait_for(lambda r: "R-0002" in (r["text"] or ""), timeout=15)
    assert summary["text"] == summary_text(services, 2)
    assert contact in plain(summary["text"]) and a_pupil in plain(summary["text"]), "what and who"
    assert alert["text"] == stored_alert(services, 2)
    assert contact in plain(alert["text"]) and a_pupil in plain(alert["text"]), "what and who"
    await manager.send("/queue")
    queue = await manager.wait_for(lambda r: "R-0002" in (r["text"] or ""))
    assert contact in plain(queue["text"])
    resolve = next(data for label, data in alert["reply_markup"] if label == report_record.RESOLVE)
    await manager.tap(resolve, alert["message_id"])
    outcome = await manager.wait_for(lambda r: r["text"] == review_text.ask_outcome("R-0002"))
    outcomes = [label for label, _data in outcome["reply_markup"]]
    behaviour = OUTCOMES["behaviour"]
    assert pupil.capitalize() in behaviour.split() and behaviour in outcomes
    assert not own_word or not [label for label in outcomes if "pupil" in label.lower()]


def test_a_secondary_school_keeps_the_usual_titles_and_a_manager_is_nobody_special() -> None:
    use_head_title("Head Teacher")
    assert names_head("the head teacher posted it")
    assert not names_head("the site manager posted it")
    use_head_title("Manager")
    assert names_head("the manager posted it")
