"""``dispatch hq export month``: the company's month as a workbook (XlsxWriter,
as the center's month workbook, store/transfer/workbooks.py): a sheet per
group of figures with a column per center and one for the company, the values
as numbers (shares as fractions, times in seconds) so a spreadsheet can
work on them, and the ranking across the centers. Written beside its name
and renamed into place when complete."""

from __future__ import annotations

from pathlib import Path

from ..files import replace_when_done
from ..hq.figures import COMPANY, CompanyReport
from ..hq.scores import HqScores
from ..i18n import N_, _, pgettext
from ..rules.figures import Figure
from .xlsx import Sheet, new_book

# The figures by group (figures.figure_defs keys, in the report's order): one sheet each.
GROUPS: list[tuple[str, tuple[str, ...]]] = [
    (N_("Response"), ("response_mean", "response_median", "response_p80", "response_online_mean", "notified_within",
                      "notified_mean", "notified_median", "not_notified", "not_notified_no_address",
                      "not_notified_failed")),
    (N_("Times"), ("arrive_mean", "arrive_median", "mttr_mean", "mttr_median", "mttr_p80")),
    (N_("Deadlines"), ("sla_response", "sla_onsite", "sla_resolve", "completion", "within_4h")),
    (N_("Quality"), ("first_time_fix", "repeat_fault", "satisfied_share", "score_mean", "unsatisfied", "unreachable",
                     "complaints_resolved", "items_on_time")),
    (N_("Inspections"), ("inspections_on_time", "inspection_findings", "inspections_missed")),
    (N_("Volume"), ("opened", "closed", "cancelled", "backlog")),
]


def unit_word(unit: str) -> str:
    return {"seconds": _("seconds"), "share": _("share (0–1)"), "count": _("count"), "score": _("points")}.get(unit, unit)


def write_company_month(report: CompanyReport, scores: HqScores, path: Path) -> dict[str, int]:
    with replace_when_done(path) as tmp, tmp.open("wb") as fh:
        book, f = new_book(fh, None, streamed=False)
        codes = [c.code for c in report.centers]
        by_key = {code: {x.key: x for x in report.figures[code]} for code in [*codes, COMPANY]}
        for title, keys in GROUPS:
            sheet = Sheet(book, _(title), [_("Figure"), _("Unit"), *codes, _("Company")], f, "UTC")
            for key in keys:
                company: Figure = by_key[COMPANY][key]
                sheet.add([company.label, unit_word(company.unit),
                           *[by_key[code][key].value for code in [*codes, COMPANY]]])
            sheet.close()
        heads = [_("Rank"), pgettext("head office", "Center"), _("Name"), _("Team"), _("Evaluated tickets"), _("Points"), _("Score"),
                 _("Satisfied share"), _("Star / winner")]
        for title, rows, star in ((_("Technicians"), scores.technicians, _("star")),
                                  (_("Teams"), scores.teams, _("winner"))):
            sheet = Sheet(book, title, heads, f, "UTC")
            for r in rows:
                sheet.add([r.rank, r.center, r.name, r.team_name, r.count, r.total, round(float(r.score), 4),
                           round(float(r.satisfied_share), 4), star if (r.star or r.winner) else ""])
            sheet.close()
        centers = Sheet(book, _("Centers"), [pgettext("head office", "Center"), _("Zone"), _("Last shipped (UTC)")], f, "UTC")
        for c in report.centers:
            centers.add([c.code, c.timezone, c.shipped_at])
        centers.close()
        book.close()
    return {"centers": len(codes), "figures": sum(len(k) for _t, k in GROUPS), "technicians": len(scores.technicians)}


def groups() -> list[tuple[str, tuple[str, ...]]]:
    """The groups with their titles translated now."""
    return [(_(t), keys) for t, keys in GROUPS]
