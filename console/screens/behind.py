"""A screen that changes while two dialogs are over it (an edit form and its
conflict table): the queue and a ticket's detail follow another console's
writes, a list its records'."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


class SeenBehind(Screen[Any]):
    def _compositor_refresh(self) -> None:
        """Textual repaints a screen seen behind the top one by refreshing the
        top screen only. A screen in between (the edit form under its conflict
        table) keeps the picture of this one it drew last, so a change shown
        after the second dialog opened never appeared behind it. The screens
        in between are refreshed over the same regions: they draw this one
        again, and pass the change up."""
        dirty = list(self._compositor._dirty_regions)
        stack = self.app.screen_stack
        if dirty and self in stack and self is not stack[-1]:
            for screen in stack[stack.index(self) + 1:-1]:
                screen.refresh(*dirty)
        super()._compositor_refresh()
