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

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.cells import get_character_cell_size
from rich.console import Console
from rich.control import Control
from rich.segment import Segment
from textual import _compositor
from textual.geometry import Region
from textual.strip import Strip

if TYPE_CHECKING:
    from textual.widget import Widget


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
    _compositor.Compositor.render_partial_update = render_partial_update  # type: ignore[method-assign]


# ------------------------------------------------------------ partial renders
# Textual renders a partial update inside the bounding box of every region
# asked for, and each widget that box touches renders all its lines. The
# console's second asks for the countdown cells (left), the read time (top
# right) and a count or two (top): one box, the whole screen, every widget,
# every line (about half of a live second's CPU, issue 28). The regions are
# grouped instead (those that overlap or touch are one group) and each widget
# renders only the lines of a group it touches; what is sent is the same.
MAX_REGIONS = 64  # more than this (a scroll, a resize): Textual's own way, one box

_ORIGINAL_PARTIAL = _compositor.Compositor.render_partial_update


def groups(regions: Iterable[Region]) -> list[Region]:
    """The bounding boxes of the regions that overlap or touch one another
    (within one cell: Textual joins touching spans on a line into one)."""
    boxes: list[Region] = []
    for region in regions:
        box = region
        merged = True
        while merged:
            merged = False
            for i, other in enumerate(boxes):
                if box.grow((1, 1, 1, 1)).overlaps(other):
                    box = box.union(other)
                    del boxes[i]
                    merged = True
                    break
        boxes.append(box)
    return boxes


def _cells(widget: Widget, region: Region, shown: Region, top: int, bottom: int,
           sent: dict[int, tuple[int, int]]) -> tuple[int, int, list[list[Segment]]] | None:
    """For a widget with ``render_cells`` (the queue's countdowns): the columns
    sent on lines ``top``..``bottom`` (screen x1, x2) and each line's segments
    for just those columns (one cell of 47 lines, not 47 whole lines); None
    when the widget has no such method or declines."""
    render_cells = getattr(widget, "render_cells", None)
    if render_cells is None:
        return None
    x1 = max(shown.x, min(sent[y][0] for y in range(top, bottom) if y in sent))
    x2 = min(shown.right, max(sent[y][1] for y in range(top, bottom) if y in sent))
    cells = render_cells(Region(x1 - region.x, top - region.y, x2 - x1, bottom - top)) if x1 < x2 else None
    return None if cells is None else (x1, x2, cells)


def _render(widget: Widget, region: Region, shown: Region, top: int, bottom: int,
            cells: tuple[int, int, list[list[Segment]]] | None) -> list[Strip]:
    """Lines ``top``..``bottom`` of the widget's ``shown`` part, in screen
    columns: from ``cells`` where it has them (the rest of each line is
    blank, never sent), else rendered by the widget."""
    if cells is not None:
        x1, x2, rows = cells
        before = [Segment(" " * (x1 - shown.x))] if x1 > shown.x else []
        after = [Segment(" " * (shown.right - x2))] if x2 < shown.right else []
        return [Strip([*before, *segments, *after], shown.width) for segments in rows]
    return widget.render_lines(Region(shown.x - region.x, top - region.y, shown.width, bottom - top))


def _piece(cut: int, end: int, cells: tuple[int, int, list[list[Segment]]], row: int) -> Strip | None:
    """The chop from ``cut`` to ``end`` built from a line's cells alone when they
    lie inside it (blank around them, never sent): one Strip a line where a
    whole line and its division made three (Textual's Strip starts seven caches)."""
    x1, x2, rows = cells
    if not cut <= x1 < x2 <= end:
        return None
    before = [Segment(" " * (x1 - cut))] if x1 > cut else []
    after = [Segment(" " * (end - x2))] if x2 < end else []
    return Strip([*before, *rows[row], *after], end - cut)


def render_partial_update(self: _compositor.Compositor) -> _compositor.ChopsUpdate | None:
    """``Compositor.render_partial_update`` rendering each group of regions alone."""
    if not self._dirty_regions or len(self._dirty_regions) > MAX_REGIONS:
        return _ORIGINAL_PARTIAL(self)
    update_regions = self._dirty_regions.copy()
    self._dirty_regions.clear()
    screen = self.size.region
    spans = list(self._regions_to_spans(update_regions))
    rendered: dict[int, tuple[int, int]] = {}  # line -> the cells sent on it, first to last
    for y, x1, x2 in spans:
        was = rendered.get(y, (x1, x2))
        rendered[y] = (min(was[0], x1), max(was[1], x2))
    cuts = self.cuts
    chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
    visible = self.visible_widgets  # front to back: the first strip for a cut wins
    for box in groups(update_regions):
        crop = box.intersection(screen)
        if not crop:
            continue
        left, right = crop.column_span
        lines = [y for y in crop.line_range if y in rendered]
        for widget, (region, clip) in visible.items():
            shown = region.intersection(clip)
            if not crop.overlaps(shown):
                continue  # none of its cells is in the group
            first_cut, last_cut = shown.column_span
            # Only the cuts inside the group are taken from a render (every widget over
            # one of them touches the group, so the front one is among those rendered
            # here); a widget whose cuts there are all taken by widgets in front of it
            # (a container behind the queue) is not rendered at all.
            todo = {
                y: [(cut, end) for cut, end in zip(cuts[y], cuts[y][1:], strict=False)
                    if first_cut <= cut < last_cut and cut < right and end > left and chops[y].get(cut, False) is None]
                for y in lines if shown.y <= y < shown.bottom
            }
            todo = {y: wanted for y, wanted in todo.items() if wanted}
            if not todo:
                continue
            top, bottom = min(todo), max(todo) + 1
            cells = _cells(widget, region, shown, top, bottom, rendered)
            strips: list[Strip] | None = None
            for y, wanted in todo.items():
                line = chops[y]
                if cells is not None:
                    pieces = [_piece(cut, end, cells, y - top) for cut, end in wanted]
                    if None not in pieces:
                        line.update((cut, piece) for (cut, _end), piece in zip(wanted, pieces, strict=True))
                        continue
                if strips is None:
                    strips = _render(widget, region, shown, top, bottom, cells)
                strip = strips[y - top]
                final = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                ends = final[1:]  # divide() gives one piece per cut after the first
                taken = {cut for cut, _end in wanted}
                for cut, piece in zip(final, strip.divide([c - shown.x for c in ends]), strict=False):
                    if cut in taken:
                        line[cut] = piece
    chop_ends = [cut_set[1:] for cut_set in cuts]
    return _compositor.ChopsUpdate(chops, spans, chop_ends)
