"""Ticket actions shared by the queue and the detail screen.

A screen using this mixin provides ``selected()`` -> the ticket's state (or
None) and ``after_change()`` to reload once a write has landed. Which actions
the user's role allows on that ticket comes from the store (the write path's
own check, console/permits.py), which ones the ticket's state allows from the
one transition table in the rules: the footer shows only those, and a key
for any other says why at once (the role first: it does not pass with time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import events
from textual.binding import Binding

from store.errors import StaleTicket, StoreError
from store.models import Ticket
from store.rules import lifecycle as rules
from store.text import clean

from ..background import in_thread, read, write_refusal
from ..console_app import OnConsole
from ..i18n import N_, _
from .behind import SeenBehind

if TYPE_CHECKING:
    from store.rules.fees import Fee

    from .form import ActionForm, Field

# The form screens (and the widgets they use) are imported by the action that
# opens one, not with the main screen: opening the console does not need them.
# So are the input models, the field limits and the fee rules the forms use
# (store/limits.py loads the tickets repository and what it imports: ~15 ms
# of the first paint, issue 28).

# action name in the bindings -> action in the rules' transition table
ACTION_OF = {
    "assign": "assign", "respond": "respond", "arrive": "arrive", "hold": "hold",
    "resume": "resume", "resume_at": "resume", "resolve": "resolve", "close_ticket": "close",
    "cancel_ticket": "cancel", "edit": "edit", "note": "note",
}
ACTION_BINDINGS = [
    Binding("a", "assign", N_("Assign")),
    Binding("r", "respond", N_("Responded")),
    Binding("o", "arrive", N_("Arrived")),
    Binding("w", "hold", N_("Hold")),
    Binding("u", "resume", N_("Resume")),
    Binding("v", "resolve", N_("Resolve")),
    Binding("c", "close_ticket", N_("Close")),
    Binding("x", "cancel_ticket", N_("Cancel ticket")),
    Binding("e", "edit", N_("Edit")),
    # 'm' (memo): 'n' is already New ticket.
    Binding("m", "note", N_("Note")),
    Binding("U", "resume_at", N_("Resume at a stated time"), show=False),
]
KEY_OF = {b.key: b.action for b in ACTION_BINDINGS}
HELP_BINDING = Binding("question_mark", "app.help", N_("Help"), key_display="?")


def time_field() -> Field:
    """When the step happened, if phoned in late; blank is now."""
    from store.limits import STATED_TIME_MAX

    from .form import Field

    return Field("at", _("Time (optional)"), placeholder=_("now; or 14:05, yesterday 21:00, 11-25 14:05 (site time)"),
                 max_length=STATED_TIME_MAX, stated_time=True)


@dataclass(frozen=True)
class Target:
    """What the actions need to know of the selected ticket."""

    id: int
    version: int
    status: str
    technician_id: int | None
    responded: bool
    site: str = ""
    fault: str = ""
    reporter: str = ""

    def refusal(self, action: str) -> str | None:
        return rules.refusal(action, self.status, self.technician_id, self.responded)


class TicketActions(OnConsole, SeenBehind):
    def selected(self) -> Target | None:
        raise NotImplementedError

    def after_change(self) -> None:
        raise NotImplementedError


    # --------------------------------------- what the role and state allow
    def why_not(self, step: str, target: Target | None) -> str | None:
        """Why the ticket ``step`` ("assign", … as in store/rules/lifecycle.py) cannot be
        taken on ``target`` now: the user's role there, then the ticket's state."""
        if target is None:
            return _("No ticket selected.")
        why = self.app.permits.ticket(step, target.id, target.technician_id is not None)
        return why or target.refusal(step)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide from the footer what the user's role or the selected ticket's state does not allow."""
        rule = ACTION_OF.get(action)
        if rule is None:
            return True
        target = self.selected()
        return target is not None and self.why_not(rule, target) is None

    def on_key(self, event: events.Key) -> None:
        """A hidden action's key says why at once instead of doing nothing."""
        action = KEY_OF.get(event.key)
        if action is None:
            return
        why = self.why_not(ACTION_OF[action], self.selected())
        if why:
            event.stop()
            event.prevent_default()
            self.notify(why, severity="warning", markup=False)

    def _target(self, action: str) -> Target | None:
        target = self.selected()
        if target is None:
            self.notify(_("No ticket selected."), severity="warning", markup=False)
            return None
        # Say so before the user fills in a form the role or the lifecycle will refuse.
        why = self.why_not(action, target)
        if why:
            self.notify(why, severity="warning", markup=False)
            return None
        return target

    def _done(self, result: Ticket | None, message: str) -> None:
        if result is not None:
            self.notify(message.format(id=result.id), markup=False)
            self.after_change()

    def _recheck(self, action: str, ticket_id: int) -> Callable[[], str | None]:
        def check() -> str | None:
            t = self.store.tickets.ticket(ticket_id)
            return rules.refusal(action, t.status, t.technician_id, t.first_response_at is not None)
        return check

    def _form(
        self, action: str, title: str, fields: list[Field] | Callable[[Target], list[Field]], call: Any,
        message: str, save_label: str, hint: str = "",
        confirm: Callable[[dict[str, Any]], str | None] | None = None,
        build: Callable[..., ActionForm] | None = None,
    ) -> None:
        from .form import ActionForm

        target = self._target(action)
        if target is None:
            return
        tid, version = target.id, target.version
        form = (build or ActionForm)(
            title.format(id=tid), fields(target) if callable(fields) else fields,
            lambda values, ver: call(tid, ver, **values),
            version, hint=hint, on_conflict=self.after_change, save_label=save_label,
            draft_key=(action, tid), recheck=self._recheck(action, tid), confirm=confirm,
        )
        self.app.push_screen(form, lambda r: self._done(r, message))

    # ------------------------------------------------------------ actions
    def action_assign(self) -> None:
        from .assign import AssignScreen

        target = self._target("assign")
        if target is not None:
            self.app.push_screen(
                AssignScreen(target.id, target.version, on_conflict=self.after_change),
                lambda r: self._done(r, _("Ticket #{id} assigned.")),
            )

    def action_respond(self) -> None:
        from store.inputs import RespondInput
        from store.limits import max_length

        from .form import Field

        self._form(
            "respond", _("First response for #{id}"),
            # Labels fit their column (22 cells after the marks) in both languages:
            # what a field wants is said in its placeholder.
            [Field("note", _("Confirmed (optional)"), placeholder=_("what was confirmed with the reporter"),
                   max_length=max_length(RespondInput, "note")), time_field()],
            self.store.tickets.respond, _("First response logged on #{id}."), _("Log response (ctrl+s)"),
            hint=_("The reporter was contacted and the fault confirmed."),
        )

    def action_arrive(self) -> None:
        from .form import Field

        self._form(
            "arrive", _("Arrival for #{id}"),
            [Field("mode", _("Where the work starts"), "select",
                   [(_("on site"), "onsite"), (_("remote"), "remote")], "onsite"), time_field()],
            self.store.tickets.arrive, _("Arrival logged on #{id}."), _("Log arrival (ctrl+s)"),
        )

    def action_hold(self) -> None:
        from store.inputs import HoldInput
        from store.limits import max_length

        from .form import Field

        self._form(
            "hold", _("Put #{id} on hold"),
            [Field("reason", _("Hold reason"), "select",
                   [(_("customer"), "customer"), (_("parts"), "parts")], "customer"),
             Field("note", _("Note (optional)"), max_length=max_length(HoldInput, "note")), time_field()],
            self.store.tickets.hold, _("Ticket #{id} is on hold; its SLA clock is stopped."), _("Put on hold (ctrl+s)"),
        )

    def action_resume(self) -> None:
        target = self._target("resume")
        if target is None:
            return
        store = self.store

        def refused(exc: Exception) -> None:
            if isinstance(exc, StaleTicket):
                self.notify(str(exc), severity="warning", markup=False)
                self.after_change()
            else:
                self.notify(write_refusal(exc), severity="error", markup=False)

        # A write: in a thread, so a file busy with another dispatcher's change does not hold the keys.
        in_thread(self, lambda: store.tickets.resume(target.id, target.version),
                  lambda result: self._done(result, _("Ticket #{id} resumed; its SLA clock runs again.")),
                  refused, group="resume")

    def action_resume_at(self) -> None:
        self._form(
            "resume", _("Resume #{id}"), [time_field()],
            self.store.tickets.resume, _("Ticket #{id} resumed; its SLA clock runs again."), _("Resume (ctrl+s)"),
            hint=_("The hold ends at the time given (blank: now)."),
        )

    def action_note(self) -> None:
        from store.limits import NOTE_MAX

        from .form import Field

        store = self.store

        def add(tid: int, _version: int, text: str) -> Ticket:
            store.tickets.add_note(tid, text)
            return store.tickets.ticket(tid)

        self._form(
            "note", _("Work note on #{id}"), [Field("text", _("Note"), "text", max_length=NOTE_MAX)],
            add, _("Note added to #{id}."), _("Add note (ctrl+s)"),
            hint=_("Notes are kept in the ticket's timeline with your name and the time; they cannot be changed."),
        )

    async def action_edit(self) -> None:
        from .edit_ticket import EditTicketScreen

        target = self._target("edit")
        if target is None:
            return
        store = self.store
        try:
            # Awaited (a read never waits on another dispatcher's write): keys typed
            # after 'e' wait for the form and land in it (console/keys.py).
            ticket = await read(lambda: store.tickets.ticket(target.id))
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.app.push_screen(EditTicketScreen(ticket, on_conflict=self.after_change),
                             lambda r: self._done(r, _("Ticket #{id} updated.")))

    async def action_resolve(self) -> None:
        from store.inputs import ResolveInput
        from store.limits import max_length

        from .form import Field
        from .resolve_form import ResolveForm

        store = self.store
        target = self._target("resolve")
        if target is None:
            return
        # Where its parts come from and their default charge: read in a thread,
        # awaited so that keys typed after 'v' land in the form.
        try:
            context = await read(lambda: store.parts.pick_context(target.id))
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return

        def resolve(tid: int, version: int, used: Any = (), **record: Any) -> Ticket:
            # One write: the resolve and the catalogue parts it used (a refused use saves neither).
            ticket, _steps = store.parts.resolve_using(tid, version, list(used), **record)
            return ticket

        self._form(
            "resolve", _("Resolve #{id}: repair record"),
            # The symptom starts as the reported fault: usually what the technician saw too.
            lambda t: [Field("symptom", _("Symptom (fault seen)"), "text", value=t.fault,
                             max_length=max_length(ResolveInput, "symptom")),
                       Field("cause", _("Cause"), "text", max_length=max_length(ResolveInput, "cause")),
                       Field("action", _("Action taken"), "text", max_length=max_length(ResolveInput, "action")),
                       # After the free text, so keys typed as before still land where they did;
                       # the picked catalogue parts come after it (console/screens/resolve_form.py).
                       Field("parts", _("Parts used"), placeholder=_("not in the catalogue; 'none' if none"),
                             max_length=max_length(ResolveInput, "parts")),
                       time_field()],
            resolve, _("Ticket #{id} resolved."), _("Resolve (ctrl+s)"),
            hint=_("Catalogue parts: type a code or name in 'Add a part', enter adds it (from {where}). In the list: "
                   "digits or +/- the quantity, w warranty/charged, l van/store, del drops it.").format(
                where=context.van_name),
            build=lambda *a, **kw: ResolveForm(context, *a, **kw),
        )

    async def action_close_ticket(self) -> None:
        store = self.store
        target = self.selected()
        # The form names the currency (a setting) and shows the fee the schedule
        # proposes: read in a thread, awaited so that keys typed after 'c' land in the form.
        try:
            currency = await read(lambda: store.settings.currency)
        except StoreError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        proposal: Fee | None = None
        if target is not None and target.status == "resolved":
            try:
                proposal = await read(lambda: store.fees.proposal(target.id))
            except StoreError:  # changed meanwhile: the form's own check says why
                proposal = None
        self._close_form(currency, proposal)

    def _close_form(self, currency: str, proposal: Fee | None = None) -> None:
        from store.inputs import CloseInput
        from store.limits import FEE_MAX_CHARS, max_length
        from store.money import format_money

        from ..format import fee_item_lines
        from .form import Field

        store = self.store

        def big_fee(values: dict[str, Any]) -> str | None:
            """A fee above the ceiling (setting fee_confirm_above) is asked about once more."""
            if not store.settings.fee_needs_confirm(values.get("fee")):
                return None
            fee = store.settings.parse_fee(values["fee"])
            if fee is None:  # never: a fee above the ceiling is a fee
                return None
            return _("A fee of {fee} is above {limit}. Save it?").format(
                fee=store.settings.format_money(fee),
                limit=store.settings.format_money(store.settings.fee_confirm_above))

        hint = ""
        fee_field = Field("fee", _("Fee in {currency} (optional)").format(currency=currency),
                          placeholder=_("e.g. 1,200.50"), max_length=FEE_MAX_CHARS)
        extra: list[Field] = []
        if proposal is not None:
            total = format_money(proposal.total, currency)
            lines = fee_item_lines(proposal.to_json(), currency, width=56) or [_("(nothing to charge)")]
            hint = "\n".join([_("Proposed by the fee schedule:"), *("  " + line for line in lines),
                               _("Proposed fee: {fee}").format(fee=total)])
            fee_field = Field("fee", _("Fee charged"), placeholder=_("blank: {fee}").format(fee=total),
                              max_length=FEE_MAX_CHARS)
            extra = [Field("reason", _("Reason (if different)"), max_length=max_length(CloseInput, "reason"))]
        self._form(
            "close", _("Close #{id}: customer sign-off"),
            # The reporter usually signs off: prefilled, and editable.
            lambda t: [Field("signoff", _("Signed off by"), value=t.reporter,
                             max_length=max_length(CloseInput, "signoff")), fee_field, *extra],
            store.tickets.close, _("Ticket #{id} closed."), _("Close ticket (ctrl+s)"), confirm=big_fee, hint=hint,
        )

    def action_cancel_ticket(self) -> None:
        from store.inputs import CancelInput
        from store.limits import max_length

        from .form import Field

        target = self.selected()
        self._form(
            "cancel", _("Cancel #{id}") + (
                f" — {clean(target.site, single_line=True)}: {clean(target.fault, single_line=True)[:60]}"
                if target else ""),
            [Field("reason", _("Reason"), max_length=max_length(CancelInput, "reason"))],
            self.store.tickets.cancel, _("Ticket #{id} cancelled."), _("Cancel ticket (ctrl+s)"),
            hint=_("The ticket leaves the queue; its history is kept."),
        )


def target_of(t: Ticket) -> Target:
    return Target(t.id, t.version, t.status, t.technician_id, t.first_response_at is not None,
                  t.site_name, t.description, t.reporter)

