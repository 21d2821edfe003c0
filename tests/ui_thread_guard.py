"""A watch on the Store for tests: records every time the file is touched from
the UI thread (the thread the app's event loop runs on) while armed.

It wraps the Database's three ways into the file, whatever the repository: a
read connection (``reader``, under every query), the write path (``write``)
and the change counter (``data_version``). A call from a worker thread passes;
one on the event loop is recorded with the console's line that made it, so a
failing test names each place."""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from store.database import Database

CONSOLE = str(Path(__file__).resolve().parent.parent / "console")
WATCHED = ("reader", "write", "data_version")


class UIThreadGuard:
    def __init__(self) -> None:
        self.armed = False
        self.sites: Counter[str] = Counter()  # "console/x.py:123 in f" -> calls
        self._ui = threading.main_thread()

    def seen(self) -> None:
        if not self.armed or threading.current_thread() is not self._ui:
            return
        site = "(outside console/)"
        for frame in reversed(traceback.extract_stack()[:-3]):
            if frame.filename.startswith(CONSOLE):
                site = f"console{frame.filename[len(CONSOLE):]}:{frame.lineno} in {frame.name}"
                break
        self.sites[site] += 1

    @contextmanager
    def watching(self) -> Iterator[None]:
        self.armed = True
        try:
            yield
        finally:
            self.armed = False

    def report(self) -> str:
        return "\n".join(f"{n:4d}  {site}" for site, n in sorted(self.sites.items()))


def _wrap(guard: UIThreadGuard, method: Callable[..., Any]) -> Callable[..., Any]:
    def watched(*args: Any, **kwargs: Any) -> Any:
        guard.seen()
        return method(*args, **kwargs)

    return watched


@pytest.fixture
def ui_guard(monkeypatch: pytest.MonkeyPatch) -> UIThreadGuard:
    guard = UIThreadGuard()
    for name in WATCHED:
        monkeypatch.setattr(Database, name, _wrap(guard, getattr(Database, name)))
    return guard
