"""Textual's command palette with our words: its search prompt and its
"No matches found" are English in Textual's source."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.command import CommandList, CommandPalette
from textual.widgets.option_list import Option

from ..i18n import _


class Palette(CommandPalette):
    def __init__(self) -> None:
        super().__init__(placeholder=_("Search for commands…"), id="--command-palette")

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual 8.2.8's method (pinned in pyproject), with the notice translated.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(_("No matches found"), style="not bold")),
                           disabled=True, id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                # Discover mode (nothing typed): nothing to say.
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
