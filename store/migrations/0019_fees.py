"""0019_fees: the fee as proposed by the schedule and the invoice (issue 25,
"Fees and invoices").

- ``fee_items`` on tickets: the proposal's items as recorded at closing (JSON
  [{"kind", "label", "quantity", "amount"[, "warranty"]}, ...], amounts as
  text), NULL when no schedule proposed one; ``fee_proposed_cents`` its total
  in fen; ``fee_reason`` why the fee charged (``fee_cents``) differs from it.
- ``invoice_no``, ``invoice_at``, ``invoice_by``: the invoice number customer
  service recorded on the closed ticket, when and by whom;
  ``invoice_checked_at``, ``invoice_checked_by``: who checked it and when.
  All written by ticket events (``ticket.close``, ``ticket.invoice``,
  ``ticket.invoice_check``), so the history replays them.
- An index of the tickets with a fee by check and closing time: the unchecked
  invoices older than N days are one range of it.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    for sql in (
        "ALTER TABLE tickets ADD COLUMN fee_items TEXT",
        "ALTER TABLE tickets ADD COLUMN fee_proposed_cents INTEGER",
        "ALTER TABLE tickets ADD COLUMN fee_reason TEXT",
        "ALTER TABLE tickets ADD COLUMN invoice_no TEXT",
        "ALTER TABLE tickets ADD COLUMN invoice_at TEXT",
        "ALTER TABLE tickets ADD COLUMN invoice_by TEXT",
        "ALTER TABLE tickets ADD COLUMN invoice_checked_at TEXT",
        "ALTER TABLE tickets ADD COLUMN invoice_checked_by TEXT",
        "CREATE INDEX tickets_invoice_check ON tickets (invoice_checked_at, closed_at) WHERE fee_cents > 0",
    ):
        db.execute(sql)
