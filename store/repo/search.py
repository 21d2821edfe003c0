"""The whole history, searched: the trigram index (migration 0005_search),
a caller's and an asset's earlier tickets, and work notes.

The index holds, per ticket, the description, reporter, site name, asset tag
and the phone's digits, kept in step by triggers in the writing transaction.
A trigram index finds substrings of >= 3 characters in any script; terms of
one or two characters are found in the index of characters and pairs
(migration 0021_search_pairs), never by reading the text."""

from __future__ import annotations

import re
from typing import Any

from ..context import Context
from ..database import Database
from ..models import Ticket
from ..rows import TICKET_SELECT, _escape_like, _ticket

TRIGRAM = 3  # the shortest text the index can look up
_ID = re.compile(r"#\s*(\d+)")
_PHONE = re.compile(r"\+?[\d\s().\-/]+")
_COLUMNS = ("description", "reporter", "site", "asset", "phone")
_TEXT = "{" + " ".join(_COLUMNS) + "} : "  # the text columns (not ``state``)
OPEN = 'state : "open"'  # the ticket is open (kept by the triggers)


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _quote(term: str) -> str:
    """One FTS5 string: the trigram tokenizer matches it as a substring."""
    return '"' + term.replace('"', '""') + '"'


def _fold(term: str) -> str:
    """ASCII letters in lower case, as SQLite's LIKE and lower() fold them (nothing else)."""
    return "".join(chr(ord(ch) + 32) if "A" <= ch <= "Z" else ch for ch in term)


def pair_token(term: str, phone: bool = False) -> str:
    """A term of one or two characters as the pair index spells it (0021_search_pairs)."""
    return ("p" if phone else "") + _fold(term).encode("utf-8").hex()


def pairs_match(short: list[str], open_only: bool = False, phone: bool = True) -> str:
    """The pair index's MATCH text: each term somewhere in the text (the phone too, with ``phone``)."""
    each = [f"({_quote(pair_token(t))} OR {_quote(pair_token(t, phone=True))})" if phone
            else _quote(pair_token(t)) for t in short]
    return " AND ".join(each + (['"open"'] if open_only else []))


PAIRS = "SELECT rowid FROM ticket_pairs WHERE ticket_pairs MATCH ?"
FEW = 16  # short terms in fewer tickets than this drive a search with long terms (SearchRepo._mixed)


def search_ids(text: str, open_only: bool = False) -> tuple[str, list[Any]] | None:
    """A subquery for the ids of tickets matching ``text`` (in the index), or
    None when ``text`` is a ``#number`` (an exact id, nothing else) or empty.
    ``open_only`` asks the index for open tickets only (the live queue)."""
    text = text.strip()
    if not text or _ID.fullmatch(text):
        return None
    both = f" AND {OPEN}" if open_only else ""
    if _PHONE.fullmatch(text) and len(digits(text)) >= TRIGRAM:
        # A phone typed with any spacing: its digits, wherever they are.
        return "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?", [
            f"{_TEXT}{_quote(digits(text))}{both}"]
    terms = text.split()
    long = [t for t in terms if len(t) >= TRIGRAM]
    short = [t for t in terms if len(t) < TRIGRAM]
    if not long:
        return PAIRS, [pairs_match(short, open_only)]
    where = "ticket_search MATCH ?"
    params: list[Any] = [f"{_TEXT}({' AND '.join(_quote(t) for t in long)}){both}"]
    if short:
        where += f" AND +rowid IN ({PAIRS})"  # "+": a list to test, not handed to the index as lookups
        params.append(pairs_match(short))
    return "SELECT rowid FROM ticket_search WHERE " + where, params


def exact_id(text: str) -> int | None:
    """``#123`` (or ``123``) -> 123: a ticket number."""
    text = text.strip()
    found = _ID.fullmatch(text)
    if found:
        return int(found.group(1))
    return int(text) if text.isdigit() else None


# Open tickets of the technicians whose name is LIKE the parameter.
_TECHNICIAN = ("SELECT id FROM tickets WHERE is_open = 1 AND technician_id IN"
               " (SELECT id FROM technicians WHERE name LIKE ? ESCAPE '\\')")


def text_condition(text: str) -> tuple[str, list[Any]]:
    """The WHERE part for the live queue's search over tickets ``t``:
    ``#123`` is that ticket only; digits alone are also that ticket number;
    anything else goes through the index, open tickets only; the
    technician's name matches too (the queue shows it)."""
    text = text.strip()
    if _ID.fullmatch(text):
        return "t.id = ?", [exact_id(text)]
    parts: list[str] = []
    params: list[Any] = []
    sub = search_ids(text, open_only=True)
    if sub is not None:
        parts.append(sub[0])
        params += sub[1]
    parts.append(_TECHNICIAN)
    params.append(f"%{_escape_like(text)}%")
    if text.isdigit():
        parts.append("SELECT ?")
        params.append(int(text))
    # One id list (a UNION, not ORs): the matches drive the read, by rowid,
    # instead of every open ticket being tested against each alternative.
    return f"t.id IN ({' UNION '.join(parts)})", params


def short_condition(text: str) -> tuple[str, list[Any]]:
    """The WHERE part for the live queue's filter by a text of one or two
    characters over tickets ``t``: the description, reporter, site, asset tag
    or technician's name holds it (not the phone), or it is the ticket's
    number. From the pair index, open tickets only: never a scan."""
    parts = [PAIRS, _TECHNICIAN]
    params: list[Any] = [pairs_match([text], open_only=True, phone=False), f"%{_escape_like(text)}%"]
    if text.isdigit():
        parts.append("SELECT ?")
        params.append(int(text))
    return f"t.id IN ({' UNION '.join(parts)})", params


class SearchRepo:
    def __init__(self, db: Database, ctx: Context):
        self.db, self.ctx = db, ctx

    def find(self, text: str, limit: int = 50, offset: int = 0) -> list[Ticket]:
        """Open and closed tickets matching ``text``, newest first."""
        text = text.strip()
        if not text:
            return []
        if _ID.fullmatch(text):
            rows = self.db.q(TICKET_SELECT + " WHERE t.id = ?", (exact_id(text),))
            return [_ticket(r) for r in rows][offset:offset + limit]
        sub = self._mixed(text) or search_ids(text)
        assert sub is not None
        # The window is taken in the index (rowid order, newest first), so only
        # ``limit`` tickets are read whatever the number of matches.
        sql = f"{sub[0]} ORDER BY rowid DESC LIMIT ? OFFSET ?"
        where, params = f"t.id IN ({sql})", [*sub[1], limit, offset]
        if text.isdigit() and offset == 0:
            where, params = f"({where} OR t.id = ?)", [*params, int(text)]
        rows = self.db.q(TICKET_SELECT + f" WHERE {where} ORDER BY t.id DESC", params)
        return [_ticket(r) for r in rows]

    def _mixed(self, text: str) -> tuple[str, list[Any]] | None:
        """Long and short terms together, when the short terms are rare:
        their few tickets each tested against the long terms (`ATM zq`: 85
        -> 0.3 ms at 1M tickets), where the long terms' matches (226,000
        for ATM) were each tested against the short terms' list. None for any
        other text (search_ids): testing each of many tickets against the
        index one by one costs far more (a probe per ticket; 40 s for two
        common terms rarely found together)."""
        terms = text.split()
        long = [t for t in terms if len(t) >= TRIGRAM]
        short = [t for t in terms if len(t) < TRIGRAM]
        if not long or not short or (_PHONE.fullmatch(text) and len(digits(text)) >= TRIGRAM):
            return None
        pairs = pairs_match(short)
        if self.db.value(f"SELECT COUNT(*) FROM ({PAIRS} LIMIT ?)", [pairs, FEW]) >= FEW:
            return None
        return ("SELECT rowid FROM ticket_pairs p WHERE ticket_pairs MATCH ? AND EXISTS (SELECT 1 FROM"
                " ticket_search s WHERE s.rowid = p.rowid AND ticket_search MATCH ?)",
                [pairs, f"{_TEXT}({' AND '.join(_quote(t) for t in long)})"])

    def earlier_tickets(self, phone: str | None = None, equipment_id: int | None = None,
                        limit: int = 20) -> list[Ticket]:
        """The caller's (same phone digits, however typed) and the asset's
        tickets, open and closed, newest first."""
        parts: list[str] = []
        params: list[Any] = []
        number = digits(phone or "")
        if len(number) >= TRIGRAM:
            parts.append("SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? AND phone = ?")
            params += [f"phone : {_quote(number)}", number]
        if equipment_id is not None:
            parts.append("SELECT id FROM tickets WHERE equipment_id = ?")
            params.append(equipment_id)
        if not parts:
            return []
        rows = self.db.q(TICKET_SELECT + f" WHERE t.id IN ({' UNION '.join(parts)}) ORDER BY t.id DESC LIMIT ?",
                       [*params, limit])
        return [_ticket(r) for r in rows]
