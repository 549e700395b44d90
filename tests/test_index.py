"""The index cache on disk: built once, reused without the model, rebuilt when changed or damaged.

Start-up speed depends on reuse (no embedding at all), and a school's bot must
never serve from a stale or half-written index, so every way the stored index
can go wrong ends in a working index and a status that says what happened.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from search_fixtures import SMALL_POLICY, write_small_policy

import embeddings.index as index_module
from embeddings.index import (
    MANIFEST,
    OWNERS,
    PASSAGES_DB,
    VECTORS,
    IndexCorrupt,
    load_index,
    open_index,
)
from embeddings.late import TOKEN_STARTS, TOKENS
from embeddings.search import SearchEngine
from knowledge.chunking import ChunkSettings, chunk_documents
from knowledge.documents import load_folder


class Folders:
    """A policy folder and an index folder side by side; `notices` collects what open_index says."""

    def __init__(self, root: Path, write_policy: bool = True) -> None:
        self.policies = root / "policies"
        self.index = root / "index"
        self.policy = self.policies / "phone-policy.txt"
        if write_policy:
            write_small_policy(self.policies)
        self.notices: list[str] = []

    def open(self, **kwargs):
        return open_index(self.policies, self.index, progress=False, notify=self.notices.append, **kwargs)


@pytest.fixture(scope="module")
def built_template(tmp_path_factory) -> Path:
    """A small policy with its index, built once; each test gets a copy."""
    root = tmp_path_factory.mktemp("template")
    folders = Folders(root)
    assert folders.open().status == "built"
    return root


@pytest.fixture
def folders(built_template, tmp_path) -> Folders:
    shutil.copytree(built_template / "policies", tmp_path / "policies")
    shutil.copytree(built_template / "index", tmp_path / "index")
    return Folders(tmp_path, write_policy=False)


@pytest.fixture
def no_model(monkeypatch):
    """Any attempt to embed fails the test: a reused index must not need the model."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the model was asked to embed")

    monkeypatch.setattr(index_module, "encode_with_tokens", refuse)


def fingerprint(index) -> list[tuple[str, str]]:
    return [(p.id, p.text) for p in index.passages]


def assert_working(index) -> None:
    """A loaded index that finds the trip passage by meaning and by keyword."""
    engine = SearchEngine(index)
    answer = engine.search("can I give parents my own mobile number on a school trip?")
    assert answer.hits and "school mobile phone" in answer.hits[0].passage.text
    assert index.keyword(["trips"], 5)


# --- build and reuse ---------------------------------------------------------------------------


def test_first_open_builds_and_stores_all_parts(tmp_path):
    folders = Folders(tmp_path)
    opened = folders.open()
    assert opened.status == "built"
    for name in (MANIFEST, VECTORS, OWNERS, PASSAGES_DB):
        assert (folders.index / name).is_file(), name
    manifest = json.loads((folders.index / MANIFEST).read_text())
    assert manifest["passages"] == len(opened.index.passages) > 0
    assert manifest["documents_list"] == ["phone-policy.txt"]
    views = sum(2 + len(p.parts) for p in chunk_documents(load_folder(folders.policies).documents))
    assert len(opened.index.vectors) == views  # two views per passage, and each paragraph it joins
    assert np.allclose(np.linalg.norm(opened.index.vectors, axis=1), 1.0, atol=1e-4)
    assert_working(opened.index)
    assert not list(tmp_path.glob("index.*")), "no temporary build folder is left behind"


def test_second_open_reuses_the_index_without_embedding(folders, no_model, built_template):
    opened = folders.open()
    assert opened.status == "reused"
    assert fingerprint(opened.index) == fingerprint(load_index(built_template / "index"))
    assert folders.notices == []


def test_a_reused_index_keeps_the_skipped_files(folders):
    (folders.policies / "odd.txt").write_bytes(b"caf\x81")  # neither UTF-8 nor Windows-1252: not read
    first = folders.open()
    assert first.status == "rebuilt (the policies changed)"
    second = folders.open()
    assert second.status == "reused"
    assert [name for name, _ in second.index.skipped] == ["odd.txt"]


def test_a_document_in_a_format_that_is_not_read_is_listed_once_it_appears(folders):
    (folders.policies / "conduct.pages").write_bytes(b"PK\x03\x04")
    opened = folders.open()
    assert opened.status == "rebuilt (the policies changed)"
    assert [name for name, _ in opened.index.skipped] == ["conduct.pages"]


def test_a_folder_with_only_policies_hashes_as_it_did_before_unread_files_were_listed(folders):
    """Upgrading must not rebuild every school's index: the names of files not read are hashed
    only when there are some."""
    digest = hashlib.sha256()
    for path in sorted(folders.policies.iterdir()):
        digest.update(path.name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    assert index_module.documents_hash(folders.policies) == digest.hexdigest()


def test_editing_a_policy_rebuilds_with_the_reason(folders):
    folders.policy.write_text(SMALL_POLICY.replace("never give out", "must never give out"), "utf-8")
    opened = folders.open()
    assert opened.status == "rebuilt (the policies changed)"
    assert any("must never give out" in p.text for p in opened.index.passages)
    assert any("the policies changed" in n for n in folders.notices)
    assert folders.open().status == "reused"


def test_adding_or_removing_a_policy_file_rebuilds(folders):
    (folders.policies / "wifi.md").write_text("# Wi-Fi\n\n## Guests\n\nGuests use the visitor network.\n")
    assert folders.open().status == "rebuilt (the policies changed)"
    (folders.policies / "wifi.md").unlink()
    assert folders.open().status == "rebuilt (the policies changed)"


def test_other_chunk_settings_rebuild_with_their_reason(folders):
    opened = folders.open(settings=ChunkSettings(max_words=10))
    assert opened.status == "rebuilt (the search settings changed)"
    assert max(len(p.text.split()) for p in opened.index.passages) <= 10


def test_rebuild_on_request(folders):
    assert folders.open(rebuild=True).status == "rebuilt (asked)"


# --- damage ------------------------------------------------------------------------------------


def _garbage_vectors(index_dir: Path) -> None:
    (index_dir / VECTORS).write_bytes(b"\x93NUMPY garbage" + bytes(range(200)))


def _truncated_db(index_dir: Path) -> None:
    db = index_dir / PASSAGES_DB
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])


def _garbage_manifest(index_dir: Path) -> None:
    (index_dir / MANIFEST).write_bytes(b"\xff\xfe{not json")


def _manifest_not_an_object(index_dir: Path) -> None:
    (index_dir / MANIFEST).write_text("[1, 2, 3]")


def _nan_vectors(index_dir: Path) -> None:
    vectors = np.load(index_dir / VECTORS)
    vectors[0, 0] = np.nan
    np.save(index_dir / VECTORS, vectors)


def _owners_out_of_range(index_dir: Path) -> None:
    owners = np.load(index_dir / OWNERS)
    owners[-1] = 10_000
    np.save(index_dir / OWNERS, owners)


def _missing_db(index_dir: Path) -> None:
    (index_dir / PASSAGES_DB).unlink()


def _missing_word_pieces(index_dir: Path) -> None:
    (index_dir / TOKENS).unlink()


def _word_pieces_of_fewer_passages(index_dir: Path) -> None:
    starts = np.load(index_dir / TOKEN_STARTS)
    np.save(index_dir / TOKEN_STARTS, np.concatenate([starts[:1], starts[2:]]))


def _word_piece_rows_cut_short(index_dir: Path) -> None:
    rows = index_dir / TOKENS
    rows.write_bytes(rows.read_bytes()[:-384])


def _word_piece_starts_past_the_rows(index_dir: Path) -> None:
    starts = np.load(index_dir / TOKEN_STARTS)
    starts[-1] += 5
    np.save(index_dir / TOKEN_STARTS, starts)


@pytest.mark.parametrize(
    "damage",
    [
        _garbage_vectors,
        _truncated_db,
        _garbage_manifest,
        _manifest_not_an_object,
        _nan_vectors,
        _owners_out_of_range,
        _missing_db,
        _missing_word_pieces,
        _word_pieces_of_fewer_passages,
        _word_piece_starts_past_the_rows,
        _word_piece_rows_cut_short,
    ],
    ids=lambda f: f.__name__.strip("_").replace("_", " "),
)
def test_a_damaged_index_is_rebuilt_and_works(folders, damage):
    damage(folders.index)
    with pytest.raises(IndexCorrupt):
        load_index(folders.index)
    opened = folders.open()
    assert opened.status == "rebuilt (damaged)"
    assert any("damaged" in n for n in folders.notices)
    assert_working(opened.index)
    assert folders.open().status == "reused"


def test_an_empty_index_folder_is_treated_as_damaged(tmp_path):
    folders = Folders(tmp_path)
    folders.index.mkdir()
    opened = folders.open()
    assert opened.status == "rebuilt (damaged)"
    assert_working(opened.index)


# --- crash safety ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["vectors written", "database written"])
def test_a_crash_while_writing_leaves_the_old_index_intact(folders, monkeypatch, where, built_template):
    """The new index is written into a side folder; a crash there never touches the live one."""
    import sqlite_utils

    class Crash(Exception):
        pass

    def crash(*_args, **_kwargs):
        raise Crash(where)

    if where == "vectors written":
        real_save = np.save
        calls = []

        def save_then_crash(*args, **kwargs):
            calls.append(args[0])
            if len(calls) == 2:  # the vectors are on disk, the owners are not
                raise Crash(where)
            return real_save(*args, **kwargs)

        monkeypatch.setattr(index_module.np, "save", save_then_crash)
    else:
        monkeypatch.setattr(sqlite_utils.db.Table, "enable_fts", crash)

    folders.policy.write_text(SMALL_POLICY + "\nNew rule\n\nStaff must lock their laptops.\n", "utf-8")
    with pytest.raises(Crash):
        folders.open()
    monkeypatch.undo()

    old = load_index(folders.index)  # still loads: not IndexCorrupt
    assert fingerprint(old) == fingerprint(load_index(built_template / "index"))
    assert not list(folders.index.parent.glob("index.*")), "the half-written folder is cleaned up"
    # the edit is still pending, so the next start rebuilds and sees it
    opened = folders.open()
    assert opened.status == "rebuilt (the policies changed)"
    assert any("lock their laptops" in p.text for p in opened.index.passages)
