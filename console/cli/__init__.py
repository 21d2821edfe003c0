"""The ``dispatch`` command (entry point ``console.cli:main``): one module per
command group. Only opening the console imports textual."""

from __future__ import annotations

from . import admin, backup, calendar, demo, items, loop, queue, recompute, reference, reports, serve, users  # noqa: F401  (each registers its commands on the group)
from .common import DATA_HOME, cli, default_db, main

__all__ = ["DATA_HOME", "cli", "default_db", "main"]
