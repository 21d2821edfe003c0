"""The main screen's ways to other screens: one table, one way to open them.

Each entry: the action name, the screen's module and class, and what the main
screen does when it closes (reload the queue, or nothing)."""

from __future__ import annotations

import importlib
from typing import Any

from textual.screen import Screen

from store.limits import NUMBER_MAX

from ..i18n import _

# action -> (module under console.screens, class, reload the queue when it closes)
LINKS: dict[str, tuple[str, str, bool]] = {
    "search_history": ("search", "SearchScreen", True),
    "setup": ("setup", "SetupScreen", True),
    "calendar": ("calendar", "CalendarScreen", True),
    "items": ("items", "ItemsScreen", True),
    "complaints": ("complaints", "ComplaintsScreen", True),
    "callbacks": ("callbacks", "CallbacksScreen", True),
    "scores": ("scores", "ScoresScreen", False),
    "reports": ("reports", "ReportsScreen", False),
}


class ScreenLinks(Screen[Any]):
    """Mixin for the main screen: ``request_refresh``, ``open_detail`` and
    ``_techs`` come from it. Screens are imported when first opened, not at
    start-up (first paint)."""

    def _open_screen(self, module: str, name: str, reload: bool, *args: Any) -> None:
        cls = getattr(importlib.import_module(f"console.screens.{module}"), name)
        self.app.push_screen(cls(*args), (lambda _r: self.request_refresh()) if reload else None)  # type: ignore[attr-defined]

    def action_search_history(self) -> None:
        self._open_screen(*LINKS["search_history"])

    def action_setup(self) -> None:
        self._open_screen(*LINKS["setup"])

    def action_calendar(self) -> None:
        self._open_screen(*LINKS["calendar"])

    def action_items(self) -> None:
        self._open_screen(*LINKS["items"])

    def action_complaints(self) -> None:
        self._open_screen(*LINKS["complaints"])

    def action_callbacks(self) -> None:
        self._open_screen(*LINKS["callbacks"])

    def action_scores(self) -> None:
        self._open_screen(*LINKS["scores"])

    def action_reports(self) -> None:
        self._open_screen(*LINKS["reports"])

    def action_duty(self) -> None:
        from .duty import DutyScreen

        # Opens with the board's data, so 'd' then Enter typed at once still works.
        self.app.push_screen(DutyScreen(self._techs),  # type: ignore[attr-defined]
                             lambda changed: changed and self.request_refresh())  # type: ignore[attr-defined]

    def action_jump(self) -> None:
        from .form import ActionForm, Field

        def find(values: dict[str, str], _version: int) -> int:
            text = (values.get("number") or "").strip().lstrip("#")
            if not text.isdigit():
                from store.errors import ValidationFailed

                raise ValidationFailed({"number": _("a ticket number, e.g. 1234")})
            return self.app.store.tickets.ticket(int(text)).id  # type: ignore[attr-defined]

        self.app.push_screen(
            ActionForm(_("Go to ticket"), [Field("number", _("Ticket number"), placeholder=_("e.g. 1234"),
                                                 max_length=NUMBER_MAX)], find, 0,
                       save_label=_("Go (enter)"), keep_draft=False, reads=True),
            lambda tid: tid is not None and self.open_detail(tid),  # type: ignore[attr-defined]
        )
