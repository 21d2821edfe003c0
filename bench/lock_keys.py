"""Key latency while another process holds the write lock (issue 23).

The console in-process (``App.run_test``, 80×24) on a small fresh file. For
each run another process takes the write lock (tests/lock_holder.py: BEGIN
IMMEDIATE, held until told or 4 s), then the console starts a write that
must wait for it, and keys are sent as the terminal sends them, one at a
time; each key's latency is from sending it to its visible effect:

- ``queue``: resume on a waiting ticket (``u``, a write with no form), then
  ``j``/``k``: the effect is the queue's cursor moving;
- ``form``: a work note submitted (``ctrl+s``), then letters typed into the
  note: the effect is the letter in the field.

Also the same keys with no lock held (``idle``), for reference (the form
then is not submitted: it would close). A key not
answered within 5 s counts as 5 s. Run from the repository root:

    .venv/bin/python bench/lock_keys.py            # 3 runs of 20 keys each way

Output: one line per case (median, p95, max in ms; keys answered while the
lock was still held), also written to bench/out/lock_keys.txt."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from textual import events  # noqa: E402

from console.app import make_app  # noqa: E402
from console.settings import ConsoleSettings  # noqa: E402
from store import Store  # noqa: E402
from store.context import default_actor  # noqa: E402

HOLDER = ROOT / "tests" / "lock_holder.py"
KEYS = 20
GIVE_UP = 5.0  # a key unanswered this long counts as this long


def build(path: Path) -> int:
    """A file with one waiting ticket (first in the queue) and two others."""
    store = Store(path, create=True, actor=default_actor())
    store.admin.load("bench.seed", {
        "sites": [{"id": 1, "code": "S1", "name": "Site", "address": "x"}],
        "teams": [{"id": 1, "name": "Team", "foreman_id": None}],
        "technicians": [{"id": 1, "name": "Tech", "team_id": 1, "phone": "1", "skills": '["atm"]', "on_duty": 1}],
        "equipment": [{"id": 1, "site_id": 1, "asset_tag": "TAG-1", "category": "atm", "model": "m"}],
    }, {"seed": "bench"})
    store.users.add_user(default_actor(), "Bench", "manager")
    data = {"reporter": "Wang", "phone": "138 0000", "site_id": 1, "equipment_id": 1, "category": "atm",
            "priority": 3, "description": "ATM swallows cards"}
    for _ in range(2):
        store.tickets.create_ticket(data)
    t = store.tickets.create_ticket({**data, "priority": 1})
    t = store.tickets.assign(t.id, t.version, technician_id=1)
    t = store.tickets.arrive(t.id, t.version)
    store.tickets.hold(t.id, t.version, reason="parts")
    store.close()
    return t.id


def send(app: Any, key: str) -> None:
    char = key if len(key) == 1 else {"tab": "\t"}.get(key)
    app._driver.send_message(events.Key(key, char))


async def until(cond: Any, limit: float = GIVE_UP) -> float:
    """Seconds until ``cond()`` (capped at ``limit``), looking every 0.5 ms."""
    start = time.perf_counter()
    while not cond():
        if time.perf_counter() - start >= limit:
            break
        await asyncio.sleep(0.0005)
    return time.perf_counter() - start


async def one_run(db: Path, case: str, locked: bool, signals: Path) -> tuple[list[float], int]:
    """Latencies of KEYS keys (s), and how many were answered while the lock was held."""
    store = Store(db, actor=default_actor())
    app = make_app(store, settings=ConsoleSettings(poll_seconds=1.0, cursor_blink=False))
    latencies: list[float] = []
    while_held = 0
    holder = None
    for name in ("held", "release", "released", "timed-out"):
        (signals / name).unlink(missing_ok=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#queue")
        await until(lambda: len(table.rows) == 3)
        if case == "form":
            send(app, "m")
            await until(lambda: type(app.screen).__name__ == "ActionForm")
            await until(lambda: type(app.focused).__name__ == "TextArea")
            area = app.focused
            area.insert("a note")
        if locked:
            holder = subprocess.Popen([sys.executable, str(HOLDER), str(db), str(signals), "4"])
            await until(lambda: (signals / "held").exists(), 30)
        if locked or case == "queue":  # the write that waits for the lock (idle, a form would close)
            send(app, "u" if case == "queue" else "ctrl+s")
            await asyncio.sleep(0.05)  # it has started waiting
        for i in range(KEYS):
            if case == "queue":
                before = table.cursor
                send(app, "j" if i % 2 == 0 else "k")
                latencies.append(await until(lambda b=before: table.cursor != b))
            else:
                before_text = area.text
                send(app, "x")
                latencies.append(await until(lambda b=before_text: area.text != b))
            if locked and not (signals / "released").exists():
                while_held += 1
        if holder is not None:
            (signals / "release").write_text("go")
            holder.wait()
        await app.workers.wait_for_complete()
    store.close()
    return latencies, while_held


def describe(case: str, locked: bool, lat: list[float], held: int, total: int) -> str:
    ms = sorted(x * 1000 for x in lat)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    line = (f"{case:5s} {'lock held' if locked else 'idle':9s}  keys {len(ms):3d}  median {statistics.median(ms):7.1f} ms"
            f"  p95 {p95:7.1f} ms  max {ms[-1]:7.1f} ms")
    if locked:
        line += f"  answered while the lock was held: {held}/{total}"
    return line


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        signals = Path(tmp) / "lock"
        signals.mkdir()
        for case in ("queue", "form"):
            for locked in (False, True):
                lat: list[float] = []
                held = 0
                for run in range(args.runs):
                    db = Path(tmp) / f"{case}-{locked}-{run}.db"
                    build(db)
                    got, while_held = await one_run(db, case, locked, signals)
                    lat += got
                    held += while_held
                line = describe(case, locked, lat, held, len(lat))
                print(line, flush=True)
                lines.append(line)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "lock_keys.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
