"""Untrusted text for display: strip terminal control characters.

The original text is stored untouched; this is applied when showing it.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and C1 (0x80–0x9F): ESC sequences,
# OSC 52 clipboard writes, bell, etc. must never reach the terminal raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str | None, *, single_line: bool = False) -> str:
    if not text:
        return ""
    text = _CONTROL.sub("", text)
    if single_line:
        text = " ".join(text.split())
    return text
