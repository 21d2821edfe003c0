"""A process of tests/test_inspections_store.py: waits for GO to exist, then
runs the inspection scheduler RUNS times at the fixed time AT and prints the
visit keys each run made, one line per run.

    python tests/inspection_worker.py DB AT GO [RUNS]"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pendulum

from store import Store
from store.timeutil import fixed_clock


def main(db: str, at: str, go: str, runs: str = "1") -> None:
    store = Store(db, actor="bob", busy_timeout_ms=60000, clock=fixed_clock(pendulum.parse(at)))
    while not Path(go).exists():  # a condition, not a time: all start together
        time.sleep(0.001)
    try:
        for _n in range(int(runs)):
            print(" ".join(v.key for v in store.inspections.run_inspections()), flush=True)
    finally:
        store.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
