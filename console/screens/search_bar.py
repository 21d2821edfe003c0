"""The queue's search bar ('/') and filters ('f', esc clears): typing is
debounced, so a burst of keys is one query by the next poll, not one per key.
Mixed into the main screen, which provides ``filter``, ``table``, ``_techs``
and ``request_refresh``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from store.models import QueueFilter, Technician

from ..console_app import OnConsole
from ..i18n import _
from ..widgets.queue import QueueTable

SEARCH_DEBOUNCE = 0.25  # seconds of quiet typing before the queue is searched: a burst is one query


def search_placeholder() -> str:
    return _("Search: text, site, asset tag, technician or #number  (enter keeps, esc clears)")


class SearchBar(OnConsole, Screen[Any]):
    filter: QueueFilter
    _techs: list[Technician]
    _search_timer: Timer | None = None

    if TYPE_CHECKING:  # the main screen's
        @property
        def table(self) -> QueueTable: ...
        def request_refresh(self) -> None: ...

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("visible")
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        # Debounced: each key restarts the timer, so a burst of typing is one
        # query by the poll worker, not one per key.
        self._stop_search_timer()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self._apply_search, name="search")

    def _apply_search(self) -> None:
        self._search_timer = None
        text = self.query_one("#search", Input).value
        self._set_filter(self.filter.model_copy(update={"text": text}))

    def _stop_search_timer(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        # Enter applies at once and closes the bar; the filter line keeps
        # showing what is searched, and '/' opens the bar again to edit it.
        self._stop_search_timer()
        self._apply_search()
        self.query_one("#search", Input).remove_class("visible")
        self.table.focus()

    def action_clear_filters(self) -> None:
        self._stop_search_timer()  # a pending search must not come back after esc
        search = self.query_one("#search", Input)
        search.remove_class("visible")
        if search.value:
            with search.prevent(Input.Changed):
                search.value = ""
        self._set_filter(QueueFilter())
        self.table.focus()

    def action_filters(self) -> None:
        from .filters import FilterScreen

        self.app.push_screen(FilterScreen(self.filter, self._teams()), lambda f: None if f is None else self._set_filter(f))

    def _set_filter(self, f: QueueFilter) -> None:
        if f == self.filter:
            return
        self.filter = f
        self.describe_filter()
        self.request_refresh()

    def describe_filter(self) -> None:
        """The filter line and the empty-queue text, in the language in use."""
        f = self.filter
        line = self.query_one("#filterline", Static)
        line.set_class(f.active, "visible")
        if f.active:
            from .filters import describe_filter  # the filter screen's module loads when first used

            line.update(Content(describe_filter(f, self._teams())))
        self.table.empty_text = _("No open tickets match the filter (esc clears it).") if f.active else _("No open tickets.")

    def _teams(self) -> dict[int, str]:
        """Team names from the technicians the last poll read: no query on the UI thread."""
        return {t.team_id: t.team_name for t in self._techs}
