"""Messages (issue 24, key 'M' on the main screen): the outbox as the
managers see it. Those given up on first, with whom they were for, what
they are about, the attempts and the last error; then those waiting for
their next try; then those sent. 'r' queues a message given up on again
(the store's ``notify.retry``: managers only, audited); the sender
(``dispatch notify``) sends it on its next pass.

Everything is read in a thread and followed like every list: the sender is
another program writing to the file, so its attempts show up as they are
recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Static

from store.i18n import current_language
from store.repo.outbox import OutboxRow
from store.rules.notices import from_json, render
from store.text import clean
from store.timeutil import from_db, local

from ..background import in_thread, write_refusal
from ..i18n import N_, _
from ..widgets.footer import Footer
from ..widgets.lists import ListTable
from .listing import BACK, ListScreen

LIMIT = 500  # rows listed (the failed and waiting ones come first)
ABOUT_WIDTH = 30


def state_label(state: str) -> str:
    return {"pending": _("waiting"), "sent": _("sent"), "failed": _("given up")}.get(state, state)


@dataclass(frozen=True)
class Shown:
    """One message as listed: the row, and its words worked out in the read's thread."""

    row: OutboxRow
    to: str
    about: str
    next_try: str
    error: str


@dataclass(frozen=True)
class Read:
    counts: dict[str, int]
    messages: list[Shown]


def read_messages(store: Any) -> Read:
    """In a thread: the outbox, its counts, and each message's words."""
    tz = store.settings.timezone
    techs = {t.id: t.name for t in store.people.technicians(include_retired=True)}
    sites = {s.id: s.name for s in store.reference.sites(limit=100_000, include_retired=True)}
    status = store.outbox.status(failed_limit=0)
    out = []
    lang = current_language()
    for row in store.outbox.messages(LIMIT):
        kind, _sep, key = row.recipient.partition(":")
        to = techs.get(int(key), key) if kind == "technician" and key.isdigit() else key
        if kind == "site" and key.isdigit():  # an inspection's notice to the site's contact
            to = sites.get(int(key), key)
        try:
            about = render(from_json(row.notice), row.id, lang).title
        except ValueError:
            about = _("(a damaged message)")
        nxt = from_db(row.next_at) if row.state == "pending" else None
        out.append(Shown(row, clean(to, single_line=True), clean(about, single_line=True),
                         local(nxt, tz).format("MM-DD HH:mm") if nxt is not None else "",
                         clean(row.last_error or "", single_line=True)))
    return Read({k: status[k] for k in ("pending", "sent", "failed")}, out)


class MessagesScreen(ListScreen):
    DEFAULT_CSS = """
    MessagesScreen .title { text-style: bold; padding: 0 1; }
    MessagesScreen #messages { height: 1fr; }
    MessagesScreen #message-detail { height: auto; max-height: 4; padding: 0 1; }
    MessagesScreen .hint { color: $text-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("r", "retry", N_("Send again")),
        Binding("ctrl+r", "reload", N_("Reload"), show=False),
        BACK,
    ]
    GUARDED = frozenset({"retry"})

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Shown] = []

    def compose(self) -> ComposeResult:
        yield Static(Content(_("Messages")), id="messages-title", classes="title")
        yield ListTable(id="messages")
        yield Static("", id="message-detail")
        yield Static(Content(_("Sent by 'dispatch notify' (cron or --watch); a message given up on after its "
                               "attempts stays here until 'r' queues it again.")), classes="hint")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#messages", DataTable)

    def on_mount(self) -> None:
        self._add_columns()
        self.reload()

    def _add_columns(self) -> None:
        # What it is about, cut to its column (the line below the list has it whole), so that the
        # attempts and the next try fit at 80 columns; the error last.
        about = max(ABOUT_WIDTH, min(2 * ABOUT_WIDTH, self.app.size.width - 100))  # wider on a wide terminal
        for header, width in ((_("#"), None), (_("State"), None), (_("To"), None), (_("Tries"), None),
                              (_("Next try"), None), (_("About"), about), (_("Last error"), None)):
            self.table.add_column(Text(header), width=width)

    def data_changed(self) -> None:
        self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self, keep: int | None = None) -> None:
        store = self.app.store
        current = self.selected()
        keep = keep if keep is not None else (current.row.id if current is not None else None)
        in_thread(self, lambda: read_messages(store), lambda r: self._show(r, keep), group="messages", exclusive=True)

    def _show(self, read: Read, keep: int | None) -> None:
        table = self.table
        at = table.cursor_row
        self.shown = read.messages
        table.clear()
        for m in read.messages:
            failed = m.row.state == "failed"
            state = Text(state_label(m.row.state), style="bold red" if failed else "dim" if m.row.state == "sent" else "")
            table.add_row(Text(str(m.row.id)), state, Text(m.to), Text(str(m.row.attempts)), Text(m.next_try),
                          Text(m.about, no_wrap=True, overflow="ellipsis"), Text(m.error), key=str(m.row.id))
        ids = [m.row.id for m in read.messages]
        if keep in ids:
            at = ids.index(keep)
        if ids:
            table.move_cursor(row=min(max(at, 0), len(ids) - 1))
        c = read.counts
        self.query_one("#messages-title", Static).update(Content(
            _("Messages") + " — " + _("waiting {pending}, sent {sent}, given up {failed}").format(**c)))
        self._detail()

    def selected(self) -> Shown | None:
        if not self.shown:
            return None
        row = self.table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def on_data_table_row_highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        self.refresh_bindings()
        m = self.selected()
        detail = self.query_one("#message-detail", Static)
        if m is None:
            detail.update(Content(_("No messages: nobody has a notification address, or nothing was sent yet.")))
            return
        lines = [f"#{m.row.id} {state_label(m.row.state)} → {m.to}: {m.about}"]
        if m.error:
            lines.append(_("Last error: {error}").format(error=m.error))
        detail.update(Content("\n".join(lines)))

    # --------------------------------------------------------------- retry
    def refusal(self, action: str) -> str | None:
        m = self.selected()
        if m is None:
            return _("No message selected.")
        if m.row.state != "failed":
            return _("Only a message given up on is queued again; this one is {state}.").format(
                state=state_label(m.row.state))
        return self.permits.refusal("notify.retry")

    def action_retry(self) -> None:
        m = self.selected()
        if m is None or self.refusal("retry"):
            return
        store, mid = self.app.store, m.row.id

        def done(_row: object) -> None:
            self.notify(_("Message #{id} queued again: the sender sends it on its next pass.").format(id=mid),
                        markup=False)
            self.reload(keep=mid)

        in_thread(self, lambda: store.outbox.requeue(mid), done,
                  lambda exc: self.notify(write_refusal(exc), severity="error", markup=False), group="retry")

    def language_changed(self) -> None:
        table = self.table
        table.clear(columns=True)
        self._add_columns()
        self.reload()
