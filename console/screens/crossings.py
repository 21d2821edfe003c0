"""The toast when a ticket's clock crosses into at risk or breached: a few a
minute of their own, beyond that one summary a minute. Mixed into the main
screen (the counts line shows every crossing at once anyway)."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime
from textual.screen import Screen

from store.models import Crossing
from store.rules.countdown import clock_title, state_label
from store.text import clean

from ..console_app import OnConsole
from ..i18n import _, ngettext

CROSSING_TOASTS_A_MINUTE = 3  # toasts of their own for crossings; more are summed into one a minute


class CrossingToasts(OnConsole, Screen[Any]):
    _burst = 0  # crossings counted since the last summary toast
    _last_burst: DateTime | None = None

    def _notify_crossings(self, crossings: list[Crossing]) -> None:
        if not crossings:
            return
        now = self.app.clock()
        # When the last minute's crossing toasts were shown.
        toasted: list[DateTime] = [t for t in getattr(self, "_toasted", []) if (now - t).total_seconds() < 60]
        self._toasted = toasted
        # A toast repaints what it covers as it comes, moves and goes: a file
        # whose clocks cross a few times a second (100,000 open) would stack a
        # new one every poll (~8 KB/s and 60 ms/s of CPU measured). A few a
        # minute are toasts of their own; beyond that they are counted into
        # one summary toast a minute (the counts line shows them at once).
        if len(crossings) > 3 or len(toasted) + len(crossings) > CROSSING_TOASTS_A_MINUTE:
            self._burst += len(crossings)
            if self._last_burst is None or (now - self._last_burst).total_seconds() >= 60:
                self.notify(ngettext("{n} ticket crossed into at risk or breached.",
                                     "{n} tickets crossed into at risk or breached.", self._burst).format(n=self._burst),
                            severity="warning", markup=False)
                self._last_burst, self._burst = now, 0
            return
        for c in crossings:
            toasted.append(now)
            self.notify(
                _("#{id} {site}: {clock} {state}").format(
                    id=c.ticket_id, site=clean(c.site_name, single_line=True),
                    clock=clock_title(c.clock), state=state_label(c.state)),
                severity="error" if c.state == "breached" else "warning", markup=False,
            )
