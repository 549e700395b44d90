"""A glossary of school and phone words, used to widen a question before searching.

Staff write "dsl" or "calpol"; the policy says "designated safeguarding
lead" or "medicine". Adding the policy's words for the staff's words lets
the search meet the passage half way. The question itself is never changed,
only added to.

Two files: the general glossary (`knowledge/glossary.toml`), safe in any
school type, and the school's own (`glossary.toml` in its policy folder),
whose entries win. A school's words for people ("kid" for pupil) belong in
its own file: in a college or a nursery "student" can mean an adult trainee.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_GLOSSARY = Path(__file__).with_name("glossary.toml")
SCHOOL_GLOSSARY = "glossary.toml"  # in the policy folder


class GlossaryError(ValueError):
    """A glossary file cannot be read; the message is one line naming the file."""


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
        return cls(_read_terms(path or DEFAULT_GLOSSARY))

    @classmethod
    def for_policies(cls, policies: Path | None) -> Glossary:
        """The general glossary with the school's own (`glossary.toml` in `policies`) over it."""
        terms = _read_terms(DEFAULT_GLOSSARY)
        own = policies / SCHOOL_GLOSSARY if policies is not None else None
        if own is not None and own.is_file():
            terms.update(_read_terms(own))
        return cls(terms)

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


def _read_terms(path: Path) -> dict[str, str]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise GlossaryError(f"cannot read the glossary {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryError(f"the glossary {path} is not valid TOML: {exc}") from None
    terms = data.get("terms", {})
    if not isinstance(terms, dict) or not all(isinstance(v, str) for v in terms.values()):
        raise GlossaryError(f'the glossary {path} needs a [terms] table of "words" = "policy words"')
    return {str(k).lower(): v for k, v in terms.items() if str(k).strip() and v.strip()}
