"""Technician board: on-duty technicians by team, their open load and current ticket."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from store.models import Technician
from store.text import LINE_LIMIT, clean

from ..format import fit
from ..i18n import _


class TechBoard(Static):
    DEFAULT_CSS = """
    TechBoard { width: 30; height: 1fr; border-left: vkey $panel; padding: 0 1; overflow-y: auto; }
    """

    _shown: list[Technician] | None = None

    def show(self, techs: list[Technician]) -> None:
        if techs == self._shown:
            return
        self._shown = techs
        parts: list[Content] = [Content.styled(_("Technicians on duty"), "bold"), Content("\n")]
        team = None
        off = 0
        for t in techs:
            if not t.on_duty:
                off += 1
                continue
            if t.team_name != team:
                team = t.team_name
                parts += [Content("\n"), Content.styled(clean(team, single_line=True, limit=LINE_LIMIT), "underline"), Content("\n")]
            load = f"{t.open_load:>2}"
            current = f" #{t.current_ticket}" if t.current_ticket else ""
            line = Content(f"{fit(clean(t.name, single_line=True, limit=LINE_LIMIT), 12)} {load}{current}\n")
            parts.append(line.stylize("dim") if t.open_load == 0 else line)
        if off:
            parts += [Content("\n"), Content.styled(_("{n} off duty").format(n=off), "dim")]
        self.update(Content("").join(parts))
