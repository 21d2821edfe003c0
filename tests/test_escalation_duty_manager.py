"""Issue 24: "breached → the foreman and the duty manager". The duty manager
is a setting (a manager's login); while it names nobody, or someone who is no
longer an active manager, every manager is told."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from ticket_helpers import make

from console.cli import cli
from store import Store
from store.errors import RuleViolation


def _breach(store: Store, clock) -> tuple[str, ...]:
    make(store)
    clock.advance(minutes=int(store.settings.policy()[2].window_s("response") // 60) + 1)
    store.escalations.fire_due()
    (e,) = store.escalations.escalations()
    assert e.roles == ("foreman", "duty_manager")
    return e.recipients


def _managers(store: Store) -> list[str]:
    return sorted(u.login for u in store.users.managers())


def test_without_a_duty_manager_every_manager_is_told(people: Store, clock) -> None:
    people.users.add_user("max", "Max Ma", "manager")
    assert sorted(_breach(people, clock)) == _managers(people)


def test_the_duty_manager_alone_is_told(people: Store, clock) -> None:
    people.users.add_user("max", "Max Ma", "manager")
    people.settings.set_setting("duty_manager", "max")
    assert _breach(people, clock) == ("max",)
    assert people.escalations.waiting_for("ann") == 0 and people.escalations.waiting_for("max") == 1
    assert people.audit.verify_audit().ok


def test_a_duty_manager_who_left_falls_back_to_every_manager(people: Store, clock) -> None:
    people.users.add_user("max", "Max Ma", "manager")
    people.settings.set_setting("duty_manager", "max")
    people.users.set_role("max", "dispatcher")
    assert sorted(_breach(people, clock)) == _managers(people)


def test_only_an_active_manager_may_be_the_duty_manager(people: Store) -> None:
    for who in ("fay", "vic", "nobody"):
        with pytest.raises(RuleViolation, match="not an active manager"):
            people.settings.set_setting("duty_manager", who)
    assert people.settings.setting("duty_manager") is None
    people.settings.set_setting("duty_manager", "ann")
    people.settings.set_setting("duty_manager", "")  # cleared: every manager again
    assert people.settings.setting("duty_manager") == ""


def test_set_from_the_cli(people: Store, db_path) -> None:
    people.close()
    bad = CliRunner().invoke(cli, ["--db", str(db_path), "set", "duty_manager", "vic"])
    assert bad.exit_code == 2 and "not an active manager" in bad.output and "Traceback" not in bad.output
    ok = CliRunner().invoke(cli, ["--db", str(db_path), "set", "duty_manager", "ann"])
    assert ok.exit_code == 0, ok.output


def test_the_json_settings_of_escalations_set_from_the_cli(people: Store, db_path) -> None:
    """docs/rules.md's settings table: `dispatch set notify_retry '{…}'` and
    `dispatch set escalation '{…}'` (both were refused: the text was not read as JSON)."""
    people.close()

    def run(*args: str):
        return CliRunner().invoke(cli, ["--db", str(db_path), "set", *args])

    ok = run("notify_retry", '{"attempts": 3, "first_s": 30, "max_s": 600}')
    assert ok.exit_code == 0, ok.output
    ok = run("escalation", '{"default": [{"at": "breached", "to": ["managers"]}]}')
    assert ok.exit_code == 0, ok.output
    bad = run("notify_retry", '{"attempts": 0}')
    assert bad.exit_code == 2 and "attempts must be a whole number from 1 to 50" in bad.output
    s = Store(db_path, actor="ann")
    try:
        assert s.settings.setting("notify_retry") == {"attempts": 3, "first_s": 30, "max_s": 600}
        assert s.escalations.ladder().default[0].to == ("managers",)
    finally:
        s.close()
