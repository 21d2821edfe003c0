"""The head office read: a read-only PostgreSQL connection for the reports,
the scores, the workbook and the console view (`dispatch hq …`), which never
write there (an analyst's role may have SELECT only). Any error while
reading comes out as one HqError line without the password."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..i18n import _
from .connect import HqError, connect, safe_message, where
from .schema import is_current


@contextmanager
def reading(url: str) -> Iterator[Any]:
    """A connection whose transactions are READ ONLY, to a head office whose schema is there."""
    conn = connect(url)
    try:
        import psycopg

        try:
            conn.read_only = True
            # The figures are many short index reads: PostgreSQL's JIT, on for plans it
            # costs high (a million tickets), spent seconds compiling each (bench/hq_report.py).
            conn.execute("SET jit = off")
            conn.execute("SET work_mem = '64MB'")  # a month's durations sorted in memory, not on disk
            conn.commit()
            if not is_current(conn):
                raise HqError(_("the head office at {where} has no figures yet: run 'dispatch ship' from a center"
                                " first").format(where=where(url)))
            yield conn
        except psycopg.Error as exc:
            raise HqError(_("the head office at {where} failed: {reason}").format(
                where=where(url), reason=safe_message(exc, url))) from None
    finally:
        conn.close()
