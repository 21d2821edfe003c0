"""Where the console's first paint goes, step by step (issue 28, session 40).

    nice -n -10 .venv/bin/python bench/paint_phases.py --db FILE [--runs 8] [--tree /work/wt/before]

Runs the real entry point (``console.cli.common.main``, as ``dispatch --db
FILE`` does) in a pty at 160x50, with marks put on its steps, and prints the
process's CPU time (``getrusage``: all threads) at each, the median of
``--runs``:

- ``cli imported``: the ``dispatch`` command's own imports (click, ...);
- ``env read``: the environment checked (console/settings.py: pydantic);
- ``store opened``: the store's imports and the file opened and vetted;
- ``console imported``: ``console.app`` and what it imports (Textual, Rich);
- ``App.run``: the app about to start;
- ``rows drawn``: the queue's first row rendered, with Textual's batch
  count then (a frame drawn inside a batch update is never shown);
- ``rows sent``: the first write to the terminal that holds a ticket row,
  the end of the first paint as a person sees it.

``--tree``: another checkout whose packages are put first (``PYTHONPATH``),
run alternately with this one, as bench/start_tick.py does. Each tree's
``.pyc`` files go to their own cache (written by a warm-up run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from console_pty import COLS, ROW_RX, ROWS  # noqa: E402
from ptyrun import PtyProc  # noqa: E402

STEPS = ("cli imported", "env read", "store opened", "console imported", "App.run", "rows drawn", "rows sent")

# Run in the child: the marks, then the real entry point. It ends itself
# (os._exit) once the rows are sent, after writing the marks as JSON.
CHILD = r'''
import json, os, re, resource, sys
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1000
marks = {}
def mark(name, **extra):
    if name not in marks:
        marks[name] = {"cpu": cpu(), **extra}
import console.cli.common as common
mark("cli imported")
environment = common.environment
def env():
    e = environment(); mark("env read"); return e
common.environment = env
store = common.Ctx.store
def opened(self, *a, **k):
    s = store(self, *a, **k); mark("store opened"); return s
common.Ctx.store = opened
run_console = common.run_console
ROW = re.compile(OUT_ROW)
def console(store, env):
    import console.app
    mark("console imported")
    import textual.app
    from textual.drivers.linux_driver import LinuxDriver
    from console.widgets.queue import QueueTable
    run = textual.app.App.run
    def app_run(self, *a, **k):
        mark("App.run"); return run(self, *a, **k)
    textual.app.App.run = app_run
    render_line = QueueTable.render_line
    def drawn(self, y):
        if self.total:
            mark("rows drawn", batch=self.app._batch_count)
        return render_line(self, y)
    QueueTable.render_line = drawn
    write = LinuxDriver.write
    def sent(self, data):
        write(self, data)
        if "rows drawn" in marks and ROW.search(data):
            mark("rows sent")
            with open(OUT_FILE, "w") as fh:
                json.dump(marks, fh)
            os._exit(0)
    LinuxDriver.write = sent
    return run_console(store, env)
common.run_console = console
sys.argv = ["dispatch", "--db", DB]
common.main()
'''


def one(python: str, env: dict[str, str], db: Path, out: Path, cwd: Path) -> dict[str, dict[str, float]] | None:
    code = (CHILD.replace("OUT_ROW", repr(ROW_RX.pattern)).replace("OUT_FILE", repr(str(out)))
            .replace("DB", repr(str(db))))
    out.unlink(missing_ok=True)
    p = PtyProc([python, "-c", code], COLS, ROWS, env=env, cwd=str(cwd))  # ('-c' puts the cwd first on sys.path)
    try:
        deadline = time.monotonic() + 60
        while p.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        p.close(None)
    if not out.exists():
        return None
    got: dict[str, dict[str, float]] = json.loads(out.read_text())
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True, help="the file (the console may write to it)")
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--tree", type=Path, help="another checkout, run alternately (its packages first)")
    args = ap.parse_args()
    trees = [("this", ROOT)] + ([("tree", args.tree.resolve())] if args.tree else [])
    python = str(ROOT / ".venv" / "bin" / "python")
    found: dict[str, list[dict[str, dict[str, float]]]] = {label: [] for label, _ in trees}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "marks.json"
        for n in range(args.runs + 1):  # the first of each: a warm-up that writes the .pyc files
            for label, root in trees:
                env = {"PYTHONPATH": str(root), "PYTHONDONTWRITEBYTECODE": "",
                       "PYTHONPYCACHEPREFIX": str(BENCH / "out" / f"pyc-phases-{label}")}
                got = one(python, env, args.db.resolve(), out, root)
                if got is None:
                    print(f"{label}: run {n} ended without its rows on screen", file=sys.stderr)
                elif n:
                    found[label].append(got)
    print(f"first paint by steps, CPU ms since the process started (median of {args.runs}), "
          f"160x50, load {os.getloadavg()[0]:.2f}")
    print(f"{'step':18}" + "".join(f"{label + ' ' + str(root):>40}" for label, root in trees))
    for step in STEPS:
        cells = []
        for label, _root in trees:
            values = [r[step]["cpu"] for r in found[label] if step in r]
            cells.append(f"{statistics.median(values):12.1f}" if values else f"{'—':>12}")
        print(f"{step:18}" + "".join(f"{c:>40}" for c in cells))
    for label, _root in trees:
        batches = sorted({int(r["rows drawn"].get("batch", -1)) for r in found[label] if "rows drawn" in r})
        print(f"{label}: Textual's batch count when the first rows were drawn: {batches}")


if __name__ == "__main__":
    main()
