"""The knowledge admin's domain: uploads, re-indexing, the review list, corrections, the digest.

Real files (PDF and DOCX made here), a real index and the real model; no Telegram.
Why: these are the rules that keep the bot's answers right, so they are
tested on the behaviour staff would see — which passage a question finds,
whether a question is answered, what stays on disk.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from search_fixtures import minimal_pdf

from bot import cli, digest
from bot import knowledge_review as kr
from bot import policy_library as pl
from bot.config import PeopleConfig
from bot.storage import open_db
from bot.text.notices import NOTICES
from embeddings import examples
from embeddings.index import build_index, load_index
from embeddings.search import SearchEngine
from knowledge.documents import load_folder

# -- fixtures: policy files made by the tests themselves ---------------------------------------

PHONES_TXT = """Policy Name: Staff Phones Policy

Phones on trips

On school trips staff must carry the school mobile phone and keep it switched on.

Personal phones

Staff must not use their personal phones to photograph pupils.
"""
PHONES_V2 = PHONES_TXT.replace(
    "Staff must not use their personal phones to photograph pupils.",
    "Staff may use a personal phone to call parents only in an emergency.",
)
VISITORS_PDF_PARAGRAPHS = [
    "Visitors Policy",
    "Signing in",
    "All visitors must sign in at the main reception and wear a badge.",
    "Contractors",
    "Contractors must be accompanied by a member of staff at all times.",
]
UNIFORM_DOCX_TEXT = "Staff on playground duty must wear a high-visibility vest."


CORRUPT_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\nthis is not a PDF any more"


def uniform_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Staff Dress Code", 0)  # the Title style
    document.add_heading("Playground duty", level=1)
    document.add_paragraph(UNIFORM_DOCX_TEXT)
    document.save(str(path))


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "phones.txt").write_text(PHONES_TXT)
    return folder


@pytest.fixture
def db(tmp_path: Path):
    return open_db(tmp_path / "staffguide.db")


@pytest.fixture
def library(policies: Path, tmp_path: Path, db) -> pl.PolicyLibrary:
    index = build_index(policies, tmp_path / "index", progress=False)
    engine = SearchEngine(index)
    lib = pl.PolicyLibrary(engine, db, policies, tmp_path / "index")
    lib.start()
    return lib


def texts(passages) -> list[str]:
    return [p.text for p in passages]


def ask(db, text: str, answered: bool, feedback: str | None = None, at: datetime | None = None) -> int:
    row = {
        "user_id": 42,
        "asked_at": (at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "text": text,
        "answered": int(answered),
        "passage_ids": "[]",
        "feedback": feedback,
    }
    return int(db["questions"].insert(row).last_pk)


# -- reading PDF and Word files ----------------------------------------------------------------


def test_pdf_and_docx_load_beside_text_and_a_corrupt_pdf_is_reported_and_skipped(policies: Path) -> None:
    (policies / "visitors.pdf").write_bytes(minimal_pdf(VISITORS_PDF_PARAGRAPHS))
    uniform_docx(policies / "dress-code.docx")
    (policies / "broken.pdf").write_bytes(CORRUPT_PDF)

    loaded = load_folder(policies)

    assert sorted(d.name for d in loaded.documents) == ["dress-code.docx", "phones.txt", "visitors.pdf"]
    assert [name for name, _why in loaded.skipped] == ["broken.pdf"]
    assert "PDF" in loaded.skipped[0][1]


def test_headings_of_pdf_and_docx_become_sections_of_verbatim_passages(
    policies: Path, tmp_path: Path
) -> None:
    (policies / "visitors.pdf").write_bytes(minimal_pdf(VISITORS_PDF_PARAGRAPHS))
    uniform_docx(policies / "dress-code.docx")
    (policies / "broken.pdf").write_bytes(CORRUPT_PDF)

    index = build_index(policies, tmp_path / "index", progress=False)

    by_text = {p.text: p for p in index.passages}
    assert by_text[UNIFORM_DOCX_TEXT].section == "Playground duty"
    assert by_text[UNIFORM_DOCX_TEXT].document == "Staff Dress Code"
    contractors = "Contractors must be accompanied by a member of staff at all times."
    assert by_text[contractors].section == "Contractors"
    assert index.skipped[0][0] == "broken.pdf"
    engine = SearchEngine(index)
    assert engine.search("do contractors have to be accompanied?").best.passage.text == contractors


# -- uploads -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "size", "reason"),
    [
        ("virus.exe", 10, ".exe is not accepted"),
        ("Old Safeguarding.WPD", 10, "WordPerfect document, which is not read: save it as .docx or PDF"),
        ("notes", 10, "without an extension"),
        ("../phones.txt", 10, "not a plain file name"),
        (".hidden.txt", 10, "hidden files"),
        (None, 10, "no name"),
        ("big.pdf", 11 * 1024 * 1024, "the limit is 10 MB"),
        ("empty.txt", 0, "empty"),
    ],
)
def test_upload_checks_name_type_and_size_before_anything_is_stored(name, size, reason) -> None:
    with pytest.raises(pl.UploadRejected, match=reason):
        pl.safe_file_name(name)
        pl.check_size(size)


def test_an_old_word_file_is_accepted_as_an_upload_and_read_for_its_title(tmp_path: Path) -> None:
    doc = (
        Path(__file__).parent
        / "data"
        / "corpora"
        / "dfe-devices-guidance-formats"
        / "device_specification.doc"
    )
    staged, title = pl.stage_upload(tmp_path, "Device specification.doc", doc.read_bytes())
    assert title == "Device specification"
    assert staged.read_bytes() == doc.read_bytes()


def test_a_rich_text_file_is_accepted_as_an_upload_and_read_for_its_title(tmp_path: Path) -> None:
    rtf = Path(__file__).parent / "data" / "rich-text" / "numbered-sections.rtf"
    staged, title = pl.stage_upload(tmp_path, "Phones 2019.rtf", rtf.read_bytes())
    assert title == "Mobile phones and devices"
    assert staged.read_bytes() == rtf.read_bytes()


async def test_upload_of_a_new_version_archives_the_old_one_and_reports_changes_by_stable_id(
    library: pl.PolicyLibrary, policies: Path
) -> None:
    before = {p.text: p.id for p in library.engine.index.passages}

    change = await library.upload("phones.txt", PHONES_V2.encode(), user_id=7001)

    assert texts(change.added) == ["Staff may use a personal phone to call parents only in an emergency."]
    assert texts(change.removed) == ["Staff must not use their personal phones to photograph pupils."]
    assert change.removed[0].id == before[change.removed[0].text]
    trips = "On school trips staff must carry the school mobile phone and keep it switched on."
    assert {p.text: p.id for p in library.engine.index.passages}[trips] == before[trips]  # unchanged id
    assert (policies / "phones.txt").read_text() == PHONES_V2
    [archived] = (policies / pl.ARCHIVE_DIR).iterdir()
    assert archived.name.startswith("phones.txt.") and archived.read_text() == PHONES_TXT
    assert change.archived == archived.name
    assert library.engine.search(
        "can I ring a parent from my own mobile in an emergency?"
    ).best.passage.text == ("Staff may use a personal phone to call parents only in an emergency.")
    [logged] = library.db["policy_changes"].rows
    assert logged["action"] == "upload" and logged["by"] == 7001
    assert json.loads(logged["added"]) == [p.id for p in change.added]


async def test_a_file_that_fails_to_read_is_rejected_and_not_stored(
    library: pl.PolicyLibrary, policies: Path
) -> None:
    index_before = library.engine.index
    (policies / "visitors.pdf").write_bytes(minimal_pdf(VISITORS_PDF_PARAGRAPHS))
    good = (policies / "visitors.pdf").read_bytes()

    with pytest.raises(
        pl.UploadRejected, match=r"visitors\.pdf cannot be read: the file could not be read as"
    ):
        await library.upload("visitors.pdf", CORRUPT_PDF)
    with pytest.raises(pl.UploadRejected, match="cannot be read"):
        await library.upload("minutes.docx", b"PK\x03\x04 not really a zip")

    assert (policies / "visitors.pdf").read_bytes() == good  # the previous version stays
    assert not (policies / "minutes.docx").exists()
    assert not (policies / pl.ARCHIVE_DIR).exists()
    assert list((policies / pl.INCOMING_DIR).iterdir()) == []
    assert library.engine.index is index_before  # no re-index happened


async def test_a_new_pdf_and_docx_upload_are_indexed_and_listed(
    library: pl.PolicyLibrary, policies: Path
) -> None:
    change = await library.upload("visitors.pdf", minimal_pdf(VISITORS_PDF_PARAGRAPHS))
    assert "All visitors must sign in at the main reception and wear a badge." in " ".join(
        texts(change.added)
    )
    assert change.removed == []
    uniform_docx(policies.parent / "dress-code.docx")
    await library.upload("dress-code.docx", (policies.parent / "dress-code.docx").read_bytes())
    await library.upload("phones.txt", PHONES_V2.encode())

    listed = {info.name: info for info in library.documents()}

    assert sorted(listed) == ["dress-code.docx", "phones.txt", "visitors.pdf"]
    assert listed["dress-code.docx"].title == "Staff Dress Code"
    assert listed["phones.txt"].versions == 1 and listed["visitors.pdf"].versions == 0
    assert all(info.problem == "" for info in listed.values())
    assert abs((datetime.now(UTC) - listed["phones.txt"].modified).total_seconds()) < 60


async def test_reload_reads_files_copied_in_by_hand_and_reports_unreadable_ones(
    library: pl.PolicyLibrary, policies: Path
) -> None:
    (policies / "visitors.pdf").write_bytes(minimal_pdf(VISITORS_PDF_PARAGRAPHS))
    (policies / "broken.pdf").write_bytes(CORRUPT_PDF)

    change = await library.reload(user_id=7001)

    assert change.skipped and change.skipped[0][0] == "broken.pdf"
    assert "Contractors must be accompanied by a member of staff at all times." in texts(change.added)
    problems = {i.name: i.problem for i in library.documents()}
    assert problems["broken.pdf"].startswith("the file could not be read as a PDF")
    again = await library.reload()
    assert again.unchanged


# -- re-index while staff ask ------------------------------------------------------------------


async def test_questions_during_a_reindex_are_answered_from_the_old_index_then_the_new(
    policies: Path, tmp_path: Path, db
) -> None:
    """Hold the build open; questions asked meanwhile get the old text, never a refusal."""
    started, release = threading.Event(), threading.Event()

    def slow_build(folder: Path, index_dir: Path):
        started.set()
        assert release.wait(30)
        return build_index(folder, index_dir, progress=False)

    engine = SearchEngine(build_index(policies, tmp_path / "index", progress=False))
    library = pl.PolicyLibrary(engine, db, policies, tmp_path / "index", build=slow_build)
    question = "can i use my personal phone to photograph pupils or call parents?"
    old_text = "Staff must not use their personal phones to photograph pupils."
    new_text = "Staff may use a personal phone to call parents only in an emergency."

    upload = asyncio.create_task(library.upload("phones.txt", PHONES_V2.encode()))
    assert await asyncio.to_thread(started.wait, 30)
    assert library.busy
    second = asyncio.create_task(library.reload())  # waits for the first re-index
    during = [await asyncio.to_thread(engine.search, question) for _ in range(5)]
    release.set()
    change = await upload
    await second
    after = engine.search(question)

    assert all(a.answered for a in during)
    assert {a.best.passage.text for a in during} == {old_text}
    assert after.answered and after.best.passage.text == new_text
    assert texts(change.added) == [new_text]
    assert not library.busy


async def test_a_failed_reindex_puts_the_previous_version_back(policies: Path, tmp_path: Path, db) -> None:
    def failing_build(folder: Path, index_dir: Path):
        raise RuntimeError("disk full")

    engine = SearchEngine(build_index(policies, tmp_path / "index", progress=False))
    library = pl.PolicyLibrary(engine, db, policies, tmp_path / "index", build=failing_build)

    with pytest.raises(pl.ReindexFailed, match="disk full"):
        await library.upload("phones.txt", PHONES_V2.encode())

    assert (policies / "phones.txt").read_text() == PHONES_TXT
    assert engine.search("photographing pupils on my phone").best.passage.text == (
        "Staff must not use their personal phones to photograph pupils."
    )


# -- the review list and corrections -----------------------------------------------------------


def test_review_list_holds_declined_and_thumbs_down_questions_once(library: pl.PolicyLibrary) -> None:
    db = library.db
    declined = ask(db, "what time is the staff meeting?", answered=False)
    down = ask(db, "phone on the coach trip?", answered=True, feedback="down")
    ask(db, "phones on trips?", answered=True, feedback="up")
    ask(db, "phones on trips again?", answered=True)

    assert [(i.question_id, i.reason) for i in kr.pending_reviews(db)] == [
        (declined, "declined"),
        (down, "👎"),
    ]

    kr.skip(db, declined, by=7001)
    kr.record_gap(db, down, by=7001)

    assert kr.pending_reviews(db) == []
    with pytest.raises(kr.AlreadyDecided):
        kr.skip(db, down, by=7002)
    [gap] = db["policy_gaps"].rows
    assert gap["text"] == "phone on the coach trip?" and gap["recorded_by"] == 7001


def test_candidates_are_the_five_best_passages_even_for_a_declined_question(
    library: pl.PolicyLibrary,
) -> None:
    hits = kr.candidates(library.engine, "what is on the canteen menu?")
    assert 1 <= len(hits) <= kr.REVIEW_CHOICES
    assert len({h.passage.id for h in hits}) == len(hits)


WORK_CHAT = "Social media should not be used for work related communication."
TAUGHT = "can we use a dept whatsapp group for work stuff like cover?"
PARAPHRASES = (
    "can our team use a whatsapp group to organise cover",
    "is a staff whatsapp group ok for arranging cover lessons",
)


def test_teaching_a_passage_answers_differently_worded_questions_with_the_verbatim_text(engine, db) -> None:
    """On the real policy: before the correction these questions get the wrong passage (or none)."""
    engine = SearchEngine(
        engine.index, glossary=engine.glossary
    )  # private: the session's engine must stay untaught
    target = next(p for p in engine.index.passages if WORK_CHAT in p.text)
    qid = ask(db, TAUGHT, answered=True, feedback="down")
    before = [engine.search(q) for q in PARAPHRASES]
    assert all(not a.answered or a.best.passage.id != target.id for a in before)

    taught = kr.teach(db, engine, qid, target.id, by=7001)

    after = [engine.search(q) for q in PARAPHRASES]
    assert taught == target
    assert all(a.answered and a.best.passage.id == target.id for a in after)
    assert all(a.best.passage.text == target.text for a in after)  # the policy's words, not the example's
    [row] = db["examples"].rows
    assert row["question"] == TAUGHT and row["passage_id"] == target.id and row["question_id"] == qid
    assert kr.pending_reviews(db) == []


def test_teaching_checks_the_passage_and_the_question(library: pl.PolicyLibrary) -> None:
    engine, db = library.engine, library.db
    qid = ask(db, "can I wear trainers?", answered=False)
    with pytest.raises(kr.AlreadyDecided, match="no longer in the policies"):
        kr.teach(db, engine, qid, "000000000000", by=7001)
    with pytest.raises(kr.AlreadyDecided, match="not waiting for review"):
        kr.teach(db, engine, 9999, engine.index.passages[0].id, by=7001)
    assert [i.question_id for i in kr.pending_reviews(db)] == [qid]  # nothing half-recorded


def test_an_unrelated_question_is_not_pulled_to_a_taught_passage(library: pl.PolicyLibrary) -> None:
    engine, db = library.engine, library.db
    target = next(p for p in engine.index.passages if "school mobile phone" in p.text)
    kr.teach(
        db, engine, ask(db, "which mobile do i take on the residential?", answered=False), target.id, 7001
    )

    assert not engine.search("what is on the canteen menu on friday?").answered


# -- stored example vectors ----------------------------------------------------------------------


def test_example_vectors_round_trip_as_float32_blobs(db) -> None:
    vector = np.random.default_rng(1).standard_normal(384).astype(np.float32)
    examples.add_example(db, "abc123abc123", "a question", vector, question_id=5, added_by=7)

    [stored] = examples.load_examples(db)

    assert stored.vector.dtype == np.float32 and np.array_equal(stored.vector, vector)
    assert len(db["examples"].get(stored.id)["vector"]) == 384 * 4


async def test_examples_survive_a_reindex_and_those_whose_passage_is_gone_are_counted(
    library: pl.PolicyLibrary,
) -> None:
    engine, db = library.engine, library.db
    kept = next(p for p in engine.index.passages if "school mobile phone" in p.text)
    gone = next(p for p in engine.index.passages if "photograph pupils" in p.text)
    kr.teach(db, engine, ask(db, "which mobile do i take on the residential?", False), kept.id, 7001)
    kr.teach(db, engine, ask(db, "can i take pics of the kids on my iphone", False), gone.id, 7001)

    change = await library.upload("phones.txt", PHONES_V2.encode())

    assert (change.examples_attached, change.examples_orphaned) == (1, 1)
    answer = engine.search("what mobile am i supposed to take on a residential trip")
    assert answer.answered and answer.best.passage.id == kept.id


def test_a_saved_index_reloads_with_the_same_taught_examples(
    library: pl.PolicyLibrary, tmp_path: Path
) -> None:
    engine, db = library.engine, library.db
    target = next(p for p in engine.index.passages if "school mobile phone" in p.text)
    kr.teach(db, engine, ask(db, "which mobile do i take on the residential?", False), target.id, 7001)

    restarted = SearchEngine(load_index(tmp_path / "index"))  # a new process: examples come from the db
    pl.PolicyLibrary(restarted, db, library.folder, library.index_dir).start()

    assert restarted.taught is not None and restarted.taught.attached == 1
    assert (
        restarted.search("what mobile am i supposed to take on a residential trip").best.passage.id
        == target.id
    )


# -- the digest --------------------------------------------------------------------------------


def test_digest_counts_the_last_seven_days(library: pl.PolicyLibrary) -> None:
    db = library.db
    trips = next(p for p in library.engine.index.passages if "school mobile phone" in p.text)
    now = datetime.now(UTC)
    for _ in range(3):
        qid = ask(db, "phones on trips?", answered=True, at=now - timedelta(days=1))
        db["questions"].update(qid, {"passage_ids": json.dumps([trips.id])})
    ask(db, "canteen menu?", answered=False, at=now - timedelta(days=2))
    ask(db, "an old question", answered=False, at=now - timedelta(days=30))
    kr.record_gap(db, ask(db, "how do I book leave?", answered=False), by=7001)

    from bot import reports

    people = PeopleConfig(head_teacher=[7001])
    created = reports.create_report(
        db, people, reports.NewReport(7101, "Tess", "other", "a rude post"), notices=NOTICES
    )
    reports.create_report(
        db, people, reports.NewReport(7101, "Tess", "other", "another post"), notices=NOTICES
    )
    assert (
        reports.resolve(db, people, created.report.id, 7001, "Head", "nfa", "spoke to them", notices=NOTICES)
        == reports.Result.DONE
    )

    found = digest.collect(db)
    text = digest.digest_text(db, "St Crispin's", html=False)

    assert (found.asked, found.answered) == (5, 3)
    assert found.sections == [(f"{trips.document} · {trips.section}", 3)]
    assert found.new_gaps == ["how do I book leave?"]
    assert (found.reports_opened, found.reports_resolved) == (2, 1)
    assert "Questions asked: 5" in text and "Answered: 3 (60%)" in text
    assert f"1. {trips.document} · {trips.section} (3)" in text
    assert "- how do I book leave?" in text
    assert "Opened: 2" in text and "Resolved: 1" in text
    assert "<b>" in digest.digest_text(db, "St Crispin's", html=True)


def test_digest_without_report_tables_shows_zero() -> None:
    import sqlite_utils

    bare = sqlite_utils.Database(memory=True)
    found = digest.collect(bare)
    assert (found.asked, found.reports_opened, found.reports_resolved, found.new_gaps) == (0, 0, 0, [])
    assert "Opened: 0" in digest.render(found, "School", html=False)


def test_stats_command_prints_the_digest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "staffguide.toml"
    config.write_text('[school]\nname = "Test School"\n[storage]\ndatabase = "bot.db"\n')
    db = open_db(tmp_path / "bot.db")
    ask(db, "phones on trips?", answered=True)
    db.conn.close()

    assert cli.main(["--config", str(config), "stats"]) == 0

    out = capsys.readouterr().out
    assert "StaffGuide weekly digest — Test School" in out
    assert "Questions asked: 1" in out and "Answered: 1 (100%)" in out


def test_the_digest_never_quotes_to_the_head_a_gap_naming_the_head_by_their_configured_name() -> None:
    """The digest goes to the Head: "is mr hartley allowed to ..." is counted, never quoted."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    gaps = ["is mr hartley allowed to follow pupils on tiktok", "how do i book leave?"]
    found = digest.Digest(since=now, until=now, new_gaps=gaps)
    text = digest.render(found, "School", html=False, head_names=["David Hartley"])
    assert "hartley" not in text.lower()
    assert "- how do i book leave?" in text and "… and 1 more" in text
    assert "hartley" in digest.render(found, "School", html=False).lower(), (
        "only the configured name hides it"
    )


def test_a_staff_pick_waits_in_review_and_a_reviewer_confirming_it_makes_it_count(engine, db) -> None:
    from embeddings import examples

    engine = SearchEngine(engine.index, glossary=engine.glossary)  # private: stays untaught
    question = "can we set up a dept whatsapp group to sort cover"
    qid = ask(db, question, answered=True, feedback="up")
    hits = engine.search(question, top_k=3).hits
    picked = hits[-1].passage
    assert kr.learn_from_pick(db, engine, qid, question, picked.id, by=42)
    assert examples.load_examples(db) == [], "one pick counts for nobody yet"

    [item] = kr.pending_reviews(db)
    assert (item.question_id, item.reason) == (qid, kr.PICKED)
    assert kr.picked_passage(db, qid) == picked.id
    assert kr.candidates(engine, question, picked=picked.id)[0].passage.id == picked.id

    kr.teach(db, engine, qid, picked.id, by=7001)

    assert {e.source for e in examples.load_examples(db)} == {examples.PICK, examples.REVIEW}
    assert kr.pending_reviews(db) == []
    assert engine.search(question).hits[0].passage.id == picked.id
