"""Forms read at 80 columns, in both languages (issue 22).

- Every label fits its column on one line: "Parts used (write 'none' if
  none)" wrapped, its second line starting at the form's left edge, and in
  Chinese a lone "）" did; what a field wants is said in its placeholder.
- An empty text field shows a placeholder: a text box was only a tint and
  an underline, which many terminals do not show (the label stood alone)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_helpers import app_for, burst, make_ticket, settle, until
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from console.screens.main import MainScreen
from console.widgets.fields import FieldLabel
from console.widgets.form import FormModal
from store import Store
from store.i18n import LOCALE_DIR, set_language


@pytest.fixture(params=["en", "zh_Hans"])
def language(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DISPATCH_LANG", request.param)
    set_language(request.param, localedir=LOCALE_DIR)
    yield request.param
    set_language("en", localedir=LOCALE_DIR)


def ticket_at(store: Store, state: str) -> int:
    """A ticket walked to ``state``: the forms open only where the step fits."""
    t = make_ticket(store)
    if state != "new":
        t = store.tickets.assign(t.id, t.version, technician_id=1)
    if state in ("responded", "arrived", "held", "resolved"):
        t = store.tickets.respond(t.id, t.version)
    if state in ("arrived", "held", "resolved"):
        t = store.tickets.arrive(t.id, t.version, mode="onsite")
    if state == "held":
        t = store.tickets.hold(t.id, t.version, reason="parts")
    if state == "resolved":
        t = store.tickets.resolve(t.id, t.version, symptom="s", cause="c", action="a", parts="none")
    return t.id


# (ticket state, keys): every ticket form, one after another on one console.
TICKET_FORMS = [("new", ["n"]), ("assigned", ["r"]), ("responded", ["o"]), ("arrived", ["w"]),
                ("held", ["U"]), ("arrived", ["v"]), ("resolved", ["c"]), ("arrived", ["x"]),
                ("arrived", ["m"]), ("assigned", ["a"]), ("arrived", ["e"])]
SETUP_FORMS = [["S", "s", "n"], ["S", "e", "n"], ["S", "t", "n"], ["S", "c", "n"], ["S", "u", "a"]]


def looks_wrong(pilot: Pilot) -> list[str]:
    form = pilot.app.screen
    assert isinstance(form, FormModal), type(form).__name__
    wrong = [f"label on {label.size.height} lines: {label.text}" for label in form.query(FieldLabel)
             if label.size.height != 1]
    for field in form.query("Input, TextArea"):
        empty = not (field.text if isinstance(field, TextArea) else field.value)  # type: ignore[union-attr]
        assert isinstance(field, Input | TextArea)
        if empty and field.display and not "".join(seg.text for seg in field.render_line(0)).strip():
            wrong.append(f"empty field shows nothing: #{field.id} ({type(form).__name__})")
    return wrong


async def back_to_queue(pilot: Pilot) -> None:
    for _ in range(4):
        if isinstance(pilot.app.screen, MainScreen):
            return
        await burst(pilot, "escape")
    assert isinstance(pilot.app.screen, MainScreen)


async def test_labels_fit_and_empty_fields_show(store: Store, language: str) -> None:
    ids = {state: ticket_at(store, state) for state, _keys in TICKET_FORMS}
    app = app_for(store)
    wrong: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: bool(app.screen.query_one("QueueTable").rows))
        assert set(ids.values()) <= {r.id for r in app.screen.query_one("QueueTable").rows}
        for state, keys in TICKET_FORMS:
            table = app.screen.query_one("QueueTable")
            table.cursor = [r.id for r in table.rows].index(ids[state])  # type: ignore[attr-defined]
            await settle(pilot)
            await burst(pilot, *keys)
            wrong += looks_wrong(pilot)
            await back_to_queue(pilot)
        for keys in SETUP_FORMS:
            await burst(pilot, *keys)
            wrong += looks_wrong(pilot)
            await back_to_queue(pilot)
    assert not wrong, wrong
