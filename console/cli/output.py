"""How every ``dispatch`` command prints rows: a table for people, CSV or JSON
for scripts (README "Command output").

- **Table**: columns sized in terminal cells (a Chinese character is two, a
  combining mark none), one line a row. On a terminal the columns fit its
  width: a ``rest`` column (a description) gives way first, then the widest
  columns that may shrink, a cut ending in '…'. Piped, every cell is whole
  and the last column is not padded.
- **CSV**: a header of field names, then the rows; a cell starting with
  = + - @ gets a leading ' so a spreadsheet shows it as text, None is empty.
- **JSON**: typed values: numbers as numbers, true/false, null, times as
  ISO 8601 in the site's zone, days as YYYY-MM-DD. Tables and CSV carry the
  display ("83 %", "*", "yes"); JSON carries what they display.

Text from people is cleaned of control and bidi characters in every format
(store/text.py ``clean``); the stored text is untouched.

Why not rich's ``Table``: it measures the same cells (``rich.cells``, which
this module uses), but renders through its segment pipeline: 1,000 rows of
seven columns took 2.09 s against 0.025 s here (measured on the shared
2-core machine under load): seconds for an ``equipment list`` of ten thousand
assets. ``rich.cells`` is imported only when a table is printed, so CSV and
JSON runs of the list commands never load rich."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import click

from store.text import clean

from .common import stdout_is_tty

FORMATS = click.Choice(["table", "csv", "json"], case_sensitive=False)


@dataclass(frozen=True)
class Column:
    """A column of a table. On a terminal: at most ``most`` cells wide; may
    shrink down to ``least`` cells (None: never shrinks); a ``rest`` column
    takes what is left of the line."""

    head: str
    right: bool = False
    most: int | None = None
    least: int | None = 6
    rest: bool = False


def terminal_width() -> int | None:
    """The terminal's width when stdout is one; None when piped (whole text)."""
    return shutil.get_terminal_size().columns if stdout_is_tty() else None


def _fitted(columns: Sequence[Column], natural: list[int], width: int, gap: int) -> list[int]:
    """Column widths within ``width`` cells: caps first, then the rest column
    down to its floor, then the widest shrinkable columns (as rich collapses a
    table: the widest give way first)."""
    widths = [min(w, c.most) if c.most is not None else w for c, w in zip(columns, natural, strict=True)]
    floors = [w if c.least is None else min(w, c.least) for c, w in zip(columns, widths, strict=True)]
    over = sum(widths) + gap * (len(widths) - 1) - width
    for i, c in enumerate(columns):
        if c.rest:
            if over < 0:
                widths[i] -= over  # padded, then stripped: it only matters when more follows
                over = 0
            give = min(over, widths[i] - floors[i])
            widths[i] -= give
            over -= give
    while over > 0:
        can = [i for i, c in enumerate(columns) if not c.rest and widths[i] > floors[i]]
        if not can:
            break  # wider than the terminal: the terminal wraps it
        widest = max(widths[i] for i in can)
        top = [i for i in can if widths[i] == widest]
        below = max([widths[i] for i in can if widths[i] < widest] + [max(floors[i] for i in top)])
        step = max(1, min(widest - below, -(-over // len(top))))
        for i in top:
            give = min(step, widths[i] - floors[i], over)
            widths[i] -= give
            over -= give
    return widths


def table_lines(columns: Sequence[Column | str], rows: Iterable[Sequence[str]], *, width: int | None,
                gap: int = 2) -> list[str]:
    """The header and the rows as lines; ``width`` None: nothing is cut."""
    from rich.cells import cell_len

    from console.cells import fit, pad

    cols = [c if isinstance(c, Column) else Column(c) for c in columns]
    # Cleaned, one line each; spaces kept (a state column starts with its symbol's place).
    body = [[clean(cell).replace("\n", " ") for cell in row] for row in rows]
    heads = [c.head for c in cols]
    natural = [max([cell_len(h), *(cell_len(row[i]) for row in body)]) for i, h in enumerate(heads)]
    widths = natural if width is None else _fitted(cols, natural, width, gap)
    last = len(cols) - 1
    out = []
    for row in [heads, *body]:
        cells = []
        for i, (cell, w) in enumerate(zip(row, widths, strict=True)):
            if width is None:
                right = " " * (w - cell_len(cell))
                cells.append(right + cell if cols[i].right else cell if i == last else pad(cell, w))
            else:
                cells.append(fit(cell, w, right=cols[i].right))
        out.append((" " * gap).join(cells).rstrip())
    return out


def write_table(columns: Sequence[Column | str], rows: Iterable[Sequence[str]], *, gap: int = 2) -> None:
    """A table on stdout, fitted to a terminal, whole when piped."""
    lines = table_lines(columns, rows, width=terminal_width(), gap=gap)
    click.echo("\n".join(lines))


def plain(value: Any, tz: str | None = None) -> Any:
    """``value`` as JSON can hold it, typed: pendulum/datetime as ISO 8601 (in
    ``tz`` when given), dates as YYYY-MM-DD, Decimal and Fraction as numbers,
    text cleaned, models and mappings as objects."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, datetime):
        if tz is not None and value.tzinfo is not None and hasattr(value, "in_timezone"):
            value = value.in_timezone(tz)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | Fraction):
        return float(value)
    if isinstance(value, Mapping):
        return {clean(str(k), single_line=True): plain(v, tz) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v, tz) for v in value]
    if hasattr(value, "model_dump"):
        return plain(value.model_dump(), tz)
    return clean(str(value))


def write_json(data: Any, tz: str | None = None) -> None:
    click.echo(json.dumps(plain(data, tz), ensure_ascii=False, indent=2))


def csv_cell(value: Any) -> str:
    """A CSV cell: text cleaned (line breaks kept: CSV quotes them), None
    empty, formula starts made inert; a number stays a number (-5 is no formula)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    from store.transfer.csv_io import inert  # here: the CSV module brings the import code, not for a table

    return inert(None if value is None else clean(str(value)))


def write_csv(rows: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows([csv_cell(r.get(f)) for f in fields] for r in rows)
    click.echo(buf.getvalue(), nl=False)
