"""The whole history, searched: the trigram index (migration 0005_search),
a caller's and an asset's earlier tickets, and work notes.

The index holds, per ticket, the description, reporter, site name, asset tag
and the phone's digits, kept in step by triggers in the writing transaction.
A trigram index finds substrings of >= 3 characters in any script; terms of
one or two characters are found in the index of characters and pairs
(migration 0021_search_pairs), never by reading the text."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from typing import Any

from ..context import Context
from ..database import Database
from ..db import explain
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
    each = [f"({_quote(pair_token(t))} OR {_quote(pair_token(t, phone=True))})" if phone else _quote(pair_token(t)) for t in short]
    return " AND ".join(each + (['"open"'] if open_only else []))


PAIRS = "SELECT rowid FROM ticket_pairs WHERE ticket_pairs MATCH ?"
FEW = 16  # candidates in fewer tickets than this are each probed in the trigram index (SearchRepo._together)
TAKEN = 2  # pairs of the long terms added to the candidates' tokens (the least CPU over search_bench.py's pairs of terms)
CAP = 1000  # long terms in fewer tickets than this drive, each ticket's text tested for the short terms
PROBE = 256  # trigram index entries walked for the cost of one probe of it (a seek: 0.02-0.1 ms against 0.2 µs)
MOST = 4096  # candidates per round of the merge, from FEW doubling: a whole history in a few hundred rounds at most
POSITIONS = 4096  # characters of each text the pair index holds (0021_search_pairs)
_LIVE = 1 << 62  # above any ticket id


def _alike(ch: str) -> bool:
    """Whether the trigram index and the pair index fold ``ch`` alike. The
    trigram tokenizer folds case by Unicode: "k" and "s" also match the Kelvin
    sign and the long s, and cased letters outside ASCII fold to each other,
    where the pair index folds ASCII only (as LIKE). Letters with no case (CJK)
    and ASCII other than k and s are the same character in both
    (tests/test_search_together.py checks this against SQLite's own folding)."""
    return ch not in "kKsS" if ch < "\x80" else unicodedata.category(ch) == "Lo"


def cover(long: list[str], most: int) -> list[str]:
    """Pairs of characters every ticket matching the long terms holds in the
    pair index: a condition the pair index can test with the short terms
    (``ATM q``: q AND at AND tm), necessary but not sufficient (A-T-M apart),
    so the trigram index still decides. Pairs that do not overlap, and the
    last one, so a term's characters are each in one pair; then at most
    ``most`` of those, spread over the terms: each token costs the pair index
    a seek per candidate, each token fewer lets more candidates through to
    the trigram index."""
    found: list[str] = []
    for term in long:
        starts = list(range(0, len(term) - 1, 2))
        if len(term) % 2:
            starts.append(len(term) - 2)
        for i in starts:
            pair = _fold(term[i : i + 2])
            if _alike(pair[0]) and _alike(pair[1]) and pair not in found:
                found.append(pair)
    if len(found) <= most:
        return found
    return [found[i * len(found) // most] for i in range(most)]


def short_test(short: list[str]) -> tuple[str, list[Any]]:
    """SQL over ``ticket_search``'s own text: each short term in one of the
    columns, exactly as the pair index answers it (ASCII folded by lower(),
    the first POSITIONS characters of each text)."""
    each = []
    params: list[Any] = []
    for term in short:
        each.append("(" + " OR ".join(f"instr(lower(substr({c}, 1, ?)), ?) > 0" for c in _COLUMNS) + ")")
        params += [POSITIONS - 1 + len(term), _fold(term)] * len(_COLUMNS)
    return " AND ".join(each), params


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
        return "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?", [f"{_TEXT}{_quote(digits(text))}{both}"]
    terms = text.split()
    long = [t for t in terms if len(t) >= TRIGRAM]
    short = [t for t in terms if len(t) < TRIGRAM]
    if not long:
        return PAIRS, [pairs_match(short, open_only)]
    where = "ticket_search MATCH ?"
    params: list[Any] = [f"{_TEXT}({' AND '.join(_quote(t) for t in long)}){both}"]
    if short:
        where += f" AND +rowid IN ({PAIRS})"  # "+": a list to test, not handed to the index as lookups
        # The list, of open tickets only when only they are asked: a common short
        # term ("e", "1") is in most of a history's tickets, and a list of all of
        # them took 120-240 ms at 1M (15-33 ms of the open ones; bench/search_bench.py).
        params.append(pairs_match(short, open_only))
    return "SELECT rowid FROM ticket_search WHERE " + where, params


def exact_id(text: str) -> int | None:
    """``#123`` (or ``123``) -> 123: a ticket number."""
    text = text.strip()
    found = _ID.fullmatch(text)
    if found:
        return int(found.group(1))
    return int(text) if text.isdigit() else None


# Open tickets of the technicians whose name is LIKE the parameter.
_TECHNICIAN = "SELECT id FROM tickets WHERE is_open = 1 AND technician_id IN (SELECT id FROM technicians WHERE name LIKE ? ESCAPE '\\')"


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
            return [_ticket(r) for r in rows][offset : offset + limit]
        found = self._together(text, limit + offset)
        if found is not None:
            rows = self.db.q(
                TICKET_SELECT + " WHERE t.id IN (SELECT value FROM json_each(?)) ORDER BY t.id DESC",
                [json.dumps(found[offset : offset + limit])],
            )
            return [_ticket(r) for r in rows]
        sub = search_ids(text)
        assert sub is not None
        # The window is taken in the index (rowid order, newest first), so only
        # ``limit`` tickets are read whatever the number of matches.
        sql = f"{sub[0]} ORDER BY rowid DESC LIMIT ? OFFSET ?"
        where, params = f"t.id IN ({sql})", [*sub[1], limit, offset]
        if text.isdigit() and offset == 0:
            where, params = f"({where} OR t.id = ?)", [*params, int(text)]
        rows = self.db.q(TICKET_SELECT + f" WHERE {where} ORDER BY t.id DESC", params)
        return [_ticket(r) for r in rows]

    def _together(self, text: str, want: int) -> list[int] | None:
        """The ids of the ``want`` newest tickets holding long and short terms
        together (``ATM e``), or None for any other text (search_ids).

        Before, every match of the long terms was tested against the list of
        every ticket holding the short ones: ``ATM e`` built a list of
        620,000 ids at 1M tickets to keep 50 (300-700 ms). Now the newest
        matches are found first, and the work stops at ``want``:

        - *candidates*: the short terms and two pairs of the long ones
          (``cover``) in the pair index, which intersects them itself,
          newest first. In fewer than FEW tickets: each probed in the
          trigram index (``ATM zq``; ``ATM q``: 9,765 q, none with a-t and
          t-m);
        - *few long matches* (under CAP): they drive, each ticket's own text
          tested for the short terms (``ask e``);
        - *a merge*: candidates in rounds of FEW doubling to MOST, each
          round checked against the long terms by walking the trigram index
          over the round's span of ids (dense: ``ATM e``'s first 16
          candidates span about 130 ids); when that walk would cost more
          than probing each candidate (sparse: ``ter q``, 135 candidates in
          the whole history), the rest in one statement probing each
          candidate, which stops at ``want``.

        All in one read transaction: one snapshot of the file."""
        terms = text.split()
        long = [t for t in terms if len(t) >= TRIGRAM]
        short = [t for t in terms if len(t) < TRIGRAM]
        if not long or not short or (_PHONE.fullmatch(text) and len(digits(text)) >= TRIGRAM):
            return None
        with self.db.reader() as conn:
            own = not conn.in_transaction
            try:
                if own:
                    conn.execute("BEGIN")
                return _together(
                    conn,
                    f"{_TEXT}({' AND '.join(_quote(t) for t in long)})",
                    pairs_match(short + cover(long, TAKEN)),
                    short_test(short),
                    want,
                )
            except sqlite3.DatabaseError as exc:  # locked, corrupt, vanished: one line
                raise explain(self.db.path, exc) from None
            finally:
                if own and conn.in_transaction:
                    conn.execute("ROLLBACK")

    def earlier_tickets(self, phone: str | None = None, equipment_id: int | None = None, limit: int = 20) -> list[Ticket]:
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
        rows = self.db.q(TICKET_SELECT + f" WHERE t.id IN ({' UNION '.join(parts)}) ORDER BY t.id DESC LIMIT ?", [*params, limit])
        return [_ticket(r) for r in rows]


_PROBE = (
    "SELECT value FROM json_each(?) c WHERE EXISTS (SELECT 1 FROM ticket_search s"
    " WHERE s.rowid = c.value AND ticket_search MATCH ?) ORDER BY value DESC"
)
_STREAM = (
    "SELECT rowid FROM ticket_pairs p WHERE ticket_pairs MATCH ? AND rowid <= ? AND EXISTS (SELECT 1 FROM ticket_search s"
    " WHERE s.rowid = p.rowid AND ticket_search MATCH ?) ORDER BY rowid DESC LIMIT ?"
)
_WALK = (
    "SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? AND rowid BETWEEN ? AND ?"
    " AND +rowid IN (SELECT value FROM json_each(?)) ORDER BY rowid DESC"
)


def _together(conn: sqlite3.Connection, long: str, pairs: str, test: tuple[str, list[Any]], want: int) -> list[int]:
    """SearchRepo._together's reads: ``long`` the trigram index's MATCH,
    ``pairs`` the pair index's (the candidates), ``test`` the short terms'
    test of a ticket's text."""

    def ids(sql: str, params: list[Any]) -> list[int]:
        return [r[0] for r in conn.execute(sql, params)]

    newest_first = PAIRS + " AND rowid < ? ORDER BY rowid DESC LIMIT ?"
    size = max(FEW, 1)
    batch = ids(newest_first, [pairs, _LIVE, size])  # the first round: read once, whichever way follows
    if len(batch) < FEW:
        return ids(_PROBE, [json.dumps(batch), long])[:want]
    n, newest, oldest = conn.execute(
        "SELECT COUNT(*), MAX(rowid), MIN(rowid) FROM (SELECT rowid FROM ticket_search WHERE ticket_search MATCH ?"
        " ORDER BY rowid DESC LIMIT ?)",
        [long, CAP],
    ).fetchone()
    if n < CAP or not n:
        return ids(
            f"SELECT rowid FROM ticket_search WHERE ticket_search MATCH ? AND {test[0]} ORDER BY rowid DESC LIMIT ?", [long, *test[1], want]
        )
    density = n / (newest - oldest + 1)  # of the long terms' matches among ids, as in the newest
    found: list[int] = []
    while batch:
        if density * (batch[0] - batch[-1] + 1) > PROBE * len(batch):
            # Candidates sparse among the long terms' matches: each probed, in
            # one statement that stops at ``want`` (no rounds to seek again).
            return found + ids(_STREAM, [pairs, batch[0], long, want - len(found)])
        else:
            found += ids(_WALK, [long, batch[-1], batch[0], json.dumps(batch)])
        if len(found) >= want or len(batch) < size:
            break
        size = min(max(size * 2, want - len(found)), MOST)  # at least what is missing: 50 in two rounds when dense
        batch = ids(newest_first, [pairs, batch[-1], size])
    return found[:want]
