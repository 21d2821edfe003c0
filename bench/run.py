"""Scale bench for the Dispatch Console: prints (and saves) one table of figures.

    .venv/bin/python bench/run.py                      # build 1,000,000 tickets (10% open), ~85 s build
    .venv/bin/python bench/run.py --tickets 20000      # quick run on a small fresh file
    .venv/bin/python bench/run.py --db /tmp/scale1m.db # reuse a file (copied first: the bench writes)

See bench/README.md for what each figure means. Everything lands in bench/out/.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from console_pty import COLS, ROW_RX, ROWS, pty_session
from ptyrun import PtyProc
from scale_files import BENCH, DISPATCH, OUT, PY, ROOT, build, catch_up, copy_db, log, make_small_open, open_count, ticking_region


# ----------------------------------------------------------------- helpers
def inproc(mode: str, db: Path, *args: str, timeout: float = 240) -> dict:
    cmd = [PY, str(BENCH / "inproc.py"), mode, "--db", str(db), *args]
    log("  " + " ".join(cmd[1:]))
    try:
        cp = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        log(f"  timed out after {timeout} s")
        return {}
    for line in cp.stdout.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])
    log("  failed: " + cp.stderr[-2000:])
    return {}


def median(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def startup_overhead(code: str, runs: int = 3) -> float:
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", code], check=True, cwd=ROOT)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def first_paint_only(argv: list[str], timeout: float, quit_keys: bytes) -> float | None:
    p = PtyProc(argv, COLS, ROWS, cwd=str(ROOT))
    try:
        t = p.wait_for(ROW_RX, timeout)
        return None if t is None else t - p.t0
    finally:
        p.close(quit_keys)


# ------------------------------------------------------------------ table
def fmt(v, spec: str = ".2f", suffix: str = "") -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    if isinstance(v, str):
        return v
    return f"{v:{spec}}{suffix}"


def table(rows: list[tuple[str, str, str, str, str]]) -> str:
    head = ("figure", "console", "floor", "naive", "target")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    line = lambda r: " | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))  # noqa: E731
    sep = "-+-".join("-" * w for w in widths)
    return "\n".join([line(head), sep, *(line(r) for r in rows)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="reuse this file (copied to bench/out/work.db first)")
    ap.add_argument("--tickets", type=int, default=1_000_000, help="build a fresh file with N tickets (default 1,000,000)")
    ap.add_argument("--cpu-seconds", type=float, default=8.0, help="steady-state window for the tick CPU figure")
    ap.add_argument("--bytes-seconds", type=float, default=20.0, help="window for bytes/s with ticking rows")
    ap.add_argument("--top-seconds", type=float, default=8.0, help="window for bytes/s at the top of the queue")
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=30, help="repetitions for the refresh medians")
    ap.add_argument("--skip-naive", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    started = time.perf_counter()
    info: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count()}

    # ---------------------------------------------------------- the files
    work = OUT / "work.db"
    if args.db:
        log(f"copying {args.db} -> {work}")
        copy_db(args.db, work)
        info["source"] = str(args.db)
    else:
        built = OUT / f"scale-{args.tickets}.db"
        info["build_s"] = build(args.tickets, built)
        log(f"built in {info['build_s']:.0f} s")
        work = built
        info["source"] = f"fresh build of {args.tickets:,} tickets"
    info["escalations_caught_up"] = catch_up(work)
    total, n_open = open_count(work)
    info.update(tickets=total, open=n_open)
    log(f"{total:,} tickets, {n_open:,} open")

    # Geometry first (visible rows, page size), then where the countdowns tick.
    probe = inproc("console", work, "--seconds", "0")
    geo = probe.get("geometry", {"visible_rows": 46, "page": 45, "window": 141})
    visible, page = geo["visible_rows"], geo["page"]
    info["geometry"] = geo
    region = ticking_region(work, visible)
    info["region"] = region
    log(f"ticking region: P{region['priority']} from queue index {region['start']} ({region['rows']} rows)")
    small = OUT / "open1k.db"
    log("making the 1,000-open copy")
    small_start = make_small_open(work, small, region["start"])

    # ------------------------------------------------ in-process figures
    mid = max(0, n_open // 2)
    cpu = str(args.cpu_seconds)
    con_big = inproc("console", work, "--jump", str(region["start"]), "--seconds", cpu, "--runs", str(args.runs),
                     "--positions", f"top=0,mid={mid}")
    con_small = inproc("console", small, "--jump", str(small_start), "--seconds", cpu, "--runs", str(args.runs))
    flo_big = inproc("floor", work, "--jump", str(region["start"]), "--rows", str(visible), "--runs", str(args.runs))
    flo_small = inproc("floor", small, "--jump", str(small_start), "--rows", str(visible), "--runs", str(args.runs))
    nai_big, nai_small = {}, {}
    if not args.skip_naive:
        nai_small = inproc("naive", small, "--jump", str(small_start), "--seconds", cpu)
        nai_big = inproc("naive", work, "--jump", str(region["start"]), "--seconds", cpu, timeout=300)

    # ------------------------------------------------------ pty figures
    console_argv = [DISPATCH, "--db", str(work)]
    floor_argv = [PY, str(BENCH / "floor.py"), "--db", str(work), "--rows", str(visible)]
    pty_con = pty_session("console", console_argv, work, visible, page, args, 30, 10, b"\x11")
    reg = ticking_region(work, visible)
    pty_flo = pty_session("floor", [*floor_argv, "--jump", str(reg["start"])], work, visible, page, args, 10, 10, b"q")
    pty_nai: dict = {}
    if not args.skip_naive:
        reg = ticking_region(work, visible)
        naive_argv = [PY, str(BENCH / "naive_datatable.py"), "--db", str(work), "--jump", str(reg["start"])]
        pty_nai = pty_session("naive", naive_argv, work, visible, page, args, 90, 90, b"\x11")
    log("first-paint repeats")
    con_fp = [pty_con.get("first_paint_s")] + [first_paint_only(console_argv, 30, b"\x11") for _ in range(3)]
    flo_fp = [pty_flo.get("first_paint_s")] + [first_paint_only(floor_argv, 10, b"q") for _ in range(3)]
    log("startup overhead")
    boot = {
        "console": startup_overhead("import console.cli, console.app, console.screens.main"),
        "floor": startup_overhead("import sqlite3, datetime, select, termios, tty"),
        "naive": startup_overhead("import textual.app, textual.widgets"),
        "bare": startup_overhead("pass"),
    }

    # ------------------------------------------------------------ table
    cl, cs = con_big.get("live", {}), con_small.get("live", {})
    cpb, cps = con_big.get("paused", {}), con_small.get("paused", {})
    rf = con_big.get("refresh", {})
    nb, ns = nai_big.get("steady", {}), nai_small.get("steady", {})
    opens = f"{n_open:,}"
    small_open = open_count(small)[1]
    rows = [
        ("1  first screen painted, pty (s, median of 4 / naive 1)", fmt(median(con_fp), ".2f"), fmt(median(flo_fp), ".3f"),
         fmt(pty_nai.get("first_paint_s"), ".1f"), "≤ 0.5"),
        ("   of which python start + imports (s)", fmt(boot["console"], ".2f"), fmt(boot["floor"], ".3f"),
         fmt(boot["naive"], ".2f"), "—"),
        ("2  change by another process visible (s)", fmt(pty_con.get("change_visible_s"), ".2f"),
         fmt(pty_flo.get("change_visible_s"), ".2f"), fmt(pty_nai.get("change_visible_s"), ".1f"), "≤ 2"),
        ("3  refresh: one poll's store calls (ms, median)", fmt(rf.get("ticking", {}).get("TOTAL"), ".1f"),
         fmt(flo_big.get("refresh_ms"), ".2f"), fmt((nai_big.get("reload_and_paint_s") or 0) * 1000 or None, ".0f"),
         "≤ 50"),
        ("   same, cursor mid-queue (ms)", fmt(rf.get("mid", {}).get("TOTAL"), ".1f"), "—", "—", "≤ 50"),
        (f"4  tick CPU, {small_open:,} open (ms per tick, live)", fmt(cs.get("cpu_ms_per_tick"), ".1f"),
         fmt(flo_small.get("tick_ms"), ".3f"), fmt(ns.get("cpu_ms_per_tick"), ".1f"), "≤ 5"),
        (f"4  tick CPU, {opens} open (ms per tick, live)", fmt(cl.get("cpu_ms_per_tick"), ".1f"),
         fmt(flo_big.get("tick_ms"), ".3f"), fmt(nb.get("cpu_ms_per_tick"), ".1f"), "≤ 5, flat"),
        (f"   live paused (tick+clock only), {small_open:,} / {opens} open",
         f"{fmt(cps.get('cpu_ms_per_tick'), '.1f')} / {fmt(cpb.get('cpu_ms_per_tick'), '.1f')}", "—", "—", "≤ 5"),
        (f"   tick() itself, {small_open:,} / {opens} open (ms)",
         f"{fmt(cs.get('tick_ms_median'), '.2f')} / {fmt(cl.get('tick_ms_median'), '.2f')}", "—",
         f"{fmt(ns.get('tick_ms_median'), '.2f')} / {fmt(nb.get('tick_ms_median'), '.2f')}", "—"),
        ("5  bytes/s to the terminal, ticking rows", fmt(pty_con.get("bytes_per_s"), ".0f"),
         fmt(pty_flo.get("bytes_per_s"), ".0f"), fmt(pty_nai.get("bytes_per_s"), ".0f"), "≤ 2048"),
        ("   bytes/s at the queue top (minute ticks)", fmt(pty_con.get("top_bytes_per_s"), ".0f"),
         fmt(pty_flo.get("top_bytes_per_s"), ".0f"), fmt(pty_nai.get("top_bytes_per_s"), ".0f"), "≤ 2048"),
        ("   process CPU in the pty, ticking rows (ms/s)", fmt(pty_con.get("cpu_ms_per_s"), ".1f"),
         fmt(pty_flo.get("cpu_ms_per_s"), ".1f"), fmt(pty_nai.get("cpu_ms_per_s"), ".0f"), "—"),
        ("6  resident memory, VmRSS (MB)", fmt(pty_con.get("rss_mb"), ".0f"), fmt(pty_flo.get("rss_mb"), ".0f"),
         fmt(pty_nai.get("rss_mb"), ".0f"), "≤ 150"),
    ]
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True).stdout.strip()[:60]
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "console", "store"],
                               capture_output=True, text=True).stdout.strip()
        head += " (+ uncommitted changes in console/ or store/)" if dirty else ""
    except OSError:
        head = "?"
    title = (f"Dispatch Console bench — {time.strftime('%Y-%m-%d %H:%M')} — code {head}\n"
             f"{info['source']}: {total:,} tickets, "
             f"{n_open:,} open — {COLS}x{ROWS}, {visible} visible rows, {os.cpu_count()} CPUs")
    notes = []
    if rf:
        parts = ", ".join(f"{k} {v:.1f}" for k, v in rf.get("ticking", {}).items() if k not in ("TOTAL", "cursor_index"))
        notes.append(f"refresh breakdown (ms, cursor at index {rf['ticking'].get('cursor_index')}): {parts}")
        for label in ("top", "mid"):
            r = rf.get(label, {})
            if r:
                notes.append(f"refresh cursor {label} (index {r.get('cursor_index')}): total {r['TOTAL']:.1f} ms; "
                             f"queue_position {r.get('queue_position', 0):.1f}, "
                             + ", ".join(f"{k} {v:.1f}" for k, v in r.items() if k.startswith("queue(")))
        qs = rf.get("queue_split", {})
        if qs:
            notes.append(f"queue() of {qs['rows']} rows: SQL {qs['sql']:.2f} ms, rows -> QueueRow {qs['rows_to_models']:.2f} ms")
    for lbl, d in ((f"{small_open:,} open", cs), (f"{opens} open", cl)):
        if d:
            notes.append(
                f"console tick, {lbl}: {d['ticks']} ticks in {d['wall_s']:.1f} s, CPU {d['cpu_ms_per_s']:.1f} ms/s, "
                f"render_line {d['render_lines_per_tick']:.0f} lines = {d['render_line_ms_per_tick']:.1f} ms/tick, "
                f"screen update {d['screen_update_ms_per_tick']:.1f} ms/tick; polls full/counts-only/no-op "
                f"{d['polls_full_refresh']}/{d.get('polls_counts_only', 0)}/{d['polls_noop']}")
    if con_big:
        notes.append(f"visible rows ticking every second (console, in-process): {con_big.get('visible_ticking')} of {visible}; "
                     f"in-process first rows {con_big.get('first_rows_inproc_s', 0):.2f} s")
    if nai_big:
        notes.append(f"naive {opens} open: first rows in-process {nai_big.get('first_rows_inproc_s', 0):.1f} s "
                     f"(query+add_rows {nai_big.get('load_s', 0):.1f} s), reload+paint {nai_big.get('reload_and_paint_s', 0):.1f} s")
    if pty_con:
        notes.append(
            f"console pty: change ticket at queue index {pty_con.get('change_position')}; a ticket sorting above the "
            f"cursor row (index {pty_con.get('new_first_row_position')}) appeared after "
            f"{fmt(pty_con.get('new_first_row_visible_s'), '.2f')} s (— = not within 4 s); "
            f"navigated to ticking rows: {pty_con.get('navigated')}; CPU at queue top {fmt(pty_con.get('top_cpu_ms_per_s'), '.1f')} ms/s")
    notes.append(f"ticking region: P{region['priority']} rows from queue index {region['start']} "
                 f"({region['rows']} rows due 10-55 min from now: every countdown ticks each second)")
    notes.append(f"startup: bare python {boot['bare']:.3f} s; first paint samples console "
                 + ", ".join(fmt(x, ".2f") for x in con_fp) + "; floor " + ", ".join(fmt(x, ".3f") for x in flo_fp))
    if "build_s" in info:
        notes.append(f"build: {info['build_s']:.0f} s")
    notes.append(f"bench wall time {time.perf_counter() - started:.0f} s")
    text = title + "\n\n" + table(rows) + "\n\nnotes:\n" + "\n".join("  - " + n for n in notes) + "\n"
    print(text)
    (OUT / "latest.txt").write_text(text)
    raw = {"info": info, "console_100k": con_big, "console_1k": con_small, "floor_big": flo_big, "floor_small": flo_small,
           "naive_big": nai_big, "naive_small": nai_small, "pty_console": pty_con, "pty_floor": pty_flo,
           "pty_naive": pty_nai, "first_paint": {"console": con_fp, "floor": flo_fp}, "startup": boot}
    (OUT / "latest.json").write_text(json.dumps(raw, indent=1, default=str))


if __name__ == "__main__":
    main()
