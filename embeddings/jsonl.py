"""Reading JSON-lines files of labelled questions: one object a line, blank lines skipped.

The questions files next to the policies, the sets `staffguide evaluate`
and `staffguide calibrate` read: each reader checks its own fields, and all
of them name the line that is not an object in the same words.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each line with text; ValueError naming the first line that is not
    a JSON object."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {n} is not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"line {n}: expected an object, found {type(row).__name__}")
        yield n, row
