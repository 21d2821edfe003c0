"""Time the import of 10,000 equipment rows from a CSV file (read, validate,
save in one transaction), then a re-import of the same file (every row
matched and unchanged). Run: .venv/bin/python bench/import_bench.py"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from store import Store
from store.transfer.csv_io import import_rows, read_csv

ROWS = 10_000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db", actor="bench", create=True)
        for i in range(20):
            store.reference.add_site(code=f"S{i:02d}", name=f"Site {i}")
        csv_path = Path(tmp) / "equipment.csv"
        csv_path.write_text("asset_tag,category,model,site_code,installed,warranty_until\n" + "".join(
            f"EQ-{i:05d},atm,NCR SelfServ {i % 7},S{i % 20:02d},2024-01-{1 + i % 28:02d},2028-12-31\n"
            for i in range(ROWS)), encoding="utf-8")
        for label in ("first import", "re-import (all unchanged)"):
            start = time.perf_counter()
            rows = read_csv(csv_path, "equipment")
            report = import_rows(store, "equipment", rows)
            took = time.perf_counter() - start
            assert report.ok, report.errors[:3]
            print(f"{label}: {ROWS:,} equipment rows in {took:.2f} s ({ROWS / took:,.0f} rows/s): "
                  f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged")
        store.close()


if __name__ == "__main__":
    main()
