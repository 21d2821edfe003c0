"""What every screen and widget knows of its app, typed, without importing
the app module (console/app.py imports the screens): the state the app keeps
(``ConsoleApp``: the Store, the clock, the zone, the live watcher, the
permits, the drafts) and ``OnConsole``, the mixin that types ``self.app``
as that app (Textual's documented ``getters.app``)."""

from __future__ import annotations

from typing import Any

from textual import getters
from textual.message_pump import MessagePump

from store import Store
from store.timeutil import Clock

from .i18n import set_language
from .keys import OrderedKeys
from .live import LiveWatcher
from .permits import Permits
from .settings import ConsoleSettings


class ConsoleApp(OrderedKeys):
    """The app's state and the calls screens make on it; console/app.py's
    ``DispatchApp`` adds the screens, keys and commands."""

    def __init__(self, store: Store, *, clock: Clock | None = None, settings: ConsoleSettings | None = None) -> None:
        super().__init__()
        self.store: Store = store
        self.clock: Clock = clock or store.clock  # the Store's own defaults to the system clock
        self.settings = settings or ConsoleSettings()
        self.poll_seconds = self.settings.poll_seconds
        # The one poller every screen follows.
        self.live = LiveWatcher(self, self.poll_seconds, lambda: self.store, lambda: self.permits.forget())
        self.tz = store.settings.timezone
        self.center = store.settings.setting("center_name", "Repair Center")
        self.permits = Permits(store, self)  # what the acting user may do, asked of the store
        # What was typed in forms closed without saving, by (person, (form, record)): kept for this session.
        # (console/widgets/form.py: Draft, DraftKey)
        self.drafts: dict[tuple[str, tuple[str, int | str]], dict[str, Any]] = {}

    def save_waits_on_others(self) -> bool:
        """A form's save waits for another writer: keys go to the form meanwhile (console/keys.py)."""
        return self.store.db.waiting.is_set()

    @staticmethod
    def read_front(store: Store) -> tuple[str, str]:
        """What the app keeps of a file: its time zone and center name (read in a thread)."""
        return store.settings.timezone, store.settings.setting("center_name", "Repair Center")

    def use_store(self, store: Store, front: tuple[str, str]) -> None:
        """Switch to another Store (the file reopened): what the app read from it goes too."""
        self.store = store
        self.tz, self.center = front
        self.permits = Permits(store, self)
        self.permits.warm()

    def apply_language(self, lang: str | None) -> None:
        """Switch the language while running: every screen's footer (its
        bindings are msgids, translated as the footer composes) and what the
        screens that know how (``language_changed``) draw. Other screens in
        the stack keep their words until they are opened again."""
        set_language(lang)
        self.permits.forget()  # the refusals are words: in the new language next time
        for screen in self.screen_stack:
            redraw = getattr(screen, "language_changed", None)
            if callable(redraw):
                redraw()
            screen.refresh_bindings()


class OnConsole(MessagePump):
    """Put first among a screen's or widget's bases: ``self.app`` is then the
    ``ConsoleApp`` for the type checker (``self.app.store`` is a Store), and
    at run time the same app Textual's own ``app`` returns."""

    app = getters.app(ConsoleApp)

    @property
    def store(self) -> Store:
        """The app's Store: the one open now (a reopened file replaces it)."""
        return self.app.store
