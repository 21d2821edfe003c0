"""The demo's satisfaction loop: every day's callbacks planned by the manager
and logged by the evaluators the plan names, the foremen's self-evaluations,
all through the store's own methods on a clock moved day by day.

What the demo shows on first launch: a month of scores with a clear star
technician (the busiest technician of this month, rated best) and a winning
team; unsatisfied answers (each opens an improvement item); unreachable
callbacks (three tries); yesterday's calls partly left open (overdue, one
carried over) and today's plan waiting, so "my callbacks" has work."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pendulum
from pendulum import DateTime

from store.errors import StoreError
from store.rules.evaluations import today_in
from store.store import Store

from .users import DISPATCHERS

HISTORY_DAYS = 35
IMPOLITE = ("Raised his voice on the phone", "Said it was our own fault", "Left without saying what he did")
NOTES = {"satisfied": ("Quick and tidy", "Very helpful", ""), "basic": ("Took a while", "Fine, a bit late", ""),
         "unsatisfied": ("Fault came back the same day", "Nobody called before coming", "Rude and slow")}


class _Clock:
    def __init__(self, at: DateTime):
        self.at = at

    def __call__(self) -> DateTime:
        return self.at


def _rating(rng: random.Random, good: float) -> str:
    x = rng.random()
    return "satisfied" if x < good else "basic" if x < good + (1 - good) * 0.6 else "unsatisfied"


def add_demo_evaluations(store: Store, now: DateTime, *, seed: int = 7) -> dict[str, int]:
    """Plan and log the callbacks of every day of the demo's history up to
    ``now``; the store's clock and actor are put back afterwards."""
    rng = random.Random(seed)
    tz = store.settings.timezone
    today = today_in(now, tz)
    manager = next((u.login for u in store.users.find() if u.role == "manager"), store.actor)
    foremen = {u.team_id: u.login for u in store.users.find() if u.role == "foreman"}
    dispatchers = {login for login, _name in DISPATCHERS}
    start = today.subtract(days=HISTORY_DAYS)
    team_of = {t.id: t.team_id for t in store.people.technicians(include_retired=True)}
    best_team = store.people.teams()[0].id if store.people.teams() else None
    star: list[int] = []

    def good(tech: int) -> float:
        return 0.97 if tech in star else 0.8 if team_of.get(tech) == best_team else 0.55

    actor, clock = store.actor, store.clock
    counts: Counter[str] = Counter()
    try:
        days = [start.add(days=n) for n in range(HISTORY_DAYS + 1)]
        for day in days:  # the manager plans each morning (all first: the star is chosen from the plans)
            store.clock = _Clock(pendulum.datetime(day.year, day.month, day.day, 8, 30, tz=tz).in_timezone("UTC"))
            store.actor = manager
            try:
                counts["planned"] += store.callbacks.plan_callbacks(day).total
            except StoreError:  # nobody on shift: the demo has dispatchers and a manager, so never
                continue
        # The star: the busiest technician of this month, rated best.
        busy = Counter(c.technician_id for c in store.callbacks.find() if c.closed_day.month == today.month)
        star.extend(t for t, _n in busy.most_common(1))
        for day in days[:-1]:  # today's calls wait for the user
            at = pendulum.datetime(day.year, day.month, day.day, 9, 0, tz=tz)
            _log_day(store, rng, day, today, at, good, dispatchers, counts)
        _self_evaluate(store, rng, foremen, today, good, counts, tz)
    finally:
        store.actor, store.clock = actor, clock
    return dict(counts)


def _log_day(store: Store, rng: random.Random, day: pendulum.Date, today: pendulum.Date, at: DateTime,
             good: Any, dispatchers: set[str], counts: Counter[str]) -> None:
    calls = store.callbacks.find(day=day)
    yesterday = day == today.subtract(days=1)
    for i, c in enumerate(calls):
        store.actor = c.evaluator
        store.clock = _Clock(at.add(hours=1, minutes=7 * i % 480).in_timezone("UTC"))
        # Yesterday: a few dispatcher calls left open (overdue now), one carried over.
        if yesterday and c.evaluator in dispatchers and i % 5 == 0:
            if not counts["carried"]:
                store.callbacks.carry_over(c.id, "Reporter away until tomorrow")
                counts["carried"] += 1
            continue
        if rng.random() < 0.04:
            for _try in range(int(store.callbacks.loop_setting("callback_attempts"))):
                store.callbacks.log_unreachable(c.id, "No answer")
            counts["unreachable"] += 1
            continue
        rating = _rating(rng, good(c.technician_id))
        polite = rating != "unsatisfied" or rng.random() < 0.5
        answers = {"contacted_within_hour": rating == "satisfied" or rng.random() < 0.6, "polite": polite,
                   "impolite_note": "" if polite else rng.choice(IMPOLITE), "working": rating != "unsatisfied"}
        store.callbacks.log_callback(c.id, rating=rating, answers=answers, notes=rng.choice(NOTES[rating]))
        counts[rating] += 1


def _self_evaluate(store: Store, rng: random.Random, foremen: dict[int | None, str], today: pendulum.Date,
                   good: Any, counts: Counter[str], tz: str) -> None:
    """Each foreman evaluates the team's tickets closed before yesterday (the
    last two days stay pending, so the foremen's list is not empty)."""
    for login in foremen.values():
        store.actor = login
        for p in store.scores.pending_self_evaluations(login):
            closed = p.closed_at.in_timezone(tz)
            if today_in(closed, tz) >= today.subtract(days=1):
                continue
            store.clock = _Clock(closed.add(hours=20).in_timezone("UTC"))
            rating = _rating(rng, min(0.98, good(p.technician_id) + 0.15))
            store.scores.self_evaluate(p.ticket_id, record_complete=rating != "unsatisfied", measures_right=True,
                                efficiency=rating == "satisfied", rating=rating,
                                comment="" if rating == "satisfied" else "Record thin on the cause",
                                suggestion="Write the cause before closing" if rating == "unsatisfied" else "")
            counts["self"] += 1
