"""The FLOOR: the least a live queue on this file can cost.

A bare python + sqlite3 process (standard library only): one plain query of
the visible rows ordered by queue_key with LIMIT/OFFSET, formatted into fixed
columns and written to the terminal; once a second it polls PRAGMA
data_version (re-querying and redrawing on change) and rewrites only the
countdown cells whose text changed, with one cursor move each.

    python bench/floor.py --db FILE --rows 46 [--jump N]

Stdin (cbreak, no echo): ``g`` shows the rows from queue index N (--jump);
``q`` quits. The helpers are also imported by bench/inproc.py for the
in-process floor figures.
"""

from __future__ import annotations

import argparse
import os
import select
import sqlite3
import sys
import termios
import time
import tty

from fmt import countdown, epoch

# The window's ids from the covering queue index first, then the rows: an
# OFFSET over the joined rows read every skipped row (101 ms mid-queue at
# 100k open), which no floor needs to.
SQL = """
SELECT t.id, t.priority, t.status, s.name, substr(t.description, 1, 160), t.next_clock, t.due_at, t.frozen_left_s
FROM (SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key LIMIT ? OFFSET ?) w
JOIN tickets t ON t.id = w.id JOIN sites s ON s.id = t.site_id ORDER BY t.queue_key
"""
LEFT_X = 100  # 1-based column of the countdown cell
LEFT_W = 8


def fetch(conn: sqlite3.Connection, n: int, offset: int) -> list[tuple]:
    """Query and format the visible rows: (line text, clock info)."""
    out = []
    now = time.time()
    for tid, prio, status, site, desc, nxt, due_at, frozen in conn.execute(SQL, (n, offset)):
        due = epoch(due_at)
        left = countdown(nxt, due, frozen, now)
        line = f"#{tid:<7} P{prio} {status:<8} {site[:14]:<14} {desc[:40]:<40}"
        out.append((line, (nxt, due, frozen), left))
    return out


def full_screen(rows: list[tuple]) -> str:
    parts = ["\x1b[H\x1b[2J"]
    for y, (line, _clock, left) in enumerate(rows, start=2):
        parts.append(f"\x1b[{y};1H{line}\x1b[{y};{LEFT_X}H{left:>{LEFT_W}}")
    return "".join(parts)


def tick_update(rows: list[tuple], drawn: list[str], now: float) -> str:
    """Escape text that rewrites only the countdown cells whose text changed."""
    parts = []
    for i, (_line, (nxt, due, frozen), _left) in enumerate(rows):
        text = countdown(nxt, due, frozen, now)
        if text != drawn[i]:
            drawn[i] = text
            parts.append(f"\x1b[{i + 2};{LEFT_X}H{text:>{LEFT_W}}")
    return "".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--rows", type=int, default=46)
    ap.add_argument("--jump", type=int, default=0)
    args = ap.parse_args()
    out = sys.stdout
    conn = sqlite3.connect(args.db)
    offset = 0
    rows = fetch(conn, args.rows, offset)
    out.write(full_screen(rows))
    out.flush()
    drawn = [r[2] for r in rows]
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    attrs = termios.tcgetattr(fd)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    try:
        next_tick = time.monotonic() + 1.0
        while True:
            ready, _w, _x = select.select([fd], [], [], max(0.0, next_tick - time.monotonic()))
            redraw = False
            if ready:
                key = os.read(fd, 64)
                if b"q" in key or b"\x11" in key:
                    break
                if b"g" in key:
                    offset = args.jump
                    redraw = True
            if time.monotonic() >= next_tick:
                next_tick += 1.0
                v = conn.execute("PRAGMA data_version").fetchone()[0]
                if v != version:
                    version = v
                    redraw = True
                if not redraw:
                    out.write(tick_update(rows, drawn, time.time()))
                    out.flush()
            if redraw:
                rows = fetch(conn, args.rows, offset)
                drawn = [r[2] for r in rows]
                out.write(full_screen(rows))
                out.flush()
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, old)


if __name__ == "__main__":
    main()
