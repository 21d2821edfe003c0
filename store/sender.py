"""The sender (``dispatch notify``, issue 24): one pass fires the escalations
that are due and tells the owners of improvement items and complaint steps
fallen due, then delivers what the outbox holds that is due, each message
recorded in a short write of its own after its network call.

One sender per file: a lock file beside the database (``<file>.notify-lock``,
an flock, released by the kernel when the process dies, even by SIGKILL). A
second sender finds it held and says so; it never waits for it.

A message is rendered when it is sent (store/rules/notices.py ``render``,
in the recipient's language, with its outbox id), to the addresses of the
recipient that have not taken it yet. A recipient without a language (every
technician: they have no language column; a user who chose none) gets the
sender's own, by the rule the console uses for a user with none
(store/i18n.py ``pick_language``: DISPATCH_LANG, then LC_ALL, LC_MESSAGES,
LANG), so a Chinese center's cron line (``DISPATCH_LANG=zh_Hans dispatch
notify``) tells its technicians in Chinese."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .delivery import Delivery, Outcome, send
from .errors import PermissionDenied
from .i18n import _, pick_language
from .rules.notices import from_json, render
from .store import Store

Send = Callable[[Sequence[str], str, str], Delivery]


class SenderBusy(Exception):
    """Another sender holds the file's lock."""


def lock_path(db_path: Path) -> Path:
    return Path(f"{db_path}.notify-lock")


@contextmanager
def sender_lock(db_path: Path) -> Iterator[None]:
    """Held while this process is the file's sender; SenderBusy if another is."""
    fd = os.open(lock_path(db_path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SenderBusy(_("another sender is working on {path} (pid in {lock})").format(
                path=db_path, lock=lock_path(db_path))) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass
class Pass:
    fired: list[int] = field(default_factory=list)
    due: list[int] = field(default_factory=list)  # items and complaint steps fallen due (store/repo/due_notices.py)
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def one_pass(store: Store, deliver: Send = send, batch: int = 50, *, env: Mapping[str, str] | None = None) -> Pass:
    """Fire what is due, then send every due message once. ``env``: where the
    language of a recipient without one comes from (default: this process's
    environment)."""
    out = Pass()
    fallback = pick_language(os.environ if env is None else env)
    try:
        out.fired = store.escalations.fire_due()
    except PermissionDenied as exc:
        out.errors.append(str(exc))
    try:
        out.due = store.due_notices.fire_due()
    except PermissionDenied as exc:
        out.errors.append(str(exc))
    seen: set[int] = set()
    while True:
        rows = [r for r in store.outbox.due(batch) if r.id not in seen]
        if not rows:
            return out
        for row in rows:
            seen.add(row.id)
            urls = store.outbox.addresses_of(row.recipient)
            places = [i for i in range(1, len(urls) + 1) if i not in row.sent_to]
            try:
                msg = render(from_json(row.notice), row.id, row.lang or fallback)
            except ValueError:  # a row damaged around the app: an attempt that fails, never a traceback
                reason = _("the message is damaged and cannot be sent")
                out.errors.append(_("message #{id}: {reason}").format(id=row.id, reason=reason))
                delivery = Delivery((Outcome(1, "-", False, reason),), 0.0)
            else:
                delivery = deliver([urls[i - 1] for i in places], msg.title, msg.body)
            done = store.outbox.record_attempt(row.id, delivery, places)
            if done.state == "sent":
                out.sent += 1
            elif done.state == "failed":
                out.failed += 1
            else:
                out.retrying += 1
