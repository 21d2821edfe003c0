"""A process of tests/test_escalation_processes.py, on one file:

    python tests/escalation_worker.py fire DB START_ISO STEP_S STEPS SEED
        sweeps the clock from START by STEP_S (jittered by SEED), firing what
        is due at each instant, as ann or bob;
    python tests/escalation_worker.py send DB START_ISO LOG KILL_AT
        one sender pass whose delivery appends each outbox id to LOG (fsynced)
        and, at the KILL_AT-th message, SIGKILLs itself after delivering and
        before the attempt is recorded."""

from __future__ import annotations

import os
import random
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store
from store.delivery import Delivery, Outcome
from store.sender import one_pass, sender_lock


def fire(db: str, start: str, step_s: str, steps: str, seed: str) -> None:
    r = random.Random(int(seed))
    now = [pendulum.parse(start)]
    store = Store(db, actor="ann", clock=lambda: now[0], busy_timeout_ms=30000)
    for _i in range(int(steps)):
        now[0] = now[0].add(seconds=int(step_s) + r.randint(-5, 5))
        store.actor = r.choice(["ann", "bob"])
        store.escalations.fire_due()
    store.close()


def send(db: str, start: str, log: str, kill_at: str) -> None:
    now = pendulum.parse(start)
    store = Store(db, actor="ann", clock=lambda: now)
    count = [0]

    def deliver(urls: Sequence[str], title: str, body: str) -> Delivery:
        ref = body.rsplit("ref ", 1)[1].strip()
        with open(log, "a") as f:
            f.write(ref + "\n")
            f.flush()
            os.fsync(f.fileno())
        count[0] += 1
        if count[0] == int(kill_at):
            os.kill(os.getpid(), signal.SIGKILL)  # sent, not yet recorded
        return Delivery(tuple(Outcome(i, "JSON", True) for i in range(1, len(urls) + 1)), 0.0)

    with sender_lock(Path(db)):
        one_pass(store, deliver)
    store.close()


if __name__ == "__main__":
    {"fire": fire, "send": send}[sys.argv[1]](*sys.argv[2:])
