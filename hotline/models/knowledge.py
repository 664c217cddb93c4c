"""The knowledge base (第十六–十九条): question-and-answer entries owned by units, with a
portable inverted index for Chinese full-text search (jieba tokens), and knowledge questions
the centre raises to units."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class KnowledgeEntry(models.Model):
    question = models.CharField("问题", max_length=300)
    answer = models.TextField("答复口径")
    category = models.ForeignKey(
        "hotline.Category",
        verbose_name="分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_unit = models.ForeignKey(
        "portal.OrgUnit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    policy_basis = models.CharField("政策依据", max_length=300, blank=True)
    review_due = models.DateField("复核到期日")
    reviewed_at = models.DateTimeField("最近复核", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    public = models.BooleanField("向公众开放（自助查询）", default=True)
    active = models.BooleanField("有效", default=True)
    version = models.PositiveIntegerField("版本", default=1)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_version"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "知识库条目"
        verbose_name_plural = "知识库条目"
        indexes = [
            models.Index(fields=["review_due"], condition=Q(active=True), name="hl_kb_review"),
            models.Index(fields=["owner_unit", "active"], name="hl_kb_owner"),
        ]

    def __str__(self) -> str:
        return self.question

    def is_stale(self, today=None) -> bool:  # type: ignore[no-untyped-def]
        return self.review_due < (today or timezone.localdate())


class KnowledgeTerm(models.Model):
    """Inverted index: one row per (entry, term) with its weight (question terms count more).
    The same set-based query ranks by relevance on SQLite and PostgreSQL."""

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=40)
    weight = models.FloatField()

    class Meta:
        verbose_name = "知识库索引词"
        verbose_name_plural = "知识库索引词"
        indexes = [models.Index(fields=["term", "entry"], name="hl_kb_term")]
        constraints = [models.UniqueConstraint(fields=["entry", "term"], name="hl_kb_term_unique")]


class KnowledgeQuestion(models.Model):
    """A knowledge question the centre raises to a unit, which must answer by a deadline
    (第十八条 "及时答复12345热线提出的知识库问题")."""

    class State(models.TextChoices):
        OPEN = "open", "待答复"
        ANSWERED = "answered", "已答复"

    question = models.TextField("问题")
    unit = models.ForeignKey(
        "portal.OrgUnit", verbose_name="答复单位", on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "hotline.Category",
        verbose_name="分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entry = models.ForeignKey(
        KnowledgeEntry,
        verbose_name="相关条目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    order = models.ForeignKey(
        "hotline.Order",
        verbose_name="来源工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField("答复时限")
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    resulting_entry = models.ForeignKey(
        KnowledgeEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_set = models.ForeignKey(
        "portal.RuleSet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "知识库问题"
        verbose_name_plural = "知识库问题"
        indexes = [models.Index(fields=["unit", "state", "due_at"], name="hl_kbq_unit")]
