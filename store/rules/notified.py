"""The "engineer notified" figure (issue 24; DOMAIN.md §10, seed 003: the
engineer team is told within 15 minutes of a report). Pure: no SQL.

Measured in elapsed (wall-clock) time from the report to the delivery of the
first assignment message to a technician (the outbox's sent time, kept on the
ticket as ``notified_at``), not in working time and with no hold deducted:
seed 003 puts the telling on the 7×24 hotline, which works every minute a
report can come in, whatever the repair calendar says (docs/rules.md §8).

Over the tickets reported in the period, less those cancelled before anyone
was told (nothing is left to tell). A ticket never told is counted by why:
not assigned, its technician has no address (nothing was queued), its
message is still waiting to be sent (retries), or every try failed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..i18n import _

TARGET_S = 15 * 60
Reason = Literal["unassigned", "no_address", "waiting", "failed"]
REASONS: tuple[Reason, ...] = ("unassigned", "no_address", "waiting", "failed")


def reason_label(reason: str) -> str:
    return {"unassigned": _("not assigned"), "no_address": _("the technician has no address"),
            "waiting": _("waiting to be sent"), "failed": _("delivery failed")}.get(reason, reason)


def reason_of(technician_id: int | None, states: Iterable[str]) -> Reason:
    """Why a ticket's technician was not told (its assignment messages' states)."""
    if technician_id is None:
        return "unassigned"
    found = set(states)
    if "pending" in found:
        return "waiting"
    return "failed" if "failed" in found else "no_address"


@dataclass
class NotifiedRaw:
    """One period's measurements: the tickets counted; of those told, how
    many, their delays' total and nearest-rank median (seconds), how many
    within TARGET_S; the others by reason. (Not figures.Dist: the figures
    stand on this module, not the other way round.)"""

    counted: int = 0
    within: int = 0
    n: int = 0
    total: float = 0.0
    median: float | None = None
    never: dict[str, int] = field(default_factory=dict)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def within_share(self) -> float | None:
        return self.within / self.counted if self.counted else None

    @property
    def not_notified(self) -> int:
        return self.counted - self.n


def rank(p: float, n: int) -> int:
    """The 1-based nearest rank of the p-th percentile among ``n`` values (as figures.rank)."""
    return max(1, math.ceil(p / 100 * n))


def summary(tickets: Iterable[tuple[float | None, Reason | None]]) -> NotifiedRaw:
    """The reference over (delay in seconds or None, reason or None) per
    counted ticket: what the SQL of store/repo/notified.py must agree with."""
    delays: list[float] = []
    never: dict[str, int] = {}
    counted = 0
    for delay, reason in tickets:
        counted += 1
        if delay is not None:
            delays.append(delay)
        else:
            never[reason or "no_address"] = never.get(reason or "no_address", 0) + 1
    delays.sort()
    median = delays[rank(50, len(delays)) - 1] if delays else None
    return NotifiedRaw(counted, sum(1 for d in delays if d <= TARGET_S), len(delays), float(sum(delays)), median, never)


@dataclass(frozen=True)
class TicketNotified:
    """One ticket: when its technician was first told (UTC text, as stored)
    and how long after the report; or why not."""

    notified_at: str | None
    delay_s: float | None
    reason: Reason | None

    @property
    def within(self) -> bool | None:
        return None if self.delay_s is None else self.delay_s <= TARGET_S

    def to_json(self) -> dict[str, object]:
        return {"notified_at": self.notified_at, "delay_s": self.delay_s, "within_15_min": self.within,
                "not_notified": self.reason}


__all__ = ["REASONS", "TARGET_S", "NotifiedRaw", "Reason", "TicketNotified", "reason_label", "reason_of", "summary"]
