"""What every list screen shares (callbacks, scores, items, complaints, users,
the setup tables, the calendar, the setup menu): the list has the focus when
the screen opens and again when a dialog closes; j/k g/G Home/End move in it
(console/widgets/lists.py); esc and q go back.

An action that does not fit now (the selected record's state, or what the
user's role allows: the store's answer, console/permits.py) is left out of
the footer, and its key says why at once, as the queue does for tickets.

The file is followed like the queue follows it: the console's one live
watcher (console/live.py) calls ``data_changed`` on every screen of the
stack when another program wrote to the file."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import DataTable, Input, Select, Static

from ..background import in_thread
from ..console_app import OnConsole
from ..i18n import N_, _
from ..permits import Permits
from .behind import SeenBehind

if TYPE_CHECKING:
    pass


LISTS = "ListTable, ListOptions"
# Every list screen ends its BINDINGS with it (last: the footer shows the screen's own keys first).
BACK = Binding("escape,q", "back", N_("Back"))


class ListScreen(OnConsole, SeenBehind):
    AUTO_FOCUS = LISTS  # also when a dialog opened from here closes
    # None here: Textual lists a base class's bindings first, and the footer shows BACK last.
    BINDINGS: ClassVar[list[Any]] = []
    # Actions whose key says why when ``refusal`` refuses them (and the footer hides them).
    GUARDED: ClassVar[frozenset[str]] = frozenset()


    @property
    def permits(self) -> Permits:
        return self.app.permits

    def on_mount(self) -> None:
        # Runs after the screen's own on_mount (Textual calls the subclass's handler first).
        self.focus_list()
        # What it reads now is as new as the watcher's last poll: changes after it are followed.
        self.seen_version = self.app.live.version

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
        again. Called by the live watcher (console/live.py)."""

    def action_back(self) -> None:
        self.dismiss(None)


class DetailListScreen(ListScreen):
    """A list with the selected record's detail below it (improvement items,
    complaints): the list and the selected record's history are read in
    threads (console/background.py); the cursor stays on its record across
    reloads; the filters (a Select, the month) read the list again; ``o``
    shows overdue records only; a saved form says so and reads again.

    A screen provides ``read_rows`` (a call, built from the filters now, that
    reads the records), ``show_rows`` (fills the table), ``read_detail`` (a
    call reading what the selected record's detail needs) and ``detail``."""

    LIST_ID: ClassVar[str] = ""
    TEXT_ID: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Any] = []
        self.overdue_only = False

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(f"#{self.LIST_ID}", DataTable)

    # ----------------------------------------------------------- to fill in
    def read_rows(self) -> Callable[[], list[Any]]:
        raise NotImplementedError

    def show_rows(self, table: DataTable[Any], rows: list[Any]) -> None:
        raise NotImplementedError

    def read_detail(self, record: Any) -> Callable[[], Any]:
        raise NotImplementedError

    def detail(self, record: Any | None, read: Any) -> Text:
        """The detail text of ``record`` (None: nothing selected) from what ``read_detail`` read."""
        raise NotImplementedError

    # ------------------------------------------------------------- reading
    def reload(self, keep: int | None = None) -> None:
        in_thread(self, self.read_rows(), lambda rows: self._show_rows(rows, keep), group="reload", exclusive=True)

    def _show_rows(self, rows: list[Any], keep: int | None) -> None:
        table = self.table
        at = table.cursor_row
        self.shown = rows
        self.show_rows(table, rows)
        if keep is not None:
            at = next((n for n, r in enumerate(rows) if r.id == keep), at)
        if rows:
            table.move_cursor(row=min(max(at, 0), len(rows) - 1))
        for flag in self.query("#overdue-flag").results(Static):
            flag.update(Content(_("overdue only") if self.overdue_only else ""))
        self.show_detail()

    def selected(self) -> Any | None:
        if not self.shown:  # also before the table is built: keys of a burst ask this early
            return None
        try:
            row = self.table.cursor_row
        except NoMatches:  # closing: the footer asked for its keys as the table was removed
            return None
        return self.shown[row] if self.shown and 0 <= row < len(self.shown) else None

    def show_detail(self) -> None:
        self.refresh_bindings()
        record = self.selected()
        text = self.query_one(f"#{self.TEXT_ID}", Static)
        if record is None:
            text.update(self.detail(None, None))
            return

        def shown(read: Any) -> None:
            if self.selected() is record:  # else the cursor moved on: its own read shows it
                text.update(self.detail(record, read))

        in_thread(self, self.read_detail(record), shown, group="detail", exclusive=True)

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.show_detail()

    @on(Select.Changed)
    def _filtered(self) -> None:
        self.reload()

    @on(Input.Changed, "#month")
    def _month(self, event: Input.Changed) -> None:
        if len(event.value.strip()) in (0, 7):
            self.reload()

    def choice(self, selector: str) -> Any:
        """A filter's Select value, None while none is chosen."""
        value = self.query_one(selector, Select).value
        return None if value is Select.NULL else value

    def month(self) -> str | None:
        month = self.query_one("#month", Input).value.strip()
        return month if len(month) == 7 else None

    def data_changed(self) -> None:
        record = self.selected()
        self.reload(keep=record.id if record else None)

    def action_toggle_overdue(self) -> None:
        self.overdue_only = not self.overdue_only
        self.reload()

    def _done(self, record_id: int) -> None:
        self.notify(_("Saved."), markup=False)
        self.reload(keep=record_id)
