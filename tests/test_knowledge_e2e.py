"""The Head Teacher's knowledge tools end to end: uploads, /policies, /reload, /review, the digest.

The real Application and SearchEngine talk to the Bot API emulator; users are
played over HTTP, files travel through sendDocument/getFile. Why: the
upload path (Document.get_file, download) and the review buttons only prove
themselves against a Bot API, and "a correction changes the next answer" is
a promise to staff, so it is checked the way staff would see it.
"""

from __future__ import annotations

import asyncio
import html
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import plain
from telegram.ext import CallbackContext
from test_policy_library import CORRUPT_PDF, PARAPHRASES, PHONES_TXT, PHONES_V2, TAUGHT, WORK_CHAT

from bot import digest as weekly
from bot import knowledge_review as kr
from bot import policy_library as pl
from bot.app import command_menu
from bot.config import BUNDLED_POLICIES
from bot.handlers.policies import ADMIN_ROLES, DIGEST_JOB, REVIEW_ROLES, send_digest
from bot.text import access as access_text
from bot.text import callbacks as cb
from bot.text import policies as policies_text
from bot.text import questions as questions_text
from embeddings.index import build_index
from embeddings.search import SearchEngine

pytestmark = pytest.mark.e2e

ADMIN = 7201  # a policy admin who is not the Head Teacher
OLD_TEXT = "Staff must not use their personal phones to photograph pupils."
NEW_TEXT = "Staff may use a personal phone to call parents only in an emergency."
PHONE_QUESTION = "can i use my personal phone to photograph pupils or call parents?"


def people_with_admin(people: Any) -> dict[str, list[int]]:
    return {**people.config(), "policy_admins": [ADMIN]}


@pytest.fixture
def phone_policies(tmp_path: Path) -> Path:
    folder = tmp_path / "phone-policies"
    folder.mkdir()
    (folder / "phones.txt").write_text(PHONES_TXT)
    return folder


def phone_services(make_services, people, folder: Path, tmp_path: Path, build=None):
    """Services over a small policy folder of their own, optionally with a re-index held open."""
    index_dir = tmp_path / "phone-index"
    engine = SearchEngine(build_index(folder, index_dir, progress=False))
    services = make_services(
        people=people_with_admin(people),
        search_engine=engine,
        knowledge={"dir": folder, "index_dir": index_dir},
    )
    if build is not None:
        services.library = pl.PolicyLibrary(engine, services.db, folder, index_dir, build=build)
    return services


def change_as_stored(services, **upload) -> pl.Change:
    """What a re-index changed, as the library reports it, over the index now in use."""
    index, taught = services.engine.index, services.engine.taught
    return pl.Change(
        passages=len(index.passages),
        documents=list(index.manifest.get("documents_list", [])),
        skipped=[tuple(s) for s in index.manifest.get("skipped", [])],
        examples_orphaned=taught.skipped if taught else 0,
        **upload,
    )


def rejection(check) -> str:
    """Why the library refuses an upload, in its own words."""
    with pytest.raises(pl.UploadRejected) as refused:
        check()
    return str(refused.value)


async def test_a_correction_through_review_changes_the_answer_to_a_paraphrased_question(
    make_services, running_bot, make_user, people, engine, tmp_path: Path
) -> None:
    folder = tmp_path / "policies"
    shutil.copytree(BUNDLED_POLICIES, folder)
    services = make_services(
        people=people_with_admin(people),
        search_engine=SearchEngine(
            engine.index, glossary=engine.glossary
        ),  # private: the session's engine stays untaught
        knowledge={"dir": folder, "index_dir": tmp_path / "index"},
    )
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    admin = make_user(services, ADMIN, "Ada")
    target = next(p for p in services.engine.index.passages if WORK_CHAT in p.text)

    # Before: the paraphrase does not get the work-communication passage.
    await teacher.send(PARAPHRASES[1])
    [before] = await teacher.replies(timeout=15)
    assert WORK_CHAT not in plain(before["text"])

    # The teacher's question gets a 👎, "None of these" (or is declined): it joins the review list.
    await teacher.send(TAUGHT)
    [reply] = await teacher.replies(timeout=15)
    unhelpful = (questions_text.UNHELPFUL, questions_text.NONE_OF_THESE)
    down = [(label, data) for label, data in reply["reply_markup"] if label in unhelpful]
    if down:
        await teacher.tap(down[0][1], reply["message_id"])
        if down[0][0] == questions_text.NONE_OF_THESE:  # thanked in a message of its own
            await teacher.wait_for(lambda r: r["text"] == questions_text.none_of_these_thanks(), timeout=15)
        await asyncio.sleep(0.3)
    [question] = [q for q in services.db["questions"].rows if q["text"] == TAUGHT]
    assert question["feedback"] == "down" or question["answered"] == 0

    # The admin reviews until that question comes up, and picks the right passage.
    await admin.send("/review")
    item = await admin.wait_for(lambda r: policies_text.REVIEW_ASKS in plain(r["text"]), timeout=15)
    while TAUGHT not in plain(item["text"]):
        skip = next(data for label, data in item["reply_markup"] if label == policies_text.SKIP)
        await admin.tap(skip, item["message_id"])
        item = await admin.wait_for(lambda r: policies_text.REVIEW_ASKS in plain(r["text"]), timeout=15)
    labels = [label for label, _ in item["reply_markup"]]
    assert len(labels) == kr.REVIEW_CHOICES + 2 and labels[-2:] == [
        policies_text.NOT_COVERED,
        policies_text.SKIP,
    ]
    choice = cb.Teach(question["id"], target.id).data
    assert choice in [data for _, data in item["reply_markup"]]
    await admin.tap(choice, item["message_id"])
    await admin.wait_for(
        lambda r: (
            policies_text.REVIEW_ASKS in plain(r["text"]) or policies_text.NOTHING_TO_REVIEW in r["text"]
        )
    )
    taught_message = await admin.message(item["message_id"])
    assert taught_message["text"] == policies_text.taught(target.section)

    # After: a differently worded question gets the policy's own words.
    await teacher.send(PARAPHRASES[0])
    [after] = await teacher.replies(timeout=15)
    assert html.escape(target.text, quote=False) in after["text"]
    assert [label for label, _ in after["reply_markup"]][-2:] == [  # an ordinary answer
        questions_text.HELPFUL,
        questions_text.UNHELPFUL,
    ]
    [example] = services.db["examples"].rows
    assert example["passage_id"] == target.id and example["question"] == TAUGHT


async def test_not_covered_records_a_gap_and_the_digest_reports_it(
    make_services, running_bot, make_user, people, phone_policies: Path, tmp_path: Path
) -> None:
    services = phone_services(make_services, people, phone_policies, tmp_path)
    app = await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hattie")
    admin = make_user(services, ADMIN, "Ada")

    await teacher.send("how many days of annual leave do I get?")
    [declined] = await teacher.replies(timeout=15)
    assert declined["text"] == questions_text.not_covered()
    await head.send("/review")
    item = await head.wait_for(lambda r: policies_text.REVIEW_ASKS in plain(r["text"]), timeout=15)
    gap = next(data for label, data in item["reply_markup"] if label == policies_text.NOT_COVERED)
    await head.tap(gap, item["message_id"])
    done = await head.wait_for(lambda r: policies_text.NOTHING_TO_REVIEW in r["text"])
    assert done
    assert [g["text"] for g in services.db["policy_gaps"].rows] == ["how many days of annual leave do I get?"]

    [job] = app.job_queue.get_jobs_by_name(DIGEST_JOB)
    next_run = job.next_t.astimezone()  # [digest] day/hour are the school's local time
    assert (next_run.weekday(), next_run.hour, next_run.minute) == (0, services.config.digest.hour, 0)
    week = weekly.collect(services.db)
    assert (week.asked, week.answered, week.new_gaps, week.reports_opened) == (
        1,
        0,
        ["how many days of annual leave do I get?"],
        0,
    )
    expected = weekly.render(week, services.config.school.name).split("\n")
    await send_digest(CallbackContext(app))
    for reader in (head, admin):
        digest = await reader.wait_for(lambda r: (r["text"] or "").split("\n")[0] == expected[0])
        lines = digest["text"].split("\n")
        assert lines[:1] + lines[2:] == expected[:1] + expected[2:], "the week's figures (dates aside)"
        assert "how many days of annual leave do I get?" in plain(digest["text"]), "the gap, quoted"
    await teacher.no_reply(0.3)  # staff do not get the digest


async def test_non_admins_cannot_review_reload_or_upload(
    make_services, running_bot, make_user, people, phone_policies: Path, tmp_path: Path
) -> None:
    services = phone_services(make_services, people, phone_policies, tmp_path)
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    stranger = make_user(services, people.stranger, "Sam")
    refusal = access_text.role_refusal(ADMIN_ROLES)

    for command in ("/review", "/reload", "/policies"):
        await teacher.send(command)
        [reply] = await teacher.replies(timeout=10)
        assert reply["text"] == (access_text.role_refusal(REVIEW_ROLES) if command == "/review" else refusal)
    await teacher.send_document("phones.txt", PHONES_V2.encode())
    [reply] = await teacher.replies(timeout=10)
    assert reply["text"] == refusal
    await stranger.send("/review")
    [reply] = await stranger.replies(timeout=10)
    outsider = access_text.refusal(services.config.school.name, people.stranger)
    assert reply["text"] == outsider, "the outsiders' refusal, no review item"
    await stranger.send_document("phones.txt", PHONES_V2.encode())
    [reply] = await stranger.replies(timeout=10)
    assert reply["text"] == outsider
    # A forged review button from a teacher does nothing either.
    await teacher.send("how many days of annual leave do I get?")
    [declined] = await teacher.replies(timeout=15)
    [question] = services.db["questions"].rows
    await teacher.tap(cb.PolicyGap(question["id"]).data, declined["message_id"])
    await asyncio.sleep(0.5)

    assert (phone_policies / "phones.txt").read_text() == PHONES_TXT
    assert not (phone_policies / pl.ARCHIVE_DIR).exists()
    assert services.db["policy_gaps"].count == 0
    assert {"review", "policies", "reload"} <= {c for c, _ in command_menu().everything()}


async def test_an_upload_reindexes_in_the_background_and_questions_meanwhile_use_the_old_text(
    make_services, running_bot, make_user, people, phone_policies: Path, tmp_path: Path
) -> None:
    started, release = threading.Event(), threading.Event()

    def held_build(folder: Path, index_dir: Path):
        started.set()
        assert release.wait(30)
        return build_index(folder, index_dir, progress=False)

    services = phone_services(make_services, people, phone_policies, tmp_path, build=held_build)
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    head = make_user(services, people.head_teacher, "Hattie")

    old_index = services.engine.index
    await head.send_document("phones.txt", PHONES_V2.encode(), mime_type="text/plain")
    received = await head.wait_for(lambda r: r["text"] == policies_text.received("phones.txt"), timeout=15)
    assert received
    assert await asyncio.to_thread(started.wait, 30)

    # During the re-index: answered, from the old text.
    for _ in range(2):
        await teacher.send(PHONE_QUESTION)
        [during] = await teacher.replies(timeout=15)
        assert html.escape(OLD_TEXT, quote=False) in during["text"]
    await head.send("/reload")  # a second re-index waits for the first
    waiting = await head.wait_for(lambda r: r["text"] == policies_text.REINDEX_WAITING, timeout=15)
    assert waiting

    release.set()
    heading = f"<b>{policies_text.stored_heading('phones.txt')}</b>"
    stored = await head.wait_for(lambda r: (r["text"] or "").startswith(heading), timeout=30)
    heading = f"<b>{policies_text.RE_READ_HEADING}</b>"
    reloaded = await head.wait_for(lambda r: (r["text"] or "").startswith(heading), timeout=30)
    [upload, reread] = services.db["policy_changes"].rows_where(order_by="id")
    new = next(p for p in services.engine.index.passages if p.text == NEW_TEXT)
    old = next(p for p in old_index.passages if p.text == OLD_TEXT)
    assert (upload["added"], upload["removed"]) == (f'["{new.id}"]', f'["{old.id}"]')
    assert upload["archived_as"].startswith("phones.txt."), "the old version kept in the archive"
    uploaded = change_as_stored(
        services, added=[new], removed=[old], document="phones.txt", archived=upload["archived_as"]
    )
    assert stored["text"] == policies_text.change_text(uploaded)
    assert new.section in plain(stored["text"]) and new.id not in stored["text"], "by heading, no hash ids"
    assert (reread["added"], reread["removed"]) == ("[]", "[]"), "the second re-index changed nothing"
    assert reloaded["text"] == policies_text.change_text(change_as_stored(services))

    await teacher.send(PHONE_QUESTION)
    [after] = await teacher.replies(timeout=15)
    assert html.escape(NEW_TEXT, quote=False) in after["text"]

    await head.send("/policies")
    infos = services.library.documents()
    assert [(info.name, info.versions) for info in infos] == [("phones.txt", 1)]
    listing = await head.wait_for(lambda r: r["text"] == policies_text.policies_text(infos), timeout=10)
    assert listing


async def test_a_corrupt_pdf_or_a_wrong_type_is_rejected_and_not_stored(
    make_services, running_bot, make_user, people, phone_policies: Path, tmp_path: Path
) -> None:
    services = phone_services(make_services, people, phone_policies, tmp_path)
    await running_bot(services)
    admin = make_user(services, ADMIN, "Ada")
    index_before = services.engine.index

    await admin.send_document("visitors.pdf", CORRUPT_PDF, mime_type="application/pdf")
    unreadable = rejection(lambda: pl.stage_upload(tmp_path / "staged", "visitors.pdf", CORRUPT_PDF))
    assert unreadable.startswith("visitors.pdf "), "the file named"
    rejected = await admin.wait_for(
        lambda r: r["text"] == policies_text.upload_rejected(unreadable), timeout=15
    )
    assert rejected
    await admin.send_document("setup.exe", b"MZ\x90\x00")
    not_a_policy = rejection(lambda: pl.safe_file_name("setup.exe"))
    assert ".exe" in not_a_policy, "the type named"
    wrong = await admin.wait_for(
        lambda r: r["text"] == policies_text.upload_rejected(not_a_policy), timeout=15
    )
    assert wrong

    assert sorted(p.name for p in phone_policies.iterdir() if not p.name.startswith(".")) == ["phones.txt"]
    assert services.engine.index is index_before


async def test_a_word_file_of_100000_empty_paragraphs_is_refused_at_once_and_the_next_upload_goes_ahead(
    make_services, running_bot, make_user, people, phone_policies: Path, tmp_path: Path
) -> None:
    """A 37 KB .docx took 404 s to read and held the upload lock for 569 s: now it is refused in
    plain words before it is parsed, and the lock is free for the next upload."""
    from test_docx_reading import empty_paragraphs

    services = phone_services(make_services, people, phone_policies, tmp_path)
    await running_bot(services)
    admin = make_user(services, ADMIN, "Ada")
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    huge = empty_paragraphs(100_000)
    why = rejection(lambda: pl.stage_upload(tmp_path / "staged", "phones.docx", huge))
    await admin.send_document("phones.docx", huge, mime_type=docx_type)
    rejected = await admin.wait_for(lambda r: r["text"] == policies_text.upload_rejected(why), timeout=15)
    # The golden wording check: the refusal says in plain words why, and what to do instead.
    assert "phones.docx cannot be read: the Word file is too big: it has 100,001 paragraphs" in plain(
        rejected["text"]
    )
    assert "split it into smaller documents" in plain(rejected["text"])
    await admin.send_document("phones.txt", PHONES_V2.encode(), mime_type="text/plain")
    heading = f"<b>{policies_text.stored_heading('phones.txt')}</b>"
    stored = await admin.wait_for(lambda r: (r["text"] or "").startswith(heading), timeout=30)
    assert stored
    assert sorted(p.name for p in phone_policies.iterdir() if not p.name.startswith(".")) == ["phones.txt"]
