"""The resolve form (``v``): the repair record, and the catalogue parts
the repair used picked from a list (issue 25 "Using parts on a ticket";
console/widgets/picked_parts.py). The parts are saved in the resolve's own
write (store.parts.resolve_using): a shortage refuses both, said beside the
list naming the part and the location, and the form keeps everything."""

from __future__ import annotations

from typing import Any

from textual import events, on
from textual.containers import VerticalScroll

from store.repo.parts_pick import PickContext
from store.rules.stock import REASON_MAX

from ..i18n import _
from ..widgets.fields import field_row, has_error_line, show_error
from ..widgets.form import Draft
from ..widgets.picked_parts import PartPicker, PickedParts
from ..widgets.textfield import TextInput
from .form import ActionForm


class ResolveForm(ActionForm):
    """An ActionForm whose "parts used" (free text) is followed by "Add a
    part" (a picker), the picked parts, and the reason for a charge that is
    not as the equipment's warranty says. ``values()`` gives the store the
    picked parts as ``used``."""

    def __init__(self, context: PickContext, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    @on(events.Mount)
    async def _parts_rows(self) -> None:
        # Before ActionForm's own on_mount (called after this one): the draft
        # it brings back and the focus order include the picked parts.
        store, technician = self.app.store, self.context.van
        tech_id = int(technician[4:]) if technician else None
        picker = PartPicker(self.context, lambda text: store.parts.pick_options(text, tech_id), id="f-add")
        rows = [*field_row("add", _("Add a part"), picker),
                *field_row("used", _("Picked parts"), PickedParts(self.context, id="f-used")),
                *field_row("charge_reason", _("Reason (marked *)"), TextInput(
                    placeholder=_("why a part marked * is not as the warranty says"), id="f-charge_reason", compact=True,
                    max_length=REASON_MAX))]
        await self.query_one(VerticalScroll).mount_all(rows, after="#e-parts")

    @property
    def picked(self) -> PickedParts:
        return self.query_one(PickedParts)

    def values(self) -> dict[str, Any]:
        out = super().values()
        out["used"] = self.picked.uses(self.query_one("#f-charge_reason", TextInput).value)
        return out

    def read_draft(self) -> Draft:
        out = super().read_draft()
        out["used"] = self.picked.picked  # an OptionList's draft would be its highlight alone
        return out

    def write_draft(self, draft: Draft) -> None:
        super().write_draft({k: v for k, v in draft.items() if k != "used"})
        if "used" in draft:
            self.picked.picked = draft["used"]

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        super().show_errors({k: v for k, v in errors.items() if k != "used"}, general)
        # A refused line (a shortage, a charge without its reason), said under the list.
        show_error(self, "used", errors.get("used", ""))
        if errors.get("used"):
            line = self.query_one("#e-used")
            line.call_after_refresh(line.scroll_visible, animate=False)  # a short terminal scrolls

    @on(PartPicker.Chosen)
    def _chosen(self, event: PartPicker.Chosen) -> None:
        self.picked.add(event.option)

    @on(PickedParts.Changed)
    def _lines_changed(self) -> None:
        if has_error_line(self, "used"):
            show_error(self, "used", "")
