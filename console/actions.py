"""Ticket actions shared by the queue and the detail screen.

A screen using this mixin provides ``selected()`` -> (ticket id, version) or
None, and ``after_change()`` to reload once a write has landed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from store import rules
from store.errors import RuleViolation, StaleTicket, StoreError
from store.models import Ticket

from .i18n import _
from .screens.form import ActionForm, Field

ACTION_BINDINGS = [
    Binding("a", "assign", _("Assign")),
    Binding("r", "respond", _("Responded")),
    Binding("o", "arrive", _("Arrived")),
    Binding("w", "hold", _("Hold")),
    Binding("u", "resume", _("Resume"), show=False),
    Binding("v", "resolve", _("Resolve")),
    Binding("c", "close_ticket", _("Close"), show=False),
    Binding("x", "cancel_ticket", _("Cancel ticket"), show=False),
]


class TicketActions(Screen[Any]):
    def selected(self) -> tuple[int, int, str] | None:
        """(ticket id, version the user sees, status)."""
        raise NotImplementedError

    def after_change(self) -> None:
        raise NotImplementedError

    @property
    def store(self) -> Any:
        return self.app.store  # type: ignore[attr-defined]

    def _target(self, precheck: Callable[[str], None] | None = None) -> tuple[int, int] | None:
        target = self.selected()
        if target is None:
            self.notify(_("No ticket selected."), severity="warning", markup=False)
            return None
        if precheck is not None:
            # Say so before the user fills in a form the lifecycle will refuse.
            try:
                precheck(target[2])
            except RuleViolation as exc:
                self.notify(str(exc), severity="warning", markup=False)
                return None
        return target[0], target[1]

    def _done(self, result: Ticket | None, message: str) -> None:
        if result is not None:
            self.notify(message.format(id=result.id), markup=False)
            self.after_change()

    def _form(
        self, title: str, fields: list[Field], call: Any, message: str, hint: str = "",
        precheck: Callable[[str], None] | None = None,
    ) -> None:
        target = self._target(precheck)
        if target is None:
            return
        tid, version = target
        form = ActionForm(
            title.format(id=tid), fields,
            lambda values, ver: call(tid, ver, **values),
            version, hint=hint, on_conflict=self.after_change,
        )
        self.app.push_screen(form, lambda r: self._done(r, message))

    def action_assign(self) -> None:
        from .screens.assign import AssignScreen

        target = self._target(lambda status: rules.check_assign(status, None, 0, ""))
        if target is not None:
            self.app.push_screen(
                AssignScreen(*target, on_conflict=self.after_change),
                lambda r: self._done(r, _("Ticket #{id} assigned.")),
            )

    def action_respond(self) -> None:
        self._form(
            _("First response for #{id}"),
            [Field("note", _("What was confirmed with the reporter (optional)"))],
            self.store.respond, _("First response logged on #{id}."),
            hint=_("The reporter was contacted and the fault confirmed."),
        )

    def action_arrive(self) -> None:
        self._form(
            _("Arrival for #{id}"),
            [Field("mode", _("Where the work starts"), "select",
                   [(_("on site"), "onsite"), (_("remote"), "remote")], "onsite")],
            self.store.arrive, _("Arrival logged on #{id}."),
            precheck=lambda status: rules.check_arrive(status, 0),
        )

    def action_hold(self) -> None:
        self._form(
            _("Put #{id} on hold"),
            [Field("reason", _("Waiting on"), "select",
                   [(_("customer"), "customer"), (_("parts"), "parts")], "customer"),
             Field("note", _("Note (optional)"))],
            self.store.pause, _("Ticket #{id} is waiting; its SLA clock is stopped."),
            precheck=rules.check_pause,
        )

    async def action_resume(self) -> None:
        target = self._target(rules.check_resume)
        if target is None:
            return
        try:
            result = await asyncio.to_thread(self.store.resume, *target)
        except StaleTicket as exc:
            self.notify(str(exc), severity="warning", markup=False)
            self.after_change()
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
        else:
            self._done(result, _("Ticket #{id} resumed; its SLA clock runs again."))

    def action_resolve(self) -> None:
        self._form(
            _("Resolve #{id}: repair record"),
            [Field("symptom", _("Symptom (fault seen)"), "text"),
             Field("cause", _("Cause"), "text"),
             Field("action", _("Action taken"), "text"),
             Field("parts", _("Parts used (write 'none' if none)"))],
            self.store.resolve, _("Ticket #{id} resolved."),
            precheck=rules.check_resolve,
        )

    def action_close_ticket(self) -> None:
        self._form(
            _("Close #{id}: customer sign-off"),
            [Field("signoff", _("Signed off by")),
             Field("fee", _("Fee (optional)"), placeholder="0.00")],
            self.store.close, _("Ticket #{id} closed."),
            precheck=rules.check_close,
        )

    def action_cancel_ticket(self) -> None:
        self._form(
            _("Cancel #{id}"),
            [Field("reason", _("Reason"))],
            self.store.cancel, _("Ticket #{id} cancelled."),
            precheck=lambda status: rules.check_cancel(status, "-"),
        )
