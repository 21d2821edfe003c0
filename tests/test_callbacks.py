"""Callbacks (docs/rules.md §5): the daily plan, logging each kind of answer,
"could not reach", carrying over, overdue, the foremen's self-evaluations,
each role kept to its lane by the store, the CLI, and the console screens
driven with Pilot."""

from __future__ import annotations

import json

import pendulum
import pytest
from click.testing import CliRunner
from conftest import FOREMEN, add_people
from console_helpers import app_for, settle, until
from loop_helpers import SATISFIED, acting, close_ticket

from console.cli import cli
from store import PermissionDenied, Store
from store.errors import RuleViolation, ValidationFailed

YESTERDAY = pendulum.datetime(2026, 11, 24, tz="UTC")  # the clock is 2026-11-25 09:00 UTC, zone UTC


@pytest.fixture
def day(store: Store, clock) -> list[int]:
    """Twelve tickets closed yesterday over the four technicians, and the foremen."""
    add_people(store, *FOREMEN)
    return [close_ticket(store, clock, 1 + i % 4, YESTERDAY.add(hours=8 + i)) for i in range(12)]


def plan(store: Store):
    with acting(store, "ann"):
        return store.callbacks.plan_callbacks()


def call_of(store: Store, login: str):
    return store.callbacks.my_callbacks(login)[0]


# ------------------------------------------------------------------ the plan

def test_plan_previews_then_saves_who_and_when(store: Store, day: list[int]) -> None:
    with acting(store, "ann"):
        preview = store.callbacks.plan_callbacks(save=False)
        assert not store.callbacks.find() and store.callbacks.saved_plan() is None  # a preview writes nothing
        saved = store.callbacks.plan_callbacks()
    assert preview.plan == saved.plan and saved.saved and not saved.replanned
    assert sorted(saved.plan.assignments) == day
    assert len(saved.plan.manager_tickets) == 1  # 10 % of 12 = 1.2 → 1
    mine = {login: len(ids) for login, ids in saved.plan.by_evaluator.items() if ids}
    assert sorted(n for login, n in mine.items() if login in ("alice", "bob")) == [5, 6]  # differ by at most one
    row = store.callbacks.saved_plan()
    assert row is not None and (row["planned_by"], row["closed_day"]) == ("ann", "2026-11-24")
    calls = store.callbacks.find(day="2026-11-25")
    assert {c.role for c in calls if c.ticket_id in saved.plan.manager_tickets} == {"manager"}
    assert all(c.state == "due" and c.due_day.isoformat() == "2026-11-25" for c in calls)
    assert store.tickets.timeline(day[0])[-1].action == "ticket.close"  # the plan is one audit event, not per ticket
    assert store.tickets.events(5)[0].action == "callback.plan"


def test_only_closed_tickets_are_planned(store: Store, day: list[int], clock) -> None:
    with acting(store, "ann"):
        clock.set(YESTERDAY.add(hours=20))
        store.tickets.create_ticket({"reporter": "Li", "phone": "138 0000 0001", "site_id": 1, "category": "atm", "priority": 2,
                             "description": "still open"})
        clock.set(YESTERDAY.add(days=1, hours=9))
    assert sorted(plan(store).plan.assignments) == day


def test_replan_until_the_first_call_is_logged(store: Store, day: list[int]) -> None:
    plan(store)
    again = plan(store)
    assert again.replanned and len(store.callbacks.find()) == 12  # the old calls replaced, not doubled
    with acting(store, "bob"):
        store.callbacks.log_unreachable(call_of(store, "bob").id)  # an attempt counts as logging
    with pytest.raises(RuleViolation, match="under way"):
        plan(store)
    with acting(store, "ann"), pytest.raises(RuleViolation, match="under way"):
        store.callbacks.plan_callbacks(save=False)


def test_a_day_not_come_yet_is_refused(store: Store, day: list[int]) -> None:
    with acting(store, "ann"), pytest.raises(RuleViolation, match="has not come yet"):
        store.callbacks.plan_callbacks("2026-11-26")
    with acting(store, "ann"), pytest.raises(RuleViolation, match="YYYY-MM-DD"):
        store.callbacks.plan_callbacks("tomorrow")


# ----------------------------------------------------------------- the calls

def test_log_a_satisfied_call_records_answers_and_points(store: Store, day: list[int]) -> None:
    plan(store)
    store.settings.set_setting("score_satisfied", 9)
    with acting(store, "bob"):
        c = store.callbacks.log_callback(call_of(store, "bob").id, rating="satisfied", answers=SATISFIED, notes="thanks")
    assert (c.status, c.rating, c.score, c.notes, c.logged_by) == ("done", "satisfied", 9, "thanks", "bob")
    assert (c.contacted_within_hour, c.polite, c.working, c.item_id) == (True, True, True, None)
    assert store.tickets.timeline(c.ticket_id)[-1].action == "callback.log"
    with acting(store, "bob"), pytest.raises(RuleViolation, match="already closed"):
        store.callbacks.log_callback(c.id, rating="basic", answers=SATISFIED)


def test_unsatisfied_call_opens_an_item_for_the_foreman(store: Store, day: list[int]) -> None:
    plan(store)
    call = call_of(store, "bob")
    answers = {**SATISFIED, "polite": False, "impolite_note": "shouted"}
    with acting(store, "bob"):
        c = store.callbacks.log_callback(call.id, rating="unsatisfied", answers=answers)
    assert c.item_id is not None and c.score == 6 and c.impolite_note == "shouted"
    item = store.items.item(c.item_id)
    foreman = "fay" if call.team_id == 1 else "gus"
    assert (item.ticket_id, item.team_id, item.foreman) == (call.ticket_id, call.team_id, foreman)
    assert store.callbacks.team_foreman_name(call.team_id) in ("Fay Zhou", "Gus Liu")


def test_impolite_needs_a_note_and_ratings_are_checked(store: Store, day: list[int]) -> None:
    plan(store)
    cid = call_of(store, "bob").id
    with acting(store, "bob"):
        with pytest.raises(ValidationFailed, match="impolite"):
            store.callbacks.log_callback(cid, rating="basic", answers={**SATISFIED, "polite": False})
        with pytest.raises(ValidationFailed) as err:
            store.callbacks.log_callback(cid, rating="great", answers=SATISFIED)
    assert "satisfied, basic, unsatisfied" in err.value.errors["rating"]


def test_could_not_reach_three_times_closes_as_unreachable(store: Store, day: list[int]) -> None:
    plan(store)
    cid = call_of(store, "alice").id
    with acting(store, "alice"):
        assert store.callbacks.log_unreachable(cid, "no answer").state == "due"
        assert store.callbacks.log_unreachable(cid).attempts == 2
        c = store.callbacks.log_unreachable(cid, "voicemail")
    assert (c.status, c.attempts, c.rating, c.score) == ("unreachable", 3, None, None)
    assert c.notes.count("could not reach") == 3 and "voicemail" in c.notes
    store.settings.set_setting("callback_attempts", 1)
    with acting(store, "alice"):
        assert store.callbacks.log_unreachable(call_of(store, "alice").id).status == "unreachable"


def test_carry_over_once_then_overdue_and_first_in_my_list(store: Store, day: list[int], clock) -> None:
    plan(store)
    first, second = store.callbacks.my_callbacks("bob")[:2]
    with acting(store, "bob"):
        assert store.callbacks.carry_over(second.id, "reporter away").state == "carried"
        with pytest.raises(RuleViolation, match="once already"):
            store.callbacks.carry_over(second.id, "again")
        with pytest.raises(ValidationFailed):
            store.callbacks.carry_over(first.id, "  ")
    clock.advance(days=1)
    states = {c.id: c.state for c in store.callbacks.my_callbacks("bob")}
    assert states[first.id] == "overdue" and states[second.id] == "carried"
    assert store.callbacks.my_callbacks("bob")[0].overdue  # overdue first
    clock.advance(days=1)
    assert store.callbacks.callback(second.id).state == "overdue"
    with acting(store, "bob"), pytest.raises(RuleViolation, match="too late"):
        store.callbacks.carry_over(first.id, "late")


def test_due_count_is_mine_and_a_foremans_pending_self_evaluations(store: Store, day: list[int]) -> None:
    plan(store)
    assert store.scores.due_callbacks_count("bob") == len(store.callbacks.my_callbacks("bob")) > 0
    assert store.scores.due_callbacks_count("fay") == 6  # team Alpha's technicians 1 and 2 closed six
    with acting(store, "bob"):
        store.callbacks.log_callback(call_of(store, "bob").id, rating="basic", answers=SATISFIED)
    assert store.scores.due_callbacks_count("bob") == len(store.callbacks.my_callbacks("bob"))


# --------------------------------------------------------------------- lanes

def test_each_evaluator_only_in_their_lane(store: Store, day: list[int]) -> None:
    saved = plan(store)
    manager_call = next(c for c in store.callbacks.find() if c.role == "manager")
    dispatcher_call = call_of(store, "bob")
    with acting(store, "bob"):
        with pytest.raises(PermissionDenied):
            store.callbacks.plan_callbacks()
        with pytest.raises(PermissionDenied, match="manager's call"):
            store.callbacks.log_callback(manager_call.id, rating="basic", answers=SATISFIED)
        with pytest.raises(PermissionDenied):
            store.scores.self_evaluate(day[0], record_complete=True, measures_right=True, efficiency=True, rating="satisfied")
    with acting(store, "ann"), pytest.raises(PermissionDenied, match="dispatcher's call"):
        store.callbacks.log_callback(dispatcher_call.id, rating="basic", answers=SATISFIED)
    with acting(store, "alice"):  # another dispatcher may take a colleague's dispatcher call
        store.callbacks.log_callback(dispatcher_call.id, rating="basic", answers=SATISFIED)
    with acting(store, "fay"), pytest.raises(PermissionDenied):
        store.callbacks.log_unreachable(manager_call.id)
    assert saved.plan.assignments[manager_call.ticket_id] == manager_call.evaluator


def test_self_evaluation_by_the_teams_foreman_once(store: Store, day: list[int]) -> None:
    alpha = next(t for t in day if store.tickets.ticket(t).technician_id in (1, 2))
    bravo = next(t for t in day if store.tickets.ticket(t).technician_id in (3, 4))
    with acting(store, "fay"):
        with pytest.raises(ValidationFailed, match="corrective suggestion"):
            store.scores.self_evaluate(alpha, record_complete=False, measures_right=True, efficiency=False,
                                rating="unsatisfied")
        e = store.scores.self_evaluate(alpha, record_complete=False, measures_right=True, efficiency=False,
                                rating="unsatisfied", comment="thin record", suggestion="write the cause")
        assert (e.score, e.foreman, e.team_id, e.suggestion) == (6, "fay", 1, "write the cause")
        assert not store.items.find()  # a foreman's own unsatisfied evaluation opens no item
        with pytest.raises(RuleViolation, match="already"):
            store.scores.self_evaluate(alpha, record_complete=True, measures_right=True, efficiency=True, rating="basic")
        with pytest.raises(PermissionDenied):  # another team's ticket
            store.scores.self_evaluate(bravo, record_complete=True, measures_right=True, efficiency=True, rating="basic")
    with acting(store, "ann"), pytest.raises(PermissionDenied, match="foreman"):
        store.scores.self_evaluate(bravo, record_complete=True, measures_right=True, efficiency=True, rating="basic")


def test_settings_of_the_loop_are_checked(store: Store) -> None:
    store.settings.set_setting("callback_manager_share", 0.2)
    assert store.callbacks.loop_setting("callback_manager_share") == 0.2
    store.settings.set_setting("callback_attempts", " 4 ")  # as typed after 'dispatch set'
    assert store.callbacks.loop_setting("callback_attempts") == 4
    for key, bad in (("callback_manager_share", 1.5), ("callback_attempts", 0), ("score_basic", "eight")):
        with pytest.raises(RuleViolation, match=key):
            store.settings.set_setting(key, bad)


# ----------------------------------------------------------------------- CLI

def test_cli_plan_dry_run_then_plan_and_list(store: Store, day: list[int], db_path) -> None:
    runner = CliRunner()
    args = ["--db", str(db_path)]
    # The CLI reads the real time: ask for the fixture's day explicitly.
    dry = runner.invoke(cli, [*args, "callbacks", "plan", "--day", "2026-11-25", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "12 in all, 1 for managers" in dry.output and "Not saved" in dry.output and not store.callbacks.find()
    done = runner.invoke(cli, [*args, "callbacks", "plan", "--day", "2026-11-25"])
    assert done.exit_code == 0 and "Planned by" in done.output
    out = runner.invoke(cli, [*args, "callbacks", "list", "--day", "2026-11-25", "--format", "json"])
    rows = json.loads(out.output)
    assert len(rows) == 12 and {r["role"] for r in rows} == {"dispatcher", "manager"}


# ------------------------------------------------------------------- console

async def test_console_manager_plans_the_day_from_a_preview(store: Store, day: list[int]) -> None:
    app = app_for(store)  # the store's actor is ann, a manager
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        await pilot.press("p")
        await until(pilot, lambda: type(app.screen).__name__ == "PlanPreview")
        text = app.screen.query_one("#plan").render().plain
        assert "Per evaluator" in text and "Per technician" in text and "Bob Ma" in text
        assert not store.callbacks.find()
        await pilot.press("enter")
        await until(pilot, lambda: len(store.callbacks.find()) == 12)
        await settle(pilot)
        assert type(app.screen).__name__ == "CallbacksScreen"


async def test_console_dispatcher_logs_each_kind(store: Store, day: list[int]) -> None:
    plan(store)
    store.actor = "bob"
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "☎ 5 due" in app.screen.query_one("#counts").render().plain)
        await pilot.press("K")
        await settle(pilot)
        first = store.callbacks.my_callbacks("bob")[0]
        assert "Repair record" in app.screen.query_one("#record").render().plain
        # Satisfied: y y y 1, a note, enter.
        await pilot.press("enter", "y", "y", "y", "1")
        await pilot.press(*"all good", "enter")
        await until(pilot, lambda: store.callbacks.callback(first.id).status == "done")
        assert (store.callbacks.callback(first.id).rating, store.callbacks.callback(first.id).notes) == ("satisfied", "all good")
        # Unsatisfied, impolite: the script asks for the note and names the foreman.
        await settle(pilot)
        second = store.callbacks.my_callbacks("bob")[0]
        await pilot.press("enter", "y", "n", *"shouted", "enter", "n", "3")
        await settle(pilot)
        warn = app.screen.query_one("#consequence").render().plain
        assert "improvement item will open for foreman" in warn and store.callbacks.team_foreman_name(second.team_id) in warn
        await pilot.press("enter")
        await until(pilot, lambda: store.callbacks.callback(second.id).status == "done")
        saved = store.callbacks.callback(second.id)
        assert (saved.rating, saved.polite, saved.impolite_note, saved.working) == ("unsatisfied", False, "shouted", False)
        assert saved.item_id is not None
        # Could not reach, three times: closed as unreachable.
        await settle(pilot)
        third = store.callbacks.my_callbacks("bob")[0]
        for _ in range(3):
            await pilot.press("enter", "u")
            await settle(pilot)
        assert store.callbacks.callback(third.id).status == "unreachable"


async def test_console_foreman_self_evaluates(store: Store, day: list[int]) -> None:
    store.actor = "fay"
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        ticket = store.scores.pending_self_evaluations("fay")[0].ticket_id
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: store.scores.self_evaluation(ticket) is not None)
        assert store.scores.self_evaluation(ticket).rating == "satisfied"  # type: ignore[union-attr]


def test_a_carried_call_is_due_the_next_day_everywhere(store: Store, day: list[int], clock, db_path,
                                                        monkeypatch) -> None:
    """Issue 22: 'c' marked the call carried over but left it due today: --day
    tomorrow listed nothing, --mine still today, the header count unchanged."""
    from cli_clock import use_clock

    use_clock(monkeypatch, clock)
    plan(store)
    mine = store.callbacks.my_callbacks("bob")
    count = store.scores.due_callbacks_count("bob")
    with acting(store, "bob"):
        carried = store.callbacks.carry_over(mine[0].id, "reporter away")
    assert carried.due_day.isoformat() == "2026-11-26" and carried.state == "carried"
    assert carried.id not in {c.id for c in store.callbacks.my_callbacks("bob")}
    assert store.scores.due_callbacks_count("bob") == count - 1
    assert [c.id for c in store.callbacks.find(day="2026-11-26")] == [carried.id]
    runner = CliRunner()
    tomorrow = runner.invoke(cli, ["--db", str(db_path), "callbacks", "list", "--day", "2026-11-26", "--format", "json"])
    assert tomorrow.exit_code == 0, tomorrow.output
    assert [r["ticket"] for r in json.loads(tomorrow.output)] == [carried.ticket_id]
    today = runner.invoke(cli, ["--db", str(db_path), "--actor", "bob", "callbacks", "list", "--mine", "--format", "json"])
    assert carried.ticket_id not in [r["ticket"] for r in json.loads(today.output)]
    event = store.tickets.events(1)[0]
    assert (event.action, event.old["due_day"], event.new["due_day"]) == (
        "callback.carry", "2026-11-25", "2026-11-26")
    clock.advance(days=1)  # the next day: due then, first among the carried
    assert {c.id: c.state for c in store.callbacks.my_callbacks("bob")}[carried.id] == "carried"
    assert store.scores.due_callbacks_count("bob") >= 1
    clock.advance(days=1)
    assert store.callbacks.callback(carried.id).state == "overdue"
