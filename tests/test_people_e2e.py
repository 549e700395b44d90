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

pytestmark = pytest.mark.e2e

HEAD_ONLY = {"invite", "revoke", "status", "staff"}
REVIEWER = {"queue", "show", "export"}
ADMIN = {"review", "policies", "reload", "reads"}
PHONE_SCREEN = 700  # characters a message or a page of a list may take (≈ one phone screen)


async def menu(app, user_id: int | None = None) -> list[str]:
    scope = BotCommandScopeChat(user_id) if user_id is not None else None
    return [c.command for c in await app.bot.get_my_commands(scope=scope)]


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
    assert "/report – Report misuse" in plain(reply["text"]) and "/myreports" in plain(reply["text"])
    assert len(plain(reply["text"])) <= PHONE_SCREEN
    boss = make_user(services, people.head_teacher, "Helen")
    await boss.send("/help")
    how, mine = await boss.replies(count=2)
    assert {"/staff", "/invite", "/status"} <= set(plain(mine["text"]).split())
    assert "/staff" not in plain(how["text"]) and "For your role" in plain(mine["text"])
    assert all(len(plain(r["text"])) <= PHONE_SCREEN for r in (how, mine)), "each fits a phone screen"


async def test_stranger_sees_their_telegram_id(make_services, running_bot, make_user, people) -> None:
    services = make_services()
    await running_bot(services)
    stranger = make_user(services, people.stranger, "Sam")
    await stranger.send("/start")
    [reply] = await stranger.replies()
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
    assert "Nina New (id 8101) — invite, enrolled" in text
    assert f"id {people.teacher} — allow-list" in text
    assert f"id {people.dsl} — the Designated Safeguarding Lead (in the config file)" in text
    buttons = dict(listing["reply_markup"])
    assert set(buttons.values()) == {
        cb.StaffRevoke("ask", u).data for u in (8101, people.teacher, people.teacher2)
    }

    await head.tap(cb.StaffRevoke("ask", 8101).data, listing["message_id"])
    [confirm] = await head.replies()
    assert "Revoke access for Nina New (id 8101)?" in plain(confirm["text"])
    await head.tap(cb.StaffRevoke("no", 8101).data, confirm["message_id"])
    [kept] = await head.replies()
    assert kept["text"] == access_text.REVOKE_KEPT
    assert access.is_enrolled(services.db, services.config, 8101)

    await head.tap(cb.StaffRevoke("ask", 8101).data, listing["message_id"])
    [confirm] = await head.replies()
    await head.tap(cb.StaffRevoke("yes", 8101).data, confirm["message_id"])
    [done] = await head.replies()
    assert done["text"] == "Access revoked for user 8101."
    assert not access.is_enrolled(services.db, services.config, 8101)
    await nina.send("/start")
    [refused] = await nina.replies()
    assert "Your Telegram id is 8101" in plain(refused["text"])

    teacher = make_user(services, people.teacher, "Tess")
    await teacher.send("/staff")
    [denied] = await teacher.replies()
    assert denied["text"] == "This command is for the Head Teacher."
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
    assert "Page 1 of 3" in plain(first["text"]) and len(plain(first["text"])) <= PHONE_SCREEN
    labels = [label for label, _ in first["reply_markup"]]
    assert "Next ▶" in labels and "◀ Previous" not in labels

    listed = set(seen)
    for number in (1, 2):
        await head.tap(cb.Page("staff", number).data, first["message_id"])
        await asyncio.sleep(0.3)
        now = await head.message(first["message_id"])
        assert f"Page {number + 1} of 3" in plain(now["text"]) and len(plain(now["text"])) <= PHONE_SCREEN
        listed |= {uid for uid in many if f"id {uid}" in plain(now["text"])}
    assert "Next ▶" not in [label for label, _ in now["reply_markup"]]
    assert listed == {people.head_teacher, *many}, "every member on exactly the pages"
