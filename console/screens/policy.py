"""The SLA policy: for each priority, the response, on-site and resolve
windows in minutes. Saving recomputes the deadlines of every open ticket."""

from __future__ import annotations

import asyncio

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, Static

from store.labels import PRIORITIES, priority_label
from store.repo.settings import SettingsRepo
from store.rules.sla import MAX_WINDOW_MIN, Policy

from ..i18n import _
from ..settings import apply_blink
from ..widgets.fields import FieldLabel, FieldRow, form_footer, show_error
from ..widgets.form import FormModal
from ..widgets.textfield import TextInput

CLOCKS = ("response", "onsite", "resolve")


def clock_header(clock: str) -> str:
    return {"response": _("Response"), "onsite": _("On site"), "resolve": _("Resolved")}[clock]


class PolicyScreen(FormModal[bool | None]):
    DEFAULT_CSS = """
    PolicyScreen .policy-head { width: 1fr; text-style: bold; }
    PolicyScreen .row > .policy-cell { width: 1fr; margin-right: 2; }
    """
    draft_key = ("policy", 0)

    def __init__(self) -> None:
        super().__init__()
        self.current: dict[int, Policy] = {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form policy"):
            yield Static(_("SLA policy (minutes)"), classes="title")
            yield Static(Content(_(
                "Minutes of SLA time from the report (the calendar's hours; a hold stops the clock); "
                "response ≤ on site ≤ resolved. Saving recomputes every open ticket's deadlines at once.")),
                classes="hint")
            yield Horizontal(Label("", classes="label"),
                             *[Label(clock_header(c), classes="policy-head") for c in CLOCKS], classes="row")
            for p in PRIORITIES:
                yield FieldRow(
                    FieldLabel(priority_label(p), classes="label"),
                    *[TextInput(id=f"f-p{p}_{c}", compact=True, restrict=r"[0-9]*", classes="policy-cell",
                                max_length=len(str(MAX_WINDOW_MIN)))
                      for c in CLOCKS],
                    classes="row", id=f"row-p{p}")
                yield Static("", classes="error", id=f"e-p{p}")
            yield from form_footer(_("Save (ctrl+s)"))

    async def on_mount(self) -> None:
        apply_blink(self)
        # Focus first: digits typed while the policy is read land in the field
        # and are kept (a cell already typed into is not overwritten).
        self.query_one(f"#f-p{PRIORITIES[0]}_response").focus()
        store = self.app.store
        self.current = await asyncio.to_thread(store.settings.policy)
        for p, pol in self.current.items():
            for c in CLOCKS:
                cell = self.query_one(f"#f-p{p}_{c}", Input)
                if not cell.value:
                    cell.value = str(getattr(pol, f"{c}_min"))
        self.remember_initial()

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for p in PRIORITIES:
            message = errors.get(f"p{p}", "")
            show_error(self, f"p{p}", message)
            for c in CLOCKS:
                self.query_one(f"#f-p{p}_{c}").set_class(bool(message), "-invalid")
        show_error(self, "general", general)

    @on(Input.Changed)
    def _corrected_cell(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("f-").split("_")[0]
        if name.startswith("p"):
            show_error(self, name, "")
            for c in CLOCKS:
                self.query_one(f"#f-{name}_{c}").set_class(False, "-invalid")

    def read(self) -> tuple[dict[int, tuple[int, int, int]], dict[str, str]]:
        """The windows typed, and what is wrong with them, by priority."""
        wanted: dict[int, tuple[int, int, int]] = {}
        errors: dict[str, str] = {}
        for p in PRIORITIES:
            texts = [self.query_one(f"#f-p{p}_{c}", Input).value.strip() for c in CLOCKS]
            if not all(t.isascii() and t.isdigit() for t in texts):
                errors[f"p{p}"] = _("three whole numbers of minutes")
                continue
            response, onsite, resolve = (int(t) for t in texts)
            problem = SettingsRepo.window_problem(response, onsite, resolve)  # the store's own rule (set_policy)
            if problem is not None:
                errors[f"p{p}"] = problem
            else:
                wanted[p] = (response, onsite, resolve)
        return wanted, errors

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_submit()

    def action_submit(self) -> None:
        if self.still_saving():
            return
        wanted, errors = self.read()
        if errors:
            self.show_errors(errors)
            return
        changed = {p: w for p, w in wanted.items()
                   if p not in self.current or w != (self.current[p].response_min, self.current[p].onsite_min,
                                                     self.current[p].resolve_min)}
        if not changed:
            self.finish(None)  # nothing to save: no draft to keep either
            return
        store = self.app.store

        def save() -> None:
            for p, (response, onsite, resolve) in sorted(changed.items()):
                store.settings.set_policy(p, response, onsite, resolve)

        def saved(_result: None) -> None:
            self.notify(_("SLA policy saved for {which}; open tickets' deadlines were recomputed.").format(
                which=", ".join(f"P{p}" for p in sorted(changed))), markup=False)
            self.finish(True)

        self.save(save, saved)
