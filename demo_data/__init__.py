"""Deterministic demo data: a believable bank-branch repair center.

``generate_demo`` fills an empty store: three teams, a dozen technicians,
forty branches with about two hundred machines, four weeks of finished
tickets, and about forty open tickets placed relative to *now* so that every
open status and every SLA state (ok, at risk, breached, stopped while
waiting, stopped overdue) shows in the live queue. The generator only plans:
each ticket is then created and taken through its lifecycle by the Store's
public methods, on a clock the build moves, as the dispatcher who took each
step, so the audit log is the store's own and replays into the tickets.
Second-repair links are the store's too (machines are chosen so that its rule
links the tickets meant to repeat).

``generate_scale`` appends many tickets fast, for benchmarks, in bulk
through ``store.admin.load`` (no per-ticket history).

The same seed and the same ``now`` (to the second) give the same rows:
only ``random.Random(seed)`` is used, never the global generator or the real
time, and the number of tickets depends on the seed alone.
Plans hold times as integer epoch seconds.

One module per topic: ``tables`` (the fixed data), ``helpers``, ``reference``
(teams, sites, machines), ``plans`` (when each step happens), ``history``
(steps played through the store), ``demo`` (``generate_demo``), ``scale``
(``generate_scale``); ``users``, ``callbacks`` and ``items`` add the people,
the callbacks and the improvement items and complaints.

Only the public store is used: the bulk load (``store.admin.load``), the
reference rows read back (``store.admin.reference_rows``) and the items
opened on loaded callbacks (``store.items.open_seeded``) included.
"""
