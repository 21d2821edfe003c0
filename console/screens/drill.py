"""The tickets behind a figure or a bar of the reports screen (Enter on it);
Enter on a ticket opens it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from store.text import clean

from ..console_app import OnConsole
from ..i18n import N_, _, ngettext
from ..widgets.footer import Footer
from ..widgets.lists import ListTable


def one_line(value: object) -> str:
    """Untrusted text for a cell or a message: cleaned, on one line."""
    return clean(str(value or ""), single_line=True)


class DrillScreen(OnConsole, ModalScreen[None]):
    """The tickets behind a figure or a bar; Enter opens one."""

    BINDINGS = [Binding("escape,q", "back", N_("Back"))]
    DEFAULT_CSS = "DrillScreen > Vertical { width: 90%; height: 80%; border: round $accent; background: $surface; }"

    def __init__(self, title: str, total: int, rows: list[Any]) -> None:
        super().__init__()
        self.heading, self.total, self.rows = title, total, rows

    def compose(self) -> ComposeResult:
        with Vertical():
            shown = ngettext("{n} ticket", "{n} tickets", self.total).format(n=self.total) if (
                self.total <= len(self.rows)) else _("{n} tickets, the first {m} shown").format(n=self.total, m=len(self.rows))
            yield Static(Content(f"{self.heading} · {shown}"), classes="title")
            yield ListTable(id="drill")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Ticket"), _("P"), _("Status"), _("Reported"), _("Site"), _("Technician"), _("Fault"))
        tz = self.app.tz
        for r in self.rows:
            table.add_row(Text(f"#{r.id}"), Text(f"P{r.priority}"), Text(r.status),
                          Text(r.reported_at.in_timezone(tz).format("MM-DD HH:mm")), Text(one_line(r.site)),
                          Text(one_line(r.technician)), Text(one_line(r.description)[:60]), key=str(r.id))
        if not self.rows:
            table.add_row(Text(_("No tickets.")), *[Text("")] * 6)
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value and event.row_key.value.isdigit():
            from .detail import DetailScreen

            self.app.push_screen(DetailScreen(int(event.row_key.value)))

    def action_back(self) -> None:
        self.dismiss(None)
