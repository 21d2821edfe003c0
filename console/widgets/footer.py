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
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey, FooterLabel

from ..i18n import _, current_language


def _tr(text: str) -> str:
    # "" would fetch the catalogue's header from gettext: leave blanks blank.
    return _(text) if text else text


class Footer(TextualFooter):
    def __init__(self, *children: Widget, show_command_palette: bool = False, **kwargs: Any) -> None:
        # Textual's palette and its "palette" key are English only and cannot
        # be translated; ctrl+p still opens it, the help screen (?) lists our keys.
        super().__init__(*children, show_command_palette=show_command_palette, **kwargs)
        self._recompose_booked = False
        self._shown: tuple[object, ...] | None = None  # what the keys drawn now were composed from

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Textual books a recompose (every key widget removed and mounted
        again) each time the screen's bindings signal fires; opening the
        console fires it five times before the first frame (mount, focus, the
        first rows…). One recompose for a burst, and none when the keys shown
        are the same (a cursor move within one ticket state): CPU and bytes."""
        self._bindings_ready = True
        if not screen.app.app_focus or not (self.is_attached and screen is self.screen):
            return
        if not self._recompose_booked:
            self._recompose_booked = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._recompose_booked = False
        if not self.is_attached:
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    async def recompose(self) -> None:
        await super().recompose()
        self._forget_removed_keys()

    def _forget_removed_keys(self) -> None:
        """Each key widget binds the footer's ``compact`` (``data_bind``), which
        puts it in the footer's watcher list; Textual prunes that list only
        when ``compact`` changes (never here), so every key of every recompose
        stayed alive: ~20 widgets per page move across tickets of different
        states, 25 MB after 300 PageDown. Keep the keys still mounted."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for name, entries in watchers.items():
            watchers[name] = [(node, callback) for node, callback in entries
                              if not getattr(node, "_closing", False) and getattr(node, "is_attached", True)]

    def _keys_shown(self) -> tuple[object, ...]:
        """Everything a compose reads: each key's binding, whether it is enabled
        and its tooltip, and the language its description is drawn in."""
        return (current_language(), self.show_command_palette, tuple(
            (binding, enabled, tooltip) for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show or binding.action == "command_palette"))

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
