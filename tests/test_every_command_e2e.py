"""Every command of every role's menu, against a school in full swing: each message fits a phone.

Why: a message is read on a phone between lessons. The promise (and the issue behind this test)
is that every message a person gets fits one phone screen (longer content comes a page at a time
with buttons), that no keyboard offers two buttons with the same label, and that people read
plain words: no HTML tag or entity left showing, no internal id. Unit tests of one wording at a
time cannot see what a real command sends with real data, so one bot over the Bot API emulator
is seeded with what a school has after a few weeks (open, acknowledged, resolved and escalated
reports, a report about the Head, a question to the Head, enrolled staff, a policy change staff
must read, questions to review) and every person sends every command their menu lists, with no
argument and, where it takes one, a valid one. Every message they receive is checked, including
the alerts and reminders the seeded state makes the bot send as it starts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_harness import Reply, TelegramUser
from helpers import plain
from telegram.ext import CallbackContext

from bot import access, outbox, read_flow, reads, reports
from bot import policy_library as pl
from bot import policy_versions as pv
from bot.app import command_menu
from bot.clock import now, utc
from bot.config import ROLES
from bot.context import Services
from bot.handlers.policies import send_digest
from bot.reports import NewReport
from bot.text.notices import NOTICES
from bot.text.pages import NEXT
from bot.text.telegram import tg_len

pytestmark = pytest.mark.e2e

SCREEN = 700  # what one phone screen shows, counted as Telegram counts the text people read
ADMIN = 7201  # a policy admin who holds no other role
NEWCOMER = 7301  # joins with an invite code during the test
ENROLLED = range(7401, 7413)  # staff who joined with invite codes earlier
QUIET = 0.4  # seconds without a new message before a command's answer is taken as complete
# A hash id: a passage's (knowledge.chunking.passage_id), a report's tag, a version's tag
HASH_ID = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{8,40}\b")

LONG_ACCOUNT = (  # as a worried teacher writes it on the evening it happened
    "A Year 9 pupil sent me a friend request on Instagram last night at about 9pm, from an account "
    "that uses a nickname but has her photo. I did not accept it. About twenty minutes later she sent "
    "a message request saying she needed to talk to someone about what is happening at home and asking "
    "for my mobile number because she does not want her parents to see. I have not replied to the "
    "message and have not opened the rest of it beyond the preview. This morning two other pupils in "
    "the same tutor group mentioned that she had been 'really upset' in the group chat over the "
    "weekend and that some of the messages were 'worrying'. I have taken screenshots of the request "
    "and the preview on my own phone and have not shown them to anyone. I am aware she has had "
    "attendance concerns this term and was seen by the school nurse last week. I would like advice on "
    "whether I should block the account, and I think the DSL should probably speak to her today. I am "
    "free periods 3 and 5 if anyone needs to talk to me about it."
)
DESCRIPTIONS = [
    LONG_ACCOUNT,
    "A parent posted on the class WhatsApp group that I 'should be sacked' and named me. Several "
    "other parents replied agreeing.",
    "A colleague shared a photo from the school trip on her public Facebook page with pupils' faces visible.",
    "A pupil told me another child is being sent messages by an adult they met online who asked "
    "them to keep it secret.",
    "A spreadsheet with pupils' names and SEN needs was posted in a parents' Facebook group.",
    "Someone made a TikTok account with the school logo posting mocking videos of staff.",
    "A pupil added me on Snapchat; I blocked them and have screenshots.",
    "Ex-pupil (left last year, 17) keeps messaging me on Instagram about their problems at home.",
    "A member of the public filmed pupils at the bus stop and posted it on TikTok.",
    "The head posted a photo of a pupil on her own Instagram without parental consent.",
    "Parent messaged me on Facebook Messenger late at night about a detention.",
    "A colleague's personal Twitter account is posting about a pupil's behaviour without naming them.",
]


def people_of(people: Any) -> dict[str, list[int]]:
    return {**people.config(), "policy_admins": [ADMIN]}


# -- the seeded school ----------------------------------------------------------------------------


def seed(services: Services, people: Any) -> dict[str, str]:
    """What a school has after a few weeks; returns references the walk uses."""
    db, config = services.db, services.config
    roster = config.people
    head = roster.head_teacher[0]
    for n, uid in enumerate(ENROLLED):
        code = access.create_invite(db, head, 7)
        access.redeem_invite(db, code, uid, f"Member {n + 1} of Staff", config=config)
    hours_ago = utc() - timedelta(hours=3)
    reporters = [people.teacher, people.teacher2, *ENROLLED]
    subjects = ["pupil", "parent", "staff", "pupil", "unknown", "public", "pupil", "pupil", "public"]
    categories = ["pupil_contact", "harassment", "staff_post", "safeguarding", "data_leak", "reputation"]
    for n, text in enumerate(DESCRIPTIONS):
        new = NewReport(
            reporter_id=reporters[n % 3],
            reporter_name=["Tess Teacher", "Tom Teacher", "Member 1 of Staff"][n % 3],
            category=categories[n % len(categories)],
            description=text,
            subject=subjects[n % len(subjects)],
            place=["Instagram", "WhatsApp", "Facebook", "On a school trip"][n % 4],
            happened="Just now" if n % 2 else "yesterday",
        )
        reports.create_report(db, roster, new, at=hours_ago + timedelta(minutes=n), notices=NOTICES)
    reports.create_report(
        db,
        roster,
        NewReport(
            people.teacher, "Tess Teacher", "question", "Can I accept a LinkedIn request from a parent?"
        ),
        at=hours_ago,
        notices=NOTICES,
    )
    reports.create_report(
        db,
        roster,
        NewReport(people.teacher2, "Tom Teacher", "triage", "Someone is sharing staff phone numbers online."),
        notices=NOTICES,
    )
    reports.acknowledge(db, roster, 2, head, "Hana Head", notices=NOTICES)
    reports.add_note(db, roster, 2, head, "Hana Head", "Spoke to the parent group admin; post removed.")
    reports.acknowledge(db, roster, 4, roster.dsl[0], "Dara DSL", notices=NOTICES)
    reports.resolve(
        db,
        roster,
        6,
        head,
        "Hana Head",
        "No further action",
        "Account reported; taken down.",
        notices=NOTICES,
    )
    reports.escalate_overdue(db, roster, config.escalation.renotify_minutes, notices=NOTICES)
    for n, text in enumerate(
        ["can I use a VPN on the school wifi?", "what about drones on sports day?", "lanyard photo ok?"]
    ):
        db.table("questions").insert(
            {
                "user_id": people.teacher,
                "asked_at": now(hours_ago + timedelta(minutes=n)),
                "text": text,
                "answered": 0,
            }
        )
    about_head = next(
        r for r in reports.queue(db, roster, roster.chair_of_governors[0]) if r.category != "question"
    )
    return {"visible": "R-0001", "about_head": about_head.reference}


def seed_policy_change(services: Services, people: Any) -> None:
    """The policy as it was (one section worded differently, one not there yet), then as it is now:
    the Head decided staff must read the change, and one member of staff has."""
    db, config = services.db, services.config
    passages = services.engine.index.passages
    before = [
        dataclasses.replace(p, text=p.text + " (draft)") if i == 3 else p for i, p in enumerate(passages)
    ]
    pv.record(db, [p for i, p in enumerate(before) if i != 5], pv.START)
    [version, *_] = pv.record(db, passages, pv.RELOAD, config.people.head_teacher[0])
    read_flow.ask_about_changes(db, config, uploaded_by="Ada Admin")
    read_flow.decide(db, config, version.id, True, config.people.head_teacher[0])
    reads.confirm(db, version.id, people.teacher2, "Tom Teacher")


# -- what is checked --------------------------------------------------------------------------------


@dataclasses.dataclass
class Seen:
    who: str
    sent: str
    reply: Reply

    @property
    def visible(self) -> str:
        """The text as the person reads it: HTML parsed (entities read back, tags gone)."""
        raw = self.reply["raw"].get("message", {})
        text = self.reply["text"] or raw.get("caption") or ""
        return plain(text) if raw.get("parse_mode", "HTML") == "HTML" else text

    def problems(self) -> list[str]:
        found = []
        length = tg_len(self.visible)
        if length > SCREEN:
            found.append(f"{length} characters (over {SCREEN})")
        labels = [label for label, _data in self.reply["reply_markup"]]
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            found.append(f"buttons labelled alike: {twice}")
        for mark in ("<b>", "</", "<i>", "&lt;", "&gt;", "&amp;", "&quot;", "&#"):
            if mark in self.visible:
                found.append(f"shows {mark!r}")
        ids = HASH_ID.findall(self.visible)
        if ids:
            found.append(f"shows internal ids {sorted(ids)}")
        return found

    def __str__(self) -> str:
        return f"{self.who} {self.sent!r}: {self.visible[:80]!r}"


class Walker:
    """One person: sends a command, takes every message until the bot falls quiet, keeps them all."""

    def __init__(self, user: TelegramUser, who: str, seen: list[Seen], unanswered: list[str]) -> None:
        self.user, self.who, self.seen, self.unanswered = user, who, seen, unanswered

    async def answer(self, sent: str, first: float = 20.0, required: bool = True) -> list[Reply]:
        try:
            got = await self.user.replies(timeout=first)
        except AssertionError:
            if required:
                raise
            return []
        while True:
            try:
                got += await self.user.replies(timeout=QUIET)
            except AssertionError:
                break
        self.seen.extend(Seen(self.who, sent, r) for r in got)
        return got

    async def send(self, text: str) -> list[Reply]:
        await self.user.send(text)
        got = await self.answer(text, required=False)
        if not got:
            self.unanswered.append(f"{self.who} {text!r}")
        return got

    async def tap(self, reply: Reply, label: str, sends: bool = False) -> list[Reply]:
        """Tap a button: the tapped message is edited (a page turned, the choice shown) and, with
        `sends`, a new message comes (the next step)."""
        before = await self.user.message(reply["message_id"])
        data = next(data for text, data in reply["reply_markup"] if text == label)
        await self.user.tap(data, reply["message_id"])
        edited = before
        for _ in range(100):
            edited = await self.user.message(reply["message_id"])
            if (edited["text"], edited["reply_markup"]) != (before["text"], before["reply_markup"]):
                break
            await asyncio.sleep(0.05)
        self.seen.append(Seen(self.who, f"[{label}] (edited)", edited))
        return await self.answer(f"[{label}]", first=20.0 if sends else QUIET, required=sends)

    async def drain(self, label: str) -> None:
        """What the bot sent unasked (alerts, reminders, policy changes)."""
        await self.answer(label, first=QUIET, required=False)


async def page_through(walker: Walker, replies: list[Reply]) -> None:
    """Next ▶ on a paged answer until its last page (each page is checked as it is shown)."""
    paged = next((r for r in replies if any(label == NEXT for label, _ in r["reply_markup"])), None)
    for _ in range(20):
        if paged is None or not any(label == NEXT for label, _ in paged["reply_markup"]):
            return
        await walker.tap(paged, NEXT)
        paged = await walker.user.message(paged["message_id"])
    raise AssertionError(f"{walker.who}: more than 20 pages")


async def walk(walker: Walker, commands: list[str], refs: dict[str, str]) -> None:
    """Each command bare, then with a valid argument where it takes one; every page of a paged one."""
    for command in commands:
        replies = await walker.send(f"/{command}")
        if command == "report":  # the guided report is open: leave it as a person would
            await walker.send("/cancel")
        await page_through(walker, replies)
    if "show" in commands:
        ref = refs["about_head"] if walker.who == "chair" else refs["visible"]
        await page_through(walker, await walker.send(f"/show {ref}"))
    if "revoke" in commands:
        await walker.send(f"/revoke {ENROLLED[-1]}")


async def walk_guided_report(walker: Walker) -> None:
    """Staff's /report, tap by tap, to the check before Send, then Cancel."""
    [step] = await walker.send("/report")
    for _ in range(4):
        [step] = await walker.tap(step, step["reply_markup"][0][0], sends=True)
    await walker.user.send(LONG_ACCOUNT)
    [summary] = await walker.answer("description")
    await walker.tap(summary, "Cancel")


async def settled(services: Services, timeout: float = 30.0) -> None:
    """Until the outbox has sent everything queued (alerts, reminders, the policy change)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while services.db.execute(
        "select count(*) from outbox where status in ('pending', 'sending')"
    ).fetchone()[0]:
        assert asyncio.get_running_loop().time() < deadline, "the outbox did not empty"
        await asyncio.sleep(0.1)


async def test_every_command_of_every_role_fits_a_phone_screen(
    make_services, running_bot, make_user, people, engine, tmp_path: Path
) -> None:
    services = make_services(people=people_of(people))
    services.tick_seconds = 0.1
    services.backoff = outbox.Backoff(base=0.1, factor=2, cap=1)
    # /reload re-reads the bundled policy as it is: the index the session built, at once
    services.library = pl.PolicyLibrary(
        engine, services.db, services.config.knowledge.dir, tmp_path / "index", reload=lambda *_: engine.index
    )
    seed_policy_change(services, people)
    refs = seed(services, people)
    code = access.create_invite(services.db, people.head_teacher, 7)
    app = await running_bot(services)

    cast = {
        "head": (people.head_teacher, "Hana"),
        "deputy": (people.deputy, "Dev"),
        "dsl": (people.dsl, "Dara"),
        "chair": (people.chair_of_governors, "Cai"),
        "admin": (ADMIN, "Ada"),
        "staff": (people.teacher, "Tess"),
    }
    roster = services.config.people
    assert set().union(*(roster.roles_of(uid) for uid, _name in cast.values())) == set(ROLES), "every role"
    seen: list[Seen] = []
    unanswered: list[str] = []

    def walker(uid: int, who: str, name: str) -> Walker:
        return Walker(make_user(services, uid, name), who, seen, unanswered)

    walkers = {who: walker(uid, who, name) for who, (uid, name) in cast.items()}
    newcomer, stranger = walker(NEWCOMER, "newcomer", "Nia"), walker(people.stranger, "stranger", "Sam")
    await settled(services)
    for each in walkers.values():
        await each.drain("(sent at start)")

    menu = command_menu()
    menus = {
        who: [c for c, _ in menu.for_roles(roster.roles_of(uid) | {"staff"})]
        for who, (uid, _) in cast.items()
    }
    assert {c for listed in menus.values() for c in listed} == {c for c, _ in menu.everything()}
    await asyncio.gather(*(walk(walkers[who], menus[who], refs) for who in walkers))

    await walk_guided_report(walkers["staff"])
    for refused in ("/queue", "/invite"):  # not in their menu: refused in a line
        await walkers["staff"].send(refused)
    await walkers["head"].send(f"/show {refs['about_head']}")  # about the Head: not theirs to see
    await newcomer.send(f"/start {code}")
    for command in ("/start", "/help", "/privacy", "/report"):
        await stranger.send(command)
    await walkers["staff"].send("/report Someone is sharing staff phone numbers in a parents' group.")
    await send_digest(CallbackContext(app))
    await settled(services)
    for each in walkers.values():
        await each.drain("(sent unasked)")

    assert len(seen) > 150 and not unanswered, f"no answer to {unanswered}"
    assert any("weekly digest" in item.visible for item in seen), "the digest was read too"
    problems = [f"{item}: {'; '.join(found)}" for item in seen if (found := item.problems())]
    assert not problems, "\n".join(problems)
