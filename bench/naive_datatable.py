"""The NAIVE comparison: a tiny Textual app on the stock DataTable.

It loads ALL open tickets (ordered by queue_key) with ``add_rows`` before the
first paint, has a 1-second tick that calls ``update_cell`` for the countdown
cell of every visible row, and polls ``PRAGMA data_version`` every second,
reloading everything (``clear`` + ``add_rows``) when another process wrote.

Data access is plain sqlite3 + datetime (no pydantic/pendulum), so the figures
measure the DataTable approach, not the console's store layer.

    python bench/naive_datatable.py --db FILE [--jump N]

Key ``g`` scrolls so that queue row N (``--jump``) is the top visible row (the
bench uses it to put rows whose countdown ticks every second on screen);
``q`` or ctrl+q quits.
"""

from __future__ import annotations

import argparse
import sqlite3
import time

from fmt import countdown, epoch
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

SQL = """
SELECT t.id, t.priority, t.status, s.name, e.asset_tag, substr(t.description, 1, 160),
       tech.name, t.next_clock, t.due_at, t.frozen_left_s
FROM tickets t
JOIN sites s ON s.id = t.site_id
LEFT JOIN equipment e ON e.id = t.equipment_id
LEFT JOIN technicians tech ON tech.id = t.technician_id
WHERE t.is_open = 1
ORDER BY t.queue_key
"""
COLUMNS = [("No.", "id"), ("P", "prio"), ("Status", "status"), ("Site", "site"), ("Equipment", "equip"),
           ("Fault", "fault"), ("Technician", "tech"), ("Next", "clock"), ("Left", "left")]
CLOCK = {"response": "resp", "onsite": "site", "resolve": "fix"}


class NaiveApp(App[None]):
    BINDINGS = [
        Binding("g", "jump", "Jump"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, db: str, jump: int = 0) -> None:
        super().__init__()
        self.conn = sqlite3.connect(db, check_same_thread=False)
        self.jump = jump
        self.version = -1
        self.keys: list = []
        self.clock: list[tuple[str | None, float | None, float | None]] = []
        self.ticks = 0
        self.loads: list[float] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="t", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title, key in COLUMNS:
            table.add_column(title, key=key)
        self.load()
        table.focus()
        self.set_interval(1.0, self.tick)
        self.set_interval(1.0, self.poll)

    def load(self) -> None:
        """Query every open ticket and (re)fill the table: the naive refresh."""
        t0 = time.perf_counter()
        self.version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        now = time.time()
        rows, clock = [], []
        for tid, prio, status, site, equip, desc, tech, nxt, due_at, frozen in self.conn.execute(SQL):
            due = epoch(due_at)
            clock.append((nxt, due, frozen))
            rows.append((f"#{tid}", f"P{prio}", status, site, equip or "", desc, tech or "—",
                         CLOCK.get(nxt or "", ""), countdown(nxt, due, frozen, now)))
        table = self.query_one(DataTable)
        table.clear()
        self.keys = table.add_rows(rows)
        self.clock = clock
        self.loads.append(time.perf_counter() - t0)

    def visible_rows(self) -> range:
        table = self.query_one(DataTable)
        top = int(table.scroll_y)
        height = max(0, table.scrollable_content_region.height - 1)  # minus the header row
        return range(top, min(len(self.keys), top + height))

    def tick(self) -> None:
        self.ticks += 1
        table = self.query_one(DataTable)
        now = time.time()
        for i in self.visible_rows():
            nxt, due, frozen = self.clock[i]
            table.update_cell(self.keys[i], "left", countdown(nxt, due, frozen, now))

    def poll(self) -> None:
        if self.conn.execute("PRAGMA data_version").fetchone()[0] != self.version:
            self.load()

    def action_jump(self) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=self.jump, scroll=False)
        table.scroll_to(y=self.jump, animate=False, immediate=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--jump", type=int, default=0)
    args = ap.parse_args()
    NaiveApp(args.db, args.jump).run()


if __name__ == "__main__":
    main()
