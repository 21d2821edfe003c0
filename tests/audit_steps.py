"""The steps of tests/audit_driver.py's Driver, one per public write method
of the Store (OPS), by topic: tickets; settings and people; bulk loads; the
satisfaction loop (callbacks, self-evaluations, items, complaints). Each
picks a target in a state that allows it (now and then any, for a refusal)
and arguments that may or may not pass."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pendulum

from store import Store
from store.rules.improve import COMPLAINT_STEPS, ITEM_MOVES
from store.timeutil import to_db

if TYPE_CHECKING:
    from audit_driver import Driver

CALENDARS = [
    {"kind": "24x7"},
    {"kind": "business", "opens": "08:30", "closes": "17:30", "weekdays": [1, 2, 3, 4, 5]},
    {"kind": "24x7", "holidays": [{"date": "2026-12-24", "until": "2026-12-26", "name": "Christmas"}]},
    {"kind": "business", "hours": {"mon": ["08:30-12:00", "13:00-17:30"], "sat": ["18:30-07:30"],
                                   "sun": ["00:00-24:00"], "wed": ["00:00-24:00"], "fri": ["07:00-23:00"]},
     "holidays": [{"date": "--12-25", "name": "Christmas Day"}]},
]
SETTINGS: dict[str, Callable[[random.Random], Any]] = {
    "timezone": lambda r: r.choice(["UTC", "Asia/Shanghai", "Europe/Berlin"]),
    "calendar": lambda r: r.choice(CALENDARS),
    "center_name": lambda r: r.choice(["East District Repair Center", "维修中心", "  "]),
    "center_code": lambda r: r.choice(["BJ-01", "GZ", "bj 1"]),
    "currency": lambda r: r.choice(["¥", "€", ""]),
    "fee_confirm_above": lambda r: r.choice(["5000", "100.5", "-1"]),
    "repeat_window_days": lambda r: r.choice([30, 7, 0]),
    "sign_in": lambda r: r.choice([True, False]),
    "meeting_day": lambda r: r.choice([10, 3, 31]),
    "report_targets": lambda r: r.choice([{"completion": 0.9}, {"completion": None}, {"within_4h": 0.7}]),
    "complaint_step_hours": lambda r: {"accept": 2, "investigate": 24, "handle": 48, "follow_up": 72,
                                       "close": r.choice([168, 100])},
    "callback_manager_share": lambda r: r.choice([0.1, 0.2]),
    "score_satisfied": lambda r: r.choice([10, 9]),
    "score_basic": lambda r: 8,
    "score_unsatisfied": lambda r: r.choice([6, 5]),
    "callback_attempts": lambda r: r.choice([3, 2]),
    "escalation": lambda r: r.choice(LADDERS),
    "notify_retry": lambda r: r.choice([{"attempts": 2, "first_s": 60}, {"attempts": 0}]),
}
SCHEDULES: list[Any] = [
    {"labour": "priority", "per_priority": {"1": "300", "2": "200"}, "call_out": "50", "rounding": "1"},
    {"labour": "hourly", "hourly_rate": "120", "parts_margin": "0.15"},
    {"parts_margin": "15"},  # refused
]
LADDERS: list[Any] = [
    {"default": [{"at": "at_risk", "to": ["foreman"]}, {"at": "breached", "to": ["foreman", "duty_manager"]}]},
    {"default": [{"at": 0.5, "to": ["managers"]}, {"at": 2, "to": ["managers"]}],
     "priorities": {"1": {"response": [{"at": "breached", "to": ["foreman"]}]}}},
    {"default": [{"at": "soon", "to": ["foreman"]}]},  # refused
]
HOOKS = [["json://localhost:9/hook"], [], ["json://localhost:9/a", "mailto://u:p@smtp.example.com?to=x@example.com"],
         ["no such thing"]]
ANSWERS = [{"contacted_within_hour": True, "polite": True, "working": True},
           {"contacted_within_hour": False, "polite": False, "impolite_note": "rude", "working": False}]
RECORD = {"symptom": "Card stuck", "cause": "Worn roller", "action": "Replaced roller", "parts": "roller"}


def repo_method(store: Store, name: str) -> Callable[..., Any]:
    """The store's method ``name``, on whichever repository has it."""
    for repo in (getattr(store, n) for n in store.repositories()):
        if type(repo).__name__.endswith("Repo") and hasattr(repo, name):
            return getattr(repo, name)  # type: ignore[no-any-return]
    raise AttributeError(name)


# ------------------------------------------------------------------ tickets

def _create(d: Driver) -> Any:
    site = d.pick("SELECT id FROM sites WHERE retired = 0")
    eq = d.pick("SELECT id FROM equipment WHERE site_id = ? AND retired = 0", (site[0],)) if site else None
    data: dict[str, Any] = {"priority": d.r.randint(1, 4), "channel": d.r.choice(["phone", "online", "counter"]),
                            "reporter": d.r.choice(["Wang", "李"]), "phone": d.r.choice(["138 0000 0001", "5"]),
                            "site_id": site[0] if site else 1, "category": d.r.choice(["atm", "pc", "other"]),
                            "description": d.text("fault") or "fault"}
    if eq is not None and d.r.random() < 0.7:
        data["equipment_id"] = eq[0]
    if d.r.random() < 0.3:
        data["reported_at"] = d.clock.now.subtract(minutes=d.r.choice([5, 50]))
    d._as(d.r.choice(["bob", "ann"]), d.r.choice([None, None, "ann"]))
    return d.s.tickets.create_ticket(data)


def _step(method: str, where: str, **kw: Callable[[Driver], Any]) -> Callable[[Driver], Any]:
    def run(d: Driver) -> Any:
        t = d.ticket(where)
        if t is None:
            return False
        args = {k: f(d) for k, f in kw.items()}
        return repo_method(d.s, method)(t[0], t[1] if d.r.random() < 0.95 else t[1] - 1, **args)
    return run


def _assign(d: Driver) -> Any:
    t = d.ticket("status IN ('new', 'assigned', 'onsite', 'waiting')")
    # Half the time one who has an address: the assignment is queued to them (notify.queue, then ticket.notified).
    tech = (d.r.random() < 0.5 and d.pick("SELECT id FROM technicians WHERE retired = 0 AND notify_urls IS NOT NULL")) \
        or d.pick("SELECT id FROM technicians WHERE retired = 0")
    if t is None or tech is None:
        return False
    return d.s.tickets.assign(t[0], t[1], technician_id=tech[0], reason=d.r.choice(["", "closer", "skills"]))


def _edit(d: Driver) -> Any:
    t = d.ticket("is_open = 1")
    if t is None:
        return False
    changes: dict[str, Any] = {}
    for field, values in (("priority", [1, 2, 3, 4]), ("category", ["atm", "ups"]), ("description", ["new text"]),
                          ("reporter", ["Zhao"]), ("phone", ["139 1111 2222"])):
        if d.r.random() < 0.3:
            changes[field] = d.r.choice(values)
    if d.r.random() < 0.2:
        eq = d.pick("SELECT id, site_id FROM equipment WHERE retired = 0")
        if eq is not None:
            changes.update(site_id=eq[1], equipment_id=eq[0])
    return d.s.tickets.edit_ticket(t[0], t[1], reason=d.r.choice(["", "phoned again"]), **changes)


def _edit_merging(d: Driver) -> Any:
    """An edit from a form opened a few writes ago: merged with them, or a conflict (EditConflict)."""
    t = d.ticket("is_open = 1 AND version > 1")
    if t is None:
        return False
    field, values = d.r.choice([("priority", [1, 2, 3, 4]), ("category", ["atm", "ups"]), ("phone", ["139 1111 2222"]),
                                ("description", ["new text", "other text"])])
    return d.s.tickets.edit(t[0], max(1, t[1] - d.r.choice([0, 1, 2])), {field: d.r.choice(values)},
                            reason="phoned again").ticket


def _note(d: Driver) -> Any:
    t = d.ticket("1")
    return False if t is None else d.s.tickets.add_note(t[0], d.text("note"))


# --------------------------------------------------------- settings, people

def _setting(d: Driver) -> Any:
    d._as("ann")
    key = d.r.choice(sorted(SETTINGS))
    return d.s.settings.set_setting(key, SETTINGS[key](d.r))


def _policy(d: Driver) -> Any:
    d._as("ann")
    a = d.r.choice([10, 15, 30])
    return d.s.settings.set_policy(d.r.randint(1, 4), a, a * d.r.choice([2, 4]), a * d.r.choice([8, 16]))


class _Interrupted(Exception):
    """ctrl+c during 'dispatch set calendar …': the batches done so far stay."""


def _stop(done: int, total: int) -> None:
    raise _Interrupted


def _recompute(d: Driver) -> Any:
    d._as("ann")
    if d.r.random() < 0.5:  # a change interrupted after its first batch leaves its marker
        d.s.settings.RECOMPUTE_BATCH = 1  # type: ignore[misc]
        try:
            d.s.settings.set_setting("calendar", d.r.choice(CALENDARS), _stop)
        except _Interrupted:
            return "interrupted"
        finally:
            del d.s.settings.RECOMPUTE_BATCH
    return d.s.settings.recompute(batch=d.r.choice([2, 1000]))


def _demo(d: Driver) -> Any:
    d._as("ann")
    return d.s.settings.mark_demo(d.r.randint(1, 9))


def _ref(kind: str) -> Callable[[Driver], Any]:
    def run(d: Driver) -> Any:
        d._as("ann")
        n = d.n
        if kind == "site":
            return d.s.reference.add_site(code=f"S{n}", name=f"Site {n}", address=d.text("road"), contact=d.text("c"))
        if kind == "equipment":
            site = d.pick("SELECT id FROM sites")
            return d.s.reference.add_equipment(asset_tag=f"EQ-{n}", category=d.r.choice(["atm", "pc"]), site_id=site[0],
                                     installed=d.r.choice([None, "2024-01-02"]), warranty_until=None)
        if kind == "team":
            tech = d.pick("SELECT id FROM technicians")
            return d.s.people.add_team(f"Team {n}", foreman_id=d.r.choice([None, tech[0]]))
        team = d.pick("SELECT id FROM teams WHERE retired = 0")
        return d.s.people.add_technician(f"Tech {n}", team[0], phone=d.r.choice(["", "138"]),
                                  skills=d.r.choice([(), ("atm", "ups")]), on_duty=d.r.random() < 0.7)
    return run


EDITS: dict[str, tuple[str, dict[str, Callable[[Driver], Any]]]] = {
    "site": ("sites", {"name": lambda d: f"Renamed {d.n}", "address": lambda d: d.text("addr"),
                       "contact": lambda d: "Mr Li", "code": lambda d: f"C{d.n}"}),
    "equipment": ("equipment", {"model": lambda d: f"M{d.n}", "category": lambda d: "ups",
                                "warranty_until": lambda d: d.r.choice([None, "2027-01-01"]),
                                "site_id": lambda d: d.pick("SELECT id FROM sites")[0]}),
    "team": ("teams", {"name": lambda d: f"Team renamed {d.n}",
                       "foreman_id": lambda d: d.r.choice([None, d.pick("SELECT id FROM technicians")[0]])}),
    "technician": ("technicians", {"phone": lambda d: "139", "skills": lambda d: ["pc"],
                                   "on_duty": lambda d: d.r.random() < 0.5,
                                   "team_id": lambda d: d.pick("SELECT id FROM teams")[0]}),
}


def _edit_ref(kind: str) -> Callable[[Driver], Any]:
    def run(d: Driver) -> Any:
        d._as("ann")
        table, fields = EDITS[kind]
        row = d.pick(f"SELECT id FROM {table}")
        chosen = {k: f(d) for k, f in fields.items() if d.r.random() < 0.5} or {k: f(d) for k, f in list(fields.items())[:1]}
        return repo_method(d.s, f"edit_{kind}")(row[0], **chosen)
    return run


def _retire(kind: str, table: str) -> Callable[[Driver], Any]:
    def run(d: Driver) -> Any:
        d._as("ann")
        row = d.pick(f"SELECT id FROM {table}")
        return repo_method(d.s, f"retire_{kind}")(row[0], d.r.random() < 0.7)
    return run


def _duty(d: Driver) -> Any:
    tech = d.pick("SELECT id FROM technicians")
    return d.s.people.set_on_duty(tech[0], d.r.random() < 0.5)


def _login(d: Driver) -> str:
    return d.pick("SELECT login FROM users")[0]


def _someone_added(d: Driver) -> str:
    """A person the steps added (u<N>), so role changes never take the
    fixture's foremen and dispatchers away from the steps that need them;
    any login when none was added yet."""
    row = d.pick("SELECT login FROM users WHERE login LIKE 'u%'")
    return row[0] if row else _login(d)


def _add_user(d: Driver) -> Any:
    d._as("ann")
    role = d.r.choice(["dispatcher", "foreman", "manager", "viewer"])
    team = d.pick("SELECT id FROM teams")
    return d.s.users.add_user(f"u{d.n}", d.r.choice(["New Person", "新人"]), role,
                        team_id=team[0] if role == "foreman" or d.r.random() < 0.3 else None,
                        pin=d.r.choice([None, "482193"]))


def _edit_user(d: Driver) -> Any:
    d._as("ann")
    changes: dict[str, Any] = {}
    if d.r.random() < 0.5:
        changes["name"] = f"Renamed {d.n}"
    if d.r.random() < 0.5:
        changes["role"] = d.r.choice(["dispatcher", "viewer", "manager"])
    if d.r.random() < 0.3:
        changes["team_id"] = d.r.choice([None, d.pick("SELECT id FROM teams")[0]])
    return d.s.users.edit_user(_someone_added(d), **(changes or {"name": "Same"}))


def _set_role(d: Driver) -> Any:
    d._as("ann")
    role = d.r.choice(["dispatcher", "foreman", "manager", "viewer"])
    team = d.pick("SELECT id FROM teams")
    return d.s.users.set_role(_someone_added(d), role, team_id=team[0] if role == "foreman" else None)


def _disable(d: Driver) -> Any:
    d._as("ann")
    login = d.pick("SELECT login FROM users WHERE login NOT IN ('ann', 'bob', 'alice', 'fay', 'gus')")
    return False if login is None else d.s.users.disable_user(login[0], d.r.random() < 0.6)


def _pin(d: Driver) -> Any:
    login = d.r.choice(["ann", _login(d)])
    d._as(d.r.choice(["ann", login]))
    return d.s.users.set_pin(login, d.r.choice([None, "482193"]))


def _pin_try(method: str) -> Callable[[Driver], Any]:
    """A PIN try from the keyboard (right or wrong, by anyone, locked or not):
    each counts, and the counters are history like any users column."""
    def run(d: Driver) -> Any:
        d._as(d.r.choice(["ann", "bob", "desk"]))  # 'desk': a shared OS account that is no user
        login = d.r.choice(["ann", "bob", _login(d)])
        repo_method(d.s, method)(login, d.r.choice(["482193", "000000", "1"]))
        return True  # a wrong PIN (False) is a try that went through all the same
    return run


def _ask(method: str) -> Callable[[Driver], Any]:
    """The console's questions before a key (store/repo/permits.py): they go
    through the write path's checks, and must never write."""
    def run(d: Driver) -> Any:
        ticket = d.pick("SELECT id FROM tickets")
        if method == "ticket_refusal":
            step = d.r.choice(["assign", "respond", "close", "cancel", "edit", "note", "create"])
            return d.s.permits.ticket_refusal(step, ticket[0] if ticket else None)
        return d.s.permits.refusal(d.r.choice(["ticket.close", "settings.set", "user.add", "item.confirm"]),
                           ticket_id=ticket[0] if ticket else None)
    return run


def _unlock(d: Driver) -> Any:
    d._as("ann")
    return d.s.pins.unlock_user(_login(d))


def _language(d: Driver) -> Any:
    login = _login(d)
    d._as(d.r.choice(["ann", login]))
    return d.s.users.set_user_language(login, d.r.choice([None, "zh_Hans", "en"]))


# ----------------------------------------------------------------- bulk

def _load(d: Driver) -> Any:
    d._as("ann")
    top = {t: d.s.db.q(f"SELECT COALESCE(MAX(id), 0) FROM {t}")[0][0] for t in ("sites", "equipment", "tickets")}
    site = top["sites"] + 1
    at = to_db(d.clock.now.subtract(hours=3))
    tickets = []
    pauses = []
    for i in range(d.r.randint(1, 3)):
        tid = top["tickets"] + 1 + i
        status = d.r.choice(["new", "assigned", "waiting", "closed"])
        t = {"id": tid, "status": status, "priority": d.r.randint(1, 4), "channel": "phone", "reporter": "Bulk",
             "phone": "555", "site_id": site, "equipment_id": None, "category": "atm", "description": "loaded",
             "reported_at": at, "created_by": "bob", "version": 1, "updated_at": at, "updated_by": "bob",
             "is_open": int(status != "closed"), "technician_id": 1 if status != "new" else None,
             "assigned_at": at if status != "new" else None}
        if status == "waiting":
            t.update(paused_from="assigned", wait_reason="parts")
            pauses.append({"ticket_id": tid, "reason": "parts", "note": "", "started_at": at, "ended_at": None})
        if status == "closed":
            t.update(first_response_at=at, arrived_at=at, arrival_mode="onsite", resolved_at=at, closed_at=at,
                     signoff="Wang", **RECORD)
        tickets.append(t)
    data = {"sites": [{"id": site, "code": f"B{site}", "name": f"Bulk {site}", "address": ""}],
            "equipment": [{"id": top["equipment"] + 1, "site_id": site, "asset_tag": f"BULK-{site}", "category": "atm",
                           "model": ""}], "tickets": tickets, "pauses": pauses}
    return d.s.admin.load("test.bulk", data, {"bulk": True})


def _bulk(d: Driver) -> Any:
    """Loads as one transaction, the tickets' indexes and search trigger set
    aside meanwhile (a big build); interrupted midway, nothing of it stays."""
    d._as("ann")
    try:
        with d.s.admin.bulk("test.bulk"):
            for _ in range(d.r.randint(1, 2)):
                _load(d)
            if d.r.random() < 0.3:
                raise _Interrupted
    except _Interrupted:
        return "interrupted"
    return "loaded"


def _import(d: Driver) -> Any:
    d._as("ann")
    table = d.r.choice(["sites", "equipment", "technicians", "users", "parts"])
    n = d.n
    rows = {
        "sites": [{"code": d.r.choice(["HQ", f"I{n}"]), "name": f"Imported {n}", "address": "x"}],
        "equipment": [{"asset_tag": d.r.choice(["HQ-ATM-A", f"IMP-{n}"]), "category": "pc", "site_code": "HQ"}],
        "technicians": [{"name": d.r.choice(["Li Wei", f"Imp {n}"]), "team": "Alpha Team", "on_duty": "yes"}],
        "users": [{"login": d.r.choice(["bob", f"imp{n}"]), "name": f"Imp {n}", "role": "dispatcher"}],
        "parts": [{"code": d.r.choice(["DB-40", f"P-{n}"]), "name": f"Part {n}", "min_stock": d.r.choice(["", "3"]),
                   "unit_cost": d.r.choice(["", "8.50", "x"]), "equipment_categories": d.r.choice(["", "atm, pc"])}],
    }[table]
    report = d.s.imports.import_records(table, rows)
    return False if report.errors else report


def _load_evaluations(d: Driver) -> Any:
    d._as("ann")
    return d.s.scores.load_evaluations(d.clock.now.format("YYYY-MM"), seed=d.r.randint(1, 9), foreman="fay")


# ------------------------------------------------------- the satisfaction loop

def _plan(d: Driver) -> Any:
    d._as("ann")
    if d.r.random() < 0.5:  # a new day: yesterday's closed tickets are today's calls
        d.clock.advance(days=1)
    day = None
    row = d.pick("SELECT closed_at FROM tickets WHERE status = 'closed'"
                 " AND id NOT IN (SELECT ticket_id FROM callbacks)")
    idle = d.pick("SELECT id FROM callbacks WHERE status = 'open'") is None
    if row is not None and (idle or d.r.random() < 0.7):  # the day after one that has calls to make
        day = pendulum.parse(row[0]).in_timezone(d.s.settings.timezone).date().add(days=1)
        day = day if day <= d.s.callbacks.today() else None
    return d.s.callbacks.plan_callbacks(day, save=d.r.random() < 0.9)


def _call(method: str) -> Callable[[Driver], Any]:
    def run(d: Driver) -> Any:
        c = d.pick("SELECT id, evaluator, role FROM callbacks WHERE status = 'open'"
                   + (" AND carry_reason IS NULL" if method == "carry_over" else ""))
        if c is None:
            return False
        d._as(c[1] if d.r.random() < 0.8 else "bob")
        if method == "log_callback":
            return d.s.callbacks.log_callback(c[0], rating=d.r.choice(["satisfied", "basic", "unsatisfied"]),
                                    answers=d.r.choice(ANSWERS), notes=d.text("notes"))
        if method == "log_unreachable":
            return d.s.callbacks.log_unreachable(c[0], note=d.text("no answer"))
        return d.s.callbacks.carry_over(c[0], reason=d.r.choice(["on leave", ""]))
    return run


def _self_eval(d: Driver) -> Any:
    t = d.pick("SELECT t.id, tech.team_id FROM tickets t JOIN technicians tech ON tech.id = t.technician_id"
               " WHERE t.status = 'closed' AND t.id NOT IN (SELECT ticket_id FROM self_evaluations)")
    if t is None:
        return False
    foreman = d.pick("SELECT login FROM users WHERE role = 'foreman' AND team_id = ?", (t[1],))
    d._as(foreman[0] if foreman else "fay")
    return d.s.scores.self_evaluate(t[0], record_complete=d.r.random() < 0.5, measures_right=True, efficiency=d.r.random() < 0.5,
                             rating=d.r.choice(["satisfied", "basic", "unsatisfied"]), comment=d.text("c"),
                             suggestion=d.text("s"))


def _item(method: str, **kw: Callable[[Driver], Any]) -> Callable[[Driver], Any]:
    def run(d: Driver) -> Any:
        item = d.target("improvement_items", "state", ITEM_MOVES[method.removeprefix("item_")][0], "id, version, team_id")
        if item is None:
            return False
        foreman = d.pick("SELECT login FROM users WHERE role = 'foreman' AND team_id = ?", (item[2],))
        manager = method in ("item_confirm", "item_send_back")
        d._as("ann" if manager and d.r.random() < 0.8 else d.r.choice(["ann", foreman[0] if foreman else "ann"]))
        return repo_method(d.s, method)(item[0], item[1], **{k: f(d) for k, f in kw.items()})
    return run


def _seeded(d: Driver) -> Any:
    """A demo's item on a closed ticket with no callback behind it (managers only)."""
    t = d.pick("SELECT t.id, tech.team_id FROM tickets t JOIN technicians tech ON tech.id = t.technician_id"
               " WHERE t.status = 'closed'")
    if t is None:
        return False
    d._as(d.r.choice(["ann", "bob"]))
    return d.s.items.open_seeded(t[0], t[1], 900_000 + d.n, d.clock.now)


def _complaint(d: Driver) -> Any:
    t = d.ticket("1")
    if t is None:
        return False
    d._as(d.r.choice(["bob", "ann"]))
    return d.s.complaints.add_complaint(t[0], d.r.choice(["Mr Zhao", "赵"]), d.text("late") or "late",
                             received_at=d.r.choice([None, d.clock.now.subtract(hours=2)]))


def _complaint_step(method: str, **kw: Callable[[Driver], Any]) -> Callable[[Driver], Any]:
    step = method.removesuffix("_complaint")
    ready = (COMPLAINT_STEPS[step][0],) if step in COMPLAINT_STEPS else tuple(s for s, _to in COMPLAINT_STEPS.values())

    def run(d: Driver) -> Any:
        c = d.target("complaints", "state", ready)
        if c is None:
            return False
        d._as(d.r.choice(["bob", "ann"]))
        return repo_method(d.s, method)(c[0], c[1], **{k: f(d) for k, f in kw.items()})
    return run


# -------------------------------------------------------------- escalations

def _ladder(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))
    return d.s.escalations.set_ladder(d.r.choice(LADDERS))


def _fire(d: Driver) -> Any:
    """fire_due: the escalations' and the due notices' (store/repo/due_notices.py), as the sender's pass runs both."""
    d._as(d.r.choice(["ann", "bob", "fay"]))
    return d.s.escalations.fire_due() + d.s.due_notices.fire_due()


def _fire_some(d: Driver) -> Any:
    """fire_some: a console's batch a poll (1–3 tickets here, so a pile spans steps)."""
    d._as(d.r.choice(["ann", "bob", "fay"]))
    return d.s.escalations.fire_some(d.r.randint(1, 3))[0]


def _acknowledge(d: Driver) -> Any:
    e = d.pick("SELECT id FROM escalations WHERE acknowledged_at IS NULL") if d.r.random() < 0.85 \
        else d.pick("SELECT id FROM escalations")
    if e is None:
        return False
    d._as(d.r.choice(["ann", "bob", "fay", "gus"]))
    return d.s.escalations.acknowledge(e[0], d.text("on it"))


def _user_addresses(d: Driver) -> Any:
    if not d.s.outbox.user_addresses("ann"):  # the managers hear of the later levels: so the outbox fills
        d._as("ann")
        return d.s.outbox.set_user_addresses("ann", HOOKS[0])
    login = d.r.choice(["ann", "bob", "fay", "gus", "alice"])
    d._as(d.r.choice(["ann", login]))
    return d.s.outbox.set_user_addresses(login, d.r.choice(HOOKS[:3] if d.r.random() < 0.9 else HOOKS))


def _tech_addresses(d: Driver) -> Any:
    tech = d.pick("SELECT id FROM technicians")
    d._as(d.r.choice(["ann", "ann", "bob"]))
    none_yet = d.pick("SELECT id FROM technicians WHERE notify_urls IS NOT NULL") is None
    return d.s.outbox.set_technician_addresses(tech[0] if tech else 1, HOOKS[0] if none_yet else d.r.choice(HOOKS))


def _attempt(d: Driver) -> Any:
    from store.delivery import Delivery, Outcome

    # A technician's message first, half the time: its delivery marks the ticket notified (ticket.notified).
    row = (d.r.random() < 0.5 and d.pick("SELECT id FROM outbox WHERE state = 'pending' AND recipient LIKE 'technician:%'")) \
        or d.pick("SELECT id FROM outbox WHERE state = 'pending'") or d.pick("SELECT id FROM outbox")
    if row is None:
        return False
    ok = d.r.random() < 0.6
    d._as(d.r.choice(["ann", "bob"]))
    delivery = Delivery((Outcome(1, "JSON", ok, None if ok else "connection refused"),), 0.1)
    return d.s.outbox.record_attempt(row[0], delivery, [1])


# ---------------------------------------------------------------- spare parts
def _place(d: Driver) -> str:
    tech = d.pick("SELECT id FROM technicians")
    return d.r.choice(["store", "store", f"van:{tech[0] if tech else 1}", "nowhere"])


def _part_ref(d: Driver) -> Any:
    row = d.pick("SELECT code FROM parts")
    return row[0] if row and d.r.random() < 0.95 else "NO-SUCH"


def _add_part(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))
    return d.s.parts.add_part(code=d.r.choice(["DB-40", f"P{d.n}"]), name=d.text("belt") or "belt",
                              unit_cost=d.r.choice(["10.50", "7", "-1"]), min_stock=d.r.choice([0, 4]),
                              equipment_categories=d.r.choice(["atm", "", "atm, printer", "toaster"]))


def _edit_part(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))
    row = d.pick("SELECT id, version FROM parts")
    if row is None:
        return False
    return d.s.parts.edit_part(row[0], row[1] if d.r.random() < 0.9 else row[1] - 1,
                               name=d.text("renamed") or "renamed", min_stock=d.r.choice([0, 2, 9]))


def _receive(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))
    return d.s.parts.receive_parts(_part_ref(d), d.r.choice([1, 3, 10, 0]), d.r.choice(["10.50", "12", "0.001"]),
                                   location=_place(d))


def _move(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "bob", "fay"]))
    # Mostly from where something lies (a random part and place is nearly always a shortage).
    held = d.pick("SELECT p.code, CASE loc.kind WHEN 'store' THEN 'store' ELSE 'van:' || loc.technician_id END"
                  " FROM stock_lots l JOIN parts p ON p.id = l.part_id JOIN stock_locations loc ON loc.id = l.location_id"
                  " WHERE l.remaining > 0") if d.r.random() < 0.8 else None
    part, source = held if held is not None else (_part_ref(d), _place(d))
    return d.s.parts.move_parts(part, d.r.choice([1, 2, 5]), source, _place(d))


def _count(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))
    return d.s.parts.count_parts(_part_ref(d), _place(d), d.r.choice([0, 1, 4, 12]), d.r.choice(["", "found", "lost"]))


def _use(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "bob", "fay"]))
    t = d.pick("SELECT id FROM tickets WHERE status IN ('assigned', 'onsite', 'resolved')") if d.r.random() < 0.9 \
        else d.pick("SELECT id FROM tickets")
    if t is None:
        return False
    return d.s.parts.use_parts(t[0], _part_ref(d), d.r.choice([1, 2, 3]), d.r.choice([None, "store", _place(d)]),
                               d.r.choice([None, None, "warranty", "charged"]), d.r.choice(["", "goodwill"]))


def _resolve_using(d: Driver) -> Any:
    """Resolve with catalogue parts in one write: a shortage refuses both."""
    from store.repo.parts_rows import PartUse

    d._as(d.r.choice(["ann", "bob", "fay"]))
    t = d.ticket("status = 'onsite'")
    if t is None:
        return False
    # Where from: the ticket's van (None), or named as the resolve form's picked lines name it.
    uses = [PartUse(str(_part_ref(d)), d.r.choice([1, 2, 5]), d.r.choice([None, None, "charged"]),
                    d.r.choice(["", "goodwill"]), d.r.choice([None, None, "store", _place(d)]))
            for _ in range(d.r.choice([0, 0, 1, 2]))]
    return d.s.parts.resolve_using(t[0], t[1] if d.r.random() < 0.95 else t[1] - 1, uses,
                                   at=d.stated(), **RECORD)


def _requeue(d: Driver) -> Any:
    from store.delivery import Delivery, Outcome

    if d.pick("SELECT id FROM outbox WHERE state = 'failed'") is None:
        # None given up on yet: one attempt allowed, and a waiting message fails it (the sender's writes).
        pending = d.pick("SELECT id FROM outbox WHERE state = 'pending'")
        if pending is None:
            return False
        d._as("ann")
        d.s.settings.set_setting("notify_retry", {"attempts": 1})
        d.s.outbox.record_attempt(pending[0], Delivery((Outcome(1, "JSON", False, "connection refused"),), 0.1), [1])
    row = d.pick("SELECT id FROM outbox WHERE state = 'failed'") if d.r.random() < 0.85 \
        else d.pick("SELECT id FROM outbox")
    if row is None:
        return False
    d._as(d.r.choice(["ann", "ann", "bob"]))  # bob: refused (managers only)
    return d.s.outbox.requeue(row[0])


def _schedule(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))  # bob: refused (managers only)
    if d.r.random() < 0.3:
        return d.s.settings.set_setting("invoice_check_days", d.r.choice([7, 3, 0]))
    return d.s.fees.set_schedule(d.r.choice(SCHEDULES))


def _invoice(method: str) -> Callable[[Driver], Any]:
    def run(d: Driver) -> Any:
        d._as(d.r.choice(["bob", "ann", "fay"]))  # fay, a foreman: refused
        t = d.ticket("status = 'closed' AND fee_cents > 0") if d.r.random() < 0.9 else d.ticket("1")
        if t is None:
            return False
        version = t[1] if d.r.random() < 0.95 else t[1] - 1
        if method == "record_invoice":
            return d.s.fees.record_invoice(t[0], version, d.r.choice(["INV-1", f"INV-{t[0]}", " "]))
        return d.s.fees.check_invoice(t[0], version)
    return run


def _words(d: Driver) -> str:
    return d.text("words")


# ------------------------------------------------------------ inspections
CHECKLISTS = {"atm": [{"key": "reader", "label": "Card reader"},
                      {"key": "volts", "label": "Battery", "kind": "measure", "unit": "V", "low": 12, "high": 14}],
              "network": [{"key": "link", "label": "Link light"}]}


def _add_inspection_plan(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))
    where = d.r.choice([{"site_id": 1}, {"site_id": 2}, {"equipment_id": 3}, {"site_id": 1, "equipment_id": 3}])
    every = d.r.choice([{"every": "month"}, {"every": "quarter"}, {"every": "days", "days": 7}, {"every": "days"}])
    starts = d.clock.now.date().add(days=d.r.choice([0, 1, 2, -1]))
    return d.s.inspections.add_plan(**where, **every, starts=starts, team_id=d.r.choice([1, 2]),
                                    notice_days=d.r.choice([0, 3]), checklists=CHECKLISTS)


def _edit_inspection_plan(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))
    row = d.pick("SELECT id, version FROM inspection_plans WHERE retired_at IS NULL")
    if row is None:
        return False
    return d.s.inspections.edit_plan(row[0], row[1] if d.r.random() < 0.9 else row[1] - 1,
                                     notice_days=d.r.choice([1, 5, 99]), team_id=d.r.choice([1, 2]))


def _retire_inspection_plan(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "ann", "bob"]))
    if (d.s.db.value("SELECT COUNT(*) FROM inspection_plans WHERE retired_at IS NULL") or 0) < 2:
        return False  # keep one making visits for the other steps
    row = d.pick("SELECT id, version FROM inspection_plans WHERE retired_at IS NULL")
    return d.s.inspections.retire_plan(row[0], row[1])


def _run_inspections(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "bob", "fay"]))
    return d.s.inspections.run_inspections() or False


def _site_contact(d: Driver) -> Any:
    """A site's contact for the inspection notices (managers; a dispatcher refused), mostly with an address."""
    d._as(d.r.choice(["ann", "ann", "bob"]))
    return d.s.inspections.set_site_contact(d.r.choice([1, 2]), d.r.choice([HOOKS[0], HOOKS[0], [], ["nonsense"]]),
                                            d.r.choice([None, "zh_Hans", "en", "fr"]))


def _record_checklist(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "bob", "fay", "gus"]))
    v = d.pick("SELECT id, equipment FROM inspection_visits WHERE done_at IS NULL")
    if v is None or not json.loads(v[1]):
        return False
    eq = d.r.choice(json.loads(v[1]))
    answers = {"reader": {"outcome": d.r.choice(["pass", "fail"])}, "volts": {"value": d.r.choice(["13", "11.2", "x"])},
               "link": {"outcome": d.r.choice(["pass", "fail", "maybe"])}}
    category = d.s.db.value("SELECT category FROM equipment WHERE id = ?", (eq,))
    keys = [i["key"] for i in CHECKLISTS.get(category, [])]
    return d.s.inspections.record_checklist(v[0], eq, {k: answers[k] for k in keys})


def _open_repair(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "bob", "fay"]))
    r = d.pick("SELECT visit_id, equipment_id, results FROM inspection_results WHERE findings > 0")
    if r is None:
        return False
    failed = [a["key"] for a in json.loads(r[2]) if a["outcome"] == "fail"]
    return d.s.inspections.open_repair(r[0], r[1], d.r.choice([*failed, "reader"]))


def _leave_note(d: Driver) -> Any:
    return d.s.handover.leave_note(d.text("handover"))


def _mark_seen(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "bob", "alice"]))
    note = d.pick("SELECT id FROM handover_notes")
    return False if note is None else d.s.handover.mark_seen(note[0])


def _keep_snapshots(d: Driver) -> Any:
    d._as(d.r.choice(["ann", "bob", "fay"]))
    return d.s.snapshots.keep(every=d.r.choice([2, 5, 50]))


OPS: dict[str, Callable[[Driver], Any]] = {
    "create_ticket": _create,
    "respond": _step("respond", "status IN ('new', 'assigned', 'onsite', 'waiting') AND first_response_at IS NULL",
                     at=lambda d: d.stated(),
                     note=lambda d: d.text("called")),
    "assign": _assign,
    "arrive": _step("arrive", "status = 'assigned'", at=lambda d: d.stated(),
                    mode=lambda d: d.r.choice(["onsite", "remote"])),
    "hold": _step("hold", "status IN ('new', 'assigned', 'onsite')", at=lambda d: d.stated(),
                   reason=lambda d: d.r.choice(["customer", "parts"]), note=lambda d: d.text("waiting")),
    "resume": _step("resume", "status = 'waiting'", at=lambda d: d.stated()),
    "resolve": _step("resolve", "status = 'onsite'", at=lambda d: d.stated(),
                     **{k: (lambda d, v=v: v) for k, v in RECORD.items()}),
    "edit_ticket": _edit,
    "edit": _edit_merging,
    "close": _step("close", "status = 'resolved'", signoff=lambda d: "Wang",
                   fee=lambda d: d.r.choice([None, Decimal("120.50"), "88"]),
                   # (from the step's number: a draw here would change every later step of the seeds)
                   reason=lambda d: "regular customer" if d.n % 4 == 0 else ""),
    "cancel": _step("cancel", "is_open = 1", reason=lambda d: d.r.choice(["duplicate", ""])),
    "add_note": _note,
    "set_setting": _setting,
    "set_policy": _policy,
    "recompute": _recompute,
    "mark_demo": _demo,
    "add_site": _ref("site"), "add_equipment": _ref("equipment"), "add_team": _ref("team"),
    "add_technician": _ref("technician"),
    "edit_site": _edit_ref("site"), "edit_equipment": _edit_ref("equipment"), "edit_team": _edit_ref("team"),
    "edit_technician": _edit_ref("technician"),
    "retire_site": _retire("site", "sites"), "retire_equipment": _retire("equipment", "equipment"),
    "retire_team": _retire("team", "teams"), "retire_technician": _retire("technician", "technicians"),
    "set_on_duty": _duty,
    "add_user": _add_user, "edit_user": _edit_user, "set_role": _set_role, "disable_user": _disable,
    "set_pin": _pin, "set_user_language": _language,
    "try_pin": _pin_try("try_pin"), "check_pin": _pin_try("check_pin"), "sign_in": _pin_try("sign_in"),
    "unlock_user": _unlock, "refusal": _ask("refusal"), "ticket_refusal": _ask("ticket_refusal"),
    "load": _load, "bulk": _bulk, "import_records": _import, "load_evaluations": _load_evaluations,
    "plan_callbacks": _plan, "log_callback": _call("log_callback"), "log_unreachable": _call("log_unreachable"),
    "carry_over": _call("carry_over"),
    "self_evaluate": _self_eval,
    "item_follow_up": _item("item_follow_up", weak_points=_words), "item_propose": _item("item_propose", measures=_words),
    "item_submit": _item("item_submit"), "item_confirm": _item("item_confirm"),
    "item_send_back": _item("item_send_back", reason=_words),
    "open_seeded": _seeded,
    "keep": _keep_snapshots,
    "add_complaint": _complaint,
    "accept_complaint": _complaint_step("accept_complaint"),
    "investigate_complaint": _complaint_step("investigate_complaint", findings=_words),
    "handle_complaint": _complaint_step("handle_complaint", plan=_words, informed=lambda d: d.r.random() < 0.8),
    "follow_up_complaint": _complaint_step("follow_up_complaint", note=_words),
    "close_complaint": _complaint_step("close_complaint", analysis=_words),
    "open_item_from_complaint": _complaint_step("open_item_from_complaint"),
    "set_ladder": _ladder, "fire_due": _fire, "fire_some": _fire_some, "acknowledge": _acknowledge, "set_user_addresses": _user_addresses,
    "set_technician_addresses": _tech_addresses, "record_attempt": _attempt, "requeue": _requeue,
    "add_part": _add_part, "edit_part": _edit_part, "receive_parts": _receive, "move_parts": _move,
    "count_parts": _count, "use_parts": _use, "resolve_using": _resolve_using,
    "add_plan": _add_inspection_plan, "edit_plan": _edit_inspection_plan, "retire_plan": _retire_inspection_plan,
    "run_inspections": _run_inspections, "record_checklist": _record_checklist, "open_repair": _open_repair,
    "set_site_contact": _site_contact,
    "set_schedule": _schedule, "record_invoice": _invoice("record_invoice"), "check_invoice": _invoice("check_invoice"),
    "leave_note": _leave_note, "mark_seen": _mark_seen,
}
