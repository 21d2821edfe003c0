"""The queue at a past moment, rule by rule (store/rules/past.py; docs/rules.md
"The queue at a past moment"): which events a place in the log holds, what
each event does to a ticket, the SLA rules in force then, and a ticket's row
and state at that moment. The whole against a replay from scratch is
tests/test_past_queue.py; these are the rules on small, hand-made histories."""

from __future__ import annotations

from typing import Any

from store.rules import past
from store.rules.past import END, FIELDS
from store.rules.sla import AlwaysOpen, Policy
from store.rules.working_hours import WorkingHours
from store.timeutil import from_db

T0 = "2026-11-25T09:00:00Z"


def ev(eid: int, at: str, action: str, new: dict[str, Any] | None = None, old: dict[str, Any] | None = None,
       ticket: int = 7) -> dict[str, Any]:
    return {"id": eid, "at": at, "action": action, "ticket_id": ticket, "new": new, "old": old}


def created(**fields: Any) -> dict[str, Any]:
    new = {"priority": 2, "status": "new", "site_id": 1, "description": "pump leaks", "reporter": "ann", **fields}
    state = past.apply(None, ev(1, T0, "ticket.create", new))
    assert state is not None
    return state


def test_a_place_holds_the_events_before_it_and_those_at_its_instant_up_to_its_id() -> None:
    e = ev(5, "2026-11-25T09:10:00Z", "ticket.assign")
    assert past.visible(e, ("2026-11-25T09:10:00Z", 5))
    assert past.visible(e, ("2026-11-25T09:10:00Z", END))
    assert past.visible(e, ("2026-11-25T09:11:00Z", 0))
    assert not past.visible(e, ("2026-11-25T09:10:00Z", 4))  # just before event 5
    assert not past.visible(e, ("2026-11-25T09:09:59Z", END))


def test_a_created_ticket_is_its_fields_reported_when_recorded_unless_stated() -> None:
    state = past.apply(None, ev(1, T0, "ticket.create", {"priority": 3, "status": "new", "note": "typed", "x": 1}, None, 9))
    assert state is not None
    assert state == {**dict.fromkeys(FIELDS), "priority": 3, "status": "new", "reported_at": T0, "id": 9, "version": 1,
                     "holds": []}
    stated = created(reported_at="2026-11-25T08:40:00Z")
    assert stated["reported_at"] == "2026-11-25T08:40:00Z"


def test_an_event_of_a_ticket_not_there_yet_leaves_it_not_there() -> None:
    assert past.apply(None, ev(2, T0, "ticket.assign", {"technician_id": 4})) is None


def test_an_event_folds_its_new_values_on_but_not_its_remarks_nor_the_bookkeeping() -> None:
    state = created()
    after = past.apply(state, ev(2, T0, "ticket.assign", {"technician_id": 4, "status": "assigned", "note": "n",
                                                          "reason": "r", "stated_at": T0, "merged": 3, "id": 99,
                                                          "version": 50, "holds": [[1, 2]], "unknown": 1}))
    assert after is not None
    assert after["technician_id"] == 4 and after["status"] == "assigned"
    assert after["id"] == 7 and after["version"] == 2 and after["holds"] == []
    assert "note" not in after and "reason" not in after and "stated_at" not in after and "unknown" not in after
    again = past.apply(after, ev(3, T0, "ticket.edit", None))
    assert again is not None and again["version"] == 3 and again["technician_id"] == 4


def test_holds_open_and_close_at_their_stated_times() -> None:
    state = created(status="onsite")
    state = past.apply(state, ev(2, "2026-11-25T09:30:00Z", "ticket.pause", {"status": "waiting", "stated_at": "2026-11-25T09:20:00Z"}))
    assert state is not None and state["holds"] == [["2026-11-25T09:20:00Z", None]]
    state = past.apply(state, ev(3, "2026-11-25T10:00:00Z", "ticket.resume", {"status": "onsite", "stated_at": "2026-11-25T09:50:00Z"}))
    assert state is not None and state["holds"] == [["2026-11-25T09:20:00Z", "2026-11-25T09:50:00Z"]]
    # Without a stated time: when it was recorded. A resume with no open hold changes no hold.
    state = past.apply(state, ev(4, "2026-11-25T10:10:00Z", "ticket.pause", {"status": "waiting"}))
    state = past.apply(state, ev(5, "2026-11-25T10:20:00Z", "ticket.resume", {"status": "onsite"}))
    assert state is not None and state["holds"][1] == ["2026-11-25T10:10:00Z", "2026-11-25T10:20:00Z"]
    state = past.apply(state, ev(6, "2026-11-25T10:30:00Z", "ticket.resume", {"status": "onsite"}))
    assert state is not None and len(state["holds"]) == 2 and state["holds"][1][1] == "2026-11-25T10:20:00Z"


def test_a_cancel_while_waiting_ends_the_hold_when_recorded_and_only_then() -> None:
    state = past.apply(created(), ev(2, "2026-11-25T09:30:00Z", "ticket.pause", {"status": "waiting"}))
    cancelled = past.apply({**state, "holds": [list(h) for h in state["holds"]]} if state else None,
                           ev(3, "2026-11-25T10:00:00Z", "ticket.cancel", {"status": "cancelled", "stated_at": "2026-11-25T09:45:00Z"},
                              {"status": "waiting"}))
    assert cancelled is not None and cancelled["holds"] == [["2026-11-25T09:30:00Z", "2026-11-25T10:00:00Z"]]
    # A cancel of a ticket that was not waiting leaves an open hold open (no such history, but no guess either).
    other = past.apply(state, ev(3, "2026-11-25T10:00:00Z", "ticket.cancel", {"status": "cancelled"}, {"status": "onsite"}))
    assert other is not None and other["holds"] == [["2026-11-25T09:30:00Z", None]]
    # Nor does one with no old values.
    bare = past.apply(created(), ev(2, "2026-11-25T09:30:00Z", "ticket.pause", None))
    bare = past.apply(bare, ev(3, "2026-11-25T10:00:00Z", "ticket.cancel", {"status": "cancelled"}, None))
    assert bare is not None and bare["holds"] == [[T0.replace("09:00", "09:30"), None]]


def test_replay_takes_the_events_up_to_the_place() -> None:
    events = [ev(1, T0, "ticket.create", {"priority": 2, "status": "new"}),
              ev(2, "2026-11-25T09:10:00Z", "ticket.assign", {"technician_id": 4, "status": "assigned"}),
              ev(3, "2026-11-25T09:20:00Z", "ticket.edit", {"priority": 1})]
    assert past.replay_ticket(events, (T0, 0)) is None  # before it was created
    at_two = past.replay_ticket(events, ("2026-11-25T09:10:00Z", END))
    assert at_two is not None and at_two["technician_id"] == 4 and at_two["priority"] == 2 and at_two["version"] == 2
    before_two = past.replay_ticket(events, ("2026-11-25T09:10:00Z", 1))
    assert before_two is not None and before_two["technician_id"] is None and before_two["version"] == 1


def test_a_loaded_ticket_starts_as_loaded_and_takes_only_the_later_events() -> None:
    base = {**dict.fromkeys(FIELDS), "priority": 2, "status": "waiting", "reported_at": T0, "id": 7, "version": 1,
            "holds": [["2026-11-25T09:05:00Z", None]]}
    load: tuple[str, int] = ("2026-11-25T09:06:00Z", 10)
    events = [ev(9, "2026-11-25T09:06:00Z", "ticket.edit", {"priority": 4}),  # before the load: in the row already
              ev(11, "2026-11-25T09:30:00Z", "ticket.resume", {"status": "onsite"})]
    assert past.replay_ticket(events, ("2026-11-25T09:06:00Z", 9), base, load) is None  # not loaded yet
    as_loaded = past.replay_ticket(events, load, base, load)
    assert as_loaded is not None and as_loaded["priority"] == 2 and as_loaded["version"] == 1
    later = past.replay_ticket(events, ("2026-11-25T09:30:00Z", END), base, load)
    assert later is not None and later["status"] == "onsite" and later["priority"] == 2
    assert later["holds"] == [["2026-11-25T09:05:00Z", "2026-11-25T09:30:00Z"]]
    assert base["holds"] == [["2026-11-25T09:05:00Z", None]]  # the snapshot itself is untouched
    # A base without its place, or a place without a base, is no ticket: only a create makes one.
    assert past.replay_ticket(events, ("2026-11-25T09:30:00Z", END), base, None) is None
    assert past.replay_ticket(events, ("2026-11-25T09:30:00Z", END), None, load) is None


def test_a_loaded_ticket_is_its_row_with_the_later_events_undone() -> None:
    row = {**dict.fromkeys(FIELDS), "id": 7, "version": 3, "priority": 1, "status": "onsite", "reported_at": T0,
           "created_at": T0}
    pauses = [{"reason": "parts", "note": "", "started_at": "2026-11-25T09:05:00Z", "ended_at": "2026-11-25T09:30:00Z"}]
    later = [ev(11, "2026-11-25T09:20:00Z", "ticket.edit", {"priority": 1}, {"priority": 2}),
             ev(12, "2026-11-25T09:30:00Z", "ticket.resume", {"status": "onsite"}, {"status": "waiting"})]
    state = past.loaded(row, pauses, later)
    assert state["priority"] == 2 and state["status"] == "waiting" and state["version"] == 1 and state["id"] == 7
    assert state["holds"] == [["2026-11-25T09:05:00Z", None]]
    assert set(state) == {*FIELDS, "id", "version", "holds"}


NOW_RULES = {"timezone": "Asia/Shanghai", "calendar": {"kind": "24x7"}, "policy": {1: [15, 60, 240], 2: [30, 120, 480]}}


def change(eid: int, at: str, action: str, new: dict[str, Any] | None, old: dict[str, Any] | None,
           entity_id: int | None = None) -> dict[str, Any]:
    return {"id": eid, "at": at, "action": action, "new": new, "old": old, "entity_id": entity_id}


def test_the_rules_in_force_are_todays_with_the_later_changes_undone() -> None:
    changes = [
        change(3, "2026-11-25T08:00:00Z", "settings.set", {"timezone": "Asia/Shanghai"}, {"timezone": "Europe/Paris"}),
        change(5, "2026-11-25T10:00:00Z", "sla_policy.set", {"policy": {"response_min": 15}},
               {"policy": {"response_min": 20, "onsite_min": 90, "resolve_min": 300}}, 1),
        change(8, "2026-11-25T11:00:00Z", "settings.set", {"calendar": {"kind": "24x7"}},
               {"calendar": {"kind": "week"}}),
    ]
    assert past.rules_at(NOW_RULES, changes, ("2026-11-25T12:00:00Z", END)) == {
        "timezone": "Asia/Shanghai", "calendar": {"kind": "24x7"}, "policy": {"1": [15, 60, 240], "2": [30, 120, 480]}}
    at_ten = past.rules_at(NOW_RULES, changes, ("2026-11-25T10:30:00Z", END))
    assert at_ten["calendar"] == {"kind": "week"} and at_ten["policy"]["1"] == [15, 60, 240]
    before_ten = past.rules_at(NOW_RULES, changes, ("2026-11-25T10:00:00Z", 4))
    assert before_ten["policy"] == {"1": [20, 90, 300], "2": [30, 120, 480]}
    assert before_ten["timezone"] == "Asia/Shanghai"
    first = past.rules_at(NOW_RULES, changes, ("2026-11-25T07:00:00Z", END))
    assert first["timezone"] == "Europe/Paris" and first["calendar"] == {"kind": "week"}
    assert NOW_RULES["policy"][1] == [15, 60, 240]  # today's rules are not changed


def test_a_setting_never_set_before_is_the_default_and_a_first_policy_keeps_its_value() -> None:
    changes = [change(3, "2026-11-25T10:00:00Z", "settings.set", {"timezone": "Asia/Shanghai", "calendar": {"kind": "24x7"}},
                      {"timezone": None}),
               change(4, "2026-11-25T10:00:00Z", "sla_policy.set", {"policy": {"response_min": 15}}, {"policy": None}, 1),
               change(5, "2026-11-25T10:00:00Z", "sla_policy.set", {"policy": {"response_min": 15}},
                      {"policy": {"response_min": 1, "onsite_min": 2, "resolve_min": 3}}, None),
               change(6, "2026-11-25T10:00:00Z", "settings.set", None, None)]
    rules = past.rules_at(NOW_RULES, changes, ("2026-11-25T09:00:00Z", END))
    assert rules == {"timezone": "UTC", "calendar": {"kind": "24x7"}, "policy": {"1": [15, 60, 240], "2": [30, 120, 480]}}
    # A change of the zone alone undoes the zone alone.
    tz_only = [change(3, "2026-11-25T10:00:00Z", "settings.set", {"timezone": "Asia/Shanghai"}, None)]
    only_tz = past.rules_at({**NOW_RULES, "calendar": {"kind": "x"}}, tz_only, ("2026-11-25T09:00:00Z", END))
    assert only_tz["timezone"] == "UTC" and only_tz["calendar"] == {"kind": "x"}


def test_the_rules_are_made_into_policies_and_a_calendar() -> None:
    policies, calendar = past.made({"timezone": "UTC", "calendar": {"kind": "24x7"}, "policy": {"1": [15, 60, 240]}})
    assert policies == {1: Policy(15, 60, 240)} and isinstance(calendar, AlwaysOpen)
    week = {"kind": "business", "opens": "08:30", "closes": "17:30"}
    _p, hours = past.made({"timezone": "Asia/Shanghai", "calendar": week, "policy": {}})
    assert isinstance(hours, WorkingHours) and hours.tz == "Asia/Shanghai"


RULES = past.made({"timezone": "UTC", "calendar": {"kind": "24x7"}, "policy": {"1": [15, 60, 240], "2": [30, 120, 480]}})


def test_an_open_ticket_is_derived_and_a_closed_one_is_not_in_the_queue() -> None:
    d = past.derived(created(), RULES)
    assert d is not None and d["next_clock"] == "response" and d["due_at"] == "2026-11-25T09:30:00Z"
    assert past.derived(created(status="closed"), RULES) is None
    held = created(status="waiting")
    held["holds"] = [["2026-11-25T09:10:00Z", None]]
    d = past.derived(held, RULES)
    assert d is not None and d["due_at"] is None and d["frozen_left_s"] == 20 * 60
    # A hold that ended moves the deadline by its length and the clock runs again.
    resumed = created(status="onsite")
    resumed["holds"] = [["2026-11-25T09:10:00Z", "2026-11-25T09:25:00Z"]]
    d = past.derived(resumed, RULES)
    assert d is not None and d["due_at"] == "2026-11-25T09:45:00Z" and d["frozen_left_s"] is None


def clock(**d: Any) -> dict[str, Any]:
    return {"next_clock": "resolve", "due_at": None, "risk_at": None, "frozen_left_s": None, "window_s": 3600, **d}


def test_a_clock_stopped_by_a_hold_keeps_its_state() -> None:
    assert past.held_state(clock(next_clock=None)) is None
    assert past.held_state(clock(due_at="2026-11-25T10:00:00Z")) is None  # running
    assert past.held_state(clock(frozen_left_s=0.0)) == "breached"
    assert past.held_state(clock(frozen_left_s=None)) == "breached"
    assert past.held_state(clock(frozen_left_s=-5.0)) == "breached"
    assert past.held_state(clock(frozen_left_s=900.0)) == "at_risk"  # a quarter of the window left
    assert past.held_state(clock(frozen_left_s=901.0)) == "ok"
    assert past.held_state(clock(frozen_left_s=0.2, window_s=None)) == "ok"  # no window: never at risk


def test_a_running_clock_is_ok_then_at_risk_then_breached_at_the_moment() -> None:
    d = clock(due_at="2026-11-25T10:00:00Z", risk_at="2026-11-25T09:45:00Z")
    assert past.state_at(d, "2026-11-25T09:44:59Z") == "ok"
    assert past.state_at(d, "2026-11-25T09:45:00Z") == "at_risk"
    assert past.state_at(d, "2026-11-25T09:59:59Z") == "at_risk"
    assert past.state_at(d, "2026-11-25T10:00:00Z") == "breached"
    assert past.state_at(clock(due_at="2026-11-25T10:00:00Z"), "2026-11-25T09:59:00Z") == "ok"  # no risk time
    assert past.state_at(clock(next_clock=None), "2026-11-25T10:00:00Z") is None  # resolved: no clock
    assert past.state_at(clock(frozen_left_s=100.0), "2026-12-25T10:00:00Z") == "at_risk"  # held: time does not move it


NAMES = {"sites": {1: "Plant A"}, "equipment": {5: "PUMP-5"}, "technicians": {4: "Wang Fang"}}


def test_a_past_ticket_is_the_live_queues_row() -> None:
    state = created(equipment_id=5, technician_id=4, first_response_at="2026-11-25T09:05:00Z", description="x" * 200,
                    repeat_of=3, arrival_mode="phone")
    d = clock(next_clock="onsite", due_at="2026-11-25T10:00:00Z", risk_at="2026-11-25T09:45:00Z")
    row = past.queue_row(state, d, NAMES)
    assert (row.id, row.version, row.priority, row.status, row.arrival_mode) == (7, 1, 2, "new", "phone")
    assert (row.site_name, row.equipment_tag, row.technician_name, row.technician_id) == ("Plant A", "PUMP-5", "Wang Fang", 4)
    assert row.description == "x" * 160 and row.repeat_of == 3 and row.responded and row.reporter == "ann"
    assert row.next_clock == "onsite" and row.due_at == from_db("2026-11-25T10:00:00Z")
    assert row.risk_at == from_db("2026-11-25T09:45:00Z") and row.window_s == 3600 and row.frozen_left_s is None
    assert row.due_ts == from_db("2026-11-25T10:00:00Z").timestamp()
    assert row.risk_ts == from_db("2026-11-25T09:45:00Z").timestamp() and row.esc_level is None
    bare = past.queue_row(created(site_id=2, description=None, reporter=None), clock(frozen_left_s=60.0), NAMES)
    assert bare.site_name == "?" and bare.equipment_tag is None and bare.technician_name is None
    assert bare.description == "" and bare.reporter == "" and not bare.responded
    assert bare.due_at is None and bare.due_ts is None and bare.risk_ts is None and bare.frozen_left_s == 60.0


def test_the_counts_at_the_moment() -> None:
    due = clock(due_at="2026-11-25T10:00:00Z", risk_at="2026-11-25T09:45:00Z")
    rows = [(created(), due), (created(technician_id=4), due), (created(status="resolved"), clock(next_clock=None)),
            (created(technician_id=4, status="waiting"), clock(frozen_left_s=-1.0))]
    assert past.counts(rows, "2026-11-25T09:50:00Z") == {"open": 4, "at_risk": 2, "breached": 1, "unassigned": 1}
    assert past.counts(rows, "2026-11-25T10:00:00Z") == {"open": 4, "at_risk": 0, "breached": 3, "unassigned": 1}
    assert past.counts([], "2026-11-25T10:00:00Z") == {"open": 0, "at_risk": 0, "breached": 0, "unassigned": 0}
    assert past.unassigned(created()) == 1 and past.unassigned(created(technician_id=4)) == 0
    assert past.unassigned(created(status="resolved")) == 0
