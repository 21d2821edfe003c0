"""Who may do what: the role → action table, and PIN hashing. Pure (no SQL):
``Database.authorize`` asks it before every write, and tests ask it directly.

Actions are the names every write passes to ``Database.write``: "ticket.assign",
"settings.set", "user.add", … A pattern "ticket.*" covers every ticket action.
An action no role lists (a bulk load's "demo.load", say) is for managers only:
new writes are closed until someone opens them here.

The foreman rule: a foreman works the tickets of their own team, meaning the
ticket's technician is in the foreman's team. An unassigned ticket belongs to
the dispatch desk until a dispatcher assigns it; a foreman may move a ticket
only to a technician of their own team (handing it to another team is the
desk's call)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from fnmatch import fnmatchcase

from ..i18n import _

ROLES = ("manager", "dispatcher", "foreman", "viewer")


def role_name(role: str) -> str:
    return {"manager": _("manager"), "dispatcher": _("dispatcher"), "foreman": _("foreman"),
            "viewer": _("viewer")}.get(role, role)


# What a foreman may do to their own team's tickets: the field work. Creating,
# assigning an unassigned ticket, closing (the customer's sign-off and fee) and
# cancelling stay with the dispatch desk.
FOREMAN_TICKET_ACTIONS = (
    "ticket.respond", "ticket.reassign", "ticket.arrive", "ticket.pause", "ticket.resume",
    "ticket.resolve", "ticket.edit", "ticket.note",
)

# What a foreman does to their own team's improvement items; confirming or
# sending one back is the manager's, at the fault-analysis meeting.
FOREMAN_ITEM_ACTIONS = ("item.follow_up", "item.propose", "item.submit")

# "self.pin", "self.language": changing one's own PIN or console language, which everyone may.
# "self.handover_note", "self.handover_seen": one's own note at the end of a shift, and having read
# the last one (no team's: a foreman's note is their own); not a viewer's.
ALLOWED: dict[str, tuple[str, ...]] = {
    "manager": ("*",),
    # Planning the day's callbacks ("callback.plan") is the managers'. The parts
    # store is kept by the managers (catalogue, receipts, stock-taking: "part.*",
    # "stock.receive", "stock.count"); dispatchers use parts on tickets and
    # stock the vans ("stock.use", "stock.move"). Customer service is the
    # dispatch desk (the center's front desk, seed 001): dispatchers record the
    # invoice number on a closed ticket and check it ("ticket.invoice",
    # "ticket.invoice_check", within "ticket.*"); the fee schedule is the
    # managers' ("settings.set").
    "dispatcher": ("ticket.*", "technician.duty", "callback.log", "callback.attempt", "callback.carry", "complaint.*",
                   "escalation.fire", "escalation.ack", "notify.send", "notify.due", "stock.use", "stock.move", "self.pin",
                   "self.language", "self.address", "inspection.run", "inspection.record", "inspection.repair",
                   "self.handover_note", "self.handover_seen", "queue.snapshot"),
    # A foreman acknowledges the escalations of their own team's tickets, and
    # records the parts used on them.
    "foreman": (*FOREMAN_TICKET_ACTIONS, *FOREMAN_ITEM_ACTIONS, "evaluation.self", "escalation.ack", "stock.use",
                "self.pin", "self.language", "self.address", "inspection.record", "self.handover_note", "self.handover_seen"),
    "viewer": ("self.pin", "self.language"),
}

# Actions anyone at the keyboard may cause, whoever they are (see store/permissions.py):
# a PIN try at a shared desk is recorded even when the OS account there is no user of the file.
OPEN_TO_ANYONE: frozenset[str] = frozenset({"sign_in.attempt"})

# Roles whose rights stop at their own team (the ticket's technician's team,
# or the team an action names).
TEAM_SCOPED = frozenset({"foreman"})


def allows(role: str, action: str) -> bool:
    return any(fnmatchcase(action, pattern) for pattern in ALLOWED.get(role, ()))


def roles_for(action: str) -> list[str]:
    """The roles that may take this action, for "ask …" in a refusal."""
    return [role for role in ROLES if allows(role, action)]


def action_words(action: str) -> str:
    """What an action does, in words, for a refusal."""
    verbs = {"ticket.create": _("create tickets"), "ticket.assign": _("assign tickets"),
             "ticket.close": _("close tickets"), "ticket.cancel": _("cancel tickets"),
             "ticket.invoice": _("record invoices"), "ticket.invoice_check": _("check invoices"),
             "callback.plan": _("plan the day's callbacks"),
             "item.confirm": _("confirm improvement items"), "item.send_back": _("send improvement items back"),
             "stock.receive": _("receive spare parts"), "stock.count": _("count the stock"),
             "notify.retry": _("queue a failed message again"), "self.handover_note": _("leave a handover note"),
             "queue.snapshot": _("keep the queue's snapshots"), "history.import": _("import a ticket history")}
    if action in verbs:
        return verbs[action]
    topic = action.split(".", 1)[0]
    return {
        "ticket": _("work on tickets"),
        "site": _("change sites"),
        "equipment": _("change equipment"),
        "team": _("change teams"),
        "technician": _("change technicians"),
        "sla_policy": _("change the SLA policy"),
        "settings": _("change settings"),
        "calendar": _("change the calendar"),
        "user": _("manage users"),
        "callback": _("record callbacks"),
        "evaluation": _("self-evaluate the team's tickets"),
        "item": _("work on improvement items"),
        "complaint": _("handle complaints"),
        "escalation": _("record or acknowledge escalations"),
        "notify": _("send notifications"),
        "part": _("change the parts catalogue"),
        "stock": _("move or use spare parts"),
        "inspection": _("plan or record inspections"),
    }.get(topic, _("load or change the database ({action})").format(action=action))


# ------------------------------------------------------------------ PINs
# scrypt with a random salt, all in one string: "scrypt$n$r$p$salt$hash".
# n=2**14, r=8 costs about 16 MB and a few tens of milliseconds per try:
# cheap for a sign-in, slow for guessing a short PIN from a stolen file.
_N, _R, _P = 2**14, 8, 1
# A new PIN: 6 to 12 ASCII digits (a keypad's, in every language). Older PINs
# of other shapes, set before this rule, keep working for sign-in.
PIN_MIN, PIN_MAX = 6, 12
_NEW_PIN = re.compile(f"[0-9]{{{PIN_MIN},{PIN_MAX}}}")

# Guessing at the keyboard: 3 tries are free; after the n-th wrong PIN in a
# row (n ≥ 3) the next try is not even looked at for 2**(n-2) s (2, 4, 8 …
# 128 s), and the 10th wrong PIN in a row locks the person until a manager
# unlocks them. With 6 digits that is 10 guesses in a million per lock.
FREE_TRIES, LOCK_AFTER = 3, 10


def pin_wait_s(failures: int) -> int:
    """Seconds before the next try is looked at, after ``failures`` wrong PINs in a row."""
    return 0 if failures < FREE_TRIES else 2 ** (failures - FREE_TRIES + 1)


def check_pin_text(pin: str) -> str | None:
    """Why this cannot be a new PIN, or None."""
    if not isinstance(pin, str) or not _NEW_PIN.fullmatch(pin):
        return _("A PIN is {lo} to {hi} digits").format(lo=PIN_MIN, hi=PIN_MAX)
    return None


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2)
    except (ValueError, MemoryError):  # a damaged hash never signs anyone in
        return False
    return hmac.compare_digest(got.hex(), digest)
