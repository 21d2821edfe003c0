"""0011_user_language: Each person's console language.

Never edit a released step: a later change to the schema is a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def apply(db: sqlite_utils.Database) -> None:
    """Each person's console language (issue 15): NULL follows the
    environment (DISPATCH_LANG, then LC_ALL/LC_MESSAGES/LANG); a value wins
    over it, so a shared desk PC shows each dispatcher their own."""
    db.execute("ALTER TABLE users ADD COLUMN language TEXT CHECK (language IN ('en', 'zh_Hans'))")
