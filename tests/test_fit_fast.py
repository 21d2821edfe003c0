"""console/cells.py ``fit`` and ``narrow`` skip measuring text of printable
ASCII (one cell a character; the tick fits 47 countdowns twice a second):
what they answer is what measuring every character answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from console.cells import cells_prefix, fit, narrow

# ASCII (control characters among them), wide CJK, combining marks, emoji.
TEXT = st.text(st.one_of(st.characters(max_codepoint=0x7F), st.sampled_from("中文\u0301é😀\u200b")), max_size=30)


def measured(text: str, width: int, right: bool) -> str:
    """``fit`` as it was, measuring always."""
    if width <= 0:
        return ""
    head = text[: width * 4 + 16]
    if len(head) < len(text) or cell_len(head) > width:
        text = cells_prefix(head, width - 1) + "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


@given(TEXT, st.integers(-1, 40), st.booleans())
def test_fit_is_what_measuring_gives(text: str, width: int, right: bool) -> None:
    assert fit(text, width, right) == measured(text, width, right)


@given(TEXT)
def test_narrow_is_one_cell_a_character(text: str) -> None:
    assert narrow(text) == (cell_len(text) == len(text))


def test_the_cases_that_differ_from_len() -> None:
    assert not narrow("中") and not narrow("a\u0301") and not narrow("\x07") and narrow("12:05") and narrow("")
    assert fit("\x07ab", 3) == measured("\x07ab", 3, False)  # a control character is no cell: measured, not counted
