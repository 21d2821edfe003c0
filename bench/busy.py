"""Busy center: the console at the top of the queue while another process
makes one change a second, behind a real pty (issue 16).

    .venv/bin/python bench/busy.py --db /tmp/demo.db                 # 10 minutes (copied first: the bench writes)
    .venv/bin/python bench/busy.py --db /tmp/scale1m.db --seconds 180

The writer is this process, with its own Store on the file (so the console
sees it through PRAGMA data_version, exactly like a colleague's console): each
second it reassigns one of the first rows of the queue to another on-duty
technician — one row's technician and two lines of the board change, not
the order. Before the writes start, a quiet window gives the console's own
cost (ticks, clock). Prints bytes/s to the terminal (median and worst
second), process CPU ms/s and RSS at 1, 5 and 10 minutes beside the floor;
what the console wrote is saved to bench/out/pty-busy.out.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from console_pty import COLS, ROW_RX, ROWS  # noqa: E402
from ptyrun import PtyProc  # noqa: E402
from scale_files import DISPATCH, catch_up, copy_db, log  # noqa: E402

# What must reach the terminal for one reassignment: the changed row (one
# line of 160 cells with its style codes), two board lines (≈30 cells each)
# and the cursor moves — about 300 bytes; a count change adds ~40.
FLOOR_BYTES = "≈ 200–500"
GOALS = {"bytes": 2048.0, "cpu": 20.0, "rss": 80.0}
MARKS = (60, 300, 600)


class Writer:
    """Another dispatcher: one reassignment a second among the first rows."""

    def __init__(self, db: Path, clock: Any = None) -> None:
        """``clock``: the store's (bench/memory_trace.py --hours: the console's fast clock)."""
        from store import Store

        self.store = Store(db, actor="root", clock=clock)
        techs = [t for t in self.store.people.technicians() if t.on_duty]
        self.techs = [t.id for t in techs]
        self.n = 0

    def change(self) -> bool:
        # The rows on screen (the top of the queue) that have a technician.
        rows = [r for r in self.store.queue.find(limit=45) if r.technician_id is not None
                and r.status in ("assigned", "onsite", "waiting")]
        if not rows or len(self.techs) < 2:
            if self.n == 0:
                log("  writer: no assigned ticket among the first 45 rows")
            self.n += 1
            return False
        row = rows[self.n % len(rows)]
        self.n += 1
        others = [t for t in self.techs if t != row.technician_id]
        tech = others[self.n % len(others)]
        try:
            self.store.tickets.assign(row.id, row.version, technician_id=tech, reason="bench: busy center")
        except Exception as exc:  # a refusal (rule, role) is reported, the run goes on
            log(f"  writer: {type(exc).__name__}: {exc}")
            return False
        return True

    def close(self) -> None:
        self.store.close()


def run(db: Path, seconds: int, quiet: int, settle: float, profile: Path | None = None,
        dispatch: str = DISPATCH) -> dict:
    res: dict = {"db": str(db), "seconds": seconds, "load_before": os.getloadavg()}
    # --profile: the console under cProfile (its main thread: ticks, repaint,
    # terminal output; the poll runs in worker threads), written when it quits.
    argv = ([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "console.cli", "--db", str(db)]
            if profile else [dispatch, "--db", str(db)])
    p = PtyProc(argv, COLS, ROWS, cwd=str(ROOT))
    writer = Writer(db)
    try:
        t = p.wait_for(ROW_RX, 60)
        if t is None:
            raise SystemExit("no ticket row within 60 s:\n" + p.text()[-2000:])
        res["first_paint_s"] = t - p.t0
        time.sleep(settle)
        # Quiet: what the console costs on its own (ticks, the clock, polls that find nothing).
        q0, c0 = time.perf_counter(), p.cpu_seconds()
        time.sleep(quiet)
        q1 = time.perf_counter()
        res["quiet_bytes_per_s"] = p.bytes_between(q0, q1) / (q1 - q0)
        res["quiet_cpu_ms_per_s"] = (p.cpu_seconds() - c0) * 1000 / (q1 - q0)
        log(f"quiet {quiet} s: {res['quiet_bytes_per_s']:.0f} B/s, {res['quiet_cpu_ms_per_s']:.1f} ms/s CPU")
        per_s: list[int] = []
        cpu: list[float] = []
        rss: dict[int, float] = {}
        marks: dict[int, dict[str, float]] = {}  # the figures so far, at 1, 5 and 10 minutes
        writes = 0
        start = time.perf_counter()
        cpu_prev = p.cpu_seconds()
        for i in range(seconds):
            t_s = start + i
            writes += writer.change()
            time.sleep(max(0.0, t_s + 1 - time.perf_counter()))
            per_s.append(p.bytes_between(t_s, t_s + 1))
            now_cpu = p.cpu_seconds()
            cpu.append((now_cpu - cpu_prev) * 1000)
            cpu_prev = now_cpu
            if i + 1 in MARKS or i + 1 == seconds:
                rss[i + 1] = (p.rss_kb() or 0) / 1024
                marks[i + 1] = {"bytes_median": statistics.median(per_s), "bytes_worst": max(per_s),
                                "cpu_ms_per_s": statistics.mean(cpu), "rss_mb": rss[i + 1],
                                "load": os.getloadavg()[0]}
                log(f"  {i + 1:4d} s: median {statistics.median(per_s):.0f} B/s, worst {max(per_s)}, "
                    f"CPU {statistics.mean(cpu):.1f} ms/s, RSS {rss[i + 1]:.1f} MB, load {os.getloadavg()[0]:.2f}")
            if p.proc.poll() is not None:
                raise SystemExit("the console exited:\n" + p.text()[-2000:])
        res.update(writes=writes, bytes_median=statistics.median(per_s), bytes_worst=max(per_s),
                   bytes_mean=statistics.mean(per_s), cpu_ms_per_s=statistics.mean(cpu), rss_mb=rss,
                   marks=marks, per_second=per_s, load_after=os.getloadavg())
        return res
    finally:
        writer.close()
        p.close(b"\x11")
        OUT.mkdir(exist_ok=True)
        (OUT / "pty-busy.out").write_bytes(b"".join(d for _t, d in p.chunks))


def report(res: dict) -> str:
    """One column per mark (1, 5, 10 minutes: the figures over the run so far)."""
    marks = {int(k): v for k, v in res["marks"].items()}
    heads = [f"{k // 60} min" if k % 60 == 0 else f"{k} s" for k in sorted(marks)]
    cols = [marks[k] for k in sorted(marks)]

    def row(name: str, key: str, fmt: str, floor: str, goal: str) -> str:
        return (f"{name:<24}" + "".join(f"{format(c[key], fmt):>10}" for c in cols)
                + f"{floor:>12}{goal:>10}")

    load = lambda xs: "/".join(f"{x:.2f}" for x in xs)  # noqa: E731
    lines = [
        f"busy center: {res['db']} at {COLS}×{ROWS}, {res['writes']} changes in {res['seconds']} s"
        f" ({res.get('dispatch', DISPATCH)}, bench at nice {os.nice(0)})",
        f"load average (1/5/15 min) before {load(res['load_before'])}, after {load(res['load_after'])}"
        " (2 cores, shared)",
        f"{'figure':<24}" + "".join(f"{h:>10}" for h in heads) + f"{'floor':>12}{'goal':>10}",
        row("bytes/s median", "bytes_median", ",.0f", FLOOR_BYTES, "≤ 2,048"),
        row("bytes/s worst second", "bytes_worst", ",.0f", "", ""),
        row("CPU ms/s", "cpu_ms_per_s", ".1f", "—", "≤ 20"),
        row("RSS MB", "rss_mb", ".1f", "—", "≤ 80"),
        row("load (1 min)", "load", ".2f", "", ""),
        f"quiet (no writes, {res.get('quiet_s', '')} s first): {res['quiet_bytes_per_s']:,.0f} B/s,"
        f" {res['quiet_cpu_ms_per_s']:.1f} ms/s CPU; first paint {res['first_paint_s']:.2f} s",
    ]
    return "\n".join(lines)


def main() -> None:
    faulthandler.register(signal.SIGUSR1)  # kill -USR1: where a long run is
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True, help="the file (copied to bench/out/busy.db first)")
    ap.add_argument("--in-place", action="store_true", help="write to --db itself, no copy")
    ap.add_argument("--seconds", type=int, default=600, help="the busy window (default 600: 10 minutes)")
    ap.add_argument("--quiet", type=int, default=15, help="seconds without writes first (default 15)")
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--profile", type=Path, help="run the console under cProfile, stats written to this file")
    ap.add_argument("--dispatch", default=DISPATCH,
                    help="the console to run (another checkout's .venv/bin/dispatch: its 'before')")
    args = ap.parse_args()
    db = args.db
    if not args.in_place:
        OUT.mkdir(exist_ok=True)
        db = OUT / "busy.db"
        log(f"copying {args.db} to {db}")
        copy_db(args.db, db)
    catch_up(db, ahead=args.quiet + args.seconds + 120)  # none fall due while it measures
    res = run(db, args.seconds, args.quiet, args.settle, args.profile, args.dispatch)
    res["dispatch"] = args.dispatch
    res["quiet_s"] = args.quiet
    text = report(res)
    print(text)
    (OUT / "busy.txt").write_text(text + "\n")
    (OUT / "busy.json").write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
