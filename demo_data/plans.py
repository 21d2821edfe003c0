"""Lifecycle plans: when each step of a finished, cancelled or open ticket
happens (integer epoch seconds), before anything is written."""

from __future__ import annotations

import random

from store.rules.sla import AT_RISK_SHARE, Policy

from .helpers import _windows
from .tables import HOUR, MIN, REMOTE_SHARE, Plan


def _plan_finished(rng: random.Random, rep: int, pol: Policy, category: str) -> Plan:
    """A ticket that went all the way to resolved and closed (times in seconds)."""
    wr, wo, wres = _windows(pol)
    on_time = rng.random() < 0.92
    fr = rep + int(wr * (rng.uniform(0.1, 0.95) if on_time else rng.uniform(1.05, 2.5)))
    assigned = rep + max(30, int((fr - rep) * rng.uniform(0.15, 0.7)))
    remote = rng.random() < REMOTE_SHARE[category]
    if remote:
        off = wo * (rng.uniform(0.05, 0.5) if rng.random() < 0.95 else rng.uniform(1.05, 1.5))
    else:
        off = wo * (rng.uniform(0.3, 0.97) if rng.random() < 0.87 else rng.uniform(1.05, 1.8))
    arrived = max(rep + int(off), fr + 5 * MIN)
    plan: Plan = {
        "status": "closed", "rep": rep, "assigned": assigned, "fr": fr,
        "mode": "remote" if remote else "onsite", "pauses": [], "reassign": None, "cancelled": None,
    }
    last = arrived
    pause_len = 0
    if rng.random() < 0.16:
        reason = "parts" if rng.random() < 0.6 else "customer"
        if reason == "customer" and rng.random() < 0.3:  # the branch put off the visit
            ps = max(fr, assigned) + rng.randint(5 * MIN, 20 * MIN)
            pause_len = rng.randint(30 * MIN, 5 * HOUR)
            plan["pauses"].append((reason, "assigned", ps, ps + pause_len))
            arrived = last = ps + pause_len + rng.randint(20 * MIN, 60 * MIN)
        else:
            ps = arrived + rng.randint(10 * MIN, 90 * MIN)
            pause_len = rng.randint(2 * HOUR, 40 * HOUR) if reason == "parts" else rng.randint(30 * MIN, 6 * HOUR)
            plan["pauses"].append((reason, "onsite", ps, ps + pause_len))
            last = ps + pause_len
    plan["arrived"] = arrived
    active = wres * (rng.uniform(0.3, 0.95) if rng.random() < 0.9 else rng.uniform(1.05, 2.0))
    if remote:
        active *= 0.6
    plan["resolved"] = max(rep + int(active) + pause_len, last + rng.randint(15 * MIN, 50 * MIN))
    if rng.random() < 0.06:
        plan["reassign"] = assigned + int((arrived - assigned) * rng.uniform(0.1, 0.5))
        if plan["pauses"] and plan["pauses"][0][1] == "assigned":
            plan["reassign"] = min(plan["reassign"], plan["pauses"][0][2] - 60)
        plan["reassign"] = max(plan["reassign"], max(assigned, fr) + 60)
        if plan["reassign"] >= arrived:
            plan["reassign"] = None
    signoff_delay = rng.randint(10 * MIN, 4 * HOUR) if rng.random() < 0.7 else rng.randint(4 * HOUR, 30 * HOUR)
    plan["closed"] = plan["resolved"] + signoff_delay
    plan["end"] = plan["closed"]
    return plan


def _plan_cancelled(rng: random.Random, rep: int) -> Plan:
    cancelled = rep + rng.randint(5 * MIN, 6 * HOUR)
    span = cancelled - rep
    plan: Plan = {"status": "cancelled", "rep": rep, "pauses": [], "reassign": None, "mode": None}
    plan["fr"] = rep + int(span * rng.uniform(0.05, 0.4)) if rng.random() < 0.7 else None
    plan["assigned"] = rep + int(span * rng.uniform(0.02, 0.5)) if rng.random() < 0.55 else None
    plan["arrived"] = plan["resolved"] = plan["closed"] = None
    plan["cancelled"] = plan["end"] = cancelled
    return plan


def _fraction(rng: random.Random, state: str) -> float:
    """Share of the window used so far for a running clock in ``state``."""
    if state == "at_risk":
        return rng.uniform(1 - AT_RISK_SHARE + 0.03, 0.95)
    if state == "breached":
        return rng.uniform(1.1, 2.5)
    return rng.uniform(0.1, 0.6)


def _plan_open(rng: random.Random, now: int, pol: Policy, category: str, status: str, state: str,
               variant: str) -> Plan:
    """An open ticket whose next SLA clock is in ``state`` at ``now`` (24×7 calendar)."""
    wr, wo, wres = _windows(pol)
    plan: Plan = {
        "status": status, "pauses": [], "reassign": None, "mode": None, "assigned": None, "fr": None,
        "arrived": None, "resolved": None, "closed": None, "cancelled": None, "end": None,
    }
    if status == "resolved":
        done = _plan_finished(rng, 0, pol, category)
        shift = now - rng.randint(10 * MIN, 20 * HOUR) - done["resolved"]
        for key in ("rep", "assigned", "fr", "arrived", "resolved", "reassign"):
            if done[key] is not None:
                done[key] += shift
        done["pauses"] = [(r, f, s + shift, e + shift) for r, f, s, e in done["pauses"]]
        done.update(status="resolved", closed=None, end=done["resolved"])
        return plan | done
    if status == "waiting":
        reason, paused_from = variant.split("/")
        window = {"new": wo, "assigned": wo, "onsite": wres}[paused_from]
        if state == "breached":
            active = int(window * rng.uniform(1.05, 1.4))  # put on hold after the deadline
        else:
            left = rng.uniform(0.4, 0.7) if state == "ok" else rng.uniform(0.06, 0.2)
            active = int(window * (1 - left))
        age = rng.randint(HOUR, 20 * HOUR) if reason == "parts" else rng.randint(15 * MIN, 4 * HOUR)
        ps = now - age
        rep = ps - active
        plan["pauses"].append((reason, paused_from, ps, None))
        plan.update(rep=rep, wait_reason=reason, paused_from=paused_from)
        if paused_from == "onsite":
            base = int(min(active * 0.6, wo * 0.9))
            plan.update(assigned=rep + int(base * 0.15), fr=rep + int(base * 0.35), arrived=rep + base,
                        mode="remote" if rng.random() < REMOTE_SHARE[category] else "onsite")
        else:
            fr = min(int(active * 0.5), int(wr * 0.8))
            plan["fr"] = rep + fr
            if paused_from == "assigned":
                plan["assigned"] = rep + fr // 2
        return plan
    # new / assigned / onsite: a running clock
    if status == "new":
        clock_window = wo if variant == "responded" else wr
    elif status == "assigned":
        clock_window = wr if variant == "unresponded" else wo
    else:
        clock_window = wres
    elapsed = int(clock_window * _fraction(rng, state))
    pause_len = rng.randint(HOUR, 6 * HOUR) if variant == "paused_before" else 0
    rep = now - elapsed - pause_len
    plan["rep"] = rep
    if status == "new":
        if variant == "responded":
            plan["fr"] = rep + min(int(elapsed * 0.3), int(wr * 0.7))
    elif status == "assigned":
        if variant == "unresponded":
            plan["assigned"] = rep + int(elapsed * 0.3)
        else:
            fr = min(int(elapsed * 0.4), int(wr * 0.8))
            plan.update(fr=rep + fr, assigned=rep + fr // 2)
    else:
        base = int(min(elapsed * 0.6, wo * 0.9))
        plan.update(assigned=rep + int(base * 0.15), fr=rep + int(base * 0.35), arrived=rep + base)
        plan["mode"] = "remote" if variant == "remote" else "onsite"
        if pause_len:
            ps = plan["arrived"] + int((elapsed - base) * 0.2)
            reason = rng.choice(("parts", "customer"))
            plan["pauses"].append((reason, "onsite", ps, ps + pause_len))
    return plan


def _shift(plan: Plan, delta: int) -> Plan:
    out = dict(plan)
    for key in ("rep", "assigned", "fr", "arrived", "resolved", "closed", "cancelled", "end", "reassign"):
        if out.get(key) is not None:
            out[key] += delta
    out["pauses"] = [(r, f, s + delta, None if e is None else e + delta) for r, f, s, e in plan["pauses"]]
    return out
