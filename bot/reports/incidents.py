"""Does a question tell of something that happened (offer "Report this")?"""

from __future__ import annotations

import re

_HYPOTHETICAL = re.compile(
    r"\b(if|whether|allowed|ever|in case|suppose|supposing|hypothetically|policy on|rules? (on|about|for))\b"
)
_NOW = re.compile(
    r"\b(just|today|tonight|yesterday|this (morning|afternoon|evening|week)|last (night|week)|right now|"
    r"keeps?|kept|again|has been|have been|is being)\b"
)
_INCIDENT = [
    re.compile(
        r"\b(has|have|had|just)\s+(\w+\s+)?(sent|posted|shared|messaged|added|tagged|uploaded|"
        r"commented|threatened|contacted|followed|friended|requested|leaked|called|written|"
        r"published|filmed|photographed|screenshotted)\b"
    ),
    re.compile(
        r"\b(is|are|was|were|keeps?|been)\s+(posting|sending|messaging|sharing|commenting|"
        r"harassing|threatening|contacting|bullying|abusing|insulting|following|filming)\b"
    ),
    re.compile(
        r"\b(sent|posted|shared|messaged|tagged|uploaded|threatened|contacted|added|followed|"
        r"leaked|commented|wrote|published|insulted|abused)\s+(me|us|my|a|an|the|some|photos?|"
        r"pictures?|videos?|about|on|in)\b"
    ),
    re.compile(
        r"\b(i|we)\s+(have\s+)?(found|saw|seen|received|got|noticed|been sent|was sent|were sent|"
        r"came across|discovered)\b"
    ),
    re.compile(r"\b(i'?m|i am|we're|we are)\s+being\s+\w+"),
]


def looks_like_incident(text: str) -> bool:
    """Does this question describe something that happened (offer "Report this"), rather than
    ask about the rules? Cheap and conservative: a wrong "yes" only shows one extra button."""
    lowered = " ".join((text or "").lower().replace("’", "'").split())
    if len(lowered) < 12:
        return False
    incident = any(pattern.search(lowered) for pattern in _INCIDENT)
    if not incident:
        return False
    return not (_HYPOTHETICAL.search(lowered) and not _NOW.search(lowered))
