"""store.text.clean: untrusted text never reaches the terminal with control characters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from store.text import clean, in_place


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[31mred\x1b[0m", "[2J[31mred[0m"),  # CSI: the ESC goes, the rest is inert text
        ("\x1b]52;c;cm0gLXJmIH4=\x07copy", "]52;c;cm0gLXJmIH4=copy"),  # OSC 52 clipboard write
        ("\x1b]0;owned\x1b\\title", "]0;owned\\title"),  # OSC 0 window title, ST terminator
        ("ding\x07dong", "dingdong"),  # bell
        ("del\x7fete", "delete"),  # DEL
        ("c1\x9b31m csi \x9d osc \x85 nel", "c131m csi  osc  nel"),  # C1 controls
        ("nul\x00 bs\x08 vt\x0b ff\x0c cr\r", "nul␀ bs vt ff cr"),  # NUL shown: nothing after it hides
        ("a\tb\nc", "a\tb\nc"),  # tab and newline stay
        ("自动柜员机吞卡，网点：北京分行", "自动柜员机吞卡，网点：北京分行"),  # CJK untouched
        ("Café – naïve ≥ 5 € ✓ 🙂", "Café – naïve ≥ 5 € ✓ 🙂"),
        ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),  # markup is the console's job, not this one
    ],
)
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_clean_empty_and_none() -> None:
    assert clean(None) == ""
    assert clean("") == ""


def test_clean_single_line() -> None:
    assert clean("  two\nlines\tand\x1b[1m  spaces ", single_line=True) == "two lines and[1m spaces"
    assert clean("打印机\n卡纸", single_line=True) == "打印机 卡纸"


CONTROLS = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}
INVISIBLE = {chr(c) for c in [0xAD, 0x61C, 0x180E, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
                              *range(0x2060, 0x206A), *range(0xFE00, 0xFE10), 0xFEFF, *range(0xE0100, 0xE01F0)]}


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_clean_never_leaves_a_control(text: str) -> None:
    out = clean(text)
    assert not CONTROLS & set(out)
    # Only controls and invisible characters are removed (NUL is shown): everything else survives in order.
    kept = {"\x00": "␀", "\u2028": "\n", "\u2029": "\n"}
    assert out == "".join(kept.get(ch, ch) for ch in text if ch not in (CONTROLS | INVISIBLE) - {"\x00"})
    assert clean(out) == out


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_in_place_keeps_every_other_character_in_its_cell(text: str) -> None:
    # A field being edited places its cursor by counting cells: what is dropped took none.
    out = in_place(text)
    assert not (CONTROLS | INVISIBLE | {"\u2028", "\u2029"}) & set(out)
    assert cell_len(out) == cell_len(text)
    assert out == "".join(" " if ch == "\u00ad" else ch for ch in text
                          if ch not in CONTROLS | INVISIBLE | {"\u2028", "\u2029"} or ch == "\u00ad")
