"""A made-up helpdesk history for bench/import_bench.py --history: ``n``
tickets over two years on the file's own sites, equipment and technicians
(a small reference set is loaded first into an empty file), as the rows of
the CSV ``dispatch import tickets`` reads. 4 % cancelled, the rest closed,
two thirds of those with a callback's answer. Standard library only, so it
runs against main's code too (``--code``)."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

COLUMNS = ("old_number", "opened_at", "site", "equipment", "category", "priority", "description", "reporter",
           "phone", "technician", "assigned_at", "responded_at", "arrived_at", "arrival", "resolved_at", "closed_at",
           "cause", "action", "parts", "callback_at", "satisfaction", "cancelled_at", "cancel_reason")
FAULTS = [("ATM吞卡，客户卡片无法退出", "读卡器皮带磨损", "更换读卡器皮带", "读卡器皮带 x1"),
          ("柜台打印机卡纸", "搓纸轮老化", "更换搓纸轮", "搓纸轮 x1"),
          ("网点网络中断，业务无法办理", "交换机端口故障", "更换端口并重新配置", "无"),
          ("UPS告警鸣叫", "电池老化", "更换电池组", "UPS电池 x4")]
FMT = "%Y-%m-%d %H:%M"
ANSWERS = ["满意", "满意", "满意", "基本满意", "不满意", "satisfied"]


def reference(store: Any) -> dict[str, list[dict[str, Any]]]:
    """The file's sites, teams, technicians and equipment; an empty file gets 20 sites,
    3 teams of 4 technicians and 200 machines first."""
    ref: dict[str, list[dict[str, Any]]] = store.admin.reference_rows()
    if ref["sites"]:
        return ref
    store.settings.set_setting("timezone", "Asia/Shanghai")
    made: dict[str, list[dict[str, Any]]] = {
        "sites": [{"id": i, "code": f"BR{i:03d}", "name": f"支行 {i}", "address": ""} for i in range(1, 21)],
        "teams": [{"id": t, "name": f"Team {t}", "foreman_id": None} for t in range(1, 4)],
        "technicians": [{"id": i, "name": f"技术员{i:02d}", "team_id": 1 + (i - 1) // 4, "phone": f"1380000{i:04d}",
                         "skills": json.dumps(["atm", "printer", "network", "ups"]), "on_duty": 1} for i in range(1, 13)],
        "equipment": [{"id": i, "site_id": 1 + i % 20, "asset_tag": f"EQ-{i:04d}",
                       "category": ("atm", "printer", "network", "ups")[i % 4], "model": ""} for i in range(1, 201)],
    }
    store.admin.load("bench.reference", made, {"bench": "history"})
    return store.admin.reference_rows()  # type: ignore[no-any-return]


def history_rows(store: Any, n: int, seed: int = 28) -> list[dict[str, str]]:
    rng = random.Random(seed)
    ref = reference(store)
    codes = {s["id"]: s["code"] for s in ref["sites"]}
    machines = [(e["asset_tag"], codes[e["site_id"]], e["category"]) for e in ref["equipment"]]
    techs = [t["name"] for t in ref["technicians"] if t["team_id"] is not None]
    start = datetime(2024, 1, 1, 8, 0)
    step = timedelta(days=700) / max(1, n)
    rows = []
    for i in range(n):
        opened = start + step * i
        def at(minutes: int, _o: datetime = opened) -> str:
            return (_o + timedelta(minutes=minutes)).strftime(FMT)

        tag, site, category = machines[rng.randrange(len(machines))]
        desc, cause, action, parts = FAULTS[i % len(FAULTS)]
        row = dict.fromkeys(COLUMNS, "")
        row.update(old_number=f"OLD-{i:07d}", opened_at=opened.strftime(FMT), site=site,
                   equipment=tag if rng.random() < 0.6 else "", category=category, priority=str(1 + i % 4),
                   description=desc, reporter=f"客户{i % 500}", phone=f"010 {6000_0000 + i % 9999}")
        if rng.random() < 0.04:
            row.update(cancelled_at=at(30), cancel_reason="客户自行解决")
        else:
            r = 10 + rng.randrange(40)
            row.update(technician=techs[rng.randrange(len(techs))], assigned_at=at(5), responded_at=at(r),
                       arrived_at=at(r + 30 + rng.randrange(90)), arrival="现场", resolved_at=at(r + 150 + rng.randrange(200)),
                       closed_at=at(r + 400 + rng.randrange(600)), cause=cause, action=action, parts=parts)
            if rng.random() < 0.66:
                row.update(callback_at=(opened + timedelta(days=2)).strftime("%Y-%m-%d"),
                           satisfaction=ANSWERS[rng.randrange(len(ANSWERS))])
        rows.append(row)
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
