"""0014_sign_in_attempts: The PIN sign-in limit's counters.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """PIN sign-in has a limit (issue 21, store/auth.py): wrong PINs in a row,
    the moment the next try may be looked at (UTC, NULL: now), and whether the
    person is locked until a manager unlocks them. An upgraded file starts
    everyone at no failures, unlocked."""
    for sql in (
        "ALTER TABLE users ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0 CHECK (pin_failures >= 0)",
        "ALTER TABLE users ADD COLUMN pin_retry_at TEXT",
        "ALTER TABLE users ADD COLUMN pin_locked INTEGER NOT NULL DEFAULT 0 CHECK (pin_locked IN (0, 1))",
    ):
        db.execute(sql)
