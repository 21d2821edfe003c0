"""The head office (issue 26): every center's history in one PostgreSQL database.

All PostgreSQL code is here, and psycopg is imported only inside this package
and lazily (inside functions), so `dispatch --help`, `dispatch queue` and the
console never load it. The modules:

- connect.py: ``hq_url(option)`` (the ``--hq`` option, else DISPATCH_HQ_URL; never
  a setting: credentials stay out of the SQLite file and its audit log) and
  ``connect(url) -> psycopg.Connection``; errors are HqError, one line, no password.
- schema.py: ``migrate(conn)``, named steps recorded in ``hq_migrations``; the
  mirror tables (same names and columns as the center's, plus ``center``) and
  ``centers`` (the chain's head held per center).
- ship.py: ``ship(db_path, conn, center=None, batch=…, progress=…) -> ShipResult``
  and ``status(conn) -> list[CenterLag]``.
"""
