"""A ticket history as another helpdesk or a spreadsheet exports it: CSV,
UTF-8 with or without a BOM or GB18030 (as ``dispatch import`` reads the
reference tables, store/transfer/csv_io.py), the header row naming the
columns of store/rules/imported.py in any order. The file's SHA-256 is taken
from the bytes read, for the audit log."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import _, ngettext
from ..rules.imported import COLUMNS, REQUIRED
from .csv_io import ImportFileError, _uninert, decode


@dataclass
class HistoryFile:
    name: str
    sha256: str
    rows: list[dict[str, Any]]  # keyed by column, each with "_line": its row as a spreadsheet numbers it


def read_history(path: str | Path) -> HistoryFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(_("{path}: cannot read it ({e})").format(path=path, e=exc.strerror or exc)) from None
    return HistoryFile(path.name, hashlib.sha256(data).hexdigest(), parse_history(decode(data)))


def parse_history(text: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(_("row 1: {e}").format(e=exc)) from None
    if not header or not any(h.strip() for h in header):
        raise ImportFileError(_("the file is empty: the first line must name the columns"))
    names = [h.strip().lower() for h in header]
    unknown = [h for h in names if h not in COLUMNS]
    if unknown:
        raise ImportFileError(
            _("row 1: unknown column {c}; a ticket history has: {known}").format(c=unknown[0] or '""', known=", ".join(COLUMNS))
        )
    twice = sorted({h for h in names if names.count(h) > 1})
    if twice:
        raise ImportFileError(_("row 1: column {c} appears twice").format(c=twice[0]))
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ImportFileError(_("row 1: the column {c} is required").format(c=missing[0]))
    rows: list[dict[str, Any]] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # blank lines, and the empty rows Excel leaves at the end
            if len(cells) > len(names):
                raise ImportFileError(
                    ngettext("row {n}: {k} cell for {c} columns", "row {n}: {k} cells for {c} columns", len(cells)).format(
                        n=start, k=len(cells), c=len(names)
                    )
                )
            row: dict[str, Any] = {n: _uninert(c) for n, c in zip(names, cells, strict=False)}
            row["_line"] = start
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(_("row {n}: {e}").format(n=line, e=exc)) from None
    return rows
