"""Technician board: on-duty technicians by team, their open load and current ticket.

A Line API widget: a poll where one technician's load changes repaints that
technician's line only. (A Static re-renders and resends its whole region on
every update — 47 lines a poll in a busy center, most of the console's bytes.)
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.models import Technician
from store.text import LINE_LIMIT, clean

from ..format import fit
from ..i18n import _

# One board line: its text and how it is shown ("title", "team", "idle", "" or "off").
Line = tuple[str, str]

_KIND_STYLE = {
    "title": Style(bold=True),
    "team": Style(underline=True),
    "idle": Style(dim=True),
    "off": Style(dim=True),
}


def board_lines(techs: list[Technician]) -> list[Line]:
    lines: list[Line] = [(_("Technicians on duty"), "title"), ("", "")]
    team = None
    off = 0
    for t in techs:
        if not t.on_duty:
            off += 1
            continue
        if t.team_name != team:
            if team is not None:
                lines.append(("", ""))
            team = t.team_name
            lines.append((clean(team, single_line=True, limit=LINE_LIMIT), "team"))
        current = f" #{t.current_ticket}" if t.current_ticket else ""
        text = f"{fit(clean(t.name, single_line=True, limit=LINE_LIMIT), 12)} {t.open_load:>2}{current}"
        lines.append((text, "idle" if t.open_load == 0 else ""))
    if off:
        lines += [("", ""), (_("{n} off duty").format(n=off), "off")]
    return lines


class TechBoard(ScrollView):
    DEFAULT_CSS = """
    TechBoard { width: 30; height: 1fr; border-left: vkey $panel; padding: 0 1; overflow-x: hidden; overflow-y: auto; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: list[Technician] | None = None
        self.lines: list[Line] = []
        self._styles: dict[str, Style] = {}

    def redraw(self) -> None:
        """Build the lines again (the language changed: the words are new)."""
        techs, self._shown = self._shown, None
        if techs is not None:
            self.show(techs)

    def show(self, techs: list[Technician]) -> None:
        if techs == self._shown:
            return
        self._shown = techs
        old, self.lines = self.lines, board_lines(techs)
        if len(old) != len(self.lines):
            # Lines moved (a team or a technician came or went): repaint all.
            self.virtual_size = Size(0, len(self.lines))
            self.refresh()
            return
        top = int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        for i, (was, now) in enumerate(zip(old, self.lines, strict=True)):
            if was != now:
                self.refresh(Region(0, i - top, width, 1))

    def render(self) -> Content:
        """The whole board as text (what a reader of the widget sees, for tests)."""
        return Content("\n".join(text for text, _kind in self.lines))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def _style(self, kind: str) -> Style:
        style = self._styles.get(kind)
        if style is None:
            style = self._styles[kind] = self.rich_style + _KIND_STYLE.get(kind, Style())
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        text, kind = self.lines[index]
        # Only the text is underlined or bold, not the padding after it.
        cut = fit(text, width)
        body = cut.rstrip(" ") if kind == "team" else cut
        segments = [Segment(body, self._style(kind))]
        if len(body) < len(cut):
            segments.append(Segment(cut[len(body):], self.rich_style))
        return Strip(segments, width)
