"""The rule keys of the assistance app: their JSON schemas and the defaults of version 1.

Registered in `AssistanceConfig.ready()`; version 1 is seeded by migration 0002. The gazette
text (驻政办〔2024〕16号) names the standards but gives no figures: the defaults below are
placeholders for each county's published standard (documented in docs/assistance.md) and are
edited by admins on the standards page, each change dated and with a reason.
"""

from __future__ import annotations

from typing import Any

STANDARDS = "assistance.standards"
PROCEDURE = "assistance.procedure"
MONITORING = "assistance.monitoring"

COUNTY_CODES = [
    "yicheng",
    "xiping",
    "shangcai",
    "pingyu",
    "zhengyang",
    "queshan",
    "biyang",
    "runan",
    "suiping",
    "xincai",
    "zone-chengxiang",
    "zone-kaifa",
    "zone-gaoxin",
]

_MONEY = {"type": "string", "pattern": r"^\d+(\.\d{1,2})?$"}
_RATIO = {"type": "string", "pattern": r"^\d+(\.\d+)?$"}
_AREA_ENTRY = {
    "type": "object",
    "required": ["dibao", "tekun"],
    "properties": {"dibao": _MONEY, "tekun": _MONEY},
    "additionalProperties": False,
}
_COUNTY_ENTRY = {
    "type": "object",
    "required": ["urban", "rural"],
    "properties": {"urban": _AREA_ENTRY, "rural": _AREA_ENTRY},
    "additionalProperties": False,
}

STANDARDS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "city_default",
        "counties",
        "near_dibao_multiplier",
        "monitoring_line",
        "rigid_expenditure_share",
    ],
    "properties": {
        "city_default": _COUNTY_ENTRY,
        "counties": {"type": "object", "additionalProperties": _COUNTY_ENTRY},
        "near_dibao_multiplier": _RATIO,
        "monitoring_line": _MONEY,
        "rigid_expenditure_share": _RATIO,
        "readings": {
            "type": "object",
            "properties": {
                "elderly_age": {"type": "integer", "minimum": 0},
                "minor_age": {"type": "integer", "minimum": 0},
                "severe_grades": {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 4}},
                "severe_grade3_categories": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}

_DEFAULT_AREAS = {
    "urban": {"dibao": "7440.00", "tekun": "9672.00"},
    "rural": {"dibao": "5280.00", "tekun": "6864.00"},
}

STANDARDS_DEFAULT: dict[str, Any] = {
    "city_default": _DEFAULT_AREAS,
    "counties": {code: _DEFAULT_AREAS for code in COUNTY_CODES},
    "near_dibao_multiplier": "1.5",
    "monitoring_line": "7300.00",
    "rigid_expenditure_share": "0.5",
    "readings": {
        "elderly_age": 60,
        "minor_age": 18,
        "severe_grades": [1, 2],
        "severe_grade3_categories": ["intellectual", "mental"],
    },
}

_DAYS = {"type": "integer", "minimum": 1, "maximum": 366}

PROCEDURE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "offer_publicity_working_days",
        "switch_working_days",
        "exit_transfer_working_days",
        "publicity_days",
        "review_months",
        "review_months_able",
    ],
    "properties": {
        "offer_publicity_working_days": _DAYS,
        "switch_working_days": _DAYS,
        "exit_transfer_working_days": _DAYS,
        "publicity_days": _DAYS,
        "review_months": {"type": "integer", "minimum": 1, "maximum": 60},
        "review_months_able": {"type": "integer", "minimum": 1, "maximum": 60},
        "working_age": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "able_capacities": {"type": "array", "items": {"enum": ["none", "partial", "full"]}},
        "verification_valid_days": _DAYS,
    },
}

PROCEDURE_DEFAULT: dict[str, Any] = {
    "offer_publicity_working_days": 3,
    "switch_working_days": 3,
    "exit_transfer_working_days": 3,
    "publicity_days": 7,
    "review_months": 12,
    "review_months_able": 6,
    "working_age": [16, 60],
    "able_capacities": ["full", "partial"],
    "verification_valid_days": 90,
}

NEEDS = {
    "basic_living": "基本生活",
    "medical": "医疗",
    "education": "教育",
    "housing": "住房",
    "employment": "就业",
    "disaster": "受灾",
    "judicial": "司法",
    "worker": "困难职工",
    "disability": "残疾人帮扶",
    "other": "其他",
}

MONITORING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["visit_days", "referral_departments"],
    "properties": {
        "visit_days": {
            "type": "object",
            "required": ["red", "orange", "yellow"],
            "properties": {"red": _DAYS, "orange": _DAYS, "yellow": _DAYS},
        },
        "working_days": {"type": "boolean"},
        "referral_departments": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

MONITORING_DEFAULT: dict[str, Any] = {
    "visit_days": {"red": 3, "orange": 7, "yellow": 15},
    "working_days": False,
    "referral_departments": {
        "basic_living": ["mzj"],
        "medical": ["ybj", "wjw"],
        "education": ["jyj"],
        "housing": ["zjj"],
        "employment": ["rsj"],
        "disaster": ["yjj"],
        "judicial": ["sfj"],
        "worker": ["zgh"],
        "disability": ["cl"],
        "other": ["mzj"],
    },
}


def register_all() -> None:
    from portal.rulesets import register

    register(
        STANDARDS,
        title="低收入人口认定标准（低保、特困、低保边缘倍数、监测线、刚性支出比例）",
        schema=STANDARDS_SCHEMA,
        source="驻政办〔2024〕16号 一(一)；assistance.md §1–§2",
        help="金额为元/人·年（字符串）；按县区和城乡分别设定，未设定的县区采用全市默认。",
        readings=[
            "老年人 = 60 周岁及以上；未成年人 = 不满 18 周岁；残疾人 = 持残疾证",
            "重残 = 一、二级残疾，或三级智力、三级精神残疾",
            "低于 = 严格小于；人均收入 = 家庭年收入 ÷ 人数，不取整比较",
            "刚性支出困难：扣除刚性支出后人均收入低于低保标准，或刚性支出超过家庭收入的设定比例（默认 50%）",
        ],
    )
    register(
        PROCEDURE,
        title="低收入人口认定程序时限（3 个工作日、公示期、定期复核）",
        schema=PROCEDURE_SCHEMA,
        source="驻政办〔2024〕16号 一(三)；assistance.md §3、§5a",
        readings=[
            "告知其他类别后 3 个工作日内（经同意）在村（社区）公示",
            "可能符合更优先类别的，经同意 3 个工作日内转换程序",
            "退出低保、特困的，经同意 3 个工作日内转入低保边缘或刚性支出认定程序",
            "低保、特困家庭每 12 个月复核；有劳动年龄且有劳动能力成员的家庭每 6 个月复核",
        ],
    )
    register(
        MONITORING,
        title="动态监测预警（入户核查时限、按需推送部门）",
        schema=MONITORING_SCHEMA,
        source="驻政办〔2024〕16号 二(二)；assistance.md §4",
        readings=["入户核查时限：红色 3 天、橙色 7 天、黄色 15 天（自然日，可改为工作日）"],
    )
