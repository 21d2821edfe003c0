"""The ``dispatch`` command (entry point ``console.cli:main``): one module per
command group, imported when one of its commands is used (``command_modules``
in common.py), so opening the console loads none of them. Only opening the
console imports textual."""

from __future__ import annotations

from .common import cli, default_db, main

__all__ = ["cli", "default_db", "main"]
