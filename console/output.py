"""What a partial repaint sends to the terminal: only the cells asked for.

Textual (8.2.8, pinned) writes a partial update from the left edge of each
widget the repaint touches, to the right end of the region asked for (its
``ChopsUpdate.render_segments`` says "TODO: crop to x extents"). A widget
that repaints two digits at its right end therefore resends its whole
width: the header counts (~250 bytes a second at 100,000 open, where a
count changes every second), the read time, and the last digit of every
ticking countdown sent as its whole cell. Over SSH, and for each of many
consoles on one host, those bytes are what the console costs.

``install()`` replaces that one method with the same loop that also crops
the start, so a region of two cells sends two cells (plus one cursor move
and the style codes). A crop never starts or ends inside a wide (CJK)
character: it takes the whole character (Textual's own end crop would write
half of one as a space).
"""

from __future__ import annotations

from rich.cells import get_character_cell_size
from rich.console import Console
from rich.control import Control
from textual import _compositor
from textual.strip import Strip


def _char_start(strip: Strip, cell: int) -> int:
    """``cell``, or the cell before it when it is the right half of a wide character."""
    pos = 0
    for segment in strip:
        text = segment.text
        width = segment.cell_length
        if pos + width > cell:
            if len(text) == width:  # all single-cell characters: any cell starts one
                return cell
            for char in text:
                size = get_character_cell_size(char)
                if pos + size > cell:
                    return pos
                pos += size
            return cell
        pos += width
    return cell


def render_segments(self: _compositor.ChopsUpdate, console: Console) -> str:
    """``ChopsUpdate.render_segments`` cropping each chop to the span on both sides."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = self.chops
    chop_ends = self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None or x >= x2 or end <= x1:
                continue
            start = _char_start(strip, x1 - x) if x1 > x else 0
            stop = min(end, x2) - x
            if stop < end - x and _char_start(strip, stop) < stop:
                stop += 1  # nor ends inside one: its right half comes too
            if start or stop < end - x:
                strip = strip.crop(start, stop)
            append(move_to(x + start, y).segment.text)
            append(strip.render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


_ORIGINAL = _compositor.ChopsUpdate.render_segments  # Textual's own, for comparison in tests


def install() -> None:
    _compositor.ChopsUpdate.render_segments = render_segments  # type: ignore[method-assign]
