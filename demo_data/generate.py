"""A believable bank-branch repair center, generated deterministically.

``generate_demo`` fills an empty store: three teams, a dozen technicians,
forty branches with about two hundred machines, four weeks of finished
tickets, and about forty open tickets placed relative to *now* so that every
open status and every SLA state (ok, at risk, breached, stopped while
waiting, stopped overdue) shows in the live queue. The generator only plans:
each ticket is then created and taken through its lifecycle by the Store's
public methods, on a clock the build moves, as the dispatcher who took each
step, so the audit log is the store's own and replays into the tickets.
Second-repair links are the store's too (machines are chosen so that its rule
links the tickets meant to repeat).

``generate_scale`` appends many tickets fast, for benchmarks, in bulk
through ``Store.load`` (no per-ticket history).

The same seed and the same ``now`` (to the second) give the same rows:
only ``random.Random(seed)`` is used, never the global generator or the real
time, and the number of tickets depends on the seed alone.
Plans hold times as integer epoch seconds.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pendulum
from pendulum import DateTime

from store import Store, Ticket
from store.sla import AT_RISK_SHARE, Policy

MIN = 60
HOUR = 3600
DAY = 86400
LOCAL_OFFSET = 8 * HOUR  # Asia/Shanghai, no DST
HISTORY_DAYS = 28  # four whole weeks: see _report_times
DISPATCHERS = ("dispatch1", "dispatch2", "dispatch3")
CENTER_NAME = "京城银行设备维修中心 Jingcheng Bank Repair Center"

Plan = dict[str, Any]

# ---------------------------------------------------------------- reference

TEAMS = [
    # name, technicians: (name, phone, skills, on_duty); the first is the foreman
    ("东区工班 East", [
        ("李强", "139 1001 2001", ["atm", "cash", "printer"], True),
        ("王磊", "139 1001 2002", ["network", "pc", "ups"], True),
        ("刘洋", "139 1001 2003", ["atm", "access", "other"], False),
        ("Mike Chen", "139 1001 2004", ["pc", "network", "printer"], True),
    ]),
    ("西区工班 West", [
        ("陈刚", "139 1001 3001", ["atm", "cash", "ups"], True),
        ("杨帆", "139 1001 3002", ["printer", "pc", "other"], True),
        ("赵军", "139 1001 3003", ["network", "access", "ups"], True),
        ("黄海", "139 1001 3004", ["atm", "printer", "cash"], False),
    ]),
    ("北区工班 North", [
        ("周涛", "139 1001 4001", ["network", "ups", "access"], True),
        ("吴斌", "139 1001 4002", ["atm", "cash", "printer"], True),
        ("David Li", "139 1001 4003", ["pc", "printer", "other"], False),
        ("孙悦", "139 1001 4004", ["atm", "network", "pc", "cash"], True),
    ]),
]

BANKS = ("工商银行", "建设银行", "农业银行", "中国银行", "交通银行", "招商银行", "浦发银行", "中信银行")
CN_BRANCHES = [
    ("朝阳支行", "朝阳区建国路"), ("海淀支行", "海淀区中关村大街"), ("西单支行", "西城区西单北大街"),
    ("国贸支行", "朝阳区建国门外大街"), ("望京支行", "朝阳区望京街"), ("东直门支行", "东城区东直门内大街"),
    ("亚运村支行", "朝阳区安立路"), ("丰台支行", "丰台区丰台北路"), ("通州支行", "通州区新华大街"),
    ("五道口支行", "海淀区成府路"), ("金融街支行", "西城区金融大街"), ("王府井支行", "东城区王府井大街"),
    ("回龙观支行", "昌平区回龙观西大街"), ("大兴支行", "大兴区兴华大街"), ("石景山支行", "石景山区石景山路"),
    ("前门支行", "东城区前门大街"), ("中关村支行", "海淀区中关村南大街"), ("双井支行", "朝阳区东三环中路"),
    ("崇文门支行", "东城区崇文门外大街"), ("亦庄支行", "大兴区荣华中路"), ("三里屯支行", "朝阳区工体北路"),
    ("公主坟支行", "海淀区复兴路"), ("和平里支行", "东城区和平里中街"), ("方庄支行", "丰台区蒲芳路"),
    ("上地支行", "海淀区上地信息路"), ("顺义支行", "顺义区府前中街"), ("昌平支行", "昌平区政府街"),
    ("房山支行", "房山区良乡拱辰大街"), ("天通苑支行", "昌平区立汤路"), ("鼓楼支行", "西城区鼓楼西大街"),
    ("牡丹园支行", "海淀区花园路"), ("劲松支行", "朝阳区劲松路"), ("万柳支行", "海淀区万柳中路"),
    ("望京 SOHO 支行", "朝阳区阜通东大街"),
]
EN_SITES = [
    ("HSBC Financial Street Sub-branch", "No. 1 Financial Street, Xicheng District, Beijing"),
    ("Standard Chartered Jianguomen Branch", "No. 8 Jianguomenwai Ave, Chaoyang District, Beijing"),
    ("Citibank Sanlitun Branch", "No. 19 Sanlitun Road, Chaoyang District, Beijing"),
    ("Bank of East Asia Wangjing Sub-branch", "No. 6 Futong East Ave, Chaoyang District, Beijing"),
    ("DBS Bank CBD Branch", "No. 81 Jianguo Road, Chaoyang District, Beijing"),
    ("Hang Seng Bank Zhongguancun Sub-branch", "No. 27 Zhongguancun Street, Haidian District, Beijing"),
]

PREFIX = {
    "atm": "ATM", "printer": "PRN", "cash": "CSH", "network": "NET",
    "ups": "UPS", "access": "ACC", "pc": "PC", "other": "OTH",
}
MODELS = {
    "atm": ("Hyosung MX8800", "GRG H68N", "Diebold Nixdorf DN200", "NCR SelfServ 6634"),
    "printer": ("Epson PLQ-35K", "Epson PLQ-20K", "OKI 5860SP", "Nantian PR2E"),
    "cash": ("Glory GFS-220", "Julong JL-2800", "Kisan K-500"),
    "network": ("Cisco C1111", "Huawei AR6140", "H3C MSR3620"),
    "ups": ("APC SRT3000", "APC SRT6KXLI", "Eaton 9SX 3000", "Santak C3K"),
    "access": ("ZKTeco inBio", "Hikvision DS-K2604", "ZKTeco SpeedFace V5L"),
    "pc": ("Lenovo ThinkCentre M930t", "Dell OptiPlex 7090", "HP ProDesk 400 G7"),
    "other": ("Queue ticket kiosk QM-300", "LED rate board P4", "Hikvision DS-7608 NVR"),
}
# How many machines of a category a branch has: fixed part + chance of one more.
PER_SITE = {
    "atm": (1, 0.5), "printer": (1, 0.0), "cash": (0, 0.6), "network": (1, 0.0),
    "ups": (0, 0.4), "access": (0, 0.25), "pc": (0, 0.25), "other": (0, 0.2),
}

# ---------------------------------------------------------------- tickets

CATEGORY_WEIGHTS = {
    "atm": 28, "printer": 22, "cash": 12, "network": 12, "ups": 6, "access": 6, "pc": 10, "other": 4,
}
PRIORITY_WEIGHTS = {
    "atm": (14, 34, 40, 12), "printer": (3, 22, 50, 25), "cash": (6, 30, 44, 20),
    "network": (18, 34, 36, 12), "ups": (12, 30, 40, 18), "access": (8, 26, 44, 22),
    "pc": (3, 20, 50, 27), "other": (1, 10, 44, 45),
}
CATEGORIES_ORDER = tuple(CATEGORY_WEIGHTS)
CHANNEL_WEIGHTS = {"phone": 55, "online": 20, "counter": 10, "email": 10, "other": 5}
REMOTE_SHARE = {
    "atm": 0.08, "printer": 0.1, "cash": 0.05, "network": 0.55, "ups": 0.15,
    "access": 0.2, "pc": 0.5, "other": 0.3,
}
CODES = ("E-204", "E-117", "0x3F", "F-31", "W-502", "C-0092", "E-9001", "ERR 12")

DESCRIPTIONS = {
    "atm": (
        "ATM 吞卡，屏幕显示故障代码 {code}",
        "ATM 不出钞，提示“暂停服务”",
        "取款机钞箱报警，无法加钞",
        "ATM receipt printer out of service, customers complaining",
        "Card reader rejects all cards, error {code}",
        "ATM 屏幕黑屏，机器无响应",
        "Cash dispenser jams on 100-yuan notes",
        "存款模块卡钞，客户 {amount} 元未入账，客户在现场等待",
        "ATM keypad: keys 3 and 7 not responding",
    ),
    "printer": (
        "Teller printer jams on passbook",
        "柜台存折打印机打印错行",
        "Passbook printer prints faint characters, ribbon?",
        "凭条打印机不进纸，指示灯闪烁",
        "Printer offline at counter {n}, driver error {code}",
        "存折打印机无法识别磁条",
    ),
    "cash": (
        "点钞机频繁报“疑币”，已校验无效",
        "Note counter miscounts mixed bundles",
        "清分机出钞口卡币",
        "Cash counter shows error {code} and stops",
        "点钞机开机自检不过",
    ),
    "network": (
        "网点网络中断，柜面系统无法登录",
        "Branch VPN to data center drops every few minutes",
        "路由器指示灯异常，业务系统响应慢",
        "Core banking terminal cannot reach host, ping timeouts",
        "网点 Wi-Fi 与内网同时断开",
    ),
    "ups": (
        "UPS 报警鸣叫，电池指示灯红色",
        "UPS on battery after power cut, about 10 min left",
        "机房 UPS 显示过载",
        "UPS self-test failed, replace-battery light on",
    ),
    "access": (
        "金库门禁刷卡无反应",
        "Access door to cash room does not lock",
        "门禁控制器离线，员工无法进入营业区",
        "Fingerprint reader at staff entrance rejects everyone",
    ),
    "pc": (
        "柜员电脑开机蓝屏",
        "Teller PC very slow, keyboard unresponsive",
        "PC at counter {n} cannot print or scan",
        "柜员终端无法读取 U 盾",
    ),
    "other": (
        "叫号机不出号",
        "LED 利率显示屏部分不亮",
        "Queue display shows wrong numbers",
        "监控录像机硬盘报警",
        "咨询：下月网点装修，设备是否需要移机",
    ),
}
HOSTILE = (
    "Screen shows [b]ERROR[/b] and [@click=app.quit] link",
    "Printer panel prints \x1b]0;pwned\x07 then \x1b[31mRED\x1b[0m text and beeps",
    "[red]URGENT[/red] <script>alert(1)</script> 100% {name} %s \\[/] unclosed [bold",
)

RESOLUTIONS = {
    "atm": (
        ("吞卡，报 E-204", "读卡器皮带磨损", "更换读卡器皮带，清洁通道，测试 20 次正常", "读卡器皮带 ×1"),
        ("Dispenser stops with pick failure", "Worn pick rollers in cassette 2",
         "Replaced pick rollers, recalibrated note thickness", "pick roller set ×1"),
        ("黑屏无响应", "工控机电源故障", "更换工控机电源，系统恢复", "ATX 电源 ×1"),
        ("Receipt printer down", "Paper jam and dirty thermal head", "Cleared jam, cleaned head, test print OK",
         "none"),
        ("存款模块卡钞", "钞票通道异物（回形针）", "清除异物，对账后客户款项已入账", "无"),
    ),
    "printer": (
        ("Passbook jams", "Worn feed roller", "Replaced feed roller and cleaned paper path", "feed roller ×1"),
        ("打印错行", "打印头定位传感器脏污", "清洁传感器并重新校准", "无"),
        ("字迹浅", "色带老化", "更换色带", "色带 ×2"),
        ("Printer offline", "Corrupt driver after Windows update", "Reinstalled driver, printed test page", "none"),
    ),
    "cash": (
        ("频繁报疑币", "磁性传感器灵敏度漂移", "校准传感器，升级鉴伪库", "无"),
        ("Miscounts", "Dusty counting sensor", "Cleaned sensors, adjusted hopper", "none"),
        ("卡币", "出钞轮磨损", "更换出钞轮", "出钞轮 ×1"),
    ),
    "network": (
        ("VPN drops", "ISP line unstable", "Switched to backup 4G link; ISP repaired the line", "none"),
        ("网络中断", "交换机端口故障", "更换跳线并改接备用端口，业务恢复", "网线 ×2"),
        ("Router reboot loop", "Faulty power adapter", "Replaced PSU, config verified", "Cisco PSU ×1"),
    ),
    "ups": (
        ("UPS alarm", "Battery end of life", "Replaced battery pack, self-test passed", "APC RBC battery ×1"),
        ("过载告警", "新增设备接入超出容量", "调整负载分配，建议扩容", "无"),
    ),
    "access": (
        ("刷卡无反应", "读卡头接线松动", "重新压接线并测试", "无"),
        ("Door does not lock", "Magnetic lock misaligned", "Realigned lock and bracket", "none"),
    ),
    "pc": (
        ("蓝屏", "内存条接触不良", "重新插拔并更换内存", "8 GB 内存 ×1"),
        ("Slow PC", "Failing hard disk", "Replaced disk with SSD, restored image", "SSD 256 GB ×1"),
    ),
    "other": (
        ("叫号机不出号", "热敏打印模块卡纸", "清理卡纸，更换纸卷", "热敏纸 ×2"),
        ("LED partially dark", "Failed LED module", "Replaced module", "LED module ×1"),
        ("咨询", "无故障", "电话解答，移机需提前一周预约", "无"),
    ),
}
CANCEL_REASONS = (
    "重复报修，已合并到早前工单", "Duplicate of an earlier report", "网点自行重启后恢复",
    "Reporter fixed it: power cable was loose", "误报：柜员操作问题，已电话指导",
    "Machine scheduled for replacement by the vendor",
)
PAUSE_NOTES = {
    "parts": ("等待备件：{part}", "Part on order from vendor, ETA tomorrow", "备件库无货，已申请调拨"),
    "customer": (
        "网点营业中，客户要求下班后处理", "Branch manager unavailable to open the cash room",
        "客户暂不方便，约定明早 9 点",
    ),
}
RESPOND_NOTES = ("已电话确认故障", "Called reporter, fault confirmed", "", "已联系网点，客户在现场", "")
REASSIGN_REASONS = (
    "原技术员在另一网点处理 P1 故障", "Needs network skills", "Technician went off duty", "就近调度",
)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("丽", "伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
         "婷", "建国", "海燕")
EN_NAMES = ("Emily Zhang", "Tom Wilson", "Grace Liu", "Kevin Wang", "Sarah Chen", "Jason Ho", "Anna Schmidt")
FEES = (5000, 8000, 12000, 15000, 28000, 45000, 68000)

# The open tickets of the demo: (status, priority, SLA state, variant). Every
# open status meets every SLA state; waiting tickets have an open pause.
OPEN_SPECS: list[tuple[str, int, str, str]] = [
    ("new", 1, "ok", ""), ("new", 2, "at_risk", ""), ("new", 3, "breached", ""), ("new", 4, "ok", ""),
    ("new", 2, "breached", ""), ("new", 3, "at_risk", "responded"), ("new", 4, "ok", "responded"),
    ("new", 1, "breached", "responded"), ("new", 3, "ok", ""),
    ("assigned", 1, "ok", ""), ("assigned", 2, "ok", ""), ("assigned", 3, "at_risk", ""),
    ("assigned", 4, "breached", ""), ("assigned", 2, "at_risk", "unresponded"),
    ("assigned", 3, "ok", "unresponded"), ("assigned", 1, "breached", ""), ("assigned", 3, "breached", ""),
    ("assigned", 4, "ok", ""),
    ("onsite", 1, "at_risk", "onsite"), ("onsite", 2, "ok", "onsite"), ("onsite", 3, "ok", "remote"),
    ("onsite", 2, "breached", "onsite"), ("onsite", 4, "at_risk", "remote"), ("onsite", 3, "breached", "remote"),
    ("onsite", 4, "ok", "onsite"), ("onsite", 3, "ok", "paused_before"), ("onsite", 1, "breached", "onsite"),
    ("waiting", 2, "ok", "parts/onsite"), ("waiting", 3, "at_risk", "parts/onsite"),
    ("waiting", 1, "breached", "parts/onsite"), ("waiting", 4, "ok", "customer/assigned"),
    ("waiting", 3, "ok", "customer/new"), ("waiting", 2, "at_risk", "customer/onsite"),
    ("waiting", 4, "breached", "customer/assigned"),
    ("resolved", 1, "", ""), ("resolved", 2, "", ""), ("resolved", 3, "", ""), ("resolved", 3, "", ""),
    ("resolved", 4, "", ""), ("resolved", 2, "", ""),
]
# Indexes into OPEN_SPECS: which open tickets carry hostile text, which are second repairs.
HOSTILE_AT = {2: 0, 10: 1, 24: 2}
REPEAT_AT = {12, 19}

# Open-ticket mix for generate_scale: statuses with variants, and SLA states.
SCALE_OPEN = [
    ("new", ""), ("new", ""), ("new", "responded"),
    ("assigned", ""), ("assigned", ""), ("assigned", "unresponded"),
    ("onsite", "onsite"), ("onsite", "onsite"), ("onsite", "remote"),
    ("waiting", "parts/onsite"), ("waiting", "customer/assigned"), ("waiting", "customer/onsite"),
    ("resolved", ""), ("resolved", ""),
]
SCALE_STATES = ("ok", "ok", "ok", "at_risk", "breached")

TICKET_COLUMNS = (
    "id", "version", "status", "priority", "channel", "reporter", "phone", "site_id", "equipment_id",
    "category", "description", "reported_at", "created_by", "technician_id", "first_response_at",
    "assigned_at", "arrived_at", "arrival_mode", "resolved_at", "closed_at", "cancelled_at", "wait_reason",
    "paused_from", "symptom", "cause", "action", "parts", "signoff", "fee_cents", "cancel_reason",
    "repeat_of", "is_open", "updated_at", "updated_by",
)


# ---------------------------------------------------------------- helpers

def _iso(s: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s))


class _IsoTable:
    """Fast ``to_db`` text for integer epoch seconds: a day prefix plus a
    precomputed time of day (86,400 strings), falling back to strftime."""

    def __init__(self, lo: int, hi: int):
        self.base = lo // DAY
        self.days = [time.strftime("%Y-%m-%dT", time.gmtime(d * DAY)) for d in range(self.base, hi // DAY + 1)]
        self.tod = [f"{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)]

    def __call__(self, s: int) -> str:
        i = s // DAY - self.base
        if 0 <= i < len(self.days):
            return self.days[i] + self.tod[s % DAY]
        return _iso(s)


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randint(0, 9)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"


def _person(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return rng.choice(EN_NAMES)
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _describe(rng: random.Random, category: str) -> str:
    text = rng.choice(DESCRIPTIONS[category])
    return text.format(code=rng.choice(CODES), n=rng.randint(1, 8), amount=rng.choice((2000, 5000, 10000)))


def _windows(pol: Policy) -> tuple[int, int, int]:
    return pol.response_min * MIN, pol.onsite_min * MIN, pol.resolve_min * MIN


def _empty(store: Store) -> bool:
    return not store.sites(limit=1)


# ---------------------------------------------------------------- reference data

def _reference(rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    teams, techs = [], []
    for team_id, (team_name, members) in enumerate(TEAMS, start=1):
        first = len(techs) + 1
        for name, phone, skills, on_duty in members:
            techs.append({
                "id": len(techs) + 1, "name": name, "team_id": team_id, "phone": phone,
                "skills": json.dumps(skills), "on_duty": int(on_duty),
            })
        teams.append({"id": team_id, "name": team_name, "foreman_id": first})

    named = []
    for branch, road in CN_BRANCHES:
        name = f"{rng.choice(BANKS)} {branch}"
        named.append((name, f"北京市{road} {rng.randint(1, 199)} 号"))
    named += EN_SITES
    rng.shuffle(named)
    sites = [
        {"id": i, "code": f"BR{i:03d}", "name": name, "address": address}
        for i, (name, address) in enumerate(named, start=1)
    ]

    equipment: list[dict[str, Any]] = []
    numbers = dict.fromkeys(PREFIX, 0)
    for site in sites:
        for category, (fixed, extra) in PER_SITE.items():
            for _ in range(fixed + (rng.random() < extra)):
                numbers[category] += 1 + (rng.random() < 0.15)  # some tags retired: gaps
                equipment.append({
                    "id": len(equipment) + 1, "site_id": site["id"],
                    "asset_tag": f"{PREFIX[category]}-{numbers[category]:04d}",
                    "category": category, "model": rng.choice(MODELS[category]),
                })
    return {"sites": sites, "teams": teams, "technicians": techs, "equipment": equipment}


def _contacts(rng: random.Random, sites: list[dict[str, Any]]) -> dict[int, list[tuple[str, str]]]:
    """A few regular callers per branch (the same people phone again)."""
    out = {}
    for site in sites:
        people = [(_person(rng), _mobile(rng)) for _ in range(3)]
        people.append((f"{rng.choice(SURNAMES)}主任", f"010-{rng.randint(5000, 8999)} {rng.randint(0, 9999):04d}"))
        out[site["id"]] = people
    return out


class _Crew:
    """Picks technicians: the branch's team first, with the skill, on duty if asked."""

    def __init__(self, ref: dict[str, list[dict[str, Any]]]):
        self.techs = ref["technicians"]
        self.skills = {t["id"]: set(json.loads(t["skills"])) for t in self.techs}
        self.team_ids = sorted({t["team_id"] for t in self.techs})

    def team_of(self, site_id: int) -> int:
        return self.team_ids[(site_id - 1) % len(self.team_ids)]

    def pick(self, rng: random.Random, site_id: int, category: str, on_duty: bool, not_id: int | None = None) -> int:
        team = self.team_of(site_id)
        pool = [t for t in self.techs if t["id"] != not_id and (t["on_duty"] or not on_duty)]
        for choice in (
            [t for t in pool if t["team_id"] == team and category in self.skills[t["id"]]],
            [t for t in pool if category in self.skills[t["id"]]],
            pool,
        ):
            if choice:
                return rng.choice(choice)["id"]
        return self.techs[0]["id"]


# ---------------------------------------------------------------- lifecycle plans

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


# ---------------------------------------------------------------- history through the store

# One lifecycle step of one ticket, played through the Store's public methods:
# (at, plan index, rank, sequence, actor, method, arguments). Sorting by the
# first four plays the whole history in time order; at one instant the earlier
# ticket goes first (so a repair resolved at the very second a new fault on the
# same machine is reported counts for it), and within a ticket ``rank`` keeps
# the lifecycle order.
Step = tuple[int, int, int, int, str, str, dict[str, Any]]
RANK = {"create_ticket": 0, "assign": 1, "reassign": 2, "respond": 3, "arrive": 4, "pause": 5, "resume": 6,
        "resolve": 7, "close": 8, "cancel": 9}


class _Clock:
    """The build's clock: the store reads it for every write, the build moves it
    to each step's instant, so events, ticket times and pauses are the store's own."""

    def __init__(self, at: int):
        self.at = pendulum.from_timestamp(at)

    def __call__(self) -> DateTime:
        return self.at

    def to(self, at: int) -> None:
        self.at = pendulum.from_timestamp(at)


def _steps(rng: random.Random, k: int, plan: Plan, info: dict[str, Any]) -> list[Step]:
    """The calls that take ticket ``k`` through ``plan``, each by a dispatcher."""
    out: list[Step] = []

    def add(at: int, method: str, args: dict[str, Any], rank: str | None = None) -> None:
        out.append((at, k, RANK[rank or method], len(out), rng.choice(DISPATCHERS), method, args))

    add(plan["rep"], "create_ticket", {
        key: info[key] for key in ("priority", "channel", "reporter", "phone", "site_id", "equipment_id",
                                   "category", "description")})
    tech = info.get("technician_id")
    if plan["assigned"] is not None and tech is not None:
        first = info.get("first_technician_id") or tech
        add(plan["assigned"], "assign", {"technician_id": first})
        if plan["reassign"] is not None and first != tech:
            add(plan["reassign"], "assign", {"technician_id": tech, "reason": rng.choice(REASSIGN_REASONS)},
                "reassign")
    if plan["fr"] is not None:
        add(plan["fr"], "respond", {"note": rng.choice(RESPOND_NOTES)})
    if plan["arrived"] is not None:
        add(plan["arrived"], "arrive", {"mode": plan["mode"]})
    for reason, _from, start, end in plan["pauses"]:
        note = rng.choice(PAUSE_NOTES[reason]).format(part=info["parts"])
        add(start, "pause", {"reason": reason, "note": note})
        if end is not None:
            add(end, "resume", {})
    if plan["resolved"] is not None:
        symptom, cause, action, parts = info["resolution"]
        add(plan["resolved"], "resolve", {"symptom": symptom, "cause": cause, "action": action, "parts": parts})
    if plan["closed"] is not None:
        fee = rng.choice(FEES) if rng.random() < 0.2 else None
        add(plan["closed"], "close", {"signoff": info["signoff"], "fee": None if fee is None else Decimal(fee) / 100})
    if plan["cancelled"] is not None:
        add(plan["cancelled"], "cancel", {"reason": rng.choice(CANCEL_REASONS)})
    return out


def _play(store: Store, clock: _Clock, steps: list[Step]) -> None:
    """Every step through the store, in time order, as the dispatcher who took it."""
    tickets: dict[int, Ticket] = {}
    for at, k, _rank, _seq, actor, method, args in sorted(steps, key=lambda s: s[:4]):
        clock.to(at)
        store.actor = actor
        if method == "create_ticket":
            tickets[k] = store.create_ticket(args)
        else:
            t = tickets[k]
            tickets[k] = getattr(store, method)(t.id, t.version, **args)


def _load_reference(store: Store, ref: dict[str, list[dict[str, Any]]], note: dict[str, Any]) -> None:
    """Sites, teams, technicians and equipment in one bulk write (until the
    store has methods to add reference data one by one)."""
    store.load("demo.reference", ref, note)


# ---------------------------------------------------------------- rows (scale)

class _Rows:
    """Turns open-ticket plans into ticket and pause rows for ``Store.load``:
    the --scale path, where a million tickets cannot each take half a dozen
    writes (its closed tickets are built inline in ``generate_scale``). No
    per-ticket events: the load records one event for the whole batch."""

    def __init__(self, rng: random.Random, iso: Callable[[int], str]):
        self.rng = rng
        self.iso = iso
        self.pauses: list[dict[str, Any]] = []

    def ticket(self, tid: int, plan: Plan, info: dict[str, Any]) -> dict[str, Any]:
        rng, iso = self.rng, self.iso
        status = plan["status"]
        row: dict[str, Any] = dict.fromkeys(TICKET_COLUMNS)
        row.update(
            id=tid, status=status, priority=info["priority"], channel=info["channel"],
            reporter=info["reporter"], phone=info["phone"], site_id=info["site_id"],
            equipment_id=info["equipment_id"], category=info["category"], description=info["description"],
            reported_at=iso(plan["rep"]), created_by=rng.choice(DISPATCHERS), repeat_of=info["repeat_of"],
            is_open=int(status not in ("closed", "cancelled")),
        )
        times = [plan["rep"]]
        if plan["assigned"] is not None and info.get("technician_id") is not None:
            row.update(technician_id=info["technician_id"], assigned_at=iso(plan["assigned"]))
            times.append(plan["assigned"])
        if plan["fr"] is not None:
            row["first_response_at"] = iso(plan["fr"])
            times.append(plan["fr"])
        if plan["arrived"] is not None:
            row.update(arrived_at=iso(plan["arrived"]), arrival_mode=plan["mode"])
            times.append(plan["arrived"])
        for reason, paused_from, start, end in plan["pauses"]:
            note = rng.choice(PAUSE_NOTES[reason]).format(part=info["parts"])
            self.pauses.append({"ticket_id": tid, "reason": reason, "note": note,
                                "started_at": iso(start), "ended_at": None if end is None else iso(end)})
            row["paused_from"] = paused_from
            times += [start] if end is None else [start, end]
        if status == "waiting":
            row["wait_reason"] = plan["wait_reason"]
        if plan["resolved"] is not None:
            symptom, cause, action, parts = info["resolution"]
            row.update(resolved_at=iso(plan["resolved"]), symptom=symptom, cause=cause, action=action, parts=parts)
            times.append(plan["resolved"])
        row.update(version=len(times), updated_at=iso(max(times)), updated_by=rng.choice(DISPATCHERS))
        return row

# ---------------------------------------------------------------- demo

def _report_times(rng: random.Random, now: int) -> list[int]:
    """Reported instants of four weeks of tickets: busy weekdays, office hours (local).

    The history is 28 slices of 24 h ending two hours before ``now``, not
    calendar days cut at ``now``: cutting days at the build instant made the
    number of tickets depend on the time of day (one build had 1,516 tickets,
    another minutes later 1,515). Four whole weeks hold each weekday four
    times, and every day's count is drawn before any ticket, from ranges of
    the same size, so the total depends on the seed alone."""
    end = now - 2 * HOUR
    hours = [1, 1, 1, 1, 1, 1, 2, 4, 9, 12, 12, 11, 8, 10, 11, 11, 10, 8, 5, 3, 2, 2, 1, 1]
    draws = [rng.randint(0, 8) for _ in range(HISTORY_DAYS)]
    out = []
    for back in range(HISTORY_DAYS, 0, -1):
        start = end - back * DAY
        midday = start + DAY // 2 + LOCAL_OFFSET
        weekday = (midday // DAY + 3) % 7  # 0 = Monday, of the slice's middle (local)
        n = draws[back - 1] + (26 if weekday >= 5 else 58)
        start_tod = (start + LOCAL_OFFSET) % DAY
        for _ in range(n):
            hour = rng.choices(range(24), weights=hours)[0]
            tod = hour * HOUR + rng.randrange(HOUR)
            out.append(start + (tod - start_tod) % DAY)  # that local time of day, within the slice
    out.sort()
    return out


class _Devices:
    """Which machine a ticket names, so that ``repeat_of`` follows the rule
    exactly: a machine gets a new (not repeat) ticket only if none of its
    tickets was resolved in the repeat window before, and never while one is
    still being worked on."""

    def __init__(self, equipment: list[dict[str, Any]], window_s: int):
        self.window_s = window_s
        self.by_category: dict[str, list[dict[str, Any]]] = {}
        for e in equipment:
            self.by_category.setdefault(e["category"], []).append(e)
        self.history: dict[int, list[tuple[int, int | None, int | None, int]]] = {}
        self.reserved: set[int] = set()

    def reserve(self, rng: random.Random, category: str) -> dict[str, Any] | None:
        free = [e for e in self.by_category.get(category, []) if e["id"] not in self.reserved]
        if not free:
            return None
        e = rng.choice(free)
        self.reserved.add(e["id"])
        return e

    def _state(self, eid: int, rep: int) -> tuple[bool, int | None]:
        """(busy, id of the most recent resolved ticket within the window)."""
        busy, best = False, None
        for r0, end, resolved, tid in self.history.get(eid, []):
            if r0 <= rep and (end is None or end > rep):
                busy = True
            if resolved is not None and rep - self.window_s <= resolved <= rep and (best is None or resolved > best[0]):
                best = (resolved, tid)
        return busy, best[1] if best else None

    def choose(self, rng: random.Random, category: str, rep: int, repeat: bool,
               reserved: dict[str, Any] | None = None) -> tuple[dict[str, Any] | None, int | None]:
        if reserved is not None:
            return reserved, self._state(reserved["id"], rep)[1]
        fresh, again = [], []
        for e in self.by_category.get(category, []):
            if e["id"] in self.reserved:
                continue
            busy, earlier = self._state(e["id"], rep)
            if busy:
                continue
            (again if earlier is not None else fresh).append((e, earlier))
        pool = again if repeat and again else fresh
        if not pool:
            return None, None
        return rng.choice(pool)

    def record(self, eid: int, rep: int, plan: Plan, tid: int) -> None:
        self.history.setdefault(eid, []).append((rep, plan["end"], plan["resolved"], tid))


def generate_demo(store: Store, *, seed: int = 7, now: DateTime | None = None) -> dict[str, int]:
    """Fill an empty, initialised store with a believable repair center.

    Every ticket is created and moved through its lifecycle by the store's own
    methods, on a clock the build moves and as the dispatcher who took each
    step: the audit log is the store's, and replays into the tickets exactly.
    The store's clock and actor are put back afterwards.

    Returns the number of rows per table afterwards (and ``pauses``)."""
    if not _empty(store) or store.max_ticket_id():
        raise ValueError("generate_demo needs an empty database")
    rng = random.Random(seed)
    now_dt = (now or store.now()).in_timezone("UTC")
    now_s = now_dt.int_timestamp
    policy = store.policy()
    window_s = int(store.setting("repeat_window_days", 30)) * DAY

    ref = _reference(rng)
    contacts = _contacts(rng, ref["sites"])
    crew = _Crew(ref)
    devices = _Devices(ref["equipment"], window_s)

    # Plans: (reported, kind order, plan, info) — sorted by reported time, the order the store numbers them.
    plans: list[tuple[int, int, Plan, dict[str, Any]]] = []
    for i, (status, prio, state, variant) in enumerate(OPEN_SPECS):
        category = _weighted(rng, CATEGORY_WEIGHTS)
        device = None if i in REPEAT_AT or rng.random() < 0.1 else devices.reserve(rng, category)
        plan = _plan_open(rng, now_s, policy[prio], category, status, state, variant)
        info = {"priority": prio, "category": category, "reserved": device, "repeat": i in REPEAT_AT,
                "on_duty": True}
        if i in HOSTILE_AT:
            info["description"] = HOSTILE[HOSTILE_AT[i]]
        plans.append((plan["rep"], i, plan, info))
    for n, rep in enumerate(_report_times(rng, now_s)):
        category = _weighted(rng, CATEGORY_WEIGHTS)
        prio = rng.choices((1, 2, 3, 4), weights=PRIORITY_WEIGHTS[category])[0]
        if rng.random() < 0.04:
            plan = _plan_cancelled(rng, rep)
        else:
            plan = _plan_finished(rng, rep, policy[prio], category)
        late = plan["end"] - (now_s - 5 * MIN)
        if late > 0:  # everything in the history is finished by now
            plan = _shift(plan, -late)
        info = {"priority": prio, "category": category, "reserved": None,
                "repeat": rng.random() < 0.05, "wants_device": rng.random() < 0.8, "on_duty": False}
        plans.append((plan["rep"], 1000 + n, plan, info))
    plans.sort(key=lambda p: (p[0], p[1]))

    steps: list[Step] = []
    for k, (rep, _, plan, info) in enumerate(plans):
        category = info["category"]
        device, repeat_of = None, None
        if info["reserved"] is not None or info["repeat"] or info.get("wants_device", True):
            # Chosen so that the store's own second-repair rule links the
            # tickets meant to repeat (and only those): see _Devices.
            device, repeat_of = devices.choose(rng, category, rep, info["repeat"], info["reserved"])
        site_id = device["site_id"] if device else rng.randint(1, len(ref["sites"]))
        if device:
            devices.record(device["id"], rep, plan, k)
        reporter, phone = rng.choice(contacts[site_id])
        resolution = rng.choice(RESOLUTIONS[category])
        description = info.get("description") or _describe(rng, category)
        if repeat_of is not None and rng.random() < 0.6:
            description = rng.choice(("二次报修：", "Again: ", "上周刚修过，")) + description
        tech = first = None
        if plan["assigned"] is not None:
            tech = crew.pick(rng, site_id, category, info["on_duty"])
            if plan["reassign"] is not None:
                first = crew.pick(rng, site_id, category, False, not_id=tech)
        steps += _steps(rng, k, plan, {
            "priority": info["priority"], "channel": _weighted(rng, CHANNEL_WEIGHTS),
            "reporter": reporter, "phone": phone, "site_id": site_id,
            "equipment_id": device["id"] if device else None, "category": category,
            "description": description, "technician_id": tech, "first_technician_id": first,
            "resolution": resolution, "parts": resolution[3],
            "signoff": reporter if rng.random() < 0.7 else contacts[site_id][-1][0],
        })

    actor, store_clock = store.actor, store.clock
    clock = _Clock(min(s[0] for s in steps) - HOUR)  # the center is set up before its first ticket
    store.clock = clock
    try:
        store.actor = DISPATCHERS[0]
        store.set_setting("timezone", "Asia/Shanghai")
        store.set_setting("center_name", CENTER_NAME)
        _load_reference(store, ref, {"demo": True, "seed": seed, "now": _iso(now_s)})
        _play(store, clock, steps)
    finally:
        store.actor, store.clock = actor, store_clock
    counts = store.stats()
    counts["pauses"] = sum(1 for s in steps if s[5] == "pause")
    return counts


def _shift(plan: Plan, delta: int) -> Plan:
    out = dict(plan)
    for key in ("rep", "assigned", "fr", "arrived", "resolved", "closed", "cancelled", "end", "reassign"):
        if out.get(key) is not None:
            out[key] += delta
    out["pauses"] = [(r, f, s + delta, None if e is None else e + delta) for r, f, s, e in plan["pauses"]]
    return out


# ---------------------------------------------------------------- scale

def generate_scale(store: Store, n: int, *, seed: int = 7, now: DateTime | None = None,
                   open_share: float = 0.1, chunk: int = 50_000,
                   progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Append ``n`` tickets fast (benchmarks): the last ~365 days, ``open_share``
    of them open with deadlines near now, the rest closed or cancelled. Adds
    the reference data first if the store is empty. No per-ticket events.
    ``progress`` is called with the number of tickets written after each chunk."""
    rng = random.Random(seed)
    now_dt = (now or store.now()).in_timezone("UTC")
    now_s = now_dt.int_timestamp
    counts = {"sites": 0, "teams": 0, "technicians": 0, "equipment": 0, "tickets": 0, "pauses": 0}
    if _empty(store):
        store.set_setting("timezone", "Asia/Shanghai")
        store.set_setting("center_name", CENTER_NAME)
        ref = _reference(random.Random(seed))
        store.load("demo.scale.reference", ref, {"scale": True, "seed": seed})
        for table in ("sites", "teams", "technicians", "equipment"):
            counts[table] = len(ref[table])
    else:
        ref = _reference_from(store)
    policy = store.policy()
    windows = {p: _windows(pol) for p, pol in policy.items()}
    iso = _IsoTable(now_s - 400 * DAY, now_s + 5 * DAY)
    crew = _Crew(ref)

    # Pools: per-ticket work is a handful of rng.random() calls and list lookups.
    site_ids = [s["id"] for s in ref["sites"]]
    categories = [c for c, w in CATEGORY_WEIGHTS.items() for _ in range(w)]
    prio_table = {c: [p for p, w in zip((1, 2, 3, 4), ws, strict=True) for _ in range(w)]
                  for c, ws in PRIORITY_WEIGHTS.items()}
    channels = [c for c, w in CHANNEL_WEIGHTS.items() for _ in range(w)]
    descriptions = {c: [_describe(rng, c) for _ in range(40)] for c in CATEGORIES_ORDER}
    people = [(_person(rng), _mobile(rng)) for _ in range(500)]
    techs_for = {c: [t["id"] for t in ref["technicians"] if c in crew.skills[t["id"]]] or [1]
                 for c in CATEGORIES_ORDER}
    on_duty = {t["id"] for t in ref["technicians"] if t["on_duty"]}
    on_duty_for = {c: [t for t in ts if t in on_duty] or ts for c, ts in techs_for.items()}
    equipment = [(e["id"], e["site_id"], e["category"]) for e in ref["equipment"]]
    resolutions = {c: RESOLUTIONS[c] for c in CATEGORIES_ORDER}
    r = rng.random
    n_open = round(n * open_share)
    n_closed = n - n_open
    next_id = store.max_ticket_id() + 1
    start = now_s - 365 * DAY
    step = (365 * DAY - 3 * DAY) / max(1, n_closed)
    last_on_device: dict[int, int] = {}
    builder = _Rows(rng, iso)
    batch: list[dict[str, Any]] = []
    pauses = builder.pauses  # open waiting tickets add their open pause here

    def flush() -> None:
        if batch:
            store.load("demo.scale", {"tickets": batch, "pauses": pauses},
                       {"scale": True, "seed": seed, "first": batch[0]["id"], "last": batch[-1]["id"]})
            counts["tickets"] += len(batch)
            counts["pauses"] += len(pauses)
            if progress is not None:
                progress(len(batch))
            batch.clear()
            pauses.clear()

    for i in range(n_closed):
        tid = next_id + i
        rep = start + int(i * step + r() * step)
        if r() < 0.4:
            eid, site_id, category = equipment[int(r() * len(equipment))]
            prev = last_on_device.get(eid)
            repeat_of = prev if prev is not None and r() < 0.08 else None
            last_on_device[eid] = tid
        else:
            eid, repeat_of = None, None
            site_id = site_ids[int(r() * len(site_ids))]
            category = categories[int(r() * len(categories))]
        ps = prio_table[category]
        prio = ps[int(r() * len(ps))]
        wr, wo, wres = windows[prio]
        reporter, phone = people[int(r() * len(people))]
        ds = descriptions[category]
        row = dict.fromkeys(TICKET_COLUMNS)
        row["id"] = tid
        row["priority"] = prio
        row["channel"] = channels[int(r() * len(channels))]
        row["reporter"] = reporter
        row["phone"] = phone
        row["site_id"] = site_id
        row["equipment_id"] = eid
        row["category"] = category
        row["description"] = ds[int(r() * len(ds))]
        row["created_by"] = DISPATCHERS[i % 3]
        row["repeat_of"] = repeat_of
        row["is_open"] = 0
        row["updated_by"] = DISPATCHERS[(i + 1) % 3]
        if r() < 0.04:
            end = rep + 300 + int(r() * 7200)
            if end > now_s - 300:
                rep -= end - (now_s - 300)
                end = now_s - 300
            row["status"] = "cancelled"
            row["version"] = 2
            row["cancelled_at"] = row["updated_at"] = iso(end)
            row["cancel_reason"] = CANCEL_REASONS[i % len(CANCEL_REASONS)]
        else:
            fr = int(wr * (0.1 + 0.85 * r())) if r() < 0.92 else int(wr * (1.05 + 1.4 * r()))
            arrived = max(int(wo * (0.3 + 0.67 * r())) if r() < 0.87 else int(wo * (1.05 + 0.75 * r())), fr + 300)
            resolved = max(int(wres * (0.3 + 0.65 * r())) if r() < 0.9 else int(wres * (1.05 + r())),
                           arrived + 900)
            closed = resolved + 600 + int(r() * 30000)
            if rep + closed > now_s - 300:
                rep = now_s - 300 - closed
            ts = techs_for[category]
            symptom, cause, action, parts = resolutions[category][i % len(resolutions[category])]
            row["status"] = "closed"
            row["version"] = 6
            row["technician_id"] = ts[int(r() * len(ts))]
            row["first_response_at"] = iso(rep + fr)
            row["assigned_at"] = iso(rep + fr // 2)
            row["arrived_at"] = iso(rep + arrived)
            row["arrival_mode"] = "remote" if r() < 0.25 else "onsite"
            row["resolved_at"] = iso(rep + resolved)
            row["closed_at"] = row["updated_at"] = iso(rep + closed)
            row["symptom"] = symptom
            row["cause"] = cause
            row["action"] = action
            row["parts"] = parts
            row["signoff"] = reporter
            row["fee_cents"] = FEES[i % len(FEES)] if r() < 0.2 else None
        row["reported_at"] = iso(rep)
        batch.append(row)
        if len(batch) >= chunk:
            flush()

    for j in range(n_open):
        tid = next_id + n_closed + j
        status, variant = SCALE_OPEN[j % len(SCALE_OPEN)]
        state = SCALE_STATES[(j // len(SCALE_OPEN)) % len(SCALE_STATES)] if status != "resolved" else ""
        eid = None
        if r() < 0.6:
            eid, site_id, category = equipment[int(r() * len(equipment))]
        else:
            site_id = site_ids[int(r() * len(site_ids))]
            category = categories[int(r() * len(categories))]
        ps = prio_table[category]
        prio = ps[int(r() * len(ps))]
        plan = _plan_open(rng, now_s, policy[prio], category, status, state, variant)
        reporter, phone = people[int(r() * len(people))]
        ts = on_duty_for[category]
        ds = descriptions[category]
        batch.append(builder.ticket(tid, plan, {
            "priority": prio, "channel": channels[int(r() * len(channels))], "reporter": reporter,
            "phone": phone, "site_id": site_id, "equipment_id": eid, "category": category,
            "description": ds[int(r() * len(ds))], "repeat_of": None,
            "technician_id": ts[int(r() * len(ts))] if plan["assigned"] is not None else None,
            "first_technician_id": None, "resolution": resolutions[category][j % len(resolutions[category])],
            "parts": resolutions[category][0][3], "signoff": reporter,
        }))
        if len(batch) >= chunk:
            flush()
    flush()
    return counts



def _reference_from(store: Store) -> dict[str, list[dict[str, Any]]]:
    """The reference data already in the store, in the shape ``_reference`` gives."""
    conn = store.conn
    sites = [dict(r) for r in conn.execute("SELECT * FROM sites ORDER BY id")]
    techs = [dict(r) for r in conn.execute("SELECT * FROM technicians ORDER BY id")]
    equipment = [dict(r) for r in conn.execute("SELECT * FROM equipment ORDER BY id")]
    teams = [dict(r) for r in conn.execute("SELECT * FROM teams ORDER BY id")]
    return {"sites": sites, "teams": teams, "technicians": techs, "equipment": equipment}
