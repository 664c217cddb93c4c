from django.conf import settings
from django.db import models
from django.db.models import F, Q


class RuleSet(models.Model):
    """One version of the parameters of a rule key (thresholds, limits, standards, amounts).

    Versions are insert-only: editing makes a new version. The version in force on date D is
    the highest version whose [valid_from, valid_to] (valid_to inclusive) contains D.
    """

    key = models.CharField("规则", max_length=80, db_index=True)
    version = models.PositiveIntegerField("版本")
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("失效日期（含）", null=True, blank=True)
    params = models.JSONField("参数")
    reason = models.TextField("修改原因")
    source = models.CharField("依据", max_length=200, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "规则参数版本"
        verbose_name_plural = "规则参数版本"
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="ruleset_key_version"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="ruleset_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}（{self.valid_from} 起）"

    def as_ref(self) -> dict[str, object]:
        """The `rule_set` object of api.md: key, version, valid_from."""
        return {"key": self.key, "version": self.version, "valid_from": self.valid_from.isoformat()}
