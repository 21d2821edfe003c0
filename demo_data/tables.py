"""The demo's fixed data: the center, its teams, branches and machines, the
words of faults and repairs, people's names, and the mixes of open tickets
(a data table: every row is read by the generators)."""

from __future__ import annotations

from typing import Any

MIN = 60


HOUR = 3600


DAY = 86400


LOCAL_OFFSET = 8 * HOUR  # Asia/Shanghai, no DST


HISTORY_DAYS = 28  # four whole weeks: see _report_times


DISPATCHERS = ("dispatch1", "dispatch2", "dispatch3")


CENTER_NAME = "京城银行设备维修中心 Jingcheng Bank Repair Center"
# The fee schedule the demo ends with (issue 25): closing a resolved ticket proposes from it.
DEMO_FEES = {"labour": "priority", "per_priority": {"1": "300", "2": "200", "3": "150", "4": "100"},
             "call_out": "50", "parts_margin": "0.15", "rounding": "1"}


Plan = dict[str, Any]


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
