"""A question as the search reads it: cleaned text and its content words.

The first step of the pipeline: everything after it (the retrievers, the
fusion, the answer decision) works from what this module gives, never from
the raw message.
"""

from __future__ import annotations

import re

from .model import MAX_QUERY_CHARS

MAX_WORDS = 40  # a question longer than this is a message, not a query: its first words suffice

_STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be been before being below between both but
    by can cant could did do does doing dont down during each few for from further had has have having he
    her here hers him his how i if in into is it its itself just me more most my myself no nor not now of
    off ok okay on once only or other our out over own same she should so some such than that the their
    them then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours im ive id get got going gonna want wanna
    need allowed alright fine please thanks really still also ever""".split()
)


def clean_question(text: str) -> str:
    """Drop control characters and excess length; an empty result means "no question"."""
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text[: MAX_QUERY_CHARS * 2])
    text = " ".join(text.split())
    return text[:MAX_QUERY_CHARS] if re.search(r"[^\W_]", text) else ""


def query_words(text: str) -> list[str]:
    """The question's content words, lower-case, each once, in order (at most MAX_WORDS).

    Plain words, never query syntax: the keyword retriever ranks them
    itself (`embeddings.bm25`), so nothing a person types can act as an
    operator.
    """
    words: list[str] = []
    for word in re.findall(r"[^\W_]+", text.lower()):
        if len(word) > 1 and word not in _STOPWORDS and word not in words:
            words.append(word)
    return words[:MAX_WORDS]
