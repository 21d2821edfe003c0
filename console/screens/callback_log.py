"""Logging one phone callback: the script, one question at a time, answered
from the keyboard (y/n, then 1/2/3 for the overall answer), then notes.
``u`` logs "could not reach" instead (an attempt, not a rating). Dismisses
with the saved Callback, or None."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from store.errors import StoreError
from store.limits import max_length
from store.rules.evaluations import Callback, CallbackAnswers, CallbackLog, rating_label
from store.text import clean

from ..i18n import N_, _, ngettext
from ..widgets.footer import Footer
from ..widgets.form import Draft, KeepsDrafts
from ..widgets.textfield import TextInput

RATING_KEYS = {"1": "satisfied", "2": "basic", "3": "unsatisfied"}


def questions() -> list[str]:
    return [
        _("Did the technician contact you within 1 hour of your report to confirm the fault?"),
        _("Were you satisfied with the technician's attitude — was anything said impolitely? (y = all polite)"),
        _("Is the equipment working now?"),
        _("Overall: 1 satisfied · 2 basically satisfied · 3 unsatisfied"),
        _("Notes (enter saves)"),
    ]


class CallbackLogScreen(KeepsDrafts, ModalScreen[Any]):
    AUTO_FOCUS = None  # the keys answer the script; the note box takes focus only when asked for
    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), show=False),
        Binding("n", "answer(False)", N_("No"), show=False),
        Binding("u", "unreachable", N_("Could not reach")),
        Binding("b", "step_back", N_("Back a question")),
        Binding("escape", "cancel", N_("Cancel")),
    ]

    def __init__(self, call: Callback, foreman: str, points: dict[str, int]) -> None:
        super().__init__()
        self.call = call
        self.foreman = foreman
        self.points = points
        self.step = 0
        self.answers: dict[str, Any] = {}
        self.rating: str | None = None
        self.asking_note = False  # the impolite note is being typed
        self.draft_key = ("callback", call.id)

    def compose(self) -> ComposeResult:
        with Vertical(classes="form callback-log"):
            c = self.call
            yield Static(Content(_("Callback for ticket #{id}: {who}, {phone} — {tech} ({team})").format(
                id=c.ticket_id, who=clean(c.reporter, single_line=True), phone=clean(c.phone, single_line=True),
                tech=clean(c.technician_name, single_line=True), team=clean(c.team_name, single_line=True))),
                classes="title")
            yield Static("", id="script")
            yield Static("", id="consequence")
            yield TextInput(id="note", compact=True, max_length=max_length(CallbackLog, "notes"))
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show()
        self.set_focus(None)
        self.remember_initial()

    # A call half logged (answers given, notes typed) is kept like a form's draft.
    def read_draft(self) -> Draft:
        return {"step": self.step, "answers": dict(self.answers), "rating": self.rating,
                "asking_note": self.asking_note, "note": self.query_one("#note", Input).value}

    def write_draft(self, draft: Draft) -> None:
        self.step, self.answers, self.rating = draft["step"], dict(draft["answers"]), draft["rating"]
        self.asking_note = draft["asking_note"]
        self.query_one("#note", Input).value = draft["note"]
        self._show()

    # --------------------------------------------------------------- view
    def _answer_text(self, i: int) -> str:
        a = self.answers
        yes_no = {True: _("yes"), False: _("no")}
        if i == 0 and "contacted_within_hour" in a:
            return yes_no[a["contacted_within_hour"]]
        if i == 1 and "polite" in a:
            return yes_no[a["polite"]] + (f" — {a.get('impolite_note', '')}" if not a["polite"] else "")
        if i == 2 and "working" in a:
            return yes_no[a["working"]]
        if i == 3 and self.rating:
            n = self.points[self.rating]  # what the answer is worth: points, said so
            return f"{rating_label(self.rating)} (" + ngettext("{n} point", "{n} points", n).format(n=n) + ")"
        return ""

    def _show(self) -> None:
        parts = []
        for i, q in enumerate(questions()):
            mark = "▶ " if i == self.step else "  "
            answer = self._answer_text(i)
            line = Content(f"{mark}{i + 1}. {q}")
            if answer:
                line += Content.styled(f"  → {clean(answer, single_line=True)}", "bold")
            parts.append(line.stylize("bold") if i == self.step else line)
        c = self.call
        tries = _("Attempts so far: {n}").format(n=c.attempts) if c.attempts else ""
        self.query_one("#script", Static).update(Content("\n").join(parts) + Content("\n" + tries if tries else ""))
        warn = ""
        if self.rating == "unsatisfied":
            warn = _("Unsatisfied: an improvement item will open for foreman {name}.").format(
                name=clean(self.foreman, single_line=True))
        self.query_one("#consequence", Static).update(Content.styled(warn, "$warning bold") if warn else Content(""))
        note = self.query_one("#note", TextInput)
        typing = self.asking_note or self.step == 4
        note.display = typing
        note.can_focus = typing  # hidden, it must not take the y/n keys
        if typing:
            # The impolite note is kept with the answers (shorter), the notes with the call.
            note.limit.limit = max_length(CallbackAnswers, "impolite_note") if self.asking_note else max_length(
                CallbackLog, "notes")
            note.placeholder = _("What was impolite? (enter)") if self.asking_note else _("Notes, then enter to save")
            note.focus()

    # ------------------------------------------------------------ answers
    def on_key(self, event: Key) -> None:
        if self.step == 3 and event.key in RATING_KEYS and not self.asking_note:
            event.stop()
            self.rating = RATING_KEYS[event.key]
            self.step = 4
            self._show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While a note is typed, letters are text, not answers.
        if action in ("answer", "unreachable", "step_back") and (self.asking_note or self.step == 4):
            return False
        return True

    def action_answer(self, yes: bool) -> None:
        if self.step == 0:
            self.answers["contacted_within_hour"] = yes
        elif self.step == 1:
            self.answers["polite"] = yes
            self.answers["impolite_note"] = ""
            if not yes:
                self.asking_note = True
                self._show()
                return
        elif self.step == 2:
            self.answers["working"] = yes
        else:
            return
        self.step += 1
        self._show()

    def action_step_back(self) -> None:
        if self.step > 0:
            self.step -= 1
            if self.step == 3:
                self.rating = None
            self._show()

    @on(Input.Submitted, "#note")
    def _note_done(self, event: Input.Submitted) -> None:
        if self.asking_note:
            if not event.value.strip():
                self.notify(_("Say what was impolite."), severity="warning", markup=False)
                return
            self.answers["impolite_note"] = event.value.strip()
            self.asking_note = False
            event.input.value = ""
            self.step = 2
            self.query_one("#note", Input).display = False
            self.set_focus(None)  # the keys answer the script again
            self._show()
            return
        if self.rating is not None:  # always: the notes step (4) is reached only with a rating
            self._save(self.rating, event.value)

    # -------------------------------------------------------------- saves
    @work(thread=True, exclusive=True, group="callback-log", exit_on_error=False)
    def _save(self, rating: str, notes: str) -> None:
        store = self.app.store
        try:
            saved = store.callbacks.log_callback(self.call.id, rating=rating, answers=self.answers, notes=notes)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, clean(str(exc), single_line=True), severity="error", markup=False)
            return
        self.app.call_from_thread(self._finish, saved)

    @work(thread=True, exclusive=True, group="callback-log", exit_on_error=False)
    def action_unreachable(self) -> None:
        store = self.app.store
        try:
            saved = store.callbacks.log_unreachable(self.call.id)
        except StoreError as exc:
            self.app.call_from_thread(self.notify, clean(str(exc), single_line=True), severity="error", markup=False)
            return
        self.app.call_from_thread(self._finish, saved)

    def _finish(self, saved: Any) -> None:
        self.spend_draft()
        self.dismiss(saved)

    def action_cancel(self) -> None:
        if self.asking_note:
            self.asking_note = False
            self.query_one("#note", Input).display = False
            self.set_focus(None)
            self._show()
            return
        self.close_asking(lambda: self.dismiss(None))
