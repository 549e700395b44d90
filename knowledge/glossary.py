"""A glossary of school and phone words, used to widen a question before searching.

Staff write "a year 11 kid added me on snap"; the policy says "friend
requests from students". Appending the policy's words for the staff's words
lets both the keyword search and the embedding meet the passage half way.
The question itself is never changed, only added to.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_GLOSSARY = Path(__file__).with_name("glossary.toml")


@dataclass(frozen=True)
class Glossary:
    terms: dict[str, str]
    pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = None
        if self.terms:
            alternatives = sorted(self.terms, key=len, reverse=True)  # the longest phrase wins
            pattern = re.compile(
                r"(?<![\w-])(" + "|".join(re.escape(t) for t in alternatives) + r")(?![\w-])",
                re.IGNORECASE,
            )
        object.__setattr__(self, "pattern", pattern)

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        with open(path or DEFAULT_GLOSSARY, "rb") as fh:
            data = tomllib.load(fh)
        return cls({str(k).lower(): str(v) for k, v in data.get("terms", {}).items()})

    def expansions(self, question: str) -> list[str]:
        """The policy words for the terms found in the question, each once, in order."""
        if self.pattern is None:
            return []
        seen: list[str] = []
        for match in self.pattern.finditer(question):
            extra = self.terms[match.group(1).lower()]
            if extra not in seen:
                seen.append(extra)
        return seen

    def expand(self, question: str) -> str:
        extras = self.expansions(question)
        return f"{question} ({'; '.join(extras)})" if extras else question
