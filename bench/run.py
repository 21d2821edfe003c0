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
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
PY = str(ROOT / ".venv" / "bin" / "python")
DISPATCH = str(ROOT / ".venv" / "bin" / "dispatch")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from ptyrun import PtyProc  # noqa: E402

COLS, ROWS = 160, 50
ROW_RX = re.compile(r"#\d+(?:\s|\x1b\[[0-9;]*m)+P\d")
PAGE_DOWN, DOWN, UP, HOME = b"\x1b[6~", b"\x1b[B", b"\x1b[A", b"\x1b[H"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def iso(s: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))


# -------------------------------------------------------------- the files
def copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(src) as c:  # fold a WAL into the main file before copying
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(src, dst)


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


def create_ticket(db: Path, at: str = "second") -> tuple[str, int | None]:
    """Another process's write: a P1 ticket with a unique text, backdated so it
    sorts right under the current first row (at='second') or above it (at='first')."""
    import pendulum

    from store import Store

    store = Store(db)  # as the OS login: roles are enforced, and the file's builder is its manager
    token = "BNCH" + uuid.uuid4().hex[:6].upper()
    top = store.queue.find(limit=1)
    response = store.settings.policy()[1].response_min
    reported = None
    if top and top[0].priority == 1 and top[0].due_at is not None:
        due = top[0].due_at if at == "second" else top[0].due_at.subtract(seconds=60)
        reported = due.subtract(minutes=response)
    site = store.db.value("SELECT id FROM sites ORDER BY id LIMIT 1")
    t = store.tickets.create_ticket({
        "reporter": "Bench Writer", "phone": "010 1234 5678", "site_id": site, "category": "other",
        "priority": 1, "description": f"{token} bench change", "reported_at": reported or pendulum.now("UTC"),
    })
    pos = store.queue.queue_position(t.id)
    store.close()
    return token, pos


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


ID_RX = re.compile(r"\x1b\[(\d+);1H((?:[^\x1b]|\x1b\[[0-9;]*m)*?)#(\d+)")


def screen_ids(p: PtyProc, start: int) -> dict[int, int]:
    """Screen line -> ticket id, from the last full row written on each line since byte ``start``."""
    with p._lock:
        text = bytes(p._buf[start:]).decode("utf-8", "replace")
    out: dict[int, int] = {}
    for m in ID_RX.finditer(text):
        out[int(m[1])] = int(m[3])
    return out


def region_ids(db: Path, region: dict) -> set[int]:
    c = sqlite3.connect(db)
    rows = c.execute("SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key LIMIT ? OFFSET ?",
                     (region["rows"], region["start"])).fetchall()
    c.close()
    return {r[0] for r in rows}


def queue_index(db: Path, ticket_id: int) -> int | None:
    c = sqlite3.connect(db)
    key = c.execute("SELECT queue_key FROM tickets WHERE id = ? AND is_open = 1", (ticket_id,)).fetchone()
    out = None if key is None else c.execute(
        "SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND queue_key < ?", (key[0],)).fetchone()[0]
    c.close()
    return out


def navigate_console(p: PtyProc, db: Path, start: int, visible: int, page: int) -> int | None:
    """Home, PageDown… until queue row ``start`` is (about) the top visible row,
    then read where the view landed from the rows written and correct with
    Down/Up: the page may differ by one from the in-process geometry (the
    queue's horizontal scrollbar comes and goes)."""
    mark = p.size()
    target = start + visible - 1  # cursor on the last visible row: view top = start
    p.send(HOME)
    time.sleep(0.3)
    for _ in range(target // page):
        p.send(PAGE_DOWN)
        time.sleep(0.03)
    top = None
    for _attempt in range(3):
        time.sleep(1.0)
        seen = screen_ids(p, mark)  # the last full row written on each line: the screen now
        if not seen:
            return None
        line = min(seen)
        top = queue_index(db, seen[line])
        if top is None:
            return None
        delta = start - top
        if delta == 0:
            break
        rows_on_screen = max(seen) - line + 1
        # The cursor is on the last visible row: Down scrolls by one; Up first walks to the top row.
        keys = [DOWN] * delta if delta > 0 else [UP] * (-delta + rows_on_screen - 1) + [DOWN] * (rows_on_screen - 1)
        for key in keys:
            p.send(key)
            time.sleep(0.01)
    return top


def pty_session(kind: str, argv: list[str], db: Path, visible: int, page: int, args: argparse.Namespace,
                first_timeout: float, change_timeout: float, quit_keys: bytes) -> dict:
    """first paint, a change by another process, bytes/s (top, then ticking rows), CPU, RSS."""
    res: dict = {}
    log(f"pty session: {kind}")
    p = PtyProc(argv, COLS, ROWS, cwd=str(ROOT))
    try:
        t = p.wait_for(ROW_RX, first_timeout)
        res["first_paint_s"] = None if t is None else t - p.t0
        if t is None:
            log(f"  {kind}: no ticket row within {first_timeout} s")
            return res
        time.sleep(1.5)
        # 2. a change by another process
        mark = p.size()
        token, pos = create_ticket(db, "second")
        t_commit = time.perf_counter()
        seen = p.wait_for(re.escape(token), change_timeout, start=mark)
        res["change_visible_s"] = None if seen is None else seen - t_commit
        res["change_position"] = pos
        if kind == "console":
            # The same, but sorting ABOVE the cursor row while the cursor is on the first row.
            time.sleep(1.0)
            mark = p.size()
            token0, pos0 = create_ticket(db, "first")
            t0 = time.perf_counter()
            seen0 = p.wait_for(re.escape(token0), 4.0, start=mark)
            res["new_first_row_visible_s"] = None if seen0 is None else seen0 - t0
            res["new_first_row_position"] = pos0
        time.sleep(1.0)
        # 5b. bytes at the top of the queue (deadlines there are hours away or over: they tick once a minute)
        t1 = time.perf_counter()
        c1 = p.cpu_seconds()
        time.sleep(args.top_seconds)
        t2 = time.perf_counter()
        res["top_bytes_per_s"] = p.bytes_between(t1, t2) / (t2 - t1)
        res["top_cpu_ms_per_s"] = (p.cpu_seconds() - c1) / (t2 - t1) * 1000
        # 5. put rows that tick every second on screen
        region = ticking_region(db, visible)
        res["region"] = region
        mark = p.size()
        if kind == "console":
            res["view_top"] = navigate_console(p, db, region["start"], visible, page)
        else:
            p.send(b"g")
            time.sleep(1.0)
        time.sleep(args.settle)
        seen = screen_ids(p, mark)
        inside = region_ids(db, region)
        res["navigated"] = f"{sum(1 for i in seen.values() if i in inside)}/{len(seen)} visible rows in the ticking region"
        t1 = time.perf_counter()
        c1 = p.cpu_seconds()
        time.sleep(args.bytes_seconds)
        t2 = time.perf_counter()
        res["bytes_per_s"] = p.bytes_between(t1, t2) / (t2 - t1)
        res["cpu_ms_per_s"] = (p.cpu_seconds() - c1) / (t2 - t1) * 1000
        res["rss_mb"] = (p.rss_kb() or 0) / 1024
        return res
    finally:
        p.close(quit_keys)
        (OUT / f"pty-{kind}.out").write_bytes(b"".join(d for _t, d in p.chunks))


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
