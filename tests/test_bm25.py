"""In-memory BM25 (embeddings.bm25): the ranking FTS5 gave, without asking SQLite per question.

Every ranking here is checked against FTS5's own `bm25()` on the same tiny
corpus, so "matches FTS5" is tested rather than assumed; the other tests pin
the behaviours the search relies on (stemming, IDF of common words, empty and
unknown queries, the stored file).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from embeddings.bm25 import MIN_IDF, Bm25, Postings, Tokenizer, tokenizer
from embeddings.query import query_words

WEIGHTS = {"section": 2.0, "text": 1.0}
CORPUS = [  # (section, text); passage number = position
    ("Mobile phones", "Staff must keep personal phones out of sight during lessons."),
    ("School trips", "On school trips staff must use the school mobile phone."),
    ("Bullying", "Pupils who are bullied online should tell a member of staff they trust."),
    ("Photographs", "Photographs of pupils may be shared on Flickr only with consent."),
    ("Social media", "Staff must not accept friend requests from pupils or former pupils."),
    ("Early years", "In the EYFS, staff cameras and phones are kept in the office."),
    ("Cyberbullying", "Cyberbullying is bullying: report it to the DSL the same day."),
    ("Staff conduct", "Staff must model good conduct online and offline; staff staff staff."),
]


def fts_table(rows: list[tuple[str, str]]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table passages_fts using fts5(section, text, tokenize='porter')")
    conn.executemany(
        "insert into passages_fts(rowid, section, text) values (?, ?, ?)",
        [(i, s, t) for i, (s, t) in enumerate(rows)],
    )
    return conn


def fts5_ranking(conn: sqlite3.Connection, query: str, k: int) -> list[tuple[int, float]]:
    sql = (
        "select rowid, -bm25(passages_fts, 2.0, 1.0) from passages_fts where passages_fts match ? "
        "order by bm25(passages_fts, 2.0, 1.0), rowid limit ?"
    )
    return [(int(r), float(s)) for r, s in conn.execute(sql, (query, k)).fetchall()]


@pytest.fixture(scope="module")
def corpus() -> tuple[sqlite3.Connection, Bm25]:
    conn = fts_table(CORPUS)
    return conn, Bm25(Postings.from_fts(conn, "passages_fts", WEIGHTS, len(CORPUS)))


def or_query(words: list[str]) -> str:
    """The words as an FTS5 query, OR-ed and quoted: the reference the in-memory ranking must match."""
    return " OR ".join(f'"{w}"' for w in words)


QUERIES = [
    "phone",
    "bullied",
    "staff phones trips",
    "flickr consent photographs",
    "friend request former pupil",
    "eyfs camera",
    "cyberbullying dsl report",
    "school school trips",  # a word given twice counts twice, as two FTS5 phrases
    "conduct online",
]


@pytest.mark.parametrize("question", QUERIES)
def test_ranking_and_scores_are_those_of_fts5(corpus, question):
    conn, bm25 = corpus
    words = query_words(question) if question != "school school trips" else ["school", "school", "trips"]
    expected = fts5_ranking(conn, or_query(words), 5)
    got = bm25.search(words, 5)
    assert [r for r, _ in got] == [r for r, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], rel=1e-12)


def test_stemming_is_fts5_porter(corpus):
    _, bm25 = corpus
    assert tokenizer().tokens(["bullied", "Bullying", "phones", "EYFS", "café"]) == [
        ("bulli",),
        ("bulli",),
        ("phone",),
        ("eyf",),
        ("cafe",),
    ]
    assert {r for r, _ in bm25.search(["bullying"], 10)} == {2, 6}  # "bullied" and "bullying"


def test_the_rare_word_ranks_first_and_a_heading_counts_double(corpus):
    _, bm25 = corpus
    assert bm25.search(["flickr"], 3)[0][0] == 3
    # the same word once in a heading, once in a text, passages of the same length: the heading wins
    conn = fts_table([("Dress", "the uniform is worn daily"), ("Uniform", "blazers are worn every day")])
    two = Bm25(Postings.from_fts(conn, "passages_fts", WEIGHTS, 2))
    assert [r for r, _ in two.search(["uniform"], 2)] == [1, 0]
    expected = fts5_ranking(conn, '"uniform"', 2)
    assert [s for _, s in two.search(["uniform"], 2)] == pytest.approx([s for _, s in expected], rel=1e-12)


def test_a_word_in_most_passages_has_almost_no_weight(corpus):
    _, bm25 = corpus
    assert bm25.document_frequency("staff") > len(CORPUS) / 2
    assert bm25.idf(bm25.document_frequency("staff")) == MIN_IDF
    assert bm25.idf(bm25.document_frequency("flickr")) > 1.0
    # "staff" cannot lift a passage over one with the rare word
    assert bm25.search(["staff", "flickr"], 1)[0][0] == 3
    # stop words never reach the search: the question's words leave them out
    assert query_words("Can I use the phone on a trip?") == ["use", "phone", "trip"]


def test_empty_and_unknown_queries_find_nothing(corpus):
    _, bm25 = corpus
    assert bm25.search([], 5) == []
    assert bm25.search(["zzzunknown", "qwertyuiop"], 5) == []
    assert bm25.search(["flickr"], 0) == []
    assert bm25.document_frequency("zzzunknown") == 0
    assert bm25.search(["zzzunknown", "flickr"], 5) == bm25.search(["flickr"], 5)


def test_ties_go_to_the_lower_passage_number():
    conn = fts_table([("A", "same words here"), ("B", "other text"), ("A", "same words here")])
    bm25 = Bm25(Postings.from_fts(conn, "passages_fts", WEIGHTS, 3))
    assert [r for r, _ in bm25.search(["same"], 2)] == [0, 2]
    assert [r for r, _ in bm25.search(["same"], 1)] == [0]


def test_an_empty_corpus_and_empty_passages():
    empty = Bm25(Postings.from_fts(fts_table([]), "passages_fts", WEIGHTS, 0))
    assert empty.search(["phone"], 3) == []
    with_blank = Bm25(
        Postings.from_fts(fts_table([("", ""), ("Phones", "a phone")]), "passages_fts", WEIGHTS, 2)
    )
    assert [r for r, _ in with_blank.search(["phone"], 3)] == [1]


def test_the_tokenizer_is_shared_safely_and_remembers():
    tok = Tokenizer()
    try:
        assert tok.tokens(["Running", "--", "runs"]) == [("run",), (), ("run",)]
        assert tok.tokens(["runs"]) == [("run",)]
    finally:
        tok.close()


def test_postings_round_trip_and_damage_is_refused(corpus, tmp_path: Path):
    conn, bm25 = corpus
    path = tmp_path / "keywords.npz"
    bm25.postings.save(path)
    loaded = Bm25(Postings.load(path))
    assert loaded.search(["phone", "trips"], 8) == bm25.search(["phone", "trips"], 8)

    p = bm25.postings
    bad = Postings(p.terms, p.indptr, np.where(p.docs == 0, 99, p.docs).astype(np.int32), p.freq, p.lengths)
    with pytest.raises(ValueError):
        bad.check()
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises((ValueError, OSError)):
        Postings.load(path)
