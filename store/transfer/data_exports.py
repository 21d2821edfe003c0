"""The data exports (tickets, technicians, evaluations, improvement items,
parts used, fees; store/repo/export_rows.py) as CSV, cells a spreadsheet would run made inert,
or JSON, typed values; times in ISO 8601 in the site's zone, with its offset.
``progress(kind, done, total)`` is called as pages are written; it may raise
to stop the export. No XlsxWriter here: a CSV for cron loads no workbook code."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import IO, Any

from ..repo.export_rows import COLUMNS, MONEY_AS_TEXT, ExportFilter
from ..timeutil import from_db
from .csv_io import inert

Progress = Callable[[str, int, int], None]  # (kind, rows done, rows in all)

def local_iso(text: str | None, tz: str) -> str | None:
    """A stored UTC time as ISO 8601 in the site's zone, with its offset."""
    return from_db(text).in_timezone(tz).isoformat() if text else None


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as JSON writes them: scripts read both the same way
    if isinstance(value, Decimal):
        return str(value)  # an amount, never a formula: "-70.50" stays a number a spreadsheet reads
    if isinstance(value, list):  # a fee's items: the JSON array, one cell
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return inert(value)


def _json_number(value: Any) -> float:
    """An amount (Decimal) as a JSON number: JSON carries typed values (issue 23)."""
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json_text(value: Any) -> str:
    """An amount (Decimal) as exact JSON text (the fees: never a float)."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def export_data(store: Any, kind: str, f: ExportFilter, fmt: str, out: IO[str],
                progress: Progress | None = None) -> int:
    """One export kind (store/repo/export_rows.py) under filter ``f`` as CSV
    (formula cells inert) or JSON (one array of objects, the raw values).
    Returns the rows written."""
    tz = store.settings.timezone
    columns = COLUMNS[kind]
    times = [k for k in columns if k.endswith("_at")]
    total = store.exports.export_count(kind, f) if progress else 0
    if progress:
        progress(kind, 0, total)
    writer = csv.writer(out) if fmt == "csv" else None
    number = _json_text if kind in MONEY_AS_TEXT else _json_number
    if writer:
        writer.writerow(columns)
    else:
        out.write("[")
    n = 0
    for page in store.exports.export_pages(kind, f):
        for r in page:
            for k in times:
                r[k] = local_iso(r[k], tz)
            if writer:
                writer.writerow([_csv_cell(r[k]) for k in columns])
            else:
                out.write(("," if n else "") + "\n" + json.dumps(r, ensure_ascii=False, default=number))
            n += 1
        if progress:
            progress(kind, n, max(n, total))
    if not writer:
        out.write("\n]\n" if n else "]\n")
    if progress:
        progress(kind, n, n)
    return n


def export_tickets(store: Any, first: date, end: date, kind: str, out: IO[str], progress: Progress | None = None) -> int:
    """Tickets reported on local days ``first`` ≤ day < ``end`` as CSV or JSON."""
    return export_data(store, "tickets", ExportFilter(first, end), kind, out, progress)
