"""Relief funds (issue 4): receipts, proposals by the emergency bureau, insert-only review by the
finance bureau, disbursement, county spending; balances never negative; every yuan traceable."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Sum

from disaster.models import FundAccount, FundAllocation, FundDecision, FundEntry, FundReceipt
from disaster.relief_selectors import fund_balances, trace_payment
from disaster.services import relief_aid as aid
from disaster.services import relief_funds as funds
from portal.errors import InvalidTransition, RuleViolation
from portal.models import AuditEntry, OrgUnit
from tests.disaster.relief_helpers import fund_county, household, verify

pytestmark = pytest.mark.django_db


def _receipt(persona, amount="1000000.00", purpose="emergency", source="central"):
    return funds.receipt_record(
        source=source,
        purpose=purpose,
        amount=amount,
        document_no="财建〔2026〕88号",
        received_on=date(2026, 7, 15),
        actor=persona("city_czj"),
    )


def _propose(persona, receipt, amount, county="yicheng"):
    return funds.allocation_propose(
        receipt=receipt,
        county=OrgUnit.objects.get(code=county),
        amount=amount,
        reason="灾区申请和灾情核定",
        actor=persona("city_yjj"),
    )


def _ledger_invariant(account: FundAccount) -> None:
    """The balance is exactly the sum of the account's entries, and the last entry's balance."""
    entries = FundEntry.objects.filter(account=account)
    assert entries.aggregate(s=Sum("delta"))["s"] == account.balance
    assert entries.order_by("-pk").first().balance_after == account.balance


def test_receipt_opens_a_city_lot_with_its_entry(clock, persona):
    receipt = _receipt(persona)
    account = FundAccount.objects.get(receipt=receipt)
    assert account.level == "city" and account.county is None
    assert account.credited == account.balance == Decimal("1000000.00")
    _ledger_invariant(account)
    assert AuditEntry.objects.filter(action="disaster.relief.fund.receipt").count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "金额须大于 0"),
        ("-5", "金额须大于 0"),
        ("12.345", "金额最多两位小数"),
        ("abc", "金额格式不正确"),
        ("", "请填写金额"),
    ],
)
def test_receipt_refuses_bad_amounts_in_chinese(clock, persona, amount, message):
    with pytest.raises(RuleViolation) as exc:
        _receipt(persona, amount=amount)
    assert message in exc.value.errors["amount"][0]
    assert not FundReceipt.objects.exists()


def test_receipt_needs_finance_or_emergency_bureau(clock, persona):
    with pytest.raises(PermissionDenied):
        funds.receipt_record(
            source="city",
            purpose="emergency",
            amount="10",
            document_no="x",
            received_on=date(2026, 7, 1),
            actor=persona("yicheng"),
        )
    with pytest.raises(RuleViolation) as exc:
        funds.receipt_record(
            source="county",
            purpose="food",
            amount="10",
            document_no="",
            received_on=date(2027, 1, 1),
            actor=persona("city_czj"),
        )
    assert set(exc.value.errors) == {"source", "purpose", "document_no", "received_on"}


def test_proposal_by_emergency_bureau_review_by_finance_bureau(clock, persona):
    receipt = _receipt(persona)
    with pytest.raises(PermissionDenied):
        funds.allocation_propose(
            receipt=receipt,
            county=OrgUnit.objects.get(code="yicheng"),
            amount="10",
            reason="x",
            actor=persona("city_czj"),
        )
    allocation = _propose(persona, receipt, "400000.00")
    assert (
        allocation.status == "proposed"
        and allocation.source == "central"
        and allocation.purpose == "emergency"
    )
    with pytest.raises(PermissionDenied):
        funds.allocation_decide(allocation=allocation, approve=True, reason="同意", actor=persona("city_yjj"))
    decided = funds.allocation_decide(
        allocation=allocation, approve=True, reason="同意", actor=persona("city_czj")
    )
    assert decided.status == "approved"
    decision = FundDecision.objects.get(allocation=allocation)
    assert (
        decision.approve
        and decision.decided_by == persona("city_czj")
        and decision.decided_role == "city_staff"
    )
    account = FundAccount.objects.get(receipt=receipt, level="city")
    assert account.committed == Decimal("400000.00") and account.balance == Decimal("1000000.00")
    with pytest.raises(InvalidTransition, match="不能再审核"):
        funds.allocation_decide(
            allocation=allocation, approve=False, reason="再审", actor=persona("city_czj")
        )
    # the decision is insert-only
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        FundDecision.objects.filter(pk=decision.pk).update(approve=False)


def test_reservations_never_promise_the_same_yuan_twice(clock, persona):
    receipt = _receipt(persona, amount="100.00")
    a = _propose(persona, receipt, "60.00")
    b = _propose(persona, receipt, "40.00")
    c = _propose(persona, receipt, "0.01")
    with pytest.raises(RuleViolation, match="不足"):
        _propose(persona, receipt, "100.01")  # more than the whole lot
    czj = persona("city_czj")
    funds.allocation_decide(allocation=a, approve=True, reason="同意", actor=czj)
    funds.allocation_decide(allocation=b, approve=True, reason="同意", actor=czj)  # free exactly 0
    with pytest.raises(RuleViolation, match=r"可用余额 0\.00 元"):
        funds.allocation_decide(allocation=c, approve=True, reason="同意", actor=czj)
    c.refresh_from_db()
    assert c.status == "proposed" and not FundDecision.objects.filter(allocation=c).exists()
    # withdrawing an approved one gives its reservation back
    funds.allocation_withdraw(allocation=b, reason="灾区申请调整", actor=persona("city_yjj"))
    funds.allocation_decide(allocation=c, approve=True, reason="同意", actor=czj)
    account = FundAccount.objects.get(receipt=receipt, level="city")
    assert account.committed == Decimal("60.01")
    with pytest.raises(InvalidTransition):
        funds.allocation_withdraw(allocation=b, reason="再撤", actor=persona("city_yjj"))


def test_rejection_is_recorded_and_reserves_nothing(clock, persona):
    receipt = _receipt(persona, amount="100.00")
    allocation = _propose(persona, receipt, "60.00")
    funds.allocation_decide(
        allocation=allocation, approve=False, reason="依据不足", actor=persona("city_czj")
    )
    allocation.refresh_from_db()
    assert allocation.status == "rejected"
    assert FundAccount.objects.get(receipt=receipt).committed == 0
    with pytest.raises(InvalidTransition, match="只有审核通过的才能下达"):
        funds.allocation_disburse(allocation=allocation, document_no="x", actor=persona("city_czj"))


def test_disbursement_moves_money_city_to_county(clock, persona):
    persona("yicheng")  # a county officer to be told
    receipt = _receipt(persona, amount="1000.00")
    allocation = _propose(persona, receipt, "250.00")
    funds.allocation_decide(allocation=allocation, approve=True, reason="同意", actor=persona("city_czj"))
    with pytest.raises(PermissionDenied):
        funds.allocation_disburse(
            allocation=allocation, document_no="驻财〔2026〕5号", actor=persona("city_yjj")
        )
    funds.allocation_disburse(allocation=allocation, document_no="驻财〔2026〕5号", actor=persona("city_czj"))
    city = FundAccount.objects.get(receipt=receipt, level="city")
    county = FundAccount.objects.get(allocation=allocation)
    assert (city.balance, city.committed) == (Decimal("750.00"), Decimal("0.00"))
    assert (county.county.code, county.source, county.purpose, county.balance) == (
        "yicheng",
        "central",
        "emergency",
        Decimal("250.00"),
    )
    _ledger_invariant(city)
    _ledger_invariant(county)
    with pytest.raises(InvalidTransition):
        funds.allocation_disburse(allocation=allocation, document_no="again", actor=persona("city_czj"))
    # the county officer was told
    from portal.models import Notification

    assert Notification.objects.filter(
        recipient=persona("yicheng"), title__contains="救灾资金已下达"
    ).exists()


def test_county_spending_to_exactly_zero_and_not_below(clock, persona):
    lot = fund_county(persona, "yicheng", "emergency", "100.00")
    with pytest.raises(PermissionDenied):
        funds.fund_spend(
            account=lot, amount="1", description="采购", spent_on=date(2026, 7, 20), actor=persona("xiping")
        )
    funds.fund_spend(
        account=lot,
        amount="99.99",
        description="采购饮用水",
        spent_on=date(2026, 7, 20),
        actor=persona("yicheng"),
    )
    with pytest.raises(RuleViolation, match=r"不足 0\.02"):
        funds.fund_spend(
            account=lot,
            amount="0.02",
            description="运输",
            spent_on=date(2026, 7, 20),
            actor=persona("yicheng"),
        )
    funds.fund_spend(
        account=lot, amount="0.01", description="运输", spent_on=date(2026, 7, 20), actor=persona("yicheng")
    )
    lot.refresh_from_db()
    assert lot.balance == Decimal("0.00")
    _ledger_invariant(lot)


def test_the_database_refuses_a_negative_balance(clock, persona):
    receipt = _receipt(persona, amount="10.00")
    account = FundAccount.objects.get(receipt=receipt)
    with pytest.raises(IntegrityError), transaction.atomic():
        FundAccount.objects.filter(pk=account.pk).update(balance=Decimal("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        FundAccount.objects.filter(pk=account.pk).update(committed=Decimal("10.01"))
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        FundEntry.objects.filter(account=account).update(delta=Decimal("11.00"))


def test_a_yuan_is_traceable_from_source_to_household(clock, open_event, submit, persona):
    """Central reconstruction money → 驿城区 lot → reconstruction programme → one household."""
    event = open_event("yicheng")
    verify(event, "yicheng", persona, submit)
    hh = household(event, "yicheng", persona, "张建国", 1, damage="collapsed")
    lot = fund_county(
        persona, "yicheng", "reconstruction", "30000.00", receipt_amount="50000.00", event=event
    )
    programme = aid.programme_open(
        kind="reconstruction", county=lot.county, event=event, actor=persona("yicheng")
    )
    aid.plan_record(
        programme=programme,
        data={
            "collapsed_amount": "20000",
            "severe_amount": "10000",
            "budget": "30000",
            "basis": "驻财〔2026〕9号",
        },
        actor=persona("city_yjj"),
    )
    b = aid.beneficiary_add(programme=programme, household=hh, actor=persona("yicheng"))
    aid.beneficiary_assess(
        beneficiary=b, damage="collapsed", mode="rebuild", note="", actor=persona("yicheng")
    )
    aid.beneficiary_apply(beneficiary=b, amount="20000.00", actor=persona("yicheng"))
    aid.beneficiary_approve(beneficiary=b, amount="20000.00", actor=persona("yicheng"))
    payment = aid.payment_make(beneficiary=b, amount="20000.00", actor=persona("yicheng"))

    chain = trace_payment(payment)
    assert chain["recipient"]["name"] == "张建国" and chain["recipient"]["kind"] == "household"
    assert chain["recipient"]["ledger_id"] == hh.pk
    assert "*" in chain["recipient"]["id_number"]
    assert chain["programme"]["kind"] == "reconstruction"
    assert (
        chain["allocation"]["county_name"] == "驿城区" and chain["allocation"]["purpose"] == "reconstruction"
    )
    assert chain["allocation"]["approved_by"] == str(persona("city_czj"))
    assert chain["receipt"]["source"] == "central" and chain["receipt"]["document_no"].startswith("财预")
    assert chain["payment"]["amount"] == "20000.00"
    # the books balance at every level
    city = FundAccount.objects.get(level="city", receipt_id=lot.receipt_id)
    lot.refresh_from_db()
    assert city.balance + lot.credited == city.credited  # 20,000 left at the city, 30,000 went down
    assert lot.balance + payment.amount == lot.credited
    assert FundEntry.objects.get(payment=payment).delta == Decimal("-20000.00")
    balances = fund_balances(persona("city_yjj"))
    assert [(r.key, r.balance) for r in balances["city"]] == [
        (("central", "reconstruction"), Decimal("20000.00"))
    ]
    assert [(r.label, r.credited, r.balance) for r in balances["county"]] == [
        ("驿城区 · 倒损住房恢复重建 · 中央", Decimal("30000.00"), Decimal("10000.00"))
    ]
    # a county sees its own lots only; no city lots
    assert fund_balances(persona("xiping"))["county"] == [] and fund_balances(persona("xiping"))["city"] == []


def test_allocation_states_are_the_only_door(clock, persona):
    receipt = _receipt(persona, amount="100.00")
    allocation = _propose(persona, receipt, "10.00")
    funds.allocation_withdraw(allocation=allocation, reason="重复", actor=persona("city_yjj"))
    with pytest.raises(InvalidTransition):
        funds.allocation_decide(allocation=allocation, approve=True, reason="同意", actor=persona("city_czj"))
    assert FundAllocation.objects.get(pk=allocation.pk).status == "withdrawn"
    assert AuditEntry.objects.filter(
        action="disaster.relief.fund.withdraw", object_id=str(allocation.pk)
    ).exists()
