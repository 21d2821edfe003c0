"""Issue 22: docs/rules.md says what the code does. "Who" no longer tells a
desk to share DISPATCH_ACTOR (acting for someone is a manager's, and the
store refuses anyone else), and the settings table names every setting
``dispatch set`` takes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import MutableClock
from console_helpers import make_ticket

from store import PermissionDenied, Store
from store.repo.settings import SettingsRepo

RULES = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def section(title: str) -> str:
    text = RULES.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def bullets(text: str) -> list[str]:
    """Each list item and paragraph, its lines joined."""
    return [" ".join(chunk.split()) for chunk in re.split(r"\n(?=- )|\n\n", text) if chunk.strip()]


def test_acting_for_someone_is_written_as_the_managers_and_the_store_agrees(
        store: Store, db_path: Path, clock: MutableClock) -> None:
    for item in bullets(section("Concurrency and the audit log")):
        if "DISPATCH_ACTOR" in item or "--actor" in item:
            assert "manager" in item, f"docs/rules.md says who may act for someone without saying a manager: {item}"
            assert "give each their own" not in item, item
    who = " ".join(bullets(section("Concurrency and the audit log")))
    assert "sign_in" in who and "entered_by" in who
    # What the page says: from a dispatcher's login, --actor is refused whatever the name.
    as_bob_for_ann = Store(db_path, actor="ann", by="bob", clock=clock)
    try:
        with pytest.raises(PermissionDenied, match="Only a manager may act for someone else"):
            make_ticket(as_bob_for_ann)
    finally:
        as_bob_for_ann.close()


def test_the_settings_table_names_every_setting() -> None:
    table = section("Settings")
    missing = [key for key in SettingsRepo.SETTABLE if not re.search(rf"\b{key}\b", table)]
    assert not missing, f"docs/rules.md 'Settings' lacks {missing}"
    # The SLA windows are changed with a command, not by editing a table.
    assert "dispatch sla set" in table


def test_the_hold_names_in_the_rules_are_the_codes() -> None:
    """docs/rules.md names the hold once: the transition (key w), the state it
    leads to, resume, and the two stored names that keep the older word."""
    from console.screens.actions import ACTION_BINDINGS, ACTION_OF
    from store.repo.permits import TICKET_WRITES
    from store.repo.tickets import TicketsRepo
    from store.rules.lifecycle import TICKET_ACTIONS, status_label

    text = " ".join(bullets(section("On hold: the clock stops")))
    for words in ("**hold**", "key `w`", "**on hold**", "status value `waiting`", "**resume**", "key `u`",
                  "`store.tickets.hold(...)`", "`HoldInput`", "**`pauses`**", "**`ticket.pause`**", "hash chain"):
        assert words in text, words
    # What it says of the code.
    keys = {b.key: (b.action, b.description) for b in ACTION_BINDINGS}
    assert keys["w"] == ("hold", "Hold") and keys["u"] == ("resume", "Resume")
    assert ACTION_OF["hold"] == "hold" and {"hold", "resume"} <= set(TICKET_ACTIONS)
    assert hasattr(TicketsRepo, "hold") and hasattr(TicketsRepo, "resume") and not hasattr(TicketsRepo, "pause")
    assert status_label("waiting") == "on hold"
    assert TICKET_WRITES["hold"] == "ticket.pause"  # the stored action name, unchanged
