"""Who is at the keyboard: for a desk PC several people share under one OS
account (setting ``sign_in``). Pick your name, type your PIN; from then on
every write carries that person. ``dismiss`` returns the login, or None when
switching was called off (at start it cannot be: someone must sign in)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store.auth import role_name
from store.models import User
from store.text import clean

from ..i18n import N_, _


class SignInScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "back", N_("Back"))]

    def __init__(self, *, can_cancel: bool = False) -> None:
        super().__init__()
        self.can_cancel = can_cancel
        self.people: list[User] = []

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.app.store  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        # Only those who can sign in: active, with a PIN.
        self.people = [u for u in self.store.users() if u.has_pin]
        with Vertical(classes="form sign-in"):
            yield Static(Content(_("Who is at the keyboard?")), classes="title")
            if not self.people:
                yield Static(Content(_("No one has a PIN yet: a manager sets them with 'dispatch user pin LOGIN'.")),
                             classes="hint")
            yield OptionList(*[Option(Content(f"{clean(u.name, single_line=True)}  ({role_name(u.role)})"), id=u.login)
                               for u in self.people], id="people", compact=True)
            yield Input(placeholder=_("PIN"), password=True, id="pin", compact=True)
            yield Static(Content(_("Pick your name, type your PIN, Enter.")), id="sign-in-message", classes="hint")

    def on_mount(self) -> None:
        people = self.query_one("#people", OptionList)
        if self.people:
            people.highlighted = 0
        people.focus()

    def chosen(self) -> User | None:
        people = self.query_one("#people", OptionList)
        index = people.highlighted
        return self.people[index] if index is not None and 0 <= index < len(self.people) else None

    def say(self, text: str) -> None:
        self.query_one("#sign-in-message", Static).update(Content(text))

    @on(OptionList.OptionSelected, "#people")
    def _picked(self) -> None:
        self.query_one("#pin", Input).focus()

    @on(Input.Submitted, "#pin")
    def _submitted(self) -> None:
        pin = self.query_one("#pin", Input)
        user = self.chosen()
        if user is None:
            self.say(_("Pick your name first."))
            self.query_one("#people", OptionList).focus()
            return
        if not self.store.sign_in(user.login, pin.value):
            pin.value = ""
            self.say(_("Wrong PIN for {name}; try again.").format(name=clean(user.name, single_line=True)))
            return
        self.dismiss(user.login)

    def action_back(self) -> None:
        if self.can_cancel:
            self.dismiss(None)
        else:
            self.say(_("Sign in to continue (ctrl+q quits)."))
