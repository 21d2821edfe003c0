"""The main screen's ways to other screens: one table, one way to open them.

Each entry: the action name, the screen's module and class, and what the main
screen does when it closes (reload the queue, or nothing)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from ..console_app import OnConsole
from ..i18n import _

if TYPE_CHECKING:
    from store.models import Technician

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
    "escalations": ("escalations", "EscalationsScreen", True),
    "messages": ("messages", "MessagesScreen", True),  # the header's "message failed" mark is read again
    "inspections": ("inspections", "InspectionsScreen", True),  # a repair ticket opened there joins the queue
    "invoices": ("invoices", "InvoicesScreen", False),
    "parts": ("parts", "PartsScreen", True),  # the header's low-stock mark is read again
    "handover": ("handover", "HandoverScreen", True),  # the header's "handover from …" is read again
}


class ScreenLinks(OnConsole, Screen[Any]):
    """Mixin for the main screen: ``request_refresh``, ``open_detail`` and
    ``_techs`` come from it. Screens are imported when first opened, not at
    start-up (first paint)."""

    if TYPE_CHECKING:  # the main screen's
        _techs: list[Technician]
        def request_refresh(self) -> None: ...
        def open_detail(self, ticket_id: int) -> None: ...

    def _open_screen(self, module: str, name: str, reload: bool, *args: Any) -> None:
        cls = getattr(importlib.import_module(f"console.screens.{module}"), name)
        self.app.push_screen(cls(*args), (lambda _r: self.request_refresh()) if reload else None)

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

    def action_escalations(self) -> None:
        self._open_screen(*LINKS["escalations"])
    def action_messages(self) -> None:
        self._open_screen(*LINKS["messages"])

    def action_inspections(self) -> None:
        self._open_screen(*LINKS["inspections"])
    def action_invoices(self) -> None:
        self._open_screen(*LINKS["invoices"])
    def action_parts(self) -> None:
        self._open_screen(*LINKS["parts"])

    def action_duty(self) -> None:
        from .duty import DutyScreen

        # Opens with the board's data, so 'd' then Enter typed at once still works.
        self.app.push_screen(DutyScreen(self._techs),
                             lambda changed: None if not changed else self.request_refresh())

    def action_jump(self) -> None:
        # store/limits.py loads the tickets repository: imported when a form needs it, not with the main screen.
        from store.limits import NUMBER_MAX

        from .form import ActionForm, Field

        def find(values: dict[str, str], _version: int) -> int:
            text = (values.get("number") or "").strip().lstrip("#")
            if not text.isdigit():
                from store.errors import ValidationFailed

                raise ValidationFailed({"number": _("a ticket number, e.g. 1234")})
            return self.app.store.tickets.ticket(int(text)).id

        self.app.push_screen(
            ActionForm(_("Go to ticket"), [Field("number", _("Ticket number"), placeholder=_("e.g. 1234"),
                                                 max_length=NUMBER_MAX)], find, 0,
                       save_label=_("Go (enter)"), keep_draft=False, reads=True),
            lambda tid: None if tid is None else self.open_detail(tid),
        )

    def action_handover(self) -> None:
        self._open_screen(*LINKS["handover"])

    def action_time_travel(self) -> None:
        self._open_screen("past", "PastScreen", False, self.app.clock())
