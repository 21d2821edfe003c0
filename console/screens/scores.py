"""The month's ranking of technicians and teams, the formula's parts in each
row (sum, count, mean, 0.15 × count, score); the star technician and the
winning team are marked with ★ and a word, not only a colour. ``[`` and ``]``
go to the previous and next month; Enter on a technician shows their daily
points. Below the tables the screen says what the points are (each answer's,
from the settings) and what the star's +0.5 is. Columns are sized in terminal
cells and only the names give way when the terminal is narrow: a score is
never cut."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from store.errors import StoreError
from store.rules.evaluations import RATINGS, rating_label
from store.rules.scoring import STAR_BONUS, show
from store.text import clean

from ..i18n import N_, _, ngettext
from ..widgets.footer import Footer
from ..widgets.lists import ListTable, fill
from .listing import BACK, ListScreen


def _c(value: object) -> str:
    return clean(str(value or ""), single_line=True)


class DailyScoresScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "back", N_("Back"))]

    def __init__(self, name: str, days: list[Any]) -> None:
        super().__init__()
        self.who = name
        self.days = days

    def compose(self) -> ComposeResult:
        with Vertical(classes="form daily-scores"):
            yield Static(Content(_("Daily points of {name}").format(name=_c(self.who))), classes="title")
            yield ListTable(id="days")
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


class ScoresScreen(ListScreen):
    BINDINGS = [
        Binding("left_square_bracket", "month(-1)", N_("Prev month"), key_display="["),
        Binding("right_square_bracket", "month(1)", N_("Next month"), key_display="]"),
        Binding("tab", "switch", N_("Techs/teams"), show=False),
        BACK,
    ]

    def __init__(self, month: str | None = None) -> None:
        super().__init__()
        self.month = month
        self.scores: Any = None
        self.points: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="sc-title", classes="title")
        with Vertical(id="sc-body"):
            yield ListTable(id="techs")
            yield ListTable(id="teams")
        yield Static("", id="sc-foot")
        yield Static("", id="sc-why")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    def data_changed(self) -> None:
        self.load()

    def on_resize(self) -> None:
        if self.scores is not None:
            self._fill()

    @work(thread=True, exclusive=True, group="scores", exit_on_error=False)
    def load(self) -> None:
        try:
            # The month: asked for, or this one in the site's zone (a read of the setting).
            self.month = self.month or self.store.scores.this_month()
            scores = self.store.scores.month_scores(self.month)
            points = {r: self.store.callbacks.points(r) for r in RATINGS}
        except StoreError as exc:
            self.app.call_from_thread(self.notify, _c(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._show, scores, points)

    def _show(self, scores: Any, points: dict[str, int]) -> None:
        self.scores, self.points = scores, points
        self.query_one("#sc-title", Static).update(Content(ngettext("Scores of {month}: {n} ticket evaluated, {w} waiting",
                                                  "Scores of {month}: {n} tickets evaluated, {w} waiting", scores.evaluated).format(
            month=scores.month, n=scores.evaluated, w=scores.waiting)))
        self._fill()
        star, win = scores.star, scores.winner
        foot = _("No evaluated tickets in {m}.").format(m=scores.month) if star is None else _(
            "★ Star technician: {s} ({score}, +0.5 on record) · ★ Winning team: {t} ({tscore})").format(
            s=_c(star.name), score=show(star.score), t=_c(win.name), tscore=show(win.score))
        self.query_one("#sc-foot", Static).update(Content(foot))
        self.query_one("#sc-why", Static).update(Content(explain(points)))

    def _fill(self) -> None:
        """Both tables, sized in cells to the terminal (only the names give way)."""
        scores = self.scores

        def parts(r: Any) -> list[Text]:
            return [Text(v, justify="right") for v in (str(r.total), str(r.count), show(r.mean), show(r.bonus_count),
                                                      show(r.score))]

        heads = (_("Sum"), _("n"), _("Mean"), _("0.15n"), _("Score"))
        fill(self.query_one("#techs", DataTable), [_("#"), "", _("Technician"), _("Team"), *heads], [
            ([Text(str(r.rank)), Text("★ " + _("star"), style="bold") if r.star else Text(""),
              Text(_c(r.name), style="bold" if r.star else ""), Text(_c(r.team_name)), *parts(r)], None)
            for r in scores.technicians], names=(2, 3))
        fill(self.query_one("#teams", DataTable), [_("#"), "", _("Team"), *heads], [
            ([Text(str(r.rank)), Text("★ " + _("winner"), style="bold") if r.winner else Text(""),
              Text(_c(r.name), style="bold" if r.winner else ""), *parts(r)], None)
            for r in scores.teams], names=(2,))

    def action_month(self, step: int) -> None:
        if self.month is None:  # not read yet
            return
        self.month = self.store.scores.previous_month(self.month, step)
        self.load()

    def action_switch(self) -> None:
        techs, teams = self.query_one("#techs", DataTable), self.query_one("#teams", DataTable)
        (teams if techs.has_focus else techs).focus()

    def focus_list(self) -> None:
        self.query_one("#techs", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "techs" or self.scores is None:
            return
        row = self.scores.technicians[event.cursor_row] if event.cursor_row < len(self.scores.technicians) else None
        if row is not None and self.month is not None:  # the month is known once scores are
            self.show_daily(self.month, row.key, row.name)

    @work(thread=True, exclusive=True, group="daily", exit_on_error=False)
    def show_daily(self, month: str, technician_id: int, name: str) -> None:
        days = self.store.scores.daily_scores(month, technician_id)
        self.app.call_from_thread(self.app.push_screen, DailyScoresScreen(name, days))


def explain(points: dict[str, int]) -> str:
    """What the numbers of the ranking are (docs/rules.md §5), the answers' points as the settings have them now."""
    answers = " · ".join(_("{answer} {n}").format(answer=rating_label(r), n=points[r]) for r in RATINGS)
    return _("Points: each answer is worth {answers}; a ticket's points (Sum) are the foreman's self-evaluation"
             " plus the phone callback's. Score = Sum ÷ n + 0.15 × n, n = evaluated tickets. The star's +{bonus}"
             " is a bonus kept on record for the yearly awards; it is not added to the score.").format(
        answers=answers, bonus=STAR_BONUS)
