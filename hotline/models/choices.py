"""Choice lists shared by the hotline tables, the rules and the API (names are api.md's)."""

from django.db import models


class Kind(models.TextChoices):
    CONSULTATION = "consultation", "咨询"
    HELP = "help", "求助"
    OPINION = "opinion", "意见"
    SUGGESTION = "suggestion", "建议"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    PRAISE = "praise", "表扬"


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    WEB = "web", "网站"
    APP = "app", "手机客户端"
    SMS = "sms", "短信"
    MAILBOX = "mailbox", "信箱"
    NATIONAL_PORTAL = "national_portal", "中国政府网"
    NATIONAL_PLATFORM = "national_platform", "国家政务服务平台"
    PROVINCIAL_PLATFORM = "provincial_platform", "省级12345平台"
    OPEN311 = "open311", "开放接口（Open311）"


class Status(models.TextChoices):
    RECEIVED = "received", "已受理待派单"
    ANSWERED = "answered", "直接答复"
    HANDED_OVER = "handed_over", "已转其他热线"
    DISPATCHED = "dispatched", "已派单待签收"
    SIGNED = "signed", "已签收办理中"
    RETURN_REQUESTED = "return_requested", "退回待审核"
    EXTENSION_REQUESTED = "extension_requested", "延期待审核"
    REPLIED = "replied", "已答复待回访"
    CALLED_BACK = "called_back", "已回访待办结"
    CLOSED = "closed", "已办结"
    ARCHIVED = "archived", "已归档"


# States in which the matter is finished for the caller (Open311 "closed").
FINISHED = (Status.ANSWERED, Status.HANDED_OVER, Status.CLOSED, Status.ARCHIVED)
# States in which a handling unit holds the order.
WITH_UNIT = (Status.DISPATCHED, Status.SIGNED, Status.RETURN_REQUESTED, Status.EXTENSION_REQUESTED)


class HandoverTarget(models.TextChoices):
    POLICE = "110", "110 报警"
    FIRE = "119", "119 火警"
    AMBULANCE = "120", "120 急救"
    TRAFFIC = "122", "122 交通事故"
    UTILITY = "utility", "水电气热公共事业热线"


class SpecialKind(models.TextChoices):
    """§5: events with their own clocks or immediate reports."""

    NONE = "", "无"
    OUTAGE_WATER = "outage_water", "大面积停水"
    OUTAGE_POWER = "outage_power", "大面积停电"
    OUTAGE_GAS = "outage_gas", "大面积停气"
    OUTAGE_HEAT = "outage_heat", "大面积停热"
    POLLUTION = "pollution", "环境污染"
    NATURAL_DISASTER = "natural_disaster", "突发自然灾害"
    ACCIDENT = "accident", "事故灾难"
    PUBLIC_HEALTH = "public_health", "公共卫生事件"
    SOCIAL_SECURITY = "social_security", "社会安全事件"


# Mass outages and pollution: 2 h dispatch, 1 h initial feedback, daily progress.
OUTAGE_KINDS = (
    SpecialKind.OUTAGE_WATER,
    SpecialKind.OUTAGE_POWER,
    SpecialKind.OUTAGE_GAS,
    SpecialKind.OUTAGE_HEAT,
    SpecialKind.POLLUTION,
)
# Sudden events: reported at once to the local government, the 12345 authority and departments.
SUDDEN_KINDS = (
    SpecialKind.NATURAL_DISASTER,
    SpecialKind.ACCIDENT,
    SpecialKind.PUBLIC_HEALTH,
    SpecialKind.SOCIAL_SECURITY,
)
