"""People from Telegram: a command menu per role, /help that matches it, the Head Teacher's /staff
with Revoke after a confirmation, and a stranger's refusal that shows their Telegram id."""

from __future__ import annotations

import asyncio

import pytest
from helpers import plain
from telegram import BotCommandScopeChat

from bot import access
from bot.text import access as access_text
from bot.text import callbacks as cb
from bot.text.pages import NEXT, PREVIOUS, page

pytestmark = pytest.mark.e2e

HEAD_ONLY = {"invite", "revoke", "status", "staff"}
REVIEWER = {"queue", "show", "export"}
ADMIN = {"review", "policies", "reload", "reads"}
PHONE_SCREEN = 700  # characters a message or a page of a list may take (≈ one phone screen)


async def menu(app, user_id: int | None = None) -> list[str]:
    return [command for command, _ in await menu_items(app, user_id)]


async def menu_items(app, user_id: int | None = None) -> list[tuple[str, str]]:
    """The menu Telegram shows: each command with its description."""
    scope = BotCommandScopeChat(user_id) if user_id is not None else None
    return [(c.command, c.description) for c in await app.bot.get_my_commands(scope=scope)]


def staff_page(services, number: int) -> str:
    """/staff's page `number` for the staff enrolled now."""
    members = access.members(services.db, services.config)
    return access_text.staff_text(page(members, number, access_text.STAFF_PAGE))


async def test_each_role_sees_its_own_menu_and_help_matches_it(
    make_services, running_bot, make_user, people
) -> None:
    services = make_services()
    app = await running_bot(services)
    everyone = await menu(app)
    assert {"start", "help", "report", "myreports", "topics", "privacy"} <= set(everyone)
    assert not (HEAD_ONLY | REVIEWER | ADMIN) & set(everyone), "staff do not see others' commands"
    assert await menu(app, people.teacher) == everyone
    head = await menu(app, people.head_teacher)
    assert HEAD_ONLY | REVIEWER | ADMIN | set(everyone) == set(head)
    dsl = await menu(app, people.dsl)
    assert set(dsl) >= REVIEWER and not (HEAD_ONLY | ADMIN) & set(dsl)

    teacher = make_user(services, people.teacher, "Tess")
    await teacher.send("/help")
    [reply] = await teacher.replies()
    listed = [line.split(" ")[0][1:] for line in plain(reply["text"]).splitlines() if line.startswith("/")]
    assert [c for c in listed if c in everyone] == everyone and set(listed) == set(everyone)
    days = services.config.storage.question_retention_days
    staff_menu = await menu_items(app)
    assert [reply["text"]] == access_text.help_text(days, staff_menu, []), "each command as the menu has it"
    assert len(plain(reply["text"])) <= PHONE_SCREEN
    boss = make_user(services, people.head_teacher, "Helen")
    await boss.send("/help")
    how, mine = await boss.replies(count=2)
    assert {"/staff", "/invite", "/status"} <= set(plain(mine["text"]).split())
    head_menu = [item for item in await menu_items(app, people.head_teacher) if item not in staff_menu]
    assert [how["text"], mine["text"]] == access_text.help_text(days, staff_menu, head_menu)
    assert "/staff" not in plain(how["text"])
    assert all(len(plain(r["text"])) <= PHONE_SCREEN for r in (how, mine)), "each fits a phone screen"


async def test_stranger_sees_their_telegram_id(make_services, running_bot, make_user, people) -> None:
    services = make_services()
    await running_bot(services)
    stranger = make_user(services, people.stranger, "Sam")
    await stranger.send("/start")
    [reply] = await stranger.replies()
    # The golden wording check: a stranger is told their own Telegram id, in these words.
    assert f"Your Telegram id is {people.stranger}" in plain(reply["text"])
    assert reply["text"] == access_text.refusal(services.config.school.name, people.stranger)


async def test_staff_list_and_revoke_after_confirmation(
    make_services, running_bot, make_user, people, alerts
) -> None:
    services = make_services()
    await running_bot(services)
    code = access.create_invite(services.db, people.head_teacher, 7)
    assert access.redeem_invite(services.db, code, 8101, "Nina New", config=services.config).value
    head = make_user(services, people.head_teacher, "Helen")
    nina = make_user(services, 8101, "Nina")

    await head.send("/staff")
    [listing] = await head.replies()
    text = plain(listing["text"])
    assert (
        "Nina New" in text
        and "id 8101" in text
        and f"id {people.teacher}" in text
        and f"id {people.dsl}" in text
    )
    assert listing["text"] == staff_page(services, 0)
    how = {m.user_id: (m.via, m.revocable) for m in access.members(services.db, services.config)}
    assert how[8101] == ("invite", True) and how[people.teacher] == ("allow-list", True)
    assert how[people.dsl] == ("dsl", False), "a role from the config file has no Revoke"
    buttons = dict(listing["reply_markup"])
    assert set(buttons.values()) == {
        cb.StaffRevoke("ask", u).data for u in (8101, people.teacher, people.teacher2)
    }
    assert access_text.revoke_button("Nina New", 8101) in buttons

    await head.tap(cb.StaffRevoke("ask", 8101).data, listing["message_id"])
    [confirm] = await head.replies()
    assert confirm["text"] == access_text.revoke_confirm("Nina New", 8101)
    assert [label for label, _ in confirm["reply_markup"]] == [access_text.REVOKE_YES, access_text.REVOKE_NO]
    await head.tap(cb.StaffRevoke("no", 8101).data, confirm["message_id"])
    [kept] = await head.replies()
    assert kept["text"] == access_text.REVOKE_KEPT
    assert access.is_enrolled(services.db, services.config, 8101)

    await head.tap(cb.StaffRevoke("ask", 8101).data, listing["message_id"])
    [confirm] = await head.replies()
    await head.tap(cb.StaffRevoke("yes", 8101).data, confirm["message_id"])
    [done] = await head.replies()
    assert done["text"] == access_text.REVOKE_MESSAGES["revoked"].format(user_id=8101)
    assert not access.is_enrolled(services.db, services.config, 8101)
    await nina.send("/start")
    [refused] = await nina.replies()
    assert refused["text"] == access_text.refusal(services.config.school.name, 8101)

    teacher = make_user(services, people.teacher, "Tess")
    await teacher.send("/staff")
    [denied] = await teacher.replies()
    assert denied["text"] == access_text.role_refusal(("head_teacher",))
    await teacher.tap(cb.StaffRevoke("yes", people.teacher2).data, listing["message_id"])
    await teacher.no_reply()
    assert access.is_enrolled(services.db, services.config, people.teacher2), "only the Head can revoke"


async def test_a_long_staff_list_is_paged_to_fit_a_phone_with_previous_and_next(
    make_services, running_bot, make_user, people
) -> None:
    """Seen before: /staff with 208 members sent 5,449 characters, which Telegram rejects."""
    many = [9000 + n for n in range(20)]
    services = make_services(people={"head_teacher": [people.head_teacher], "staff": many})
    await running_bot(services)
    head = make_user(services, people.head_teacher, "Hana")

    await head.send("/staff")
    [first] = await head.replies()
    seen = [uid for uid in [people.head_teacher, *many] if f"id {uid}" in plain(first["text"])]
    assert 0 < len(seen) <= access_text.STAFF_PAGE
    assert first["text"] == staff_page(services, 0) and len(plain(first["text"])) <= PHONE_SCREEN
    assert page(access.members(services.db, services.config), 0, access_text.STAFF_PAGE).count == 3
    labels = [label for label, _ in first["reply_markup"]]
    assert NEXT in labels and PREVIOUS not in labels

    listed = set(seen)
    for number in (1, 2):
        await head.tap(cb.Page("staff", number).data, first["message_id"])
        await asyncio.sleep(0.3)
        now = await head.message(first["message_id"])
        assert now["text"] == staff_page(services, number) and len(plain(now["text"])) <= PHONE_SCREEN
        listed |= {uid for uid in many if f"id {uid}" in plain(now["text"])}
    labels = [label for label, _ in now["reply_markup"]]
    assert NEXT not in labels and PREVIOUS in labels
    assert listed == {people.head_teacher, *many}, "every member on exactly the pages"
