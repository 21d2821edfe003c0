"""How long the headless ``dispatch`` commands take to start, and what they import.

    python bench/cli_start.py [--runs 15]

Builds a small file (init, a site, a team, a technician, three tickets), then
runs each command ``--runs`` times, interleaved so a busy moment of the
machine spreads over all of them, and prints the median and the quickest
wall time per command. Then, for each command, the heavy optional modules
it imported (rich's table, pydantic-settings, asyncio, textual): a command
that prints no table must not load rich.table."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("rich.console", "rich.table", "pydantic_settings", "asyncio", "textual", "platformdirs")


def commands(db: str) -> dict[str, list[str]]:
    return {
        "--version": ["--version"],
        "queue (table)": ["--db", db, "queue"],
        "queue --format json": ["--db", db, "queue", "--format", "json"],
        "site list": ["--db", db, "site", "list"],
        "check": ["--db", db, "check"],
    }


def run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "console.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"dispatch {' '.join(args)} failed: {done.stderr}")
    return took * 1000


def loaded(args: list[str], env: dict[str, str]) -> list[str]:
    code = ("import sys, json, atexit\n"
            "atexit.register(lambda: sys.__stderr__.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n'))\n"
            f"sys.argv = ['dispatch', *{args!r}]\n"
            "from console.cli import main\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    line = next(x for x in done.stderr.splitlines() if x.startswith("MODULES "))
    modules = set(json.loads(line[len("MODULES "):]))
    return [m for m in HEAVY if m in modules]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "start.db")
        env = {**os.environ, "DISPATCH_LANG": "en", "XDG_DATA_HOME": tmp}
        sys.path.insert(0, str(ROOT))
        run(["--db", db, "init", "--timezone", "UTC"], env)
        from store import Store
        from store.store import default_actor

        store = Store(Path(db), actor=default_actor())
        site = store.reference.add_site(code="HQ", name="Head office")
        team = store.people.add_team("Alpha")
        store.people.add_technician("Li Wei", team.id)
        for i in range(3):
            store.tickets.create_ticket({"site_id": site.id, "reporter": "R", "phone": "13800138000", "description": f"fault {i}",
                                 "priority": 2, "channel": "phone", "category": "atm"})
        store.close()
        cmds = commands(db)
        times: dict[str, list[float]] = {name: [] for name in cmds}
        for _ in range(opts.runs):
            for name, args in cmds.items():
                times[name].append(run(args, env))
        print(f"{'command':<22} {'median ms':>10} {'min ms':>8}  heavy modules imported")
        for name, args in cmds.items():
            print(f"{name:<22} {statistics.median(times[name]):>10.0f} {min(times[name]):>8.0f}  "
                  f"{', '.join(loaded(args, env)) or '—'}")


if __name__ == "__main__":
    main()
