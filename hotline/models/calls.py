"""The call log (话务记录): answered and missed calls, imported from the telephony system's CSV
or written at intake, and the callback queue of missed calls (第十条)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CallRecord(models.Model):
    class Callback(models.TextChoices):
        NOT_NEEDED = "", "无需回拨"
        PENDING = "pending", "待回拨"
        DONE = "done", "已回拨"
        UNREACHABLE = "unreachable", "回拨未接通"
        SUPERSEDED = "superseded", "来电人已再次接通"

    external_id = models.CharField("话单编号", max_length=64, unique=True)
    phone = models.CharField("来电号码", max_length=32)
    started_at = models.DateTimeField("来电时间")
    answered = models.BooleanField("已接通")
    answered_at = models.DateTimeField("接通时间", null=True, blank=True)
    ended_at = models.DateTimeField("挂机时间", null=True, blank=True)
    agent = models.CharField("坐席工号", max_length=40, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    callback_state = models.CharField(
        "回拨状态", max_length=12, choices=Callback.choices, blank=True, default=""
    )
    callback_at = models.DateTimeField("回拨时间", null=True, blank=True)
    callback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    callback_note = models.CharField("回拨说明", max_length=200, blank=True)
    order = models.ForeignKey(
        "hotline.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "话务记录"
        verbose_name_plural = "话务记录"
        indexes = [
            models.Index(fields=["started_at"], name="hl_call_started"),
            # The callback queue: pending missed calls by original call time.
            models.Index(fields=["started_at"], condition=Q(callback_state="pending"), name="hl_call_queue"),
            models.Index(fields=["phone", "started_at"], name="hl_call_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def wait_seconds(self) -> float | None:
        if self.answered_at is None:
            return None
        return (self.answered_at - self.started_at).total_seconds()
