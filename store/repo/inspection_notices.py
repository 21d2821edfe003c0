"""The customer told before an inspection visit (issue 25, docs/rules.md
"Inspections"): on a visit's notice day (its due date minus the plan's
notice days, the day a scheduler run makes it), a message to the site's
contact goes into the outbox (store/repo/outbox.py, recipient ``site:ID``;
``dispatch notify`` delivers it, in the contact's language, else the
sender's).

Once per visit: the UNIQUE visit key of ``inspection_notices``, taken by
INSERT OR IGNORE inside the run's own write, so two runs at once tell it
once. A site with no address still gets its row, ``missing``: the visit
says the customer was not told, instead of dropping it silently. A visit
done, or whose day is past, before any run told it is not told late. Each
row has its audit event (``inspection.notice``, with the outbox rows),
replayed by ``dispatch check``."""

from __future__ import annotations

import json
from datetime import date

from ..database import Tx
from ..rules.notices import InspectionDue
from .outbox import enqueue

NO_ADDRESS = "no_address"

# The visits whose notice day has come, not told yet, still to come and not done.
_UNTOLD = ("SELECT v.id, v.due, COALESCE(p.site_id, e.site_id) AS site_id, s.name AS site, t.name AS team"
           " FROM inspection_visits v JOIN inspection_plans p ON p.id = v.plan_id"
           " LEFT JOIN equipment e ON e.id = p.equipment_id"
           " JOIN sites s ON s.id = COALESCE(p.site_id, e.site_id) LEFT JOIN teams t ON t.id = p.team_id"
           " WHERE v.notify_on <= ? AND v.due >= ? AND v.done_at IS NULL"
           " AND NOT EXISTS (SELECT 1 FROM inspection_notices n WHERE n.visit_id = v.id) ORDER BY v.id")


def tell_due(tx: Tx, today: date, now: str) -> list[int]:
    """Inside the caller's write (a scheduler run): tell each visit whose
    notice day has come; the ids of the visits this call told or found with
    no address."""
    out: list[int] = []
    for r in tx.execute(_UNTOLD, (today.isoformat(), today.isoformat())).fetchall():
        recipient = f"site:{r['site_id']}"
        notice = InspectionDue(visit_id=r["id"], due_date=date.fromisoformat(r["due"]), site=r["site"] or "",
                               team=r["team"] or "")
        cur = tx.execute("INSERT OR IGNORE INTO inspection_notices (visit_id, told_at) VALUES (?, ?)", (r["id"], now))
        if cur.rowcount != 1:
            continue  # told already, by another run
        nid = int(cur.lastrowid or 0)
        queued = enqueue(tx, [recipient], notice, now)
        row = {"id": nid, "visit_id": r["id"], "told_at": now, "recipient": recipient if queued else None,
               "outbox_id": queued[0]["id"] if queued else None, "missing": None if queued else NO_ADDRESS}
        tx.execute("UPDATE inspection_notices SET recipient = ?, outbox_id = ?, missing = ? WHERE id = ?",
                   (row["recipient"], row["outbox_id"], row["missing"], nid))
        tx.event("inspection.notice", "inspection_notice", nid, None, {}, {**row, "outbox": queued})
        out.append(r["id"])
    return out


def site_contact_json(urls: list[str]) -> str | None:
    return json.dumps(urls, ensure_ascii=False) if urls else None
