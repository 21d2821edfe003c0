"""The audit chain: each event's hash covers its content and the hash of the
event before it, so an event edited, removed or slipped in after the fact
breaks the chain at that point (README "A history nobody can quietly rewrite").

Pure: no SQL here. The hash is over the values as they are stored (``old`` and
``new`` are the stored JSON text, not re-encoded), so any change to a stored
byte shows, and verifying needs no JSON parsing.

What a chain cannot do: anyone who can write the file can also recompute every
hash after an edit, or append an event of their own with a correct hash. A
head (the last event's ``ID:HASH``) kept somewhere else shows the first: the
history in a later file must still hold it (store/anchors.py: the heads log of
``dispatch backup``, ``dispatch check --head`` and ``--anchor``). Nothing shows
the second for what came after the last head kept."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# The "previous hash" of the first event.
GENESIS = "0" * 64

# The columns an event's hash covers, in this order. The id is not among them:
# the chain's order is the id order, and ``prev`` ties each event to the one before.
FIELDS = ("at", "actor", "entered_by", "action", "entity", "entity_id", "ticket_id", "old", "new")


def canonical(event: Mapping[str, Any] | Sequence[Any]) -> str:
    """The canonical JSON of an event's content: its FIELDS as a list, compact,
    UTF-8 as is. A mapping is read by name, a sequence must be in FIELDS order."""
    values = [event[f] for f in FIELDS] if isinstance(event, Mapping) else list(event)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def link(prev: str, event: Mapping[str, Any] | Sequence[Any]) -> str:
    """The hash of an event that follows the event hashed ``prev``."""
    return hashlib.sha256((prev + canonical(event)).encode("utf-8", "surrogatepass")).hexdigest()


def chain(prev: str, events: Sequence[Mapping[str, Any] | Sequence[Any]]) -> list[tuple[str, str]]:
    """(prev, hash) for each of ``events`` in order, the first following ``prev``."""
    out = []
    for e in events:
        h = link(prev, e)
        out.append((prev, h))
        prev = h
    return out


# json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str),
# the same text, with one encoder made once (a million rows: json.dumps made one each).
_ROW_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def row_json(values: Sequence[Any]) -> str:
    """One row's text in a ``RowDigest`` (before its newline)."""
    return _ROW_JSON(values)


class RowDigest:
    """One hash over many ticket rows (a bulk load's), fed in id order: the
    load's event records it, and the check recomputes it from the rows."""

    def __init__(self, columns: Sequence[str]):
        self.columns = list(columns)
        self.count = 0
        self._h = hashlib.sha256()

    def add(self, row: Mapping[str, Any]) -> None:
        self.add_values([row.get(c) for c in self.columns])

    def add_values(self, values: Sequence[Any]) -> None:
        """A row as its values in ``columns`` order (a list or tuple: the same text)."""
        self._h.update(row_json(values).encode("utf-8", "surrogatepass") + b"\n")
        self.count += 1

    def add_texts(self, texts: Iterable[str]) -> None:
        """Rows as their JSON texts (``row_json`` of their values, or the same
        text made otherwise), hashed a chunk at a time."""
        chunk: list[str] = []
        for text in texts:
            chunk.append(text)
            if len(chunk) == 4096:
                self._update(chunk)
        self._update(chunk)

    def _update(self, chunk: list[str]) -> None:
        if chunk:
            chunk.append("")  # each row ends with a newline
            self._h.update("\n".join(chunk).encode("utf-8", "surrogatepass"))
            self.count += len(chunk) - 1
            chunk.clear()

    def hexdigest(self) -> str:
        return self._h.hexdigest()
