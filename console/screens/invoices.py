"""Invoices (issue 25, key 'F' on the main screen): the closed tickets with a
fee whose invoice is not checked yet, those closed more than
``invoice_check_days`` ago first of all (the list opens on them; 'a' shows
every unchecked one). Customer service (the dispatch desk) records the
invoice number with 'i' and checks it with 'c' (the store's
``ticket.invoice`` and ``ticket.invoice_check``: audited, versioned, who and
when kept on the ticket). Read in a thread and followed like every list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from store.money import format_money
from store.repo.fees import Invoice
from store.text import clean

from ..background import in_thread, write_refusal
from ..format import local_time
from ..i18n import N_, _, ngettext
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .listing import BACK, ListScreen


@dataclass(frozen=True)
class Read:
    invoices: list[Invoice]
    days: int
    currency: str
    tz: str


def read_invoices(store: Any, every: bool) -> Read:
    """In a thread: the unchecked invoices, all or those older than the setting."""
    days = store.settings.invoice_check_days
    found = store.fees.invoices(unchecked=True, older_days=None if every else days)
    return Read(found, days, store.settings.currency, store.settings.timezone)


class InvoicesScreen(ListScreen):
    DEFAULT_CSS = """
    InvoicesScreen .title { text-style: bold; padding: 0 1; }
    InvoicesScreen #invoices { height: 1fr; }
    InvoicesScreen #invoice-detail { height: auto; max-height: 3; padding: 0 1; }
    InvoicesScreen .hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("i", "record", N_("Invoice number")),
        Binding("c", "check", N_("Checked")),
        Binding("a", "toggle_all", N_("All unchecked")),
        Binding("ctrl+r", "reload", N_("Reload"), show=False),
        BACK,
    ]
    GUARDED = frozenset({"record", "check"})

    def __init__(self) -> None:
        super().__init__()
        self.every = False
        self.shown: list[Invoice] = []
        self._read: Read | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Invoices to check")), id="invoices-title", classes="title")
        yield ListTable(id="invoices")
        yield Static("", id="invoice-detail")
        yield Static(Content(_("i records the invoice number of the selected ticket, c marks it checked "
                               "against the fee; a switches between the overdue and every unchecked invoice.")), classes="hint")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#invoices", DataTable)

    def on_mount(self) -> None:
        self._add_columns()
        self.reload()

    def _add_columns(self) -> None:
        for header in (_("#"), _("Closed"), _("Fee"), _("Invoice"), _("Site")):
            self.table.add_column(Text(header))

    def data_changed(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def action_toggle_all(self) -> None:
        self.every = not self.every
        self.reload()

    def reload(self, keep: int | None = None) -> None:
        store, every = self.app.store, self.every
        current = self.selected()
        keep = keep if keep is not None else (current.ticket_id if current is not None else None)
        in_thread(self, lambda: read_invoices(store, every), lambda r: self._show(r, keep), group="invoices",
                  exclusive=True)

    def _show(self, read: Read, keep: int | None) -> None:
        table = self.table
        at = table.cursor_row
        self._read, self.shown = read, read.invoices
        table.clear()
        for i in read.invoices:
            table.add_row(Text(f"#{i.ticket_id}"), Text(local_time(i.closed_at, read.tz, "MM-DD HH:mm")),
                          Text(format_money(i.fee, read.currency), justify="right"),
                          Text(clean(i.number, single_line=True) if i.number else "—"),
                          Text(clean(i.site, single_line=True)), key=str(i.ticket_id))
        ids = [i.ticket_id for i in read.invoices]
        if keep in ids:
            at = ids.index(keep)
        if ids:
            table.move_cursor(row=min(max(at, 0), len(ids) - 1))
        n = len(ids)
        title = (ngettext("{n} unchecked invoice", "{n} unchecked invoices", n) if self.every else
                 ngettext("{n} invoice unchecked after {days} days", "{n} invoices unchecked after {days} days", n))
        self.query_one("#invoices-title", Static).update(Content(
            _("Invoices to check") + " — " + title.format(n=n, days=read.days)))
        self._detail()

    def selected(self) -> Invoice | None:
        row = self.table.cursor_row if self.shown else -1
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        self.refresh_bindings()
        i = self.selected()
        detail = self.query_one("#invoice-detail", Static)
        if i is None or self._read is None:
            detail.update(Content(_("Nothing to check: every invoice of a closed ticket with a fee is checked.")
                                  if self.every else _("Nothing overdue; a lists every unchecked invoice.")))
            return
        tz = self._read.tz
        if i.number:
            text = _("Ticket #{id}: invoice {number}, recorded by {who} at {when}; not checked").format(
                id=i.ticket_id, number=clean(i.number, single_line=True), who=i.recorded_by,
                when=local_time(i.recorded_at, tz))
        else:
            text = _("Ticket #{id}: no invoice number yet").format(id=i.ticket_id)
        detail.update(Content(text))

    # --------------------------------------------------------------- writes
    def refusal(self, action: str) -> str | None:
        i = self.selected()
        if i is None:
            return _("No invoice selected.")
        if action == "check" and not i.number:
            return _("Record the invoice number first (i).")
        return self.permits.refusal("ticket.invoice" if action == "record" else "ticket.invoice_check")

    def action_record(self) -> None:
        from .form import ActionForm, Field

        i = self.selected()
        if i is None or self.refusal("record"):
            return
        store, tid = self.app.store, i.ticket_id
        form = ActionForm(
            _("Invoice of ticket #{id}").format(id=tid),
            [Field("invoice_no", _("Invoice number"), value=i.number, max_length=40)],
            lambda values, version: store.fees.record_invoice(tid, version, values["invoice_no"]),
            i.version, save_label=_("Save (ctrl+s)"), draft_key=("invoice", tid),
        )

        def done(result: object) -> None:
            if result is not None:
                self.notify(_("Invoice of ticket #{id} recorded.").format(id=tid), markup=False)
            self.reload(keep=tid)

        self.app.push_screen(form, done)

    def action_check(self) -> None:
        i = self.selected()
        if i is None or self.refusal("check"):
            return
        store, tid, version = self.app.store, i.ticket_id, i.version

        def done(_t: object) -> None:
            self.notify(_("Invoice of ticket #{id} checked.").format(id=tid), markup=False)
            self.reload()

        in_thread(self, lambda: store.fees.check_invoice(tid, version), done,
                  lambda exc: self.notify(write_refusal(exc), severity="error", markup=False), group="check")

    def language_changed(self) -> None:
        self.table.clear(columns=True)
        self._add_columns()
        self.reload()
