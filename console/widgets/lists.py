"""The lists every list screen shows (console/screens/listing.py), with the
keys and the cursor mark the queue has.

- Keys: j/k and ↓/↑ move, g/Home and G/End go to the first and the last
  row. Textual's DataTable binds neither j/k nor g/G, and its Home/End
  scroll sideways instead of moving the cursor.
- A cursor mark: "▶" in a two-cell gutter beside the selected row, so the
  selection does not rest on colour alone (NO_COLOR, monochrome terminals).
- Ticks: a checkbox or a selection list shows "✓" when ticked and nothing
  when not; Textual draws an "X" in both states and lets colour tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.strip import Strip
from textual.widgets import Checkbox, DataTable, OptionList, SelectionList
from textual.widgets._toggle_button import ToggleButton

from ..i18n import N_
from .table import Table

CURSOR_MARK = "▶"
TICK = "✓"
GUTTER = 2  # the mark and a space

# The same moves everywhere; each list names its own actions for them.
MOVE_KEYS: list[BindingType] = [
    Binding("j", "cursor_down", N_("Down"), show=False),
    Binding("k", "cursor_up", N_("Up"), show=False),
    Binding("g,home", "first", N_("First"), show=False),
    Binding("G,end", "last", N_("Last"), show=False),
]


def _gutter(mark: bool, style: Style | None) -> Strip:
    return Strip([Segment(CURSOR_MARK + " " if mark else " " * GUTTER, style)], GUTTER)


class ListTable(Table):
    """A DataTable of rows (cursor_type "row"), with the list keys and the cursor mark."""

    BINDINGS = MOVE_KEYS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(*args, **kwargs)

    def action_first(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)

    @property
    def _row_label_column_width(self) -> int:
        # The gutter counts in the table's width, so sideways scrolling reaches the last column.
        return int(super()._row_label_column_width) + GUTTER

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        width = self.size.width
        mark = False
        fixed = self.header_height if self.show_header else 0
        if y >= fixed:
            try:
                # Textual's own mapping from a line to its row (private, as in
                # Textual 8.2.8; the version is pinned in pyproject.toml).
                row_key, offset = self._get_offsets(y + self.scroll_offset.y)
                mark = offset == 0 and self.row_count > 0 and self.get_row_index(row_key) == self.cursor_row
            except LookupError:  # a line below the last row
                pass
        # The gutter takes the row's own style: the cursor row's band runs through it.
        style = next(iter(line)).style if line.cell_length else self.rich_style
        return Strip.join([_gutter(mark, style), line.crop(0, max(0, width - GUTTER))])


def room_left(table: DataTable[Any], widths: list[int], least: int) -> int:
    """The cells one column may take beside columns of ``widths`` in ``table``
    as wide as it is now: every column also takes the table's padding on both
    sides, and the cursor gutter and a vertical scrollbar stay free. At least
    ``least`` (before the first layout the table has no width)."""
    pad = 2 * table.cell_padding
    used = sum(w + pad for w in widths) + pad + GUTTER + table.styles.scrollbar_size_vertical
    return max(least, table.size.width - used)


def fill(table: DataTable[Any], heads: Sequence[str], rows: Sequence[tuple[Sequence[Text], str | None]],
         names: Sequence[int] = (), least: int = 6) -> None:
    """Put ``rows`` (cells, key) in ``table``, each column as wide as its
    widest cell in terminal cells (a CJK character takes two), set from the
    start rather than measured later. When that is wider than the table, only
    the ``names`` columns give way, cut with "…" (to ``least`` cells at
    most), so a number is never cut. The cursor stays on its row."""
    widths = [max([cell_len(h), *(cells[i].cell_len for cells, _key in rows)]) for i, h in enumerate(heads)]
    if names and table.size.width:
        pad = 2 * table.cell_padding
        over = sum(w + pad for w in widths) + GUTTER + table.styles.scrollbar_size_vertical - table.size.width
        while over > 0:
            wide = max(names, key=lambda i: widths[i])
            if widths[wide] <= max(least, cell_len(heads[wide])):
                break
            widths[wide] -= 1
            over -= 1
    row = table.cursor_row
    table.clear(columns=True)
    for head, width in zip(heads, widths, strict=True):
        table.add_column(Text(head), width=width)
    for cells, key in rows:
        shown = []
        for i, cell in enumerate(cells):
            if cell.cell_len > widths[i]:
                cell = cell.copy()
                cell.truncate(widths[i], overflow="ellipsis")
            shown.append(cell)
        table.add_row(*shown, key=key)
    if rows:
        table.move_cursor(row=min(max(row, 0), len(rows) - 1), animate=False)


class ListOptions(OptionList):
    """An OptionList with the list keys and the cursor mark."""

    BINDINGS = MOVE_KEYS

    def _get_left_gutter_width(self) -> int:
        return GUTTER

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        try:
            index, offset = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return Strip.join([_gutter(False, self.rich_style), line])
        style = next(iter(line)).style if line.cell_length else self.rich_style
        return Strip.join([_gutter(index == self.highlighted and offset == 0, style), line])

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self.refresh()  # the mark leaves the old line too


class TickBox(Checkbox):
    """A checkbox showing ✓ when ticked and a blank when not."""

    @property  # Textual reads a class attribute: a property lets the mark follow the value
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return TICK if self.value else " "


class TickList(SelectionList[Any]):
    """A selection list whose boxes show ✓ or a blank, and "▶" before the highlighted option."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        index = self.scroll_offset.y + y
        if index >= self.option_count:
            return line
        ticked = self.get_option_at_index(index).value in self._selected
        segments = list(line)
        if len(segments) < 3 or segments[1].text != ToggleButton.BUTTON_INNER:
            return line  # not the box Textual 8.2.8 draws: leave it
        left, inner = segments[0], segments[1]
        if index == self.highlighted:
            left = Segment(CURSOR_MARK, left.style)
        segments[0], segments[1] = left, Segment(TICK if ticked else " ", inner.style)
        return Strip(segments, line.cell_length)
