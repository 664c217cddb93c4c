"""Every read of the subsidies app, already scoped by the access policies. Lists are keyset
paginated (by id, descending) and fetch their relations in the same query."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from subsidies.models import Application, Budget, Enterprise, Project
from subsidies.policies import actor_for, application_policy, enterprise_policy
from subsidies.rules.creditcode import normalise

PAGE = 50
S = Application.Status
AWARD_STATES = [S.APPROVED, S.CONFIRMED, S.PAID, S.AUDITED, S.ARCHIVED]


@dataclass
class Page:
    items: list[Any]
    next_before: int | None


def _page(qs: QuerySet[Any], before: str | int | None, size: int = PAGE) -> Page:
    if before not in (None, "") and str(before).isdigit():
        qs = qs.filter(pk__lt=int(before))
    items = list(qs.order_by("-pk")[: size + 1])
    more = len(items) > size
    items = items[:size]
    return Page(items, items[-1].pk if more and items else None)


def enterprise_list(
    user: Any, *, q: str = "", county: str = "", industry: str = "", kind: str = "", before: Any = None
) -> Page:
    qs = enterprise_policy.scope(user, "view").select_related("county")
    if q:
        code = normalise(q)
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(credit_code__startswith=code))
    if county.isdigit():
        qs = qs.filter(county_id=int(county))
    if industry:
        qs = qs.filter(industry=industry)
    if kind:
        qs = qs.filter(kind=kind)
    return _page(qs, before)


def enterprise_detail(user: Any, pk: int) -> Enterprise:
    return enterprise_policy.get(user, "view", pk=pk)


def enterprise_projects(enterprise: Enterprise) -> list[Project]:
    return list(
        Project.objects.filter(enterprise=enterprise)
        .annotate(equipment_total=Sum("equipment__amount_excl_tax"), equipment_count=Count("equipment"))
        .select_related("intermediary")
        .order_by("id")
    )


def enterprise_applications(user: Any, enterprise: Enterprise) -> dict[str, list[Application]]:
    qs = (
        application_policy.scope(user, "view")
        .filter(Q(enterprise=enterprise) | Q(project__enterprise=enterprise))
        .select_related("lead_unit", "project", "enterprise", "recognition", "exhibition")
        .order_by("-pk")
    )
    rows = list(qs[:200])
    return {
        "proposals": [a for a in rows if a.status in (S.PROPOSED, S.PUSHED)],
        "open": [a for a in rows if a.status not in (S.PROPOSED, S.PUSHED, *AWARD_STATES, S.REJECTED)],
        "awards": [a for a in rows if a.status in AWARD_STATES],
        "rejected": [a for a in rows if a.status == S.REJECTED],
    }


# Queue tabs: the statuses each kind of reviewer acts on.
QUEUE_TABS = [
    ("todo", "待我处理"),
    ("proposed", "免申即享待确认"),
    ("review", "申报审核中"),
    ("awards", "已批准/已拨付"),
    ("rejected", "不予支持"),
    ("all", "全部"),
]


def _todo_q(user: Any) -> Q:
    actor = actor_for(user)
    q = Q(pk__in=[])
    if actor.admin:
        return ~Q(status__in=[S.REJECTED, S.AUDITED, S.ARCHIVED])
    if actor.dept_unit_ids:
        q |= Q(
            lead_unit_id__in=list(actor.dept_unit_ids),
            status__in=[S.PROPOSED, S.PUSHED, S.APPLIED, S.MATERIALS_CHECKED, S.FISCAL_REVIEWED],
        )
    if actor.fiscal:
        q |= Q(status__in=[S.DEPT_REVIEWED, S.APPROVED, S.CONFIRMED])
    if actor.auditor:
        q |= Q(status=S.PAID)
    return q


def application_queue(
    user: Any,
    *,
    tab: str = "todo",
    clause: str = "",
    status: str = "",
    batch: str = "",
    q: str = "",
    before: Any = None,
) -> Page:
    qs = application_policy.scope(user, "view").select_related(
        "enterprise", "lead_unit", "project", "county", "recognition", "exhibition"
    )
    if tab == "todo":
        qs = qs.filter(_todo_q(user))
    elif tab == "proposed":
        qs = qs.filter(status__in=[S.PROPOSED, S.PUSHED])
    elif tab == "review":
        qs = qs.filter(
            status__in=[S.APPLIED, S.RETURNED, S.MATERIALS_CHECKED, S.DEPT_REVIEWED, S.FISCAL_REVIEWED]
        )
    elif tab == "awards":
        qs = qs.filter(status__in=AWARD_STATES)
    elif tab == "rejected":
        qs = qs.filter(status=S.REJECTED)
    if status in S.values:
        qs = qs.filter(status=status)
    if clause:
        qs = qs.filter(clause=clause)
    if batch.isdigit():
        qs = qs.filter(match_batch_id=int(batch))
    if q:
        qs = qs.filter(
            Q(enterprise__name__icontains=q.strip()) | Q(enterprise__credit_code__startswith=normalise(q))
        )
    return _page(qs, before)


def application_detail(user: Any, pk: int) -> Application:
    return application_policy.get(
        user,
        "view",
        queryset=application_policy.scope(user, "view").select_related(
            "enterprise",
            "lead_unit",
            "project",
            "recognition",
            "exhibition",
            "rule_set",
            "document",
            "budget",
        ),
        pk=pk,
    )


@dataclass
class BudgetRow:
    budget: Budget
    by_clause: list[tuple[str, Decimal, Decimal, int]]  # clause, committed, paid, count

    @property
    def available(self) -> Decimal:
        return self.budget.amount - self.budget.committed


def budget_overview(user: Any) -> list[BudgetRow]:
    apps = application_policy.scope(user, "view").filter(budget__isnull=False, status__in=AWARD_STATES)
    spend: dict[int, list[tuple[str, Decimal, Decimal, int]]] = {}
    for row in (
        apps.values("budget_id", "clause")
        .annotate(committed=Sum("approved_amount"), paid=Sum("paid_amount"), n=Count("id"))
        .order_by("budget_id", "clause")
    ):
        spend.setdefault(row["budget_id"], []).append(
            (row["clause"], row["committed"] or Decimal("0"), row["paid"] or Decimal("0"), row["n"])
        )
    budgets = Budget.objects.select_related("document").order_by("-year", "document__code")
    actor = actor_for(user)
    if not (actor.admin or actor.auditor or actor.fiscal):
        budgets = budgets.filter(document__code__in=sorted(actor.lead_documents()))
    return [BudgetRow(b, spend.get(b.pk, [])) for b in budgets]


AWARD_HEADER = [
    "编号",
    "来源",
    "条款",
    "政策文件",
    "企业（受奖主体）",
    "统一社会信用代码",
    "县区",
    "项目",
    "所属年度",
    "状态",
    "批准金额（元）",
    "批准时间",
    "拨付金额（元）",
    "拨付时间",
    "拨付凭证号",
    "规则版本",
    "计算说明",
]


def award_rows(user: Any, *, year: str = "") -> Iterator[list[Any]]:
    qs = (
        application_policy.scope(user, "view")
        .filter(status__in=AWARD_STATES)
        .select_related("enterprise", "county", "project", "document", "rule_set")
        .order_by("pk")
    )
    if year.isdigit():
        qs = qs.filter(approved_at__year=int(year))
    for a in qs.iterator(chunk_size=2000):
        yield [
            a.pk,
            a.get_source_display(),
            a.clause,
            a.document.number,
            a.enterprise.name,
            a.enterprise.credit_code,
            a.county.name if a.county else "市外",
            a.project.name if a.project else "",
            a.period_year or "",
            a.get_status_display(),
            a.approved_amount,
            a.approved_at,
            a.paid_amount,
            a.paid_at,
            a.payment_ref,
            f"{a.rule_set.key} v{a.rule_set.version}",
            "\n".join(a.approval_explanation or a.explanation),
        ]


PAYMENT_HEADER = [
    "编号",
    "条款",
    "企业（受奖主体）",
    "统一社会信用代码",
    "拨付金额（元）",
    "拨付时间",
    "拨付凭证号",
    "经办人",
]


def payment_rows(user: Any, *, year: str = "") -> Iterator[list[Any]]:
    qs = (
        application_policy.scope(user, "view")
        .filter(status__in=[S.PAID, S.AUDITED, S.ARCHIVED])
        .select_related("enterprise")
        .order_by("paid_at", "pk")
    )
    if year.isdigit():
        qs = qs.filter(paid_at__year=int(year))
    payers = {}
    from subsidies.models import Decision

    for app_id, label in Decision.objects.filter(action="pay", application__in=qs).values_list(
        "application_id", "actor_label"
    ):
        payers[app_id] = label
    for a in qs.iterator(chunk_size=2000):
        yield [
            a.pk,
            a.clause,
            a.enterprise.name,
            a.enterprise.credit_code,
            a.paid_amount,
            a.paid_at,
            a.payment_ref,
            payers.get(a.pk, ""),
        ]
