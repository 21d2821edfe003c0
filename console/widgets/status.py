"""The top line: counts, site clock, and whether the data is live.

Three widgets, because a repaint is sent from a widget's left edge: counts
change often at scale and should not resend the rest of the line, and the
read time (every poll, each second) goes out as its own ~15 cells.

When the line is narrow, what matters survives longest: READ-ONLY and whom
the writes are for (a manager acting for someone: "acting for mei.lin"),
the live state (STALE / PAUSED / read time), then the counts, the clock, the
center name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pendulum import DateTime
from rich.cells import cell_len
from rich.segment import Segment
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Static

from store.models import QueueCounts
from store.text import LINE_LIMIT, clean
from store.timeutil import zone

from ..i18n import _, ngettext

if TYPE_CHECKING:
    from store.repo.handover import Note  # (the first poll reads it: not imported for the first frame)


class Part(Static):
    """One part of the bar whose text changes often (the counts, the read
    time): a new text of the same width and styles repaints only the cells
    that changed, not the whole part (at 100,000 open the counts change every
    second: ~290 bytes a second for the line, a few for the digits)."""

    def __init__(self, id: str) -> None:
        super().__init__(id=id)
        self.text = Content("")

    def render(self) -> Content:
        return self.text

    def render_line(self, y: int) -> Strip:
        """The one line, built straight from the Content: Textual's general
        path for a widget's text (layout, wrapping, alignment, links) was a
        fifth of a live second's CPU for these two parts, redrawn each second
        at scale. The same segments: the same styles, offsets and width."""
        width = self.size.width
        style = self.visual_style
        if y or not width or self.text_selection is not None:  # a selection: Textual draws it
            return super().render_line(y)
        self._dirty_regions.clear()  # as Textual's own render does (they are kept for it alone)
        segments = []
        x = 0
        for text, text_style in self.text.render(style, end="", parse_style=self._get_style):
            segments.append(Segment(text, (style + text_style).rich_style_with_offset(x, 0)))
            x += len(text)
        strip = Strip(segments, self.text.cell_length)
        return strip if strip.cell_length == width else strip.adjust_cell_length(width, style.rich_style)

    def show(self, content: Content, layout: bool) -> None:
        old, self.text = self.text, content
        if layout or old.cell_length != content.cell_length or old.spans != content.spans:
            self.refresh(layout=layout)
            return
        a, b = old.plain, content.plain
        if len(a) != len(b):  # same width in other characters (wide ones): all of it
            self.refresh()
            return
        first = next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), None)
        if first is None:
            return
        last = len(b)
        while a[last - 1] == b[last - 1]:
            last -= 1
        x = cell_len(b[:first])
        self.refresh(Region(x, 0, cell_len(b[first:last]) or 1, 1))


def note_header(note: Note, tz: str) -> str:
    """A handover note in one line: "handover from mei.lin, 18:00: 3 items"."""
    return ngettext("handover from {by}, {at}: {n} item", "handover from {by}, {at}: {n} items", note.items).format(
        by=clean(note.by, single_line=True, limit=LINE_LIMIT), at=note.at.in_timezone(zone(tz)).format("HH:mm"),
        n=note.items)


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    StatusBar > #counts { width: auto; }
    StatusBar > #info { width: 1fr; text-align: right; }
    StatusBar > #live { width: auto; }
    """

    def __init__(self, center: str, read_only: bool = False, acting_for: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.center = center
        # A read-only file or a viewer: said first, and kept longest.
        self.read_only = read_only
        # Whom the writes are for when a manager acts for someone (--actor, DISPATCH_ACTOR): kept as long.
        self.acting_for = clean(acting_for, single_line=True, limit=LINE_LIMIT)
        self.counts: QueueCounts | None = None
        self.clock_text = ""
        self.live = ""
        self.alert = False
        self._shown: tuple[Content, Content, Content] | None = None
        self.due = (0, 0)  # my due callbacks, my overdue improvement items
        self.escalations = 0  # escalations waiting for me to acknowledge (issue 24)
        self.failed = 0  # messages given up on (managers: 'M' shows them)
        self.low_parts = 0  # spare parts below their minimum ('P' lists them)
        self.handover: tuple[str, str] | None = None  # the note left for me, long and short ('H' opens it)
        # The counts' two forms and what they were built from: the read time is
        # laid out every second, the counts change far less often.
        self._forms: tuple[tuple[object, ...], list[Content]] | None = None
        self._held = 0  # inside together(): the line is laid out once, at its end
        self._asked = False  # a change came while held

    @contextmanager
    def together(self) -> Iterator[None]:
        """Several changes laid out and drawn once (the clock tick's read time
        and counts: each layout of the line is a few hundred microseconds)."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held and self._asked:
                self._show_parts()

    def compose(self) -> ComposeResult:
        yield Part(id="counts")
        yield Static("", id="info")
        yield Part(id="live")

    def set_counts(self, counts: QueueCounts) -> None:
        if counts != self.counts:
            self.counts = counts
            self._show_parts()

    def set_due(self, calls: int, items: int) -> None:
        if (calls, items) != self.due:
            self.due = (calls, items)
            self._show_parts()

    def set_escalations(self, waiting: int) -> None:
        if waiting != self.escalations:
            self.escalations = waiting
            self._show_parts()

    def _escalation_part(self, short: bool) -> list[Content]:
        """The escalations waiting for me, in words with the key that lists
        them ("↑ 2 escalations (E)"), without the key when the line is narrow; nothing when none."""
        n = self.escalations
        if not n:
            return []
        text = (ngettext("↑{n} escalation", "↑{n} escalations", n) if short else
                ngettext("↑ {n} escalation (E)", "↑ {n} escalations (E)", n)).format(n=n)
        return [Content.styled(text, "$error bold")]

    def set_failed(self, n: int) -> None:
        if n != self.failed:
            self.failed = n
            self._show_parts()

    def set_low_parts(self, n: int) -> None:
        if n != self.low_parts:
            self.low_parts = n
            self._show_parts()

    def set_handover(self, note: Note | None, tz: str) -> None:
        """The handover note someone left and I have not opened: "✎ handover
        from mei.lin, 18:00: 3 items (H)", short "✎ mei.lin 18:00 (H)"."""
        texts = None
        if note is not None:
            by = clean(note.by, single_line=True, limit=LINE_LIMIT)
            texts = (f"✎ {note_header(note, tz)} (H)", f"✎ {by} {note.at.in_timezone(tz).format('HH:mm')} (H)")
        if texts != self.handover:
            self.handover = texts
            self._show_parts()

    def _handover_part(self, short: bool) -> list[Content]:
        return [] if self.handover is None else [Content.styled(self.handover[1 if short else 0], "bold")]

    def _due_parts(self, short: bool) -> list[Content]:
        """My own work, as symbols with words (☎ callbacks due, ⚑ items overdue, ✉ messages
        given up on); nothing when none."""
        calls, items = self.due
        out = []
        if self.failed:
            out.append(Content.styled(f"✉✗ {self.failed}" if short else ngettext(
                "✉ {n} message failed", "✉ {n} messages failed", self.failed).format(n=self.failed), "$error bold"))
        if calls:
            out.append(Content.styled(f"☎ {calls}" if short else _("☎ {n} due").format(n=calls), "bold"))
        if items:
            out.append(Content.styled(f"⚑ {items}" if short else _("⚑ {n} overdue").format(n=items), "$error bold"))
        if self.low_parts:  # the words say it, the colour only adds to them
            n = self.low_parts
            out.append(Content.styled(ngettext("⚠ {n} part low", "⚠ {n} parts low", n).format(n=n) if not short
                                      else _("⚠ {n} low").format(n=n), "$warning bold"))
        return out

    def set_clock(self, now: DateTime, tz: str) -> None:
        # Minute resolution: the bar repaints once a minute, not every second.
        text = now.in_timezone(zone(tz)).format("HH:mm")
        if text != self.clock_text:
            self.clock_text = text
            self._show_parts()

    def set_live(self, text: str, alert: bool = False) -> None:
        if (text, alert) != (self.live, self.alert):
            self.live, self.alert = text, alert
            self._show_parts()

    def set_acting_for(self, login: str) -> None:
        """Whom the writes are for, when not the one at the keyboard ("" : themselves)."""
        login = clean(login, single_line=True, limit=LINE_LIMIT)
        if login != self.acting_for:
            self.acting_for = login
            self._show_parts()

    def on_resize(self) -> None:
        self._show_parts()

    def redraw(self) -> None:
        """Build the line again (the language changed: the words are new)."""
        self._forms = None
        self._show_parts()

    def _counts_forms(self) -> list[Content]:
        """The counts, long then short (the queue's own '!' and '✗' symbols), built
        again only when what they show changed."""
        key = (self.counts, self.due, self.failed, self.low_parts, self.escalations, self.handover)
        if self._forms is None or self._forms[0] != key:
            self._forms = (key, self._build_counts_forms())
        return self._forms[1]

    def _build_counts_forms(self) -> list[Content]:
        c = self.counts
        if c is None:
            return [Content("")]
        risk = "$warning bold" if c.at_risk else "not bold"
        breached = "$error bold" if c.breached else "not bold"
        sep = Content(" · ")
        return [
            sep.join([
                *self._handover_part(False),
                *self._escalation_part(False),
                *self._due_parts(False),
                Content(_("open {n}").format(n=c.open)),
                Content.styled(_("at risk {n}").format(n=c.at_risk), risk),
                Content.styled(_("breached {n}").format(n=c.breached), breached),
                Content(_("unassigned {n}").format(n=c.unassigned)),
            ]),
            sep.join([
                *self._handover_part(True),
                *self._escalation_part(True),
                *self._due_parts(True),
                Content(_("open {n}").format(n=c.open)),
                Content.styled(f"! {c.at_risk}", risk),
                Content.styled(f"✗ {c.breached}", breached),
                Content(_("unassigned {n}").format(n=c.unassigned)),
            ]),
        ]

    def layout_parts(self, width: int) -> tuple[Content, Content]:
        """(counts, info) in ``width`` cells; info ends with the live state."""
        counts, rest, state = self._layout_parts(width)
        return counts, rest + state

    def _layout_parts(self, width: int) -> tuple[Content, Content, Content]:
        """(counts, center and clock, live state) in ``width`` cells, giving room in this order: the
        live state's first word (STALE, PAUSED, or the whole read time),
        the counts, the clock, the rest of the state (the STALE reason), the
        center name."""
        first = [_("READ-ONLY")] if self.read_only else []
        if self.acting_for:
            first.append(_("acting for {login}").format(login=self.acting_for))
        live = " · ".join([*first, self.live])
        head = live.partition(": ")[0] if ": " in live else live
        room = width - cell_len(head)
        forms = self._counts_forms()
        clock = f"{self.clock_text} " if self.clock_text else ""
        # The counts in full if the clock fits beside them, else in short;
        # the clock goes only when even the short form needs its room.
        fitting = [f for f in forms if f.cell_length + 1 + len(clock) <= room]
        if not fitting:
            clock = ""
            fitting = [f for f in forms if f.cell_length + 1 <= room]
        counts = fitting[0] if fitting else forms[-1].truncate(max(0, room - 1), ellipsis=True)
        room -= (counts.cell_length + 1 if counts.cell_length else 0) + len(clock)
        rest = cell_len(live) - cell_len(head)
        state = Content.styled(live, "reverse bold" if self.alert else "dim")
        if rest <= room:
            room -= rest
        elif room >= 10:  # part of the reason, marked as cut
            state, room = state.truncate(cell_len(head) + room, ellipsis=True), 0
        else:
            state = Content.styled(head, "reverse bold" if self.alert else "dim")
        parts: list[Content] = []
        center = clean(self.center, single_line=True, limit=LINE_LIMIT)
        # Set off by two spaces on each side; shown only if 8 cells (or all of it) fit.
        if center and room >= min(cell_len(center), 8) + 4:
            name = Content.styled(center, "bold").truncate(room - 4, ellipsis=True)
            # Trailing spaces vanish in a right-aligned line: the gap goes before the clock.
            parts.append(Content("  ") + name + Content("  " if not clock else ""))
        parts.append(Content(("  " if clock and parts else "") + clock))
        return counts, Content("").join(parts), state

    def _show_parts(self) -> None:
        if self._held:
            self._asked = True
            return
        self._asked = False
        width = self.size.width
        if not width or not self.is_mounted:
            return
        counts, info, live = self._layout_parts(width)
        old = self._shown
        self._shown = (counts, info, live)
        if old is None or counts != old[0]:
            # A layout pass repaints the whole screen region around it: only
            # when the width changed (a count gained a digit), not on every crossing.
            width_changed = old is None or counts.cell_length != old[0].cell_length
            self.query_one("#counts", Part).show(counts, layout=width_changed)
        if old is None or info != old[1]:
            self.query_one("#info", Static).update(info, layout=False)
        if old is None or live != old[2]:
            # Same width (the next read time): only these cells are sent.
            self.query_one("#live", Part).show(live, layout=old is None or live.cell_length != old[2].cell_length)
