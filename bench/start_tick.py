"""Start and tick, before and after in the same minutes (issue 28, third round).

    nice -n -10 .venv/bin/python bench/start_tick.py --db FILE [--before /work/main] [--runs 6]

For each code tree (this one, "after", and ``--before``, each run with its own
``.venv``), alternating run by run so both see the same load:

- first paint: process start -> the first ticket row in a pty at 160x50
  (``bench/console_pty.py``'s pattern), median of ``--runs``; floor: the same
  for ``bench/floor.py``;
- tick CPU in-process: ``bench/inproc.py console --no-refresh`` with the
  ticking rows on screen, CPU per tick live and with live paused; floor:
  ``inproc.py floor`` (the changed countdown cells' text and escape codes);
- the whole process in the pty on the ticking rows: CPU ms/s (utime+stime
  from /proc) and bytes/s over ``--pty-seconds``; floor: ``floor.py``.

Each tree's ``.pyc`` files go to their own ``PYTHONPYCACHEPREFIX`` under
bench/out/pyc-* (written on a warm-up start, read after), so neither pays for
compiling (this environment sets ``PYTHONDONTWRITEBYTECODE``). The file is
copied first (bench/out/start_tick.db; ``--no-copy`` uses it as is): the
console may write to it. Each figure is printed with its floor and the
1-minute load average taken beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))

from console_pty import COLS, ROW_RX, ROWS, navigate_console  # noqa: E402
from ptyrun import PtyProc  # noqa: E402
from scale_files import catch_up, copy_db, log, open_count, ticking_region  # noqa: E402


class Tree:
    """One checkout with its own venv, run with its own bytecode cache."""

    def __init__(self, label: str, root: Path) -> None:
        self.label, self.root = label, root
        self.py = str(root / ".venv" / "bin" / "python")
        self.dispatch = str(root / ".venv" / "bin" / "dispatch")
        env = dict(os.environ)
        env["PYTHONDONTWRITEBYTECODE"] = ""  # empty is unset (PtyProc adds its env to os.environ)
        env["PYTHONPYCACHEPREFIX"] = str(OUT / f"pyc-{label}")
        # This tree's packages first, whatever its venv's editable install
        # points at (a worktree may share the main checkout's venv).
        env["PYTHONPATH"] = str(root)
        self.env = env


def load() -> float:
    return os.getloadavg()[0]


def first_paint(argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 30.0) -> tuple[float | None, float | None]:
    """Wall seconds from start to the first ticket row in the pty, and the program's CPU seconds then."""
    p = PtyProc(argv, COLS, ROWS, env=env, cwd=str(cwd), mark=ROW_RX)
    try:
        t = p.wait_for(ROW_RX, timeout)
        return (None if t is None else t - p.t0), p.mark_cpu
    finally:
        p.close(b"\x11" if "dispatch" in argv[0] else b"q")


def inproc(tree: Tree, *args: str) -> dict:
    cp = subprocess.run(
        [tree.py, str(tree.root / "bench" / "inproc.py"), *args], capture_output=True, text=True, env=tree.env, cwd=tree.root, timeout=300
    )
    for line in cp.stdout.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])
    log(f"  {tree.label} inproc failed: {cp.stderr[-1500:]}")
    return {}


def pty_ticking(argv: list[str], env: dict[str, str], cwd: Path, db: Path, visible: int, page: int, seconds: float, console: bool) -> dict:
    """CPU ms/s and bytes/s of the whole process with the ticking rows on screen."""
    p = PtyProc(argv, COLS, ROWS, env=env, cwd=str(cwd))
    try:
        if p.wait_for(ROW_RX, 30) is None:
            return {}
        time.sleep(1.0)
        region = ticking_region(db, visible)
        if console:
            navigate_console(p, db, region["start"], visible, page)
        time.sleep(3.0)
        t1, c1 = time.perf_counter(), p.cpu_seconds()
        time.sleep(seconds)
        t2, c2 = time.perf_counter(), p.cpu_seconds()
        return {"cpu_ms_per_s": (c2 - c1) / (t2 - t1) * 1000, "bytes_per_s": p.bytes_between(t1, t2) / (t2 - t1), "load": load()}
    finally:
        p.close(b"\x11" if console else b"q")


def med(xs: list[float | None]) -> float | None:
    got = [x for x in xs if x is not None]
    return statistics.median(got) if got else None


def f(v: float | None, spec: str) -> str:
    return "—" if v is None else format(v, spec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--before", type=Path, help="another checkout (with its .venv) to run alternately")
    ap.add_argument("--runs", type=int, default=6, help="first-paint runs of each")
    ap.add_argument("--tick-seconds", type=float, default=8.0)
    ap.add_argument("--tick-runs", type=int, default=2, help="in-process tick runs of each")
    ap.add_argument("--pty-seconds", type=float, default=20.0)
    ap.add_argument("--skip", default="", help="comma list of: paint,tick,pty")
    ap.add_argument("--no-copy", action="store_true", help="use --db as is (it may be written to)")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    OUT.mkdir(exist_ok=True)
    db = args.db
    if not args.no_copy:
        db = OUT / "start_tick.db"
        log(f"copying {args.db} -> {db}")
        copy_db(args.db, db)
    trees = [Tree("after", ROOT)] + ([Tree("before", args.before.resolve())] if args.before else [])
    # Those that fall due while it runs too: a console on a young 1M file
    # records ~20 a second (bench/README.md, session 37), work the tick and
    # the pty figures are not about. Generous: a few seconds a first paint,
    # two phases and a start a tick run, the pty's window and its paging.
    ahead = len(trees) * (3 * args.runs + args.tick_runs * (2 * args.tick_seconds + 15) + args.pty_seconds + 30) + 120
    catch_up(db, ahead=ahead)
    total, n_open = open_count(db)
    floor_env = trees[0].env
    for t in trees:  # warm-up: writes each tree's .pyc files (and warms the page cache)
        first_paint([t.dispatch, "--db", str(db)], t.env, t.root)
    probe = inproc(trees[0], "console", "--db", str(db), "--seconds", "0")
    geo = probe.get("geometry", {"visible_rows": 46, "page": 45})
    visible, page = geo["visible_rows"], geo["page"]
    res: dict = {t.label: {"paint": [], "paint_cpu": [], "paint_load": [], "tick": [], "pty": []} for t in trees}
    res["floor"] = {"paint": [], "paint_cpu": [], "tick": {}, "pty": {}}
    floor_argv = [trees[0].py, str(BENCH / "floor.py"), "--db", str(db), "--rows", str(visible)]

    if "paint" not in skip:
        log("first paint")
        for _ in range(args.runs):
            for t in trees:
                res[t.label]["paint_load"].append(load())
                wall, cpu = first_paint([t.dispatch, "--db", str(db)], t.env, t.root)
                res[t.label]["paint"].append(wall)
                res[t.label]["paint_cpu"].append(cpu)
            wall, cpu = first_paint(floor_argv, floor_env, ROOT, 10)
            res["floor"]["paint"].append(wall)
            res["floor"]["paint_cpu"].append(cpu)
    if "tick" not in skip:
        log("tick CPU in-process")
        region = ticking_region(db, visible)
        for _ in range(args.tick_runs):
            for t in trees:
                got = inproc(
                    t, "console", "--db", str(db), "--jump", str(region["start"]), "--seconds", str(args.tick_seconds), "--no-refresh"
                )
                got["load"] = load()
                res[t.label]["tick"].append(got)
        res["floor"]["tick"] = inproc(trees[0], "floor", "--db", str(db), "--jump", str(region["start"]), "--rows", str(visible))
    if "pty" not in skip:
        log("process CPU in the pty, ticking rows")
        for t in trees:
            res[t.label]["pty"].append(pty_ticking([t.dispatch, "--db", str(db)], t.env, t.root, db, visible, page, args.pty_seconds, True))
        region = ticking_region(db, visible)
        res["floor"]["pty"] = pty_ticking(
            [*floor_argv, "--jump", str(region["start"])], floor_env, ROOT, db, visible, page, args.pty_seconds, False
        )

    labels = [t.label for t in trees]
    print(
        f"start and tick — {time.strftime('%Y-%m-%d %H:%M')} — {args.db}: {total:,} tickets, {n_open:,} open, "
        f"{COLS}x{ROWS}, {visible} visible rows, {os.cpu_count()} CPUs, bench at nice {os.nice(0)}"
    )
    head = "figure".ljust(52) + "".join(lbl.rjust(28) for lbl in labels) + "floor".rjust(10) + "   load (1 min)"
    print(head)

    def row(name: str, vals: list[str], floor: str, loads: str) -> None:
        print(name.ljust(52) + "".join(v.rjust(28) for v in vals) + floor.rjust(10) + "   " + loads)

    if "paint" not in skip:
        loads = [x for t in labels for x in res[t]["paint_load"]]
        row(
            f"first paint in the pty, s (median of {args.runs})",
            [f(med(res[t]["paint"]), ".3f") for t in labels],
            f(med(res["floor"]["paint"]), ".3f"),
            f"{min(loads):.2f}–{max(loads):.2f}",
        )
        row(
            "   its CPU time (utime+stime) until then, s",
            [f(med(res[t]["paint_cpu"]), ".3f") for t in labels],
            f(med(res["floor"]["paint_cpu"]), ".3f"),
            "",
        )
        for t in labels:
            print(
                f"   {t} samples (wall / CPU): "
                + ", ".join(f"{f(w, '.3f')}/{f(c, '.2f')}" for w, c in zip(res[t]["paint"], res[t]["paint_cpu"], strict=True))
            )
    if "tick" not in skip:
        for mode in ("live", "paused"):
            vals = []
            for t in labels:
                xs = [r.get(mode, {}).get("cpu_ms_per_tick") for r in res[t]["tick"]]
                vals.append(" / ".join(f(x, ".1f") for x in xs))
            loads = [r.get("load", 0.0) for t in labels for r in res[t]["tick"]]
            row(
                f"tick CPU in-process, {mode}, ms per tick (each run)",
                vals,
                f(res["floor"]["tick"].get("tick_ms"), ".3f"),
                f"{min(loads):.2f}–{max(loads):.2f}",
            )
        vis = [r.get("visible_ticking") for t in labels for r in res[t]["tick"]]
        print(f"   visible rows ticking each second: {vis}")
    if "pty" not in skip:
        for key, name, spec in (
            ("cpu_ms_per_s", "process CPU in the pty, ticking rows, ms/s", ".1f"),
            ("bytes_per_s", "bytes/s to the terminal, ticking rows", ".0f"),
        ):
            vals = [f(med([r.get(key) for r in res[t]["pty"]]), spec) for t in labels]
            loads = [r.get("load", 0.0) for t in labels for r in res[t]["pty"]]
            row(name, vals, f(res["floor"]["pty"].get(key), spec), f"{min(loads, default=0):.2f}–{max(loads, default=0):.2f}")
    (OUT / "start_tick.json").write_text(json.dumps(res, indent=1, default=str))


if __name__ == "__main__":
    main()
