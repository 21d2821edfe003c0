"""derive()'s short ways under 24×7 (no holds: epoch arithmetic; holds: the
same rules on plain numbers) give exactly what the clocks worked out in full
on pendulum times give: the audit check holds every stored fact to
derive(), and a recompute writes them."""

from __future__ import annotations

import random
from typing import Any

import pendulum

from store.derive import derive
from store.sla import Pause, Policy
from store.timeutil import to_db

POLICY = {1: Policy(15, 60, 240), 2: Policy(30, 120, 480), 3: Policy(60, 240, 1440), 4: Policy(60, 480, 2880)}
STATUSES = ("new", "assigned", "onsite", "waiting", "resolved", "closed", "cancelled")


class WallClock:
    """24×7 like AlwaysOpen, but not one: derive() takes its long way."""

    def add(self, start: Any, seconds: float) -> Any:
        return start.add(seconds=seconds)

    def between(self, a: Any, b: Any) -> float:
        return max(0.0, (b - a).total_seconds())


def _row(r: random.Random, tid: int) -> dict[str, Any]:
    reported = pendulum.datetime(2026, 11, 1, tz="UTC").add(seconds=r.randint(0, 40 * 86400))
    row: dict[str, Any] = {"id": tid, "status": r.choice(STATUSES), "priority": r.randint(1, 4),
                           "reported_at": to_db(reported)}
    t = reported
    for key in ("first_response_at", "arrived_at", "resolved_at"):
        t = t.add(seconds=r.choice([0, 1, 599, 900, 3601, 20000, 200000]))
        row[key] = to_db(t) if r.random() < 0.6 else None
    return row


def test_the_short_way_is_the_long_way() -> None:
    r = random.Random(21)
    for tid in range(1, 5001):
        row = _row(r, tid)
        assert derive(row, [], POLICY, None) == derive(row, [], POLICY, WallClock()), row  # type: ignore[arg-type]


def _holds(r: random.Random, row: dict[str, Any]) -> list[Pause]:
    start = pendulum.parse(row["reported_at"])
    out = []
    for _ in range(r.choice([1, 1, 2, 3])):
        start = start.add(seconds=r.choice([-600, 0, 1, 300, 900, 5000, 40000]))
        end = None if r.random() < 0.3 else start.add(seconds=r.choice([0, 1, 60, 899, 3600, 100000]))
        out.append(Pause(start, end))  # type: ignore[arg-type]
        start = end or start
    return out


def test_the_short_way_with_holds_is_the_long_way() -> None:
    r = random.Random(22)
    for tid in range(1, 3001):
        row = _row(r, tid)
        holds = _holds(r, row)
        assert derive(row, holds, POLICY, None) == derive(row, holds, POLICY, WallClock()), (row, holds)  # type: ignore[arg-type]
