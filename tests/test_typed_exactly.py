"""What is typed is stored exactly (issue 22): a zero-width joiner in
"👩‍👩‍👧" typed as keys (a terminal without bracketed paste, tmux send-keys)
was dropped as "not printable", so the name was saved without it; so were
direction marks and the ideographic space of Chinese input (U+3000). The
fields keep every character; only what is shown on screen is cleaned."""

from __future__ import annotations

from console_helpers import app_for, burst, settle, until
from hostile import HOSTILE, forbidden
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from test_hostile_forms import screen_problems
from textual.widgets import Input, TextArea

from console.screens.main import MainScreen
from console.widgets.textinput import in_cells
from store import Store

FAMILY = "Li 👩\u200d👩\u200d👧 Wei"
TYPED = "Ann \u200eL\u200f " + HOSTILE["zwj_emoji"]  # joiners, direction marks, a variation selector
CHINESE = "王\u3000小明\u00a0二"  # an ideographic space and a no-break space, as an IME types them


def shown(field: Input) -> str:
    """The text the field sends to the terminal on its first line, which
    fills the cells Textual placed the cursor and the line's end by."""
    line = field.render_line(0)
    text = "".join(seg.text for seg in line)
    assert cell_len(text) == line.cell_length, text
    return text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8")))
def test_a_field_shows_text_cleaned_in_the_same_cells(text: str) -> None:
    out = in_cells(text)
    assert not forbidden(out) and cell_len(out) == cell_len(text)


def test_what_a_field_shows_of_joined_and_selected_emoji() -> None:
    assert in_cells(FAMILY) == "Li 👩 Wei"  # one joined emoji: two cells, as rich measured it
    assert in_cells("ok ❤\ufe0f!") == "ok ❤ !"  # emoji presentation: two cells
    assert in_cells("L\u200eR\u202ex") == "LRx"


async def test_a_name_typed_with_joiners_is_saved_with_them(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *FAMILY, "tab", *"13800001111", "tab", *"North", "enter")
        app.screen.query_one("#f-description", TextArea).focus()
        await burst(pilot, *TYPED)
        reporter = app.screen.query_one("#f-reporter", Input)
        assert reporter.value == FAMILY
        assert app.screen.query_one("#f-description", TextArea).text == TYPED
        assert not screen_problems(app), screen_problems(app)  # shown cleaned while typed
        assert "Li 👩 Wei" in shown(reporter)  # in the cells the cursor is placed by
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
    t = store.tickets.ticket(store.admin.max_ticket_id())
    assert (t.reporter, t.description) == (FAMILY, TYPED)


async def test_ideographic_and_no_break_spaces_are_typed(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *CHINESE, "tab", *"13800001111", "tab", *"North", "enter")
        assert app.screen.query_one("#f-reporter", Input).value == CHINESE
        app.screen.query_one("#f-description", TextArea).focus()
        await burst(pilot, *"吞卡", "\u3000", *"x")  # one key at a time into the box too
        assert app.screen.query_one("#f-description", TextArea).text == "吞卡\u3000x"
        await burst(pilot, "ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MainScreen))
    t = store.tickets.ticket(store.admin.max_ticket_id())
    assert (t.reporter, t.description) == (CHINESE, "吞卡\u3000x")


async def test_setup_names_keep_their_joiners(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "S", "t")
        await settle(pilot)
        await burst(pilot, "n", *FAMILY, "ctrl+s")
        await until(pilot, lambda: any(t.name == FAMILY for t in store.people.teams()))


async def test_the_queue_search_takes_joiners_and_shows_them_cleaned(store: Store) -> None:
    app = app_for(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await burst(pilot, "/", *FAMILY, *"\u202e\u200f")
        search = app.screen.query_one("#search", Input)
        assert search.value == FAMILY + "\u202e\u200f"
        assert not forbidden(shown(search)) and "Li 👩 Wei" in shown(search)
        assert not screen_problems(app), screen_problems(app)
