"""The reports screen (`R` on the main screen): the managers' figures beside
the previous period (or the same period a year before) and the targets, and
charts where looking beats reading. Period, scope and comparison come from the
keyboard; Enter on a figure, or on a row of a chart's legend, lists the tickets
behind it, and Enter there opens a ticket.

Every read runs in a worker on the store's own read connections; a newer
request sets the older one's cancel flag, which stops its SQL. plotext 5
counts a CJK character as one column, so axes carry short codes (#1…, MM-DD)
and the names stand in the legend table beside the chart."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from store.errors import StoreError
from store.repo.reports import ReportCancelled
from store.rules.figures import fmt, target_text
from store.rules.periods import SCOPE_KINDS, Period, Scope, scope_word
from store.text import clean

from ..background import read
from ..console_app import OnConsole
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.report_chart import PRIORITY_FILLS, VIEWS, draw_chart
from ..widgets.table import Table
from .drill import DrillScreen

__all__ = ["PRIORITY_FILLS", "ReportsScreen"]


KINDS = ("month", "week", "day")


def _c(value: object) -> str:
    return clean(str(value or ""), single_line=True)


class ReportsScreen(OnConsole, Screen[None]):
    BINDINGS = [
        Binding("left_square_bracket", "shift(-1)", N_("Earlier"), key_display="["),
        Binding("right_square_bracket", "shift(1)", N_("Later"), key_display="]"),
        Binding("p", "period", N_("Month/week/day")),
        Binding("s", "scope", N_("Scope")),
        Binding("n", "scope_next", N_("Next in scope"), show=False),
        Binding("c", "compare", N_("Compare")),
        Binding("v", "view", N_("Chart")),
        Binding("x", "export", N_("Export…")),
        Binding("escape,q", "back", N_("Back")),
    ]
    DEFAULT_CSS = """
    ReportsScreen #rp-title { height: 1; text-style: bold; padding: 0 1; }
    ReportsScreen #rp-status { height: 1; padding: 0 1; color: $text-muted; }
    ReportsScreen #figures { height: 1fr; }
    ReportsScreen #charts { height: 1fr; display: none; }
    ReportsScreen #plot { width: 1fr; }
    ReportsScreen #legend { width: 34; }
    """

    def __init__(self, period: Period | None = None) -> None:
        super().__init__()
        self.period: Period | None = period
        self.scope = Scope()
        self.scope_values: list[tuple[Any, str]] = []
        self.year_before = False
        self.view = "figures"
        self.report: Any = None
        self.charts: Any = None
        self.ranking: Any = None
        self.cancel = threading.Event()
        self.export_kind = "month"  # what the export form offers first: the last one chosen
        self.today = date.today()  # the site's today, read when the screen opens


    def compose(self) -> ComposeResult:
        yield Static("", id="rp-title")
        yield Table(id="figures", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="charts"):
            yield PlotextPlot(id="plot")
            yield Table(id="legend", cursor_type="row")
        yield Static("", id="rp-status")
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        table = self.query_one("#figures", DataTable)
        table.add_columns(_("Figure"), _("Now"), _("Before"), _("Change"), _("Target"))
        table.focus()
        store = self.store
        self.today = await read(store.callbacks.today)  # the site's today: a read of its zone
        if self.period is None:
            self.period = Period.month(self.today)
        self.load()

    # ------------------------------------------------------------ loading
    def _previous(self) -> Period:
        assert self.period is not None
        if not self.year_before:
            return self.period.previous()
        p = self.period

        def back(d: date) -> date:
            return date(d.year - 1, d.month, min(d.day, 28)) if (d.month, d.day) == (2, 29) else date(d.year - 1, d.month, d.day)

        return Period(p.kind, back(p.start), back(p.end))

    def load(self) -> None:
        self.cancel.set()  # the report still running for the last choice stops
        self.cancel = threading.Event()
        self._title()
        self.query_one("#rp-status", Static).update(Content(_("reading…")))
        self._read(self.period, self.scope, self._previous(), self.cancel)

    @work(thread=True, exclusive=True, group="report", exit_on_error=False)
    def _read(self, period: Period, scope: Scope, previous: Period, cancel: threading.Event) -> None:
        try:
            report = self.store.reports.report(period, scope, previous=previous, cancel=cancel)
            charts = self.store.reports.report_charts(period, scope, cancel=cancel)
            ranking = self.store.scores.month_scores(period.start.strftime("%Y-%m"))
        except ReportCancelled:
            return
        except StoreError as exc:
            self.app.call_from_thread(self.notify, _c(exc), severity="error", markup=False)
            return
        if not cancel.is_set():
            self.app.call_from_thread(self._show, report, charts, ranking)

    def _title(self) -> None:
        assert self.period is not None
        self.query_one("#rp-title", Static).update(Content(_("Reports · {period} · {scope} · compared with {before}").format(
            period=self.period.label(), scope=_c(self.scope.label()), before=self._previous().label())))

    def _show(self, report: Any, charts: Any, ranking: Any) -> None:
        self.report, self.charts, self.ranking = report, charts, ranking
        table = self.query_one("#figures", DataTable)
        row = table.cursor_row
        table.clear()
        for f in report.figures:
            table.add_row(Text(f.label), Text(fmt(f.value, f.unit), justify="right"),
                          Text(fmt(f.previous, f.unit), justify="right"), Text(f.arrow), Text(target_text(f, short=True)),
                          key=f.key)
        if row:
            table.move_cursor(row=min(row, table.row_count - 1))
        self.query_one("#rp-status", Static).update(Content(
            _("[ ] move · p period · s n scope · c compare · v charts · ⏎ tickets · x export")))
        self._draw()

    # ------------------------------------------------------------- charts
    def _draw(self) -> None:
        figures, charts = self.query_one("#figures", DataTable), self.query_one("#charts")
        figures.display = self.view == "figures"
        charts.display = self.view != "figures"
        if self.view == "figures" or self.charts is None:
            figures.focus()
            return
        draw_chart(self.query_one("#plot", PlotextPlot), self.query_one("#legend", DataTable), self.view, self.charts,
                   self.ranking.technicians if self.ranking else [], self.period.start.strftime("%Y-%m"))  # type: ignore[union-attr]
        self.query_one("#legend", DataTable).focus()

    # ---------------------------------------------------------- drill down
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key, period = event.row_key.value or "", self.period
        if period is None:  # never: a row to drill into is shown once a period's report is
            return
        if event.data_table.id == "figures" and self.report is not None:
            f = self.report.figure(key)
            if f.drill:
                self._drill(period, f.label, self.scope, f.drill)
        elif event.data_table.id == "legend" and ":" in key:
            kind, value = key.split(":", 1)
            if kind == "tech":
                self._drill(period, _("Closed"), Scope("technician", int(value)), "closed")
            else:
                scope = Scope(kind, int(value) if kind == "site" else value)  # type: ignore[arg-type]
                self._drill(period, _("Missed a clock"), scope, "breached")

    @work(thread=True, exclusive=True, group="drill", exit_on_error=False)
    def _drill(self, period: Period, title: str, scope: Scope, drill: str) -> None:
        try:
            total, rows = self.store.reports.report_tickets(period, scope, drill)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, _c(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.app.push_screen, DrillScreen(_c(title), total, rows))

    # -------------------------------------------------------------- keys
    def action_shift(self, step: int) -> None:
        assert self.period is not None
        if self.period.kind == "month":
            self.period = self.period.following() if step > 0 else self.period.previous()
        else:
            self.period = Period(self.period.kind, self.period.start + timedelta(days=step * self.period.days),
                                 self.period.end + timedelta(days=step * self.period.days))
        self.load()

    def action_period(self) -> None:
        assert self.period is not None
        kind = KINDS[(KINDS.index(self.period.kind) + 1) % len(KINDS)] if self.period.kind in KINDS else "month"
        anchor = self.period.start
        self.period = {"month": Period.month, "week": Period.week, "day": Period.day}[kind](anchor)
        self.load()

    async def action_scope(self) -> None:
        kind = SCOPE_KINDS[(SCOPE_KINDS.index(self.scope.kind) + 1) % len(SCOPE_KINDS)]
        store = self.store
        # Awaited (a read): an 'n' typed right after 's' moves in the new scope.
        self.scope_values = await read(lambda: store.reports.scope_choices(kind))
        if kind != "center" and not self.scope_values:
            self.notify(_("No {kind} to choose").format(kind=scope_word(kind)), markup=False)
            return
        self.scope = Scope(kind, *self.scope_values[0]) if kind != "center" else Scope()
        self.load()

    def action_scope_next(self) -> None:
        if self.scope.kind == "center" or not self.scope_values:
            return
        keys = [v for v, _n in self.scope_values]
        i = (keys.index(self.scope.value) + 1) % len(keys) if self.scope.value in keys else 0
        self.scope = Scope(self.scope.kind, *self.scope_values[i])
        self.load()

    def action_compare(self) -> None:
        self.year_before = not self.year_before
        self.load()

    def action_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self._draw()

    def action_export(self) -> None:
        """The workbooks and data exports of what is shown (console/screens/export_form.py)."""
        from .export_form import ExportScreen

        assert self.period is not None
        form = ExportScreen(self.period, self.scope, self.export_kind, today=self.today)

        def closed(_path: object) -> None:
            self.export_kind = form.kind

        self.app.push_screen(form, closed)

    def action_back(self) -> None:
        self.cancel.set()
        self.app.pop_screen()
