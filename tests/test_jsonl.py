"""Every reader of labelled questions names the line that is not a JSON object, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.calibrate import read_labelled
from embeddings.evaluate import read_questions
from embeddings.training import read_questions_file

GOOD = '{"question": "can i add a pupil on fb", "in_policy": true, "evidence": ["friend requests"]}'


@pytest.mark.parametrize("read", [read_questions, read_labelled, read_questions_file])
@pytest.mark.parametrize(
    ("bad", "message"),
    [("[1, 2]", "line 3: expected an object, found list"), ("{oops", "line 3 is not JSON")],
)
def test_a_line_that_is_not_a_json_object_is_named(tmp_path: Path, read, bad, message):
    path = tmp_path / "school.questions.jsonl"
    path.write_text(f"{GOOD}\n\n{bad}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read(path)


def test_blank_lines_are_skipped_by_every_reader(tmp_path: Path):
    path = tmp_path / "school.questions.jsonl"
    path.write_text(f"\n{GOOD}\n   \n", encoding="utf-8")
    assert len(read_questions(path)) == len(read_labelled(path)) == len(read_questions_file(path)) == 1
