"""``generate_scale``: many tickets appended fast for benchmarks, in bulk
through ``store.admin.load`` (no per-ticket history)."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import random
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pendulum import DateTime

from store import Store

from .helpers import _describe, _empty, _IsoTable, _mobile, _person, _windows
from .plans import _plan_open
from .reference import _Crew, _reference
from .tables import (
    CANCEL_REASONS,
    CATEGORIES_ORDER,
    CATEGORY_WEIGHTS,
    CENTER_NAME,
    CHANNEL_WEIGHTS,
    DAY,
    DISPATCHERS,
    FEES,
    PAUSE_NOTES,
    PRIORITY_WEIGHTS,
    RESOLUTIONS,
    SCALE_OPEN,
    SCALE_STATES,
    TICKET_COLUMNS,
    Plan,
)


class _Rows:
    """Turns open-ticket plans into ticket and pause rows for ``store.admin.load``:
    the --scale path, where a million tickets cannot each take half a dozen
    writes (its closed tickets are built inline in ``generate_scale``). No
    per-ticket events: the load records one event for the whole batch."""

    def __init__(self, rng: random.Random, iso: Callable[[int], str]):
        self.rng = rng
        self.iso = iso
        self.pauses: list[dict[str, Any]] = []

    def ticket(self, tid: int, plan: Plan, info: dict[str, Any]) -> dict[str, Any]:
        rng, iso = self.rng, self.iso
        status = plan["status"]
        row: dict[str, Any] = dict.fromkeys(TICKET_COLUMNS)
        row.update(
            id=tid, status=status, priority=info["priority"], channel=info["channel"],
            reporter=info["reporter"], phone=info["phone"], site_id=info["site_id"],
            equipment_id=info["equipment_id"], category=info["category"], description=info["description"],
            reported_at=iso(plan["rep"]), created_by=rng.choice(DISPATCHERS), repeat_of=info["repeat_of"],
            is_open=int(status not in ("closed", "cancelled")),
        )
        times = [plan["rep"]]
        if plan["assigned"] is not None and info.get("technician_id") is not None:
            row.update(technician_id=info["technician_id"], assigned_at=iso(plan["assigned"]))
            times.append(plan["assigned"])
        if plan["fr"] is not None:
            row["first_response_at"] = iso(plan["fr"])
            times.append(plan["fr"])
        if plan["arrived"] is not None:
            row.update(arrived_at=iso(plan["arrived"]), arrival_mode=plan["mode"])
            times.append(plan["arrived"])
        for reason, paused_from, start, end in plan["pauses"]:
            note = rng.choice(PAUSE_NOTES[reason]).format(part=info["parts"])
            self.pauses.append({"ticket_id": tid, "reason": reason, "note": note,
                                "started_at": iso(start), "ended_at": None if end is None else iso(end)})
            row["paused_from"] = paused_from
            times += [start] if end is None else [start, end]
        if status == "waiting":
            row["wait_reason"] = plan["wait_reason"]
        if plan["resolved"] is not None:
            symptom, cause, action, parts = info["resolution"]
            row.update(resolved_at=iso(plan["resolved"]), symptom=symptom, cause=cause, action=action, parts=parts)
            times.append(plan["resolved"])
        row.update(version=len(times), updated_at=iso(max(times)), updated_by=rng.choice(DISPATCHERS))
        return row


def generate_scale(store: Store, n: int, *, seed: int = 7, now: DateTime | None = None,
                   open_share: float = 0.1, chunk: int = 50_000,
                   progress: Callable[[int], None] | None = None,
                   building: Callable[[], None] | None = None, ahead: bool | None = None) -> dict[str, int]:
    """Append ``n`` tickets fast (benchmarks): the last ~365 days, ``open_share``
    of them open with deadlines near now, the rest closed or cancelled. Adds
    the reference data first if the store is empty. No per-ticket events.
    ``progress`` is called with the number of tickets written after each chunk,
    ``building()`` before the indexes are built: the tickets go in as one
    transaction (``store.admin.bulk``), the indexes built once at its end.
    ``ahead``: the rows drawn in a second process (default: from
    ``AHEAD_FROM`` tickets); the same rows either way."""
    rng = random.Random(seed)
    now_dt = (now or store.now()).in_timezone("UTC")
    now_s = now_dt.int_timestamp
    counts = {"sites": 0, "teams": 0, "technicians": 0, "equipment": 0, "tickets": 0, "pauses": 0}
    if _empty(store):
        store.settings.set_setting("timezone", "Asia/Shanghai")
        store.settings.set_setting("center_name", CENTER_NAME)
        ref = _reference(random.Random(seed))
        store.admin.load("demo.scale.reference", ref, {"scale": True, "seed": seed})
        for table in ("sites", "teams", "technicians", "equipment"):
            counts[table] = len(ref[table])
    else:
        ref = _reference_from(store)
    policy = store.settings.policy()
    windows = {p: _windows(pol) for p, pol in policy.items()}
    iso = _IsoTable(now_s - 400 * DAY, now_s + 5 * DAY)
    crew = _Crew(ref)

    # Pools: per-ticket work is a handful of rng.random() calls and list lookups.
    site_ids = [s["id"] for s in ref["sites"]]
    categories = [c for c, w in CATEGORY_WEIGHTS.items() for _ in range(w)]
    prio_table = {c: [p for p, w in zip((1, 2, 3, 4), ws, strict=True) for _ in range(w)]
                  for c, ws in PRIORITY_WEIGHTS.items()}
    channels = [c for c, w in CHANNEL_WEIGHTS.items() for _ in range(w)]
    descriptions = {c: [_describe(rng, c) for _ in range(40)] for c in CATEGORIES_ORDER}
    people = [(_person(rng), _mobile(rng)) for _ in range(500)]
    techs_for = {c: [t["id"] for t in ref["technicians"] if c in crew.skills[t["id"]]] or [1]
                 for c in CATEGORIES_ORDER}
    on_duty = {t["id"] for t in ref["technicians"] if t["on_duty"]}
    on_duty_for = {c: [t for t in ts if t in on_duty] or ts for c, ts in techs_for.items()}
    equipment = [(e["id"], e["site_id"], e["category"]) for e in ref["equipment"]]
    resolutions = {c: RESOLUTIONS[c] for c in CATEGORIES_ORDER}
    r = rng.random
    n_open = round(n * open_share)
    n_closed = n - n_open
    next_id = store.admin.max_ticket_id() + 1
    start = now_s - 365 * DAY
    step = (365 * DAY - 3 * DAY) / max(1, n_closed)
    last_on_device: dict[int, int] = {}
    builder = _Rows(rng, iso)
    Chunk = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # tickets, and the holds of those open

    def draw() -> Iterator[Chunk]:
        batch: list[dict[str, Any]] = []

        def cut() -> Iterator[Chunk]:
            nonlocal batch
            if batch:
                yield batch, builder.pauses
                batch, builder.pauses = [], []  # (open waiting tickets add their open pause to builder.pauses)

        for i in range(n_closed):
            tid = next_id + i
            rep = start + int(i * step + r() * step)
            if r() < 0.4:
                eid, site_id, category = equipment[int(r() * len(equipment))]
                prev = last_on_device.get(eid)
                repeat_of = prev if prev is not None and r() < 0.08 else None
                last_on_device[eid] = tid
            else:
                eid, repeat_of = None, None
                site_id = site_ids[int(r() * len(site_ids))]
                category = categories[int(r() * len(categories))]
            ps = prio_table[category]
            prio = ps[int(r() * len(ps))]
            wr, wo, wres = windows[prio]
            reporter, phone = people[int(r() * len(people))]
            ds = descriptions[category]
            row = dict.fromkeys(TICKET_COLUMNS)
            row["id"] = tid
            row["priority"] = prio
            row["channel"] = channels[int(r() * len(channels))]
            row["reporter"] = reporter
            row["phone"] = phone
            row["site_id"] = site_id
            row["equipment_id"] = eid
            row["category"] = category
            row["description"] = ds[int(r() * len(ds))]
            row["created_by"] = DISPATCHERS[i % 3]
            row["repeat_of"] = repeat_of
            row["is_open"] = 0
            row["updated_by"] = DISPATCHERS[(i + 1) % 3]
            if r() < 0.04:
                end = rep + 300 + int(r() * 7200)
                if end > now_s - 300:
                    rep -= end - (now_s - 300)
                    end = now_s - 300
                row["status"] = "cancelled"
                row["version"] = 2
                row["cancelled_at"] = row["updated_at"] = iso(end)
                row["cancel_reason"] = CANCEL_REASONS[i % len(CANCEL_REASONS)]
            else:
                fr = int(wr * (0.1 + 0.85 * r())) if r() < 0.92 else int(wr * (1.05 + 1.4 * r()))
                arrived = max(int(wo * (0.3 + 0.67 * r())) if r() < 0.87 else int(wo * (1.05 + 0.75 * r())), fr + 300)
                resolved = max(int(wres * (0.3 + 0.65 * r())) if r() < 0.9 else int(wres * (1.05 + r())),
                               arrived + 900)
                closed = resolved + 600 + int(r() * 30000)
                if rep + closed > now_s - 300:
                    rep = now_s - 300 - closed
                ts = techs_for[category]
                symptom, cause, action, parts = resolutions[category][i % len(resolutions[category])]
                row["status"] = "closed"
                row["version"] = 6
                row["technician_id"] = ts[int(r() * len(ts))]
                row["first_response_at"] = iso(rep + fr)
                row["assigned_at"] = iso(rep + fr // 2)
                row["arrived_at"] = iso(rep + arrived)
                row["arrival_mode"] = "remote" if r() < 0.25 else "onsite"
                row["resolved_at"] = iso(rep + resolved)
                row["closed_at"] = row["updated_at"] = iso(rep + closed)
                row["symptom"] = symptom
                row["cause"] = cause
                row["action"] = action
                row["parts"] = parts
                row["signoff"] = reporter
                row["fee_cents"] = FEES[i % len(FEES)] if r() < 0.2 else None
            row["reported_at"] = iso(rep)
            batch.append(row)
            if len(batch) >= chunk:
                yield from cut()

        for j in range(n_open):
            tid = next_id + n_closed + j
            status, variant = SCALE_OPEN[j % len(SCALE_OPEN)]
            state = SCALE_STATES[(j // len(SCALE_OPEN)) % len(SCALE_STATES)] if status != "resolved" else ""
            eid = None
            if r() < 0.6:
                eid, site_id, category = equipment[int(r() * len(equipment))]
            else:
                site_id = site_ids[int(r() * len(site_ids))]
                category = categories[int(r() * len(categories))]
            ps = prio_table[category]
            prio = ps[int(r() * len(ps))]
            plan = _plan_open(rng, now_s, policy[prio], category, status, state, variant)
            reporter, phone = people[int(r() * len(people))]
            ts = on_duty_for[category]
            ds = descriptions[category]
            batch.append(builder.ticket(tid, plan, {
                "priority": prio, "channel": channels[int(r() * len(channels))], "reporter": reporter,
                "phone": phone, "site_id": site_id, "equipment_id": eid, "category": category,
                "description": ds[int(r() * len(ds))], "repeat_of": None,
                "technician_id": ts[int(r() * len(ts))] if plan["assigned"] is not None else None,
                "first_technician_id": None, "resolution": resolutions[category][j % len(resolutions[category])],
                "parts": resolutions[category][0][3], "signoff": reporter,
            }))
            if len(batch) >= chunk:
                yield from cut()
        yield from cut()

    prepare = store.admin.ticket_rows()  # (policy and calendar read here, before any fork)

    def made() -> Iterator[tuple[Any, list[dict[str, Any]]]]:  # (store.admin's TicketRows)
        for tickets, held in draw():
            yield prepare(tickets, held), held

    # One transaction: a build killed midway leaves the file as it was.
    with store.admin.bulk("demo.scale", building):
        for rows, held in (_made_ahead(made) if (n >= AHEAD_FROM if ahead is None else ahead) else made()):
            at = rows.columns.index("id")
            store.admin.load(
                "demo.scale",
                {"pauses": held},
                {"scale": True, "seed": seed, "first": rows.values[0][at], "last": rows.values[-1][at]},
                rows=rows,
            )
            counts["tickets"] += len(rows.values)
            counts["pauses"] += len(held)
            if progress is not None:
                progress(len(rows.values))
    return counts


# From this many tickets the rows are drawn and derived in a second process
# (``_made_ahead``) while this one writes the chunk before: per-row Python was
# half of a million-ticket build, all of it on one core.
AHEAD_FROM = 20_000
_T = TypeVar("_T")


def _made_ahead(make: Callable[[], Iterator[_T]]) -> Iterator[_T]:
    """``make()``'s items, made in a forked child and sent through a pipe,
    which holds the child at most an item or so ahead (memory stays that of
    a chunk or two). The child only computes: it never touches the store's
    connections (it ends by ``os._exit``, closing none of them), and it stops
    when the pipe breaks, if this process is killed. Same items, same order:
    the child runs the same code on the same seeded generator."""
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child() -> None:
        # No collection here: garbage left by the parent (a store, a connection)
        # would be finalized in this copy, and SQLite's connections must not be
        # used, nor closed, across a fork. The rows make no cycles to collect.
        gc.disable()
        recv.close()
        try:
            for item in make():
                send.send((True, item))
            send.send((False, None))
        except BrokenPipeError:
            pass  # the parent is gone (killed, or stopped early): nothing to say
        except BaseException as exc:
            with contextlib.suppress(OSError):
                send.send((False, f"{type(exc).__name__}: {exc}"))
        finally:
            send.close()

    proc = ctx.Process(target=child, name="dispatch-scale-rows", daemon=True)
    proc.start()
    send.close()
    try:
        while True:
            try:
                more, item = recv.recv()
            except EOFError:
                raise RuntimeError(f"the process drawing the rows ended early (exit {proc.exitcode})") from None
            if not more:
                if item is not None:
                    raise RuntimeError(f"the process drawing the rows failed: {item}")
                return
            yield item
    finally:
        recv.close()
        if proc.is_alive():
            proc.terminate()
        proc.join()


def _reference_from(store: Store) -> dict[str, list[dict[str, Any]]]:
    """The reference data already in the store, in the shape ``_reference`` gives."""
    return store.admin.reference_rows()
