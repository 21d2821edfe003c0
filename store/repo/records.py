"""Record keeping shared by the reference tables (sites, equipment, teams,
technicians) and their CSV import: insert or update with the audit event,
read one by id, retire, check a reference is usable."""

from __future__ import annotations

from typing import Any

from ..database import Database, Tx
from ..errors import NotFound, ValidationFailed
from ..i18n import _


def save(tx: Tx, entity: str, table: str, record_id: int | None, old: dict[str, Any] | None,
         values: dict[str, Any]) -> tuple[int, str]:
    """Insert (``old`` is None) or update the changed columns, with the
    audit event, inside the caller's write. Returns the id and what
    happened: "created", "updated" or "unchanged" (no event then)."""
    if old is None:
        cols = list(values)
        cur = tx.execute(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [values[c] for c in cols])
        new_id = int(cur.lastrowid or 0)
        tx.event(f"{entity}.add", entity, new_id, None, {}, values)
        return new_id, "created"
    assert record_id is not None
    changed = {k: v for k, v in values.items() if old.get(k) != v}
    if not changed:
        return record_id, "unchanged"
    tx.execute(f"UPDATE {table} SET {', '.join(f'{k} = ?' for k in changed)} WHERE id = ?",
               [*changed.values(), record_id])
    tx.event(f"{entity}.edit", entity, record_id, None, {k: old.get(k) for k in changed}, changed)
    return record_id, "updated"


def row(db: Database, table: str, record_id: int, missing: str) -> dict[str, Any]:
    found = db.one(f"SELECT * FROM {table} WHERE id = ?", (record_id,))
    if found is None:
        raise NotFound(missing.format(id=record_id))
    return dict(found)


def retire(db: Database, entity: str, table: str, record_id: int, retired: bool, missing: str) -> None:
    with db.write(f"{entity}.retire") as tx:
        old = row(db, table, record_id, missing)
        if bool(old["retired"]) != retired:
            tx.execute(f"UPDATE {table} SET retired = ? WHERE id = ?", (int(retired), record_id))
            tx.event(f"{entity}.retire", entity, record_id, None, {"retired": bool(old["retired"])}, {"retired": retired})


def usable(db: Database, table: str, record_id: int | None, keep: Any, field: str, missing: str) -> None:
    """A reference to another record: it must exist, and not be retired
    unless the record already pointed at it (an edit may keep it)."""
    if record_id is None:
        return
    found = db.one(f"SELECT retired FROM {table} WHERE id = ?", (record_id,))
    if found is None:
        raise ValidationFailed.one(field, missing)
    if found[0] and record_id != keep:
        raise ValidationFailed.one(field, _("retired: choose one in use"))
