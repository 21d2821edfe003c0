"""Concurrent edits merged field by field (docs/rules.md "Concurrent edits").

Two dispatchers open the same ticket at version V. The first saves; the
second's save is stale. Instead of refusing it, the store compares, field by
field, what the first changed (V → the row now: "theirs") with what the
second changed (V → the form: "yours"):

- a field only one of them changed: both are kept (yours on top of theirs);
- a field both changed to the same value: nothing to do;
- a field both changed to different values: a conflict, the person chooses.

The original values at V are not taken from the client: they are the row now
with the ``old`` values of the events since V put back (each write bumps the
version once and records ``old`` → ``new``), so a script that only knows V
(``dispatch ticket edit N --version V``) is merged as the console is.

Site and equipment are one answer (the equipment must be at the site): when
both people touched the place and their places differ, every field of the
place that differs is a conflict. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .replay import REMARKS

# Fields that are answered together: a change to one is judged with the others.
GROUPS: tuple[tuple[str, ...], ...] = (("site_id", "equipment_id"),)


@dataclass(frozen=True)
class Merged:
    """What the other writers changed meanwhile and this write kept: recorded
    in the audit event (``new["merged"]``) and told to the person saving."""

    version: int  # the version the person's change was based on
    fields: tuple[str, ...]  # the fields the others changed since that version
    by: tuple[str, ...]  # who made those changes, first to last, each once

    def record(self) -> dict[str, Any]:
        return {"version": self.version, "fields": list(self.fields), "by": list(self.by)}


@dataclass(frozen=True)
class Outcome:
    write: dict[str, Any]  # yours, to write on top of the row now
    conflicts: dict[str, tuple[Any, Any, Any]] = field(default_factory=dict)  # field: (original, theirs, yours)


def original(row: Mapping[str, Any], later: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The row as it was before ``later`` (the events since the version seen,
    oldest first, ``old``/``new`` parsed): their ``old`` values put back, newest first."""
    state = dict(row)
    for e in reversed(later):
        state.update({k: v for k, v in (e.get("old") or {}).items() if k in state})
    return state


def changed_fields(later: Sequence[Mapping[str, Any]], before: Mapping[str, Any],
                   now: Mapping[str, Any]) -> tuple[str, ...]:
    """The ticket fields the events changed and that still differ from before them, in first-changed order."""
    seen: dict[str, None] = {}
    for e in later:
        for k in (e.get("new") or {}):
            if k not in REMARKS and k in now and now[k] != before.get(k):
                seen[k] = None
    return tuple(seen)


def actors(later: Iterable[Mapping[str, Any]], fields: Iterable[str]) -> tuple[str, ...]:
    """Who wrote ``fields`` (or a field answered with one of them) in
    ``later``, first to last, each once (not who only moved other fields)."""
    wanted = {g for k in fields for g in _group(k)}
    return tuple(dict.fromkeys(str(e.get("actor") or "?") for e in later if wanted & set(e.get("new") or {})))


def _group(key: str) -> tuple[str, ...]:
    return next((g for g in GROUPS if key in g), (key,))


def merge(base: Mapping[str, Any], theirs: Mapping[str, Any], yours: Mapping[str, Any]) -> Outcome:
    """``base``: the fields at the version seen; ``theirs``: the row now;
    ``yours``: the values the person asked for (only the fields they set;
    one equal to ``base`` is not a change of theirs)."""
    mine = {k: v for k, v in yours.items() if v != base.get(k)}
    write: dict[str, Any] = {}
    conflicts: dict[str, tuple[Any, Any, Any]] = {}
    for group in dict.fromkeys(_group(k) for k in mine):
        wanted = {k: mine.get(k, base.get(k)) for k in group}
        they_touched = any(theirs.get(k) != base.get(k) for k in group)
        differ = [k for k in group if wanted[k] != theirs.get(k)]
        if they_touched and differ:
            conflicts.update({k: (base.get(k), theirs.get(k), wanted[k]) for k in differ})
        else:
            write.update({k: wanted[k] for k in differ})
    return Outcome(write, conflicts)
