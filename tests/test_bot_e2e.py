"""StaffGuide end to end: the real Application and SearchEngine, users played over HTTP.

The bot talks to the Bot API emulator exactly as it would to Telegram, so these
tests catch wrong payloads, handler order and callback wiring that unit tests
with mocked bots cannot.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_harness import TelegramUser
from helpers import plain
from telegram import BotCommandScopeChat
from telegram.ext import CallbackContext

from bot import access
from bot.app import command_menu
from bot.config import BUNDLED_POLICIES
from bot.handlers.questions import PURGE_JOB, purge_questions
from bot.persistence import USER_DATA
from bot.text import access as access_text
from bot.text import callbacks as cb
from bot.text import common as common_text
from bot.text import questions as questions_text
from bot.text import report_record
from bot.text import telegram as tg
from bot.text.pages import NEXT, page
from embeddings import examples
from knowledge import chunking

pytestmark = pytest.mark.e2e

EX_STUDENTS = "Staff are advised not to communicate on social media platforms with ex-students"
OUT_OF_POLICY = "What is on the canteen menu on Friday?"


FRIEND_QUESTION = "can I friend an ex-student?"


def school_that_taught_it(make_services, **config):
    """Services whose reviewers taught FRIEND_QUESTION with the ex-students passage, as St Crispin's
    would after its first weeks: the question is answered outright, not offered as a choice."""
    services = make_services(**config)
    engine = services.engine
    passage = next(p for p in engine.index.passages if EX_STUDENTS in " ".join(p.text.split()))
    examples.add_example(services.db, passage.id, FRIEND_QUESTION, engine.embed_queries([FRIEND_QUESTION])[0])
    return services


def today() -> str:
    return datetime.now(UTC).date().isoformat()


async def test_teacher_gets_the_ex_students_passage(make_services, running_bot, make_user, people) -> None:
    services = school_that_taught_it(make_services)
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")

    await teacher.send("can I friend an ex-student?")
    [reply] = await teacher.replies(timeout=15)

    assert EX_STUDENTS in plain(reply["text"])
    assert reply["text"].startswith("<b>Personal use of Social Media</b>")
    best = services.engine.search("can I friend an ex-student?").best.passage
    assert reply["text"].endswith(f"<i>{html.escape(best.document, quote=False)}</i>")
    labels = [label for label, _data in reply["reply_markup"]]
    assert labels == ["More", "👍", "👎"]
    [row] = services.db["questions"].rows
    assert row["user_id"] == people.teacher and row["answered"] == 1
    assert row["text"] == "can I friend an ex-student?"
    assert len(json.loads(row["passage_ids"])) >= 2


async def test_stranger_is_refused_and_only_counted(make_services, running_bot, make_user, people) -> None:
    services = make_services()
    app = await running_bot(services)
    stranger = make_user(services, people.stranger, "Sam")

    await stranger.send("can I friend an ex-student?")
    [reply] = await stranger.replies()
    await stranger.send("/topics")
    [again] = await stranger.replies()

    assert reply["text"] == again["text"] == access_text.refusal(services.config.school.name, people.stranger)
    assert "ex-student" not in reply["text"]
    assert reply["reply_markup"] == []
    await app.update_persistence()
    assert services.db["questions"].count == 0
    assert services.db["users"].count == 0
    assert services.db[USER_DATA].count == 0
    assert access.refusals_on(services.db, today()) == 2


async def test_invite_enrols_once_and_not_twice(make_services, running_bot, make_user, people) -> None:
    services = school_that_taught_it(make_services)
    await running_bot(services)
    head = make_user(services, people.head_teacher, "Helen")
    newbie = make_user(services, 8001, "Nina")
    latecomer = make_user(services, 8002, "Leo")

    await head.send("/invite")
    [invite] = await head.replies()
    code = re.search(r"<code>([A-Z0-9]+)</code>", invite["text"]).group(1)
    assert f"https://t.me/StaffGuideTestBot?start={code}" in invite["text"]

    await newbie.send(f"/start {code}")
    [welcome] = await newbie.replies()
    assert welcome["text"].startswith(access_text.invite_message("enrolled"))
    await newbie.send("can I friend an ex-student?")
    [answer] = await newbie.replies(timeout=15)
    assert EX_STUDENTS in plain(answer["text"])

    await latecomer.send(f"/start {code}")
    [used] = await latecomer.replies()
    assert used["text"] == access_text.invite_message("used")
    await latecomer.send("can I friend an ex-student?")
    [refused] = await latecomer.replies()
    assert refused["text"] == access_text.refusal(services.config.school.name, latecomer.user_id)

    await newbie.send(f"/start {code}")
    [already] = await newbie.replies()
    assert already["text"] == access_text.invite_message("already enrolled")
    [user_row] = services.db["users"].rows
    assert user_row["user_id"] == 8001 and user_row["enrolled_via"] == f"invite:{code}"


async def test_expired_invite_fails(make_services, running_bot, make_user, people) -> None:
    services = make_services()
    await running_bot(services)
    code = access.create_invite(
        services.db, people.head_teacher, days=7, at=datetime.now(UTC) - timedelta(days=8)
    )
    newbie = make_user(services, 8003, "Ned")

    await newbie.send(f"/start {code}")
    [reply] = await newbie.replies()

    assert reply["text"] == access_text.invite_message("expired")
    assert not access.is_enrolled(services.db, services.config, 8003)
    assert services.db["users"].count == 0


async def test_more_and_thumbs_down(make_services, running_bot, make_user, people, alerts) -> None:
    services = school_that_taught_it(make_services)
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")

    await teacher.send("can I friend an ex-student?")
    [answer] = await teacher.replies(timeout=15)
    buttons = dict(answer["reply_markup"])
    [question] = services.db["questions"].rows
    ids = json.loads(question["passage_ids"])

    await teacher.tap(buttons[questions_text.MORE], answer["message_id"])
    [more] = await teacher.replies()
    second = services.engine.passage(ids[1])
    assert second.text in plain(more["text"])
    assert [more["text"]] == questions_text.passage_messages(second, position=(2, len(ids)))
    assert [label for label, _ in more["reply_markup"]] == ([questions_text.MORE] if len(ids) > 2 else [])

    await teacher.tap(buttons[questions_text.UNHELPFUL], answer["message_id"])
    await teacher.no_reply(wait=0.4)
    row = services.db["questions"].get(question["id"])
    assert row["feedback"] == "down" and row["feedback_at"]
    assert questions_text.FEEDBACK_THANKS in alerts
    edited = await teacher.message(answer["message_id"])
    assert edited["reply_markup"] == []  # More used and feedback given: no buttons left


async def test_topics_show_a_sections_first_passage(make_services, running_bot, make_user, people) -> None:
    services = make_services()
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    sections = chunking.section_starts(services.engine.index.passages)

    await teacher.send("/topics")
    [menu] = await teacher.replies()
    assert len(menu["reply_markup"]) == questions_text.TOPICS_PAGE + 1, "a page of sections, and Next"
    assert menu["reply_markup"][-1] == (NEXT, cb.Page("topics", 1).data)
    number = next(i for i, s in enumerate(sections) if s[1] == "Use of Images") // questions_text.TOPICS_PAGE
    await teacher.tap(cb.Page("topics", number).data, menu["message_id"])
    await asyncio.sleep(0.3)
    menu = await teacher.message(menu["message_id"])
    paged = page(sections, number, questions_text.TOPICS_PAGE)
    documents = len({document for document, _section, _first in sections})
    assert paged.count == 3 and menu["text"] == questions_text.topics_text(
        len(sections), documents, paged.note
    )
    label, data = next((lab, d) for lab, d in menu["reply_markup"] if lab == "Use of Images")
    document, section, first = next(s for s in sections if s[1] == label)

    await teacher.tap(data, menu["message_id"])
    [shown] = await teacher.replies()
    assert shown["text"].startswith(f"<b>{section}</b>")
    assert first.text in plain(shown["text"])
    assert services.db["questions"].count == 0  # browsing is not asking


async def test_uncovered_question_goes_to_the_head_teacher(
    make_services, running_bot, make_user, people, alerts
) -> None:
    services = make_services()
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Helen")

    await teacher.send(OUT_OF_POLICY)
    [reply] = await teacher.replies(timeout=15)
    assert reply["text"] == questions_text.not_covered()
    assert [label for label, _ in reply["reply_markup"]] == [
        questions_text.ask_button(about_head=False),
        questions_text.CLOSEST,
    ]
    [row] = services.db["questions"].rows
    assert row["answered"] == 0 and row["escalated_at"] is None

    await teacher.tap(reply["reply_markup"][0][1], reply["message_id"])
    [sent] = await teacher.replies()
    assert sent["text"] == questions_text.question_queued(["head_teacher"], about_head=False)
    [to_head] = await head.replies()
    assert OUT_OF_POLICY in plain(to_head["text"])
    assert [label for label, _ in to_head["reply_markup"]] == [
        report_record.ACKNOWLEDGE,
        report_record.ADD_NOTE,
        report_record.RESOLVE,
        report_record.ANSWER,  # a question is answered, not asked about
    ]
    assert services.db["questions"].get(row["id"])["escalated_at"]
    # It sits in the Head Teacher's queue like a report, so it is acknowledged and resolved.
    [queued] = services.db["reports"].rows
    assert queued["category"] == "question" and queued["question_id"] == row["id"]
    assert queued["reporter_id"] == people.teacher

    await teacher.tap(reply["reply_markup"][0][1], reply["message_id"])  # a second tap
    await head.no_reply(wait=0.4)
    assert questions_text.already_escalated() in alerts


async def test_an_incident_offers_report_this_and_a_rule_question_does_not(
    make_services, running_bot, make_user, people
) -> None:
    services = make_services()
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")

    await teacher.send("a pupil just sent me a friend request on instagram")
    [incident] = await teacher.replies(timeout=15)
    buttons = dict(incident["reply_markup"])
    assert questions_text.REPORT_THIS in buttons

    await teacher.send("can I friend an ex-student?")
    [rule] = await teacher.replies(timeout=15)
    assert questions_text.REPORT_THIS not in dict(rule["reply_markup"])

    await teacher.tap(buttons[questions_text.REPORT_THIS], incident["message_id"])
    [flow] = await teacher.replies()
    assert "1/5" in flow["text"]  # the guided report starts, the text already filled in


async def test_rate_limit(make_services, running_bot, make_user, people) -> None:
    services = make_services(limits={"questions_per_minute": 2})
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")

    for question in ("can I friend an ex-student?", "can I post photos of pupils?", "what about parents?"):
        await teacher.send(question)
    replies = await teacher.replies(count=3, timeout=15)

    limited = [r for r in replies if r["text"] == questions_text.rate_limited(2)]
    assert len(limited) == 1
    assert services.db["questions"].count == 2


async def test_long_message_answered_from_its_first_part(
    make_services, running_bot, make_user, people
) -> None:
    services = make_services()
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    text = ("can I friend an ex-student? " * 200)[:5000]

    await teacher.send(text)
    [reply] = await teacher.replies(timeout=15)

    # answered or offered as a choice, the reply is about the question and says it was cut
    assert "Personal use of Social Media" in plain(reply["text"])
    assert questions_text.long_question_note(2000) in plain(reply["text"])
    assert len(reply["text"]) <= 4096
    [row] = services.db["questions"].rows
    assert row["text"] == text, "kept whole: a report made from it is checked and kept in full"


async def test_forged_and_foreign_buttons_expire(
    make_services, running_bot, make_user, people, alerts
) -> None:
    services = school_that_taught_it(make_services)
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    colleague = make_user(services, people.teacher2, "Colin")

    await teacher.send("can I friend an ex-student?")
    [answer] = await teacher.replies(timeout=15)
    [question] = services.db["questions"].rows
    forged = [
        "fb:999999:up",
        "more:1:99",
        "sec:9999:0",
        "ask:1",
        "drop table questions",
        "fb:1:meh",
        "x" * 64,
    ]
    for data in forged:
        await teacher.tap(data, answer["message_id"])
    await colleague.tap(cb.Feedback(question["id"], False).data, answer["message_id"])  # not their question
    await colleague.tap(cb.More(question["id"], 1).data, answer["message_id"])

    await teacher.no_reply(wait=0.6)
    await colleague.no_reply(wait=0.1)
    assert alerts == [common_text.BUTTON_EXPIRED] * (len(forged) + 2)
    assert services.db["questions"].get(question["id"])["feedback"] is None
    await teacher.send("can I friend an ex-student?")  # the bot is still fine
    [again] = await teacher.replies(timeout=15)
    assert EX_STUDENTS in plain(again["text"])


async def test_commands_welcome_help_privacy(make_services, running_bot, make_user, people) -> None:
    services = make_services(storage={"question_retention_days": 90, "report_retention_years": 7})
    app = await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")

    registered = await app.bot.get_my_commands()
    assert [(c.command, c.description) for c in registered] == command_menu().for_roles({"staff"})
    assert {"start", "help", "topics", "privacy"} <= {c.command for c in registered}
    head = await app.bot.get_my_commands(scope=BotCommandScopeChat(people.head_teacher))
    assert [(c.command, c.description) for c in head] == command_menu().everything()
    await teacher.send("/start")
    [welcome] = await teacher.replies()
    sections = [(p.document, p.section) for p in services.engine.index.passages]
    examples = access_text.examples_from_headings(sections)
    assert len(examples) == 2 and all(html.escape(q, quote=False) in welcome["text"] for q in examples)
    await teacher.send("/help")
    [help_reply] = await teacher.replies()
    days = services.config.storage.question_retention_days
    assert [help_reply["text"]] == access_text.help_text(days, command_menu().for_roles({"staff"}), [])
    await teacher.send("/privacy")
    parts = await teacher.replies(count=3)
    assert all(len(plain(part["text"])) <= access_text.PHONE_SCREEN for part in parts), "a phone screen each"
    storage = services.config.storage
    assert (storage.question_retention_days, storage.report_retention_years) == (90, 7)
    assert [part["text"] for part in parts] == access_text.privacy_messages(
        90, services.config.backup.keep_days, report_years=7
    )
    # The golden wording check: /privacy states the school's own periods in words staff read.
    privacy = {"text": "\n".join(part["text"] for part in parts)}
    assert "deleted after 90 days" in privacy["text"]
    assert "deleted 7 years after they are resolved; open reports are never deleted" in privacy["text"]


async def test_head_teacher_commands_and_revoke(make_services, running_bot, make_user, people) -> None:
    services = make_services()
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Helen")

    await teacher.send("/invite")
    [denied] = await teacher.replies()
    assert denied["text"] == access_text.role_refusal(("head_teacher",))
    await head.send("/revoke nobody")
    [usage] = await head.replies()
    assert usage["text"] == access_text.REVOKE_USAGE
    await head.send(f"/revoke {people.teacher}")
    [done] = await head.replies()
    assert done["text"] == access_text.REVOKE_MESSAGES["revoked"].format(user_id=people.teacher)

    await teacher.send("can I friend an ex-student?")
    [refused] = await teacher.replies()
    assert refused["text"] == access_text.refusal(services.config.school.name, people.teacher)
    assert services.db["questions"].count == 0


class BrokenEngine:
    def search(self, question: str, top_k: int = 3) -> Any:
        raise RuntimeError("index exploded")


async def test_errors_reach_the_user_as_one_sentence(make_services, running_bot, make_user, people) -> None:
    services = make_services(search_engine=BrokenEngine())
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")

    await teacher.send("can I friend an ex-student?")
    [reply] = await teacher.replies()

    assert reply["text"] == common_text.ERROR


async def test_retention_job_deletes_old_questions(make_services, running_bot, people) -> None:
    services = make_services(storage={"question_retention_days": 30})
    app = await running_bot(services)
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat(timespec="seconds")
    fresh = (datetime.now(UTC) - timedelta(days=29)).isoformat(timespec="seconds")
    for asked_at, text in ((old, "old"), (fresh, "fresh")):
        services.db["questions"].insert(
            {"user_id": people.teacher, "asked_at": asked_at, "text": text, "answered": 0}
        )

    assert PURGE_JOB in [job.name for job in app.job_queue.jobs()]
    await purge_questions(CallbackContext(app))

    assert [r["text"] for r in services.db["questions"].rows] == ["fresh"]


async def test_staffguide_serve_runs_the_bot_and_stops_cleanly(emulator, tmp_path, people) -> None:
    """The production path: `staffguide serve --config FILE` as a process, stopped by SIGTERM."""
    token = "4242:serve-test"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{token}"\nbase_url = "{emulator.base_url}"\npoll_interval = 0.1\n'
        f"[people]\nhead_teacher = [{people.head_teacher}]\nstaff = [{people.teacher}]\n"
        f'[knowledge]\ndir = "{BUNDLED_POLICIES}"\nindex_dir = "{tmp_path / "index"}"\n'
        f'[storage]\ndatabase = "{tmp_path / "bot.db"}"\n'
    )
    exe = Path(sys.executable).with_name("staffguide")
    process = subprocess.Popen(
        [str(exe), "-q", "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    teacher = TelegramUser(emulator, token, user_id=people.teacher, first_name="Tess")
    try:
        await teacher.send("can I friend an ex-student?")
        [reply] = await teacher.replies(timeout=90)  # start-up builds the index first
        # answered outright or offered with its neighbours: either way the policy's section is shown
        assert "Personal use of Social Media" in plain(reply["text"])
    finally:
        await teacher.aclose()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 30)
    err = process.stderr.read().decode()
    assert code == 0, err
    assert "Traceback" not in err


async def test_a_passage_longer_than_a_phone_screen_comes_whole_in_screen_sized_messages(
    make_services, running_bot, make_user, people
) -> None:
    services = make_services()
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    passages = services.engine.index.passages
    starts = chunking.section_starts(passages)
    index, (document, section, first) = next(
        (n, s)
        for n, s in enumerate(starts)
        if tg.tg_len(questions_text.format_passage(s[2])) > tg.PHONE_SCREEN
        and len(chunking.section_passages(passages, s[0], s[1])) > 1
    )

    await teacher.send("/topics")  # a section's first passage, as the Section button sends it
    [menu] = await teacher.replies()
    await teacher.tap(cb.Section(index, 0).data, menu["message_id"])
    parts = await teacher.replies(count=2)
    assert all(tg.tg_len(plain(p["text"])) <= tg.PHONE_SCREEN for p in parts)
    quote_starts = plain(parts[0]["text"]).split("\n\n", 1)[1]  # under the heading
    assert quote_starts.split()[:8] == first.text.split()[:8]
    assert parts[0]["reply_markup"] == [] and parts[1]["reply_markup"], "the buttons under the last"
    in_section = len(chunking.section_passages(passages, document, section))
    # the heading on each part, marked as continued; where the passage stands in its section
    assert [p["text"] for p in parts] == questions_text.passage_messages(first, position=(1, in_section))
    assert section in plain(parts[1]["text"])
    assert first.text.split()[-1] in plain(parts[1]["text"])  # the quote runs to its last word
