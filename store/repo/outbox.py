"""Notifications (issue 24): people's addresses, and the outbox the sender
(store/sender.py, ``dispatch notify``) works through.

A message is put in the outbox by ``enqueue``, inside the write that makes
the change it reports, and only for a person who has an address then
(nothing configured: nothing queued, nothing sent, no error). Its addresses
are read when it is sent, so a token is never copied into the outbox.

The sender records each attempt in a short write of its own, after the
network call: a sender killed between sending and recording sends that one
message again on its next pass (at least once; the outbox id is in the
text, so a duplicate can be spotted), and never loses one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..context import Context
from ..database import Database, Tx
from ..delivery import Delivery, Retry, check_addresses, check_retry
from ..errors import NotFound, RuleViolation
from ..i18n import _
from ..rules.notices import Assignment, Notice, from_json, to_json
from ..rules.notified import TicketNotified
from ..timeutil import from_db, to_db
from .notified import ticket_notified
from .settings import SettingsRepo

_COLUMNS = ("id", "created_at", "recipient", "lang", "notice", "state", "attempts", "next_at", "last_error", "sent_to",
            "sent_at", "ticket_id")


def _urls(text: str | None) -> list[str]:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    return [u for u in value if isinstance(u, str)] if isinstance(value, list) else []


def _addressed(tx: Tx, recipient: str) -> tuple[list[str], str | None]:
    """(the recipient's addresses, their language) as the file holds them now."""
    kind, _sep, key = recipient.partition(":")
    if kind == "user":
        row = tx.execute("SELECT notify_urls, language FROM users WHERE login = ? AND NOT disabled", (key,)).fetchone()
        return (_urls(row[0]), row[1]) if row else ([], None)
    if kind == "site":  # a site's contact (an inspection's notice, store/repo/inspection_notices.py)
        row = tx.execute("SELECT notify_urls, language FROM sites WHERE id = ?", (int(key) if key.isdigit() else -1,)).fetchone()
        return (_urls(row[0]), row[1]) if row else ([], None)
    row = tx.execute("SELECT notify_urls FROM technicians WHERE id = ?", (int(key) if key.isdigit() else -1,)).fetchone()
    return (_urls(row[0]), None) if row else ([], None)


def enqueue(tx: Tx, recipients: Sequence[str], notice: Notice, now: str) -> list[dict[str, Any]]:
    """Queue ``notice`` for each recipient (``user:LOGIN``, ``technician:ID``)
    that has an address, inside the caller's write; the rows as written, for
    the caller's audit event (``new["outbox"]``: store/rules/ledger.py replays them)."""
    out = []
    text = to_json(notice)
    for recipient in dict.fromkeys(recipients):
        urls, lang = _addressed(tx, recipient)
        if not urls:
            continue
        cur = tx.execute("INSERT INTO outbox (created_at, recipient, lang, notice, next_at, ticket_id) VALUES (?, ?, ?, ?, ?, ?)",
                         (now, recipient, lang, text, now, notice.ticket_id))
        out.append({"id": cur.lastrowid, "created_at": now, "recipient": recipient, "lang": lang, "notice": text,
                    "state": "pending", "attempts": 0, "next_at": now, "ticket_id": notice.ticket_id})
    return out


def queue_assignment(tx: Tx, row: dict[str, Any], *, reassigned: bool, tz: str, now: str) -> None:
    """The technician's message for a ticket just (re)assigned to them
    (``row``: the ticket as the write leaves it), with its own audit event."""
    info = tx.execute("SELECT s.name AS site, e.asset_tag AS tag, e.model AS model FROM tickets t"
                      " JOIN sites s ON s.id = t.site_id LEFT JOIN equipment e ON e.id = t.equipment_id WHERE t.id = ?",
                      (row["id"],)).fetchone()
    equipment = " ".join(x for x in (info["tag"], info["model"]) if x) if info is not None else ""
    notice = Assignment(ticket_id=row["id"], priority=row["priority"], site=info["site"] if info else "",
                        fault=row.get("description") or "", tz=tz, equipment=equipment or None, reassigned=reassigned,
                        clock=row.get("next_clock"), due=from_db(row.get("due_at")))
    queued = enqueue(tx, [f"technician:{row['technician_id']}"], notice, now)
    if queued:
        tx.event("notify.queue", "outbox", queued[0]["id"], row["id"], {}, {"outbox": queued})


def _mark_notified(tx: Tx, row: OutboxRow, sent_at: str) -> None:
    """The first assignment message of a ticket delivered: the ticket's
    ``notified_at`` (the 15-minute figure), in the write that records the
    delivery, with an event of its own in the ticket's timeline
    (``ticket.notified``: entity outbox, so the ticket's version and its
    replay do not move; ``dispatch check`` compares the column with these
    events, store/repo/audit_tables.py ``check_notified``)."""
    if row.ticket_id is None or not row.recipient.startswith("technician:"):
        return
    try:
        if from_json(row.notice).kind != "assignment":
            return
    except ValueError:
        return
    cur = tx.execute("UPDATE tickets SET notified_at = ? WHERE id = ? AND notified_at IS NULL", (sent_at, row.ticket_id))
    if cur.rowcount == 1:
        tx.event("ticket.notified", "outbox", row.id, row.ticket_id, {"notified_at": None},
                 {"notified_at": sent_at, "technician_id": int(row.recipient.partition(":")[2])})


@dataclass(frozen=True)
class OutboxRow:
    id: int
    created_at: str
    recipient: str
    lang: str | None
    notice: str
    state: str
    attempts: int
    next_at: str | None
    last_error: str | None
    sent_to: tuple[int, ...]
    sent_at: str | None
    ticket_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items() if k != "notice"}


def _row(r: Any) -> OutboxRow:
    d = dict(r)
    d["sent_to"] = tuple(json.loads(d["sent_to"])) if d["sent_to"] else ()
    return OutboxRow(**{k: d[k] for k in _COLUMNS})


class OutboxRepo:
    def __init__(self, db: Database, ctx: Context, settings: SettingsRepo):
        self.db, self.ctx, self.settings = db, ctx, settings

    # ----------------------------------------------------------- addresses
    def user_addresses(self, login: str) -> list[str]:
        row = self.db.one("SELECT notify_urls FROM users WHERE login = ?", (login,))
        if row is None:
            raise NotFound(_("No user {login}").format(login=login))
        return _urls(row[0])

    def technician_addresses(self, technician_id: int) -> list[str]:
        row = self.db.one("SELECT notify_urls FROM technicians WHERE id = ?", (technician_id,))
        if row is None:
            raise NotFound(_("No technician #{id}").format(id=technician_id))
        return _urls(row[0])

    def set_user_addresses(self, login: str, urls: Sequence[str]) -> list[str]:
        """A person's addresses (none: cleared). Managers set anyone's; everyone their own."""
        checked = check_addresses(urls)
        text = json.dumps(checked, ensure_ascii=False) if checked else None
        action = "self.address" if login == self.ctx.actor else "user.address"
        with self.db.write(action) as tx:
            row = tx.execute("SELECT notify_urls FROM users WHERE login = ?", (login,)).fetchone()
            if row is None:
                raise NotFound(_("No user {login}").format(login=login))
            if row[0] != text:
                tx.execute("UPDATE users SET notify_urls = ? WHERE login = ?", (text, login))
                # The addresses ride in ``row`` (hidden in the timeline: they may hold tokens).
                tx.event(action, "user", None, None, {"login": login, "addresses": len(_urls(row[0])), "row": {"notify_urls": row[0]}},
                         {"login": login, "addresses": len(checked), "row": {"notify_urls": text}})
        return checked

    def set_technician_addresses(self, technician_id: int, urls: Sequence[str]) -> list[str]:
        """A technician's addresses (none: cleared); managers only."""
        checked = check_addresses(urls)
        text = json.dumps(checked, ensure_ascii=False) if checked else None
        with self.db.write("technician.address") as tx:
            row = tx.execute("SELECT notify_urls FROM technicians WHERE id = ?", (technician_id,)).fetchone()
            if row is None:
                raise NotFound(_("No technician #{id}").format(id=technician_id))
            if row[0] != text:
                tx.execute("UPDATE technicians SET notify_urls = ? WHERE id = ?", (text, technician_id))
                tx.event("technician.address", "technician", technician_id, None,
                         {"addresses": len(_urls(row[0])), "row": {"notify_urls": row[0]}},
                         {"addresses": len(checked), "row": {"notify_urls": text}})
        return checked

    # --------------------------------------------------------------- reads
    def retry(self) -> Retry:
        value = self.settings.setting("notify_retry")
        return check_retry(value) if value is not None else Retry()

    def due(self, limit: int = 50) -> list[OutboxRow]:
        """Pending messages whose next attempt is due, oldest first."""
        now = to_db(self.ctx.now())
        return [_row(r) for r in self.db.q(
            "SELECT * FROM outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?", (now, limit))]

    def message(self, outbox_id: int) -> OutboxRow:
        row = self.db.one("SELECT * FROM outbox WHERE id = ?", (outbox_id,))
        if row is None:
            raise NotFound(_("No message #{id} in the outbox").format(id=outbox_id))
        return _row(row)

    def addresses_of(self, recipient: str) -> list[str]:
        kind, _sep, key = recipient.partition(":")
        if kind == "user":
            row = self.db.one("SELECT notify_urls FROM users WHERE login = ? AND NOT disabled", (key,))
        elif kind == "site":
            row = self.db.one("SELECT notify_urls FROM sites WHERE id = ?", (int(key) if key.isdigit() else -1,))
        else:
            row = self.db.one("SELECT notify_urls FROM technicians WHERE id = ?", (int(key) if key.isdigit() else -1,))
        return _urls(row[0]) if row else []

    def notified(self, ticket_id: int) -> TicketNotified:
        """When the ticket's technician was first told, and how long after the report; or why not."""
        with self.db.reader() as conn:
            return ticket_notified(conn, ticket_id)

    def messages(self, limit: int = 500) -> list[OutboxRow]:
        """The outbox as the managers' Messages screen lists it: those given
        up on first, then those waiting (the next try first), then those
        sent, newest first; at most ``limit``."""
        return [_row(r) for r in self.db.q(
            "SELECT * FROM outbox ORDER BY CASE state WHEN 'failed' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END,"
            " CASE state WHEN 'pending' THEN next_at END, id DESC LIMIT ?", (limit,))]

    def failed_count(self) -> int:
        """How many messages were given up on (the main screen's mark; one range of outbox_due)."""
        return int(self.db.value("SELECT COUNT(*) FROM outbox WHERE state = 'failed'"))

    def status(self, failed_limit: int = 20) -> dict[str, Any]:
        """Counts by state, and the messages given up on, newest first."""
        counts = {r[0]: r[1] for r in self.db.q("SELECT state, COUNT(*) FROM outbox GROUP BY state")}
        failed = [_row(r) for r in self.db.q("SELECT * FROM outbox WHERE state = 'failed' ORDER BY id DESC LIMIT ?",
                                             (failed_limit,))]
        return {"pending": counts.get("pending", 0), "sent": counts.get("sent", 0), "failed": counts.get("failed", 0),
                "given_up": [f.to_json() for f in failed]}

    # ------------------------------------------------------------- attempts
    def record_attempt(self, outbox_id: int, delivery: Delivery, index_map: Sequence[int]) -> OutboxRow:
        """Record one attempt: the addresses that took it (``index_map``: the
        1-based places, in the person's list, of the addresses tried), and
        either sent, the next try (with backoff) or, after the last, failed."""
        retry = self.retry()
        with self.db.write("notify.send") as tx:
            r = tx.execute("SELECT * FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
            if r is None:
                raise NotFound(_("No message #{id} in the outbox").format(id=outbox_id))
            before = _row(r)
            if before.state != "pending":
                return before  # recorded already (two senders despite the lock): nothing twice
            now = self.ctx.now()
            took = sorted({*before.sent_to, *(index_map[o.index - 1] for o in delivery.outcomes if o.ok)})
            attempts = before.attempts + 1
            new: dict[str, Any] = {"attempts": attempts, "sent_to": json.dumps(took) if took else None,
                                   "last_error": delivery.error}
            if delivery.ok:
                new.update(state="sent", sent_at=to_db(now), next_at=None)
            else:
                nxt = retry.next_at(attempts, now)
                new.update(state="pending" if nxt is not None else "failed", next_at=to_db(nxt), sent_at=None)
            old = {k: getattr(before, k) for k in new}
            old["sent_to"] = json.dumps(list(before.sent_to)) if before.sent_to else None
            tx.execute(f"UPDATE outbox SET {', '.join(f'{k} = :{k}' for k in new)} WHERE id = :id", {**new, "id": outbox_id})
            tx.event("notify.sent" if delivery.ok else "notify.failed", "outbox", outbox_id, None, old, new)
            if delivery.ok:
                _mark_notified(tx, before, new["sent_at"])
        return self.message(outbox_id)

    def requeue(self, outbox_id: int) -> OutboxRow:
        """A message given up on, queued again (managers: ``notify.retry``,
        audited): due at once, with a fresh set of attempts; the addresses
        that took it already are not sent it again, and its last error stays
        until the next attempt replaces it."""
        with self.db.write("notify.retry") as tx:
            r = tx.execute("SELECT * FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
            if r is None:
                raise NotFound(_("No message #{id} in the outbox").format(id=outbox_id))
            before = _row(r)
            if before.state != "failed":
                raise RuleViolation(_("Message #{id} was not given up on: only a failed message is queued again").format(
                    id=outbox_id))
            new: dict[str, Any] = {"state": "pending", "attempts": 0, "next_at": to_db(self.ctx.now())}
            old = {k: getattr(before, k) for k in new}
            tx.execute("UPDATE outbox SET state = :state, attempts = :attempts, next_at = :next_at WHERE id = :id",
                       {**new, "id": outbox_id})
            tx.event("notify.retry", "outbox", outbox_id, None, old, new)
        return self.message(outbox_id)
