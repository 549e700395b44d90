"""A changed policy reaches every member of staff, who confirm they have read it, end to end.

The real Application over the Bot API emulator: an admin uploads a changed policy, the Head
decides with one tap that staff must read it, staff get the change with its sections and
"I have read it", and the record is checked against what /reads shows. Why end to end: the
promise is to a school that must show an inspector who read what, so double taps, stale
buttons, a revoked member and a restart are played the way they happen on a phone.
"""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from e2e_harness import Reply, TelegramUser, run_application
from helpers import labels, plain
from test_knowledge_e2e import ADMIN, phone_services
from test_policy_library import PHONES_TXT, PHONES_V2

from bot import access, clock, outbox, read_flow, reads
from bot import policy_versions as pv
from bot.app import build_application
from bot.clock import shown
from bot.context import Services
from bot.handlers import reads as reads_handlers
from bot.policy_versions import Version
from bot.text import access as access_text
from bot.text import callbacks as cb
from bot.text import common as common_text
from bot.text import policies as policies_text
from bot.text import reads as reads_text
from bot.text.pages import page
from knowledge.changes import REWORDED

pytestmark = pytest.mark.e2e

PHONES_V3 = PHONES_V2 + "\nCharging\n\nPhones are charged in the staff room, never in classrooms.\n"


@pytest.fixture
def phone_policies(tmp_path: Path) -> Path:
    folder = tmp_path / "phone-policies"
    folder.mkdir()
    (folder / "phones.txt").write_text(PHONES_TXT)
    return folder


def fast(services: Services) -> Services:
    services.tick_seconds = 0.1
    services.backoff = outbox.Backoff(base=0.1, factor=2, cap=1)
    return services


def button(reply: Reply, label: str) -> str:
    return next(data for text, data in reply["reply_markup"] if text == label)


def is_question(reply: Reply) -> bool:
    """The Head's "must staff read this?", by its buttons."""
    return reads_text.DECIDE_YES in labels(reply)


def is_change(reply: Reply) -> bool:
    """A change message to read, by its "I have read it"."""
    return reads_text.READ_IT in labels(reply)


def version_of(db, reply: Reply) -> Version:
    """The policy version a message's buttons name."""
    for _label, data in reply["reply_markup"]:
        tap = cb.parse(data)
        if isinstance(tap, cb.ReadDecision | cb.ReadConfirm | cb.ReadSection | cb.ReadOpen):
            version = pv.get(db, tap.version_id)
            assert version is not None
            return version
    raise AssertionError(f"no version named by {reply['reply_markup']!r}")


def reads_listing(services: Services) -> str:
    """/reads' first page for the record as it stands."""
    items = reads.progress(services.db, read_flow.staff(services.db, services.config))
    return reads_text.reads_list(page(items, 0, reads_text.VERSIONS_PER_PAGE), reads.undecided(services.db))


class Transcript:
    """What one member of staff saw, as text messages and buttons, for the closing note."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def saw(self, reply: Reply) -> Reply:
        self.lines.append("BOT: " + plain(reply["text"]).replace("\n", "\n     "))
        if reply["reply_markup"]:
            self.lines.append("     " + "  ".join(f"[{label}]" for label, _ in reply["reply_markup"]))
        return reply

    def tapped(self, label: str, alert: str | None = None) -> None:
        self.lines.append(f"STAFF taps [{label}]" + (f" -> alert: {alert}" if alert else ""))


async def upload_and_decide(admin: TelegramUser, head: TelegramUser, text: str) -> Reply:
    """The admin sends the changed file; the Head taps "Staff must read it". Returns the Head's question."""
    await admin.send_document("phones.txt", text.encode(), mime_type="text/plain")
    stored = policies_text.stored_heading("phones.txt")
    await admin.wait_for(lambda r: stored in (r["text"] or ""), timeout=30)
    question = await head.wait_for(is_question, timeout=15)
    await head.tap(button(question, reads_text.DECIDE_YES), question["message_id"])
    return question


async def test_staff_learn_what_changed_and_their_confirmations_are_recorded_once(
    make_services, make_user, people, emulator, phone_policies: Path, tmp_path: Path, alerts
) -> None:
    services = fast(phone_services(make_services, people, phone_policies, tmp_path))
    db = services.db
    transcript = Transcript()
    later = Transcript()  # a colleague who reads late: a reminder, then a newer version
    async with run_application(build_application(services, base_url=emulator.base_url)) as app:
        head = make_user(services, people.head_teacher, "Hattie")
        admin = make_user(services, ADMIN, "Ada")
        teacher = make_user(services, people.teacher, "Tess")
        teacher2 = make_user(services, people.teacher2, "Tom")
        deputy = make_user(services, people.deputy, "Dee")

        # The admin uploads a change; the Head and the admin are asked whether staff must read it.
        question = await upload_and_decide(admin, head, PHONES_V2)
        asked = version_of(db, question)
        assert question["text"] == reads_text.decision_request(asked, "Ada")
        assert (asked.title, asked.number) == ("Staff Phones Policy", 2)
        assert [(c.section, c.kind) for c in asked.changes] == [("Personal phones", REWORDED)]
        assert "Staff Phones Policy" in plain(question["text"]) and "1. Personal phones" in plain(
            question["text"]
        )
        admin_question = await admin.wait_for(is_question)

        # Every member of staff gets one short message with the changed sections and the button.
        change = transcript.saw(await teacher.wait_for(is_change, timeout=15))
        [version] = reads.current_required(db)
        assert change["text"] == reads_text.announcement(read_flow.view_for(db, version, people.teacher))
        assert len(change["text"]) <= reads_text.PHONE_LIMIT
        assert "1. Personal phones" in plain(change["text"])
        assert [label for label, _ in change["reply_markup"]] == ["1. Personal phones", reads_text.READ_IT]
        # The golden wording check: what staff tap is, in these words, the record an inspector reads.
        assert "I have read it" in plain(change["text"]) and "I have read it" in labels(change)[-1]
        old_change = await teacher2.wait_for(is_change, timeout=15)
        deputy_change = later.saw(await deputy.wait_for(is_change, timeout=15))
        members = len(access.members(db, services.config))
        assert (
            db.execute("select count(*) from outbox where purpose = 'read_request'").fetchone()[0] == members
        )
        decided = await head.message(question["message_id"])
        assert decided["text"] == reads_text.decided(asked, True, members)
        assert decided["reply_markup"] == []

        # The admin's copy of the question says it was decided; a tap on it comes second all the same.
        decision = reads.decision(db, version.id)
        assert decision is not None and decision.required
        when_decided = shown(decision.decided_at)
        closed = await admin.message(admin_question["message_id"])
        assert closed["text"] == reads_text.decided_earlier(asked, True, when_decided)
        assert closed["reply_markup"] == []
        await admin.tap(button(admin_question, reads_text.DECIDE_NO), admin_question["message_id"])
        await asyncio.sleep(0.5)
        assert alerts[-1] == reads_text.already_decided(True, when_decided)
        assert reads.decision(db, version.id) is not None and reads.decision(db, version.id).required

        # A section opens with the policy's own words, now and before.
        transcript.tapped("1. Personal phones")
        await teacher.tap(button(change, "1. Personal phones"), change["message_id"])
        words = reads_text.section_pages(read_flow.view_for(db, version, people.teacher), 0)[0]
        section = transcript.saw(await teacher.wait_for(lambda r: r["text"] == words))
        # the policy's words, now and before
        assert "Staff may use a personal phone to call parents only in an emergency." in plain(
            section["text"]
        )
        assert "photograph pupils" in plain(section["text"])
        assert len(section["text"]) <= reads_text.PHONE_LIMIT

        # "I have read it", twice: one record.
        await teacher.tap(button(change, reads_text.READ_IT), change["message_id"])
        await asyncio.sleep(0.5)
        transcript.tapped(reads_text.READ_IT, alerts[-1])
        assert alerts[-1] == reads_text.CONFIRMED
        await teacher.tap(button(change, reads_text.READ_IT), change["message_id"])
        await asyncio.sleep(0.5)
        transcript.tapped(reads_text.READ_IT + " (again)", alerts[-1])
        confirmed = reads.confirmation(db, version.id, people.teacher)
        assert confirmed is not None
        assert alerts[-1] == reads_text.already_confirmed(shown(confirmed.confirmed_at))
        assert db.execute("select count(*) from read_confirmations").fetchone()[0] == 1
        edited = await teacher.message(change["message_id"])
        transcript.lines.append("(the change message now reads:)")
        transcript.saw(edited)
        assert edited["text"] == reads_text.announcement(
            read_flow.view_for(db, version, people.teacher), confirmed.confirmed_at
        )
        assert reads_text.READ_IT not in [label for label, _ in edited["reply_markup"]]

        # A revoked member's tap is refused and records nothing.
        access.revoke(db, people.teacher2, by=people.head_teacher, config=services.config)
        await teacher2.tap(button(old_change, reads_text.READ_IT), old_change["message_id"])
        await asyncio.sleep(0.5)
        refusal = plain(access_text.refusal(services.config.school.name, people.teacher2))
        assert alerts[-1] is not None and alerts[-1][:40] == refusal[:40]
        assert reads.confirmation(db, version.id, people.teacher2) is None

        # Reminders: none the same day (everyone was told today), then one each the next school day.
        [job] = app.job_queue.get_jobs_by_name(reads_handlers.REMINDER_JOB)
        when = job.next_t.astimezone(services.config.school.tz)
        assert (when.hour, when.minute) == (10, 0) and when.isoweekday() <= 5
        assert read_flow.send_reminders(db, services.config) == 0
        monday = next_school_morning()
        assert read_flow.send_reminders(db, services.config, at=monday) == members - 2  # not Tess, not Tom
        assert read_flow.send_reminders(db, services.config, at=monday + timedelta(hours=3)) == 0
        later.lines.append("(the next school day)")
        expected = reads_text.reminder(reads.pending_for(db, people.deputy))
        reminder = later.saw(await deputy.wait_for(lambda r: r["text"] == expected, timeout=15))
        assert version.title in plain(reminder["text"]) and labels(reminder) == [
            reads_text.open_label(version)
        ]

        # A newer version replaces the one to read: its old button says so and brings the new one.
        await upload_and_decide(admin, head, PHONES_V3)
        later.lines.append("(a newer version is decided; the first change message is still on screen)")
        await deputy.tap(button(deputy_change, reads_text.READ_IT), deputy_change["message_id"])
        newer = later.saw(await deputy.wait_for(is_change, timeout=15))
        assert alerts[-1] == reads_text.REPLACED
        later.lines.insert(
            -2 if newer["reply_markup"] else -1,
            f"STAFF taps [{reads_text.READ_IT}] (the old message) -> alert: {alerts[-1]}",
        )
        [v3] = reads.current_required(db)
        seen = read_flow.view_for(db, v3, people.deputy)
        assert v3.number == 3 and newer["text"] == reads_text.announcement(seen)
        # Dee never confirmed version 2, so its change is in version 3's message too.
        assert seen.counted_from == 1
        assert "Charging" in plain(newer["text"]) and "Personal phones" in plain(newer["text"])
        assert reads.confirmation(db, version.id, people.deputy) is None

    # A restart loses nothing: the new version's button, tapped after it, is recorded.
    async with run_application(build_application(services, base_url=emulator.base_url)):
        await deputy.tap(button(newer, reads_text.READ_IT), newer["message_id"])
        await asyncio.sleep(0.8)
        assert alerts[-1] == reads_text.CONFIRMED
        later.tapped(reads_text.READ_IT + " (after a restart)", alerts[-1])
        assert reads.confirmation(db, v3.id, people.deputy) is not None
        assert reads.confirmation(db, version.id, people.teacher) is not None

        # /reads agrees with the database, names and all.
        expected = reads_listing(services)
        await head.send("/reads")
        listing = await head.wait_for(lambda r: r["text"] == expected)
        total = len(access.members(db, services.config))
        items = reads.progress(db, read_flow.staff(db, services.config))
        assert [(p.version.id, len(p.confirmed), len(p.waiting), p.replaced) for p in items] == [
            (v3.id, 1, total - 1, False),
            (version.id, 1, 0, True),
        ]
        assert "Staff Phones Policy" in plain(listing["text"])
        await head.tap(cb.ReadsPage(v3.id, 0).data, listing["message_id"])
        await asyncio.sleep(0.8)
        detail = (await head.message(listing["message_id"]))["text"]
        progress = items[0]
        names = page(reads_text.name_lines(progress), 0, reads_text.NAMES_PER_PAGE)
        assert detail == reads_text.reads_detail(progress, names)
        assert "Dee" in plain(detail)
        assert [c.user_id for c in progress.confirmed] == [people.deputy]

        # /export adds the record an inspector asks for: who, which version, when; as stored.
        await head.send("/export")
        document = await head.wait_for(
            lambda r: (r.get("document") or {}).get("file_name", "").startswith("policy-reads-"), timeout=15
        )
        rows = list(
            csv.DictReader(
                io.StringIO((await head.download(document["document"]["file_id"])).decode("utf-8-sig"))
            )
        )
        stored = reads.records(db)
        assert [(r["Staff member"], r["Version"], r["Telegram id"]) for r in rows] == [
            (s.name, str(s.number), str(s.user_id)) for s in stored
        ]
        assert [r["Telegram id"] for r in rows] == [str(people.teacher), str(people.deputy)]
        assert rows[0]["Policy"] == "Staff Phones Policy" and rows[0]["Confirmed read at"].startswith(
            shown(stored[0].confirmed_at)
        )

    print("\n".join(["== Tess ==", *transcript.lines, "", "== Dee ==", *later.lines]))


def next_school_morning() -> datetime:
    """10:00 school time on the next Monday to Friday after today."""
    from zoneinfo import ZoneInfo

    day = datetime.now(ZoneInfo("Europe/London")).replace(hour=10, minute=0, second=0, microsecond=0)
    day += timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


async def test_someone_who_joins_later_is_given_the_policies_staff_must_read(
    make_services, running_bot, make_user, people, phone_policies: Path, tmp_path: Path, alerts
) -> None:
    services = fast(phone_services(make_services, people, phone_policies, tmp_path))
    db = services.db
    await running_bot(services)
    head = make_user(services, people.head_teacher, "Hattie")
    admin = make_user(services, ADMIN, "Ada")
    await admin.send_document("phones.txt", PHONES_V2.encode(), mime_type="text/plain")
    await head.wait_for(is_question, timeout=30)
    # A member of staff cannot decide, even with a forged button.
    teacher = make_user(services, people.teacher, "Tess")
    [waiting] = reads.undecided(db)
    await teacher.send("/reads")
    refusal = access_text.role_refusal(reads_handlers.READS_ROLES)
    refused = await teacher.wait_for(lambda r: r["text"] == refusal)
    await teacher.tap(cb.ReadDecision(waiting.id, waiting.tag, True).data, refused["message_id"])
    await asyncio.sleep(0.5)
    assert reads.decision(db, waiting.id) is None
    # The Head decides from /reads (the question may be far up the chat).
    expected = reads_listing(services)
    await head.send("/reads")
    listing = await head.wait_for(lambda r: r["text"] == expected)
    assert reads.undecided(db) == [waiting] and waiting.title in plain(listing["text"])
    must, not_needed = reads_text.decide_labels(waiting)
    assert [must, not_needed] == labels(listing)[-2:]
    await head.tap(button(listing, must), listing["message_id"])
    told = await head.wait_for(is_change)
    [version] = reads.current_required(db)
    assert version_of(db, told).id == version.id == waiting.id

    newcomer = make_user(services, 8001, "Nell")
    await newcomer.send(f"/start {access.create_invite(db, people.head_teacher, days=7)}")
    to_read = await newcomer.wait_for(
        lambda r: r["text"] == reads_text.welcome_reads(reads.pending_for(db, 8001)), timeout=15
    )
    assert version.title in plain(to_read["text"]) and labels(to_read) == [reads_text.open_label(version)]
    await newcomer.tap(button(to_read, reads_text.open_label(version)), to_read["message_id"])
    change = await newcomer.wait_for(is_change)
    # New since staff were asked: the whole policy, section by section, not only what changed.
    whole = read_flow.view_for(db, version, 8001)
    assert whole.counted_from == 0 and change["text"] == reads_text.announcement(whole)
    assert "1. Phones on trips\n2. Personal phones" in plain(change["text"])
    # A button whose version id now names another version (made before a restore) records nothing.
    await newcomer.tap(cb.ReadConfirm(version.id, "0badc0de").data, change["message_id"])
    await asyncio.sleep(0.5)
    assert alerts[-1] == common_text.BUTTON_EXPIRED and reads.confirmation(db, version.id, 8001) is None
    await newcomer.tap(button(change, reads_text.READ_IT), change["message_id"])
    await asyncio.sleep(0.5)
    assert alerts[-1] == reads_text.CONFIRMED
    stored = reads.confirmation(db, version.id, 8001)
    assert stored is not None and stored.name == "Nell"

    await newcomer.send("/myreads")
    read = [(reads_text.confirmed_name(version.title, version.number), stored.confirmed_at)]
    mine = await newcomer.wait_for(lambda r: r["text"] == reads_text.my_reads([], read))
    assert reads_text.NOTHING_TO_READ in plain(mine["text"]) and version.title in plain(mine["text"])
    # A question about what changed is answered from the change record, in the policy's words.
    teachers = read_flow.view_for(db, version, people.teacher)
    await teacher.send("what's new in the phones policy?")
    news = await teacher.wait_for(
        lambda r: r["text"] == reads_text.what_changed(teachers, True, None), timeout=15
    )
    assert "1. Personal phones" in plain(news["text"])
    assert [label for label, _ in news["reply_markup"]] == ["1. Personal phones", reads_text.READ_IT]
    await teacher.tap(button(news, "1. Personal phones"), news["message_id"])
    words = await teacher.wait_for(lambda r: r["text"] == reads_text.section_pages(teachers, 0)[0])
    assert "Staff may use a personal phone to call parents only in an emergency." in plain(words["text"])
    await teacher.send("/myreads")
    theirs = await teacher.wait_for(lambda r: r["text"] == reads_text.my_reads([version], []))
    assert version.title in plain(theirs["text"]) and labels(theirs) == [reads_text.open_label(version)]


async def test_reminders_run_at_the_schools_hour_in_its_own_time_zone(
    make_services, running_bot, make_user, people, monkeypatch
) -> None:
    monkeypatch.setattr(clock, "_school_zone", clock.school_zone())  # the bot sets Auckland's; put back after
    services = fast(make_services(school={"timezone": "Pacific/Auckland"}, reads={"reminder_hour": 9}))
    app = await running_bot(services)
    [job] = app.job_queue.get_jobs_by_name(reads_handlers.REMINDER_JOB)
    when = job.next_t.astimezone(services.config.school.tz)
    assert (when.hour, when.minute) == (9, 0), "09:00 in Auckland, whatever the server's zone"
    teacher = make_user(services, people.teacher, "Tess")
    await job.run(app)  # nothing to read: nobody is messaged
    await teacher.no_reply(0.5)
