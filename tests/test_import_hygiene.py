"""store/ never imports textual or rich: every rule runs without a terminal (STYLE.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import store

MODULES = [
    "store", "store.store", "store.sla", "store.rules", "store.models", "store.db", "store.schema",
    "store.errors", "store.text", "store.timeutil", "store.i18n", "store.countdown", "store.history", "store.base",
    "store.derive", "store.rows", "store.repo.tickets", "store.repo.queue", "store.repo.reference", "store.repo.settings",
    "store.repo.admin", "store.money", "store.stock", "store.fees", "store.inspections", "store.inspection_figures",
]


def test_store_does_not_import_textual() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n"
    )
    root = Path(store.__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert not loaded, loaded  # neither textual nor rich: the store runs without a terminal
