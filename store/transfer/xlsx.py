"""What every workbook shares (XlsxWriter): a sheet written row after row
with widths that count a CJK character as two columns, the book's options and
formats (``strings_to_formulas`` off: a note starting with "=" stays text), and
stored times read back for Excel. The workbooks: store/transfer/workbooks.py
(daily, monthly) and callback_form.py."""

from __future__ import annotations

import re
import unicodedata
from calendar import timegm
from collections.abc import Callable, Sequence
from datetime import date, datetime
from math import isfinite
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell_fast

from ..files import FailOnce
from ..i18n import _
from ..text import clean
from ..timeutil import from_db

Progress = Callable[[str, int, int], None]  # (stage, rows done, rows in all)
STEP = 500  # rows between two progress calls
OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False}
# Sheets written row after row (every list here): each row goes to disk as it
# is finished instead of the whole book being held and assembled at the end.
STREAMED = {**OPTIONS, "constant_memory": True}
MAX_WIDTH = 60


def text_width(text: str) -> int:
    """Columns a spreadsheet needs for ``text``: wide (CJK) characters take two."""
    longest = max((line for line in str(text).split("\n")), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


class Sheet:
    """One worksheet: a bold frozen header, typed cells, widths fitted to the contents."""

    def __init__(self, book: Any, name: str, headers: Sequence[str], formats: dict[str, Any], tz: str):
        self.ws = book.add_worksheet(name[:31])
        self.f, self.tz = formats, tz
        self._offsets: dict[int, float] = {}
        self.widths = [text_width(h) + 2 for h in headers]
        self.row = 1
        for col, h in enumerate(headers):
            self.ws.write_string(0, col, h, self.f["head"])
        self.ws.freeze_panes(1, 0)

    def add(self, values: Sequence[Any]) -> None:
        for col, v in enumerate(values):
            self.put(self.row, col, v)
        self.row += 1

    def add_typed(self, values: Sequence[Any], kinds: Sequence[str]) -> None:
        """A row whose column types are known (the ticket list, tens of
        thousands of rows): "time" UTC text from the store written as an Excel
        serial with the time format, "number", "code" (our own words: no
        cleaning) or "text" (typed by people: cleaned)."""
        row, widths = self.row, self.widths
        cells: list[tuple[int, float | str, Any]] = []  # (column, number or text, format)
        for col, (v, kind) in enumerate(zip(values, kinds, strict=True)):
            if v is None or v == "":
                continue
            if kind == "time":
                cells.append((col, self._serial(v), self.f["time"]))
                width = 17
            elif kind == "number":
                cells.append((col, v, None))
                width = len(str(v))
            elif kind == "money":  # the exact amount from the store (Decimal("6800.50")): a number shown as money
                cells.append((col, float(v), self.f["money"]))
                width = len(str(v)) + 4
            else:
                text = v if kind == "code" else clean(str(v))
                cells.append((col, text, self.f["wrap"] if "\n" in text else None))
                if widths[col] >= MAX_WIDTH or 2 * len(text) + 2 <= widths[col]:
                    continue  # cannot widen the column (a character takes two columns at most)
                width = len(text) if text.isascii() and "\n" not in text else text_width(text)
            widths[col] = max(widths[col], min(MAX_WIDTH, width + 2))
        if not (self._streamed() and _row_xml(self.ws, row, cells)):
            for col, v, fmt in cells:
                if isinstance(v, str):
                    self.ws.write_string(row, col, v, fmt)
                else:
                    self.ws.write_number(row, col, v, fmt)
        self.row += 1

    def _streamed(self) -> bool:
        """Rows of this sheet can go straight to its file as XlsxWriter would
        write them (``_row_xml``): constant_memory, and nothing that changes a
        row's or a cell's element (row or column formats, heights, comments,
        Excel 2010 attributes)."""
        ws = self.ws
        return bool(
            ws.constant_memory and not ws.row_info and not ws.col_info and not ws.comments
            and ws.excel_version != 2010 and ws.default_row_height == ws.original_row_height
        )

    def _serial(self, text: str) -> float:
        """Excel's day number of a stored UTC time, in the site's zone (what
        write_datetime writes, without a datetime object per cell)."""
        epoch = epoch_seconds(text)
        offset = self._offsets.get(epoch // 3600)
        if offset is None:  # zones change offset on the hour at the finest: one lookup an hour
            hour = epoch // 3600 * 3600
            offset = datetime.fromtimestamp(hour, zone(self.tz)).utcoffset().total_seconds()  # type: ignore[union-attr]
            self._offsets[epoch // 3600] = offset
        return (epoch + offset) / 86400 + 25569  # 25569: 1970-01-01 in Excel's count

    def put(self, row: int, col: int, v: Any) -> None:
        if v is None or v == "":
            self.ws.write_blank(row, col, None)
            return
        if isinstance(v, bool):
            v = _("yes") if v else _("no")
        if isinstance(v, datetime):
            local = v.astimezone(zone(self.tz)).replace(tzinfo=None)
            self.ws.write_datetime(row, col, local, self.f["time"])
            width = 17
        elif isinstance(v, date):
            self.ws.write_datetime(row, col, datetime(v.year, v.month, v.day), self.f["date"])
            width = 11
        elif isinstance(v, int | float) or type(v).__name__ == "Decimal":
            self.ws.write_number(row, col, float(v))
            width = len(f"{v}")
        else:
            text = clean(str(v))
            self.ws.write_string(row, col, text, self.f["wrap"] if "\n" in text else None)
            width = text_width(text)
        if col < len(self.widths):
            self.widths[col] = max(self.widths[col], min(MAX_WIDTH, width + 2))
        else:
            self.widths.append(min(MAX_WIDTH, width + 2))

    def close(self, filtered: int | None = None) -> None:
        """``filtered``: the last row the header's filter covers (rows below it, totals, are not sorted with the list)."""
        for col, w in enumerate(self.widths):
            self.ws.set_column(col, col, w)
        last = self.row - 1 if filtered is None else filtered
        if last > 0:
            self.ws.autofilter(0, 0, last, max(0, len(self.widths) - 1))




# A text XlsxWriter writes as it is: nothing to escape (&, <, >; control
# characters and its own _xHHHH_ escapes; U+FFFE/U+FFFF). Leading or trailing
# white space is tested apart (xml:space="preserve").
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x")


def _row_xml(ws: Any, row: int, cells: list[tuple[int, float | str, Any]]) -> bool:
    """Write one row of a constant_memory sheet straight to its file: the same
    bytes XlsxWriter's write_number/write_string and its row flush give
    (tests/test_xlsx_rows.py compares whole workbooks), without its per-cell
    work (a decorator, a cell tuple in a table, the row's table walked again,
    four regular expressions per string): 80 % of the month workbook went to
    that, 1.8 million cells. False (nothing written) for a row it must write
    itself: a rich string, a string over half Excel's limit, NaN or infinity,
    or a row past the sheet's end."""
    if row >= ws.xls_rowmax or row <= ws.previous_row or not cells:
        return False
    # As XlsxWriter: the sheet's extent first, then the row before (the
    # header, or one XlsxWriter wrote) goes out as a later row is begun, and
    # before this row's formats are numbered (their first use numbers them).
    # This row is never in its table, so nothing of it is written twice; a
    # row given back to XlsxWriter below lands in its table as usual.
    ws._check_dimensions(row, cells[0][0])
    ws._check_dimensions(row, cells[-1][0])
    ws._write_single_row(row)
    parts = []
    for col, v, fmt in cells:
        ref = xl_rowcol_to_cell_fast(row, col)
        style = "" if fmt is None else f' s="{fmt._get_xf_index()}"'
        if isinstance(v, str):
            if len(v) > ws.xls_strmax // 2:
                return False
            if _NEEDS_ESCAPE.search(v):
                v = ws._escape_control_characters(v)
                if v.startswith("<r>") and v.endswith("</r>"):
                    return False
                v_xml = ws._escape_data(v)
            else:
                v_xml = v
            space = ' xml:space="preserve"' if v[:1].isspace() or v[-1:].isspace() else ""
            parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{v_xml}</t></is></c>')
        else:
            if not isfinite(v):
                return False
            parts.append(f"<c r=\"{ref}\"{style}><v>{v:.16G}</v></c>")
    ws.fh.write(f'<row r="{row + 1}">' + "".join(parts) + "</row>")
    return True


def epoch_seconds(text: str) -> int:
    """Seconds since 1970 of a stored UTC time (store/timeutil.py's fixed form)."""
    if len(text) == 20 and text[-1] == "Z":
        return timegm((int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
                       int(text[17:19])))
    return int(from_db(text).timestamp())


def zone(tz: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def new_book(out: FailOnce | IO[bytes], scratch: Path | None, *, streamed: bool = True) -> tuple[Any, dict[str, Any]]:
    """``streamed``: rows strictly in order (no merged cells; the callback form has them).
    ``out``: the file the workbook goes to; ``scratch``: where XlsxWriter keeps
    its temporary files (store/files.py), or None for a workbook made in memory
    only (no temporary files; a console in a browser tab writes nothing on the
    server: console/downloads.py)."""
    if scratch is None:
        book = xlsxwriter.Workbook(out, {**OPTIONS, "in_memory": True})
    else:
        book = xlsxwriter.Workbook(out, {**(STREAMED if streamed else OPTIONS), "tmpdir": str(scratch)})
    formats = {
        "head": book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
        "time": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "label": book.add_format({"bold": True, "valign": "top", "border": 1, "text_wrap": True}),
        "box": book.add_format({"valign": "top", "border": 1, "text_wrap": True}),
    }
    return book, formats


def stored_time(text: str | None) -> datetime | None:
    return from_db(text) if text else None
