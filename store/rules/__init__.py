"""The rules: pure functions and values, no database (tests/test_import_hygiene.py checks it).

Working time and clocks (sla, working_hours, calendar, countdown, derive, stated), the
ticket's lifecycle (lifecycle: which step may follow which), the audit chain and its
replay (audit, replay, ledger, history), roles (auth), figures and scores (figures,
periods, targets, scoring, sampling, evaluations, improve), parts and fees (money,
stock, fees), inspections and escalation (inspections, inspection_figures, escalation,
notices)."""
