"""Registration of the disaster rule keys (JSON schemas shown and enforced in the admin)."""

from __future__ import annotations

from typing import Any

from disaster.rules import defaults, relief_defaults
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


_monthday: dict[str, Any] = {"type": "string", "pattern": r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"}
_damage: dict[str, Any] = {"type": "array", "items": {"enum": ["collapsed", "severe", "general", "none"]}}

RELIEF_SUPPLIES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["replenish_days", "receipt_hours"],
    "additionalProperties": False,
    "properties": {
        "replenish_days": {"type": "integer", "minimum": 1},
        "receipt_hours": {"type": "number", "exclusiveMinimum": 0},
    },
}

WINTER_SPRING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["survey_start", "survey_started_by", "needs_due", "late_days", "open_for"],
    "additionalProperties": False,
    "properties": {
        "survey_start": _monthday,
        "survey_started_by": _monthday,
        "needs_due": _monthday,
        "late_days": {"type": "integer", "minimum": 0},
        "open_for": {"enum": ["affected", "all"]},
    },
}

RELIEF_AID_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["transitional_categories", "reconstruction_damage", "winter_spring_households"],
    "additionalProperties": False,
    "properties": {
        "transitional_categories": {"type": "array", "items": {"enum": ["dead", "missing", "needs_aid"]}},
        "reconstruction_damage": _damage,
        "winter_spring_households": {
            "type": "object",
            "required": ["needs_aid", "damage"],
            "properties": {"needs_aid": {"type": "boolean"}, "damage": _damage},
        },
        "require_city_response": {"type": "boolean"},
    },
}


def register_relief() -> None:
    rulesets.register(
        relief_defaults.RELIEF_SUPPLIES_KEY,
        title="救灾物资调拨与调用补偿时限",
        schema=RELIEF_SUPPLIES_SCHEMA,
        source="驻政办〔2024〕17号 7.2.5",
        help="replenish_days：上级调用下级储备物资后补充或资金补偿的期限（自然日）；receipt_hours：调拨物资确认接收期限（小时）。",
        readings=[
            "7.2.5 只规定“调用后给予补充或给予资金补偿”，未规定期限：默认 30 日，可调整。",
            "调拨单由接收县区确认接收，默认 48 小时内（原文未规定，可调整）。",
            "“上级调用下级”：调拨单位（市级）高于被调用仓库的所属单位（县区）时产生补充/补偿义务。",
        ],
    )
    rulesets.register(
        relief_defaults.WINTER_SPRING_KEY,
        title="冬春救助年度时限",
        schema=WINTER_SPRING_SCHEMA,
        source="驻政办〔2024〕17号 6.3.1–6.3.2",
        help="月-日（MM-DD），北京时间当日 24 时截止。",
        readings=[
            "“9 月开始组织…调查”：9 月 1 日开始，9 月 30 日前须已开始调查。",
            "“10 月中旬…报上一级”：10 月 15 日 24 时前上报需救助情况。",
            "灾区：当年有灾害过程（开始于当年）的县区（open_for=affected）；all 表示全部县区。",
            "调查开始后才列入的县区，各期限至少为列入后 late_days 日。",
        ],
    )
    rulesets.register(
        relief_defaults.RELIEF_AID_KEY,
        title="灾后救助对象范围",
        schema=RELIEF_AID_SCHEMA,
        source="驻政办〔2024〕17号 6.1–6.3、4.3.3",
        help="各类灾后救助从救助台账中可核定的人员类别和住房受损等级。",
        readings=[
            "过渡期生活救助对象：台账中“需政府救助”人员。",
            "倒损住房恢复重建：倒塌、严重损坏（重建）和一般损坏（维修）住房户。",
            "冬春救助：需政府救助户，及住房倒塌、严重损坏户。",
            "require_city_response=true 时，只有启动过市级响应的灾害过程才能开展过渡期生活救助和倒损住房恢复重建（6.1.1、6.2.1）。",
        ],
    )


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
    register_relief()
