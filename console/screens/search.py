"""The whole history, searched: open and closed tickets, results as you type.
And a caller's and an asset's earlier tickets, one key from the new-ticket
form and the detail screen."""

from __future__ import annotations

from pendulum import DateTime
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store.labels import priority_label
from store.models import Ticket
from store.rules.lifecycle import status_label
from store.text import clean

from ..background import read
from ..console_app import OnConsole
from ..format import fit, local_time
from ..i18n import N_, _, ngettext
from ..keys import types_text
from ..widgets.footer import Footer
from ..widgets.lists import ListOptions
from ..widgets.textinput import TextInput

DEBOUNCE = 0.25  # seconds of quiet typing before the file is searched: a burst is one query
LIMIT = 50


def ticket_line(t: Ticket, tz: str, mark: str = "") -> Content:
    """One ticket on one line, untrusted text cleaned and never markup."""
    reported = t.reported_at.in_timezone(tz) if isinstance(t.reported_at, DateTime) else None
    when = local_time(reported, tz, "YYYY-MM-DD HH:mm") if reported else "—"  # as dates are written everywhere
    head = f"#{t.id:<7} {when}  {fit(priority_label(t.priority)[:2], 2)} {fit(status_label(t.status, t.arrival_mode), 9)} "
    text = "  ".join(clean(x, single_line=True) for x in
                     (t.site_name, t.equipment_tag or "", t.reporter, t.description) if x)
    return Content(f"{mark}{head}{text}")


class OpenTicket(Message):
    """Open this ticket's detail over the screen that asks. Posted by the
    search screens and answered by the app (console/app.py): the detail
    screen opens the earlier-tickets screen, so these screens cannot import
    it back without an import cycle (tests/test_import_cycles.py)."""

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id


class Results(ListOptions):
    pass


class SearchScreen(OnConsole, Screen[None]):
    """Type: results (newest first) follow, debounced; Enter opens the ticket."""

    BINDINGS = [
        Binding("escape", "back", N_("Back")),
        Binding("down", "to_results", N_("Results"), show=False),
    ]
    DEFAULT_CSS = """
    SearchScreen #q { margin: 0 1; }
    SearchScreen #summary { padding: 0 1; color: $text-muted; }
    SearchScreen #results { height: 1fr; border: none; }
    Results { text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text
        self._timer: Timer | None = None
        self._shown: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled(_("Search all tickets, open and closed"), "bold"), id="title")
        yield TextInput(self.text, placeholder=_("#number, reporter, phone, asset tag, site or any text"),
                        id="q", compact=True)
        yield Static(_("Type to search: at least 3 characters use the index."), id="summary")
        yield Results(id="results", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#q").focus()
        if self.text:
            self.search(self.text)

    @on(Input.Changed, "#q")
    def _typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self.search(event.value), name="search")

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def search(self, text: str) -> None:
        try:
            found = self.app.store.search.find(text, limit=LIMIT)
        except Exception as exc:  # locked, damaged: say so in the summary, keep what is shown
            self.app.call_from_thread(self._summary, _("Search failed: {e}").format(e=clean(str(exc), single_line=True)))
            return
        self.app.call_from_thread(self._show, text, found)

    def _summary(self, text: str) -> None:
        self.query_one("#summary", Static).update(Content(text))

    def _show(self, text: str, found: list[Ticket]) -> None:
        if text != self.query_one("#q", Input).value:
            return  # typed on since: the newer search shows
        self._shown = text
        results = self.query_one(Results)
        results.clear_options()
        tz = self.app.tz
        results.add_options(Option(ticket_line(t, tz), id=str(t.id)) for t in found)
        if found:
            results.highlighted = 0
        if not text.strip():
            self._summary(_("Type to search: at least 3 characters use the index."))
        elif not found:
            self._summary(_("No ticket matches."))
        else:
            self._summary((_("The newest {n}: type more to narrow. Enter opens one.") if len(found) >= LIMIT
                           else ngettext("{n} ticket, newest first. Enter opens one.",
                                         "{n} tickets, newest first. Enter opens one.", len(found))).format(n=len(found)))

    @on(Input.Submitted, "#q")
    async def _enter(self) -> None:
        text = self.query_one("#q", Input).value
        if self._shown != text:  # Enter typed before the quiet pause ran the search: run it now
            if self._timer is not None:
                self._timer.stop()
            store = self.store
            try:
                found = await read(lambda: store.search.find(text, limit=LIMIT))
            except Exception as exc:  # locked, damaged: said as a failed search is
                self._summary(_("Search failed: {e}").format(e=clean(str(exc), single_line=True)))
                return
            self._show(text, found)
        results = self.query_one(Results)
        if results.highlighted is not None and results.option_count:
            option = results.get_option_at_index(results.highlighted)
            self.post_message(OpenTicket(int(option.id or 0)))

    @on(OptionList.OptionSelected, "#results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.post_message(OpenTicket(int(event.option.id or 0)))

    def action_to_results(self) -> None:
        results = self.query_one(Results)
        if results.option_count:
            results.focus()

    def on_key(self, event: events.Key) -> None:
        # Typing while the list has the focus goes back to the search text.
        q = self.query_one("#q", Input)
        if types_text(event) and event.character and not q.has_focus and event.key not in ("j", "k", "g", "G"):
            q.focus()
            q.insert_text_at_cursor(event.character)
            event.stop()

    def action_back(self) -> None:
        self.dismiss(None)


class EarlierScreen(OnConsole, ModalScreen[None]):
    """A caller's (same phone) and an asset's earlier tickets: was this reported before?"""

    BINDINGS = [Binding("escape,q", "back", N_("Back"))]
    DEFAULT_CSS = """
    EarlierScreen #earlier { height: 1fr; border: none; }
    EarlierScreen .form { height: 80%; }
    """

    def __init__(self, phone: str | None, equipment_id: int | None, exclude: int | None = None,
                 what: str = "") -> None:
        super().__init__()
        self.phone = phone
        self.equipment_id = equipment_id
        self.exclude = exclude
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Static(Content(_("Earlier tickets") + (f" — {clean(self.what, single_line=True)}" if self.what else "")),
                         classes="title")
            yield Static(_("Loading…"), id="summary", classes="hint")
            yield Results(id="earlier", compact=True)

    def on_mount(self) -> None:
        self.query_one(Results).focus()
        self.load()

    @work(thread=True, exclusive=True, group="earlier", exit_on_error=False)
    def load(self) -> None:
        store = self.app.store
        try:
            found = store.search.earlier_tickets(phone=self.phone, equipment_id=self.equipment_id, limit=21)
        except Exception as exc:
            self.app.call_from_thread(self._summary, clean(str(exc), single_line=True))
            return
        self.app.call_from_thread(self._show, [t for t in found if t.id != self.exclude][:20])

    def _summary(self, text: str) -> None:
        self.query_one("#summary", Static).update(Content(text))

    def _show(self, found: list[Ticket]) -> None:
        from store.repo.search import digits

        tz = self.app.tz
        number = digits(self.phone or "")
        results = self.query_one(Results)

        def mark(t: Ticket) -> str:
            # C: the same caller, A: the same asset (both can hold).
            caller = "C" if number and digits(t.phone) == number else " "
            asset = "A" if self.equipment_id is not None and t.equipment_id == self.equipment_id else " "
            return f"{caller}{asset} "

        results.add_options(Option(ticket_line(t, tz, mark(t)), id=str(t.id)) for t in found)
        if found:
            results.highlighted = 0
            self._summary(ngettext("{n} ticket, newest first (C: same caller, A: same asset); Enter opens one.",
                                   "{n} tickets, newest first (C: same caller, A: same asset); Enter opens one.", len(found)).format(
                n=len(found)))
        else:
            self._summary(_("No earlier tickets for this caller or asset."))

    @on(OptionList.OptionSelected, "#earlier")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.post_message(OpenTicket(int(event.option.id or 0)))

    def action_back(self) -> None:
        self.dismiss(None)
