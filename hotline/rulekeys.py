"""Registration of the hotline's rule keys with their JSON schemas (called from AppConfig.ready)."""

from __future__ import annotations

from hotline import ruledata
from portal.rulesets import register

_DAYS = {"type": ["integer", "null"], "minimum": 1, "maximum": 365}
_KINDS = ["consultation", "help", "opinion", "suggestion", "complaint", "report", "praise"]
_RATIO = {"type": "string", "pattern": r"^(0(\.\d+)?|1(\.0+)?)$"}

TIME_LIMITS_SCHEMA = {
    "type": "object",
    "required": ["dispatch_hours", "sign_hours", "handling_working_days", "special"],
    "additionalProperties": False,
    "properties": {
        "dispatch_hours": {"type": "number", "exclusiveMinimum": 0},
        "sign_hours": {"type": "number", "exclusiveMinimum": 0},
        "sign_postponed_by_non_working_days": {"type": "boolean"},
        "handling_working_days": {
            "type": "object",
            "required": _KINDS,
            "additionalProperties": False,
            "properties": {k: _DAYS for k in _KINDS},
        },
        "channel_overrides": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {k: _DAYS for k in _KINDS},
            },
        },
        "subject_overrides": {"type": "object", "additionalProperties": _DAYS},
        "assist_share": _RATIO,
        "max_extension_days": _DAYS,
        "special": {
            "type": "object",
            "required": ["dispatch_hours", "initial_feedback_hours", "progress_every_hours"],
            "additionalProperties": False,
            "properties": {
                "dispatch_hours": {"type": "number", "exclusiveMinimum": 0},
                "initial_feedback_hours": {"type": "number", "exclusiveMinimum": 0},
                "progress_every_hours": {"type": "number", "exclusiveMinimum": 0},
            },
        },
    },
}

KNOWLEDGE_SCHEMA = {
    "type": "object",
    "required": ["review_months", "question_working_days"],
    "additionalProperties": False,
    "properties": {
        "review_months": {"type": "integer", "minimum": 1, "maximum": 60},
        "question_working_days": {"type": "integer", "minimum": 1, "maximum": 60},
    },
}

STANDARDS_SCHEMA = {
    "type": "object",
    "required": ["connect_rate", "answer_seconds", "message_minutes", "mailbox_hours"],
    "additionalProperties": False,
    "properties": {
        "connect_rate": _RATIO,
        "answer_seconds": {"type": "integer", "minimum": 1},
        "message_minutes": {"type": "integer", "minimum": 1},
        "mailbox_hours": {"type": "integer", "minimum": 1},
        # Optional target shares for the "within" figures (none in the standard's text: not judged).
        "answer_share": {"anyOf": [_RATIO, {"type": "null"}]},
        "message_share": {"anyOf": [_RATIO, {"type": "null"}]},
        "mailbox_share": {"anyOf": [_RATIO, {"type": "null"}]},
    },
}

ANALYSIS_SCHEMA = {
    "type": "object",
    "required": ["duplicate_window_hours", "spike_factor", "spike_min_count", "repeat_address_min"],
    "additionalProperties": False,
    "properties": {
        "duplicate_window_hours": {"type": "integer", "minimum": 1},
        "spike_factor": {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
        "spike_baseline_days": {"type": "integer", "minimum": 1},
        "spike_min_count": {"type": "integer", "minimum": 1},
        "repeat_address_min": {"type": "integer", "minimum": 2},
        "repeat_address_days": {"type": "integer", "minimum": 1},
        "ranking_weights": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"on_time": _RATIO, "resolution": _RATIO, "satisfaction": _RATIO},
        },
    },
}


def register_all() -> None:
    register(
        ruledata.TIME_LIMITS_KEY,
        title="12345 工单时限",
        schema=TIME_LIMITS_SCHEMA,
        source="驻政办〔2024〕23号 第四、十二、十四条；豫政办〔2024〕3号",
        help="派单、签收、办理时限（按诉求类型，工作日），渠道/分类覆盖，协办比例，特殊事项时限",
        readings=[
            "“N 个工作日”＝签收当日之后第 N 个工作日的 24:00（北京时间）",
            "签收 24 小时只计工作日时间（非工作日顺延）",
            "派单 24 小时（特殊事项 2 小时）按自然小时计（热线 7×24 小时）",
            "分类覆盖优先于渠道覆盖，渠道覆盖优先于类型默认值",
            "协办单位时限＝主办时限 × 比例，向上取整，至少 1 个工作日，自协办单位签收起算",
        ],
    )
    register(
        ruledata.KNOWLEDGE_KEY,
        title="12345 知识库",
        schema=KNOWLEDGE_SCHEMA,
        source="驻政办〔2024〕23号 第十六–十九条",
        readings=["知识库问题答复时限（工作日）为本系统设定的默认值，原文未规定具体天数"],
    )
    register(
        ruledata.STANDARDS_KEY,
        title="12345 服务标准",
        schema=STANDARDS_SCHEMA,
        source="GB/T 33358-2016；驻政办〔2024〕23号 第十条",
        readings=["接通率“不低于 95%”含 95%"],
    )
    register(
        ruledata.ANALYSIS_KEY,
        title="12345 数据分析",
        schema=ANALYSIS_SCHEMA,
        source="驻政办〔2024〕23号 第二十三条",
        readings=["重复诉求窗口、激增倍数、同一地址重复投诉次数为本系统设定的默认值"],
    )
