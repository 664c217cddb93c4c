"""Budgets per policy document and year (what approvals commit and payments spend)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from portal.audit import audit_record, snapshot
from portal.errors import RuleViolation
from subsidies.models import Budget, PolicyDocument
from subsidies.rules import D, fmt_money, money


@transaction.atomic
def budget_set(*, actor: Any, document: PolicyDocument, year: int, amount: Any, note: str = "") -> Budget:
    """Create or change the year's budget; it may not fall below what is already committed."""
    try:
        value = money(D(amount))
    except (InvalidOperation, ValueError):
        raise RuleViolation(errors={"amount": ["预算额度应为金额数字"]}) from None
    if value < 0:
        raise RuleViolation(errors={"amount": ["预算额度不能为负数"]})
    if not 2000 <= int(year) <= 2100:
        raise RuleViolation(errors={"year": ["年度不正确"]})
    try:
        with transaction.atomic():
            Budget.objects.get_or_create(document=document, year=year, defaults={"amount": Decimal("0")})
    except IntegrityError:
        pass
    budget = Budget.objects.select_for_update().get(document=document, year=year)
    if value < budget.committed:
        raise RuleViolation(
            errors={"amount": [f"已批准 {fmt_money(budget.committed)} 元，预算额度不能低于已批准金额"]}
        )
    before = snapshot(budget)
    budget.amount = value
    budget.note = note[:200]
    budget.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    budget.save()
    audit_record(
        actor=actor, action="subsidies.budget.set", obj=budget, before=before, after=snapshot(budget)
    )
    return budget
