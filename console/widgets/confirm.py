"""A small question with named answers: ``dismiss`` returns the chosen key."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..i18n import N_, _


class ConfirmScreen(ModalScreen[str | None]):
    """``choices``: (answer, button label, key). Esc answers None (go back)."""

    BINDINGS = [Binding("escape", "back", N_("Back"))]

    def __init__(self, question: str, choices: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="form confirm"):
            yield Static(Content(self.question), classes="title")
            with Horizontal(classes="buttons"):
                for answer, label, key in self.choices:
                    yield Button(f"{label} ({key})", id=f"answer-{answer}", compact=True)
                yield Button(_("Back (esc)"), id="back", compact=True)

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_key(self, event: Key) -> None:
        for answer, _label, key in self.choices:
            if event.key == key:
                event.stop()
                self.dismiss(answer)
                return

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        self.dismiss(button_id.removeprefix("answer-") if button_id.startswith("answer-") else None)

    def action_back(self) -> None:
        self.dismiss(None)
