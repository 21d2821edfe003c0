"""The head office's read-only view (`dispatch hq`, README "Head-office
figures"): every center's month side by side with the company's, each
center's lag (when it last shipped, how long ago, and the events its file
held beyond that at the last run: the head office cannot know of events
written since), and a center's month with the reports screen's charts.

It reads PostgreSQL only (store/hq: a READ ONLY connection per read, in a
worker thread: never on the UI thread) and writes nowhere. It is not the
dispatch console: no SQLite file, no sign-in; the app is here beside its
two screens so the command line can start it (console/cli/hq.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pendulum
from rich.text import Text
from textual import getters, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from store.errors import StoreError
from store.i18n import pgettext
from store.rules.figures import fmt, target_text
from store.rules.periods import Period
from store.text import clean
from store.timeutil import Clock

from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.report_chart import VIEWS, draw_chart
from ..widgets.table import Table

T = TypeVar("T")


def _c(value: object) -> str:
    return clean(str(value or ""), single_line=True)


def _cut(value: object, cells: int) -> Text:
    """Text cut to ``cells`` terminal columns with an ellipsis (a CJK character takes two)."""
    text = Text(_c(value))
    text.truncate(cells, overflow="ellipsis")
    return text


def age_text(seconds: float) -> str:
    """How long ago, in the largest whole unit: 45 s, 12 min, 3 h, 2 d."""
    s = max(0, int(seconds))
    if s < 120:
        return _("{n} s ago").format(n=s)
    if s < 2 * 3600:
        return _("{n} min ago").format(n=s // 60)
    if s < 2 * 86400:
        return _("{n} h ago").format(n=s // 3600)
    return _("{n} d ago").format(n=s // 86400)


class HqApp(App[None]):
    """``read(work)``: ``work(conn)`` on a read-only head-office connection (store/hq/reading.py)."""

    CSS = """
    Screen { layout: vertical; }
    .title { height: 1; text-style: bold; padding: 0 1; }
    .status { height: 1; padding: 0 1; color: $text-muted; }
    #lag { height: auto; max-height: 8; }
    #hq-figures, #hc-figures { height: 1fr; }
    #hc-charts { height: 1fr; display: none; }
    #hc-plot { width: 1fr; }
    #hc-legend { width: 34; }
    """
    BINDINGS = [Binding("q", "quit", N_("Quit"))]

    def __init__(self, url: str, period: Period, *, clock: Clock | None = None) -> None:
        super().__init__()
        self.url, self.period = url, period
        self.clock: Clock = clock or (lambda: pendulum.now("UTC"))

    def read(self, work: Callable[[Any], T]) -> T:
        from store.hq.reading import reading

        with reading(self.url) as conn:
            return work(conn)

    def on_mount(self) -> None:
        self.push_screen(HqScreen(self.period))


class HqScreen(Screen[None]):
    """The centers side by side: their lag on top, the month's figures below (a column per center and the company)."""

    app = getters.app(HqApp)
    BINDINGS = [
        Binding("left_square_bracket", "shift(-1)", N_("Earlier"), key_display="["),
        Binding("right_square_bracket", "shift(1)", N_("Later"), key_display="]"),
        Binding("enter", "open", N_("Center's month"), key_display="⏎", priority=True),
        Binding("r", "reload", N_("Read again")),
        Binding("q", "app.quit", N_("Quit")),
    ]

    def __init__(self, period: Period) -> None:
        super().__init__()
        self.period = period
        self.codes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="hq-title", classes="title")
        yield Table(id="lag", cursor_type="none", show_cursor=False)
        yield Table(id="hq-figures", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="hq-status", classes="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#lag", DataTable).can_focus = False  # shown, not walked: the keys are the figures'
        self.query_one("#hq-figures", DataTable).focus()
        self.load()

    def load(self) -> None:
        self.query_one("#hq-title", Static).update(Content(_("Head office · {period} · compared with {before}").format(
            period=self.period.label(), before=self.period.previous().label())))
        self.query_one("#hq-status", Static).update(Content(_("reading…")))
        self._read(self.period)

    @work(thread=True, exclusive=True, group="hq", exit_on_error=False)
    def _read(self, period: Period) -> None:
        from store.hq.figures import company_report
        from store.hq.ship import status

        now = self.app.clock()
        try:
            report, lags = self.app.read(lambda conn: (company_report(conn, period, now), status(conn)))
        except StoreError as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self._show, period, report, lags, now)

    def _failed(self, exc: Exception) -> None:
        self.query_one("#hq-status", Static).update(Content(_c(exc)))
        self.notify(_c(exc), severity="error", markup=False)

    def _show(self, period: Period, report: Any, lags: list[Any], now: Any) -> None:
        from store.hq.figures import COMPANY

        if period != self.period:
            return  # an older month's answer, after [ or ] moved on
        self.codes = [c.code for c in report.centers]
        lag = self.query_one("#lag", DataTable)
        lag.clear(columns=True)
        lag.add_columns(pgettext("head office", "Center"), _("Last shipped (UTC)"), _("Age"),
                        _("Events behind at that run"), _("Name"))
        name_cells = max(12, min(40, self.size.width - 72))  # the lag's other columns take ~70
        for x in lags:
            at = pendulum.instance(x.last_shipped_at).in_timezone("UTC") if x.last_shipped_at else None
            lag.add_row(Text(_c(x.code)), Text(at.format("YYYY-MM-DD HH:mm") if at else "–"),
                        Text(age_text((now - at).total_seconds()) if at else "–"),
                        Text(f"{x.lag_events:,}", justify="right"), _cut(x.name or "", name_cells))
        table = self.query_one("#hq-figures", DataTable)
        where = table.cursor_coordinate
        table.clear(columns=True)
        # On a narrow screen the figure's name gives way so the centers' values fit.
        label_cells = 40 if self.size.width >= 100 else max(16, self.size.width - 9 * (len(self.codes) + 1) - 12)
        table.add_column(_("Figure"), key="figure")
        for code in self.codes:
            table.add_column(_c(code), key=f"c:{code}")
        table.add_column(_("Company"), key="company")
        table.add_column(_("Change"), key="change")
        for f in report.figures[COMPANY]:
            table.add_row(_cut(f.label, label_cells), *[Text(fmt(report.figure(code, f.key).value, f.unit), justify="right")
                                           for code in self.codes],
                          Text(fmt(f.value, f.unit), justify="right"), Text(f.arrow), key=f.key)
        if table.row_count:
            table.move_cursor(row=min(where.row, table.row_count - 1), column=min(where.column, len(table.columns) - 1))
        self.query_one("#hq-status", Static).update(Content(
            _("[ ] month · ←→ a center · ⏎ its month and charts · r read again · q quit") if self.codes
            else _("No center has shipped to the head office yet.")))

    def action_shift(self, step: int) -> None:
        self.period = self.period.following() if step > 0 else self.period.previous()
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_open(self) -> None:
        table = self.query_one("#hq-figures", DataTable)
        column = table.cursor_coordinate.column - 1  # the first column is the figure's name
        if not 0 <= column < len(self.codes):
            self.notify(_("Move to a center's column (← →) to open its month"), markup=False)
            return
        self.app.push_screen(HqCenterScreen(self.codes[column], self.period))


class HqCenterScreen(Screen[None]):
    """One center's month at the head office: its figures beside the month before and its targets, and the
    reports screen's charts (v)."""

    app = getters.app(HqApp)
    BINDINGS = [
        Binding("left_square_bracket", "shift(-1)", N_("Earlier"), key_display="["),
        Binding("right_square_bracket", "shift(1)", N_("Later"), key_display="]"),
        Binding("v", "view", N_("Chart")),
        Binding("escape", "back", N_("Back")),
        Binding("q", "app.quit", N_("Quit")),
    ]

    def __init__(self, code: str, period: Period) -> None:
        super().__init__()
        self.code, self.period = code, period
        self.view = "figures"
        self.charts: Any = None
        self.ranking: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="hc-title", classes="title")
        yield Table(id="hc-figures", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="hc-charts"):
            yield PlotextPlot(id="hc-plot")
            yield Table(id="hc-legend", cursor_type="row")
        yield Static("", id="hc-status", classes="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#hc-figures", DataTable).add_columns(_("Figure"), _("Now"), _("Before"), _("Change"),
                                                              _("Target"))
        self.query_one("#hc-figures", DataTable).focus()
        self.load()

    def load(self) -> None:
        self.query_one("#hc-title", Static).update(Content(_("Head office · center {code} · {period} · compared with"
                                                              " {before}").format(code=_c(self.code),
                                                                                  period=self.period.label(),
                                                                                  before=self.period.previous().label())))
        self.query_one("#hc-status", Static).update(Content(_("reading…")))
        self._read(self.period)

    @work(thread=True, exclusive=True, group="hq-center", exit_on_error=False)
    def _read(self, period: Period) -> None:
        from store.hq.charts import center_charts
        from store.hq.figures import company_report
        from store.hq.scores import company_scores

        now = self.app.clock()

        def work(conn: Any) -> tuple[Any, Any, Any]:
            report = company_report(conn, period, now, center=self.code)
            charts = center_charts(conn, report.centers[0], period, now) if report.centers else None
            return report, charts, company_scores(conn, period.label(), self.code)

        try:
            report, charts, ranking = self.app.read(work)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, _c(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._show, period, report, charts, ranking)

    def _show(self, period: Period, report: Any, charts: Any, ranking: Any) -> None:
        if period != self.period:
            return
        self.charts, self.ranking = charts, ranking.technicians
        table = self.query_one("#hc-figures", DataTable)
        row = table.cursor_row
        table.clear()
        for f in report.figures.get(self.code, []):
            table.add_row(Text(f.label), Text(fmt(f.value, f.unit), justify="right"),
                          Text(fmt(f.previous, f.unit), justify="right"), Text(f.arrow),
                          Text(target_text(f, short=True)), key=f.key)
        if row and table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self.query_one("#hc-status", Static).update(Content(_("[ ] month · v charts · esc the centers · q quit")))
        self._draw()

    def _draw(self) -> None:
        figures, charts = self.query_one("#hc-figures", DataTable), self.query_one("#hc-charts")
        figures.display = self.view == "figures"
        charts.display = self.view != "figures"
        if self.view == "figures" or self.charts is None:
            figures.focus()
            return
        legend = self.query_one("#hc-legend", DataTable)
        draw_chart(self.query_one("#hc-plot", PlotextPlot), legend, self.view, self.charts, self.ranking,
                   self.period.label())
        legend.focus()

    def action_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self._draw()

    def action_shift(self, step: int) -> None:
        self.period = self.period.following() if step > 0 else self.period.previous()
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()


def run_hq(url: str, period: Period) -> None:
    HqApp(url, period).run()
