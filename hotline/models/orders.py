"""Work orders (工单) and everything that happens to them.

Every state change goes through one service in `hotline.services.orders`; rows written there
are immutable records (events, replies, callbacks, decisions). The clock fields of the current
handling period live on the order itself (`signed_at`, `due_at`, `replied_at`, `reply_late`),
so the filtered lists — by unit, status, overdue, date range — are single-table index scans.

`overdue` is not a stored flag: it is `reply_late` (frozen when the unit replied) or, while no
reply has come, `due_at < now`. Both parts are indexed (see Meta.indexes), so "overdue = true"
is an index range scan and never lags behind the clock the way a flag set by a sweep would.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import Channel, HandoverTarget, Kind, SpecialKind, Status


class Incident(models.Model):
    """One outage, pollution event or sudden event that many calls are about (§5)."""

    class State(models.TextChoices):
        OPEN = "open", "处置中"
        CLOSED = "closed", "已结束"

    kind = models.CharField("事件类型", max_length=20, choices=SpecialKind.choices)
    title = models.CharField("事件名称", max_length=120)
    county = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="县区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField("地点", max_length=200, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    started_at = models.DateTimeField("首次来电", default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Loose link to the disaster app (built in parallel; no migration dependency): the id of
    # disaster.Event and a title snapshot, resolved at run time if that model exists.
    disaster_event_id = models.PositiveBigIntegerField("灾害事件编号", null=True, blank=True)
    disaster_event_title = models.CharField("灾害事件名称", max_length=200, blank=True)
    reported_at = models.DateTimeField("报告时间", null=True, blank=True)
    reported_to = models.JSONField("报告对象", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "事件（多来电合并）"
        verbose_name_plural = "事件（多来电合并）"
        indexes = [models.Index(fields=["state", "kind", "county"])]

    def __str__(self) -> str:
        return self.title


class Order(models.Model):
    """A request received by the 12345 line (诉求/工单)."""

    # --- intake (§1) ------------------------------------------------------------------------
    channel = models.CharField("渠道", max_length=24, choices=Channel.choices, default=Channel.PHONE)
    external_id = models.CharField(
        "外部编号", max_length=64, blank=True, help_text="省级平台等来源的工单编号"
    )
    kind = models.CharField("诉求类型", max_length=20, choices=Kind.choices)
    subject = models.ForeignKey(
        "hotline.Category",
        verbose_name="诉求分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    special_kind = models.CharField(
        "特殊事项", max_length=20, choices=SpecialKind.choices, blank=True, default=""
    )
    seat = models.ForeignKey(
        "hotline.SpecialSeat",
        verbose_name="专席",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    caller_name = models.CharField("诉求人姓名", max_length=60, blank=True)
    caller_phone = models.CharField("联系电话", max_length=32, blank=True)
    confidential = models.BooleanField("要求个人信息保密", default=False)
    reply_wanted = models.BooleanField("需要答复", default=True)
    county = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="县区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    township = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="乡镇/街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField("诉求内容")
    received_at = models.DateTimeField("受理时间", default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    open311_client = models.ForeignKey(
        "hotline.Open311Client", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.UUIDField("受理凭证", default=uuid.uuid4, unique=True, editable=False)

    # --- state --------------------------------------------------------------------------------
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.RECEIVED)
    status_at = models.DateTimeField("状态时间", default=timezone.now)
    triaged_at = models.DateTimeField("首次处置时间", null=True, blank=True)
    dispatch_due_at = models.DateTimeField("派单时限", null=True, blank=True)
    answer = models.TextField("直接答复内容", blank=True)
    handover_target = models.CharField("转交热线", max_length=10, choices=HandoverTarget.choices, blank=True)
    handover_note = models.TextField("转交说明", blank=True)
    handover_outcome = models.TextField("转交结果", blank=True)

    # --- the current handling unit and its clock (§3) -----------------------------------------
    lead_unit = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    sign_due_at = models.DateTimeField("签收时限", null=True, blank=True)
    signed_at = models.DateTimeField("首次签收时间", null=True, blank=True)
    clock_start_at = models.DateTimeField("本期起算时间", null=True, blank=True)
    limit_days = models.PositiveSmallIntegerField("办理时限（工作日）", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("已批准延期（工作日）", default=0)
    due_at = models.DateTimeField("办理时限", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply_late = models.BooleanField("超时答复", default=False)
    rule_set = models.ForeignKey(
        "portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    relayed_at = models.DateTimeField("代为答复时间", null=True, blank=True)
    satisfied = models.BooleanField("满意", null=True, blank=True)

    # --- links and counters -------------------------------------------------------------------
    incident = models.ForeignKey(
        Incident,
        verbose_name="所属事件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name="重复于",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)
    redo_count = models.PositiveSmallIntegerField("重办次数", default=0)
    reopen_count = models.PositiveSmallIntegerField("重启次数", default=0)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        indexes = [
            models.Index(fields=["status", "id"], name="hl_order_status"),
            models.Index(fields=["lead_unit", "status", "id"], name="hl_order_unit_status"),
            models.Index(fields=["county", "id"], name="hl_order_county"),
            models.Index(fields=["received_at"], name="hl_order_received"),
            # A unit's closed orders of a past month (selectors.in_past_window sorts the
            # window's rows): all three conditions in one index range, 64 → 4 ms at 5 M.
            models.Index(fields=["lead_unit", "status", "received_at"], name="hl_order_unit_st_recv"),
            models.Index(fields=["caller_phone", "received_at"], name="hl_order_phone"),
            models.Index(fields=["subject", "county", "received_at"], name="hl_order_subject_place"),
            # overdue = reply_late OR (no reply yet AND due_at < now): both halves indexed.
            models.Index(
                fields=["due_at"],
                condition=Q(replied_at__isnull=True, due_at__isnull=False),
                name="hl_order_open_due",
            ),
            models.Index(
                fields=["lead_unit", "due_at"],
                condition=Q(replied_at__isnull=True, due_at__isnull=False),
                name="hl_order_unit_open_due",
            ),
            models.Index(fields=["id"], condition=Q(reply_late=True), name="hl_order_late"),
            # Overdue lists, newest first: the rows that are or may become overdue (late
            # replies, plus open orders with a due date), by id. `overdue_q` implies this
            # predicate, so PostgreSQL walks it backwards and filters the few not yet due
            # instead of walking the primary key through every recent order
            # (docs/benchmarks.md: 200 → 8 ms at 5 M orders).
            models.Index(
                fields=["id"],
                condition=Q(reply_late=True) | Q(replied_at__isnull=True, due_at__isnull=False),
                name="hl_order_overdue_cand",
            ),
            models.Index(fields=["incident"], condition=Q(incident__isnull=False), name="hl_order_incident"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="hl_order_external_unique",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True) | Q(signed_at__isnull=False), name="hl_order_due_after_sign"
            ),
        ]

    def __str__(self) -> str:
        return f"工单 {self.number}"

    @property
    def number(self) -> str:
        """Human-readable number: receipt date and id (stable, needs no second write)."""
        local = timezone.localtime(self.received_at) if self.received_at else timezone.localtime()
        return f"{local:%Y%m%d}{(self.pk or 0):07d}"

    def is_overdue(self, now: datetime | None = None) -> bool:
        """§3: frozen at whether the reply was late once the unit replied; before the first
        sign-for there is no handling due time and so no handling overdue."""
        if self.replied_at is not None:
            return self.reply_late
        return self.due_at is not None and self.due_at < (now or timezone.now())

    @property
    def is_special(self) -> bool:
        return bool(self.special_kind)


def overdue_q(now: datetime, prefix: str = "") -> Q:
    """The `overdue` reading of §3 as a query (uses the two partial indexes above)."""
    return Q(**{f"{prefix}reply_late": True}) | Q(
        **{f"{prefix}replied_at__isnull": True, f"{prefix}due_at__lt": now}
    )


class Assignment(models.Model):
    """One unit's task on an order: the lead unit (主办) or an assisting unit (协办). An
    approved return or a reassignment ends the lead's assignment and a new one starts."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        ASSIST = "assist", "协办"
        INFO = "info", "知悉（表扬转达）"

    class State(models.TextChoices):
        DISPATCHED = "dispatched", "待签收"
        SIGNED = "signed", "办理中"
        REPLIED = "replied", "已答复/已报告"
        ENDED = "ended", "已结束"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=8, choices=Role.choices)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.DISPATCHED)
    active = models.BooleanField("当前有效", default=True)
    dispatched_at = models.DateTimeField("派单时间")
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sign_due_at = models.DateTimeField("签收时限", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sign_late = models.BooleanField("超时签收", default=False)
    limit_days = models.PositiveSmallIntegerField("时限（工作日）", null=True, blank=True)
    due_at = models.DateTimeField("办理/报告时限", null=True, blank=True)
    replied_at = models.DateTimeField("答复/报告时间", null=True, blank=True)
    reply_late = models.BooleanField("超时", default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=20, blank=True)
    # Figures for the unit ranking (§8), kept on the row so the ranking is one GROUP BY.
    return_requested = models.BooleanField("申请过退回", default=False)
    extension_requested = models.BooleanField("申请过延期", default=False)
    redo_count = models.PositiveSmallIntegerField("被发回重办次数", default=0)
    satisfied = models.BooleanField("回访满意", null=True, blank=True)

    class Meta:
        verbose_name = "承办任务"
        verbose_name_plural = "承办任务"
        indexes = [
            models.Index(fields=["unit", "order"], name="hl_assign_unit_order"),
            models.Index(fields=["role", "dispatched_at", "unit"], name="hl_assign_ranking"),
            models.Index(fields=["order", "active"], name="hl_assign_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(active=True, role="lead"), name="hl_assign_one_active_lead"
            ),
            models.UniqueConstraint(
                fields=["order", "unit"], condition=Q(active=True), name="hl_assign_unit_once_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.unit} · {self.get_role_display()}"


class OrderEvent(models.Model):
    """The order's timeline: one immutable row per action (who, when, what, which unit)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    unit = models.ForeignKey(
        "portal.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = "工单流转记录"
        verbose_name_plural = "工单流转记录"
        indexes = [models.Index(fields=["order", "id"], name="hl_event_order")]


class Decision(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "同意"
    REJECTED = "rejected", "不同意"
    WITHDRAWN = "withdrawn", "已撤回"


class ReturnRequest(models.Model):
    """A unit's return (退回) with reason, legal basis and suggested unit; the centre decides."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="return_requests")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("退回理由")
    basis = models.TextField("依据")
    suggested_unit = models.ForeignKey(
        "portal.OrgUnit",
        verbose_name="建议承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(max_length=24)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = "退回申请"
        verbose_name_plural = "退回申请"
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(decision="pending"), name="hl_return_one_pending"
            ),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_at__isnull=True) | ~Q(decision="pending"),
                name="hl_return_decided",
            ),
        ]


class ExtensionRequest(models.Model):
    """A unit's request for more working days (延期), made before the limit."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="extension_requests")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("portal.OrgUnit", on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField("申请延期（工作日）")
    reason = models.TextField("理由")
    due_before = models.DateTimeField("申请时的时限")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    due_after = models.DateTimeField("批准后的时限", null=True, blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=Q(decision="pending"), name="hl_ext_one_pending"
            ),
            models.CheckConstraint(condition=Q(days__gte=1), name="hl_ext_days_positive"),
        ]


class Reply(models.Model):
    """What a unit (or the centre on its behalf) wrote: the reply, an unfinished reply, the
    initial feedback and daily progress of §5, an assisting unit's report to the lead."""

    class Type(models.TextChoices):
        REPLY = "reply", "办理答复"
        UNFINISHED = "unfinished", "未办结回复"
        FEEDBACK = "feedback", "初步办理意见"
        PROGRESS = "progress", "办理进度"
        ASSIST_REPORT = "assist_report", "协办报告"
        RELAY = "relay", "热线代为答复"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="replies")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    unit = models.ForeignKey(
        "portal.OrgUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    type = models.CharField(max_length=16, choices=Type.choices)
    content = models.TextField("内容", blank=True)
    progress = models.TextField("办理进展", blank=True)
    plan = models.TextField("后续方案", blank=True)
    expected_date = models.DateField("预计办结日期", null=True, blank=True)
    late = models.BooleanField(default=False)
    caller_informed = models.BooleanField("已告知诉求人", default=False)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "办理答复"
        verbose_name_plural = "办理答复"
        indexes = [models.Index(fields=["order", "id"], name="hl_reply_order")]


class Callback(models.Model):
    """The centre's satisfaction callback (回访, 第十三条)."""

    class Method(models.TextChoices):
        PHONE = "phone", "电话"
        SMS = "sms", "短信"
        WEB = "web", "互联网"
        AUTO = "auto", "智能客服"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="callbacks")
    satisfied = models.BooleanField("满意")
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.PHONE)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"


class ProvincialFeedback(models.Model):
    """A result to push back to the provincial 12345 platform (第十二条（四）): written in the
    transaction of the reply/close, sent by a task (an outbox)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="provincial_feedback")
    event = models.CharField(max_length=20)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "省级平台回传"
        verbose_name_plural = "省级平台回传"
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="hl_prov_pending")
        ]
