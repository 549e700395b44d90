"""The command menu: one registry, each person's menu the commands their roles may use."""

from __future__ import annotations

from bot.app import command_menu
from bot.menus import Menu


def test_a_command_listed_by_two_features_appears_once_where_it_was_first_listed() -> None:
    menu = Menu.of([("start", "Welcome"), ("queue", "Open reports"), ("start", "Again")], {})
    assert menu.everything() == [("start", "Welcome"), ("queue", "Open reports")]


def test_staff_see_only_the_commands_meant_for_everyone() -> None:
    menu = Menu.of([("start", "Welcome"), ("queue", "Open reports")], {"queue": frozenset({"dsl"})})
    assert menu.for_roles({"staff"}) == [("start", "Welcome")]
    assert menu.for_roles({"staff", "dsl"}) == menu.everything()


def test_the_apps_menu_gives_the_head_teacher_every_command_and_staff_their_own() -> None:
    menu = command_menu()
    assert menu.for_roles({"staff", "head_teacher"}) == menu.everything()
    staff = {command for command, _ in menu.for_roles({"staff"})}
    assert {"start", "help", "report", "topics"} <= staff
    assert not {"invite", "queue", "status", "reload"} & staff
