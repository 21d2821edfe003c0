"""The month's ranking of technicians and teams, the formula's parts in each
row (sum, count, mean, 0.15 × count, score); the star technician and the
winning team are marked with ★ and a word, not only a colour. ``[`` and ``]``
go to the previous and next month; Enter on a technician shows their daily
points."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from store.errors import StoreError
from store.scoring import show
from store.text import clean

from ..i18n import N_, _, ngettext
from ..widgets.footer import Footer


def _c(value: object) -> str:
    return clean(str(value or ""), single_line=True)


class DailyScoresScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape", "back", N_("Back"))]

    def __init__(self, name: str, days: list[Any]) -> None:
        super().__init__()
        self.who = name
        self.days = days

    def compose(self) -> ComposeResult:
        with Vertical(classes="form daily-scores"):
            yield Static(Content(_("Daily points of {name}").format(name=_c(self.who))), classes="title")
            yield DataTable(id="days", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Day"), _("Tickets"), _("Points"))
        for d in self.days:
            table.add_row(Text(d.day.isoformat()), Text(str(d.count), justify="right"),
                          Text(str(d.total), justify="right"))
        if not self.days:
            table.add_row(Text(_("No evaluated tickets.")), Text(""), Text(""))
        table.focus()

    def action_back(self) -> None:
        self.dismiss(None)


class ScoresScreen(Screen[None]):
    BINDINGS = [
        Binding("left_square_bracket", "month(-1)", N_("Prev month"), key_display="["),
        Binding("right_square_bracket", "month(1)", N_("Next month"), key_display="]"),
        Binding("tab", "switch", N_("Techs/teams"), show=False),
        Binding("escape", "back", N_("Back")),
    ]

    def __init__(self, month: str | None = None) -> None:
        super().__init__()
        self.month = month
        self.scores: Any = None

    @property
    def store(self) -> Any:
        return self.app.store  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static("", id="sc-title", classes="title")
        with Vertical(id="sc-body"):
            yield DataTable(id="techs", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="teams", cursor_type="row", zebra_stripes=True)
        yield Static("", id="sc-foot")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.month = self.month or self.store.this_month()
        techs, teams = self.query_one("#techs", DataTable), self.query_one("#teams", DataTable)
        parts = (_("Sum"), _("n"), _("Mean"), _("0.15n"), _("Score"))
        techs.add_columns(_("#"), "", _("Technician"), _("Team"), *parts)
        teams.add_columns(_("#"), "", _("Team"), *parts)
        techs.focus()
        self.load()

    @work(thread=True, exclusive=True, group="scores", exit_on_error=False)
    def load(self) -> None:
        try:
            scores = self.store.month_scores(self.month)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, _c(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._show, scores)

    def _show(self, scores: Any) -> None:
        self.scores = scores
        self.query_one("#sc-title", Static).update(Content(ngettext("Scores of {month}: {n} ticket evaluated, {w} waiting",
                                                  "Scores of {month}: {n} tickets evaluated, {w} waiting", scores.evaluated).format(
            month=scores.month, n=scores.evaluated, w=scores.waiting)))
        techs, teams = self.query_one("#techs", DataTable), self.query_one("#teams", DataTable)
        techs.clear()
        teams.clear()

        def parts(r: Any) -> list[Text]:
            return [Text(v, justify="right") for v in (str(r.total), str(r.count), show(r.mean), show(r.bonus_count),
                                                      show(r.score))]

        for r in scores.technicians:
            mark = Text("★ " + _("star"), style="bold") if r.star else Text("")
            techs.add_row(Text(str(r.rank)), mark, Text(_c(r.name), style="bold" if r.star else ""),
                          Text(_c(r.team_name)), *parts(r))
        for r in scores.teams:
            mark = Text("★ " + _("winner"), style="bold") if r.winner else Text("")
            teams.add_row(Text(str(r.rank)), mark, Text(_c(r.name), style="bold" if r.winner else ""), *parts(r))
        star, win = scores.star, scores.winner
        foot = _("No evaluated tickets in {m}.").format(m=scores.month) if star is None else _(
            "★ Star technician: {s} ({score}, +0.5 on record) · ★ Winning team: {t} ({tscore}) · "
            "score = sum ÷ count + 0.15 × count").format(
            s=_c(star.name), score=show(star.score), t=_c(win.name), tscore=show(win.score))
        self.query_one("#sc-foot", Static).update(Content(foot))

    def action_month(self, step: int) -> None:
        self.month = self.store.previous_month(self.month, step)
        self.load()

    def action_switch(self) -> None:
        techs, teams = self.query_one("#techs", DataTable), self.query_one("#teams", DataTable)
        (teams if techs.has_focus else techs).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "techs" or self.scores is None:
            return
        row = self.scores.technicians[event.cursor_row] if event.cursor_row < len(self.scores.technicians) else None
        if row is not None:
            self.show_daily(row.key, row.name)

    @work(thread=True, exclusive=True, group="daily", exit_on_error=False)
    def show_daily(self, technician_id: int, name: str) -> None:
        days = self.store.daily_scores(self.month, technician_id)
        self.app.call_from_thread(self.app.push_screen, DailyScoresScreen(name, days))

    def action_back(self) -> None:
        self.app.pop_screen()
