"""PIN sign-in at a shared desk, with a limit (issue 21; the numbers are in
store/rules/auth.py): a few free tries, then a wait that doubles before the next try
is even looked at, then a lock only a manager lifts. Kept in the file, so it
holds across consoles, restarts and processes, and every failed try, lock and
unlock is in the audit log.

Each change to a users row is an event on entity "user" whose ``old``/``new``
name the login and the changed columns (pin_failures, pin_retry_at,
pin_locked) by their column names, so replaying a person's events gives the row."""

from __future__ import annotations

import math
from typing import Any

from pendulum import DateTime

from ..context import Context
from ..database import Database, Tx
from ..errors import NotFound, PermissionDenied
from ..i18n import _
from ..models import PinOutcome, User
from ..rules import auth
from ..timeutil import from_db, to_db
from .users import UsersRepo

_STATE = "SELECT pin_hash, pin_failures, pin_retry_at, pin_locked, disabled FROM users WHERE login = ?"


def _changed(login: str, before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before[k] != after[k]]
    return {"login": login, **{k: before[k] for k in keys}}, {"login": login, **{k: after[k] for k in keys}}


def _whole_second_after(at: DateTime) -> DateTime:
    """Stored times are whole seconds: round up, so a wait is never shorter than it said."""
    return at.add(microseconds=1_000_000 - at.microsecond) if at.microsecond else at


class PinsRepo:
    def __init__(self, db: Database, ctx: Context, users: UsersRepo):
        self.db, self.ctx, self.users = db, ctx, users

    def try_pin(self, login: str, pin: str) -> PinOutcome:
        """One PIN try for ``login``, counted against the limit. The slow hash
        is worked out outside the write lock; the write then checks nothing
        moved meanwhile (another console's try), else it starts over, so two
        consoles can never both get a free try."""
        if self.db.file_read_only:
            # No try may go unrecorded: a console that cannot write checks no PIN.
            raise PermissionDenied(_(
                "This console is read-only, so it cannot record a PIN try and checks none; sign in at a console that can write"))
        for _round in range(100):  # each round that starts over saw another try land: bounded anyway
            state = self._pin_state(login)
            if state is None:  # unknown, disabled or without a PIN: nothing to check, nothing to count
                return PinOutcome(checked=False)
            early = self._not_now(state)
            if early is not None:
                return early
            right = auth.verify_pin(pin, state["pin_hash"])
            with self.db.write("sign_in.attempt") as tx:
                if self._pin_state(login) != state:
                    continue  # someone else's try landed first: look again
                return self._record(tx, login, state, right)
        return PinOutcome(checked=False, wait_s=1)  # a storm of tries on this login: not this one

    def check_pin(self, login: str, pin: str) -> bool:
        """Whether this is the active user's PIN; a try like any other (counted, recorded)."""
        return self.try_pin(login, pin).ok

    def sign_in(self, login: str, pin: str) -> PinOutcome:
        """At a shared desk: on the right PIN, writes from now on are this person's."""
        outcome = self.try_pin(login, pin)
        if outcome.ok:
            self.ctx.actor, self.ctx.by = login, None
        return outcome

    def unlock_user(self, login: str) -> User:
        """Lift a lock (and any wait): managers only. Nothing to lift, nothing written."""
        with self.db.write("user.unlock") as tx:
            row = tx.execute(_STATE, (login,)).fetchone()
            if row is None:
                raise NotFound(_("No user {login}").format(login=login))
            before = {"pin_failures": row["pin_failures"], "pin_retry_at": row["pin_retry_at"],
                      "pin_locked": row["pin_locked"]}
            after = {"pin_failures": 0, "pin_retry_at": None, "pin_locked": 0}
            if before != after:
                self._save_pin_state(tx, login, after)
                tx.event("user.unlock", "user", None, None, *_changed(login, before, after))
        return self.users.user(login)

    # ------------------------------------------------------------ inside
    def _pin_state(self, login: str) -> dict[str, Any] | None:
        """Inside the write, read on the write connection (Database.reader)."""
        row = next(iter(self.db.q(_STATE, (login,))), None)
        if row is None or row["disabled"] or not row["pin_hash"]:
            return None
        return {k: row[k] for k in ("pin_hash", "pin_failures", "pin_retry_at", "pin_locked")}

    def _not_now(self, state: dict[str, Any]) -> PinOutcome | None:
        """Refused before the PIN is looked at: locked, or still in the wait."""
        if state["pin_locked"]:
            return PinOutcome(checked=False, locked=True, failures=state["pin_failures"])
        if state["pin_retry_at"] is not None:
            left = (from_db(state["pin_retry_at"]) - self.ctx.now()).total_seconds()
            if left > 0:
                return PinOutcome(checked=False, failures=state["pin_failures"], wait_s=math.ceil(left))
        return None

    def _record(self, tx: Tx, login: str, state: dict[str, Any], right: bool) -> PinOutcome:
        """Count the try (reset on success), in the write transaction."""
        before = {k: state[k] for k in ("pin_failures", "pin_retry_at", "pin_locked")}
        if right:
            after = {"pin_failures": 0, "pin_retry_at": None, "pin_locked": 0}
            if before != after:  # a success after failures: the count starts again
                self._save_pin_state(tx, login, after)
                tx.event("sign_in.ok", "user", None, None, *_changed(login, before, after), actor=self.ctx.os_login)
            return PinOutcome(ok=True)
        failures = before["pin_failures"] + 1
        locked = failures >= auth.LOCK_AFTER
        wait = 0 if locked else auth.pin_wait_s(failures)
        retry_at = to_db(_whole_second_after(self.ctx.now().add(seconds=wait))) if wait else None
        failed = {"pin_failures": failures, "pin_retry_at": retry_at, "pin_locked": before["pin_locked"]}
        self._save_pin_state(tx, login, {**failed, "pin_locked": int(locked)})
        # Who was tried (login), when (at), from which OS login (actor), the count, and the lock on its own event.
        tx.event("sign_in.failed", "user", None, None, *_changed(login, before, failed), actor=self.ctx.os_login)
        if locked:
            tx.event("user.lock", "user", None, None, {"login": login, "pin_locked": before["pin_locked"]},
                        {"login": login, "pin_locked": 1}, actor=self.ctx.os_login)
        return PinOutcome(ok=False, failures=failures, wait_s=wait, locked=locked)

    @staticmethod
    def _save_pin_state(tx: Tx, login: str, values: dict[str, Any]) -> None:
        tx.execute("UPDATE users SET pin_failures = ?, pin_retry_at = ?, pin_locked = ? WHERE login = ?",
                     (values["pin_failures"], values["pin_retry_at"], values["pin_locked"], login))
