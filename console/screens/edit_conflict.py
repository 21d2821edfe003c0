"""The fields two dispatchers changed to different values, side by side:
theirs, yours and the original (store/rules/merge.py). Per row the person
keeps one (t / y / o); enter answers with the choices, esc goes back to the
edit form with everything typed kept. Values are shown cleaned, never as markup."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from store.text import clean

from ..i18n import N_, _
from ..widgets.table import Table

FORM_WIDTH = 90  # console/dispatch.tcss .form
CHOICES = ("theirs", "yours", "original")  # the table's value columns, in this order


@dataclass(frozen=True)
class ConflictRow:
    field: str  # the store's field name (phone, site_id, …)
    label: str
    original: str  # each value already in words (a site's name, a priority's label)
    theirs: str
    yours: str


class EditConflictScreen(ModalScreen[dict[str, str] | None]):
    """Answers {field: 'theirs' | 'yours' | 'original'}, or None (back to the form)."""

    BINDINGS = [
        Binding("t", "keep('theirs')", N_("Theirs")),
        Binding("y", "keep('yours')", N_("Yours")),
        Binding("o", "keep('original')", N_("Original")),
        Binding("enter", "save", N_("Save"), priority=True),
        Binding("ctrl+s", "save", N_("Save"), show=False, priority=True),
        Binding("escape", "back", N_("Back")),
    ]
    DEFAULT_CSS = """
    EditConflictScreen > Vertical { height: auto; max-height: 100%; }
    EditConflictScreen DataTable { height: auto; max-height: 16; }
    EditConflictScreen #whole { margin-top: 1; max-height: 12; }
    """

    def __init__(self, ticket_id: int, by: str, rows: list[ConflictRow]) -> None:
        super().__init__()
        self.ticket_id, self.by, self.rows = ticket_id, by, rows
        self.chosen = {r.field: "yours" for r in rows}  # nothing typed is lost unless asked

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(Content(_("#{id}: {by} changed the same fields while you edited").format(
                id=self.ticket_id, by=clean(self.by, single_line=True, limit=40))), classes="title")
            yield Static(Content(_("Keep theirs (t), yours (y) or the original (o) for each field; ↑↓ moves,"
                                   " enter saves, esc goes back to the form.")), classes="hint")
            yield Table(cursor_type="row", zebra_stripes=False, id="conflicts")
            yield Static(id="whole", classes="hint")  # the highlighted row's values in full (a long description)

    def _width(self) -> int:
        """Each value column's width: the three share what the form (.form: at most
        90 wide, its border and padding) leaves after the field names and cell padding."""
        inner = min(FORM_WIDTH, self.app.size.width) - 4
        return max(10, (inner - 14) // 3 - 2)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(Text(_("Field")), key="field")
        for key, title in zip(CHOICES, (_("Theirs ({by})").format(by=clean(self.by, single_line=True, limit=16)),
                                        _("Yours"), _("Original")), strict=True):
            table.add_column(Text(title), key=key, width=self._width())
        for row in self.rows:
            table.add_row(Text(row.label), *self._cells(row), key=row.field)
        table.focus()

    def _cells(self, row: ConflictRow) -> list[Text]:
        """The three values, the kept one marked (▶, bold) and the others dimmed."""
        out = []
        for key, value in zip(CHOICES, (row.theirs, row.yours, row.original), strict=True):
            text = clean(value, single_line=True, limit=self._width() - 2) or "—"
            kept = self.chosen[row.field] == key
            out.append(Text("▶ " + text if kept else "  " + text, style="bold" if kept else "dim"))
        return out

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_whole(event.cursor_row)

    def _show_whole(self, index: int) -> None:
        """The three values of one row, each on its own lines: a column cuts them."""
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        parts = [Content(row.label + "\n")]
        for key, title, value in zip(CHOICES, (_("Theirs"), _("Yours"), _("Original")),
                                     (row.theirs, row.yours, row.original), strict=True):
            mark = "▶ " if self.chosen[row.field] == key else "  "
            parts.append(Content(f"{mark}{title}: {clean(value, single_line=True, limit=600) or '—'}\n"))
        self.query_one("#whole", Static).update(Content("").join(parts))

    def action_keep(self, choice: str) -> None:
        table = self.query_one(DataTable)
        if not self.rows:
            return
        row = self.rows[table.cursor_row]
        self.chosen[row.field] = choice
        for key, cell in zip(CHOICES, self._cells(row), strict=True):
            table.update_cell(row.field, key, cell)
        self._show_whole(table.cursor_row)
        if table.cursor_row < len(self.rows) - 1:  # on to the next field, as a form's fields go
            table.move_cursor(row=table.cursor_row + 1)

    def action_save(self) -> None:
        self.dismiss(dict(self.chosen))

    def action_back(self) -> None:
        self.dismiss(None)
