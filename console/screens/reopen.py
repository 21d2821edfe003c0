"""Reopening the database path after the file under the console was replaced
or deleted (the store detects it; the main screen shows STALE and offers ctrl+o)."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime
from textual import work
from textual.screen import Screen

from store import Store
from store.errors import DatabaseFileError
from store.models import QueueCounts
from store.text import clean

from ..background import in_thread
from ..console_app import OnConsole
from ..i18n import _
from ..widgets.status import StatusBar


class ReopenFile(OnConsole, Screen[Any]):
    """Mixin for the main screen, which keeps ``_orphan`` (why the file is gone),
    the poll state reset here, and ``request_refresh``."""

    # The main screen's (console/screens/main.py, queue_poll.py), reset here.
    _orphan: str | None
    _counts: QueueCounts | None
    _data_version: int
    _last_check: DateTime | None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reopen_file":
            return self._orphan is not None
        return super().check_action(action, parameters)

    def action_reopen_file(self) -> None:
        self.reopen_file()

    @work(thread=True, exclusive=True, group="reopen", exit_on_error=False)
    def reopen_file(self) -> None:
        """Open the path afresh (off the UI thread: a locked file waits), then
        switch to it; if the path is gone or unusable, say so and keep the old one."""
        old = self.app.store
        new = None
        try:
            new = old.reopen()
            front = self.app.read_front(new)
        except Exception as exc:
            if new is not None:  # opened, but its settings could not be read: not switched to
                new.close()  # gone, locked, not a database: say so, keep showing the old data
            message = str(exc) if isinstance(exc, DatabaseFileError) else _("Could not reopen {path}: {error}").format(
                path=old.path, error=exc)
            self.app.call_from_thread(self.notify, clean(message, single_line=True), severity="error",
                                      timeout=15, markup=False)
            return
        self.app.call_from_thread(self._switch_store, old, new, front)

    def _switch_store(self, old: Store, new: Store, front: tuple[str, str]) -> None:
        self.app.use_store(new, front)
        self.query_one(StatusBar).center = self.app.center
        self.query_one(StatusBar).read_only = getattr(new, "read_only", False)
        self._data_version, self._counts, self._orphan = -1, None, None
        self.refresh_bindings()
        self._last_check = self.app.clock()
        # In a thread: closing waits for a write of the old store still under way.
        in_thread(self.app, old.close, group="close-old")
        self.app.clear_notifications()  # they were about the old file
        self.notify(_("Reopened {path}.").format(path=clean(str(getattr(new, "path", "")), single_line=True)),
                    markup=False)
        self.app.live.reset()  # every screen reads the new file
