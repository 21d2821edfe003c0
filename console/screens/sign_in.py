"""Who is at the keyboard: for a desk PC several people share under one OS
account (setting ``sign_in``). Pick your name, type your PIN; from then on
every write carries that person. ``dismiss`` returns the login, or None when
switching was called off (at start it cannot be: someone must sign in)."""

from __future__ import annotations

from collections import deque

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store.models import PinOutcome, User
from store.rules.auth import LOCK_AFTER, role_name
from store.text import clean

from ..console_app import OnConsole
from ..i18n import N_, _, ngettext


def words(user: User, outcome: PinOutcome) -> str:
    """A try that did not sign in, in words: wrong, wait, or locked (store/rules/auth.py has the numbers)."""
    name = clean(user.name, single_line=True)
    unlock = _("a manager unlocks it (dispatch user unlock {login}, or u on the users screen)").format(
        login=clean(user.login, single_line=True))
    if outcome.locked:
        if outcome.checked:
            return _("Wrong PIN for {name}: {n} wrong in a row, so PIN sign-in is locked; {unlock}.").format(
                name=name, n=outcome.failures, unlock=unlock)
        return _("PIN sign-in for {name} is locked after too many wrong PINs; {unlock}.").format(name=name, unlock=unlock)
    if not outcome.checked and outcome.wait_s:
        return ngettext("Too many wrong PINs for {name}: wait {s} second before the next try (this one was not checked).",
                        "Too many wrong PINs for {name}: wait {s} seconds before the next try (this one was not checked).",
                        outcome.wait_s).format(name=name, s=outcome.wait_s)
    if not outcome.checked:
        return _("{name} cannot sign in with a PIN here; ask a manager.").format(name=name)
    if not outcome.wait_s:
        return _("Wrong PIN for {name}; try again.").format(name=name)
    left = LOCK_AFTER - outcome.failures
    return ngettext("Wrong PIN for {name}; wait {s} s before the next try ({n} more wrong PIN locks it).",
                    "Wrong PIN for {name}; wait {s} s before the next try ({n} more wrong PINs lock it).",
                    left).format(name=name, s=outcome.wait_s, n=left)


class SignInScreen(OnConsole, ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "back", N_("Back"))]

    def __init__(self, people: list[User], *, can_cancel: bool = False) -> None:
        """``people``: the file's active users (read in a thread by the app); those with a PIN are offered."""
        super().__init__()
        self.can_cancel = can_cancel
        # Only those who can sign in: active, with a PIN.
        self.people = [u for u in people if u.has_pin]
        self.checking = False  # a try is running in a worker
        self.tries: deque[tuple[User, str]] = deque()  # typed while one ran: checked in order
        self.signed_in = False  # the right PIN came: what was typed after it is dropped


    def compose(self) -> ComposeResult:
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
        if self.signed_in:  # an Enter of the same burst, handled after the right PIN's answer
            pin.value = ""
            return
        user = self.chosen()
        if user is None:
            self.say(_("Pick your name first."))
            self.query_one("#people", OptionList).focus()
            return
        # Keys land where they were typed (console/keys.py): the PIN is taken now and the
        # field emptied for the next one; a try typed while one runs waits its turn.
        self.tries.append((user, pin.value))
        pin.value = ""
        if not self.checking:
            self._next_try()

    def _next_try(self) -> None:
        self.checking = True
        self.say(_("Checking…"))
        self._try(*self.tries.popleft())

    @work(thread=True, exit_on_error=False, group="sign-in")
    def _try(self, user: User, pin: str) -> None:
        """The try is a write (counted and recorded in the file) and a slow hash:
        off the UI thread, so the screen keeps drawing while another dispatcher's
        write holds the file."""
        from store.errors import StoreError

        try:
            outcome = self.store.pins.sign_in(user.login, pin)
        except StoreError as exc:
            self.app.call_from_thread(self._answer, user, None, str(exc))
            return
        self.app.call_from_thread(self._answer, user, outcome, "")

    def _answer(self, user: User, outcome: PinOutcome | None, error: str) -> None:
        self.checking = False
        if outcome is not None and outcome.ok:
            self.signed_in = True
            self.tries.clear()
            self.dismiss(user.login)
            return
        self.say(error or words(user, outcome or PinOutcome(checked=False)))
        if self.tries:
            self._next_try()

    def action_back(self) -> None:
        if self.can_cancel:
            self.dismiss(None)
        else:
            self.say(_("Sign in to continue (ctrl+q quits)."))
