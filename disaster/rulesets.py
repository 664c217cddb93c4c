"""Registration of the disaster rule keys (JSON schemas shown and enforced in the admin)."""

from __future__ import annotations

from typing import Any

from disaster.rules import defaults
from portal import rulesets

LEVEL_ENUM = ["IV", "III", "II", "I"]
_count: dict[str, Any] = {"type": "integer", "minimum": 0}
_ratio: dict[str, Any] = {"type": "string", "pattern": r"^(0(\.\d+)?|1(\.0+)?)$"}
_hours: dict[str, Any] = {"type": "number", "exclusiveMinimum": 0}
_clock: dict[str, Any] = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$"}

RESPONSE_LEVELS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["levels", "deciders"],
    "properties": {
        "levels": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["level", "thresholds"],
                "properties": {
                    "level": {"enum": LEVEL_ENUM},
                    "thresholds": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "deaths": _count,
                            "deaths_missing": _count,
                            "relocated": _count,
                            "needing_aid": _count,
                            "collapsed_rooms": _count,
                            "collapsed_households": _count,
                            "drought_share": _ratio,
                            "drought_count": _count,
                        },
                    },
                },
            },
        },
        "agricultural_population": {"type": ["integer", "null"], "minimum": 0},
        "deciders": {
            "type": "object",
            "required": LEVEL_ENUM,
            "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        },
        "report_to": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

REPORT_DEADLINES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": sorted(k for k in defaults.REPORT_DEADLINES_V1 if k != "major_change_on_level_rise"),
    "properties": {
        **{
            k: _hours
            for k, v in defaults.REPORT_DEADLINES_V1.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        },
        "major_threshold": {"type": "integer", "minimum": 1},
        "county_cutoff": _clock,
        "city_cutoff": _clock,
        "major_change_on_level_rise": {"type": "boolean"},
    },
}

RESPONSE_TASKS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["tasks"],
    "properties": {
        "tasks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "title", "min_level", "group"],
                "properties": {
                    "code": {"type": "string", "pattern": r"^[a-z_]{2,40}$"},
                    "title": {"type": "string", "minLength": 2},
                    "min_level": {"enum": LEVEL_ENUM},
                    "group": {"type": "string"},
                    "basis": {"type": "string"},
                },
            },
        }
    },
}


def register_all() -> None:
    rulesets.register(
        defaults.RESPONSE_LEVELS_KEY,
        title="自然灾害救助应急响应启动条件",
        schema=RESPONSE_LEVELS_SCHEMA,
        source="驻政办〔2024〕17号 5.1–5.5",
        help="各级响应的启动条件下限（“以上”含本数）；全市农牧业人口；各级响应的决定角色。",
        readings=[
            "取满足条件的最高级别：数值超过某级区间上限但未达上一级下限时，仍按该级启动（只比较下限）。",
            "“倒塌房屋”指倒塌和严重损坏房屋，按间或户计。",
            "紧急转移安置与需紧急生活救助人数分别与标准比较，任一达到即满足（两者有重叠，不相加）。",
            "四级的人员条件只计死亡人数；三级至一级计死亡和失踪人数。",
            "干旱占比的分母为全市农牧业人口（本参数，按生效日期管理）；未设置或为 0 时不评估占比条件。",
            "5.5 调整：对某一灾害过程可按系数调整标准或直接认定等级，并同时显示按标准和调整后的结果。",
            "一级响应的决定角色含 city_admin，代表“必要时市政府直接决定”。",
        ],
    )
    rulesets.register(
        defaults.REPORT_DEADLINES_KEY,
        title="灾情报送时限",
        schema=REPORT_DEADLINES_SCHEMA,
        source="驻政办〔2024〕17号 4.1.3、4.2.1–4.2.4",
        help="小时、分钟、自然日；每日续报截止时间为北京时间。",
        readings=[
            "10人以上死亡（含失踪）或遇险被困：死亡、失踪、被困人数相加。",
            "24小时零报告：县区每日 09:00 前报送截至前一日 24 时的数据，市级每日 10:00 前汇总上报。",
            "重大变化“立即”报告：按 major_change_minutes 分钟计，标为紧急。",
            "旱情初报按 2 小时，旱情核报按 7 日；续报自上次旱情报告起每 10 日（国家响应期间 5 日）。",
            "市级核报汇总 2 日自最后一个受灾县区的核报起算。",
            "电话、传真、卫星电话先行报告的，登记后 backfill_hours 小时内补录系统，按实际报告时间计算及时率。",
        ],
    )
    rulesets.register(
        defaults.RESPONSE_TASKS_KEY,
        title="应急响应任务（按工作组）",
        schema=RESPONSE_TASKS_SCHEMA,
        source="驻政办〔2024〕17号 2.2、5.1.3–5.4.3",
        help="启动或提升响应时按等级创建的任务；group 为工作组单位代码（wg-*）。",
    )
