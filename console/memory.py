"""Textual caches that keep removed widgets alive (Textual 8.2.8, pinned).

``StylesCache.get_inner_outer`` is an instance method under
``functools.lru_cache(1024)``: the cache's key holds the ``StylesCache``
itself, so the last 1,024 widgets to paint a background keep their rendered
lines after they are removed — every footer key of every recompose (the
footer follows the selected ticket's state as the cursor moves), every
crossing toast of a shift. RSS grew with scrolling and with hours of writes
until that cache was full. ``install()`` puts the same two styles behind a
cache keyed by the colours alone: nothing of a widget stays in it.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from functools import cache, lru_cache
from typing import Any

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


@lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> tuple[Style, Style]:
    """Textual's method without ``self`` in the cache key."""
    return _inner_outer(base_background, background)


_ORIGINAL = StylesCache.get_inner_outer  # Textual's own, for the test that shows what it keeps


def install() -> None:
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign, assignment]


# ---------------------------------------------------------------- the C heap
# A long shift's RSS rose ~2 MB/h while Python's objects and SQLite's heap
# stayed level (bench/README.md, "Memory"): what grew was glibc's heap.
# Each thread that allocates gets its own malloc arena (up to 8 per core),
# and the store calls and polls run in asyncio's thread pool, a different
# thread each time: freed memory stays in each arena in pieces, kept.

_M_ARENA_MAX = -8  # glibc's malloc.h


@cache
def _libc() -> Any:
    """glibc, or None (musl, macOS: their malloc has neither call)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018  # both there: glibc
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas(arenas: int = 2) -> bool:
    """At most ``arenas`` malloc arenas for the whole process (threads share
    them). Works for threads not yet allocating: called before the console
    starts its first thread."""
    libc = _libc()
    return bool(libc is not None and libc.mallopt(_M_ARENA_MAX, arenas))


def give_back() -> bool:
    """Return the C heap's free pages to the system (``malloc_trim(0)``: every
    arena, not only the top of the main one). True if something was released."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))


# ------------------------------------------------------------ the collector
# A full collection (generation 2) walks every object the collector tracks:
# after start-up that is ~80,000 of Textual's, Rich's and ours that live as
# long as the console. Opening a ticket with a long history makes enough
# objects to run one or two of them (up to 190 ms of a 450–800 ms open).
# Frozen, the start-up's objects are never walked again.


def freeze_start_up() -> None:
    """After the first screen: what exists now lives as long as the console.
    The collector, off while the console started (console/cli/common.py
    main), runs from now on."""
    gc.freeze()
    gc.enable()


def thaw() -> None:
    """The console closes: its frozen objects can be freed again."""
    gc.unfreeze()
