"""The managers' figures and the monthly workbook at scale: the month report
(the month and the one before, all figures) over a 1,000,000-ticket file
(target about 1 s), its charts, and the time to write the month's workbook.

Measured on the shared 2-core machine (the load average is printed beside
the figures), month 2026-10 of the 1,000,000-ticket file, 77,222 tickets:

                           before (rows in Python)   after (facts in columns)
  load average (1 min)     1.6–2.9                    0.5–1.0
  month report + previous  1,427 ms                   354–464 ms
  charts of the month      314 ms                     131–137 ms
  month workbook           20.1 s (13.0 s / 50,000)   11.6–12.1 s (7.5–7.8 s / 50,000)
  first open (migrations)  14.9 s (0008–0010)         18.8 s (0008–0010, 0013)

(The issue quoted 2.0–2.8 s a month report and ~21 s per 50,000 tickets under
heavier load.) Migration 0013 fills the facts of the million tickets once; the
workbook's floor is XlsxWriter itself, about 4 s for its 1.5 million cells.

Run: .venv/bin/python bench/report_bench.py [--db PATH] [--scale N]
The file is built once with ``dispatch demo --scale N --no-console`` (default
1,000,000 tickets over the last year, about 80,000 a month) and kept."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_files import timed

from store import Store
from store.context import default_actor
from store.rules.periods import Period
from store.transfer.workbooks import write_month


def build(path: Path, scale: int) -> None:
    started = time.perf_counter()
    exe = Path(sys.executable).with_name("dispatch")
    subprocess.run([str(exe), "--db", str(path), "demo", "--scale", str(scale), "--no-console"], check=True,
                   stdout=subprocess.DEVNULL, env={**os.environ, "DISPATCH_BUSY_TIMEOUT_MS": "60000"})
    print(f"built {path} ({scale:,} extra tickets) in {time.perf_counter() - started:.0f} s")



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("/tmp/report_bench.db"))
    parser.add_argument("--scale", type=int, default=1_000_000)
    args = parser.parse_args()
    if not args.db.exists():
        build(args.db, args.scale)
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f} on {} cores".format(*os.getloadavg(), os.cpu_count()))
    started = time.perf_counter()
    store = Store(args.db, actor=default_actor())  # the first open adds the report facts and indexes (migrations)
    print(f"opened in {time.perf_counter() - started:.1f} s; {store.admin.stats()['tickets']:,} tickets")
    month = store.scores.previous_month(store.scores.this_month())
    period = Period.parse_month(month)
    median, report = timed(lambda: store.reports.report(period))
    print(f"month report {month} (+ {report.previous.label()}), {report.figure('opened').value:,.0f} tickets opened: "  # type: ignore[attr-defined]
          f"median {median * 1000:.0f} ms of 3 (target about 1000 ms)")
    median, _charts = timed(lambda: store.reports.report_charts(period))
    print(f"charts {month}: median {median * 1000:.0f} ms of 3")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "month.xlsx"
        started, cpu = time.perf_counter(), time.process_time()
        done = write_month(store, month, out)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"month workbook {month}: {done['tickets']:,} tickets in {took:.1f} s "
              f"({took / done['tickets'] * 50_000:.1f} s per 50,000 tickets), {out.stat().st_size / 1e6:.1f} MB; "
              f"CPU {cpu:.1f} s ({cpu / done['tickets'] * 50_000:.1f} s per 50,000: what a loaded machine's wait leaves out)")
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    store.close()


if __name__ == "__main__":
    main()
