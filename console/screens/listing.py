"""What every list screen shares (callbacks, scores, items, complaints, users,
the setup tables, the calendar, the setup menu): the list has the focus when
the screen opens and again when a dialog closes; j/k g/G Home/End move in it
(console/widgets/lists.py); esc and q go back.

An action that does not fit now (the selected record's state, or what the
user's role allows: the store's answer, console/permits.py) is left out of
the footer, and its key says why at once, as the queue does for tickets.

The file is followed like the queue follows it: the queue's poll, which keeps
running under the other screens, calls ``data_changed`` on every screen of
the stack when another program (or this one) wrote to the file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events
from textual.binding import Binding
from textual.screen import Screen

from ..i18n import N_

if TYPE_CHECKING:
    from console.has_store import HasStore
    from store import Store

LISTS = "ListTable, ListOptions"
# Every list screen ends its BINDINGS with it (last: the footer shows the screen's own keys first).
BACK = Binding("escape,q", "back", N_("Back"))


class ListScreen(Screen[None]):
    AUTO_FOCUS = LISTS  # also when a dialog opened from here closes
    # None here: Textual lists a base class's bindings first, and the footer shows BACK last.
    BINDINGS: ClassVar[list[Any]] = []
    # Actions whose key says why when ``refusal`` refuses them (and the footer hides them).
    GUARDED: ClassVar[frozenset[str]] = frozenset()

    @property
    def store(self) -> Store:
        return cast("HasStore", self.app).store

    @property
    def permits(self) -> Any:
        return self.app.permits  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        # Runs after the screen's own on_mount (Textual calls the subclass's handler first).
        self.focus_list()
        # What it reads now is as new as the queue's last read: changes after it are followed.
        self.seen_version = getattr(self.app.screen_stack[0], "data_version", None)

    def focus_list(self) -> None:
        for widget in self.query(LISTS):
            if widget.focusable:
                widget.focus()
                return

    # ------------------------------------------------- refused at once
    def refusal(self, action: str) -> str | None:
        """Why ``action`` cannot be taken now (state or role), or None."""
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.GUARDED:
            return self.refusal(action) is None
        return True

    def _action_of_key(self, key: str) -> str | None:
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and key in binding.key.split(","):
                action = binding.action.partition("(")[0]
                return action if action in self.GUARDED else None
        return None

    def on_key(self, event: events.Key) -> None:
        """A key whose action is refused says why instead of doing nothing.
        (A text field takes its own printable keys before they come here.)"""
        action = self._action_of_key(event.key)
        if action is None:
            return
        why = self.refusal(action)
        if why:
            event.stop()
            event.prevent_default()
            self.notify(why, severity="warning", markup=False)

    # ----------------------------------------------------------- live
    def data_changed(self) -> None:
        """Another program (or this one) wrote to the file: read what is shown
        again. Called by the queue's poll (MainScreen._tell_screens)."""

    def action_back(self) -> None:
        self.dismiss(None)
