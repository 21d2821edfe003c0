"""CPU time until the console's first frame, headless (issue 28, fourth round).

    nice -n -10 .venv/bin/python bench/first_frame_cpu.py --db FILE [--before /work/main] [--runs 5]

Starts ``dispatch --db FILE`` in a fresh interpreter through the real entry
point (``console.cli.main``), with ``App.run`` replaced by a headless
``run_test`` at 160x50 (as tests/test_lazy_console.py does), and reads the
process's CPU time (utime+stime, ``getrusage``) when the first queue row is
rendered: imports, the store's opening and the settings check, the app's
start and the first frame. CPU time does not grow with the time spent
waiting for a core, so the figure moves little with the machine's load (the
wall-clock first paint in a pty is ``bench/start_tick.py``'s). Each tree
(this one, "after", and ``--before``, with its own ``.venv``) is run
alternately, run by run, with its own ``PYTHONPYCACHEPREFIX`` (a warm-up
run writes it). Floor: ``python -c pass``'s CPU time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"

SCRIPT = (
    # The console's own imports run where `dispatch` runs them (inside
    # run_console, after main() has begun): the spies are put in place there.
    "import asyncio, resource, sys\n"
    "import console.cli.common as common\n"
    "seen = []\n"
    "real_run_console = common.run_console\n"
    "def run_console(store, env):\n"
    "    import textual.app\n"
    "    from console.widgets.queue import QueueTable\n"
    "    render_line = QueueTable.render_line\n"
    "    def spy(self, y):\n"
    "        if self.total and not seen:\n"
    "            r = resource.getrusage(resource.RUSAGE_SELF)\n"
    "            seen.append(r.ru_utime + r.ru_stime)\n"
    "        return render_line(self, y)\n"
    "    QueueTable.render_line = spy\n"
    "    def run(self, *a, **k):\n"
    "        async def go():\n"
    "            async with self.run_test(size=(160, 50)) as pilot:\n"
    "                while not seen:\n"
    "                    await pilot.pause(0.01)\n"
    "        asyncio.run(go())\n"
    "    textual.app.App.run = run\n"
    "    real_run_console(store, env)\n"
    "common.run_console = run_console\n"
    "sys.argv = ['dispatch', '--db', sys.argv[1]]\n"
    "try:\n"
    "    common.main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "print('CPU', seen[0])\n"
)


def cpu_until_first_frame(root: Path, label: str, db: Path) -> float | None:
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(OUT / f"pyc-{label}")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # this environment sets it: the warm-up writes the .pyc files
    done = subprocess.run([str(root / ".venv" / "bin" / "python"), "-c", SCRIPT, str(db)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    for line in done.stdout.splitlines():
        if line.startswith("CPU "):
            return float(line[4:])
    print(f"{label}: no first frame: {done.stderr[-1000:]}", file=sys.stderr)
    return None


def bare_cpu() -> float:
    done = subprocess.run([sys.executable, "-c", "import resource; r = resource.getrusage(resource.RUSAGE_SELF); "
                           "print(r.ru_utime + r.ru_stime)"], capture_output=True, text=True)
    return float(done.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, required=True, help="the file (opened read-only by the console's first frame)")
    ap.add_argument("--before", type=Path, help="another checkout (with its .venv) to run alternately")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    trees = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    for label, root in trees:  # warm-up: each tree's .pyc files
        cpu_until_first_frame(root, label, args.db)
    got: dict[str, list[float]] = {label: [] for label, _r in trees}
    loads: list[float] = []
    for _ in range(args.runs):
        for label, root in trees:
            loads.append(os.getloadavg()[0])
            cpu = cpu_until_first_frame(root, label, args.db)
            if cpu is not None:
                got[label].append(cpu)
    floor = statistics.median(bare_cpu() for _ in range(5))
    print(f"CPU until the first frame, headless 160x50 — {args.db} — bench at nice {os.nice(0)}, "
          f"load (1 min) {min(loads):.2f}–{max(loads):.2f}")
    for label, xs in got.items():
        shown = " ".join(f"{x:.3f}" for x in xs)
        print(f"  {label:<7} median {statistics.median(xs):.3f} s (runs: {shown})   floor {floor:.3f} s (python -c pass)")


if __name__ == "__main__":
    main()
