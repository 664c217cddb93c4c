from django import template

register = template.Library()

EVENT_LABELS = {
    "create": "受理",
    "answer": "直接答复",
    "handover": "转其他热线",
    "handover_result": "登记转交结果",
    "dispatch": "派单",
    "sign": "签收",
    "assist_sign": "协办签收",
    "feedback": "初步办理意见",
    "progress": "办理进度",
    "return": "申请退回",
    "review_return": "审核退回",
    "request_extension": "申请延期",
    "review_extension": "审核延期",
    "unfinished_reply": "未办结回复",
    "reply": "办理答复",
    "assist_report": "协办报告",
    "callback": "回访",
    "redo": "发回重办",
    "close": "办结",
    "archive": "归档",
    "urge": "催办",
    "reassign": "改派",
    "reopen": "重启",
    "link_duplicate": "关联重复诉求",
    "link_incident": "关联事件",
    "incident_report": "突发事件报告",
}


@register.filter
def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


@register.filter
def pct(value: object) -> str:
    """A ratio as a percentage with two decimals (never rounded across a target)."""
    if value is None or value == "":
        return "—"
    return f"{value * 100:.2f}%"  # type: ignore[operator]
