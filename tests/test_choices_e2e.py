"""'Did you mean…': when the best passage is not clearly ahead, staff choose, and the choice teaches.

The engine here is the real one over the bundled policy with a margin of 1.0,
so every answer is a close call; which passages are offered and what a pick
stores are what is checked.
"""

from __future__ import annotations

import json

import pytest
from helpers import plain

from bot.handlers.questions import TOP_K
from bot.text import policies as policies_text
from bot.text import questions as questions_text
from embeddings.search import SearchEngine

pytestmark = pytest.mark.e2e

QUESTION = "can i use my own phone on the school trip"


@pytest.fixture
def unsure(engine):
    """The session's index, with every lead too small to answer alone."""
    return SearchEngine(engine.index, glossary=engine.glossary, margin=1.0)


async def teacher_asks(make_services, running_bot, make_user, people, question, engine=None):
    """A running bot (over `engine`, or the session's), Tess on it, and its reply to her `question`."""
    services = make_services(search_engine=engine) if engine is not None else make_services()
    await running_bot(services)
    teacher = make_user(services, people.teacher, "Tess")
    await teacher.send(question)
    [reply] = await teacher.replies(timeout=15)
    return services, teacher, reply


async def test_a_close_call_offers_three_passages_and_none_of_these(
    make_services, running_bot, make_user, people, unsure
) -> None:
    services, teacher, reply = await teacher_asks(
        make_services, running_bot, make_user, people, QUESTION, unsure
    )

    answer = unsure.search(QUESTION, top_k=TOP_K)
    hits = answer.choices
    assert answer.ambiguous and len(hits) == 3
    assert reply["text"] == questions_text.choose_passage([h.passage for h in hits])
    labels = [label for label, _data in reply["reply_markup"]]
    assert labels[:3] == questions_text.choice_labels([h.passage for h in hits])
    assert labels[3:] == [questions_text.MORE_CHOICES, questions_text.NONE_OF_THESE]
    for hit in hits:  # each candidate is shown by its heading and its own first words
        assert " ".join(hit.passage.text.split()[:8]) in plain(reply["text"])


async def test_a_pick_quotes_the_passage_and_becomes_an_example(
    make_services, running_bot, make_user, people, unsure
) -> None:
    services, teacher, reply = await teacher_asks(
        make_services, running_bot, make_user, people, QUESTION, unsure
    )
    [question] = services.db["questions"].rows
    second = json.loads(question["passage_ids"])[1]

    await teacher.tap(reply["reply_markup"][1][1], reply["message_id"])
    [quoted] = await teacher.replies(timeout=15)

    picked = unsure.passage(second)
    assert picked is not None and [quoted["text"]] == questions_text.passage_messages(picked)
    assert picked.text.split("\n")[0] in plain(quoted["text"])
    [example] = services.db["examples"].rows
    assert example["passage_id"] == second and example["question"] == QUESTION
    assert example["question_id"] == question["id"] and example["added_by"] == people.teacher
    assert example["source"] == "pick"
    assert unsure.taught is not None and unsure.taught.attached == 0, "one pick changes nobody's answer"
    assert services.db["questions"].get(question["id"])["feedback"] == "up"
    edited = await teacher.message(reply["message_id"])
    assert edited["reply_markup"] == [], "a choice is made once"

    await teacher.tap(reply["reply_markup"][0][1], reply["message_id"])  # a second tap: nothing more
    await teacher.no_reply(wait=0.4)
    assert services.db["examples"].count == 1


async def test_show_three_more_offers_the_next_passages_and_a_pick_from_them_teaches(
    make_services, running_bot, make_user, people, unsure
) -> None:
    services, teacher, reply = await teacher_asks(
        make_services, running_bot, make_user, people, QUESTION, unsure
    )
    more = next(data for label, data in reply["reply_markup"] if label == questions_text.MORE_CHOICES)

    await teacher.tap(more, reply["message_id"])
    [offer] = await teacher.replies(timeout=15)

    found = [unsure.passage(i) for i in json.loads(services.db["questions"].get(1)["passage_ids"])]
    assert len(found) == TOP_K
    following = found[3:]
    assert offer["text"] == questions_text.choose_passage(
        following, start=4, title=questions_text.MORE_CHOICES_HEADING
    )
    labels = [label for label, _data in offer["reply_markup"]]
    assert labels == [*questions_text.choice_labels(following, start=4), questions_text.NONE_OF_THESE]
    assert labels[0].startswith("4. ")
    first = await teacher.message(reply["message_id"])
    assert questions_text.MORE_CHOICES not in [label for label, _data in first["reply_markup"]]

    await teacher.tap(offer["reply_markup"][1][1], offer["message_id"])  # the fifth passage found
    [quoted] = await teacher.replies(timeout=15)

    assert [quoted["text"]] == questions_text.passage_messages(following[1])
    [example] = services.db["examples"].rows
    assert example["passage_id"] == following[1].id and example["source"] == "pick"
    await teacher.tap(reply["reply_markup"][0][1], reply["message_id"])  # the first offer is spent too
    await teacher.no_reply(wait=0.4)
    assert services.db["examples"].count == 1


DECLINED = "what time does the canteen open"


async def test_a_declined_question_offers_the_closest_passages_to_pick_from(
    make_services, running_bot, make_user, people, engine
) -> None:
    services, teacher, reply = await teacher_asks(make_services, running_bot, make_user, people, DECLINED)
    assert reply["text"] == questions_text.not_covered()
    closest = dict(reply["reply_markup"])[questions_text.CLOSEST]

    await teacher.tap(closest, reply["message_id"])
    [offer] = await teacher.replies(timeout=15)

    [question] = services.db["questions"].rows
    assert question["answered"] == 0
    found = [engine.passage(i) for i in json.loads(question["passage_ids"])]
    assert offer["text"] == questions_text.choose_passage(found[:3], title=questions_text.CLOSEST_HEADING)
    labels = [label for label, _data in offer["reply_markup"]]
    assert labels == [
        *questions_text.choice_labels(found[:3]),
        questions_text.MORE_CHOICES,
        questions_text.NONE_OF_THESE,
    ]
    first = await teacher.message(reply["message_id"])
    assert [label for label, _ in first["reply_markup"]] == [questions_text.ask_button(about_head=False)]

    await teacher.tap(offer["reply_markup"][0][1], offer["message_id"])
    parts = questions_text.passage_messages(found[0])
    quoted = await teacher.replies(timeout=15, count=len(parts))

    assert [message["text"] for message in quoted] == parts
    [example] = services.db["examples"].rows
    assert example["passage_id"] == found[0].id and example["source"] == "pick"


async def test_a_pick_counts_once_a_colleague_picks_the_same_passage(
    make_services, running_bot, make_user, people, unsure
) -> None:
    services = make_services(search_engine=unsure)
    await running_bot(services)
    for user_id, name in [(people.teacher, "Tess"), (people.head_teacher, "Hana")]:
        person = make_user(services, user_id, name)
        await person.send(QUESTION)
        [reply] = await person.replies(timeout=15)
        await person.tap(reply["reply_markup"][1][1], reply["message_id"])
        await person.replies(timeout=15)

    assert services.db["examples"].count == 2
    assert unsure.taught is not None and unsure.taught.attached == 2
    answer = unsure.search(QUESTION)
    assert not answer.ambiguous and answer.hits[0].passage.id == services.db["examples"].get(1)["passage_id"]


async def test_none_of_these_sends_the_question_to_review(
    make_services, running_bot, make_user, people, unsure
) -> None:
    services, teacher, reply = await teacher_asks(
        make_services, running_bot, make_user, people, QUESTION, unsure
    )
    [question] = services.db["questions"].rows

    none = next(data for label, data in reply["reply_markup"] if label == questions_text.NONE_OF_THESE)
    await teacher.tap(none, reply["message_id"])
    [thanks] = await teacher.replies(timeout=15)

    assert plain(thanks["text"]) == plain(questions_text.none_of_these_thanks())
    assert services.db["questions"].get(question["id"])["feedback"] == "down"
    assert not services.db["examples"].exists() or services.db["examples"].count == 0

    head = make_user(services, people.head_teacher, "Hana")
    await head.send("/review")
    item = await head.wait_for(lambda r: policies_text.REVIEW_ASKS in plain(r["text"]), timeout=15)
    assert QUESTION in plain(item["text"])


async def test_policies_says_which_model_answers(make_services, running_bot, make_user, people) -> None:
    services = make_services(knowledge={"adapt": True})
    services.adapt_first_seconds = 3600.0  # the background check does not run in this test
    await running_bot(services)
    head = make_user(services, people.head_teacher, "Hana")

    await head.send("/policies")
    [reply] = await head.replies(timeout=15)

    assert services.adapter is not None and not services.adapter.running
    assert services.engine.index.manifest.get("adaptation") is None, "the shipped index is not tuned"
    untuned = policies_text.search_state(None, running=False)
    assert services.library is not None
    assert reply["text"] == policies_text.policies_text(services.library.documents(), untuned)
    # The golden wording check: staff read plain words, not the tuning's own terms.
    assert "synthetic" not in plain(reply["text"]) and "pairs" not in plain(reply["text"])
