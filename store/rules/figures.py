"""The arithmetic of the managers' figures (docs/rules.md §8): percentiles,
shares, the figures' definitions and the comparison with the previous period
(periods and scopes: store/rules/periods.py; targets: store/rules/targets.py).
Pure: no SQL, no I/O (store/repo/reports.py sums the rows up in SQL).

Percentiles are nearest-rank: the p-th percentile of n sorted values is the
value at rank ceil(p/100 × n) (1-based), so it is always one of the values
(the median of 1, 2, 3, 4 is 2; its 80th percentile is 4). A figure with
nothing to measure is None and shows as "–", never 0."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..i18n import _
from .notified import NotifiedRaw
from .targets import Better, Target

Unit = Literal["seconds", "share", "count", "score"]


# ------------------------------------------------------------- arithmetic
def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: Sequence[float], p: float, *, ordered: bool = False) -> float | None:
    """Nearest-rank percentile (``ordered``: ``values`` are sorted already)."""
    if not values:
        return None
    ordered_values = values if ordered else sorted(values)
    return ordered_values[rank(p, len(ordered_values)) - 1]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# ------------------------------------------------------------------ figures
@dataclass(frozen=True)
class FigureDef:
    key: str
    label: str
    unit: Unit
    better: Better | None  # None: neither way is better (opened, closed, …)
    drill: str | None = None  # which tickets stand behind it (reports.drill)


def figure_defs() -> list[FigureDef]:
    """Every figure, in the order a report shows them (labels translated now)."""
    return [
        FigureDef("response_mean", _("First response, mean"), "seconds", "lower", "responded"),
        FigureDef("response_median", _("First response, median"), "seconds", "lower", "responded"),
        FigureDef("response_p80", _("First response, 80th percentile"), "seconds", "lower", "responded"),
        FigureDef("response_online_mean", _("First response, online requests, mean"), "seconds", "lower", "responded"),
        # Beside first response: the technician told (store/rules/notified.py).
        FigureDef("notified_within", _("Engineer notified within 15 min"), "share", "higher", "notified_late"),
        FigureDef("notified_mean", _("Engineer notified, mean"), "seconds", "lower", "notified"),
        FigureDef("notified_median", _("Engineer notified, median"), "seconds", "lower", "notified"),
        FigureDef("not_notified", _("Not notified"), "count", "lower", "not_notified"),
        FigureDef("not_notified_no_address", _("Not notified: no address"), "count", "lower", "not_notified"),
        FigureDef("not_notified_failed", _("Not notified: delivery failed"), "count", "lower", "not_notified"),
        FigureDef("arrive_mean", _("Time to arrive, mean"), "seconds", "lower", "arrived"),
        FigureDef("arrive_median", _("Time to arrive, median"), "seconds", "lower", "arrived"),
        FigureDef("mttr_mean", _("Time to resolve (MTTR), mean"), "seconds", "lower", "resolved"),
        FigureDef("mttr_median", _("Time to resolve, median"), "seconds", "lower", "resolved"),
        FigureDef("mttr_p80", _("Time to resolve, 80th percentile"), "seconds", "lower", "resolved"),
        FigureDef("sla_response", _("SLA met: first response"), "share", "higher", "missed_response"),
        FigureDef("sla_onsite", _("SLA met: on site / remote"), "share", "higher", "missed_onsite"),
        FigureDef("sla_resolve", _("SLA met: resolved"), "share", "higher", "missed_resolve"),
        FigureDef("completion", _("Completed within the time limit"), "share", "higher", "late"),
        FigureDef("within_4h", _("Resolved within 4 h"), "share", "higher", "resolved"),
        FigureDef("first_time_fix", _("First-time fix"), "share", "higher", "refailed"),
        FigureDef("repeat_fault", _("Repeat faults (second repairs)"), "share", "lower", "repeats"),
        FigureDef("satisfied_share", _("Callbacks satisfied"), "share", "higher", "called"),
        FigureDef("score_mean", _("Mean callback score"), "score", "higher", "called"),
        FigureDef("unsatisfied", _("Unsatisfied callbacks"), "count", "lower", "unsatisfied"),
        FigureDef("unreachable", _("Callbacks unreachable"), "count", "lower", "unreachable"),
        FigureDef("complaints_resolved", _("Complaints resolved"), "share", "higher", "complaints"),
        FigureDef("items_on_time", _("Improvement items done on time"), "share", "higher", "items"),
        # Preventive inspections (docs/rules.md "Inspections"): visits, not tickets, so no drill.
        FigureDef("inspections_on_time", _("Inspections done on time"), "share", "higher"),
        FigureDef("inspection_findings", _("Inspection findings"), "count", None),
        FigureDef("inspections_missed", _("Faults after an inspection"), "count", "lower"),
        FigureDef("opened", _("Tickets opened"), "count", None, "opened"),
        FigureDef("closed", _("Tickets closed"), "count", None, "closed"),
        FigureDef("cancelled", _("Tickets cancelled"), "count", None, "cancelled"),
        FigureDef("backlog", _("Backlog at the end"), "count", "lower", "backlog"),
    ]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: Unit
    value: float | None
    previous: float | None
    target: float | None
    better: Better | None
    base: int | None = None  # how many tickets (calls, items…) it is measured over
    drill: str | None = None

    @property
    def change(self) -> str:
        """'better', 'worse', 'same', 'up', 'down' (no better side) or '' (nothing to compare)."""
        return compare(self.value, self.previous, self.better, self.unit)

    @property
    def arrow(self) -> str:
        """▲/▼/= and a word, so the comparison never rests on colour alone."""
        return arrow(self.value, self.previous, self.better, self.unit)

    @property
    def on_target(self) -> bool | None:
        if self.value is None or self.target is None or self.better is None:
            return None
        return self.value >= self.target if self.better == "higher" else self.value <= self.target


def compare(value: float | None, previous: float | None, better: Better | None, unit: Unit | None = None) -> str:
    """How ``value`` moved from ``previous``. With ``unit``, as they are shown:
    two figures written the same ("1h55m" and "1h55m") are the same, never "▲ worse"."""
    if value is None or previous is None:
        return ""
    if math.isclose(value, previous, rel_tol=1e-9, abs_tol=1e-9) or (
            unit is not None and fmt(value, unit) == fmt(previous, unit)):
        return "same"
    up = value > previous
    if better is None:
        return "up" if up else "down"
    return "better" if up == (better == "higher") else "worse"


def arrow(value: float | None, previous: float | None, better: Better | None, unit: Unit | None = None) -> str:
    word = compare(value, previous, better, unit)
    if not word:
        return ""
    if word == "same":
        return "= " + _("same")
    mark = "▲" if value > previous else "▼"  # type: ignore[operator]
    return f"{mark} " + {"better": _("better"), "worse": _("worse"), "up": _("up"), "down": _("down")}[word]


def fmt_seconds(s: float) -> str:
    """A duration as the console writes them: 45s, 4m05s, 1h31m, 2d04h."""
    s = round(s)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def fmt(value: float | None, unit: Unit) -> str:
    if value is None:
        return "–"
    if unit == "seconds":
        return fmt_seconds(value)
    if unit == "share":
        return f"{value * 100:.1f} %"
    if unit == "score":
        return f"{value:.2f}"
    return f"{round(value):,}"


def target_text(f: Figure, *, short: bool = False) -> str:
    """"≥ 98.0 % ✗ missed" (``short``: "≥98.0 % ✗", for narrow screens; ✓/✗ are shapes, not colours)."""
    if f.target is None or f.better is None:
        return ""
    sign = "≥" if f.better == "higher" else "≤"
    if short:
        return f"{sign}{fmt(f.target, f.unit)} {'' if f.on_target is None else '✓' if f.on_target else '✗'}".rstrip()
    mark = {True: "✓ " + _("met"), False: "✗ " + _("missed"), None: ""}[f.on_target]
    return f"{sign} {fmt(f.target, f.unit)} {mark}".rstrip()


def rank(p: float, n: int) -> int:
    """The 1-based nearest rank of the p-th percentile among ``n`` values (n ≥ 1)."""
    return max(1, math.ceil(p / 100 * n))


@dataclass(frozen=True)
class Dist:
    """Durations as the SQL sums them up: how many, their total, and the
    nearest-rank median and 80th percentile (None when there are none)."""

    n: int = 0
    total: float = 0.0
    median: float | None = None
    p80: float | None = None

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @classmethod
    def of(cls, values: Sequence[float]) -> Dist:
        """From the values themselves (tests, small sets)."""
        ordered = sorted(values)
        return cls(len(ordered), float(sum(ordered)), percentile(ordered, 50, ordered=True),
                   percentile(ordered, 80, ordered=True))


@dataclass
class Raw:
    """What the SQL hands over for one period: durations summed up, and counts."""

    response: Dist = field(default_factory=Dist)
    response_online: Dist = field(default_factory=Dist)
    arrive: Dist = field(default_factory=Dist)
    resolve: Dist = field(default_factory=Dist)  # tickets resolved in the period
    sla: dict[str, tuple[int, int]] = field(default_factory=dict)  # clock -> (met, decided)
    completed_in_time: int = 0
    within_4h: int = 0
    refailed: int = 0  # resolved in the period, a second repair of it came later
    repeats: int = 0  # opened in the period as a second repair
    opened_not_cancelled: int = 0
    calls_reached: int = 0
    calls_satisfied: int = 0
    score_sum: int = 0
    unsatisfied: int = 0
    unreachable: int = 0
    complaints: int = 0
    complaints_closed: int = 0
    items_due: int = 0
    items_on_time: int = 0
    opened: int = 0
    closed: int = 0
    cancelled: int = 0
    backlog: int = 0
    notified: NotifiedRaw | None = None  # the technician told (store/rules/notified.py)
    inspections_on_time: int = 0  # visits due in the period done on time (store/rules/inspection_figures.py)
    inspections_counted: int = 0
    inspection_findings: int = 0
    inspected: int = 0  # pieces of equipment inspected
    inspections_missed: int = 0


def values(raw: Raw) -> dict[str, tuple[float | None, int | None]]:
    """Each figure's value and the count it is measured over."""
    n_res = raw.resolve.n
    out: dict[str, tuple[float | None, int | None]] = {
        "response_mean": (raw.response.mean, raw.response.n),
        "response_median": (raw.response.median, raw.response.n),
        "response_p80": (raw.response.p80, raw.response.n),
        "response_online_mean": (raw.response_online.mean, raw.response_online.n),
        "arrive_mean": (raw.arrive.mean, raw.arrive.n),
        "arrive_median": (raw.arrive.median, raw.arrive.n),
        "mttr_mean": (raw.resolve.mean, n_res),
        "mttr_median": (raw.resolve.median, n_res),
        "mttr_p80": (raw.resolve.p80, n_res),
        "completion": (share(raw.completed_in_time, n_res), n_res),
        "within_4h": (share(raw.within_4h, n_res), n_res),
        "first_time_fix": (share(n_res - raw.refailed, n_res), n_res),
        "repeat_fault": (share(raw.repeats, raw.opened_not_cancelled), raw.opened_not_cancelled),
        "satisfied_share": (share(raw.calls_satisfied, raw.calls_reached), raw.calls_reached),
        "score_mean": (raw.score_sum / raw.calls_reached if raw.calls_reached else None, raw.calls_reached),
        "unsatisfied": (float(raw.unsatisfied), None),
        "unreachable": (float(raw.unreachable), None),
        "complaints_resolved": (share(raw.complaints_closed, raw.complaints), raw.complaints),
        "items_on_time": (share(raw.items_on_time, raw.items_due), raw.items_due),
        "inspections_on_time": (share(raw.inspections_on_time, raw.inspections_counted), raw.inspections_counted),
        "inspection_findings": (float(raw.inspection_findings), raw.inspected),
        "inspections_missed": (float(raw.inspections_missed), raw.inspected),
        "opened": (float(raw.opened), None),
        "closed": (float(raw.closed), None),
        "cancelled": (float(raw.cancelled), None),
        "backlog": (float(raw.backlog), None),
    }
    nr = raw.notified or NotifiedRaw()
    out.update({
        "notified_within": (nr.within_share, nr.counted),
        "notified_mean": (nr.mean, nr.n),
        "notified_median": (nr.median, nr.n),
        "not_notified": (float(nr.not_notified), nr.counted),
        "not_notified_no_address": (float(nr.never.get("no_address", 0)), nr.counted),
        "not_notified_failed": (float(nr.never.get("failed", 0)), nr.counted),
    })
    for clock in ("response", "onsite", "resolve"):
        met, decided = raw.sla.get(clock, (0, 0))
        out[f"sla_{clock}"] = (share(met, decided), decided)
    return out


def build(now: Raw, before: Raw, targets: dict[str, Target]) -> list[Figure]:
    cur, prev = values(now), values(before)
    figures = []
    for d in figure_defs():
        t = targets.get(d.key)
        figures.append(Figure(key=d.key, label=d.label, unit=d.unit, value=cur[d.key][0], previous=prev[d.key][0],
                              target=t.value if t else None, better=d.better, base=cur[d.key][1], drill=d.drill))
    return figures
