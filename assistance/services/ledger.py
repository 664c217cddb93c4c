"""The assistance ledger (§5): grants by type, department, amount and date, flowing back to the
household record; monthly payment lists of basic-living assistance per county."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from assistance import rules
from assistance.models import AidRecord, Application, Household, Member, PaymentList, Person, TierPeriod
from assistance.services.households import active_members_of, household_facts
from assistance.services.standards import standards_for_unit, standards_ruleset
from portal.audit import audit_record
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit

MAX_AMOUNT = Decimal("10000000")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _amount(value: Any, *, allow_zero: bool) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise RuleViolation(errors={"amount": ["请填写金额（元），例如 500.00"]}) from None
    if not amount.is_finite() or amount < 0 or (amount == 0 and not allow_zero) or amount >= MAX_AMOUNT:
        raise RuleViolation(
            errors={"amount": ["金额应大于 0 且小于 1000 万元" if not allow_zero else "金额不能为负"]}
        )
    if amount != rules.money(amount):
        raise RuleViolation(errors={"amount": ["金额最多保留两位小数（到分）"]})
    return amount


def aid_record(
    *,
    household: Household,
    aid_type: str,
    amount: Any,
    department: OrgUnit,
    granted_on: date,
    actor: Any,
    person: Person | None = None,
    application: Application | None = None,
    note: str = "",
    period: date | None = None,
    payment_list: PaymentList | None = None,
    now: datetime | None = None,
) -> AidRecord:
    """Record a grant or service. Service-type aid may have amount 0 (a visit, care)."""
    now = now or timezone.now()
    if aid_type not in rules.AID_TYPES:
        raise RuleViolation(errors={"aid_type": ["请选择救助类型"]})
    layer = rules.aid_layer(aid_type)
    value = _amount(amount, allow_zero=layer == "service" or aid_type == "festival_visit")
    if granted_on > timezone.localdate(now):
        raise RuleViolation(errors={"granted_on": ["发放/实施日期不能晚于今天"]})
    if person is not None and not Member.objects.filter(household=household, person=person).exists():
        raise RuleViolation(errors={"person": ["受助人须为本户成员"]})
    if department.kind not in (OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.COUNTY, OrgUnit.Kind.TOWNSHIP):
        raise RuleViolation(errors={"department": ["实施部门应为市直部门、县区或乡镇"]})
    record = AidRecord.objects.create(
        household=household,
        person=person,
        county_id=household.county_id,
        aid_type=aid_type,
        layer=layer,
        amount=value,
        department=department,
        granted_on=granted_on,
        period=period,
        application=application,
        payment_list=payment_list,
        note=note.strip()[:300],
        recorded_by=_user(actor),
        recorded_at=now,
    )
    if payment_list is None:
        audit_record(
            actor=actor,
            action="assistance.aid.record",
            obj=record,
            after={
                "aid_type": aid_type,
                "amount": value,
                "department": department.pk,
                "household": household.pk,
            },
        )
    return record


def aid_reverse(*, record: AidRecord, reason: str, actor: Any, now: datetime | None = None) -> AidRecord:
    """Correct a ledger entry with a reversing entry (the original stays)."""
    now = now or timezone.now()
    if not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写冲正原因"]})
    with transaction.atomic():
        original = AidRecord.objects.select_for_update().get(pk=record.pk)
        if original.reverses_id is not None:
            raise InvalidTransition("冲正记录不能再冲正")
        if AidRecord.objects.filter(reverses=original).exists():
            raise InvalidTransition("该记录已冲正")
        reversal = AidRecord.objects.create(
            household_id=original.household_id,
            person_id=original.person_id,
            county_id=original.county_id,
            aid_type=original.aid_type,
            layer=original.layer,
            amount=-original.amount,
            department_id=original.department_id,
            granted_on=timezone.localdate(now),
            period=original.period,
            application_id=original.application_id,
            reverses=original,
            note=f"冲正 #{original.pk}：{reason.strip()}"[:300],
            recorded_by=_user(actor),
            recorded_at=now,
        )
        audit_record(
            actor=actor,
            action="assistance.aid.reverse",
            obj=reversal,
            extra={"reverses": original.pk, "reason": reason},
        )
    return reversal


def month_start(day: date) -> date:
    return day.replace(day=1)


def payment_list_generate(
    *, county: OrgUnit, month: date, actor: Any, now: datetime | None = None
) -> PaymentList:
    """The month's payment list for a county: every household in 低保 or 特困 on the first day
    of the month gets one entry (amount by `rules.monthly_benefit` with the standards in force
    that day). Idempotent: running it again adds only households still missing; an approved
    list is final."""
    now = now or timezone.now()
    first = month_start(month)
    if county.kind != OrgUnit.Kind.COUNTY:
        raise RuleViolation(errors={"county": ["请选择县区"]})
    ruleset = standards_ruleset(first)
    with transaction.atomic():
        plist = PaymentList.objects.select_for_update().filter(county=county, month=first).first()
        if plist is None:
            try:
                with transaction.atomic():
                    plist = PaymentList.objects.create(
                        county=county,
                        month=first,
                        ruleset=ruleset,
                        generated_by=_user(actor),
                        generated_at=now,
                    )
            except IntegrityError:
                plist = PaymentList.objects.select_for_update().get(county=county, month=first)
        if plist.status == PaymentList.Status.APPROVED:
            raise InvalidTransition("该月发放名册已审核，不能再生成")
        already = AidRecord.objects.filter(
            period=first, aid_type__in=["dibao", "tekun"], reverses__isnull=True
        )
        periods = (
            TierPeriod.objects.filter(county=county, tier__in=rules.BASIC_TIERS, start__lte=first)
            .filter(Q(end__isnull=True) | Q(end__gt=first))
            .exclude(household_id__in=already.values("household_id"))
            .select_related("household", "single_person")
            .order_by("household_id")
        )
        today = timezone.localdate(now)
        added = 0
        chunk: list[TierPeriod] = []

        def flush(rows: list[TierPeriod]) -> int:
            members = active_members_of([p.household_id for p in rows])
            records = []
            for period in rows:
                household = period.household
                household_members = members.get(household.pk, [])
                if not household_members:
                    continue
                std = standards_for_unit(ruleset.params, area=household.area, county=county)
                facts = household_facts(household, household_members, first)
                single = period.single_person
                single_income = single.own_income if single is not None else None
                amount = rules.monthly_benefit(
                    tier=period.tier,
                    std=std,
                    members=len(facts.members),
                    household_income=facts.household_income,
                    single_person_income=single_income,
                )
                if amount <= 0:
                    continue
                aid_type = rules.MONTHLY_AID_TYPE[period.tier]
                note = f"{first:%Y年%m月}{rules.TIER_SHORT[period.tier]}"
                if single is not None:
                    note += f"（单人保：{single.name}）"
                records.append(
                    AidRecord(
                        household=household,
                        person_id=period.single_person_id,
                        county=county,
                        aid_type=aid_type,
                        layer=rules.aid_layer(aid_type),
                        amount=amount,
                        department=county,
                        granted_on=today,
                        period=first,
                        payment_list=plist,
                        note=note,
                        recorded_by=_user(actor),
                        recorded_at=now,
                    )
                )
            AidRecord.objects.bulk_create(records, ignore_conflicts=True)
            return len(records)

        for period in periods.iterator(chunk_size=1000):
            chunk.append(period)
            if len(chunk) >= 1000:
                added += flush(chunk)
                chunk = []
        if chunk:
            added += flush(chunk)
        items = AidRecord.objects.filter(payment_list=plist)
        totals = items.aggregate(total=Sum("amount"), households=Count("household", distinct=True))
        singles = items.filter(person__isnull=False, reverses__isnull=True).count()
        whole = Member.objects.filter(
            active=True,
            household_id__in=items.filter(person__isnull=True, reverses__isnull=True).values("household_id"),
        ).count()
        plist.total = totals["total"] or Decimal("0")
        plist.households = totals["households"] or 0
        plist.persons = singles + whole
        plist.save(update_fields=["total", "households", "persons"])
        audit_record(
            actor=actor,
            action="assistance.payment_list.generate",
            obj=plist,
            after={"added": added, "households": plist.households, "total": plist.total},
        )
    return plist


def payment_list_approve(
    *, payment_list: PaymentList, actor: Any, now: datetime | None = None
) -> PaymentList:
    now = now or timezone.now()
    with transaction.atomic():
        locked = PaymentList.objects.select_for_update().get(pk=payment_list.pk)
        if locked.status != PaymentList.Status.DRAFT:
            raise InvalidTransition("该名册已审核")
        if locked.households == 0:
            raise InvalidTransition("名册为空，不能审核发放")
        locked.status = PaymentList.Status.APPROVED
        locked.approved_by, locked.approved_at = _user(actor), now
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            actor=actor, action="assistance.payment_list.approve", obj=locked, after={"total": locked.total}
        )
    return locked
