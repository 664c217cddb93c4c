"""Relief funds: receipts at the city, allocation proposals by the emergency bureau, the finance
bureau's insert-only review, disbursement to the county, county spending. Every change of a
balance locks the account row (allocation first, then account — one order everywhere), checks
the rule (`rules.relief.fund_draw`), writes a FundEntry with the balance after it and an audit
entry. The database refuses negative balances (CHECK) and, on PostgreSQL, a balance that does
not match its latest entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from disaster.models import (
    Event,
    EventCounty,
    FundAccount,
    FundAllocation,
    FundDecision,
    FundEntry,
    FundPurpose,
    FundReceipt,
    FundSource,
    FundSpend,
)
from disaster.rules import relief as rr
from disaster.services.common import is_office
from disaster.services.relief_common import (
    amount as parse_amount,
)
from disaster.services.relief_common import (
    is_county_officer,
    is_finance,
    require_county,
    text,
)
from portal.access import COUNTY_OFFICER, grant_for
from portal.audit import audit_record, snapshot
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit
from portal.notifications import notify, unit_recipients

S = FundAllocation.Status


def _entry(
    account: FundAccount,
    kind: str,
    delta: Decimal,
    actor: Any,
    *,
    allocation: FundAllocation | None = None,
    payment: Any = None,
    spend: FundSpend | None = None,
) -> FundEntry:
    """Apply `delta` to the (locked) account and write its entry."""
    account.balance = account.balance + delta
    if account.balance < 0:  # the callers checked; the CHECK constraint is the last line
        raise RuleViolation(errors={"amount": ["余额不足"]})
    account.save(update_fields=["balance", "committed"])
    return FundEntry.objects.create(
        account=account,
        kind=kind,
        delta=delta,
        balance_after=account.balance,
        allocation=allocation,
        payment=payment,
        spend=spend,
        by=actor,
    )


def _check_choice(value: Any, choices: Any, field: str, label: str) -> str:
    if value not in choices.values:
        raise RuleViolation(errors={field: [f"请选择{label}"]})
    return str(value)


@transaction.atomic
def receipt_record(
    *,
    source: str,
    purpose: str,
    amount: Any,
    document_no: str,
    received_on: date,
    actor: Any,
    event: Event | None = None,
    note: str = "",
) -> FundReceipt:
    """Money reaching the city for relief (中央/省级资金下达, 市级预算安排): opens a city lot."""
    if not (is_finance(actor) or is_office(actor)):
        raise PermissionDenied("资金入账由市财政局或市应急管理局登记")
    errors: dict[str, list[str]] = {}
    for check in (
        lambda: _check_choice(source, FundSource, "source", "资金来源（中央/省级/市级）"),
        lambda: _check_choice(purpose, FundPurpose, "purpose", "资金用途"),
        lambda: parse_amount(amount),
        lambda: text(document_no, "document_no", "下达文号", max_length=80),
    ):
        try:
            check()
        except RuleViolation as exc:
            for k, v in exc.errors.items():
                errors.setdefault(k, []).extend(v)
    if not isinstance(received_on, date):
        errors.setdefault("received_on", []).append("请填写到账日期")
    elif received_on > timezone.localdate():
        errors.setdefault("received_on", []).append("到账日期不能晚于今天")
    if errors:
        raise RuleViolation(errors=errors)
    value = parse_amount(amount)
    receipt = FundReceipt.objects.create(
        source=source,
        purpose=purpose,
        amount=value,
        document_no=document_no.strip(),
        received_on=received_on,
        event=event,
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    account = FundAccount.objects.create(
        level=FundAccount.Level.CITY,
        source=source,
        purpose=purpose,
        receipt=receipt,
        credited=value,
        balance=Decimal("0.00"),
    )
    _entry(account, FundEntry.Kind.RECEIPT, value, actor)
    audit_record(actor=actor, action="disaster.relief.fund.receipt", obj=receipt, after=snapshot(receipt))
    return receipt


def city_account(receipt: FundReceipt, *, lock: bool = False) -> FundAccount:
    qs = FundAccount.objects.filter(receipt=receipt, level=FundAccount.Level.CITY)
    return (qs.select_for_update() if lock else qs).get()


@transaction.atomic
def allocation_propose(
    *,
    receipt: FundReceipt,
    county: OrgUnit,
    amount: Any,
    reason: str,
    actor: Any,
    event: Event | None = None,
) -> FundAllocation:
    """The emergency bureau proposes giving part of a receipt to a county (资金分配意见)."""
    if not is_office(actor):
        raise PermissionDenied("资金分配意见由市应急管理局提出")
    require_county(county)
    value = parse_amount(amount)
    why = text(reason, "reason", "分配依据（灾区申请和灾情核定情况）", max_length=2000)
    if event is not None and not EventCounty.objects.filter(event=event, county=county).exists():
        raise RuleViolation(errors={"event": [f"{county.name}不在该灾害过程的受灾县区中"]})
    account = city_account(receipt)
    check = rr.fund_draw(balance=account.balance, reserved=account.committed, amount=value, what="该笔资金")
    if not check.ok:
        raise RuleViolation(errors={"amount": [check.message]})
    allocation = FundAllocation.objects.create(
        receipt=receipt,
        source=receipt.source,
        purpose=receipt.purpose,
        county=county,
        event=event,
        amount=value,
        reason=why,
        proposed_by=actor,
    )
    audit_record(
        actor=actor, action="disaster.relief.fund.propose", obj=allocation, after=snapshot(allocation)
    )
    return allocation


def _lock(allocation: FundAllocation) -> FundAllocation:
    return FundAllocation.objects.select_for_update().get(pk=allocation.pk)


@transaction.atomic
def allocation_decide(
    *, allocation: FundAllocation, approve: bool, reason: str, actor: Any
) -> FundAllocation:
    """The finance bureau's review (insert-only FundDecision). Approval reserves the amount on
    the receipt's lot, so two approvals can never promise the same yuan twice."""
    if not is_finance(actor):
        raise PermissionDenied("资金分配由市财政局审核")
    why = text(reason, "reason", "审核意见", max_length=500)
    locked = _lock(allocation)
    if locked.status != S.PROPOSED:
        raise InvalidTransition(f"该资金分配{locked.get_status_display()}，不能再审核")
    if approve:
        account = city_account(locked.receipt, lock=True)
        check = rr.fund_draw(
            balance=account.balance, reserved=account.committed, amount=locked.amount, what="该笔资金"
        )
        if not check.ok:
            raise RuleViolation(errors={"amount": [check.message]})
        account.committed = account.committed + locked.amount
        account.save(update_fields=["committed"])
    grant = grant_for(actor, "city_staff")
    FundDecision.objects.create(
        allocation=locked,
        approve=approve,
        reason=why,
        decided_by=actor,
        decided_role=grant.role if grant else ("superuser" if actor.is_superuser else ""),
    )
    before = locked.status
    locked.status = S.APPROVED if approve else S.REJECTED
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="disaster.relief.fund.decide",
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "approve": approve, "reason": why},
    )
    return locked


@transaction.atomic
def allocation_withdraw(*, allocation: FundAllocation, reason: str, actor: Any) -> FundAllocation:
    """The emergency bureau withdraws a proposal not yet disbursed (an approved one gives its
    reservation back)."""
    if not is_office(actor):
        raise PermissionDenied("由市应急管理局撤回资金分配意见")
    why = text(reason, "reason", "撤回原因")
    locked = _lock(allocation)
    if locked.status not in (S.PROPOSED, S.APPROVED):
        raise InvalidTransition(f"该资金分配{locked.get_status_display()}，不能撤回")
    if locked.status == S.APPROVED:
        account = city_account(locked.receipt, lock=True)
        account.committed = account.committed - locked.amount
        account.save(update_fields=["committed"])
    before = locked.status
    locked.status = S.WITHDRAWN
    locked.withdrawn_by, locked.withdrawn_at, locked.withdraw_reason = actor, timezone.now(), why
    locked.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdraw_reason"])
    audit_record(
        actor=actor,
        action="disaster.relief.fund.withdraw",
        obj=locked,
        before={"status": before},
        after={"status": locked.status, "reason": why},
    )
    return locked


@transaction.atomic
def allocation_disburse(*, allocation: FundAllocation, document_no: str, actor: Any) -> FundAllocation:
    """The finance bureau disburses an approved allocation (下达资金): the city lot pays out, a
    county lot opens with the same source and purpose."""
    if not is_finance(actor):
        raise PermissionDenied("资金由市财政局下达")
    number = text(document_no, "document_no", "下达文号", max_length=80)
    locked = _lock(allocation)
    if locked.status != S.APPROVED:
        raise InvalidTransition(f"该资金分配{locked.get_status_display()}，只有审核通过的才能下达")
    account = city_account(locked.receipt, lock=True)
    account.committed = account.committed - locked.amount
    _entry(account, FundEntry.Kind.ALLOCATE_OUT, -locked.amount, actor, allocation=locked)
    county_account = FundAccount.objects.create(
        level=FundAccount.Level.COUNTY,
        county=locked.county,
        source=locked.source,
        purpose=locked.purpose,
        receipt_id=locked.receipt_id,
        allocation=locked,
        credited=locked.amount,
        balance=Decimal("0.00"),
    )
    _entry(county_account, FundEntry.Kind.ALLOCATE_IN, locked.amount, actor, allocation=locked)
    locked.status = S.DISBURSED
    locked.disbursed_by, locked.disbursed_at, locked.disbursement_no = actor, timezone.now(), number
    locked.save(update_fields=["status", "disbursed_by", "disbursed_at", "disbursement_no"])
    audit_record(
        actor=actor,
        action="disaster.relief.fund.disburse",
        obj=locked,
        before={"status": S.APPROVED},
        after={"status": locked.status, "document_no": number, "account": county_account.pk},
    )
    notify(
        unit_recipients(locked.county, [COUNTY_OFFICER]),
        title=f"救灾资金已下达：{locked.get_source_display()}{locked.get_purpose_display()}资金 "
        f"{rr.fmt_money(locked.amount)} 元",
        body=f"文号：{number}",
        url=locked.get_absolute_url(),
        subject=locked,
        dedupe_key=f"relief-fund-disbursed:{locked.pk}",
    )
    return locked


def lock_county_account(account: FundAccount) -> FundAccount:
    return FundAccount.objects.select_for_update().get(pk=account.pk)


@transaction.atomic
def fund_spend(
    *, account: FundAccount, amount: Any, description: str, spent_on: date, actor: Any
) -> FundSpend:
    """County spending of a lot that does not reach a named household (e.g. emergency
    purchases); what it paid for is recorded."""
    if account.level != FundAccount.Level.COUNTY or account.county is None:
        raise RuleViolation(errors={"account": ["只能从下达到县区的资金中支出"]})
    if not is_county_officer(actor, account.county):
        raise PermissionDenied("只能支出本县区的资金")
    value = parse_amount(amount)
    what = text(description, "description", "用途说明")
    if not isinstance(spent_on, date) or spent_on > timezone.localdate():
        raise RuleViolation(errors={"spent_on": ["请填写支出日期（不能晚于今天）"]})
    locked = lock_county_account(account)
    check = rr.fund_draw(balance=locked.balance, reserved=Decimal("0"), amount=value, what="该笔县级资金")
    if not check.ok:
        raise RuleViolation(errors={"amount": [check.message]})
    spend = FundSpend.objects.create(
        account=locked, amount=value, description=what, spent_on=spent_on, spent_by=actor
    )
    _entry(locked, FundEntry.Kind.SPEND, -value, actor, allocation=locked.allocation, spend=spend)
    audit_record(actor=actor, action="disaster.relief.fund.spend", obj=spend, after=snapshot(spend))
    return spend


def payment_draw(account: FundAccount, value: Decimal, payment: Any, actor: Any) -> FundEntry:
    """For the aid services: the (locked) county lot pays `value` to a household."""
    return _entry(
        account, FundEntry.Kind.PAYMENT, -value, actor, allocation=account.allocation, payment=payment
    )
