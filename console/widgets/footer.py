"""The footer every screen uses: Textual's, with the binding descriptions
translated as it draws them.

Why: BINDINGS are built when a module is imported, before anyone knows who
will sign in and in which language, so their descriptions hold English
msgids (``N_``). Textual's Footer shows ``binding.description`` as it is; this
one passes each through ``_()`` each time it composes (the footer recomposes
whenever the bindings change, and ``DispatchApp.apply_language`` asks for
that), so a language switched while the console runs reaches the footer."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey, FooterLabel

from ..i18n import _


def _tr(text: str) -> str:
    # "" would fetch the catalogue's header from gettext: leave blanks blank.
    return _(text) if text else text


class Footer(TextualFooter):
    def __init__(self, *children: Widget, show_command_palette: bool = False, **kwargs: Any) -> None:
        # Textual's palette and its "palette" key are English only and cannot
        # be translated; ctrl+p still opens it, the help screen (?) lists our keys.
        super().__init__(*children, show_command_palette=show_command_palette, **kwargs)

    def compose(self) -> ComposeResult:
        # Textual yields the keys (inside `with KeyGroup(...)` blocks for
        # grouped bindings, which the compose machinery collects as we pass
        # them on); each is translated before it is mounted.
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = _tr(widget.description)
                if isinstance(widget.tooltip, str):
                    widget.tooltip = _tr(widget.tooltip)
            elif isinstance(widget, FooterLabel) and isinstance(widget.content, str):
                widget.update(Content(_tr(widget.content)))
            yield widget
