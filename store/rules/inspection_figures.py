"""The inspection figures (docs/rules.md "Inspections"), as pure functions
over plain records the store reads: visits done on time, findings per
equipment category, and faults soon after an inspection (one that missed
something). Days are the site's (``tz``); periods are store/rules/figures.py's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from pendulum import DateTime

from .inspection_days import on_time, site_day
from .periods import Period

FAULT_WINDOW_DAYS = 30  # a fault this soon after an inspection: the inspection missed it


@dataclass(frozen=True)
class VisitRecord:
    key: str
    due: date
    done_at: DateTime | None


@dataclass(frozen=True)
class Inspected:
    """One piece of equipment inspected on a visit, with its findings."""

    key: str
    equipment_id: int
    category: str
    done_at: DateTime
    findings: int


@dataclass(frozen=True)
class FaultReport:
    """A fault ticket (not an inspection) on a piece of equipment;
    ``from_inspection`` is the visit key whose finding opened it."""

    ticket_id: int
    equipment_id: int
    reported_at: DateTime
    from_inspection: str | None = None


def done_on_time(visits: Iterable[VisitRecord], period: Period, now: DateTime, tz: str) -> tuple[int, int]:
    """(on time, counted) over the visits due in ``period``. A visit counts
    once it is decided: done (on time or late), or its due day over (by the
    end of the period, or by today for the current one) without being done."""
    over = min(period.end, site_day(now, tz))  # due days before this one are over
    hits = counted = 0
    for v in visits:
        if not period.start <= v.due < period.end:
            continue
        if v.done_at is not None:
            counted += 1
            hits += on_time(v.due, v.done_at, tz)
        elif v.due < over:
            counted += 1
    return hits, counted


def findings_per_category(done: Iterable[Inspected], period: Period, tz: str) -> dict[str, tuple[int, int]]:
    """Per equipment category: (findings, pieces inspected) on visits done in ``period``."""
    out: dict[str, tuple[int, int]] = {}
    for x in done:
        if period.start <= site_day(x.done_at, tz) < period.end:
            found, seen = out.get(x.category, (0, 0))
            out[x.category] = (found + x.findings, seen + 1)
    return dict(sorted(out.items()))


def missed(done: Iterable[Inspected], faults: Iterable[FaultReport], period: Period, tz: str,
           window_days: int = FAULT_WINDOW_DAYS) -> list[tuple[Inspected, tuple[int, ...]]]:
    """The inspections done in ``period`` after which the same equipment had
    a fault reported within ``window_days`` (done_at < reported ≤ done_at +
    window), with those tickets; a repair opened from that visit's own
    finding was found, not missed. So far: a recent inspection can still go
    on this list until its window is over."""
    by_equipment: dict[int, list[FaultReport]] = {}
    for f in faults:
        by_equipment.setdefault(f.equipment_id, []).append(f)
    window = timedelta(days=window_days)
    out: list[tuple[Inspected, tuple[int, ...]]] = []
    for x in done:
        if not period.start <= site_day(x.done_at, tz) < period.end:
            continue
        end = x.done_at + window  # once per inspection: pendulum's add per fault was most of the head office's report
        hits = tuple(sorted(f.ticket_id for f in by_equipment.get(x.equipment_id, ())
                            if x.done_at < f.reported_at <= end and f.from_inspection != x.key))
        if hits:
            out.append((x, hits))
    return out
