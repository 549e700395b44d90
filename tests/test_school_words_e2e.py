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
from helpers import plain

from bot.reports.head import names_head, use_head_title
from bot.reports.vocabulary import use_words
from bot.text import callbacks as cb
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
    assert f"ask the {head} for an invite code" in plain(refused["text"])
    assert "Head Teacher" not in plain(refused["text"])
    staff = make_user(services, people.teacher, "Tess")
    await staff.send("/start")
    [welcome] = await staff.replies()
    for example in school.get("example_questions", []):
        assert example in plain(welcome["text"]), "the school's own examples"
    assert "What does the policy say about" in plain(welcome["text"]) or school.get("example_questions")

    teacher = make_user(services, people.teacher, "Tess")
    await teacher.send(f"/report the {head.lower()} posted a photo of a child on her own instagram")
    [receipt] = await teacher.replies(timeout=15)
    assert f"Its alert to the {chair}" in plain(receipt["text"]) and "the Head does not see it" in plain(
        receipt["text"]
    )
    trustee = make_user(services, people.chair_of_governors, "Cai")
    await trustee.wait_for(lambda r: "posted a photo of a child" in plain(r["text"]), timeout=15)
    manager = make_user(services, people.head_teacher, "Hana")
    await manager.no_reply(wait=0.5)

    await teacher.send("/report")
    [what] = await teacher.replies()
    categories = [label for label, _data in what["reply_markup"]]
    pupil = school.get("pupil_word", "pupil")
    own_word = pupil != "pupil"  # the setting does not say "pupil": no label may
    assert f"Contact or friend request from a {pupil}" in categories
    for key, label in school.get("report_categories", {}).items():
        assert label in categories, key
    assert ("Confidential information or personal data leaked" in categories) == (
        "data_leak" not in school.get("omit_categories", [])
    )
    assert {"A child's safety (safeguarding)", "Indecent image of a child", "Other"} <= set(categories)
    assert not own_word or not [label for label in categories if "pupil" in label.lower()]
    await teacher.tap(cb.ReportChoice("cat", "pupil_contact").data, what["message_id"])
    [who] = await teacher.replies()
    chosen = await teacher.message(what["message_id"])
    assert f"Contact or friend request from a {pupil}" in plain(chosen["text"])
    subjects = [label for label, _data in who["reply_markup"]]
    assert f"A {pupil}" in subjects and f"The {head}" in subjects
    assert not own_word or "A pupil" not in subjects
    await teacher.tap(cb.ReportChoice("who", "pupil").data, who["message_id"])
    [where] = await teacher.replies()
    await teacher.tap(cb.ReportChoice("where", "facebook").data, where["message_id"])
    [when] = await teacher.replies()
    await teacher.tap(cb.ReportChoice("when", "now").data, when["message_id"])
    [describe] = await teacher.replies()
    assert "5/5" in describe["text"]
    await teacher.send("A parent's account sent me a friend request.")
    [summary] = await teacher.replies()
    assert f"What: Contact or friend request from a {pupil}" in plain(summary["text"])
    assert f"Who: A {pupil}" in plain(summary["text"])
    await teacher.tap(cb.ReportSend().data, summary["message_id"])
    alert = await manager.wait_for(lambda r: "R-0002" in (r["text"] or ""), timeout=15)
    assert f"Report R-0002: Contact or friend request from a {pupil}" in plain(alert["text"])
    assert f"Who: A {pupil}" in plain(alert["text"])
    await manager.send("/queue")
    queue = await manager.wait_for(lambda r: "R-0002" in (r["text"] or ""))
    assert f"Contact or friend request from a {pupil}" in plain(queue["text"])
    await manager.tap(
        next(data for label, data in alert["reply_markup"] if label == "Resolve"), alert["message_id"]
    )
    outcome = await manager.wait_for(lambda r: bool(r["reply_markup"]))
    outcomes = [label for label, _data in outcome["reply_markup"]]
    assert f"{pupil.capitalize()} behaviour policy" in outcomes
    assert not own_word or "Pupil behaviour policy" not in outcomes


def test_a_secondary_school_keeps_the_usual_titles_and_a_manager_is_nobody_special() -> None:
    use_head_title("Head Teacher")
    assert names_head("the head teacher posted it")
    assert not names_head("the site manager posted it")
    use_head_title("Manager")
    assert names_head("the manager posted it")
