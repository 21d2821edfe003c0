"""PIN sign-in has a limit (issue 21): new PINs are 6 to 12 digits; after 3
free tries each wrong PIN doubles the wait before the next try is even looked
at; 10 wrong in a row lock the person until a manager unlocks them. Enforced
in the store, every failed try, lock and unlock in the audit log, the clock
injected (nothing here sleeps)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import MutableClock
from console_helpers import app_for, burst, settle, until
from textual.widgets import DataTable, Input, Static

from console.cli import cli
from console.screens.sign_in import SignInScreen
from console.screens.users import UsersScreen
from store import PermissionDenied, Store
from store.errors import ValidationFailed
from store.models import PinOutcome
from store.rules.auth import FREE_TRIES, LOCK_AFTER, hash_pin, pin_wait_s

PIN = "482913"
WRONG = "000000"
DESK = "frontdesk"  # a shared OS account at the counter: not a user of the file


@pytest.fixture
def desk(store: Store, clock: MutableClock) -> Iterator[Store]:
    """bob has a PIN; the console at the shared desk runs as an OS login the file does not know."""
    store.users.set_pin("bob", PIN)
    store.settings.set_setting("sign_in", True)
    s = Store(store.path, actor=DESK, clock=clock)
    yield s
    s.close()


def pin_events(store: Store) -> list[SimpleNamespace]:
    """The sign-in tries, locks and unlocks in the audit log, oldest first."""
    rows = store.db.q("SELECT at, actor, entered_by, action, entity, old, new FROM events"
                    " WHERE action LIKE 'sign_in.%' OR action IN ('user.lock', 'user.unlock') ORDER BY id")
    return [SimpleNamespace(**{**dict(r), "old": json.loads(r["old"]), "new": json.loads(r["new"])}) for r in rows]


def user_row(store: Store, login: str) -> dict[str, object]:
    row = store.db.q("SELECT pin_failures, pin_retry_at, pin_locked FROM users WHERE login = ?", (login,))[0]
    return dict(row)


# ------------------------------------------------------------------ new PINs
@pytest.mark.parametrize("pin", ["1234", "12345", "12345a", "1234567890123", "１２３４５６", "12 3456", ""])
def test_a_new_pin_is_6_to_12_digits(store: Store, pin: str) -> None:
    with pytest.raises(ValidationFailed, match="6 to 12 digits"):
        store.users.set_pin("bob", pin)
    assert not store.users.user("bob").has_pin


def test_six_and_twelve_digits_are_fine_and_an_old_short_pin_still_signs_in(store: Store, db_path: Path) -> None:
    store.users.set_pin("bob", "123456")
    store.users.set_pin("alice", "123456789012")
    # A file from before the rule: ann's 4-digit PIN keeps working for sign-in.
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE users SET pin_hash = ? WHERE login = 'ann'", (hash_pin("4821"),))
    raw.commit()
    raw.close()
    assert store.pins.check_pin("ann", "4821") and store.pins.check_pin("bob", "123456") and store.pins.check_pin("alice", "123456789012")


def test_the_cli_refuses_a_short_pin_in_one_line(store: Store, db_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", str(db_path), "user", "pin", "bob"], input="4821\n4821\n")
    assert result.exit_code == 2 and "6 to 12 digits" in result.output and "Traceback" not in result.output
    assert not store.users.user("bob").has_pin


# ------------------------------------------------------------- the limit
def test_the_wait_doubles_after_three_free_tries() -> None:
    assert [pin_wait_s(n) for n in range(1, LOCK_AFTER)] == [0, 0, 2, 4, 8, 16, 32, 64, 128]
    assert FREE_TRIES == 3 and LOCK_AFTER == 10


def test_300_wrong_pins_in_15_s_are_mostly_never_checked(desk: Store, store: Store, clock: MutableClock) -> None:
    """The issue's probe: 300 wrong PINs in 15 s, then the right one."""
    checked = 0
    for _ in range(300):
        checked += desk.pins.sign_in("bob", WRONG).checked
        clock.advance(microseconds=50_000)
    # Looked at: 0, 0.05, 0.10 s (free), 3 s (2 s later, rounded up to the second), 7 s (4 s later);
    # the next may be looked at from 15 s (8 s later). The other 295 were refused unread.
    assert checked == 5 and user_row(store, "bob")["pin_failures"] == 5
    assert [e.new["pin_failures"] for e in pin_events(store)] == [1, 2, 3, 4, 5]
    assert desk.actor == DESK  # still nobody signed in
    clock.advance(microseconds=-50_000)  # 14.95 s
    assert desk.pins.sign_in("bob", PIN).wait_s == 1
    clock.advance(microseconds=50_000)  # 15 s: the wait is over, and the right PIN signs in
    assert desk.pins.sign_in("bob", PIN).ok and desk.actor == "bob"


def test_300_patient_wrong_pins_lock_the_person(desk: Store, store: Store, clock: MutableClock) -> None:
    """Waiting out every delay does not help: the tenth wrong PIN in a row locks."""
    for _ in range(300):
        desk.pins.sign_in("bob", WRONG)
        clock.advance(seconds=300)
    right = desk.pins.sign_in("bob", PIN)
    assert not right.ok and right.locked and not right.checked
    assert store.users.user("bob").pin_locked
    events = pin_events(store)
    assert [e.action for e in events] == ["sign_in.failed"] * LOCK_AFTER + ["user.lock"]
    # Who was tried, when, from which OS login, the count, locked or not.
    for n, e in enumerate(events[:LOCK_AFTER], start=1):
        assert (e.entity, e.actor, e.entered_by, e.new["login"], e.new["pin_failures"]) == ("user", DESK, None, "bob", n)
    assert events[-1].new == {"login": "bob", "pin_locked": 1}
    assert events[0].at < events[-1].at


def test_a_try_during_the_wait_is_neither_checked_nor_counted(desk: Store, store: Store, clock: MutableClock) -> None:
    for _ in range(FREE_TRIES):
        assert desk.pins.sign_in("bob", WRONG).checked
    tried = len(pin_events(store))
    for waited, wait in zip(range(3), (2, 4, 8), strict=True):
        early = desk.pins.sign_in("bob", PIN)  # even the right PIN: not looked at
        assert (early.ok, early.checked, early.wait_s) == (False, False, wait)
        assert len(pin_events(store)) == tried + waited
        clock.advance(seconds=wait - 1)
        assert desk.pins.sign_in("bob", WRONG).wait_s == 1
        clock.advance(seconds=1)
        assert desk.pins.sign_in("bob", WRONG).checked
    assert user_row(store, "bob")["pin_failures"] == FREE_TRIES + 3
    clock.advance(seconds=16)
    right = desk.pins.sign_in("bob", PIN)  # a success resets the count
    assert right.ok and desk.actor == "bob"
    assert user_row(store, "bob") == {"pin_failures": 0, "pin_retry_at": None, "pin_locked": 0}
    reset = pin_events(store)[-1]
    assert reset.action == "sign_in.ok" and reset.old["pin_failures"] == FREE_TRIES + 3 and reset.new["pin_failures"] == 0


def test_a_manager_unlocks_and_a_dispatcher_may_not(desk: Store, store: Store, clock: MutableClock) -> None:
    for _ in range(LOCK_AFTER):
        desk.pins.sign_in("bob", WRONG)
        clock.advance(seconds=300)
    alice = Store(store.path, actor="alice", clock=clock)  # a dispatcher
    try:
        with pytest.raises(PermissionDenied, match="alice is a dispatcher and may not manage users"):
            alice.pins.unlock_user("bob")
    finally:
        alice.close()
    assert store.users.user("bob").pin_locked
    result = CliRunner().invoke(cli, ["--db", str(store.path), "user", "unlock", "bob"])
    assert result.exit_code == 0 and "bob" in result.output, result.output
    assert user_row(store, "bob") == {"pin_failures": 0, "pin_retry_at": None, "pin_locked": 0}
    unlock = pin_events(store)[-1]
    assert unlock.action == "user.unlock" and unlock.old == {"login": "bob", "pin_failures": LOCK_AFTER, "pin_locked": 1}
    assert desk.pins.sign_in("bob", PIN).ok
    again = CliRunner().invoke(cli, ["--db", str(store.path), "user", "unlock", "bob"])
    assert again.exit_code == 0 and "not locked" in again.output


def test_user_events_replay_to_the_row(desk: Store, store: Store, clock: MutableClock) -> None:
    """The contract with `dispatch check`: every change to a users row is an
    event on entity "user" whose old/new name the login and the changed columns."""
    for n in range(LOCK_AFTER + 2):
        desk.pins.sign_in("bob", WRONG)
        clock.advance(seconds=200 if n % 2 else 1)
    store.pins.unlock_user("bob")
    for _ in range(4):
        desk.pins.sign_in("bob", WRONG)
        clock.advance(seconds=3)
    columns = {r[1] for r in store.db.q("PRAGMA table_info(users)")}
    row = {"pin_failures": 0, "pin_retry_at": None, "pin_locked": 0}
    for e in pin_events(store):
        assert e.entity == "user" and e.old["login"] == e.new["login"] == "bob"
        assert set(e.old) <= columns and set(e.new) <= columns, (e.action, e.old, e.new)
        assert all(row[k] == v for k, v in e.old.items() if k in row), (e.action, e.old, row)
        row.update({k: v for k, v in e.new.items() if k != "login"})
    assert row == user_row(store, "bob")


def test_unknown_disabled_and_pinless_people_are_refused_without_a_record(desk: Store, store: Store) -> None:
    store.users.disable_user("alice")
    for login in ("nobody", "alice", "ann"):  # ann has no PIN
        outcome = desk.pins.sign_in(login, PIN)
        assert not outcome.ok and not outcome.checked
    assert pin_events(store) == []


def test_a_read_only_console_checks_no_pin(store: Store, clock: MutableClock) -> None:
    store.users.set_pin("bob", PIN)
    ro = Store(store.path, actor=DESK, clock=clock, read_only=True)
    try:
        with pytest.raises(PermissionDenied, match="read-only"):
            ro.pins.sign_in("bob", PIN)
    finally:
        ro.close()


def test_an_old_file_gets_the_counters(tmp_path: Path) -> None:
    """Migration 0014 on a file from before it (made by the steps up to 0013,
    with people in it): every user starts with no failures, unlocked."""
    from tests.old_files import build

    path = tmp_path / "old.db"
    raw = sqlite3.connect(path, isolation_level=None)
    build(raw, 13)
    raw.execute("BEGIN")
    raw.execute("INSERT INTO users (login, name, role, created_at) VALUES"
                " ('ann', 'Ann', 'manager', '2026-11-01T00:00:00Z'), ('bob', 'Bob', 'dispatcher', '2026-11-01T00:00:00Z')")
    raw.execute("COMMIT")
    raw.close()
    again = Store(path, actor="ann")
    try:
        assert {u.login: (u.pin_failures, u.pin_locked) for u in again.users.find()} == {"ann": (0, False), "bob": (0, False)}
        assert again.db.q("SELECT name FROM migrations WHERE name = '0014_sign_in_attempts'")
    finally:
        again.close()


# ------------------------------------------------------------- the screens
async def test_the_sign_in_screen_says_wait_and_locked_in_words(desk: Store, clock: MutableClock) -> None:
    app = app_for(desk)

    def message() -> str:
        return str(app.screen.query_one("#sign-in-message", Static).render())

    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press("enter")  # bob, the only one with a PIN
        for _ in range(FREE_TRIES):
            await burst(pilot, *WRONG, "enter")  # (as a burst: one settle, not one per key)
        assert "Wrong PIN for Bob Ma" in message() and "wait 2 s" in message(), message()
        await burst(pilot, *PIN, "enter")  # during the wait: refused, not checked
        await until(pilot, lambda: "Too many wrong PINs" in message())
        assert isinstance(app.screen, SignInScreen) and desk.actor == DESK
        for _ in range(LOCK_AFTER - FREE_TRIES - 1):  # more wrong PINs, straight through the store
            clock.advance(seconds=300)
            assert desk.pins.try_pin("bob", WRONG).checked
        clock.advance(seconds=300)
        await burst(pilot, *WRONG, "enter")  # the tenth, here
        await until(pilot, lambda: "locked" in message())
        assert "dispatch user unlock bob" in message(), message()
        clock.advance(seconds=3600)
        await burst(pilot, *PIN, "enter")
        assert "locked" in message() and isinstance(app.screen, SignInScreen)


async def test_u_on_the_users_screen_unlocks(desk: Store, store: Store, clock: MutableClock) -> None:
    for _ in range(LOCK_AFTER):
        desk.pins.sign_in("bob", WRONG)
        clock.advance(seconds=300)
    store.settings.set_setting("sign_in", False)
    app = app_for(store)  # ann, a manager
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.push_screen(UsersScreen())
        await until(pilot, lambda: isinstance(app.screen, UsersScreen))
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        row = [u.login for u in app.screen.people].index("bob")
        assert "locked" in str(table.get_row_at(row))
        assert "Unlock" in " ".join(str(b.description) for b in app.screen.BINDINGS)
        table.move_cursor(row=row)
        await pilot.press("u")
        await until(pilot, lambda: not store.users.user("bob").pin_locked)
        await settle(pilot)
        assert "locked" not in str(app.screen.query_one(DataTable).get_row_at(row))
    assert pin_events(store)[-1].actor == "ann"


async def test_a_read_only_console_does_not_ask_who_is_at_the_keyboard(store: Store, clock: MutableClock) -> None:
    store.users.set_pin("bob", PIN)
    store.settings.set_setting("sign_in", True)
    ro = Store(store.path, actor=DESK, clock=clock, read_only=True)
    try:
        app = app_for(ro)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert not isinstance(app.screen, SignInScreen)
    finally:
        ro.close()


def test_the_user_list_shows_who_is_locked(desk: Store, store: Store, clock: MutableClock) -> None:
    for _ in range(LOCK_AFTER):
        desk.pins.sign_in("bob", WRONG)
        clock.advance(seconds=300)
    listed = json.loads(CliRunner().invoke(cli, ["--db", str(store.path), "user", "list", "--format", "json"]).output)
    assert {u["login"]: u["locked"] for u in listed}["bob"] is True
    assert "locked" in CliRunner().invoke(cli, ["--db", str(store.path), "user", "list"]).output



async def test_the_sign_in_screen_stays_live_while_a_try_waits_for_the_file(
        desk: Store, db_path: Path, clock: MutableClock) -> None:
    """A try is a short write: while another dispatcher holds the write lock,
    the screen says it is checking and keeps drawing (the try runs in a worker)."""
    patient = Store(db_path, actor=DESK, clock=clock, busy_timeout_ms=120_000)  # however slow this machine is
    app = app_for(patient)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press("enter")
        other = sqlite3.connect(db_path, timeout=0)
        other.execute("BEGIN IMMEDIATE")  # someone else's write, in progress
        try:
            await pilot.press(*WRONG, "enter")
            await until(pilot, lambda: "Checking" in str(app.screen.query_one("#sign-in-message", Static).render()))
            await pilot.press("tab")  # the app still takes keys
            await settle_briefly(pilot)
            assert pin_events(desk) == []  # the try is still waiting for the lock
        finally:
            other.rollback()
            other.close()
        await until(pilot, lambda: "Wrong PIN" in str(app.screen.query_one("#sign-in-message", Static).render()))
        assert len(pin_events(desk)) == 1
    patient.close()


async def settle_briefly(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let the app process what was sent, without waiting for workers (one is blocked on purpose)."""
    for _ in range(3):
        await pilot.pause()


async def test_pins_typed_in_one_burst_are_each_tried_in_order(desk: Store, store: Store) -> None:
    """Over SSH a burst arrives at once: every PIN typed is tried (and counted), in order;
    the first right one signs in and what came after it is dropped."""
    store.users.set_pin("alice", PIN)
    app = app_for(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await burst(pilot, "enter", *"111111", "enter", *"222222", "enter", *PIN, "enter", *"333333", "enter")
        await until(pilot, lambda: not isinstance(app.screen, SignInScreen))
        await settle(pilot)
    assert desk.actor == "alice"  # alice comes before bob (by name)
    assert [e.action for e in pin_events(store)] == ["sign_in.failed", "sign_in.failed", "sign_in.ok"]


async def test_an_enter_that_arrives_after_the_right_pin_tries_nothing(
        desk: Store, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a loaded machine the burst's last Enter can reach the screen after the
    right PIN's answer, while the screen is being closed (seen: a fourth try,
    counted against alice after she had signed in). It is dropped as well."""
    store.users.set_pin("alice", PIN)
    real = SignInScreen.dismiss

    def late_enter(screen: SignInScreen, result: str | None = None) -> Any:
        pin = screen.query_one("#pin", Input)
        pin.value = "333333"
        screen.post_message(Input.Submitted(pin, "333333"))  # queued before the screen goes
        return real(screen, result)

    monkeypatch.setattr(SignInScreen, "dismiss", late_enter)
    app = app_for(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await burst(pilot, "enter", *WRONG, "enter", *PIN, "enter")
        await until(pilot, lambda: not isinstance(app.screen, SignInScreen))
        await settle(pilot)
    assert desk.actor == "alice"
    assert [e.action for e in pin_events(store)] == ["sign_in.failed", "sign_in.ok"]


def test_a_try_from_another_console_meanwhile_is_never_lost(
        desk: Store, store: Store, clock: MutableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The slow hash runs outside the write lock; if another console's try lands
    meanwhile, this one starts over and sees the wait that try began (so two
    consoles never share one free try, and no count is overwritten)."""
    import store.repo.pins as pins

    for _ in range(FREE_TRIES - 1):
        desk.pins.sign_in("bob", WRONG)
    other = Store(store.path, actor="backoffice", clock=clock)
    real = pins.auth.verify_pin
    cut_in: list[PinOutcome] = []
    started = []

    def slow_hash(pin: str, stored: str | None) -> bool:
        if not started:  # while this console hashes, the other one tries (and fails) first
            started.append(True)
            cut_in.append(other.pins.sign_in("bob", "999999"))
        return real(pin, stored)

    monkeypatch.setattr(pins.auth, "verify_pin", slow_hash)
    try:
        mine = desk.pins.sign_in("bob", WRONG)
    finally:
        other.close()
    assert cut_in[0].checked and cut_in[0].failures == FREE_TRIES
    assert (mine.checked, mine.wait_s) == (False, 2)  # the third free try was the other console's
    assert user_row(store, "bob")["pin_failures"] == FREE_TRIES
    assert [e.actor for e in pin_events(store)] == [DESK] * (FREE_TRIES - 1) + ["backoffice"]
