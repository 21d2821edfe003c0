"""People and roles: each role tried on each kind of action through the store,
the messages a refused person sees, acting for someone, PINs, the sign-in
screen, the ``dispatch user`` commands and the file's mode."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import MutableClock
from console_helpers import app_for, make_ticket, settle, until
from textual.widgets import Input, OptionList

from console.cli import cli
from console.screens.sign_in import SignInScreen
from demo_data.users import DEMO_PIN, add_demo_users
from store import PermissionDenied, Store
from store.errors import RuleViolation, ValidationFailed
from store.rules.auth import ALLOWED, ROLES, allows, hash_pin, verify_pin

# Extra people on the seeded file (conftest: ann manager, bob and alice dispatchers).
# fay is the foreman of Alpha Team (technicians 1 and 2); Bravo Team has 3 and 4.
PEOPLE = {"manager": "ann", "dispatcher": "bob", "foreman": "fay", "viewer": "vic"}


@pytest.fixture
def as_role(people: Store, db_path: Path, clock: MutableClock) -> Iterator[Callable[[str], Store]]:
    opened: list[Store] = []

    def open_as(login: str) -> Store:
        s = Store(db_path, actor=login, clock=clock)
        opened.append(s)
        return s

    yield open_as
    for s in opened:
        s.close()


def _assigned(store: Store, tech: int) -> Any:
    t = make_ticket(store)
    return store.tickets.assign(t.id, t.version, technician_id=tech)


# Each kind of write, run by the given store; ``ann`` sets up what it needs.
ACTIONS: dict[str, Callable[[Store, Store], Any]] = {
    "ticket.create": lambda s, ann: make_ticket(s),
    "ticket.assign (unassigned)": lambda s, ann: (lambda t: s.tickets.assign(t.id, t.version, technician_id=1))(make_ticket(ann)),
    "ticket.respond (own team)": lambda s, ann: (lambda t: s.tickets.respond(t.id, t.version))(_assigned(ann, 1)),
    "ticket.respond (other team)": lambda s, ann: (lambda t: s.tickets.respond(t.id, t.version))(_assigned(ann, 3)),
    "ticket.reassign (within team)": lambda s, ann: (lambda t: s.tickets.assign(t.id, t.version, technician_id=2, reason="busy"))(
        _assigned(ann, 1)),
    "ticket.reassign (to other team)": lambda s, ann: (lambda t: s.tickets.assign(t.id, t.version, technician_id=3, reason="busy"))(
        _assigned(ann, 1)),
    "ticket.cancel (own team)": lambda s, ann: (lambda t: s.tickets.cancel(t.id, t.version, reason="duplicate"))(_assigned(ann, 1)),
    "technician.duty": lambda s, ann: s.people.set_on_duty(2, False),
    "settings.set": lambda s, ann: s.settings.set_setting("center_name", "East"),
    "sla_policy.set": lambda s, ann: s.settings.set_policy(4, 60, 480, 2880),
    "user.add": lambda s, ann: s.users.add_user("newbie", "New Bie", "viewer"),
    "database load": lambda s, ann: s.admin.load("import.sites", {"sites": [
        {"id": 9, "code": "SB", "name": "South Branch", "address": ""}]}, {}),
}
EXPECTED: dict[str, set[str]] = {  # the roles that may; every other role is refused
    "ticket.create": {"manager", "dispatcher"},
    "ticket.assign (unassigned)": {"manager", "dispatcher"},
    "ticket.respond (own team)": {"manager", "dispatcher", "foreman"},
    "ticket.respond (other team)": {"manager", "dispatcher"},
    "ticket.reassign (within team)": {"manager", "dispatcher", "foreman"},
    "ticket.reassign (to other team)": {"manager", "dispatcher"},
    "ticket.cancel (own team)": {"manager", "dispatcher"},
    "technician.duty": {"manager", "dispatcher"},
    "settings.set": {"manager"},
    "sla_policy.set": {"manager"},
    "user.add": {"manager"},
    "database load": {"manager"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(ACTIONS))
def test_each_role_on_each_kind_of_action(people: Store, as_role: Callable[[str], Store], role: str, kind: str) -> None:
    me = as_role(PEOPLE[role])
    if role in EXPECTED[kind]:
        ACTIONS[kind](me, people)
        assert people.tickets.events(1)[0].actor == PEOPLE[role]
        return
    with pytest.raises(PermissionDenied) as refused:
        ACTIONS[kind](me, people)
    # Says why (the role or the team) and whom to ask (the managers by name).
    message = str(refused.value)
    assert "Ann Lee (ann)" in message, message
    assert role in message or "team" in message, message
    assert not [e for e in people.tickets.events(10_000) if e.actor == PEOPLE[role]]  # nothing written


def test_the_role_table_is_closed_by_default() -> None:
    assert allows("manager", "anything.new") and not allows("dispatcher", "anything.new")
    assert not any(allows(r, "settings.set") for r in ROLES if r != "manager")
    assert ALLOWED["viewer"] == ("self.pin", "self.language")  # one's own PIN and console language
    assert allows("dispatcher", "ticket.edit") and allows("foreman", "ticket.note") and not allows("foreman", "ticket.close")


def test_a_login_not_in_the_table_is_told_whom_to_ask(people: Store, as_role: Callable[[str], Store]) -> None:
    stranger = as_role("zed")
    with pytest.raises(PermissionDenied, match=r"zed is not a user of this file.*Ann Lee \(ann\)"):
        make_ticket(stranger)
    people.users.disable_user("bob")
    with pytest.raises(PermissionDenied, match=r"bob is disabled.*Ann Lee \(ann\)"):
        make_ticket(as_role("bob"))
    people.users.disable_user("bob", False)
    make_ticket(as_role("bob"))


def test_a_manager_may_act_for_someone_and_it_is_recorded(people: Store, db_path: Path, clock: MutableClock) -> None:
    for_bob = Store(db_path, actor="bob", by="ann", clock=clock)
    try:
        t = make_ticket(for_bob)
        event = for_bob.tickets.timeline(t.id)[0]
        assert (event.actor, event.entered_by) == ("bob", "ann")
        assert t.created_by == "bob"
    finally:
        for_bob.close()
    not_a_manager = Store(db_path, actor="ann", by="bob", clock=clock)
    try:
        with pytest.raises(PermissionDenied, match="Only a manager may act for someone else"):
            make_ticket(not_a_manager)
    finally:
        not_a_manager.close()
    assert make_ticket(people).id and people.tickets.events(1)[0].entered_by is None


def test_the_last_manager_stays_and_the_first_user_is_manager(people: Store, tmp_path: Path, clock: MutableClock) -> None:
    from store.context import default_actor

    people.users.set_role(default_actor(), "viewer")  # the test runner: ann remains
    with pytest.raises(RuleViolation, match="last manager"):
        people.users.set_role("ann", "dispatcher")
    with pytest.raises(RuleViolation, match="last manager"):
        people.users.disable_user("ann")
    with pytest.raises(ValidationFailed, match="team"):
        people.users.set_role("bob", "foreman")
    # A new file: anyone may set it up; the first user added makes its setter manager.
    fresh = Store(tmp_path / "new.db", create=True, actor="ann", clock=clock)
    try:
        fresh.settings.set_setting("center_name", "Setup")  # no users yet: open
        with pytest.raises(RuleViolation, match="first user"):
            fresh.users.add_user("ann", "Ann", "dispatcher")
        fresh.users.add_user("bob", "Bob", "dispatcher")
        assert {(u.login, u.role) for u in fresh.users.find()} == {("ann", "manager"), ("bob", "dispatcher")}
    finally:
        fresh.close()


def test_pins_are_hashed_and_checked(people: Store, as_role: Callable[[str], Store]) -> None:
    stored = hash_pin("482100")
    # The PIN itself is nowhere in what is stored (the random hex could hold "482100" by chance).
    assert stored.startswith("scrypt$") and "$482100$" not in stored and not stored.endswith("482100")
    assert verify_pin("482100", stored) and not verify_pin("482200", stored)
    assert hash_pin("482100") != stored  # salted
    assert not verify_pin("482100", None) and not verify_pin("482100", "garbage")
    with pytest.raises(ValidationFailed):
        people.users.set_pin("bob", "12")
    people.users.set_pin("bob", "482100")
    assert people.pins.check_pin("bob", "482100") and not people.pins.check_pin("bob", "000000")
    assert people.users.user("bob").has_pin
    assert "482100" not in json.dumps([e.new for e in people.tickets.events(5)])
    # Everyone may change their own PIN, nobody else's.
    vic = as_role("vic")
    vic.users.set_pin("vic", "555555")
    with pytest.raises(PermissionDenied):
        vic.users.set_pin("bob", "555555")
    people.users.disable_user("bob")
    assert not people.pins.check_pin("bob", "482100")


async def test_sign_in_screen_picks_a_person_and_their_writes_carry_them(people: Store) -> None:
    people.users.set_pin("bob", "482100")
    people.users.set_pin("fay", "111111")
    people.settings.set_setting("sign_in", True)
    app = app_for(people)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        names = app.screen.query_one("#people", OptionList)
        logins = [names.get_option_at_index(i).id for i in range(names.option_count)]
        assert logins == ["bob", "fay"]  # only those with a PIN
        await pilot.press("escape")  # at start someone must sign in
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("enter")  # bob, the first
        assert app.screen.query_one("#pin", Input).has_focus
        await pilot.press(*"000000", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "Wrong PIN" in str(app.screen.query_one("#sign-in-message").render())
        await pilot.press(*"482100", "enter")
        await until(pilot, lambda: not isinstance(app.screen, SignInScreen))
        assert people.actor == "bob"
        t = make_ticket(people)
        assert t.created_by == "bob" and people.tickets.timeline(t.id)[0].actor == "bob"
        # One key switches user.
        await pilot.press("ctrl+u")
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press("down", "enter", *"111111", "enter")
        await until(pilot, lambda: not isinstance(app.screen, SignInScreen))
        assert people.actor == "fay"


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input)


def test_user_commands(people: Store, db_path: Path) -> None:
    db = str(db_path)
    added = run("--db", db, "user", "add", "gus", "--name", "Gus", "--role", "foreman", "--team", "Bravo", "--pin",
                input="246800\n246800\n")
    assert added.exit_code == 0, added.output
    gus = people.users.user("gus")
    assert (gus.role, gus.team_name, gus.has_pin) == ("foreman", "Bravo Team", True)
    assert people.pins.check_pin("gus", "246800")
    listed = json.loads(run("--db", db, "user", "list", "--format", "json").output)
    assert {"login": "gus", "name": "Gus", "role": "foreman", "team": "Bravo Team", "disabled": False, "pin": True,
            "locked": False} in listed
    assert "login,name,role" in run("--db", db, "user", "list", "--format", "csv").output
    assert run("--db", db, "user", "set-role", "gus", "dispatcher").exit_code == 0
    assert people.users.user("gus").role == "dispatcher"
    assert run("--db", db, "user", "disable", "gus").exit_code == 0
    assert people.users.user("gus").disabled
    assert "gus" not in run("--db", db, "user", "list").output
    assert run("--db", db, "user", "pin", "bob", input="135700\n135700\n").exit_code == 0
    assert people.pins.check_pin("bob", "135700")
    missing = run("--db", db, "user", "set-role", "nobody", "viewer")
    assert missing.exit_code == 2 and "No user nobody" in missing.output


def test_only_a_manager_login_may_use_actor(people: Store, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import console.cli.common as common

    monkeypatch.setattr(common, "default_actor", lambda: "bob")  # bob is at the keyboard
    result = CliRunner().invoke(cli, ["--db", str(db_path), "set", "center_name", "East"], env={"DISPATCH_ACTOR": "ann"})
    assert result.exit_code == 2 and "Only a manager may act for someone else" in result.output
    result = CliRunner().invoke(cli, ["--db", str(db_path), "set", "center_name", "East"])
    assert result.exit_code == 2 and "dispatcher" in result.output and "Ann Lee (ann)" in result.output
    monkeypatch.setattr(common, "default_actor", lambda: "ann")
    # A manager acting for bob has bob's rights, not her own (tests/test_identity.py has the rest).
    result = CliRunner().invoke(cli, ["--db", str(db_path), "--actor", "bob", "set", "center_name", "East"])
    assert result.exit_code == 2 and "acting for someone does not lend them your rights" in result.output
    result = CliRunner().invoke(cli, ["--db", str(db_path), "--actor", "bob", "tech", "duty", "Zhang Min", "off"])
    assert result.exit_code == 0, result.output
    event = people.tickets.events(1)[0]
    assert (event.actor, event.entered_by, event.action) == ("bob", "ann", "technician.duty")


def test_init_makes_a_manager_and_check_warns_on_an_open_file(tmp_path: Path) -> None:
    from store.context import default_actor

    path = tmp_path / "f.db"
    created = run("--db", str(path), "init", "--timezone", "UTC")
    assert created.exit_code == 0 and "is its manager" in created.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o660
    s = Store(path)
    assert [(u.login, u.role) for u in s.users.find()] == [(default_actor(), "manager")]
    s.close()
    quiet = run("--db", str(path), "check")
    assert quiet.exit_code == 0 and "warning" not in quiet.output
    os.chmod(path, 0o666)
    warned = run("--db", str(path), "check")
    assert warned.exit_code == 0 and "world-writable" in warned.output
    os.chmod(path, 0o644)
    assert "world-readable" in run("--db", str(path), "check").output


def test_sign_in_is_a_setting(people: Store, db_path: Path) -> None:
    assert not people.users.sign_in_required()
    assert run("--db", str(db_path), "set", "sign_in", "on").exit_code == 0
    assert people.users.sign_in_required()
    assert run("--db", str(db_path), "set", "sign_in", "maybe").exit_code == 2


def test_demo_users_cover_every_role(people: Store) -> None:
    add_demo_users(people, "ann")
    roles = {u.role for u in people.users.find()}
    assert roles == set(ROLES)
    foremen = [u for u in people.users.find() if u.role == "foreman" and u.login != "fay"]
    assert {u.team_id for u in foremen} == {t.id for t in people.people.teams()}
    assert people.pins.check_pin("mei.lin", DEMO_PIN)
