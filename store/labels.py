"""The ticket's vocabulary: channels, equipment types, priorities, wait
reasons and how each is named on screen (translated when asked)."""

from __future__ import annotations

from typing import Literal

from .i18n import _

Channel = Literal["phone", "online", "counter", "email", "other"]
CHANNELS: tuple[str, ...] = ("phone", "online", "counter", "email", "other")
Category = Literal[
    "atm", "printer", "cash", "network", "ups", "access", "pc", "other"
]
CATEGORIES: tuple[str, ...] = ("atm", "printer", "cash", "network", "ups", "access", "pc", "other")
PRIORITIES: tuple[int, ...] = (1, 2, 3, 4)
HoldReason = Literal["customer", "parts"]
ArrivalMode = Literal["onsite", "remote"]


def channel_label(channel: str) -> str:
    return {
        "phone": _("phone hotline"), "online": _("online"), "counter": _("branch counter"),
        "email": _("email"), "other": _("other"),
    }.get(channel, channel)


def category_label(category: str) -> str:
    return {
        "atm": _("ATM"), "printer": _("teller printer"), "cash": _("cash counter"),
        "network": _("network"), "ups": _("UPS / power"), "access": _("access control"),
        "pc": _("PC / terminal"), "other": _("other"),
    }.get(category, category)


def wait_reason_label(reason: str) -> str:
    return {"customer": _("customer"), "parts": _("parts")}.get(reason, reason)


def priority_label(priority: int) -> str:
    return {1: _("P1 critical"), 2: _("P2 high"), 3: _("P3 medium"), 4: _("P4 low")}.get(
        priority, f"P{priority}"
    )
