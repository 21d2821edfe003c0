"""CSV files of reference tables, as people make them (Excel, LibreOffice,
a script): UTF-8 with or without a BOM, or GB18030 (what Excel writes on
Chinese systems). The header row names the columns; a column the table does
not have is an error, an optional one left out is fine.

Export writes UTF-8 with a BOM (so Excel reads it as such), and makes cells
inert that a spreadsheet would run as a formula (= + - @ first): they get a
leading apostrophe, which import takes off again, so a round trip keeps the
text as it was."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import StoreError
from ..files import replace_when_done
from ..i18n import _, ngettext
from ..inputs import SKILLS_SEPARATOR
from ..models import ImportReport
from ..repo.imports import COLUMNS, KEYS, Progress

if TYPE_CHECKING:
    from ..store import Store

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(StoreError):
    """The file cannot be read as this table: encoding, header, shape."""


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) first, then GB18030; anything else is refused."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("the file is neither UTF-8 nor GB18030 text; save it as CSV UTF-8"))


def _uninert(cell: str) -> str:
    """Undo export's apostrophe before a formula character."""
    return cell[1:] if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_START else cell


def read_csv(path: str | Path, table: str) -> list[dict[str, Any]]:
    """The rows of ``path`` as dicts keyed by column, each with "_line" (its
    first line in the file, the header being line 1). ImportFileError when
    the file as a whole cannot be used."""
    if table not in COLUMNS:
        raise ImportFileError(_("unknown table {t}; one of: {known}").format(t=table, known=", ".join(COLUMNS)))
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImportFileError(_("{path}: cannot read it ({e})").format(path=path, e=exc.strerror or exc)) from None
    return parse_csv(decode(data), table)


def parse_csv(text: str, table: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(_("line 1: {e}").format(e=exc)) from None
    if not header or not any(h.strip() for h in header):
        raise ImportFileError(_("the file is empty: the first line must name the columns"))
    names = [h.strip().lower() for h in header]
    unknown = [h for h in names if h not in COLUMNS[table]]
    if unknown:
        raise ImportFileError(_("unknown column {c}; {table} has: {known}").format(
            c=unknown[0] or '""', table=table, known=", ".join(COLUMNS[table])))
    twice = sorted({h for h in names if names.count(h) > 1})
    if twice:
        raise ImportFileError(_("column {c} appears twice").format(c=twice[0]))
    if KEYS[table] not in names:
        raise ImportFileError(_("the column {c} is required").format(c=KEYS[table]))
    rows: list[dict[str, Any]] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # blank lines, and the empty rows Excel leaves at the end
            if len(cells) > len(names):
                raise ImportFileError(ngettext("line {n}: {k} cell for {c} columns",
                                               "line {n}: {k} cells for {c} columns", len(cells)).format(
                    n=start, k=len(cells), c=len(names)))
            row: dict[str, Any] = {n: _uninert(c) for n, c in zip(names, cells, strict=False)}
            row.update({n: "" for n in names[len(cells):]})  # short rows: trailing cells blank
            row["_line"] = start
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(_("line {n}: {e}").format(n=line, e=exc)) from None
    return rows


def import_rows(store: Store, table: str, rows: list[dict[str, Any]],
                progress: Progress | None = None) -> ImportReport:
    """All the rows saved in one transaction, or none (see Store.import_records)."""
    return store.imports.import_records(table, rows, progress=progress)


def inert(cell: Any) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_START) else text


def records(store: Store, table: str) -> Iterable[dict[str, Any]]:
    """The table's records in service, as the import reads them back."""
    if table == "sites":
        for s in store.reference.sites(limit=-1):
            yield {"code": s.code, "name": s.name, "address": s.address, "contact": s.contact}
    elif table == "equipment":
        codes = {s.id: s.code for s in store.reference.sites(limit=-1, include_retired=True)}
        for e in store.reference.equipment(limit=-1):
            yield {"asset_tag": e.asset_tag, "category": e.category, "model": e.model,
                   "site_code": codes.get(e.site_id, ""),
                   "installed": e.installed.isoformat() if e.installed else "",
                   "warranty_until": e.warranty_until.isoformat() if e.warranty_until else ""}
    elif table == "technicians":
        for t in store.people.technicians():
            yield {"name": t.name, "phone": t.phone, "team": t.team_name, "skills": SKILLS_SEPARATOR.join(t.skills),
                   "on_duty": "yes" if t.on_duty else "no"}
    elif table == "users":
        teams = {t.id: t.name for t in store.people.teams(include_retired=True)}
        for u in store.users.find():
            yield {"login": u.login, "name": u.name, "role": u.role, "team": teams.get(u.team_id, "") if u.team_id else ""}
    elif table == "parts":
        for p in store.parts.parts():
            yield {**p.to_json(), "equipment_categories": ", ".join(p.equipment_categories)}
    else:
        raise ImportFileError(_("unknown table {t}; one of: {known}").format(t=table, known=", ".join(COLUMNS)))


def export_csv(store: Store, table: str, out: IO[str] | str | Path) -> int:
    """Write the table to ``out`` (a path: UTF-8 with BOM, written beside and
    renamed into place, mode 660; an open text file: as it is). Returns the
    number of rows written."""
    if isinstance(out, str | Path):
        with replace_when_done(Path(out)) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            return export_csv(store, table, fh)
    if table not in COLUMNS:
        raise ImportFileError(_("unknown table {t}; one of: {known}").format(t=table, known=", ".join(COLUMNS)))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS[table])
    n = 0
    for record in records(store, table):
        writer.writerow(inert(record[c]) for c in COLUMNS[table])
        n += 1
    return n


def as_json(rows: Iterable[dict[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=2)
