"""store/ never imports textual, rich or click: every rule runs without a terminal (STYLE.md).
Every module of store/ is loaded to check it (import-linter checks the same from the source: pyproject.toml)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import store

STORE = Path(store.__file__).resolve().parent


def store_modules() -> list[str]:
    """Every module of store/, found on disk (nothing imported to find them):
    a new module is covered the day it is written, without a list to keep."""
    found = ["store"]
    todo = [(STORE, "store")]
    while todo:
        folder, package = todo.pop()
        for info in pkgutil.iter_modules([str(folder)]):
            found.append(f"{package}.{info.name}")
            if info.ispkg:
                todo.append((folder / info.name, f"{package}.{info.name}"))
    return sorted(found)


MODULES = store_modules()


def test_the_list_is_every_module_of_store() -> None:
    """(Read independently: every .py file under store/, packages by their __init__.)"""
    on_disk = {".".join(("store", *p.relative_to(STORE).with_suffix("").parts)).removesuffix(".__init__")
               for p in STORE.rglob("*.py")}
    assert set(MODULES) == on_disk
    assert {"store.backup", "store.repo.reports", "store.transfer.workbooks", "store.transfer.csv_io",
            "store.migrations.0001_initial"} <= set(MODULES)


def test_store_does_not_import_textual() -> None:
    code = (
        "import importlib, json, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'click'))))\n"
    )
    root = Path(store.__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=True,
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert not loaded, loaded  # neither textual, rich nor click: the store runs without a terminal


# Rule modules that stay free of the database, so the store's restructure can
# move them into store/rules/ as they are (issue 25's parts, fees, inspections).
PURE = ["store.money", "store.rules.stock", "store.rules.fees", "store.rules.inspections", "store.rules.inspection_figures"]
DATABASE = ("sqlite3", "sqlite_utils", "store.db", "store.database", "store.store", "store.migrations", "store.upgrade", "store.repo",
            "store.transfer", "store.backup", "store.rules.ledger", "store.rules.audit", "store.anchors")


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
    assert {"store.rules.sla", "store.rules.derive", "store.validation"} <= seen  # (the walk follows the imports)


MIGRATIONS = Path(store.__file__).resolve().parent / "migrations"


def test_the_migration_steps_import_nothing_else_of_store() -> None:
    """Frozen steps (store/migrations/): nothing of today's code can change
    what an old step does. Read from the source: every import is the standard
    library, sqlite_utils, or the package itself (``store.migrations`` stands
    below everything else in store/)."""
    import ast

    allowed = set(sys.stdlib_module_names) | {"sqlite_utils"}
    files = sorted(MIGRATIONS.glob("*.py"))
    assert len(files) >= 16
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path.name} reaches out of the package: {ast.unparse(node)}"
                names = [] if node.level else [node.module or ""]
            else:
                continue
            assert all(n.split(".")[0] in allowed for n in names), f"{path.name}: {ast.unparse(node)}"


def test_every_step_runs_with_nothing_else_of_store_loaded() -> None:
    """The package loaded on its own, under another name (``import
    store.migrations`` would run store/__init__.py first), every step run on
    a fresh file: no module of store (nor console) is loaded on the way."""
    code = (
        "import importlib.util, json, sqlite3, sys\n"
        f"spec = importlib.util.spec_from_file_location('frozen', {str(MIGRATIONS / '__init__.py')!r},"
        f" submodule_search_locations=[{str(MIGRATIONS)!r}])\n"
        "pkg = importlib.util.module_from_spec(spec); sys.modules['frozen'] = pkg; spec.loader.exec_module(pkg)\n"
        "conn = sqlite3.connect(':memory:', isolation_level=None)\n"
        "ran = pkg.migrate(conn)\n"
        "print(json.dumps([ran, sorted(m for m in sys.modules if m.split('.')[0] in ('store', 'console', 'demo_data'))]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd="/", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    ran, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert ran == sorted(p.stem for p in MIGRATIONS.glob("[0-9]*.py")) and len(ran) >= 15
    assert loaded == [], loaded
