"""The top line: counts, site clock, and whether the data is live."""

from __future__ import annotations

from pendulum import DateTime
from textual.content import Content
from textual.widgets import Static

from store.models import QueueCounts
from store.text import clean

from ..i18n import _


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, center: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.center = center
        self.counts: QueueCounts | None = None
        self.clock_text = ""
        self.live = ""
        self.alert = False

    def set_counts(self, counts: QueueCounts) -> None:
        if counts != self.counts:
            self.counts = counts
            self._render_bar()

    def set_clock(self, now: DateTime, tz: str) -> None:
        # Minute resolution: the bar repaints once a minute, not every second.
        text = now.in_timezone(tz).format("HH:mm")
        if text != self.clock_text:
            self.clock_text = text
            self._render_bar()

    def set_live(self, text: str, alert: bool = False) -> None:
        if (text, alert) != (self.live, self.alert):
            self.live, self.alert = text, alert
            self._render_bar()

    def on_resize(self) -> None:
        self._render_bar()

    def _render_bar(self) -> None:
        c = self.counts
        parts: list[Content] = []
        if self.size.width >= 100:
            parts.append(Content.styled(clean(self.center, single_line=True) + "  ", "bold"))
        if c is not None:
            parts += [
                Content(_("open {n}").format(n=c.open) + " · "),
                Content.styled(_("at risk {n}").format(n=c.at_risk), "$warning bold" if c.at_risk else "not bold"),
                Content(" · "),
                Content.styled(_("breached {n}").format(n=c.breached), "$error bold" if c.breached else "not bold"),
                Content(" · " + _("unassigned {n}").format(n=c.unassigned)),
            ]
        parts.append(Content(f"  {self.clock_text} "))
        parts.append(Content.styled(self.live, "reverse bold" if self.alert else "dim"))
        self.update(Content("").join(parts), layout=False)  # one line: no layout pass
