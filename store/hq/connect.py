"""Where the head office is, and a connection to it.

Contract: ``hq_url(option)`` gives the URL from the ``--hq URL`` option, else
the environment's ``DISPATCH_HQ_URL``; ``connect(url)`` returns a
``psycopg.Connection`` (autocommit off) or raises HqError with one line that
never holds the password.

Credentials are never in the center's SQLite file nor in its audit log, so
there is no ``hq_url`` setting: the URL comes from the process's environment
(a cron line, a systemd unit's EnvironmentFile) or the command line. A URL
without a password works too: libpq then reads the password from ~/.pgpass
(or PGPASSFILE), and ``postgresql:///?service=hq`` names an entry of
~/.pg_service.conf (or PGSERVICEFILE) — both files outside the center's file.

psycopg is imported here and in the rest of store/hq only, and lazily (inside
the functions): `dispatch --help`, `dispatch queue` and the console never load it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ..i18n import _

if TYPE_CHECKING:
    import psycopg

ENV = "DISPATCH_HQ_URL"


class HqError(StoreError):
    """The head office cannot be used (not set, unreachable, refused): one line."""


def hq_url(option: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The head office's URL: the ``--hq`` option, else DISPATCH_HQ_URL."""
    env = os.environ if env is None else env
    url = (option or env.get(ENV) or "").strip()
    if not url:
        raise HqError(_("no head office given: set DISPATCH_HQ_URL or pass --hq URL (e.g. postgresql://ship@hq.example/dispatch)"))
    return url


def _password(url: str) -> str | None:
    """The password in a URL or key=value string, to keep it out of messages."""
    m = re.match(r"^[a-z]+://[^:/@]*:([^@]*)@", url)
    if m:
        return m.group(1)
    m = re.search(r"(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", url)
    return m.group(1).strip("'") if m else None


def where(url: str) -> str:
    """Host, port and database of a URL, for messages (no user, no password)."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        d = conninfo_to_dict(url)
    except Exception:  # a URL psycopg cannot parse: say nothing of it
        return "?"
    host = str(d.get("host") or "localhost")
    port = f":{d['port']}" if d.get("port") else ""
    return f"{host}{port}/{d.get('dbname') or d.get('service') or ''}"


def safe_message(exc: BaseException, url: str) -> str:
    """A library's error as one line, with the password (if any) blanked out."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    secret = _password(url)
    if secret:
        text = text.replace(secret, "***")
    return text


def reason(exc: BaseException, url: str) -> str:
    """Why a connection failed, in our words where the cause is a usual one;
    otherwise the library's text on one line, without the password."""
    text = safe_message(exc, url)
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        return _("the user name or password was refused")
    if "connection refused" in low:
        return _("nothing answers there (is PostgreSQL running and listening?)")
    if "timeout" in low or "timed out" in low:
        return _("no answer in time")
    if "could not translate host name" in low or "name or service not known" in low:
        return _("unknown host")
    if "database" in low and "does not exist" in low:
        return _("no such database")
    return text


def connect(url: str, *, connect_timeout: int = 10) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the head office (autocommit off), or HqError in one line."""
    try:
        import psycopg
    except ImportError:
        raise HqError(_("the head office needs psycopg: pip install 'dispatch-console[hq]'")) from None
    try:
        conn = psycopg.connect(url, connect_timeout=connect_timeout, application_name="dispatch ship")
    except (psycopg.Error, ValueError) as exc:
        raise HqError(_("cannot reach the head office at {where}: {reason}").format(
            where=where(url), reason=reason(exc, url))) from None
    return conn


@contextmanager
def failures(conn: Any) -> Iterator[None]:
    """A psycopg error inside the block (the connection lost, a statement refused)
    as HqError: one line naming the head office, the password blanked out."""
    import psycopg

    try:
        yield
    except psycopg.Error as exc:
        info = conn.info
        text = " ".join(str(exc).split()) or type(exc).__name__
        if info.password:
            text = text.replace(info.password, "***")
        raise HqError(_("the head office at {where} failed: {reason}").format(
            where=f"{info.host}:{info.port}/{info.dbname}", reason=text)) from None
