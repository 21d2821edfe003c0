"""A corpus of hostile text: what a careless paste, another program or an
attacker may put in any field. Each entry is short enough for every form
(reporter: 80 characters); LONG_* are for the paths without a limit."""

from __future__ import annotations

import re

ESC = "\x1b"
HOSTILE: dict[str, str] = {
    "click": "[@click=app.quit]quit[/]",
    "link": "[link=https://evil.example]bank[/link]",
    "markup": "[bold red]x[/] [reverse]",
    "unbalanced": "[ unbalanced [/] [[",
    "csi": f"{ESC}[2J{ESC}[31mred{ESC}[0m",
    "osc52": f"{ESC}]52;c;cm0gLXJmIH4={ESC}\\copy",
    "osc0": f"{ESC}]0;owned\x07title",
    "c0": "a\x01b\x07c\x08d\x0be\x0cf\x0dg\x7fh",
    "c1": "c1\x85nel\x9b31m\x9d0;t\x9c",
    "nul": "before\x00after",
    "bidi": "abc\u202edcba\u202c \u2066iso\u2069 \u2067r\u2068f\u2069 \u200eL\u200fR\u061c",
    "zero_width": "z\u200bw\u200cs\u200dj\ufeffb\u2060w",
    "zwj_emoji": "👩\u200d👩\u200d👧 family ❤\ufe0f",
    "combining": "e\u0301\u0301\u0301 Z\u0335\u0321a\u0336l\u0337g\u0338o",
    "cjk": "自动柜员机吞卡，网点：北京分行",
    "multiline": "first line\nTechnician      Mallory\nStatus          closed",
}
LONG_20K = ("long name " * 2000)[:20_000]
LONG_1M = ("名字 n\u200d😀 " * 200_000)[:1_000_000]

# What must never reach a terminal: ESC, BEL and the other C0 controls
# (tab and newline aside), DEL, C1, bidi controls, zero-width characters.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufe0f\ufeff]")


def forbidden(text: str) -> list[str]:
    """The forbidden characters in ``text`` (as code points, for a readable failure)."""
    return sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
