"""One screen for every reference table (sites, equipment, teams,
technicians): a list that searches as you type, add, edit, retire or restore,
show retired, CSV import and export. What differs per table is its spec
(setup_specs.py); nothing here names a table.

Records are retired, never deleted: a ticket may refer to them."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from store.errors import StoreError
from store.text import clean

from ..background import in_thread, read, write_refusal
from ..i18n import N_, _
from ..settings import apply_blink
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from ..widgets.textfield import TextInput
from .listing import ListScreen
from .record_form import RecordForm
from .setup_specs import TableSpec

SEARCH_DEBOUNCE = 0.2  # seconds of quiet typing before the list is read again



class RecordsScreen(ListScreen):
    DEFAULT_CSS = """
    RecordsScreen .records-title { text-style: bold; padding: 0 1; }
    RecordsScreen #records-search { height: 1; margin: 0 1; background: $boost; text-style: underline; }
    RecordsScreen #records { height: 1fr; }
    RecordsScreen .records-hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        # First here, as before the shared keys: esc also clears the search (action_back).
        Binding("escape,q", "back", N_("Back")),
        Binding("n,plus", "add", N_("Add"), key_display="n"),
        Binding("e", "edit", N_("Edit")),
        Binding("d,x", "retire", N_("Retire"), key_display="d"),
        Binding("t", "toggle_retired", N_("Retired")),
        Binding("slash", "search", N_("Search"), key_display="/"),
        Binding("i", "import_csv", N_("Import")),
        Binding("E", "export_csv", N_("Export")),
        Binding("m", "addresses", N_("Addresses")),
        Binding("ctrl+r", "reload", N_("Reload"), show=False),
    ]
    GUARDED = frozenset({"add", "edit", "retire", "import_csv", "export_csv", "addresses"})

    def __init__(self, spec: TableSpec) -> None:
        super().__init__()
        self.spec = spec
        self.include_retired = False
        self.records: list[Any] = []
        self._version = -1
        self._search_timer: Timer | None = None
        self._goto: int | None = None  # the record the cursor lands on at the next load

    def compose(self) -> ComposeResult:
        yield Static("", id="records-title", classes="records-title")
        yield TextInput(placeholder=_("Search {what} (type to filter, enter to list, esc clears)").format(
            what=_(self.spec.title).lower()), id="records-search", compact=True)
        yield ListTable(id="records")
        if self.spec.hint:
            yield Static(Content(self.spec.hint_text()), classes="records-hint")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#records", DataTable)

    @property
    def search(self) -> Input:
        return self.query_one("#records-search", Input)

    # Textual calls each class's own on_mount (ListScreen's as well), and awaits this one.
    async def on_mount(self) -> None:  # type: ignore[override]
        apply_blink(self)
        for title, width in self.spec.columns:
            self.table.add_column(Text(_(title)), width=width)
        # The first read is awaited (a read never waits on a write): a key typed
        # right after the one that opened the list ('e', enter) acts on its rows.
        store, query = self.app.store, self.search.value
        try:
            version, rows = await read(lambda: self._read(store, query))
        except StoreError as exc:
            self.notify(clean(str(exc), single_line=True), severity="error", markup=False)
            return
        self._show(version, rows)

    def _read(self, store: Any, query: str) -> tuple[int, list[tuple[Any, list[str]]]]:
        """The file's change counter and the rows shown (in a thread)."""
        return store.db.data_version(), self.spec.rows(store, query, self.include_retired)

    # ----------------------------------------------------------------- load
    @work(thread=True, exclusive=True, group="records", exit_on_error=False)
    def load(self) -> None:
        store = self.app.store
        query = self.app.call_from_thread(lambda: self.search.value)
        try:
            version, rows = self._read(store, query)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, clean(str(exc), single_line=True), severity="error", markup=False)
            return
        self.app.call_from_thread(self._show, version, rows)

    def data_changed(self) -> None:
        self.load()

    def _show(self, version: int, rows: list[tuple[Any, list[str]]]) -> None:
        self._version = version
        table = self.table
        current = self.current()
        keep = self._goto or (current.id if current is not None else None)
        self._goto = None
        self.records = [record for record, _cells in rows]
        table.clear()
        for record, cells in rows:
            retired = bool(getattr(record, "retired", False))
            table.add_row(*(Text(clean(str(c), single_line=True), style="dim" if retired else "") for c in cells),
                          key=str(record.id))
        ids = [r.id for r in self.records]
        if keep in ids:
            table.move_cursor(row=ids.index(keep))
        shown = len(rows)
        retired_note = _("retired shown") if self.include_retired else _("retired hidden (t shows them)")
        self.query_one("#records-title", Static).update(Content(
            f"{_(self.spec.title)} — " + _("{n} shown").format(n=shown) + f" · {retired_note}"))

    def current(self) -> Any | None:
        row = self.table.cursor_row
        if not self.records or row is None or not 0 <= row < len(self.records):
            return None
        return self.records[row]

    # --------------------------------------------------------------- search
    def action_search(self) -> None:
        self.search.focus()

    @on(Input.Changed, "#records-search")
    def _typed(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self.load, name="records-search")

    @on(Input.Submitted, "#records-search")
    def _search_done(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self.load()
        self.table.focus()

    def action_back(self) -> None:
        if self.search.has_focus or self.search.value:
            if self.search.value:
                self.search.value = ""  # Changed reloads the full list
            self.table.focus()
            return
        self.dismiss(None)

    def action_reload(self) -> None:
        self.load()

    def action_toggle_retired(self) -> None:
        self.include_retired = not self.include_retired
        self.load()

    # --------------------------------------------------------------- writes
    def _saved(self, record: Any) -> None:
        if record is None:
            return
        rid = getattr(record, "id", None)
        if isinstance(rid, int):
            self._goto = rid
        self.load()

    async def action_add(self) -> None:
        await self._open_form(None)

    async def action_edit(self) -> None:
        record = self.current()
        if record is None:
            self.notify(_("Nothing to edit: the list is empty."), markup=False)
            return
        await self._open_form(record)

    @on(DataTable.RowSelected, "#records")
    async def _enter(self) -> None:
        why = self.refusal("edit")
        if why:
            self.notify(why, severity="warning", markup=False)
            return
        await self.action_edit()

    async def _open_form(self, record: Any | None) -> None:
        """The form's choices (teams, categories…) are read as it opens, in a
        thread and awaited (a read never waits on a write): a form opened
        before the list has loaded (its key typed right after the list's) has
        them too, and keys typed after it land in the form."""
        store, fields = self.app.store, self.spec.fields

        def choices() -> tuple[dict[str, Any], dict[str, dict[Any, str]]]:
            return ({f.name: f.choices(store) for f in fields if f.choices is not None},
                    {f.name: f.labels(store) for f in fields if f.labels is not None})

        try:
            options, labels = await read(choices)
        except StoreError as exc:
            self.notify(clean(str(exc), single_line=True), severity="error", markup=False)
            return
        self.app.push_screen(RecordForm(self.spec, record, options, labels), self._saved)

    def action_retire(self) -> None:
        record = self.current()
        if record is None:
            return
        from ..widgets.confirm import ConfirmScreen

        retired = bool(getattr(record, "retired", False))
        name = self.spec.describe(record)
        if retired:
            question = _("Restore {noun} {name}? It comes back in lists and pickers.").format(
                noun=_(self.spec.noun), name=name)
            choices = [("yes", _("Restore"), "y")]
        else:
            question = _("Retire {noun} {name}? It leaves lists and pickers; tickets that refer to it keep it. "
                         "Nothing is deleted: 't' shows retired records, 'd' restores one.").format(
                noun=_(self.spec.noun), name=name)
            choices = [("yes", _("Retire"), "y")]

        def answered(choice: str | None) -> None:
            if choice != "yes":
                return
            store = self.app.store

            def said(exc: Exception) -> None:
                self.notify(write_refusal(exc), severity="error", markup=False, timeout=10)

            def done(_result: object) -> None:
                self.notify((_("Restored {name}.") if retired else _("Retired {name}.")).format(name=name), markup=False)
                self._goto = record.id
                self.load()

            in_thread(self, lambda: self.spec.retire(store, record.id, not retired), done, said, group="retire")

        self.app.push_screen(ConfirmScreen(question, choices), answered)

    async def action_addresses(self) -> None:
        """A record's notification addresses (technicians: managers only, the store's rule)."""
        record, hooks = self.current(), self.spec.addresses
        if record is None or hooks is None or self.refusal("addresses"):
            return
        from .addresses import open_address_form

        store, rid = self.app.store, record.id
        read_urls, write_urls = hooks
        await open_address_form(self, self.spec.describe(record), lambda: read_urls(store, rid),
                                lambda urls: write_urls(store, rid, urls), self._saved)

    # ------------------------------------------------------------------ CSV
    def action_import_csv(self) -> None:
        from .. import downloads
        from .csv_import import ImportScreen

        if downloads.in_browser(self.app):  # the path would be the server's, not the browser's
            self.notify(downloads.import_refusal(self.spec.table), severity="error", markup=False, timeout=10)
            return

        def imported(_result: object) -> None:
            self.load()

        self.app.push_screen(ImportScreen(self.spec.table, _(self.spec.title)), imported)

    def action_export_csv(self) -> None:
        from .csv_import import ExportScreen

        self.app.push_screen(ExportScreen(self.spec.table, _(self.spec.title)))

    def refusal(self, action: str) -> str | None:
        """What this table has, then what the user's role allows (the store's answer)."""
        if action in ("import_csv", "export_csv") and not self.spec.csv:
            return _("{table} have no CSV form.").format(table=_(self.spec.title))
        if action == "addresses" and self.spec.addresses is None:
            return _("{table} have no notification addresses.").format(table=_(self.spec.title))
        if action == "export_csv":
            return None  # reading
        if action in ("edit", "retire", "addresses") and self.current() is None:
            return _("Nothing to change: the list is empty.")
        write = {"add": "add", "edit": "edit", "retire": "retire", "import_csv": "import", "addresses": "address"}[action]
        return self.permits.refusal(f"{self.spec.entity}.{write}")
