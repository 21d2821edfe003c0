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

from functools import lru_cache

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
