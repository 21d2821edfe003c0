"""``dispatch demo --scale N --no-console``: wall time, CPU (user + sys) and
its phases, for one or more source trees in turn (``--tree``: main's checkout
for "before", this one for "after"), with the 1-minute load average beside
each run. bench/README.md "Building a big file, third round".

The build runs in a session of its own, and that session's scheduling group
(Linux autogroup) gets this process's nice value: with autogroups on, ``nice``
alone only ranks a process inside its own session, and the build shared the
two cores with every other session's tests whatever its nice.

``--floor``: beside each build, what SQLite alone takes to write the same
tickets (one ``INSERT … SELECT`` from the built file into a fresh one, and the
tickets' indexes): no Python at all, the least a build of these rows costs.

    nice -n -10 .venv/bin/python bench/build_bench.py --scale 1000000 \\
        --tree /work/main:before --tree .:after --rounds 2 --floor
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _own_group(pid: int) -> None:
    """The child's new autogroup at our nice (root only; silently not otherwise)."""
    try:
        Path(f"/proc/{pid}/autogroup").write_text(str(os.getpriority(os.PRIO_PROCESS, 0)))
    except OSError:
        pass


def build(tree: Path, n: int, where: Path) -> dict[str, float]:
    db = where / "big.db"
    env = {**os.environ, "XDG_DATA_HOME": str(where), "DISPATCH_ACTOR": "bench"}
    python = tree / ".venv" / "bin" / "python"
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(python), "-m", "console.cli", "--db", str(db), "demo", "--scale", str(n), "--no-console"],
        cwd=tree,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _own_group(proc.pid)
    assert proc.stdout is not None
    marks: dict[str, float] = {}
    for line in proc.stdout:
        at = time.perf_counter() - started
        if line.startswith("adding tickets") and "demo" not in marks:
            marks["demo"] = at
        elif line.startswith("building the indexes"):
            marks["rows"] = at
        elif m := re.match(r"indexes and search built in ([\d.]+) s", line):
            marks["indexes"] = float(m.group(1))
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        sys.exit(f"build failed in {tree} (status {status})")
    return {
        "wall": wall,
        "user": usage.ru_utime,
        "sys": usage.ru_stime,
        "load0": load,
        "load1": os.getloadavg()[0],
        "demo": marks.get("demo", 0.0),
        "rows": marks.get("rows", 0.0) - marks.get("demo", 0.0),
        "indexes": marks.get("indexes", 0.0),
        "maxrss_mb": usage.ru_maxrss / 1024,
    }


def floor(where: Path) -> float:
    """SQLite alone: the built file's tickets copied into a fresh file, and their indexes made."""
    out = where / "floor.db"
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -131072")
    conn.execute(f"ATTACH '{where / 'big.db'}' AS built")
    table = conn.execute("SELECT sql FROM built.sqlite_master WHERE name = 'tickets'").fetchone()[0]
    indexes = [
        r[0] for r in conn.execute("SELECT sql FROM built.sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' AND sql IS NOT NULL")
    ]
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.execute(table)
    conn.execute("INSERT INTO tickets SELECT * FROM built.tickets")
    for sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    took = time.perf_counter() - started
    conn.close()
    out.unlink()
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, action="append", required=True, help="tickets to add (repeatable)")
    ap.add_argument("--tree", action="append", required=True, help="PATH[:label], a checkout with its .venv")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--floor", action="store_true", help="also time SQLite alone writing the same tickets")
    ap.add_argument("--tmp", default=None, help="where the files are built (deleted after each run)")
    args = ap.parse_args()
    try:  # this process too (the floor runs here): a session and autogroup of its own
        os.setsid()
    except OSError:
        pass
    _own_group(os.getpid())
    trees = [(Path(p).resolve(), label or Path(p).name) for p, _, label in (t.partition(":") for t in args.tree)]
    print(f"nice {os.getpriority(os.PRIO_PROCESS, 0)}, {os.cpu_count()} cores")
    print(
        f"{'tree':>8} {'N':>9} {'wall s':>7} {'user s':>7} {'sys s':>6} {'demo s':>6} {'rows s':>6} {'index s':>7}"
        f" {'RSS MB':>6} {'floor s':>7}  load"
    )
    for n in args.scale:
        for _ in range(args.rounds):
            for tree, label in trees:  # before and after in turn, in the same minutes
                where = Path(tempfile.mkdtemp(prefix="build_bench-", dir=args.tmp))
                try:
                    r = build(tree, n, where)
                    fl = f"{floor(where):7.1f}" if args.floor else f"{'':>7}"
                finally:
                    shutil.rmtree(where, ignore_errors=True)
                print(
                    f"{label:>8} {n:>9,} {r['wall']:7.1f} {r['user']:7.1f} {r['sys']:6.1f} {r['demo']:6.1f}"
                    f" {r['rows']:6.1f} {r['indexes']:7.1f} {r['maxrss_mb']:6.0f} {fl}  {r['load0']:.1f} → {r['load1']:.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
