"""No import cycles among the modules of store/, console/ and demo_data/ (issue 23).

import-linter (``lint-imports``, [tool.importlinter] in pyproject.toml) holds
the layers; it cannot forbid every cycle between single modules, so this test
lists the strongly connected components of the whole module graph, built by
grimp (which comes with import-linter) from the source. grimp sees imports
deferred inside functions too: a cycle is a cycle however late it is
imported, so a cycle is broken by moving the shared piece down, not by
deferring an import."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import grimp

PACKAGES = ("store", "console", "demo_data")
ROOT = Path(__file__).resolve().parent.parent


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan's
    algorithm, iterative: no recursion limit), each sorted, largest first."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, todo = work[-1]
            step = next(todo, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(edges.get(step, ())))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found, key=lambda c: (-len(c), c))


def module_graph() -> dict[str, set[str]]:
    """Who imports whom among our own modules (deferred imports included)."""
    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def test_the_finder_finds_a_cycle() -> None:
    """(The check can fail: a two-module and a three-module loop are found, a chain is not.)"""
    edges = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert cycles(edges) == [["c", "d", "e"], ["a", "b"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_no_module_imports_itself_back() -> None:
    graph = module_graph()
    assert len(graph) > 150 and {"store.store", "console.app", "demo_data.demo"} <= set(graph)
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)
