"""Store calls off the UI thread.

Every read and write of the file runs in a thread, never on the event loop:
a write may wait up to the busy timeout (5 s) for another dispatcher's
transaction, and the console must go on answering keys meanwhile. A screen
hands the call to ``in_thread`` and gets the result back on the UI thread
(``done``), or the error (``failed``: by default a one-line notice).

The call runs in an asyncio worker of the screen that asked (``run_worker``),
which awaits the thread: the worker is cancelled with its screen, and a
result that comes while the screen is being removed (Textual removes its
widgets before it cancels its workers) is dropped, so none lands on a screen
that is going; ``app.workers.wait_for_complete()`` waits for it in tests. Harlequin and Posting do their I/O the same way."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from textual.dom import DOMNode
from textual.worker import Worker

from store.errors import StoreError, ValidationFailed
from store.text import clean

from .i18n import _

T = TypeVar("T")


def one_line(exc: BaseException) -> str:
    """A failure in one line of our own words (a StoreError's are already ours)."""
    if isinstance(exc, StoreError):
        return clean(str(exc), single_line=True)
    return _("Could not read the file: {error}").format(
        error=clean(f"{type(exc).__name__}: {exc}", single_line=True))


def write_refusal(exc: BaseException) -> str:
    """A refused write outside a form (a key on a list): one line, in our words."""
    if isinstance(exc, ValidationFailed):
        return clean("; ".join(exc.errors.values()), single_line=True)
    if isinstance(exc, StoreError):
        return clean(str(exc), single_line=True)
    return _("Not saved: {error}").format(error=clean(f"{type(exc).__name__}: {exc}", single_line=True))


# The latest call of each exclusive group, by node: an older one's answer is dropped.
_latest: WeakKeyDictionary[DOMNode, dict[str, int]] = WeakKeyDictionary()
_numbers = itertools.count(1)


def in_thread(node: DOMNode, call: Callable[[], T], done: Callable[[T], Any] | None = None,
              failed: Callable[[Exception], Any] | None = None, *, group: str = "store",
              exclusive: bool = False) -> Worker[None]:
    """Run ``call`` in a thread; ``done(result)`` or ``failed(error)`` then
    runs on the UI thread, while ``node`` is still mounted. ``exclusive``:
    only the newest call of the group is answered (a list read again while
    the user types a filter); an older one runs to its end in its thread (a
    thread cannot be stopped) and its answer is dropped."""
    number = next(_numbers)
    if exclusive:
        _latest.setdefault(node, {})[group] = number

    def wanted() -> bool:
        """Not for a node being removed (seen: escape pressed twice while a
        screen read again, its widgets gone, NoMatches and the console
        closed), nor replaced by a newer call of an exclusive group."""
        if node._closing or node._closed or node._pruning:
            return False
        return not exclusive or _latest.get(node, {}).get(group) == number

    async def run() -> None:
        try:
            result = await asyncio.to_thread(call)
        except Exception as exc:
            if not wanted():
                return
            if failed is not None:
                failed(exc)
            else:
                node.app.notify(one_line(exc), severity="error", markup=False)
            return
        if done is not None and wanted():
            done(result)

    # The function, not a coroutine object: a worker cancelled before it starts leaves nothing unawaited.
    return node.run_worker(run, group=group, exit_on_error=True)


async def read(call: Callable[[], T]) -> T:
    """Await one store call from an async handler that needs its answer
    before going on (a form's first values). For reads only: they never wait
    on another dispatcher's write (WAL), so the handler is not held up."""
    return await asyncio.to_thread(call)
