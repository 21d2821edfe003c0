"""The console in a pseudo-terminal, as a dispatcher sees it: page down to
the stretch of the queue where every countdown ticks, and time how long a
change made by another process takes to show (bench/run.py's pty figures).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import time
import uuid
from pathlib import Path

from ptyrun import PtyProc
from scale_files import OUT, ROOT, log, ticking_region

COLS, ROWS = 160, 50
ROW_RX = re.compile(r"#\d+(?:\s|\x1b\[[0-9;]*m)+P\d")
PAGE_DOWN, DOWN, UP, HOME = b"\x1b[6~", b"\x1b[B", b"\x1b[A", b"\x1b[H"


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
