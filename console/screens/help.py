"""Help: every key of the screen underneath and of the app."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..i18n import _

NAV_KEYS = [
    ("j / ↓, k / ↑", _("Move down / up")),
    ("g / Home, G / End", _("First / last ticket")),
    ("PgDn / PgUp", _("Page down / up")),
    ("enter", _("Open the ticket")),
    ("ctrl+p", _("Command palette: every action by name")),
    ("tab / shift+tab", _("Next / previous field in forms")),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", _("Close"))]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        lines = [Content.styled(_("Keys"), "bold"), Content("\n\n")]
        seen: set[str] = set()
        for binding in [*getattr(self.under, "BINDINGS", []), *self.app.BINDINGS]:
            if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key_display or binding.key.replace(",", " / ")
            lines.append(Content(f"{key:<18} {binding.description}\n"))
        lines.append(Content("\n"))
        lines += [Content(f"{k:<18} {d}\n") for k, d in NAV_KEYS]
        lines += [Content("\n"), Content.styled(_("Countdown: seconds under an hour left, '+' overdue, '=' stopped (waiting); "
                                                   "'!' at risk, '✗' breached, '↻' second repair."), "dim")]
        with VerticalScroll(classes="form"):
            yield Static(Content("").join(lines))

    def action_close(self) -> None:
        self.dismiss(None)
