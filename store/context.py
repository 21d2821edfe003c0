"""Who is writing and what time it is: the state every repository shares
with the Database (one object, so a change of actor is seen by all)."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field

from pendulum import DateTime

from .timeutil import Clock, system_clock


def default_actor() -> str:
    """Who is at the keyboard: the process's effective OS user, from the
    passwd database. Never LOGNAME/USER or any environment variable (what
    getpass reads): anyone can set those, and a dispatcher's account passed
    for the manager's with ``LOGNAME=root`` (issue 21). A uid with no passwd
    entry (a container run with ``--user 1234``) gets the fixed name "uid1234"."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid{uid}"


@dataclass
class Context:
    """``actor``: the person each write is for (the audit's actor). ``by``:
    the OS login typing, when it is someone else (a manager using --actor or
    DISPATCH_ACTOR); only a manager may, and events record it. ``os_login``:
    the OS login at the keyboard, which a PIN sign-in at a shared desk does
    not change (its failed tries are recorded as its own)."""

    actor: str
    by: str | None = None
    os_login: str = ""
    clock: Clock = field(default=system_clock)

    @classmethod
    def make(cls, actor: str | None = None, by: str | None = None, os_login: str | None = None,
             clock: Clock | None = None) -> Context:
        actor = actor or default_actor()
        by = by if by and by != actor else None
        return cls(actor, by, os_login or by or actor, clock or system_clock)

    def now(self) -> DateTime:
        return self.clock().in_timezone("UTC")
