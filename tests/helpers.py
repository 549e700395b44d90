"""Small helpers the tests share."""

from __future__ import annotations

import html
import re


def plain(text: str | None) -> str:
    """What the user reads: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))
