"""Does the console give memory back? The real console behind a pty at 160×50
(issue 28, "Memory").

    .venv/bin/python bench/memory_bench.py --db FILE                      # 4 rounds of 300 PageDown + Home
    .venv/bin/python bench/memory_bench.py --db FILE --rounds 5 --pages 200
    .venv/bin/python bench/memory_bench.py --db FILE --writes --minutes 12 --rate 10   # "2 h" of writes in 12 min

Pages: each round sends ``--pages`` PageDown (in groups of 10, 20 ms apart,
as a held key would) then Home, waits until the console has written nothing
for a second (the top of the queue repainted), and reads ``VmRSS`` from
/proc. The first round is the warm-up (caches that fill to their size once:
Rich's and Textual's); the figure is the spread of the rounds after it.

Writes: another dispatcher (this process, its own Store, as bench/busy.py)
reassigns one of the first rows ``--rate`` times a second for ``--minutes``;
RSS each minute. At 1 write a second a 2-hour shift makes 7,200 writes: at
``--rate 10`` they take 12 minutes. What grows with time alone (the clocks'
crossings, the minute toasts) is not compressed — the console runs on the
real clock — so run a long ``--rate 1`` too when that is in question.

The file is copied first (the bench writes); the console is
``.venv/bin/dispatch --db COPY`` as a user starts it.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from busy import Writer  # noqa: E402
from console_pty import COLS, HOME, PAGE_DOWN, ROW_RX, ROWS  # noqa: E402
from ptyrun import PtyProc  # noqa: E402
from scale_files import DISPATCH, OUT, ROOT, build, catch_up, copy_db, log, open_count  # noqa: E402


def quiet(p: PtyProc, seconds: float = 1.0, timeout: float = 60.0) -> None:
    """Wait until a second passes in which the console wrote less than a
    screen's tenth (the tick and the clock at the top write a few hundred
    bytes a second; the repaint after Home is ~20 KB)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        n = p.size()
        time.sleep(seconds)
        if p.size() - n < 1500:
            return


def mb(p: PtyProc) -> float:
    return (p.rss_kb() or 0) / 1024


def first_id(db: Path) -> int:
    c = sqlite3.connect(db)
    out = c.execute("SELECT id FROM tickets WHERE is_open = 1 ORDER BY queue_key LIMIT 1").fetchone()[0]
    c.close()
    return int(out)


def written(p: PtyProc, rx: re.Pattern[bytes], start: int, timeout: float) -> bool:
    """``rx`` in what the console wrote after byte ``start`` (PtyProc.wait_for
    decodes everything since ``start`` again at each chunk: too slow for the
    megabytes of a round)."""
    deadline = time.perf_counter() + timeout
    seen = start
    while time.perf_counter() < deadline:
        with p._lock:
            tail = bytes(p._buf[max(start, seen - 64):])
            seen = len(p._buf)
        if rx.search(tail):
            return True
        time.sleep(0.2)
    return False


def pages(p: PtyProc, db: Path, rounds: int, n: int) -> list[float]:
    top = re.compile(rf"#{first_id(db)}\b".encode())
    out = []
    for r in range(rounds):
        mark = p.size()
        for i in range(n):
            p.send(PAGE_DOWN)
            if i % 10 == 9:
                time.sleep(0.02)
        p.send(HOME)
        # Keys queue up in the pty faster than the console pages: the round
        # is over when the first row is written again (after every PageDown).
        if not written(p, top, mark, 300):
            raise SystemExit("the first row did not come back after Home")
        quiet(p)
        out.append(mb(p))
        log(f"  round {r + 1}: {n} PageDown + Home, RSS {out[-1]:.1f} MB, load {os.getloadavg()[0]:.2f}")
    return out


def writes(p: PtyProc, db: Path, minutes: float, rate: float) -> list[tuple[float, int, float]]:
    """(minute, writes so far, RSS MB) each minute."""
    writer = Writer(db)
    out = [(0.0, 0, mb(p))]
    log(f"  0 min: RSS {out[0][2]:.1f} MB")
    start = time.perf_counter()
    done = n = 0
    try:
        while time.perf_counter() - start < minutes * 60:
            done += writer.change()
            n += 1
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
            if time.perf_counter() - start >= 60 * len(out):
                out.append((len(out), done, mb(p)))
                log(f"  {out[-1][0]:.0f} min: {done} writes, RSS {out[-1][2]:.1f} MB, load {os.getloadavg()[0]:.2f}")
            if p.proc.poll() is not None:
                raise SystemExit("the console exited:\n" + p.text()[-2000:])
    finally:
        writer.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="a scale file (copied first); default: build --tickets")
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--pages", type=int, default=300)
    ap.add_argument("--writes", action="store_true", help="writes instead of page moves")
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--rate", type=float, default=10.0, help="writes a second")
    ap.add_argument("--work", type=Path, default=OUT / "memory.db",
                    help="where the copy goes (two runs at once need two: a copy replaces the file)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    work = args.work
    if args.db:
        copy_db(args.db, work)
    else:
        build(args.tickets, work)
    catch_up(work)
    total, open_ = open_count(work)
    log(f"{work}: {total:,} tickets, {open_:,} open; load {os.getloadavg()[0]:.2f}")
    p = PtyProc([DISPATCH, "--db", str(work)], COLS, ROWS, cwd=str(ROOT))
    try:
        if p.wait_for(ROW_RX, 60) is None:
            raise SystemExit("no ticket row within 60 s:\n" + p.text()[-2000:])
        quiet(p)
        start = mb(p)
        log(f"first screen: RSS {start:.1f} MB")
        if args.writes:
            marks = writes(p, work, args.minutes, args.rate)
            rss = [m[2] for m in marks]
            print(f"writes: {marks[-1][1]} in {args.minutes:g} min at {args.rate:g}/s; RSS per minute (MB): "
                  + " ".join(f"{r:.1f}" for r in rss))
            after = rss[1:] or rss
            print(f"after the first minute: {min(after):.1f}–{max(after):.1f} MB (spread {max(after) - min(after):.1f};"
                  f" goal ± 2 MB)")
        else:
            rss = pages(p, work, args.rounds, args.pages)
            print(f"start {start:.1f} MB; after each round of {args.pages} PageDown + Home (MB): "
                  + " ".join(f"{r:.1f}" for r in rss))
            after = rss[1:] or rss
            print(f"after the warm-up round: {min(after):.1f}–{max(after):.1f} MB (spread {max(after) - min(after):.1f};"
                  f" goal ± 2 MB), {(len(after)) * args.pages} page moves")
        print(f"load average {os.getloadavg()[0]:.2f}")
    finally:
        p.close(b"\x11")
        (OUT / "pty-memory.out").write_bytes(b"".join(d for _t, d in p.chunks))


if __name__ == "__main__":
    main()
