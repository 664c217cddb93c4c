from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """Append-only record of a state change or a view of personal data.

    Requests only INSERT. The sealing job (portal.audit.audit_seal) later fills `seal_seq`,
    `seal_hash` and `sealed_at` once, chaining each entry to the previous one; on PostgreSQL a
    trigger refuses DELETE and any UPDATE other than that one-time seal.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("动作", max_length=80, db_index=True)
    object_type = models.CharField("对象类型", max_length=80, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    extra = models.JSONField("附加信息", null=True, blank=True)
    seal_seq = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)
    seal_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    sealed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor", "at"]),
            models.Index(
                fields=["id"], condition=models.Q(seal_hash__isnull=True), name="audit_unsealed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class AuditCheckpoint(models.Model):
    """The head of the sealed chain, kept apart from the entries so that deleting the newest
    sealed entries is detected too."""

    name = models.CharField(max_length=20, primary_key=True, default="audit")
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "审计链检查点"
        verbose_name_plural = "审计链检查点"
