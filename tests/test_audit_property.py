"""Issue 21: a false alarm broke every backup (a time phoned in late made
``check`` fail). The guard: random sequences of every write the Store offers,
with their optional arguments (stated times, notes, fees, edits, priority
changes, holds and resumes, reassignments, cancels, callbacks with attempts,
carry-overs and plans, evaluations, items and complaints in every step,
reference edits and retirements, users and roles, settings that move
deadlines, bulk loads and CSV imports), by several people, with ``check``'s
audit passing after each step.

Bounded in the suite (a few seconds); DISPATCH_AUDIT_SEEDS=200
DISPATCH_AUDIT_STEPS=300 runs longer."""

from __future__ import annotations

import os
from itertools import chain
from pathlib import Path

from audit_driver import OPS, Driver, write_methods
from conftest import MutableClock, seeded_file

SEEDS = int(os.environ.get("DISPATCH_AUDIT_SEEDS", "2"))
STEPS = int(os.environ.get("DISPATCH_AUDIT_STEPS", "60"))


def test_every_write_method_of_the_store_has_a_driver() -> None:
    """A new write method without a driver here fails this (OPS in tests/audit_steps.py)."""
    found = write_methods()
    assert {"create_ticket", "set_setting", "log_callback", "import_records"} <= found  # the finder finds
    assert found <= set(OPS), f"write methods with no driver in tests/audit_steps.py: {sorted(found - set(OPS))}"
    assert set(OPS) <= found, f"drivers of no write method: {sorted(set(OPS) - found)}"


def test_check_passes_after_every_step_of_random_work(tmp_path: Path, now) -> None:
    ran: dict[str, int] = {}
    for seed in range(SEEDS):
        clock = MutableClock(now)
        store = seeded_file(tmp_path / f"p{seed}.db", "bob", "alice", "fay", "gus", clock=clock)
        try:
            driver = Driver(store, clock, seed)
            steps = chain(driver.tour(), (driver.step() for _ in range(STEPS)))
            for name in steps:
                report = store.audit.verify_audit()
                assert report.ok, (f"seed {seed}, after step {driver.n} ({name}): {report.problems[:3]}\n"
                                   + "\n".join(driver.log[-15:]))
            for k, v in driver.ran.items():
                ran[k] = ran.get(k, 0) + v
        finally:
            store.close()
    # Not all refusals: every kind of write went through at least once.
    assert not set(OPS) - set(ran), f"never went through: {sorted(set(OPS) - set(ran))}"
