"""After-disaster aid (issue 4): transitional living aid (6.1), housing reconstruction (6.2) and
winter-spring relief (6.3) with its yearly deadlines on the shared engine (frozen clock)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction

from disaster.models import AidBeneficiary, AidPayment, AidPlan, AidProgramme, FundEntry
from disaster.services import ledger as led
from disaster.services import relief_aid as aid
from disaster.services.relief_common import K_WS_NEEDS, K_WS_SURVEY
from portal.deadlines import deadline_sweep
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, Notification, OrgUnit
from portal.rulesets import ruleset_create_version
from tests.disaster.relief_helpers import fund_county, household, person, verify

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=TZ)


def _transitional(persona, open_event, submit):
    event = open_event("yicheng")
    verify(event, "yicheng", persona, submit)
    return event, aid.programme_open(
        kind="transitional", county=OrgUnit.objects.get(code="yicheng"), event=event, actor=persona("yicheng")
    )


def test_programme_opens_after_the_verified_report(clock, persona, open_event, submit):
    event = open_event("yicheng")
    yicheng = OrgUnit.objects.get(code="yicheng")
    with pytest.raises(InvalidTransition, match="核报"):
        aid.programme_open(kind="transitional", county=yicheng, event=event, actor=persona("yicheng"))
    verify(event, "yicheng", persona, submit)
    with pytest.raises(PermissionDenied):
        aid.programme_open(kind="transitional", county=yicheng, event=event, actor=persona("xiping"))
    programme = aid.programme_open(kind="transitional", county=yicheng, event=event, actor=persona("yicheng"))
    assert programme.purpose == "transitional" and programme.rule_set.key == "disaster.relief_aid"
    with pytest.raises(InvalidTransition, match="已开展"):
        aid.programme_open(kind="transitional", county=yicheng, event=event, actor=persona("city_yjj"))
    with pytest.raises(RuleViolation, match="不在该灾害过程"):
        aid.programme_open(
            kind="reconstruction",
            county=OrgUnit.objects.get(code="xiping"),
            event=event,
            actor=persona("city_yjj"),
        )


def test_transitional_aid_plan_persons_payments_evaluation(clock, persona, open_event, submit):
    event, programme = _transitional(persona, open_event, submit)
    p1 = person(event, "yicheng", persona, "王秀英", 1)
    p2 = person(event, "yicheng", persona, "李建军", 2)
    dead = person(event, "yicheng", persona, "赵某", 3, category="dead")
    # needs assessment (6.1.1) and the fund plan (6.1.2)
    aid.assessment_record(
        programme=programme,
        data={"persons": 2, "months": 3, "amount_needed": "3600"},
        actor=persona("city_yjj"),
    )
    with pytest.raises(PermissionDenied):
        aid.plan_record(
            programme=programme,
            data={"per_person_month": "600", "months": 3, "budget": "3600", "basis": "x"},
            actor=persona("yicheng"),
        )
    with pytest.raises(RuleViolation, match="每人每月标准和救助月数"):
        aid.plan_record(
            programme=programme,
            data={"per_person_month": "600", "budget": "3600", "basis": "x"},
            actor=persona("city_yjj"),
        )
    plan = aid.plan_record(
        programme=programme,
        data={"per_person_month": "600.00", "months": "3", "budget": "3600", "basis": "驻财〔2026〕12号"},
        actor=persona("city_czj"),
    )
    assert (plan.version, plan.per_person_month, plan.months) == (1, Decimal("600.00"), 3)
    # verified persons come from the ledger (needs-aid category only)
    with pytest.raises(RuleViolation, match="不在本项救助可核定的台账范围内"):
        aid.beneficiary_add(programme=programme, person=dead, actor=persona("yicheng"))
    b1 = aid.beneficiary_add(programme=programme, person=p1, actor=persona("yicheng"))
    with pytest.raises(RuleViolation, match="已在救助对象名单中"):
        aid.beneficiary_add(programme=programme, person=p1, actor=persona("yicheng"))
    assert aid.beneficiaries_add_all(programme=programme, actor=persona("yicheng")) == 1
    b2 = AidBeneficiary.objects.get(ledger_person=p2)
    # payments: from a transitional lot of the county, up to the entitlement (600 × 3 = 1,800)
    with pytest.raises(RuleViolation, match="没有余额足够的过渡期生活救助资金"):
        aid.payment_make(beneficiary=b1, amount="1800", actor=persona("yicheng"))
    wrong = fund_county(persona, "yicheng", "emergency", "5000.00")
    with pytest.raises(RuleViolation, match="用途相符"):
        aid.payment_make(beneficiary=b1, amount="1800", account=wrong, actor=persona("yicheng"))
    lot = fund_county(persona, "yicheng", "transitional", "3000.00")
    with pytest.raises(RuleViolation, match=r"本次最多 1,800\.00 元"):
        aid.payment_make(beneficiary=b1, amount="1800.01", actor=persona("yicheng"))
    with pytest.raises(PermissionDenied):
        aid.payment_make(beneficiary=b1, amount="100", actor=persona("xiping"))
    pay = aid.payment_make(beneficiary=b1, amount="1800.00", actor=persona("yicheng"), reference="一卡通-001")
    assert (pay.entitled, pay.plan, pay.ledger_person, pay.account) == (Decimal("1800.00"), plan, p1, lot)
    assert FundEntry.objects.get(payment=pay).balance_after == Decimal("1200.00")
    with pytest.raises(RuleViolation, match=r"本次最多 0\.00 元"):
        aid.payment_make(beneficiary=b1, amount="0.01", actor=persona("yicheng"))
    # the rest does not fit in the lot: refused as a whole
    with pytest.raises(RuleViolation, match="没有余额足够"):
        aid.payments_pay_all(programme=programme, actor=persona("yicheng"))
    assert AidPayment.objects.count() == 1
    fund_county(persona, "yicheng", "transitional", "1800.00")
    paid = aid.payments_pay_all(programme=programme, actor=persona("yicheng"))
    assert [(p.beneficiary_id, p.amount) for p in paid] == [(b2.pk, Decimal("1800.00"))]
    with pytest.raises(InvalidTransition, match="没有待发放"):
        aid.payments_pay_all(programme=programme, actor=persona("yicheng"))
    # a paid beneficiary stays on the list; payments are insert-only
    with pytest.raises(InvalidTransition, match="已有发放记录"):
        aid.beneficiary_void(beneficiary=b1, reason="x", actor=persona("yicheng"))
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AidPayment.objects.filter(pk=pay.pk).update(amount=Decimal("1.00"))
    # performance evaluation after the work ends (6.1.3)
    with pytest.raises(InvalidTransition, match="结束后"):
        aid.evaluation_record(
            programme=programme,
            stage="final",
            level="city",
            rating="good",
            findings="x",
            actor=persona("city_yjj"),
        )
    with pytest.raises(RuleViolation, match="中期评估只适用于冬春救助"):
        aid.evaluation_record(
            programme=programme,
            stage="mid",
            level="city",
            rating="good",
            findings="x",
            actor=persona("city_yjj"),
        )
    aid.programme_close(programme=programme, note="过渡期结束", actor=persona("yicheng"))
    with pytest.raises(PermissionDenied):
        aid.evaluation_record(
            programme=programme,
            stage="final",
            level="city",
            rating="good",
            findings="x",
            actor=persona("yicheng"),
        )
    with pytest.raises(RuleViolation, match="0–100"):
        aid.evaluation_record(
            programme=programme,
            stage="final",
            level="county",
            rating="good",
            findings="自评",
            score="101",
            actor=persona("yicheng"),
        )
    ev = aid.evaluation_record(
        programme=programme,
        stage="final",
        level="city",
        rating="excellent",
        score="95.5",
        sampled=2,
        findings="资金足额发放到人",
        actor=persona("city_yjj"),
    )
    assert (ev.score, ev.sampled) == (Decimal("95.50"), 2)
    with pytest.raises(InvalidTransition, match="已结束"):
        aid.payment_make(beneficiary=b1, amount="1", actor=persona("yicheng"))


def test_a_new_plan_version_applies_to_later_payments(clock, persona, open_event, submit):
    event, programme = _transitional(persona, open_event, submit)
    b = aid.beneficiary_add(
        programme=programme, person=person(event, "yicheng", persona, "甲", 1), actor=persona("yicheng")
    )
    fund_county(persona, "yicheng", "transitional", "10000.00")
    aid.plan_record(
        programme=programme,
        data={"per_person_month": "500", "months": 2, "budget": "1000", "basis": "v1"},
        actor=persona("city_yjj"),
    )
    first = aid.payment_make(beneficiary=b, amount="1000", actor=persona("yicheng"))
    v2 = aid.plan_record(
        programme=programme,
        data={"per_person_month": "500", "months": 3, "budget": "1500", "basis": "延长一个月"},
        actor=persona("city_yjj"),
    )
    second = aid.payment_make(beneficiary=b, amount="500", actor=persona("yicheng"))
    assert (first.entitled, first.plan.version, second.entitled, second.plan) == (
        Decimal("1000.00"),
        1,
        Decimal("1500.00"),
        v2,
    )
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AidPlan.objects.filter(pk=v2.pk).update(months=9)


def test_a_voided_ledger_row_is_not_paid(clock, persona, open_event, submit):
    event, programme = _transitional(persona, open_event, submit)
    p = person(event, "yicheng", persona, "乙", 1)
    b = aid.beneficiary_add(programme=programme, person=p, actor=persona("yicheng"))
    fund_county(persona, "yicheng", "transitional", "10000.00")
    aid.plan_record(
        programme=programme,
        data={"per_person_month": "500", "months": 2, "budget": "1000", "basis": "v1"},
        actor=persona("city_yjj"),
    )
    led.ledger_void(row=p, reason="重复登记", actor=persona("yicheng"))
    with pytest.raises(RuleViolation, match="台账记录已作废"):
        aid.payment_make(beneficiary=b, amount="100", actor=persona("yicheng"))


def test_reconstruction_assess_apply_approve_pay(clock, persona, open_event, submit):
    event = open_event("yicheng")
    verify(event, "yicheng", persona, submit)
    collapsed = household(event, "yicheng", persona, "张一", 1, damage="collapsed")
    general = household(event, "yicheng", persona, "张二", 2, damage="general")
    intact = household(event, "yicheng", persona, "张三", 3, damage="none", needs_aid=True)
    programme = aid.programme_open(
        kind="reconstruction",
        county=OrgUnit.objects.get(code="yicheng"),
        event=event,
        actor=persona("city_yjj"),
    )
    with pytest.raises(RuleViolation, match="受损等级"):
        aid.beneficiary_add(programme=programme, household=intact, actor=persona("yicheng"))
    b = aid.beneficiary_add(programme=programme, household=collapsed, actor=persona("yicheng"))
    g = aid.beneficiary_add(programme=programme, household=general, actor=persona("yicheng"))
    with pytest.raises(InvalidTransition, match="请先完成评估"):
        aid.beneficiary_apply(beneficiary=b, amount="1000", actor=persona("yicheng"))
    aid.beneficiary_assess(
        beneficiary=b,
        damage="severe",
        mode="rebuild",
        note="评估小组认定为严重损坏",
        actor=persona("yicheng"),
    )
    with pytest.raises(InvalidTransition, match="资金补助方案"):
        aid.beneficiary_apply(beneficiary=b, amount="1000", actor=persona("yicheng"))
    aid.plan_record(
        programme=programme,
        data={
            "collapsed_amount": "25000",
            "severe_amount": "15000",
            "budget": "40000",
            "basis": "驻财〔2026〕20号",
        },
        actor=persona("city_czj"),
    )
    with pytest.raises(RuleViolation, match=r"超过补助标准 15,000\.00 元"):
        aid.beneficiary_apply(beneficiary=b, amount="15000.01", actor=persona("yicheng"))
    aid.beneficiary_apply(beneficiary=b, amount="15000.00", actor=persona("yicheng"))
    with pytest.raises(RuleViolation, match="不能超过申请金额"):
        aid.beneficiary_approve(beneficiary=b, amount="15000.01", actor=persona("yicheng"))
    approved = aid.beneficiary_approve(beneficiary=b, amount="14000.00", actor=persona("yicheng"))
    assert (approved.stage, approved.approved_amount, approved.approved_plan.version) == (
        "approved",
        Decimal("14000.00"),
        1,
    )
    with pytest.raises(InvalidTransition, match="已申请补助"):
        aid.beneficiary_assess(
            beneficiary=b, damage="collapsed", mode="rebuild", note="", actor=persona("yicheng")
        )
    # the general-damage household: no standard for repairs in the plan
    aid.beneficiary_assess(beneficiary=g, damage="general", mode="repair", note="", actor=persona("yicheng"))
    with pytest.raises(RuleViolation, match="未定该受损等级的补助标准"):
        aid.beneficiary_apply(beneficiary=g, amount="100", actor=persona("yicheng"))
    fund_county(persona, "yicheng", "reconstruction", "20000.00")
    aid.payment_make(beneficiary=b, amount="7000.00", actor=persona("yicheng"), reference="开工")
    with pytest.raises(RuleViolation, match=r"本次最多 7,000\.00 元"):
        aid.payment_make(beneficiary=b, amount="7000.01", actor=persona("yicheng"))
    aid.payment_make(beneficiary=b, amount="7000.00", actor=persona("yicheng"), reference="竣工")
    b.refresh_from_db()
    assert b.paid == Decimal("14000.00")


# --- winter-spring (6.3): yearly deadlines on the shared engine --------------------------------


def test_winter_spring_yearly_deadlines_with_a_frozen_clock(persona, open_event):
    with time_machine.travel(at(2026, 7, 20, 8), tick=False) as clock:
        for username in ("yicheng", "xiping", "city_yjj", "admin"):
            persona(username)  # memberships valid from the frozen "now"
        summer = open_event("yicheng", title="7月暴雨洪涝")
        assert aid.winter_spring_open_year(today=date(2026, 8, 31)) == []
        clock.move_to(at(2026, 9, 1, 0, 23))
        opened = aid.winter_spring_open_year()
        assert [p.county.code for p in opened] == ["yicheng"]  # only the county hit this year
        programme = opened[0]
        assert (programme.kind, programme.year, programme.rule_set.key) == (
            "winter_spring",
            2026,
            "disaster.winter_spring",
        )
        survey = Deadline.objects.get(kind=K_WS_SURVEY, subject_id=programme.pk)
        needs = Deadline.objects.get(kind=K_WS_NEEDS, subject_id=programme.pk)
        assert survey.starts_at == at(2026, 9, 1) and survey.due_at == at(2026, 10, 1)
        assert needs.starts_at == at(2026, 9, 1) and needs.due_at == at(2026, 10, 16)  # 15 October, 24:00
        assert needs.responsible_unit.code == "yicheng" and needs.escalate_to.code == "yjj"
        assert needs.basis == "6.3.2" and needs.rule_set == programme.rule_set
        assert Notification.objects.filter(recipient=persona("yicheng"), title__contains="冬春救助").exists()
        assert aid.winter_spring_open_year() == []  # idempotent

        # the county starts its survey in September (an assessment counts) …
        clock.move_to(at(2026, 9, 10, 9))
        aid.assessment_record(
            programme=programme, data={"persons": 30, "households": 10}, actor=persona("yicheng")
        )
        survey.refresh_from_db()
        assert survey.status == "met" and not survey.was_late

        # … a county hit in October gets at least 15 days
        clock.move_to(at(2026, 10, 10, 8))
        open_event("xiping", title="10月风雹")
        late = aid.winter_spring_open_year()
        assert [p.county.code for p in late] == ["xiping"]
        late_needs = Deadline.objects.get(kind=K_WS_NEEDS, subject_id=late[0].pk)
        assert late_needs.due_at == at(2026, 10, 26)

        # 驿城区 submits on 15 October at 23:59: on time
        clock.move_to(at(2026, 10, 15, 23, 59))
        aid.needs_submit(programme=programme, actor=persona("yicheng"))
        needs.refresh_from_db()
        assert needs.status == "met" and not needs.was_late
        with pytest.raises(InvalidTransition, match="已上报"):
            aid.needs_submit(programme=programme, actor=persona("yicheng"))

        # 西平县 misses its date: overdue at 00:00 on the 26th, escalated to the city bureau
        clock.move_to(at(2026, 10, 25, 23, 59))
        deadline_sweep()
        late_needs.refresh_from_db()
        assert late_needs.status == "open"
        clock.move_to(at(2026, 10, 26, 0, 1))
        deadline_sweep()
        late_needs.refresh_from_db()
        assert late_needs.status == "overdue"
        assert Notification.objects.filter(recipient=persona("city_yjj"), title__contains="督办").exists()
        with pytest.raises(RuleViolation, match="请先录入需求评估"):
            aid.needs_submit(programme=late[0], actor=persona("xiping"))
        aid.assessment_record(programme=late[0], data={"persons": 5}, actor=persona("xiping"))
        aid.needs_submit(programme=late[0], actor=persona("xiping"))
        late_needs.refresh_from_db()
        assert late_needs.status == "met" and late_needs.was_late  # overdue, then met

        # the dates are a dated rule set: from 2027 needs are due on 20 October
        ruleset_create_version(
            key="disaster.winter_spring",
            params={**programme.rule_set.params, "needs_due": "10-20"},
            valid_from=date(2027, 1, 1),
            reason="省厅通知：冬春救助需求上报时间调整",
            actor=persona("admin"),
        )
        clock.move_to(at(2027, 3, 1, 9))
        open_event("yicheng", title="2027年春季风雹")
        clock.move_to(at(2027, 9, 1, 1))
        next_year = aid.winter_spring_open_year()
        assert [(p.year, p.rule_set.version) for p in next_year] == [(2027, 2)]
        assert Deadline.objects.get(kind=K_WS_NEEDS, subject_id=next_year[0].pk).due_at == at(2027, 10, 21)
        assert summer.pk  # the 2026 event does not make a 2027 programme by itself


def test_winter_spring_households_fund_plan_distribution_and_evaluations(persona, open_event, submit):
    with time_machine.travel(at(2026, 7, 20, 8), tick=False) as clock:
        event = open_event("yicheng")
        verify(event, "yicheng", persona, submit)
        needy = household(event, "yicheng", persona, "陈一", 1, damage="general", needs_aid=True, members=4)
        collapsed = household(event, "yicheng", persona, "陈二", 2, damage="collapsed", members=2)
        fine = household(event, "yicheng", persona, "陈三", 3, damage="general")
        clock.move_to(at(2026, 9, 2, 9))
        (programme,) = aid.winter_spring_open_year()
        with pytest.raises(RuleViolation, match="不在本项救助可核定"):
            aid.beneficiary_add(programme=programme, household=fine, actor=persona("yicheng"))
        assert aid.beneficiaries_add_all(programme=programme, actor=persona("yicheng")) == 2
        listed = {
            b.ledger_household_id: b.persons for b in AidBeneficiary.objects.filter(programme=programme)
        }
        assert listed == {needy.pk: 4, collapsed.pk: 2}
        aid.assessment_record(
            programme=programme,
            data={"persons": 6, "households": 2, "amount_needed": "1800"},
            actor=persona("yicheng"),
        )
        clock.move_to(at(2026, 10, 12, 9))
        aid.needs_submit(programme=programme, actor=persona("yicheng"))
        aid.plan_record(
            programme=programme,
            data={"per_person": "300.00", "budget": "1800", "basis": "驻财〔2026〕30号"},
            actor=persona("city_czj"),
        )
        fund_county(persona, "yicheng", "winter_spring", "2000.00")
        paid = aid.payments_pay_all(programme=programme, actor=persona("yicheng"))
        assert sorted(p.amount for p in paid) == [Decimal("600.00"), Decimal("1200.00")]
        assert all(p.ledger_household_id in (needy.pk, collapsed.pk) for p in paid)
        # mid-term evaluation during the relief period, final after it ends (6.3.4)
        clock.move_to(at(2027, 1, 15, 9))
        aid.evaluation_record(
            programme=programme,
            stage="mid",
            level="city",
            rating="good",
            findings="中期：已发放到户",
            actor=persona("city_yjj"),
        )
        clock.move_to(at(2027, 5, 31, 9))
        aid.programme_close(programme=programme, note="冬春救助结束", actor=persona("yicheng"))
        with pytest.raises(InvalidTransition, match="已结束"):
            aid.evaluation_record(
                programme=programme,
                stage="mid",
                level="city",
                rating="good",
                findings="x",
                actor=persona("city_yjj"),
            )
        aid.evaluation_record(
            programme=programme,
            stage="final",
            level="city",
            rating="excellent",
            findings="终期评估",
            actor=persona("city_yjj"),
        )
        assert programme.evaluations.count() == 2
        assert AidProgramme.objects.get(pk=programme.pk).status == "closed"
