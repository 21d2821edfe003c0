"""Textual's DataTable, with its lines drawn again once its columns are sized.

A DataTable sizes its columns (and its scrollable height) on its next idle
after rows are added, and caches the lines it draws under a count that this
sizing does not move (Textual 8.2.8). A frame drawn between the rows' arrival
and that idle (the app's repaint, when the table's queue is busy: seen under
load) cached lines cut to the headers' widths, and they stayed so until the
table changed again: a figure's column showed "29" for "29m36s"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class Table(DataTable[Any]):
    """Every table of the console: a DataTable whose sizing clears what it drew before."""

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        # The caches are keyed by this count: lines drawn at the old widths are not reused.
        self._update_count += 1
        self.refresh()
