"""Explain clocks (`y` in the ticket detail): how each of the ticket's
deadlines is counted, the same words as `dispatch ticket N --explain`
(store/rules/explain_text.py), in a modal that scrolls with the queue's keys.
Read in a thread; hold notes and reasons are typed text, shown as Content."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from store.rules.explain import TicketExplanation
from store.rules.explain_text import ticket_lines
from store.text import clean

from ..background import in_thread
from ..i18n import N_, _


class ExplainScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,y", "close", N_("Close")),
        Binding("j,down", "scroll('down')", N_("Scroll down"), show=False),
        Binding("k,up", "scroll('up')", N_("Scroll up"), show=False),
        Binding("g,home", "scroll('home')", N_("Top"), show=False),
        Binding("G,end", "scroll('end')", N_("Bottom"), show=False),
        Binding("pagedown,space", "scroll('page_down')", N_("Page down"), show=False),
        Binding("pageup", "scroll('page_up')", N_("Page up"), show=False),
    ]
    DEFAULT_CSS = """
    ExplainScreen #explain { height: 1fr; }
    ExplainScreen #explain-body { width: 1fr; height: auto; }
    ExplainScreen #explain-body .part { padding-left: 2; }
    ExplainScreen #explain-body .head { text-style: bold; }
    """

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", id="explain"):
            with Vertical(id="explain-body"):
                yield Static(_("Loading…"))
            yield Static(_("j/k scroll · Esc closes"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#explain").focus()
        store, tid = self.app.store, self.ticket_id  # type: ignore[attr-defined]
        in_thread(self, lambda: store.explain.ticket(tid), self._show, self._failed)

    def _show(self, x: TicketExplanation) -> None:
        # One Static a line, the parts indented as a block so a wrapped line
        # keeps its indent. Content, never markup: notes and reasons are typed text.
        body = self.query_one("#explain-body", Vertical)
        body.remove_children()
        body.mount_all(Static(Content(line.strip()), classes="part" if line.startswith(" ") else "head")
                       for line in ticket_lines(x))

    def _failed(self, exc: Exception) -> None:
        body = self.query_one("#explain-body", Vertical)
        body.remove_children()
        body.mount(Static(Content(clean(str(exc), single_line=True))))

    def action_scroll(self, where: str) -> None:
        view = self.query_one("#explain", VerticalScroll)
        page = view.scrollable_content_region.height
        y = {
            "down": view.scroll_y + 1, "up": view.scroll_y - 1,
            "page_down": view.scroll_y + page, "page_up": view.scroll_y - page,
            "home": 0, "end": view.max_scroll_y,
        }[where]
        view.scroll_to(y=max(0, min(y, view.max_scroll_y)), animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)
