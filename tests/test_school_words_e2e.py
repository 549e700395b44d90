"""The setting's own words: a pre-school's Manager and Chair of Trustees, an academy's Principal.

Every message that names a role uses the school's titles (`[school] head_title`, `chair_title`,
...), and a report naming the Head by the school's title is a report about the Head.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import plain

from bot.reports.head import names_head, use_head_title
from bot.text.common import use_titles

pytestmark = pytest.mark.e2e

PRE_SCHOOL = {
    "name": "Little Acorns Pre-School",
    "head_title": "Manager",
    "chair_title": "Chair of Trustees",
    "example_questions": ["Can I take photos of the children on my phone?", "Who do I tell about a bruise?"],
}
ACADEMY = {
    "name": "Northfield Academy",
    "head_title": "Principal",
    "chair_title": "Chair of the Local Governing Body",
}


@pytest.fixture(autouse=True)
def default_titles_after() -> Iterator[None]:
    """The titles are the running bot's; later tests start from the defaults again."""
    yield
    use_titles({})
    use_head_title("Head Teacher")


@pytest.mark.parametrize("school", [PRE_SCHOOL, ACADEMY], ids=["pre-school", "academy"])
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


def test_a_secondary_school_keeps_the_usual_titles_and_a_manager_is_nobody_special() -> None:
    use_head_title("Head Teacher")
    assert names_head("the head teacher posted it")
    assert not names_head("the site manager posted it")
    use_head_title("Manager")
    assert names_head("the manager posted it")
