"""Help: every key of the screen underneath and of the app, and what the
queue's columns and marks mean. Scrolls with the keys the queue uses."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from store.rules.countdown import clock_label
from store.rules.escalation import DEFAULT_LADDER, level_text

from ..format import pad
from ..i18n import N_, _

NAV_KEYS = [
    ("j / ↓, k / ↑", N_("Move down / up")),
    ("g / Home, G / End", N_("First / last ticket")),
    ("PgDn / PgUp", N_("Page down / up")),
    ("enter", N_("Open the ticket")),
    ("ctrl+p", N_("Command palette: every action by name")),
    ("tab / shift+tab", N_("Next / previous field in forms")),
]


def legend() -> list[tuple[str, str]]:
    """(mark, meaning) for the queue's columns and the top line."""
    # Each meaning fits beside its mark in an 80-column terminal.
    return [
        ("13m10s  1h31m", _("Left: time to the next deadline (s under an hour)")),
        ("2d04h", _("Days and hours, a day or more left")),
        ("+44m  +1h31m", _("Overdue by that long")),
        ("=47m10s", _("Stopped while on hold (customer, parts): time left")),
        ("=+47m", _("Stopped while on hold, overdue: resumes from there")),
        ("!", _("At risk: under a quarter of the clock's window left")),
        ("✗", _("Breached: the deadline has passed")),
        # The marks as the queue shows them, in the language in use.
        (clock_label("response"), _("Next clock: first response")),
        (clock_label("onsite"), _("Next clock: on site / remote start")),
        (clock_label("resolve"), _("Next clock: resolved")),
        (_("done"), _("Resolved: no clock runs until it is closed")),
        ("↻", _("Second repair of the same equipment")),
        *escalation_legend(),
        (_("● read {t}").format(t="14:02:31"), _("Top line: when the data was last read")),
        (" / ".join((_("PAUSED"), _("STALE"))), _("Top line: view paused (p) / file unreadable")),
        ("✉✗ 2", _("Top line (managers): messages given up on; M lists them")),
        (_("⚠ {n} low").format(n=3), _("Top line: spare parts below their minimum; P lists them")),
    ]


def escalation_legend() -> list[tuple[str, str]]:
    """The queue's escalation marks, named by the default ladder's levels
    (a center's own ladder is shown by `dispatch escalation show`)."""
    out = [("↑1 ↑2 ↑3", _("Escalated: the highest level not acknowledged yet (E lists them)"))]
    for i, level in enumerate(DEFAULT_LADDER, 1):
        out.append((f"↑{i}", level_text(level)))
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", N_("Close")),
        Binding("j,down", "scroll('down')", N_("Scroll down"), show=False),
        Binding("k,up", "scroll('up')", N_("Scroll up"), show=False),
        Binding("g,home", "scroll('home')", N_("Top"), show=False),
        Binding("G,end", "scroll('end')", N_("Bottom"), show=False),
        Binding("pagedown", "scroll('page_down')", N_("Page down"), show=False),
        Binding("pageup", "scroll('page_up')", N_("Page up"), show=False),
    ]

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        lines = [Content.styled(_("Keys"), "bold"), Content("\n\n")]
        seen: set[str] = set()
        for binding in [*getattr(self.under, "BINDINGS", []), *self.app.BINDINGS]:
            # Once per action and once per key: the screen's "?" (app.help) and the app's are one key.
            action = binding.action.removeprefix("app.") if isinstance(binding, Binding) else ""
            if not isinstance(binding, Binding) or not binding.description or action in seen or binding.key in seen:
                continue
            seen.update((action, binding.key))
            key = binding.key_display or binding.key.replace(",", " / ")
            # Descriptions are msgids (N_): translated now, in the language in use.
            lines.append(Content(f"{pad(key, 18)} {_(binding.description)}\n"))
        lines.append(Content("\n"))
        lines += [Content(f"{pad(k, 18)} {_(d)}\n") for k, d in NAV_KEYS]
        lines += [Content("\n"), Content.styled(_("What the queue shows"), "bold"), Content("\n\n")]
        lines += [Content(f"{pad(mark, 18)} {meaning}\n") for mark, meaning in legend()]
        with VerticalScroll(classes="form", id="help"):
            yield Static(Content("").join(lines).rstrip())

    def on_mount(self) -> None:
        self.query_one("#help").focus()

    def action_scroll(self, where: str) -> None:
        view = self.query_one("#help", VerticalScroll)
        page = view.scrollable_content_region.height
        y = {
            "down": view.scroll_y + 1, "up": view.scroll_y - 1,
            "page_down": view.scroll_y + page, "page_up": view.scroll_y - page,
            "home": 0, "end": view.max_scroll_y,
        }[where]
        # Immediate and not animated: Textual defers scroll_end to the next
        # refresh, so "G g" typed fast would end at the bottom.
        view.scroll_to(y=max(0, min(y, view.max_scroll_y)), animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)
