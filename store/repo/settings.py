"""Settings, the SLA policy and money: read everywhere, changed by managers."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..context import Context
from ..database import Database, Tx
from ..errors import RuleViolation, ValidationFailed
from ..i18n import _
from ..labels import PRIORITIES
from ..money import DEFAULT_CURRENCY, DEFAULT_FEE_CONFIRM_ABOVE, check_currency, check_fee_confirm_above, format_money, parse_fee
from ..rules import evaluation_settings as evaluations
from ..rules.calendar import calendar_from, check_calendar
from ..rules.derive import derive
from ..rules.sla import MAX_WINDOW_MIN, Calendar, Pause, Policy
from ..text import clean
from ..timeutil import from_db, valid_timezone
from .pauses import pauses as ticket_pauses

if TYPE_CHECKING:
    from ..rules import fees

# The rules that check the escalation ladder, the fee schedule, the meeting
# day and the report targets are imported by the branch that checks one: the
# settings check at every opening checks what the file stores, and a file
# without a ladder of its own no longer loads the escalation rules (and the
# models they build) before the console's first frame.

# progress(done, total): a recompute's batches as they commit.
Progress = Callable[[int, int], None]


class SettingsRepo:
    def __init__(self, db: Database, ctx: Context):
        self.db, self.ctx = db, ctx
        # The recompute's clock and pause, replaced in tests (no wall-clock there).
        self.timer: Callable[[], float] = time.perf_counter
        self.sleep: Callable[[float], None] = time.sleep

    # ------------------------------------------------------------ settings
    def setting(self, key: str, default: Any = None) -> Any:
        rows = self.db.q("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    @property
    def timezone(self) -> str:
        return str(self.setting("timezone", "UTC"))

    def calendar(self) -> Calendar:
        return calendar_from(self.setting("calendar", {"kind": "24x7"}), self.timezone)

    def policy(self) -> dict[int, Policy]:
        return {
            r["priority"]: Policy(r["response_min"], r["onsite_min"], r["resolve_min"])
            for r in self.db.q("SELECT * FROM sla_policy")
        }

    # Settings a user may change (``dispatch set``); internal keys such as the
    # demo marker are written only by their own methods, never through here.
    SETTABLE = ("calendar", "center_code", "center_name", "complaint_step_hours", "currency", "duty_manager", "escalation",
                "fee_confirm_above", "fee_schedule", "invoice_check_days", "store_keeper",
                "meeting_day", "notify_retry", "repeat_window_days", "report_targets", "sign_in", "timezone", *evaluations.SETTINGS)

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
        if key in evaluations.SETTINGS:  # the callbacks' share, points and attempts
            return evaluations.check_setting(key, value)
        if key == "timezone":
            if not isinstance(value, str) or not valid_timezone(value):
                raise RuleViolation(_("Unknown time zone {tz}").format(tz=value))
            return value
        if key == "center_code":  # the center's name at the head office (store/hq/ship.py): every row there carries it
            code = value.strip() if isinstance(value, str) else ""
            if not re.fullmatch(r"[A-Z0-9-]{1,16}", code):
                raise RuleViolation(_("center_code must be 1 to 16 capital letters, digits or '-', e.g. BJ-01"))
            return code
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
        if key == "duty_manager":  # the escalations' "duty manager" ('': every manager); a manager's login
            login = value.strip() if isinstance(value, str) else None
            if login is None or len(login) > 64:
                raise RuleViolation(_("duty_manager is a manager's login, or \"\" for every manager"))
            return login
        if key == "store_keeper":  # told when a part falls below its minimum ('': every manager)
            login = value.strip() if isinstance(value, str) else None
            if login is None or len(login) > 64:
                raise RuleViolation(_("store_keeper is a manager's login, or \"\" for every manager"))
            return login
        if key == "sign_in":  # a shared desk PC: ask who is at the keyboard (README "People, roles and the file")
            if not isinstance(value, bool):
                raise RuleViolation(_("sign_in must be true or false"))
            return value
        if key == "meeting_day":  # the fault-analysis meeting: improvement items fall due on it
            from ..rules.improve import check_meeting_day

            return check_meeting_day(value)
        if key == "report_targets":  # the figures' targets (store/rules/targets.py DEFAULT_TARGETS)
            from ..rules.targets import check_targets

            return check_targets(value)
        if key == "escalation":  # the ladder (store/rules/escalation.py)
            from ..rules.escalation import check_escalation

            return check_escalation(value)
        if key == "notify_retry":  # the sender's backoff (store/delivery.py Retry)
            from ..delivery import check_retry  # (the sender's module: only when the file sets it)

            return check_retry(value).to_json()
        if key == "complaint_step_hours":
            from ..rules.improve import check_step_hours

            return check_step_hours(value)
        if key == "fee_schedule":  # the fees' schedule (store/rules/fees.py)
            from ..rules.fees import check_fee_schedule

            return check_fee_schedule(value)
        if key == "invoice_check_days":  # an invoice unchecked this long after closing is listed
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
                raise RuleViolation(_("invoice_check_days must be a whole number of days from 1 to 365"))
            return value
        if key == "repeat_window_days":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
                raise RuleViolation(_("repeat_window_days must be a whole number of days from 1 to 365"))
            return value
        return check_calendar(value)

    @staticmethod
    def window_problem(response: Any, onsite: Any, resolve: Any) -> str | None:
        """What is wrong with a priority's three windows (minutes), or None:
        whole numbers, more than 0, response ≤ on site ≤ resolved, at most a
        year. The same rule for what is typed and for what a file holds."""
        values = (response, onsite, resolve)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
            return _("three whole numbers of minutes")
        if not 0 < response <= onsite <= resolve:
            return _("more than 0, and response ≤ on site ≤ resolved")
        if resolve > MAX_WINDOW_MIN:
            return _("at most {n} minutes (a year)").format(n=MAX_WINDOW_MIN)
        return None

    def policy_problem(self) -> tuple[int, str] | None:
        """The first priority whose stored windows are damaged (written by
        hand or by another tool), with what is wrong, or None."""
        for row in self.db.q("SELECT priority, response_min, onsite_min, resolve_min FROM sla_policy ORDER BY priority"):
            problem = self.window_problem(row[1], row[2], row[3])
            if problem is not None:
                return row[0], problem
        return None

    def settings_problem(self, windows: bool = True) -> str | None:
        """One line naming the first damaged setting and the command that
        mends it, or None. A file written by a bug, a hand edit or another
        tool may hold anything: bad JSON, a center name of a megabyte, a
        repeat window of 10^9 days (ticket creation would overflow), SLA
        windows negative, of 10^14 minutes or not numbers (``windows``
        False: all but those, for 'dispatch sla set', which mends them)."""
        def damaged(key: str, detail: Any, fix: str | None = None) -> str:
            return _("{path} has a damaged setting {key} ({detail}); fix it with '{fix}' or restore a backup").format(
                path=self.db.path, key=clean(key, single_line=True, limit=40),
                detail=clean(str(detail), single_line=True, limit=200),
                fix=fix or f"dispatch set {clean(key, single_line=True, limit=40)} VALUE")

        for key, raw in self.db.q("SELECT key, value FROM settings ORDER BY key"):
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
        bad = self.policy_problem() if windows else None
        if bad is not None:
            p, problem = bad
            shown = [clean(str(v), single_line=True, limit=30) for v in self.db.q(
                "SELECT response_min, onsite_min, resolve_min FROM sla_policy WHERE priority = ?", (p,))[0]]
            return damaged("sla_policy", f"P{clean(str(p), single_line=True, limit=20)} {' / '.join(shown)}: {problem}",
                           f"dispatch sla set {clean(str(p), single_line=True, limit=20)} RESPOND ONSITE RESOLVE")
        return None

    def setting_as_stored(self, key: str) -> Any:
        """The current value for the audit's "old", even when it is not JSON (a repair)."""
        rows = self.db.q("SELECT value FROM settings WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            return json.loads(rows[0][0])
        except (ValueError, TypeError):
            return rows[0][0]

    def set_setting(self, key: str, value: Any, progress: Progress | None = None) -> None:
        """Saved at once; a change that moves deadlines (calendar, time zone)
        then recomputes the open tickets in batches (``recompute``)."""
        value = self.check_setting(key, value)
        with self.db.write("settings.set") as tx:
            old = self.setting_as_stored(key)
            if key in ("duty_manager", "store_keeper") and value:  # checked in the write: they may not stay a manager otherwise
                row = tx.execute("SELECT role, disabled FROM users WHERE login = ?", (value,)).fetchone()
                if row is None or row[0] != "manager" or row[1]:
                    raise RuleViolation((_("{login} is not an active manager: the duty manager must be one")
                                         if key == "duty_manager" else
                                         _("{login} is not an active manager: the store keeper must be one")).format(
                        login=clean(value, single_line=True)))
            if key == "report_targets":  # only the keys given change (read in the write: no lost update)
                from ..rules.targets import merge_targets

                value = merge_targets(old, value)
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )
            tx.event("settings.set", "setting", None, None, {key: old}, {key: value})
            # Deadlines depend on the zone only through a calendar with local hours or holidays.
            again = key in ("calendar", "escalation") or (key == "timezone" and self.setting("calendar", {}) != {"kind": "24x7"})
            if again:
                self._start_recompute(tx)
        if again:
            self.recompute(progress)

    def mark_demo(self, seed: int) -> None:
        """Mark the file as a demo, which ``dispatch demo`` may delete and rebuild.
        Not a settable key: 'dispatch set' cannot turn a live file into a demo."""
        with self.db.write("settings.demo") as tx:
            old = self.setting_as_stored("demo")
            tx.execute("INSERT INTO settings (key, value) VALUES ('demo', 'true') "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            tx.event("settings.demo", "setting", None, None, {"demo": old}, {"demo": True, "seed": seed})

    def set_policy(self, priority: int, response_min: int, onsite_min: int, resolve_min: int,
                   progress: Progress | None = None) -> None:
        problem = self.window_problem(response_min, onsite_min, resolve_min)
        if problem is not None:
            raise RuleViolation(_("The SLA windows of P{p}: {problem}").format(p=priority, problem=problem))
        with self.db.write("sla_policy.set") as tx:
            old = self.policy().get(priority)
            tx.execute(
                "INSERT INTO sla_policy VALUES (?, ?, ?, ?) ON CONFLICT(priority) DO UPDATE SET "
                "response_min = excluded.response_min, onsite_min = excluded.onsite_min, "
                "resolve_min = excluded.resolve_min",
                (priority, response_min, onsite_min, resolve_min),
            )
            tx.event("sla_policy.set", "sla_policy", priority, None,
                        {"policy": old.__dict__ if old else None},
                        {"policy": [response_min, onsite_min, resolve_min]})
            self._start_recompute(tx)
        self.recompute(progress)

    # ------------------------------------------------------ batched recompute
    # A change of calendar, time zone or SLA policy moves every open ticket's
    # deadlines. Done in one transaction it held the write lock for 43–52 s on
    # 300,000 tickets: everyone else's writes failed "locked". So the setting
    # is committed with a marker, and the open tickets follow in batches, each
    # its own short transaction; the marker keeps the last id done, so an
    # interrupted recompute is finished by the next change or 'dispatch recompute'.
    #
    # A batch is sized by time, not count: 2,000 tickets held the lock about
    # 0.6 s on a busy machine (a dispatcher's save waited that long), and what
    # a ticket costs depends on the calendar and the machine's load. So a batch
    # stops once it has held the lock RECOMPUTE_BUDGET_S (the commit's own time
    # comes on top: well under 100 ms in all), and reads about as many rows as
    # the last batch managed in that time.
    RECOMPUTE_BATCH = 2000  # at most this many rows read per batch
    RECOMPUTE_BUDGET_S = 0.05
    RECOMPUTE_FIRST = 100  # rows read by the first batch, before any rate is known
    # Between batches the lock is left free this long. Writers through the
    # write path wait in the queue of turns (store/turns.py) and get in as a
    # batch commits; this is for a writer outside it, whose SQLite busy
    # handler looks again every few ms at first, later every 100 ms at most.
    RECOMPUTE_PAUSE_S = 0.02

    def _start_recompute(self, tx: Tx) -> None:
        """Inside the setting's write: check the new rules can place deadlines
        (one open ticket per priority, the rest follow), then mark the open
        tickets for recomputing from the first. Not while another priority's
        stored windows are damaged (a file being mended, 'dispatch sla set'
        one priority at a time): no deadline can be placed with them, the
        file is refused until they are mended, and mending the last one
        recomputes every open ticket with all that changed meanwhile."""
        if self.policy_problem() is not None:
            return
        policy, cal = self.policy(), self.calendar()
        # The first of each priority in the queue (queue_key starts with the
        # priority): a seek in the queue's index. The oldest by id was a scan of
        # every open ticket, 0.4 s with the write lock held at 300,000 open.
        sample = [r for p in PRIORITIES for r in tx.execute(
            "SELECT * FROM tickets WHERE is_open = 1 AND queue_key >= ? AND queue_key < ? ORDER BY queue_key LIMIT 1",
            (str(p), str(p + 1))).fetchall()]
        try:
            for r in sample:
                derive(dict(r), ticket_pauses(self.db, r["id"]), policy, cal)
        except ValueError as exc:  # e.g. one short window a week: deadlines decades away
            raise RuleViolation(_("This calendar cannot place the open tickets' deadlines ({e})").format(e=exc)) from None
        tx.execute("INSERT INTO settings (key, value) VALUES ('recompute_pending', ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (json.dumps({"after_id": 0}),))

    def recompute_pending(self) -> int:
        """How many open tickets still wait for new deadlines (0: none)."""
        mark = self.setting("recompute_pending")
        if mark is None:
            return 0
        return int(self.db.q("SELECT COUNT(*) FROM tickets WHERE is_open = 1 AND id > ?",
                           (int(mark.get("after_id", 0)),))[0][0])

    def recompute(self, progress: Progress | None = None, batch: int | None = None) -> int:
        """Recompute the marked open tickets in batches, each one BEGIN
        IMMEDIATE … COMMIT holding the lock at most about ``RECOMPUTE_BUDGET_S``
        (``batch``: at most that many tickets a batch). ``progress(done,
        total)`` after each. Returns how many tickets were recomputed."""
        cap = batch or self.RECOMPUTE_BATCH
        if self.policy_problem() is not None:  # no deadline can be placed; mending it recomputes (_start_recompute)
            return 0
        total, done = self.recompute_pending(), 0
        size = min(cap, self.RECOMPUTE_FIRST)
        while True:
            with self.db.write("settings.recompute") as tx:
                started = self.timer()
                mark = self.setting("recompute_pending")
                if mark is None:
                    break
                after = int(mark.get("after_id", 0))
                rows = [dict(r) for r in tx.execute(
                    "SELECT * FROM tickets WHERE is_open = 1 AND id > ? ORDER BY id LIMIT ?", (after, size))]
                n = self._recompute_rows(tx, rows, started, started + self.RECOMPUTE_BUDGET_S)
                finished = len(rows) < size and n == len(rows)
                if finished:
                    tx.execute("DELETE FROM settings WHERE key = 'recompute_pending'")
                else:
                    tx.execute("UPDATE settings SET value = ? WHERE key = 'recompute_pending'",
                               (json.dumps({"after_id": rows[n - 1]["id"]}),))
                took = self.timer() - started
            done += n
            if progress is not None:
                progress(done, max(total, done))
            if finished:
                break
            # Next time read about what fits in the budget at this batch's pace.
            pace = n / max(took, 1e-6)
            size = max(1, min(cap, int(pace * self.RECOMPUTE_BUDGET_S * 1.25) + 1))
            self.sleep(self.RECOMPUTE_PAUSE_S)
        return done

    def _recompute_rows(self, tx: Tx, rows: list[dict[str, Any]], started: float, deadline: float) -> int:
        """New deadlines for ``rows`` in id order while one more ticket, at
        the pace since ``started``, would still end before ``deadline``
        (always at least one): how many were done."""
        if not rows:
            return 0
        policy, cal = self.policy(), self.calendar()
        pauses: dict[int, list[Pause]] = {}
        for p in tx.execute(
                "SELECT ticket_id, started_at, ended_at FROM pauses WHERE ticket_id BETWEEN ? AND ? ORDER BY started_at",
                (rows[0]["id"], rows[-1]["id"])):
            pauses.setdefault(p[0], []).append(Pause(from_db(p[1]), from_db(p[2])))
        n = 0
        for row in rows:
            d = {**derive(row, pauses.get(row["id"], []), policy, cal), "esc_due": ""}  # escalations: look again
            tx.execute("UPDATE tickets SET " + ", ".join(f"{k} = ?" for k in d) + " WHERE id = ?",
                       [*d.values(), row["id"]])
            n += 1
            now = self.timer()
            if now + (now - started) / n > deadline:
                break
        return n

    # ------------------------------------------------------------- money
    @property
    def currency(self) -> str:
        """The symbol written before amounts (setting ``currency``, default ¥)."""
        return check_currency(self.setting("currency", DEFAULT_CURRENCY))

    def format_money(self, amount: Decimal) -> str:
        """An amount for display: the currency symbol, digits grouped, two decimals ("¥1,200.50")."""
        return format_money(amount, self.currency)

    @property
    def fee_confirm_above(self) -> Decimal:
        """Fees above this ask the user to confirm (setting ``fee_confirm_above``, default 5000)."""
        return check_fee_confirm_above(self.setting("fee_confirm_above", DEFAULT_FEE_CONFIRM_ABOVE))

    def fee_schedule(self) -> fees.FeeSchedule | None:
        """The schedule managers keep (setting ``fee_schedule``); None until one is set:
        the fee is then typed at closing, as before schedules."""
        from ..rules.fees import schedule_from

        value = self.setting("fee_schedule")
        return None if value is None else schedule_from(value)

    @property
    def invoice_check_days(self) -> int:
        """Invoices unchecked this many days after closing are listed (default 7)."""
        from ..rules.fees import INVOICE_CHECK_DAYS

        return int(self.setting("invoice_check_days", INVOICE_CHECK_DAYS))

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
