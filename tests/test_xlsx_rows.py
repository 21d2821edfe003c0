"""Rows of a streamed sheet written straight to its file (store/transfer/xlsx.py
``_row_xml``) make the very workbook XlsxWriter's own cell calls make: every
part of the file, byte for byte, for numbers, Decimals, times, money, texts
needing XML or Excel escapes, white space kept, rich-looking and over-long
strings (which go XlsxWriter's way), empty cells and rows, and headings
written between typed rows (the fees sheet's totals)."""

from __future__ import annotations

import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from unittest import mock

from store.files import FailOnce
from store.transfer import xlsx
from store.transfer.xlsx import Sheet, new_book

TEXTS = [
    "plain", "吞卡 at the lobby", "a & b < c > d", 'quote " and\nnewline', "ctrl \x01\x1f here", "_x0041_ literal",
    " leading", "trailing ", "\u3000全角", "\xa0nbsp", "next\x85line", "\x1cfile sep", "<r>looks rich</r>",
    "x" * 20_000, "\ufffe\uffff", "tab\there", "emoji 🙂", "=1+1", "",
]
NUMBERS = [0, 7, -3, 0.1, 1e20, 1 / 3, Decimal("6800.50"), Decimal("-0.01"), 2**53 + 1, 12345678901234567890]
KINDS = ["number", "code", "time", "money", "text", "number"]


def _book(path: Path) -> None:
    with path.open("wb") as fh:
        book, f = new_book(FailOnce(fh), path.parent)
        book.set_properties({"created": datetime(2026, 12, 1)})
        f = {**f, "money": book.add_format({"num_format": "#,##0.00"})}
        sheet = Sheet(book, "Typed", ["n", "code", "time", "money", "text", "n2"], f, "Asia/Shanghai")
        for i in range(60):
            text = TEXTS[i % len(TEXTS)]
            sheet.add_typed(
                [NUMBERS[i % len(NUMBERS)], text, f"2026-11-0{1 + i % 9}T0{i % 10}:30:00Z", Decimal(i) / 7,
                 TEXTS[(i * 7) % len(TEXTS)], None if i % 4 else i],
                KINDS,
            )
            if i % 17 == 5:
                sheet.add_typed([None, "", None, None, "", None], KINDS)  # a row with nothing in it
            if i % 23 == 11:  # a heading written XlsxWriter's way between typed rows
                for col, word in enumerate(["Totals", "of", "the", "list"]):
                    sheet.ws.write_string(sheet.row, col, word, sheet.f["head"])
                sheet.row += 1
        sheet.close(filtered=40)
        other = Sheet(book, "Mixed", ["a", "b"], f, "UTC")
        other.add(["by put", 3])
        other.add_typed(["typed", 4], ["code", "number"])
        other.close()
        book.close()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_rows_written_straight_make_the_same_workbook(tmp_path: Path) -> None:
    (tmp_path / "fast").mkdir()
    (tmp_path / "slow").mkdir()
    fast, slow = tmp_path / "fast" / "b.xlsx", tmp_path / "slow" / "b.xlsx"
    calls = []
    real = xlsx._row_xml

    def counted(*args: object) -> bool:
        done = real(*args)  # type: ignore[arg-type]
        calls.append(done)
        return done

    with mock.patch.object(xlsx, "_row_xml", counted):
        _book(fast)
    with mock.patch.object(xlsx, "_row_xml", lambda *args: False):
        _book(slow)
    assert calls.count(True) > 40 and calls.count(False) > 3  # both ways taken
    got, expected = _parts(fast), _parts(slow)
    assert list(got) == list(expected)
    for name in expected:
        assert got[name] == expected[name], name
