"""Scoring the search as staff meet it: hit@1, hit@3, reach and confident wrong answers.

The counting is tested on hand-made answers (so a failure points at the
rule), then through `staffguide evaluate` on the bundled policy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from search_fixtures import bundled_engine, staff_questions

from embeddings.decision import Outcome
from embeddings.evaluate import (
    MAX_WORDS,
    Labelled,
    Verdict,
    evaluate,
    read_questions,
    score_answers,
    verdict,
)
from embeddings.search import Answer, Hit
from knowledge.chunking import Passage

RULE = "Staff must not accept friend requests from pupils."


def passage(text: str, section: str = "Personal use") -> Passage:
    return Passage(
        id=text[:12], document="Social media policy", source="p.txt", section=section, text=text, position=0
    )


def answer(outcome: Outcome, *texts: str) -> Answer:
    return Answer("q", outcome, [Hit(passage(t), 1.0, 0.5) for t in texts])


FRIENDS = Labelled("can i add a pupil on fb", True, ["accept friend requests from pupils"])
UNCOVERED = Labelled("when do we get paid", False, [])


@pytest.mark.parametrize(
    ("outcome", "texts", "expected"),
    [
        (Outcome.ANSWER, [RULE, "Other."], Verdict.RIGHT),
        (Outcome.ANSWER, ["Other.", RULE], Verdict.WRONG),
        (Outcome.CHOOSE, [RULE, "Other."], Verdict.CHOICE_FIRST),
        (Outcome.CHOOSE, ["Other.", "More.", RULE], Verdict.CHOICE),
        (Outcome.CHOOSE, ["Other.", "More.", "Still other.", RULE], Verdict.NOT_SHOWN),
        (Outcome.DECLINE, [RULE], Verdict.DECLINED),
    ],
)
def test_each_outcome_is_judged_by_what_the_person_sees(outcome, texts, expected):
    assert verdict(FRIENDS, answer(outcome, *texts)) is expected


def test_an_out_of_policy_question_is_right_only_when_declined():
    assert verdict(UNCOVERED, answer(Outcome.DECLINE, RULE)) is Verdict.DECLINED_OUT
    assert verdict(UNCOVERED, answer(Outcome.CHOOSE, RULE)) is Verdict.ANSWERED_OUT


def test_reach_counts_a_right_answer_and_a_choice_holding_it_and_wrong_counts_confident_misses():
    items = [FRIENDS] * 5 + [UNCOVERED] * 2
    answers = [
        answer(Outcome.ANSWER, RULE),  # right
        answer(Outcome.CHOOSE, "Other.", RULE),  # one tap away
        answer(Outcome.ANSWER, "Other.", RULE),  # confidently wrong
        answer(Outcome.DECLINE, RULE),  # declined, though the first passage found was right
        answer(Outcome.CHOOSE, "Other.", "More.", "Still."),  # not shown
        answer(Outcome.DECLINE, "Other."),
        answer(Outcome.CHOOSE, "Other."),
    ]
    score = score_answers(items, answers)
    assert (score.n_in, score.hit1, score.hit3, score.reach, score.wrong) == (5, 2, 4, 2, 1)
    assert (score.answered, score.n_out, score.declined) == (4, 2, 1)
    assert [m.verdict for m in score.misses] == [
        Verdict.CHOICE,
        Verdict.WRONG,
        Verdict.DECLINED,
        Verdict.NOT_SHOWN,
        Verdict.ANSWERED_OUT,
    ]
    assert score.misses[1].shown_first == "Personal use (Social media policy)"
    assert "reach 2/5 (0.40)  wrong 1/5" in score.line()


def test_a_passage_too_long_to_read_on_a_phone_is_not_the_answer_even_when_it_holds_the_words():
    """As the scoring script counts: more than MAX_WORDS words is not an answer a phone can show."""
    long = RULE + " word" * MAX_WORDS
    assert verdict(FRIENDS, answer(Outcome.ANSWER, long)) is Verdict.WRONG
    assert score_answers([FRIENDS], [answer(Outcome.CHOOSE, long)]).hit3 == 0


def test_answers_must_pair_with_questions():
    with pytest.raises(ValueError, match="1 answers for 2 questions"):
        score_answers([FRIENDS, UNCOVERED], [answer(Outcome.DECLINE)])


def test_the_engine_is_scored_as_the_scoring_script_scores_it():
    """Counted from the engine's own answers, the figures agree with the JSON the script reads."""
    engine = bundled_engine()
    rows = staff_questions()
    items = [Labelled(r["question"], r["in_policy"], r["evidence"]) for r in rows]
    score = evaluate(engine, items)
    answers = [a.to_json() for a in engine.search_many([i.question for i in items])]
    reach = wrong = 0
    for item, shown in zip(items, answers, strict=True):
        if not item.in_policy:
            continue
        texts = [p["text"] for p in shown["passages"][:3]]  # type: ignore[index]
        ok1 = bool(texts) and any(e.lower() in " ".join(texts[0].split()).lower() for e in item.evidence)
        ok3 = any(any(e.lower() in " ".join(t.split()).lower() for e in item.evidence) for t in texts)
        sure = shown["answered"] and not shown["ambiguous"]
        reach += (sure and ok1) or (shown["answered"] and shown["ambiguous"] and ok3)
        wrong += sure and not ok1
    assert (score.reach, score.wrong) == (reach, wrong)
    assert score.n_in == sum(1 for i in items if i.in_policy) and score.reach > 0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["not json"], "line 1 is not JSON"),
        (['{"question": "a", "in_policy": true, "evidence": ["x"]}', "[1, 2]"], "line 2: expected an object"),
        (['{"question": "a"}'], "line 1: needs a 'question' string and an 'in_policy' true/false"),
        (['{"question": "a", "in_policy": true}'], "line 1: an in-policy question needs 'evidence'"),
        (['{"question": "a", "in_policy": true, "evidence": "x"}'], "line 1: 'evidence' must be a list"),
        (["", "  "], "no questions"),
    ],
)
def test_a_bad_questions_file_names_the_line_and_what_it_needs(tmp_path: Path, lines, message):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_questions(path)


def test_an_out_of_policy_question_needs_no_evidence(tmp_path: Path):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"question": "when do we get paid", "in_policy": False}), encoding="utf-8")
    assert read_questions(path) == [Labelled("when do we get paid", False, [])]
