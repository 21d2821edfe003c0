"""store/ never imports textual or rich: every rule runs without a terminal (STYLE.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import store

MODULES = [
    "store", "store.store", "store.sla", "store.rules", "store.models", "store.db", "store.schema",
    "store.errors", "store.text", "store.timeutil", "store.i18n", "store.countdown", "store.history", "store.context", "store.database",
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


# Rule modules that stay free of the database, so the store's restructure can
# move them into store/rules/ as they are (issue 25's parts, fees, inspections).
PURE = ["store.money", "store.stock", "store.fees", "store.inspections", "store.inspection_figures"]
DATABASE = ("sqlite3", "sqlite_utils", "store.db", "store.database", "store.store", "store.schema", "store.repo",
            "store.transfer", "store.backup", "store.ledger", "store.audit", "store.anchors")


def _imports(module: str, root: Path) -> set[str]:
    """What ``module`` imports (absolute names), read from its source, not run."""
    import ast

    path = root / (module.replace(".", "/") + ".py")
    package = module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names if (root / base.replace(".", "/") / f"{a.name}.py").exists()}
    return out


def test_the_pure_rule_modules_import_nothing_of_the_database() -> None:
    root = Path(store.__file__).resolve().parent.parent
    seen: set[str] = set()
    todo = list(PURE)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [m for m in _imports(name, root) if m.startswith("store.") and (root / (m.replace(".", "/") + ".py")).exists()]
        bad = sorted(m for m in _imports(name, root) if any(m == d or m.startswith(d + ".") for d in DATABASE))
        assert not bad, f"{name} imports {bad}"
    assert {"store.sla", "store.derive", "store.validation"} <= seen  # (the walk follows the imports)
