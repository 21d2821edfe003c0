"""The form of one record of a setup table (add or edit), built from its
table's spec (console/screens/setup_specs.py): inputs, choices and pick lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from ..console_app import OnConsole
from ..i18n import _
from ..settings import apply_blink
from ..widgets.fields import field_row, form_footer, show_error
from ..widgets.form import FormModal
from ..widgets.picker import Picker
from ..widgets.textfield import TextInput
from .setup_specs import FormField, TableSpec


def searching(node: OnConsole, search: Callable[[Any, str], list[tuple[int, str]]]) -> Callable[[str], list[tuple[int, str]]]:
    """A pick list's search, on the store open when it is typed in (a reopened file's)."""
    return lambda text: search(node.app.store, text)

class RecordForm(FormModal[Any]):
    """Add (``record`` None) or edit one record; an edit sends only what changed."""

    def __init__(self, spec: TableSpec, record: Any | None, choices: dict[str, Any],
                 labels: dict[str, dict[Any, str]]) -> None:
        super().__init__()
        self.spec = spec
        self.record = record
        self.choices = choices
        self.labels = labels
        self._start: dict[str, Any] = {}
        self.draft_key = (f"record-{spec.table}", record.id if record is not None else 0)

    def _value_of(self, f: FormField) -> Any:
        if self.record is None:
            return f.default
        return getattr(self.record, f.name, None)

    def compose(self) -> ComposeResult:
        if self.record is None:
            title = _("New {noun}").format(noun=_(self.spec.noun))
        else:
            title = _("Edit {noun} {name}").format(noun=_(self.spec.noun), name=self.spec.describe(self.record))
        with VerticalScroll(classes="form"):
            yield Static(Content(title), classes="title")
            if self.spec.hint:
                yield Static(Content(self.spec.hint_text()), classes="hint")
            for f in self.spec.fields:
                value = self._value_of(f)
                widget: Widget
                if f.kind == "select":
                    options = self.choices.get(f.name, [])
                    if value is None and not f.optional_choice and len(options) == 1:
                        value = options[0][1]  # one team so far: that is the one
                    known = value in [v for _label, v in options]
                    widget = Select(options, value=value if known else Select.NULL,
                                    allow_blank=f.optional_choice or not known, id=f"f-{f.name}", compact=True,
                                    prompt=_("Choose…"))  # Textual's own prompt is English
                elif f.kind == "picker":
                    assert f.search is not None
                    widget = Picker(searching(self, f.search),
                                    _(f.placeholder) if f.placeholder else "", id=f"f-{f.name}")
                else:
                    widget = TextInput(f.shown(value), placeholder=_(f.placeholder) if f.placeholder else "",
                                       id=f"f-{f.name}", compact=True, max_length=f.max_length)
                yield from field_row(f.name, _(f.label), widget)
            yield from form_footer(_("Save (ctrl+s)"))

    def on_mount(self) -> None:
        apply_blink(self)
        for f in self.spec.fields:
            if f.kind == "picker":
                picker = self.query_one(f"#f-{f.name}", Picker)
                value = self._value_of(f)
                if value is not None:
                    label = self.labels.get(f.name, {}).get(value, str(value))
                    picker.value, picker._label = value, label  # shown as chosen, not searched again
                    picker.input.value = label
        first = self.query_one(f"#f-{self.spec.fields[0].name}")
        (first.input if isinstance(first, Picker) else first).focus()
        self._start = self.values()
        self.remember_initial()

    def changed(self) -> bool:
        return super().changed() or self.values() != self._start

    def values(self) -> dict[str, Any]:
        """What the form holds now, as the store takes it."""
        out: dict[str, Any] = {}
        for f in self.spec.fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, Select):
                out[f.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, Picker):
                out[f.name] = widget.value
            elif isinstance(widget, Input):
                out[f.name] = f.stored(widget.value)
        return out

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        names = {f.name for f in self.spec.fields}
        extra = [f"{k}: {v}" for k, v in errors.items() if k not in names]
        for f in self.spec.fields:
            show_error(self, f.name, errors.get(f.name, ""))
        show_error(self, "general", " ".join([general, *extra]).strip())

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        if isinstance(event.input.parent, Picker):
            return  # the picker's own enter chooses a match
        self.action_submit()

    def action_submit(self) -> None:
        if self.still_saving():
            return
        store = self.app.store
        values = self.values()
        pickers = {f.name for f in self.spec.fields if f.kind == "picker"}
        for name in pickers:
            typed = self.query_one(f"#f-{name}", Picker).input.value.strip()
            if values[name] is None and typed:
                self.show_errors({name: _("pick one from the list")})
                return
        if self.record is None:
            self.save(lambda: self.spec.add(store, **values), self.finish)
            return
        changes = {k: v for k, v in values.items() if v != self._start.get(k)}
        if not changes:
            self.finish(None)  # nothing to save: no draft to keep either
            return
        rid, record = self.record.id, self.record
        # An edit that returns nothing: the list reloads and keeps the cursor on the record.
        self.save(lambda: self.spec.edit(store, rid, **changes), lambda result: self.finish(result or record))
