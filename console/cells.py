"""Text fitted to terminal cells (CJK-aware), alone: console/cli/output.py's tables need only
these, and console/format.py brings the models (pydantic) that a command such as `dispatch hq
report` would import for nothing at start-up (bench/hq_report.py)."""

from __future__ import annotations

from rich.cells import cell_len


def fit_window(width: int) -> int:
    return width * 4 + 16


def cells_prefix(text: str, cells: int) -> str:
    """The longest start of ``text`` (at most ``fit_window`` characters of it)
    within ``cells`` cells: a bisection on the prefix length, since a prefix
    never measures wider than a longer one. O(width · log width)."""
    head = text[:fit_window(cells)]
    lo, hi = 0, len(head)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if cell_len(head[:mid]) <= cells:
            lo = mid
        else:
            hi = mid - 1
    return head[:lo]


def pad(text: str, width: int) -> str:
    """``text`` then spaces up to ``width`` terminal cells, never cut: labels
    in a column (a Chinese label is two cells a character, so ``:<16`` is not)."""
    return text + " " * max(0, width - cell_len(text))


def narrow(text: str) -> bool:
    """Every character one cell wide (printable ASCII is, without measuring)."""
    return (text.isascii() and text.isprintable()) or cell_len(text) == len(text)


def fit(text: str, width: int, right: bool = False) -> str:
    """Pad or cut to ``width`` terminal cells (CJK-aware, '…' marks a cut).
    Looks at no more than ``fit_window(width)`` characters of ``text``."""
    if width <= 0:
        return ""
    if len(text) <= width and text.isascii() and text.isprintable():  # one cell a character: no measuring
        pad = " " * (width - len(text))
        return pad + text if right else text + pad
    head = text[:fit_window(width)]
    if len(head) < len(text) or cell_len(head) > width:
        text = cells_prefix(head, width - 1) + "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad
