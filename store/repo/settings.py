"""Settings, the SLA policy and money: read everywhere, changed by managers."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..base import StoreBase
from ..calendar import calendar_from, check_calendar
from ..derive import derive
from ..errors import RuleViolation, ValidationFailed
from ..i18n import _
from ..models import (
    DEFAULT_CURRENCY,
    DEFAULT_FEE_CONFIRM_ABOVE,
    PRIORITIES,
    check_currency,
    check_fee_confirm_above,
    parse_fee,
)
from ..sla import Calendar, Policy
from ..text import clean
from ..timeutil import valid_timezone


class SettingsRepo(StoreBase):
    # ------------------------------------------------------------ settings
    def setting(self, key: str, default: Any = None) -> Any:
        rows = self._q("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    @property
    def timezone(self) -> str:
        return self.setting("timezone", "UTC")

    def calendar(self) -> Calendar:
        return calendar_from(self.setting("calendar", {"kind": "24x7"}), self.timezone)

    def policy(self) -> dict[int, Policy]:
        return {
            r["priority"]: Policy(r["response_min"], r["onsite_min"], r["resolve_min"])
            for r in self._q("SELECT * FROM sla_policy")
        }

    # Settings a user may change (``dispatch set``); internal keys such as the
    # demo marker are written only by their own methods, never through here.
    SETTABLE = ("calendar", "center_name", "currency", "fee_confirm_above", "repeat_window_days", "sign_in",
                "timezone")

    @staticmethod
    def check_setting(key: str, value: Any) -> Any:
        """The value to store for ``key``, normalised; RuleViolation with one
        line saying what is wrong otherwise. Touches no file, so callers can
        validate before creating one."""
        if key == "demo":
            # Only clearing a damaged marker: 'dispatch demo' alone marks a
            # file as a demo it may delete (a live file must never become one).
            if value is not False:
                raise RuleViolation(_("dispatch set demo takes only false (dispatch demo marks its own files)"))
            return value
        if key not in SettingsRepo.SETTABLE:
            raise RuleViolation(_("Unknown setting {key}; known: {known}").format(
                key=key, known=", ".join(SettingsRepo.SETTABLE)))
        if key == "timezone":
            if not isinstance(value, str) or not valid_timezone(value):
                raise RuleViolation(_("Unknown time zone {tz}").format(tz=value))
            return value
        if key == "center_name":
            name = value.strip() if isinstance(value, str) else ""
            if not name or len(name) > 120:
                raise RuleViolation(_("center_name must be 1 to 120 characters"))
            return name
        if key in ("currency", "fee_confirm_above"):
            try:
                return check_currency(value) if key == "currency" else str(check_fee_confirm_above(value))
            except ValueError as exc:
                raise RuleViolation(str(exc)) from None
        if key == "sign_in":  # a shared desk PC: ask who is at the keyboard (README "People, roles and the file")
            if not isinstance(value, bool):
                raise RuleViolation(_("sign_in must be true or false"))
            return value
        if key == "repeat_window_days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
                raise RuleViolation(_("repeat_window_days must be a whole number of days from 1 to 365"))
            return value
        return check_calendar(value)

    def settings_problem(self) -> str | None:
        """One line naming the first damaged setting and the command that
        mends it, or None. A file written by a bug, a hand edit or another
        tool may hold anything: bad JSON, a center name of a megabyte, a
        repeat window of 10^9 days (ticket creation would overflow)."""
        def damaged(key: str, detail: Any, fix: str | None = None) -> str:
            return _("{path} has a damaged setting {key} ({detail}); fix it with '{fix}' or restore a backup").format(
                path=self.path, key=clean(key, single_line=True, limit=40),
                detail=clean(str(detail), single_line=True, limit=200),
                fix=fix or f"dispatch set {clean(key, single_line=True, limit=40)} VALUE")

        for key, raw in self._q("SELECT key, value FROM settings ORDER BY key"):
            try:
                value = json.loads(raw)
            except (ValueError, TypeError):
                return damaged(key, _("not JSON"), "dispatch set demo false" if key == "demo" else None)
            if key == "demo":
                if not isinstance(value, bool):
                    return damaged(key, _("the demo marker must be true or false"), "dispatch set demo false")
            elif key in self.SETTABLE:
                try:
                    self.check_setting(key, value)
                except RuleViolation as exc:
                    return damaged(key, exc)
        try:
            self.calendar()  # the calendar with this zone (holidays, hours)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return damaged("calendar", exc)
        missing = set(PRIORITIES) - set(self.policy())
        if missing:
            return damaged("sla_policy", f"no SLA policy for priority {sorted(missing)}", "dispatch init")
        return None

    def setting_as_stored(self, key: str) -> Any:
        """The current value for the audit's "old", even when it is not JSON (a repair)."""
        rows = self._q("SELECT value FROM settings WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            return json.loads(rows[0][0])
        except (ValueError, TypeError):
            return rows[0][0]

    def set_setting(self, key: str, value: Any) -> None:
        value = self.check_setting(key, value)
        with self._write("settings.set") as conn:
            old = self.setting_as_stored(key)
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )
            self._event("settings.set", "setting", None, None, {key: old}, {key: value})
            # Deadlines depend on the zone only through a calendar with local hours or holidays.
            if key == "calendar" or (key == "timezone" and self.setting("calendar", {}) != {"kind": "24x7"}):
                try:
                    self._recompute_open()
                except ValueError as exc:  # e.g. one short window a week: deadlines decades away
                    raise RuleViolation(_("This calendar cannot place the open tickets' deadlines ({e})").format(
                        e=exc)) from None

    def mark_demo(self, seed: int) -> None:
        """Mark the file as a demo, which ``dispatch demo`` may delete and rebuild.
        Not a settable key: 'dispatch set' cannot turn a live file into a demo."""
        with self._write("settings.demo") as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('demo', 'true') "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            self._event("settings.demo", "setting", None, None, {}, {"demo": True, "seed": seed})

    def set_policy(self, priority: int, response_min: int, onsite_min: int, resolve_min: int) -> None:
        if not (0 < response_min <= onsite_min <= resolve_min):
            raise RuleViolation(_("Windows must be positive and response ≤ on site ≤ resolved"))
        with self._write("sla_policy.set") as conn:
            old = self.policy().get(priority)
            conn.execute(
                "INSERT INTO sla_policy VALUES (?, ?, ?, ?) ON CONFLICT(priority) DO UPDATE SET "
                "response_min = excluded.response_min, onsite_min = excluded.onsite_min, "
                "resolve_min = excluded.resolve_min",
                (priority, response_min, onsite_min, resolve_min),
            )
            self._event("sla_policy.set", "sla_policy", priority, None,
                        {"policy": old.__dict__ if old else None},
                        {"policy": [response_min, onsite_min, resolve_min]})
            self._recompute_open()

    def _recompute_open(self) -> None:
        """New SLA rules apply to open tickets at once (inside the caller's write)."""
        policy, cal = self.policy(), self.calendar()
        pauses = self._pauses_by_ticket()
        rows = self.conn.execute("SELECT * FROM tickets WHERE is_open = 1").fetchall()
        for r in rows:
            row = dict(r)
            d = derive(row, pauses.get(row["id"], []), policy, cal)
            self.conn.execute(
                "UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in d) + " WHERE id = ?",
                [*d.values(), row["id"]],
            )

    # ------------------------------------------------------------- money
    @property
    def currency(self) -> str:
        """The symbol written before amounts (setting ``currency``, default ¥)."""
        return check_currency(self.setting("currency", DEFAULT_CURRENCY))

    def format_money(self, amount: Decimal) -> str:
        """An amount for display: the currency symbol, digits grouped, two decimals ("¥1,200.50")."""
        sign = "-" if amount < 0 else ""
        return f"{sign}{self.currency}{abs(amount):,.2f}"

    @property
    def fee_confirm_above(self) -> Decimal:
        """Fees above this ask the user to confirm (setting ``fee_confirm_above``, default 5000)."""
        return check_fee_confirm_above(self.setting("fee_confirm_above", DEFAULT_FEE_CONFIRM_ABOVE))

    def parse_fee(self, value: Any) -> Decimal | None:
        """A fee as the close form would save it, or ValidationFailed on "fee"."""
        try:
            return parse_fee(value)
        except ValueError as exc:
            raise ValidationFailed.one("fee", str(exc)) from None

    def fee_needs_confirm(self, fee: Decimal | str | None) -> bool:
        """Whether this fee is above ``fee_confirm_above`` (blank or bad: no)."""
        try:
            amount = parse_fee(fee)
        except ValueError:
            return False
        return amount is not None and amount > self.fee_confirm_above
