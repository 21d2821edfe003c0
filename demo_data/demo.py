"""``generate_demo``: the demo center, deterministic for a seed and an instant
(see the package's docstring)."""

from __future__ import annotations

import random
from typing import Any

from pendulum import DateTime

from store import Store

from .helpers import _describe, _empty, _iso, _weighted
from .history import Step, _Clock, _load_reference, _play, _steps, invoice_steps
from .parts import parts_steps
from .plans import _plan_cancelled, _plan_finished, _plan_open, _shift
from .reference import _contacts, _Crew, _reference
from .tables import (
    CATEGORY_WEIGHTS,
    CENTER_NAME,
    CHANNEL_WEIGHTS,
    DAY,
    DEMO_FEES,
    DISPATCHERS,
    HISTORY_DAYS,
    HOSTILE,
    HOSTILE_AT,
    HOUR,
    LOCAL_OFFSET,
    MIN,
    OPEN_SPECS,
    PRIORITY_WEIGHTS,
    REPEAT_AT,
    RESOLUTIONS,
    Plan,
)


def _report_times(rng: random.Random, now: int) -> list[int]:
    """Reported instants of four weeks of tickets: busy weekdays, office hours (local).

    The history is 28 slices of 24 h ending two hours before ``now``, not
    calendar days cut at ``now``: cutting days at the build instant made the
    number of tickets depend on the time of day (one build had 1,516 tickets,
    another minutes later 1,515). Four whole weeks hold each weekday four
    times, and every day's count is drawn before any ticket, from ranges of
    the same size, so the total depends on the seed alone."""
    end = now - 2 * HOUR
    hours = [1, 1, 1, 1, 1, 1, 2, 4, 9, 12, 12, 11, 8, 10, 11, 11, 10, 8, 5, 3, 2, 2, 1, 1]
    draws = [rng.randint(0, 8) for _ in range(HISTORY_DAYS)]
    out = []
    for back in range(HISTORY_DAYS, 0, -1):
        start = end - back * DAY
        midday = start + DAY // 2 + LOCAL_OFFSET
        weekday = (midday // DAY + 3) % 7  # 0 = Monday, of the slice's middle (local)
        n = draws[back - 1] + (26 if weekday >= 5 else 58)
        start_tod = (start + LOCAL_OFFSET) % DAY
        for _ in range(n):
            hour = rng.choices(range(24), weights=hours)[0]
            tod = hour * HOUR + rng.randrange(HOUR)
            out.append(start + (tod - start_tod) % DAY)  # that local time of day, within the slice
    out.sort()
    return out


class _Devices:
    """Which machine a ticket names, so that ``repeat_of`` follows the rule
    exactly: a machine gets a new (not repeat) ticket only if none of its
    tickets was resolved in the repeat window before, and never while one is
    still being worked on."""

    def __init__(self, equipment: list[dict[str, Any]], window_s: int):
        self.window_s = window_s
        self.by_category: dict[str, list[dict[str, Any]]] = {}
        for e in equipment:
            self.by_category.setdefault(e["category"], []).append(e)
        self.history: dict[int, list[tuple[int, int | None, int | None, int]]] = {}
        self.reserved: set[int] = set()

    def reserve(self, rng: random.Random, category: str) -> dict[str, Any] | None:
        free = [e for e in self.by_category.get(category, []) if e["id"] not in self.reserved]
        if not free:
            return None
        e = rng.choice(free)
        self.reserved.add(e["id"])
        return e

    def _state(self, eid: int, rep: int) -> tuple[bool, int | None]:
        """(busy, id of the most recent resolved ticket within the window)."""
        busy, best = False, None
        for r0, end, resolved, tid in self.history.get(eid, []):
            if r0 <= rep and (end is None or end > rep):
                busy = True
            if resolved is not None and rep - self.window_s <= resolved <= rep and (best is None or resolved > best[0]):
                best = (resolved, tid)
        return busy, best[1] if best else None

    def choose(self, rng: random.Random, category: str, rep: int, repeat: bool,
               reserved: dict[str, Any] | None = None) -> tuple[dict[str, Any] | None, int | None]:
        if reserved is not None:
            return reserved, self._state(reserved["id"], rep)[1]
        fresh: list[tuple[dict[str, Any], int | None]] = []
        again: list[tuple[dict[str, Any], int | None]] = []
        for e in self.by_category.get(category, []):
            if e["id"] in self.reserved:
                continue
            busy, earlier = self._state(e["id"], rep)
            if busy:
                continue
            (again if earlier is not None else fresh).append((e, earlier))
        pool = again if repeat and again else fresh
        if not pool:
            return None, None
        return rng.choice(pool)

    def record(self, eid: int, rep: int, plan: Plan, tid: int) -> None:
        self.history.setdefault(eid, []).append((rep, plan["end"], plan["resolved"], tid))


def generate_demo(store: Store, *, seed: int = 7, now: DateTime | None = None) -> dict[str, int]:
    """Fill an empty, initialised store with a believable repair center.

    Every ticket is created and moved through its lifecycle by the store's own
    methods, on a clock the build moves and as the dispatcher who took each
    step: the audit log is the store's, and replays into the tickets exactly.
    The store's clock and actor are put back afterwards.

    Returns the number of rows per table afterwards (and ``pauses``)."""
    if not _empty(store) or store.admin.max_ticket_id():
        raise ValueError("generate_demo needs an empty database")
    rng = random.Random(seed)
    now_dt = (now or store.now()).in_timezone("UTC")
    now_s = now_dt.int_timestamp
    policy = store.settings.policy()
    window_s = int(store.settings.setting("repeat_window_days", 30)) * DAY

    ref = _reference(rng)
    contacts = _contacts(rng, ref["sites"])
    crew = _Crew(ref)
    devices = _Devices(ref["equipment"], window_s)

    # Plans: (reported, kind order, plan, info) — sorted by reported time, the order the store numbers them.
    plans: list[tuple[int, int, Plan, dict[str, Any]]] = []
    for i, (status, prio, state, variant) in enumerate(OPEN_SPECS):
        category = _weighted(rng, CATEGORY_WEIGHTS)
        device = None if i in REPEAT_AT or rng.random() < 0.1 else devices.reserve(rng, category)
        plan = _plan_open(rng, now_s, policy[prio], category, status, state, variant)
        info = {"priority": prio, "category": category, "reserved": device, "repeat": i in REPEAT_AT,
                "on_duty": True}
        if i in HOSTILE_AT:
            info["description"] = HOSTILE[HOSTILE_AT[i]]
        plans.append((plan["rep"], i, plan, info))
    for n, rep in enumerate(_report_times(rng, now_s)):
        category = _weighted(rng, CATEGORY_WEIGHTS)
        prio = rng.choices((1, 2, 3, 4), weights=PRIORITY_WEIGHTS[category])[0]
        if rng.random() < 0.04:
            plan = _plan_cancelled(rng, rep)
        else:
            plan = _plan_finished(rng, rep, policy[prio], category)
        late = plan["end"] - (now_s - 5 * MIN)
        if late > 0:  # everything in the history is finished by now
            plan = _shift(plan, -late)
        info = {"priority": prio, "category": category, "reserved": None,
                "repeat": rng.random() < 0.05, "wants_device": rng.random() < 0.8, "on_duty": False}
        plans.append((plan["rep"], 1000 + n, plan, info))
    plans.sort(key=lambda p: (p[0], p[1]))

    steps: list[Step] = []
    for k, (rep, _, plan, info) in enumerate(plans):
        category = info["category"]
        device, repeat_of = None, None
        if info["reserved"] is not None or info["repeat"] or info.get("wants_device", True):
            # Chosen so that the store's own second-repair rule links the
            # tickets meant to repeat (and only those): see _Devices.
            device, repeat_of = devices.choose(rng, category, rep, info["repeat"], info["reserved"])
        site_id = device["site_id"] if device else rng.randint(1, len(ref["sites"]))
        if device:
            devices.record(device["id"], rep, plan, k)
        reporter, phone = rng.choice(contacts[site_id])
        resolution = rng.choice(RESOLUTIONS[category])
        description = info.get("description") or _describe(rng, category)
        if repeat_of is not None and rng.random() < 0.6:
            description = rng.choice(("二次报修：", "Again: ", "上周刚修过，")) + description
        tech = first = None
        if plan["assigned"] is not None:
            tech = crew.pick(rng, site_id, category, info["on_duty"])
            if plan["reassign"] is not None:
                first = crew.pick(rng, site_id, category, False, not_id=tech)
        steps += _steps(rng, k, plan, {
            "priority": info["priority"], "channel": _weighted(rng, CHANNEL_WEIGHTS),
            "reporter": reporter, "phone": phone, "site_id": site_id,
            "equipment_id": device["id"] if device else None, "category": category,
            "description": description, "technician_id": tech, "first_technician_id": first,
            "resolution": resolution, "parts": resolution[3],
            "signoff": reporter if rng.random() < 0.7 else contacts[site_id][-1][0],
        })

    # The parts store's steps among the tickets' (its own generator: the tickets' draws stay as they were).
    steps += parts_steps(now_s, random.Random(seed + 25), store.actor)
    actor, store_clock = store.actor, store.clock
    clock = _Clock(min(s[0] for s in steps) - HOUR)  # the center is set up before its first ticket
    store.clock = clock
    try:
        store.actor = DISPATCHERS[0]
        store.settings.set_setting("timezone", "Asia/Shanghai")
        store.settings.set_setting("center_name", CENTER_NAME)
        # Everyone is on duty while the history is played (the store refuses work for someone off duty);
        # those off duty today went off after their last job, as the technicians' table says.
        on_duty = [{**t, "on_duty": 1} for t in ref["technicians"]]
        _load_reference(store, {**ref, "technicians": on_duty}, {"demo": True, "seed": seed, "now": _iso(now_s)})
        _play(store, clock, steps + invoice_steps(steps, now_s))
        for off in (t["id"] for t in ref["technicians"] if not t["on_duty"]):
            store.people.set_on_duty(off, False)
        # From now on closing proposes the fee (the history's fees were typed, as before schedules).
        store.fees.set_schedule(DEMO_FEES)
    finally:
        store.actor, store.clock = actor, store_clock
    counts = store.admin.stats()
    counts["pauses"] = sum(1 for s in steps if s[5] == "hold")
    return counts
