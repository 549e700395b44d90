"""The answer decision: what a person is shown, decided on what is shown.

Three outcomes:

- ANSWER: one passage, quoted as the answer. Only when the passage shown
  first clears the bar, leads the next ones clearly, and both retrievers
  put it first (or staff taught it for a question like this one);
- CHOOSE: "did you mean" with the first CHOICES passages, when a passage
  near the top clears the bar but the first is not clearly the answer;
- DECLINE: none of the first three passages the retrievers found clears the
  bar (`Shown.closest`: the passages shown, unless `embeddings.late` put
  others from further down first).

Measured on the tuning halves of two policy sets with no labelled questions
for either (tests/data/*-tune.jsonl): a confident answer chosen on the best
*dense* similarity, as before, was the wrong passage for 37% and 51% of
in-policy questions; neither top similarity nor its lead over the next
passage alone separates right from wrong there (a lead of 0.18 at
similarity 0.70 was still wrong). Requiring the lead and the retrievers'
agreement left 0 of 84 confident answers wrong, and a choice of three put
the right passage one tap away for 74% and 63% of questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

# The similarity below which a passage is not shown as an answer, for the base model; carried to an
# adapted model (embeddings.adaptation.carry_threshold). Calibrated with `staffguide calibrate` on
# embeddings/calibration-questions.jsonl when passages were single paragraphs. With today's joined
# passages it says 0.438 (declining 20 of 25 out-of-policy questions), but carried to a new school's
# adapted model that declined 6 and 8 more in-policy questions of the bundled and workload tuning
# halves for 1 more out-of-policy one; 0.39 answered 3 more workload questions and 1 more DfE
# out-of-policy one. 0.412 is kept.
DEFAULT_THRESHOLD = 0.412
# How far (cosine) the first passage must lead the next CHOICES - 1 to be answered alone, when the
# school has no labelled questions to choose it (embeddings.calibrate.choose_lead). 0.15: the
# smallest lead with no wrong confident answer on the two tuning halves (0.10 gave 1 of 84).
DEFAULT_MARGIN = 0.15
CHOICES = 3  # passages a "did you mean" offers


class Outcome(Enum):
    ANSWER = "answer"
    CHOOSE = "choose"
    DECLINE = "decline"


@dataclass(frozen=True)
class Shown:
    """What the decision needs to know about the passages that would be shown, in order."""

    similarities: Sequence[float]  # cosine similarity of each, question to passage
    agree: bool  # every retriever that counts ranked the first passage first
    # How close this question is to one taught for the first passage (cosine; 0.0: none taught, or
    # not close enough for the taught ranking: embeddings.retrievers.TAUGHT_MIN_SIMILARITY).
    taught: float = 0.0
    # The best similarity among the first CHOICES passages of the fused ranking, before
    # embeddings.late put them in order by their words (None: the shown ones are those). Declines
    # are judged on it: the late step brings passages from further down, and judged on those (or
    # on the better of the two) declines moved both ways, in-policy questions declined and
    # out-of-policy ones answered (measured in embeddings.late).
    closest: float | None = None
    # The best similarity among the fused first three other than the passage shown first (None:
    # the shown ones only); `lead` takes it with the next CHOICES - 1 shown. The late step can
    # put less similar passages second and third: with the bundled policy's own labelled
    # questions (lead 0.10), a lead over those alone answered a held-out question wrongly (0.59
    # against 0.43 and 0.48 shown second and third, while a passage the fusion had second, at
    # 0.50, was moved down).
    runner_up: float | None = None

    @property
    def lead(self) -> float:
        """How far the first passage leads the others near the top (1.0 when it is alone)."""
        rest = [*self.similarities[1:CHOICES], *([self.runner_up] if self.runner_up is not None else [])]
        return self.similarities[0] - max(rest) if rest else 1.0


# A question this close to one taught for the first passage is answered with it outright; a less
# close one that was still taught (embeddings.retrievers.TAUGHT_MIN_SIMILARITY) is offered as a
# choice with it first, never declined. Measured with tests/bench_first_weeks.py (staff picks from
# the tuning halves, held-out halves scored): the two held-out questions answered outright through
# a taught match at 0.70 and 0.78 were both wrong ("is there counselling if i'm being harassed
# online" matched a pick made for another harassment question).
TAUGHT_ANSWER_SIMILARITY = 0.8  # above both wrong matches measured; a reworded question at 0.85 is right


@dataclass(frozen=True)
class Bars:
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN
    taught: float = TAUGHT_ANSWER_SIMILARITY


def decide(shown: Shown, bars: Bars) -> Outcome:
    if not shown.similarities:
        return Outcome.DECLINE
    if shown.taught >= bars.taught:  # worded as a question a reviewer taught (or staff agreed on)
        return Outcome.ANSWER
    if shown.taught > 0:  # like a taught question: in policy by that decision, but not certain
        return Outcome.CHOOSE
    closest = shown.closest if shown.closest is not None else max(shown.similarities[:CHOICES])
    if closest < bars.threshold:
        return Outcome.DECLINE
    first_clears = shown.similarities[0] >= bars.threshold
    if first_clears and shown.agree and shown.lead >= bars.margin:
        return Outcome.ANSWER
    return Outcome.CHOOSE
