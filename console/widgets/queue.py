"""The live queue: a Line API widget fed by a windowed query.

Only the rows near the viewport are held; the screen fetches windows from the
store in a worker. The 1-second tick recomputes countdown text from absolute
deadlines and repaints only the cells whose text changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pendulum import DateTime
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.models import QueueRow
from store.rules.countdown import STATE_SYMBOL, clock_label, row_clock
from store.rules.lifecycle import status_label
from store.text import LINE_LIMIT, clean

from ..cells import narrow
from ..format import fit
from ..i18n import N_, _
from .queue_columns import Column, SiteNames, layout


def _changed_cells(old: str, new: str) -> tuple[int, int]:
    """(first, end) of the cells where two countdown texts of the same cell
    width differ; the whole cell when either is not one cell a character."""
    if len(old) != len(new) or not narrow(new) or not narrow(old):
        return 0, cell_len(new)
    first = next((i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b), 0)
    end = len(new)
    while end > first + 1 and old[end - 1] == new[end - 1]:
        end -= 1
    return first, end


class QueueTable(ScrollView, can_focus=True):
    """Header line plus one line per ticket in queue order."""

    COMPONENT_CLASSES = {
        "queue--header", "queue--cursor", "queue--at-risk", "queue--breached",
        "queue--waiting", "queue--done", "queue--loading",
    }
    DEFAULT_CSS = """
    QueueTable { height: 1fr; overflow-x: hidden; }
    QueueTable > .queue--header { text-style: bold; background: $panel; }
    QueueTable > .queue--cursor { background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold; }
    QueueTable:blur > .queue--cursor { background: $block-cursor-blurred-background; text-style: none; }
    QueueTable > .queue--at-risk { color: $warning; text-style: bold; }
    QueueTable > .queue--breached { color: $error; text-style: bold reverse; }
    QueueTable > .queue--waiting { color: $text-muted; }
    QueueTable > .queue--done { color: $text-muted; text-style: italic; }
    QueueTable > .queue--loading { color: $text-muted; }
    """
    BINDINGS = [
        Binding("down,j", "cursor(1)", N_("Down"), show=False),
        Binding("up,k", "cursor(-1)", N_("Up"), show=False),
        Binding("pagedown", "page(1)", N_("Page down"), show=False),
        Binding("pageup", "page(-1)", N_("Page up"), show=False),
        Binding("home,g", "first", N_("First"), show=False),
        Binding("end,G", "last", N_("Last"), show=False),
        Binding("enter", "select", N_("Open"), show=True),
    ]

    cursor: reactive[int] = reactive(0, repaint=False)

    class Selected(Message):
        def __init__(self, ticket_id: int) -> None:
            self.ticket_id = ticket_id
            super().__init__()

    class WindowNeeded(Message):
        """Rows around ``offset`` are not loaded: the screen should fetch them."""

        def __init__(self, offset: int) -> None:
            self.offset = offset
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, QueueTable.WindowNeeded)

    def __init__(self, clock: Callable[[], DateTime], own_tick: bool = True, **kwargs: Any) -> None:
        """``own_tick=False``: the screen calls tick() from its own 1-second
        clock, so the countdowns and the clock repaint in one screen update."""
        super().__init__(**kwargs)
        self.clock = clock
        self.own_tick = own_tick
        self.total = 0
        self.start = 0
        self.rows: list[QueueRow] = []
        self._drawn: dict[int, tuple[str, str | None]] = {}  # screen line -> (countdown, state)
        self._wanted: int | None = None
        self.empty_text = _("No open tickets.")
        self._styles: dict[str, Style] = {}
        self._cols: tuple[int, list[tuple[Column, int, int]]] | None = None
        # Per ticket: (its version, its escalation mark) -> the cells that do
        # not change with time. An escalation fired or acknowledged changes the
        # mark without changing the ticket's version.
        self._tails: dict[int, tuple[tuple[int, int | None], str]] = {}
        # Column widths and site shortening follow the names loaded; both
        # change only in set_rows, never on the tick.
        self._wants: dict[str, int] = {}
        self._sites = SiteNames()

    def on_mount(self) -> None:
        if self.own_tick:
            self.set_interval(1.0, self.tick, name="countdown")

    def on_focus(self) -> None:
        self._styles.clear()

    def on_blur(self) -> None:
        self._styles.clear()

    # ---------------------------------------------------------------- data
    @property
    def window(self) -> int:
        return max(10, self.scrollable_content_region.height) * 3

    def set_rows(self, total: int, offset: int, rows: list[QueueRow], cursor: int | None = None) -> None:
        self._wanted = None
        target = self.cursor if cursor is None else cursor
        target = max(0, min(target, total - 1))
        if (total, offset, rows) == (self.total, self.start, self.rows):
            self.cursor = target  # same data: repaint nothing (bytes over SSH)
            return
        top = int(self.scroll_offset.y)
        height = self.scrollable_content_region.height
        before = [self._line_content(top + y - 1) for y in range(1, height)]
        self.total, self.start, self.rows = total, offset, rows
        # The cells built per row are kept for the rows loaded only: kept by
        # ticket id they grew with every row ever scrolled past.
        self._tails = {r.id: self._tails[r.id] for r in rows if r.id in self._tails}
        sized = self._size_columns(rows)
        self.virtual_size = Size(0, total + 1)  # never wider than the view
        self.cursor = target
        if sized or not self.total or not before or before[0] is None:
            self._drawn.clear()
            self.refresh()
            return
        # Repaint only the lines whose row changed (another console's one
        # reassignment is one line, not the whole view: bytes over SSH).
        width = self.scrollable_content_region.width
        for y, was in enumerate(before, start=1):
            now = self._line_content(top + y - 1)
            if now != was:
                self._drawn.pop(y, None)
                if isinstance(now, QueueRow):
                    self._tails.pop(now.id, None)
                self.refresh(Region(0, y, width, 1))

    def _line_content(self, index: int) -> QueueRow | str | None:
        """What decides a queue line's text: its row, or past the end / not loaded."""
        if index >= self.total:
            return "end"
        return self.row_at(index)

    def _size_columns(self, rows: list[QueueRow]) -> bool:
        """Widths from the rows loaded (a few hundred at most, only when data
        changed); a change drops the cached layout and tails (and says so)."""
        if not rows:
            return False  # keep the last sizes: an empty filter result should not reshuffle
        sites = [clean(r.site_name, single_line=True, limit=LINE_LIMIT) for r in rows]
        wants = {
            "site": max(map(cell_len, sites)),
            "equip": max(cell_len(clean(r.equipment_tag, single_line=True, limit=LINE_LIMIT)) for r in rows),
            "tech": max(cell_len(clean(r.technician_name, single_line=True, limit=LINE_LIMIT) or "—") for r in rows),
        }
        learnt = SiteNames.learn(sites)
        if (wants, learnt) != (self._wants, self._sites):
            self._wants, self._sites = wants, learnt
            self._cols = None
            self._tails.clear()
            return True
        return False

    def language_changed(self) -> None:
        """Headers and status words are translated when a layout or a row's
        cells are built: build them again in the language now in use."""
        self._cols = None
        self._tails.clear()
        self.refresh()

    def row_at(self, index: int) -> QueueRow | None:
        i = index - self.start
        return self.rows[i] if 0 <= i < len(self.rows) else None

    @property
    def current(self) -> QueueRow | None:
        return self.row_at(self.cursor) if self.total else None

    def wanted_offset(self) -> int:
        """The window start that keeps the viewport in the middle of the cache."""
        return max(0, int(self.scroll_offset.y) - self.window // 3)

    def _ensure_loaded(self) -> None:
        top = int(self.scroll_offset.y)
        bottom = min(self.total, top + self.scrollable_content_region.height)
        loaded = self.start <= top and bottom <= self.start + len(self.rows)
        if not loaded and self.total and self._wanted != self.wanted_offset():
            self._wanted = self.wanted_offset()
            self.post_message(self.WindowNeeded(self._wanted))

    # -------------------------------------------------------------- cursor
    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        for idx in (old, new):
            y = idx - int(self.scroll_offset.y) + 1
            if 0 < y < self.scrollable_content_region.height:
                self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    def _scroll_to_cursor(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._drawn.clear()
        self._ensure_loaded()

    def action_cursor(self, delta: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.scrollable_content_region.height - 2))

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = max(0, self.total - 1)

    def action_select(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Selected(row.id))

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", 0)
        if y >= 1:
            index = int(self.scroll_offset.y) + y - 1
            if index < self.total:
                if index == self.cursor and getattr(event, "chain", 1) >= 2:
                    self.action_select()
                self.cursor = index

    # --------------------------------------------------------------- paint
    def tick(self) -> None:
        """Repaint only the countdown cells whose text changed (whole line if the state did)."""
        now = self.clock().timestamp()
        width = self.scrollable_content_region.width
        cols = {c.key: (x, w) for c, x, w in self._layout(width)}
        x, w = cols["left"]
        top = int(self.scroll_offset.y)
        cells: list[tuple[int, int, int]] = []  # (line, first, end) of the changed cells
        for y in range(1, self.scrollable_content_region.height):
            row = self.row_at(top + y - 1)
            if row is None:
                continue
            text, state = row_clock(row, now)
            drawn = self._drawn.get(y)
            if drawn is None or drawn == (text, state):
                continue
            if drawn[1] != state:
                self.refresh(Region(0, y, width, 1))
            else:
                cells.append((y, *_changed_cells(fit(drawn[0], w, right=True), fit(text, w, right=True))))
        # One rectangle per run of adjacent lines whose changed cells are the
        # same (worst case, every visible countdown changing each second, is
        # one region of one cell's width most seconds: the last digit).
        start = 0
        for n, (y, first, end) in enumerate(cells):
            following = cells[n + 1] if n + 1 < len(cells) else None
            if following is None or following != (y + 1, first, end):
                self.refresh(Region(x + first, cells[start][0], end - first, y - cells[start][0] + 1))
                start = n + 1

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        # Cached here: Widget.refresh() empties Textual's own style cache on
        # every partial repaint, which the tick does each second.
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.rich_style + self.get_component_rich_style(name)
        return style

    def _layout(self, width: int) -> list[tuple[Column, int, int]]:
        if self._cols is None or self._cols[0] != width:
            self._cols = (width, layout(width, self._wants))
            self._tails.clear()
        return self._cols[1]

    def _tail(self, row: QueueRow, cols: list[tuple[Column, int, int]], width: int) -> str:
        """The columns that do not change with time, built once per row version."""
        cached = self._tails.get(row.id)
        if cached is not None and cached[0] == (row.version, row.esc_level):
            return cached[1]
        w_site = next((w for c, _x, w in cols if c.key == "site"), 0)
        values = {
            "id": f"#{row.id}",
            "prio": f"P{row.priority}",
            "esc": f"↑{row.esc_level}" if row.esc_level else "",
            "status": status_label(row.status, row.arrival_mode),
            "site": self._sites.fit(clean(row.site_name, single_line=True, limit=LINE_LIMIT), w_site),
            "equip": clean(row.equipment_tag, single_line=True, limit=LINE_LIMIT),
            "fault": ("↻ " if row.repeat_of else "") + clean(row.description, single_line=True, limit=LINE_LIMIT),
            "tech": clean(row.technician_name, single_line=True, limit=LINE_LIMIT) or "—",
        }
        first = next(x for c, x, _w in cols if c.key in values)
        tail = fit(" ".join(fit(values[c.key], w) for c, _x, w in cols if c.key in values), width - first)
        self._tails[row.id] = ((row.version, row.esc_level), tail)
        return tail

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        cols = self._layout(width)
        if y == 0:
            text = " ".join(fit(c.title, w, right=c.key == "left") for c, _x, w in cols)
            return Strip([Segment(fit(text, width), self._style("queue--header"))], width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.total:
            if self.total == 0 and y == 1:
                return Strip([Segment(fit(" " + self.empty_text, width), self._style("queue--loading"))], width)
            return Strip.blank(width, self.rich_style)
        row = self.row_at(index)
        if row is None:
            self._ensure_loaded()
            return Strip([Segment(fit(" …", width), self._style("queue--loading"))], width)
        left, state = row_clock(row, self.clock().timestamp())
        self._drawn[y] = (left, state)
        style = self._row_style(self._kind(row), state, index == self.cursor)
        head = {"sym": STATE_SYMBOL.get(state or "ok", " "), "left": left, "clock": clock_label(row.next_clock)}
        # Cells of known width: no need to measure the whole line again.
        text = " ".join(fit(head[c.key], w, right=c.key == "left") for c, _x, w in cols if c.key in head)
        # Two segments: cropping the line to the countdown cell (the tick's
        # repaint) measures each one, and the tail's width is cached by text.
        return Strip([Segment(text + " ", style), Segment(self._tail(row, cols, width), style)], width)

    def render_cells(self, crop: Region) -> list[list[Segment]] | None:
        """The tick's repaint, drawn straight (console/output.py asks a widget
        for just the cells a partial update sends): a crop within the
        countdown column of loaded rows is that column's text, cut (the
        segments of each line, filtered as Textual filters a line). Textual's
        own path renders each of those lines whole (47 of them a second with
        every row ticking), then cuts them. None when the crop is anything
        else, or when the widget's styles would change what is drawn (padding,
        border, tint, opacity: Textual's path applies them).

        The lines stay marked dirty in Textual's line cache, so the next whole
        repaint draws them afresh."""
        if crop.y < 1:
            return None
        width = self.scrollable_content_region.width
        x, w = next(((x, w) for c, x, w in self._layout(width) if c.key == "left"), (0, 0))
        if crop.x < x or crop.right > x + w or not self._plain():
            return None
        top = int(self.scroll_offset.y)
        now = self.clock().timestamp()
        cells = []
        for y in crop.line_range:
            index = top + y - 1
            row = self.row_at(index) if index < self.total else None
            if row is None:
                return None
            left, state = row_clock(row, now)
            text = fit(left, w, right=True)
            if not narrow(text):  # a wide character: cut by cells, Textual's way
                return None
            cells.append((y, left, state, text[crop.x - x:crop.right - x],
                          self._row_style(self._kind(row), state, index == self.cursor)))
        filters = self.get_line_filters()
        background = self.background_colors[1]
        lines = []
        for y, left, state, part, style in cells:
            self._drawn[y] = (left, state)
            segments = [Segment(part, style)]
            for line_filter in filters:  # as Strip.apply_filter, without a Strip each
                segments = line_filter.apply(segments, background)
            lines.append(segments)
        return lines

    def _plain(self) -> bool:
        """Nothing in the widget's styles that Textual's line path would add
        (asked each time: an ancestor's opacity is not this widget's style)."""
        styles = self.styles
        return (not any(styles.gutter) and not styles.tint.a and styles.text_opacity == 1.0
                and self.opacity == 1.0 and not (styles.has_rule("hatch") and styles.hatch != "none"))

    @staticmethod
    def _kind(row: QueueRow) -> str:
        return "done" if row.next_clock is None else ("waiting" if row.status == "waiting" else "")

    def _row_style(self, kind: str, state: str | None, cursor: bool) -> Style:
        key = f"row:{kind}:{state}:{cursor}"
        style = self._styles.get(key)
        if style is None:
            style = self.rich_style
            if kind:
                style += self.get_component_rich_style(f"queue--{kind}")
            if state == "at_risk":
                style += self.get_component_rich_style("queue--at-risk")
            elif state == "breached":
                style += self.get_component_rich_style("queue--breached")
            if cursor:
                style += self.get_component_rich_style("queue--cursor")
            self._styles[key] = style
        return style
