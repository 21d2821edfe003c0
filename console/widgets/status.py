"""The top line: counts, site clock, and whether the data is live.

Two widgets, because a repaint is sent from a widget's left edge: counts
change often at scale and should not resend the rest of the line."""

from __future__ import annotations

from pendulum import DateTime
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from store.models import QueueCounts
from store.text import clean

from ..i18n import _


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    StatusBar > #counts { width: auto; }
    StatusBar > #info { width: 1fr; text-align: right; }
    """

    def __init__(self, center: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.center = center
        self.counts: QueueCounts | None = None
        self.clock_text = ""
        self.live = ""
        self.alert = False
        self._counts_width = -1

    def compose(self) -> ComposeResult:
        yield Static("", id="counts")
        yield Static("", id="info")

    def set_counts(self, counts: QueueCounts) -> None:
        if counts == self.counts:
            return
        self.counts = c = counts
        text = Content("").join([
            Content(_("open {n}").format(n=c.open) + " · "),
            Content.styled(_("at risk {n}").format(n=c.at_risk), "$warning bold" if c.at_risk else "not bold"),
            Content(" · "),
            Content.styled(_("breached {n}").format(n=c.breached), "$error bold" if c.breached else "not bold"),
            Content(" · " + _("unassigned {n}").format(n=c.unassigned)),
        ])
        # A layout pass repaints the whole screen region around it: only when
        # the width changed (a count gained a digit), not on every crossing.
        width_changed = text.cell_length != self._counts_width
        self._counts_width = text.cell_length
        self.query_one("#counts", Static).update(text, layout=width_changed)

    def set_clock(self, now: DateTime, tz: str) -> None:
        # Minute resolution: the bar repaints once a minute, not every second.
        text = now.in_timezone(tz).format("HH:mm")
        if text != self.clock_text:
            self.clock_text = text
            self._render_info()

    def set_live(self, text: str, alert: bool = False) -> None:
        if (text, alert) != (self.live, self.alert):
            self.live, self.alert = text, alert
            self._render_info()

    def on_resize(self) -> None:
        self._render_info()

    def _render_info(self) -> None:
        parts: list[Content] = []
        if self.size.width >= 100:
            parts.append(Content.styled(clean(self.center, single_line=True) + "  ", "bold"))
        parts.append(Content(f"{self.clock_text} "))
        parts.append(Content.styled(self.live, "reverse bold" if self.alert else "dim"))
        self.query_one("#info", Static).update(Content("").join(parts), layout=False)
