"""The bench's paths, its log line, and the files it measures on: building a
scale file, copying one (WAL folded in), and finding the stretch of the queue
where every countdown ticks (bench/run.py, busy.py, detail_bench.py).
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
PY = str(ROOT / ".venv" / "bin" / "python")
DISPATCH = str(ROOT / ".venv" / "bin" / "dispatch")


def timed(fn: Any, runs: int = 3) -> tuple[float, Any]:
    """The median of ``runs`` calls (seconds) and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def iso(s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))



def copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(src) as c:  # fold a WAL into the main file before copying
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(src, dst)


def catch_up(db: Path, ahead: float = 0.0) -> int:
    """Every escalation due now fired, as a console kept open on the file would
    have fired them. A scale file's clocks run on after it is built: hours
    later tens of thousands of tickets have passed a level, and a console
    opened on it fires them 200 a poll for minutes (50-80 ms of CPU a second
    at 1M) — work the start, tick and CPU figures are not about.

    ``ahead``: also those that fall due in the next so many seconds (fired
    with the clock moved on). In a 1M file's first hours its 100,000 open
    tickets pass about 20 levels a second (1,185 in one minute, an hour after
    the build), and the console records them as they come: 7 ms/s of a busy
    run's CPU was that, not the one write a second it measures."""
    import pendulum

    from store import Store

    store = Store(db, actor="root", clock=lambda: pendulum.now("UTC").add(seconds=ahead))
    try:
        store.actor = store.db.value("SELECT login FROM users WHERE role = 'manager' ORDER BY login LIMIT 1")
        t0 = time.perf_counter()
        fired = len(store.escalations.fire_due())
        later = f" (and those due in the next {ahead:.0f} s)" if ahead else ""
        log(f"escalations due on the file fired first{later}: {fired:,} in {time.perf_counter() - t0:.1f} s")
    finally:
        store.close()
    return fired


def build(n: int, path: Path) -> float:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    log(f"building {n:,} tickets into {path} (dispatch demo --scale {n} --no-console)")
    t0 = time.perf_counter()
    subprocess.run([DISPATCH, "--db", str(path), "demo", "--scale", str(n), "--no-console"], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def open_count(db: Path) -> tuple[int, int]:
    c = sqlite3.connect(db)
    out = (c.execute("SELECT COUNT(*) FROM tickets").fetchone()[0],
           c.execute("SELECT COUNT(*) FROM tickets WHERE is_open = 1").fetchone()[0])
    c.close()
    return out


def ticking_region(db: Path, visible: int) -> dict:
    """Where in the queue every countdown ticks each second: clocks with under an
    hour left (overdue times show minutes). Running clocks of one priority due
    10-55 min from now are contiguous in queue_key order, and stay under an hour
    left and not yet overdue for the whole run."""
    c = sqlite3.connect(db)
    now = time.time()
    best = None
    for p in (1, 2, 3, 4):
        lo, hi = f"{p}0{iso(now + 10 * 60)}", f"{p}0{iso(now + 55 * 60)}"
        before = c.execute("SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND queue_key < ?", (lo,)).fetchone()[0]
        inside = c.execute("SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND queue_key >= ? AND queue_key < ?",
                           (lo, hi)).fetchone()[0]
        cand = {"priority": p, "start": before, "rows": inside}
        if inside >= visible:
            best = cand
            break
        if best is None or inside > best["rows"]:
            best = cand
    first = c.execute("SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key LIMIT 1 OFFSET ?",
                      (best["start"],)).fetchone()
    c.close()
    best["first_id"] = first[0] if first else None
    return best


def make_small_open(src: Path, dst: Path, start: int, keep: int = 1000) -> int:
    """A copy with only ``keep`` open tickets: the queue rows around the ticking
    region stay open (same visible rows), every other open ticket is closed."""
    copy_db(src, dst)
    keep_from = max(0, start - keep // 2)
    c = sqlite3.connect(dst)
    c.execute(
        "UPDATE tickets SET is_open = 0 WHERE is_open = 1 AND id NOT IN "
        "(SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key LIMIT ? OFFSET ?)", (keep, keep_from))
    c.commit()
    c.close()
    return start - keep_from
