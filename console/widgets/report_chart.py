"""The reports screen's charts (console/screens/reports.py), drawn into a
PlotextPlot with their legend in a DataTable beside it: tickets opened per
day by priority, SLA met per day, the technician ranking, missed clocks by
site and equipment type. The head-office view (console/screens/hq.py) draws
a center's month with the same code. plotext 5 counts a CJK character as one
column, so axes carry short codes (#1…, MM-DD) and the names stand in the
legend table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plotext import _utility as plotext_utility
from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual_plotext import PlotextPlot

from store.labels import category_label
from store.rules.figures import fmt
from store.rules.scoring import show
from store.text import clean

from ..i18n import _


def _in_order(data: Any) -> list[Any]:
    return list(dict.fromkeys(data))


# plotext 5 drops repeated ticks and points with list(set(...)): the order it
# then places axis labels in (a label that no longer fits is left out) and
# draws overlapping points in followed the string hashes, i.e. PYTHONHASHSEED,
# so a chart came out different from one run to the next. Keeping the first of
# each in order makes every chart the same picture (tests/test_report_charts_stable.py).
plotext_utility.no_duplicates = _in_order

VIEWS = ("figures", "per_day", "sla", "ranking", "breaches")
PRIORITY_FILLS = ("█", "▓", "▒", "░")  # P1 … P4 in the tickets-per-day bars: dense to light


def _counts_axis(top: int) -> tuple[list[int], list[str]]:
    """Whole-number ticks for an axis of counts (plotext's own would read 0.50,
    0.75 … tickets), at most six of them."""
    step = max(1, -(-top // 5))
    marks = list(range(0, top + step, step)) if top else [0, 1]
    return marks, [str(m) for m in marks]

def _c(value: object) -> str:
    return clean(str(value or ""), single_line=True)


def _name(value: object, cells: int = 14) -> Text:
    """A name cut to ``cells`` terminal columns (a CJK character takes two), so the legend keeps its numbers."""
    text = Text(_c(value))
    text.truncate(cells, overflow="ellipsis")
    return text


def _fill_legend(table: DataTable[Any], heads: list[str], rows: list[tuple[list[Text], str | None]]) -> None:
    """Put a chart's legend in ``table``, its columns as wide as their widest
    cell from the start. Left to the table, auto widths are measured on its
    next idle, and a paint before that is cached under a key the measuring
    does not change (Textual 8.2's DataTable): with `v` pressed fast, the
    header could keep widths that no longer matched the rows shown."""
    widths = [max([cell_len(h), *(cell_len(cells[i].plain) for cells, _k in rows)]) for i, h in enumerate(heads)]
    table.clear(columns=True)
    for head, width in zip(heads, widths, strict=True):
        table.add_column(Text(head), width=width)
    for cells, key in rows:
        table.add_row(*cells, key=key)
    table.refresh()


def draw_chart(plot: PlotextPlot, legend: DataTable[Any], view: str, c: Any, ranking: Sequence[Any], month: str) -> None:
    """Chart ``view`` (one of VIEWS but "figures") of ``c`` (store.repo.reports.Charts); ``ranking``: the
    month's technicians (rank, name, score, key), best first."""
    heads: list[str] = []
    rows: list[tuple[list[Text], str | None]] = []  # cells, row key
    # Untyped here: textual-plotext's hints are narrower than what plotext
    # takes (a marker per series, whole-number ticks in a list[float]).
    plt: Any = plot.plt
    plt.clear_data()
    plt.clear_figure()
    plt.theme("pro")  # plain: no colour carries meaning, the legend names each series
    ticks = list(range(1, len(c.days) + 1))
    every = max(1, len(ticks) // 6)
    labels = [d.strftime("%m-%d") for d in c.days]
    if view == "per_day":
        series = [c.per_priority[p] for p in (1, 2, 3, 4)]
        # Each priority its own fill, named in the legend table beside the
        # chart: plotext's own legend would sit on the bars, and colour alone
        # would carry the priority.
        plt.stacked_bar(ticks, series, marker=list(PRIORITY_FILLS))
        plt.xticks(ticks[::every], labels[::every])
        plt.yticks(*_counts_axis(max(map(sum, zip(*series, strict=True)), default=0)))
        plt.title(_("Tickets opened per day by priority"))
        heads = [_("Priority"), _("Tickets")]
        rows = [([Text(f"{fill} P{p}"), Text(str(sum(s)), justify="right")], None)
                for fill, p, s in zip(PRIORITY_FILLS, (1, 2, 3, 4), series, strict=True)]
    elif view == "sla":
        pts = [(x, 100 * v) for x, v in zip(ticks, c.sla_trend, strict=True) if v is not None]
        if pts:
            plt.plot([x for x, _y in pts], [y for _x, y in pts], marker="braille")
            # The days measured stand out from the line drawn across days without tickets.
            plt.scatter([x for x, _y in pts], [y for _x, y in pts], marker="●")
        plt.ylim(0, 100)
        plt.yticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100"])
        plt.xticks(ticks[::every], labels[::every])
        plt.title(_("SLA met per day reported (%)"))
        heads = [_("Day"), _("Met")]
        rows = [([Text(d.strftime("%m-%d")), Text(fmt(v, "share"), justify="right")], None)
                for d, v in zip(c.days, c.sla_trend, strict=True)]
    elif view == "ranking":
        techs = list(ranking)[:10]
        plt.title(_("Technician ranking {month}").format(month=month))
        if techs:
            # Horizontal bars draw bottom-up: reversed, so #1 is on top.
            plt.bar([f"#{r.rank}" for r in reversed(techs)], [float(r.score) for r in reversed(techs)],
                    orientation="horizontal")
        heads = [_("#"), _("Technician"), _("Score")]
        rows = [([Text(f"#{r.rank}"), _name(r.name), Text(show(r.score), justify="right")], f"tech:{r.key}")
                for r in techs]
        if not techs:  # an empty frame alone reads as broken
            rows.append(([Text("–"), Text(_("No evaluated tickets in this month")), Text("")], None))
    else:
        sites = c.breaches_site[:10]
        plt.title(_("Tickets with a missed clock, by site"))
        if sites:
            plt.bar([f"#{i}" for i in range(len(sites), 0, -1)], [n for *_x, n in reversed(sites)],
                    orientation="horizontal")
            plt.xticks(*_counts_axis(max(n for *_x, n in sites)))
        heads = [_("#"), _("Site"), _("Missed")]
        rows = [([Text(f"#{i}"), _name(name), Text(str(n), justify="right")], f"site:{sid}")
                for i, (sid, name, n) in enumerate(sites, 1)]
        rows += [([Text("·"), _name(category_label(cat)), Text(str(n), justify="right")], f"category:{cat}")
                 for cat, n in c.breaches_category[:5]]
        if not sites:
            rows.append(([Text("–"), Text(_("No missed clocks in this period")), Text("")], None))
    plot.refresh()
    _fill_legend(legend, heads, rows)
