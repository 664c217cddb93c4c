"""Applications through every path of §D, with deadlines, ledgers, best-of and budgets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.deadlines import deadline_sweep
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, Notification
from subsidies.models import (
    Application,
    Budget,
    CapLedger,
    CapLedgerEntry,
    Decision,
    InsertOnlyError,
    PolicyDocument,
)
from subsidies.services import applications as svc
from subsidies.services.budgets import budget_set
from tests.subsidies import factories as f

SH = ZoneInfo("Asia/Shanghai")
S = Application.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 16, 10, 0, tzinfo=SH), tick=False) as traveller:
        yield traveller


def submit_e4a(ent, project, actor, **facts):
    return svc.application_submit(
        actor=actor,
        enterprise=ent,
        clause="E4a",
        facts=f.e4a_facts(**facts),
        project=project,
        materials=f.all_materials("E4a"),
    )


def deadlines(app, kind=None):
    qs = Deadline.objects.filter(subject_id=app.pk, subject_type__model="application")
    return qs.filter(kind=kind) if kind else qs


def test_submit_evaluates_stores_the_rule_set_opens_the_materials_deadline(ent, project, ent_user, gxj):
    app = submit_e4a(ent, project, ent_user)
    assert app.status == S.APPLIED and app.source == Application.Source.APPLIED
    assert app.calculated_amount == Decimal("1000000.00")
    assert app.rule_set.key == "subsidies.policy.A" and app.rule_set.version == 1
    assert "5 % × 20,000,000.00 = 1,000,000.00" in app.explanation
    assert app.lead_unit.code == "gxj" and app.county.code == "yicheng"
    d = deadlines(app, "subsidies.materials_check").get()
    # 5 working days after Mon 2025-06-16 → end of Mon 2025-06-23 (local)
    assert d.due_at.astimezone(SH) == datetime(2025, 6, 24, 0, 0, tzinfo=SH)
    assert d.responsible_unit.code == "gxj"
    assert Notification.objects.filter(recipient=gxj, title__contains="新的奖补申请").exists()
    first = app.decisions.get()
    assert first.action == "submit" and first.data["facts"]["equipment_purchase"] == "20000000.00"


def test_full_applied_path_to_audited(ent, project, ent_user, gxj, czj, persona):
    budget_set(actor=czj, document=PolicyDocument.objects.get(code="A"), year=2025, amount="5000000")
    app = submit_e4a(ent, project, ent_user)
    app = svc.application_check_materials(application=app, actor=gxj)
    assert deadlines(app, "subsidies.materials_check").get().status == Deadline.Status.MET
    app = svc.application_dept_review(application=app, actor=gxj, note="符合条件")
    assert deadlines(app, "subsidies.fiscal_review").get().responsible_unit.code == "czj"
    app = svc.application_fiscal_review(application=app, actor=czj)
    app = svc.application_approve(application=app, actor=gxj)
    assert app.status == S.APPROVED and app.approved_amount == Decimal("1000000.00")
    assert "批准金额：1,000,000.00 元" in app.approval_explanation
    budget = Budget.objects.get(year=2025)
    assert budget.committed == Decimal("1000000.00") and budget.paid == 0
    ledger = CapLedger.objects.get(key=f"cap:E4a:enterprise:{ent.pk}")
    assert ledger.committed == Decimal("1000000.00") and ledger.cap == Decimal("10000000.00")
    app = svc.award_pay(application=app, actor=czj, payment_ref="ZF2025-0001")
    assert app.status == S.PAID and app.paid_amount == Decimal("1000000.00")
    assert Budget.objects.get(year=2025).paid == Decimal("1000000.00")
    app = svc.award_audit(application=app, actor=persona("auditor"))
    assert app.status == S.AUDITED
    actions = list(app.decisions.values_list("action", flat=True))
    assert actions == ["submit", "check_materials", "dept_review", "fiscal_review", "approve", "pay", "audit"]
    assert not deadlines(app).filter(status=Deadline.Status.OPEN).exists()
    assert Notification.objects.filter(recipient=ent_user, title__contains="已拨付").exists()
    with pytest.raises(InvalidTransition):
        svc.award_archive(application=app, actor=czj)  # archive is the 免申即享 path's end


def test_return_for_materials_and_resubmit_keeps_both_versions(ent, project, ent_user, gxj):
    app = svc.application_submit(
        actor=ent_user,
        enterprise=ent,
        clause="E4a",
        facts=f.e4a_facts(),
        project=project,
        materials=[{"name": "生产设备购置完税发票（不含税金额）", "provided": False}],
    )
    with pytest.raises(RuleViolation) as exc:
        svc.application_check_materials(application=app, actor=gxj)
    assert "材料未齐" in exc.value.message
    with pytest.raises(RuleViolation):
        svc.application_return(application=app, actor=gxj, missing=[], note=" ")
    app = svc.application_return(application=app, actor=gxj, missing=["设备发票"], note="请补充发票")
    assert app.status == S.RETURNED
    assert deadlines(app, "subsidies.resubmit").get().status == Deadline.Status.OPEN
    assert Notification.objects.filter(recipient=ent_user, title__contains="补正").exists()
    old_key = app.subject_key
    app = svc.application_resubmit(
        application=app,
        actor=ent_user,
        facts=f.e4a_facts(equipment_purchase="24000000.00"),
        materials=[{"name": "生产设备购置完税发票（不含税金额）", "provided": True}],
    )
    assert app.status == S.APPLIED and app.calculated_amount == Decimal("1200000.00")
    assert app.subject_key != old_key
    submitted = [
        d.data["facts"]["equipment_purchase"] for d in app.decisions.filter(action__in=["submit", "resubmit"])
    ]
    assert submitted == ["20000000.00", "24000000.00"]
    assert deadlines(app, "subsidies.resubmit").get().status == Deadline.Status.MET
    assert deadlines(app, "subsidies.materials_check").filter(status=Deadline.Status.OPEN).count() == 1
    app = svc.application_check_materials(application=app, actor=gxj)
    assert app.status == S.MATERIALS_CHECKED


def test_rejection_needs_a_reason_closes_deadlines_and_is_final(ent, project, ent_user, gxj):
    app = submit_e4a(ent, project, ent_user)
    with pytest.raises(RuleViolation):
        svc.application_reject(application=app, actor=gxj, reason="")
    app = svc.application_reject(application=app, actor=gxj, reason="项目不属于电子信息产业")
    assert app.status == S.REJECTED
    # the reviewer decided within the step: its deadline is met, nothing stays open
    assert deadlines(app, "subsidies.materials_check").get().status == Deadline.Status.MET
    assert not deadlines(app).filter(status=Deadline.Status.OPEN).exists()
    for action in ("check_materials", "approve", "confirm", "push"):
        with pytest.raises(InvalidTransition):
            svc.ACTIONS[action](application=app, actor=gxj)
    with pytest.raises(InvalidTransition):
        svc.award_pay(application=app, actor=gxj, payment_ref="X")
    # a rejected application does not block a new one for the same project
    again = submit_e4a(ent, project, ent_user)
    assert again.status == S.APPLIED


def test_wrong_state_is_an_invalid_transition(ent, project, ent_user, gxj, czj):
    app = submit_e4a(ent, project, ent_user)
    with pytest.raises(InvalidTransition) as exc:
        svc.award_pay(application=app, actor=czj, payment_ref="X")
    assert "已申报" in exc.value.message
    with pytest.raises(InvalidTransition):
        svc.application_approve(application=app, actor=gxj)
    with pytest.raises(InvalidTransition):
        svc.proposal_confirm(application=app, actor=gxj)


def test_duplicate_and_ineligible_and_out_of_validity_submissions_are_refused(ent, project, ent_user, frozen):
    submit_e4a(ent, project, ent_user)
    with pytest.raises(RuleViolation) as exc:
        submit_e4a(ent, project, ent_user)
    assert "不能重复申请" in exc.value.message
    other = f.ProjectFactory(enterprise=ent)
    with pytest.raises(RuleViolation) as exc:
        submit_e4a(ent, other, ent_user, provincial_funds_received=True)
    assert "不符合条件" in exc.value.message and "省专项资金" in exc.value.message
    with pytest.raises(RuleViolation) as exc:
        svc.application_submit(
            actor=ent_user,
            enterprise=ent,
            clause="E4a",
            facts=f.e4a_facts(),
            project=None,
            materials=f.all_materials("E4a"),
        )
    assert "project" in exc.value.errors
    frozen.move_to(datetime(2027, 6, 11, 9, 0, tzinfo=SH))
    with pytest.raises(RuleViolation) as exc:
        submit_e4a(ent, other, ent_user)
    assert "有效期" in exc.value.message


def _approve(app, gxj, czj, amount=None):
    app = svc.application_check_materials(application=app, actor=gxj)
    app = svc.application_dept_review(application=app, actor=gxj, recommended_amount=amount)
    app = svc.application_fiscal_review(application=app, actor=czj)
    return svc.application_approve(application=app, actor=gxj, amount=amount)


def _e1b(ent, project, actor, fixed):
    return svc.application_submit(
        actor=actor,
        enterprise=ent,
        clause="E1b",
        facts={
            "total_investment": "120000000",
            "fixed_asset_investment": fixed,
            "tax_per_mu": "160000",
            "in_production": True,
        },
        project=project,
        materials=f.all_materials("E1b"),
    )


def test_best_of_blocks_the_smaller_award_for_the_same_project(ent, project, ent_user, gxj, czj):
    e1b = _approve(_e1b(ent, project, ent_user, "160000000"), gxj, czj)  # 0.5 % → 800,000
    assert e1b.approved_amount == Decimal("800000.00")
    e4a = _approve_until_fiscal(submit_e4a(ent, project, ent_user), gxj, czj)  # 5 % × 20 M = 1,000,000
    e4a = svc.application_approve(application=e4a, actor=gxj)
    # best-of: the project keeps the larger (1 M): only the 200 k difference is added
    assert e4a.approved_amount == Decimal("200000.00")
    assert any("可补足 200,000.00" in line for line in e4a.approval_explanation)
    group = CapLedger.objects.get(key=f"group:A-project-investment:project:{project.pk}")
    assert group.committed == Decimal("1000000.00")


def _approve_until_fiscal(app, gxj, czj):
    app = svc.application_check_materials(application=app, actor=gxj)
    app = svc.application_dept_review(application=app, actor=gxj)
    return svc.application_fiscal_review(application=app, actor=czj)


def test_best_of_refuses_when_the_larger_was_already_granted(ent, project, ent_user, gxj, czj):
    _approve(_e1b(ent, project, ent_user, "200000000"), gxj, czj)  # 1,000,000
    e4a = _approve_until_fiscal(
        submit_e4a(ent, project, ent_user, equipment_purchase="10000000"), gxj, czj
    )  # 500,000
    with pytest.raises(RuleViolation) as exc:
        svc.application_approve(application=e4a, actor=gxj)
    assert "不能批准" in exc.value.message and "可补足 0.00" in exc.value.message
    assert Application.objects.get(pk=e4a.pk).status == S.FISCAL_REVIEWED  # nothing half-done
    e4a = svc.application_reject(application=e4a, actor=gxj, reason="从优不重复：已享受 E1b")
    assert e4a.status == S.REJECTED


def test_other_projects_are_not_affected_by_best_of(ent, project, ent_user, gxj, czj):
    _approve(_e1b(ent, project, ent_user, "200000000"), gxj, czj)
    other = f.ProjectFactory(enterprise=ent)
    e4a = _approve(submit_e4a(ent, other, ent_user), gxj, czj)
    assert e4a.approved_amount == Decimal("1000000.00")


def test_enterprise_cap_across_projects(ent, ent_user, gxj, czj):
    first = _approve(
        submit_e4a(ent, f.ProjectFactory(enterprise=ent), ent_user, equipment_purchase="180000000"), gxj, czj
    )
    assert first.approved_amount == Decimal("9000000.00")
    second = _approve(
        submit_e4a(ent, f.ProjectFactory(enterprise=ent), ent_user, equipment_purchase="40000000"), gxj, czj
    )
    assert second.approved_amount == Decimal("1000000.00")  # 2 M calculated, 1 M left of the 10 M
    assert CapLedger.objects.get(key=f"cap:E4a:enterprise:{ent.pk}").committed == Decimal("10000000.00")
    third = _approve_until_fiscal(submit_e4a(ent, f.ProjectFactory(enterprise=ent), ent_user), gxj, czj)
    with pytest.raises(RuleViolation) as exc:
        svc.application_approve(application=third, actor=gxj)
    assert "单一企业" in exc.value.message


def test_e6_yearly_cap_per_enterprise(ent, ent_user, gxj, czj):
    apps = []
    for fee in ("120000", "120000"):
        ex = f.ExhibitionFactory(enterprise=ent, booth_fee=Decimal(fee))
        apps.append(
            svc.application_submit(
                actor=ent_user,
                enterprise=ent,
                clause="E6",
                facts={"booth_fee": fee},
                exhibition=ex,
                period_year=2025,
                materials=f.all_materials("E6"),
            )
        )
    a1 = _approve(apps[0], gxj, czj)
    a2 = _approve(apps[1], gxj, czj)
    assert (a1.approved_amount, a2.approved_amount) == (Decimal("60000.00"), Decimal("40000.00"))
    assert CapLedger.objects.get(key=f"cap:E6:enterprise:{ent.pk}:2025").committed == Decimal("100000.00")


def test_budget_is_never_overcommitted(ent, project, ent_user, gxj, czj):
    doc = PolicyDocument.objects.get(code="A")
    budget_set(actor=czj, document=doc, year=2025, amount="900000")
    app = _approve_until_fiscal(submit_e4a(ent, project, ent_user), gxj, czj)
    with pytest.raises(RuleViolation) as exc:
        svc.application_approve(application=app, actor=gxj)
    assert "预算剩余 900,000.00" in exc.value.message
    assert not CapLedger.objects.filter(committed__gt=0).exists()  # the refusal rolled back the ledgers
    budget_set(actor=czj, document=doc, year=2025, amount="1500000")
    app = svc.application_approve(application=app, actor=gxj)
    with pytest.raises(RuleViolation) as exc:
        budget_set(actor=czj, document=doc, year=2025, amount="999999.99")
    assert "不能低于已批准金额" in exc.value.message


def test_case_by_case_amount_is_decided_within_the_band(ent, ent_user, gxj, czj):
    f.FiguresFactory(enterprise=ent, year=2024, composite_growth_rate=Decimal("0.30"))
    app = svc.application_submit(
        actor=ent_user,
        enterprise=ent,
        clause="E3b",
        facts={"composite_growth_rate": "0.30"},
        period_year=2024,
        materials=f.all_materials("E3b"),
    )
    assert app.referral and app.calculated_amount is None and app.band_max == Decimal("500000.00")
    app = svc.application_check_materials(application=app, actor=gxj)
    with pytest.raises(RuleViolation) as exc:
        svc.application_dept_review(application=app, actor=gxj, recommended_amount="600000")
    assert "不能超过上限 500,000.00" in exc.value.message
    app = svc.application_dept_review(application=app, actor=gxj, recommended_amount="300000")
    app = svc.application_fiscal_review(application=app, actor=czj)
    app = svc.application_approve(application=app, actor=gxj)  # the department's recommendation
    assert app.approved_amount == Decimal("300000.00")
    assert "一事一议：决定金额 300,000.00 元（上限 500,000.00）" in app.approval_explanation


def test_formula_amounts_cannot_be_edited_by_hand(ent, project, ent_user, gxj, czj):
    app = _approve_until_fiscal(submit_e4a(ent, project, ent_user), gxj, czj)
    with pytest.raises(RuleViolation) as exc:
        svc.application_approve(application=app, actor=gxj, amount="2000000")
    assert "不能手工修改" in exc.value.message


def test_decisions_and_ledger_entries_are_insert_only(ent, project, ent_user, gxj, czj):
    app = _approve(submit_e4a(ent, project, ent_user), gxj, czj)
    decision = app.decisions.first()
    decision.note = "改写历史"
    with pytest.raises(InsertOnlyError):
        decision.save()
    with pytest.raises(InsertOnlyError):
        decision.delete()
    with pytest.raises(InsertOnlyError):
        Decision.objects.filter(pk=decision.pk).update(note="x")
    with pytest.raises(InsertOnlyError):
        Decision.objects.all().delete()
    with pytest.raises(InsertOnlyError):
        CapLedgerEntry.objects.filter(application=app).update(amount=0)
    assert Decision.objects.get(pk=decision.pk).note == ""


def test_overdue_step_is_swept_and_escalated(ent, project, ent_user, gxj, frozen):
    app = submit_e4a(ent, project, ent_user)
    frozen.move_to(datetime(2025, 6, 25, 9, 0, tzinfo=SH))
    deadline_sweep(now=datetime(2025, 6, 25, 9, 0, tzinfo=SH))
    d = deadlines(app, "subsidies.materials_check").get()
    assert d.status == Deadline.Status.OVERDUE
    assert Notification.objects.filter(recipient=gxj, title__contains="审核申报材料").exists()
    svc.application_check_materials(application=app, actor=gxj)
    d.refresh_from_db()
    assert d.met_at is not None and d.was_late


def test_working_days_skip_the_dragon_boat_holiday(ent, project, ent_user, frozen):
    # Submitted Thu 2025-05-29; 31 May – 2 June is the Dragon Boat holiday → 5 working days
    # are 30 May, 3, 4, 5, 6 June → due at the end of Fri 2025-06-06.
    frozen.move_to(datetime(2025, 5, 29, 15, 0, tzinfo=SH))
    app = submit_e4a(ent, project, ent_user)
    due = deadlines(app, "subsidies.materials_check").get().due_at.astimezone(SH)
    assert due == datetime(2025, 6, 7, 0, 0, tzinfo=SH)


def test_t12_application_by_an_agency(gxj, wgly, czj):
    agency = f.AgencyFactory()
    user = f.enterprise_user(agency)
    trains = [
        {"kind": "high_speed", "passengers": 250, "paid_scenic_spots": 2, "days": 2, "nights": 1}
        for _ in range(3)
    ]
    app = svc.application_submit(
        actor=user,
        enterprise=agency,
        clause="T12",
        facts={"trains": trains},
        period_year=2025,
        materials=f.all_materials("T12"),
    )
    assert app.lead_unit.code == "wgly" and app.calculated_amount == Decimal("95000.00")
    assert app.subject_base == f"T12:agency:{agency.pk}:year:2025"
    app = svc.application_check_materials(application=app, actor=wgly)
    assert app.status == S.MATERIALS_CHECKED
    ent = f.EnterpriseFactory()
    with pytest.raises(RuleViolation) as exc:
        svc.application_submit(
            actor=user,
            enterprise=ent,
            clause="T12",
            facts={"trains": trains},
            period_year=2025,
            materials=f.all_materials("T12"),
        )
    assert "组团旅行社" in exc.value.message


def test_e2_is_applied_for_by_the_intermediary(ent, gxj):
    broker = f.EnterpriseFactory(kind="intermediary", industry="services", name="驻马店招商服务有限公司")
    project = f.ProjectFactory(
        enterprise=ent, intermediary=broker, status="production", fixed_asset_investment=Decimal("300000000")
    )
    with pytest.raises(RuleViolation):
        svc.application_submit(
            actor=gxj,
            enterprise=ent,
            clause="E2",
            facts={
                "fixed_asset_investment": "300000000",
                "capital_origin": "domestic",
                "in_production": True,
            },
            project=project,
            materials=f.all_materials("E2"),
        )
    app = svc.application_submit(
        actor=gxj,
        enterprise=broker,
        clause="E2",
        facts={"fixed_asset_investment": "300000000", "capital_origin": "domestic", "in_production": True},
        project=project,
        materials=f.all_materials("E2"),
    )
    assert app.calculated_amount == Decimal("300000.00") and app.enterprise == broker


def test_date_of_the_evaluation_is_kept_for_resubmission(ent, project, ent_user, gxj, frozen):
    app = svc.application_submit(
        actor=ent_user,
        enterprise=ent,
        clause="E4a",
        facts=f.e4a_facts(),
        project=project,
        materials=[{"name": "发票", "provided": False}],
    )
    app = svc.application_return(application=app, actor=gxj, missing=["发票"])
    frozen.move_to(datetime(2027, 7, 1, 9, 0, tzinfo=SH))  # the measures have expired meanwhile
    app = svc.application_resubmit(
        application=app, actor=ent_user, facts=f.e4a_facts(equipment_purchase="21000000")
    )
    assert app.evaluated_on == date(2025, 6, 16) and app.calculated_amount == Decimal("1050000.00")


def test_a_late_resubmission_reminds_the_enterprise_too(ent, project, ent_user, gxj, frozen):
    app = svc.application_submit(
        actor=ent_user,
        enterprise=ent,
        clause="E4a",
        facts=f.e4a_facts(),
        project=project,
        materials=f.all_materials("E4a", except_=("银行账户信息",)),
    )
    svc.application_return(application=app, actor=gxj, missing=["银行账户信息"])
    frozen.move_to(datetime(2025, 7, 10, 9, 0, tzinfo=SH))
    deadline_sweep(now=datetime(2025, 7, 10, 9, 0, tzinfo=SH))
    assert deadlines(app, "subsidies.resubmit").get().status == Deadline.Status.OVERDUE
    assert Notification.objects.filter(recipient=ent_user, title__contains="企业补正材料").exists()
    assert Notification.objects.filter(recipient=gxj, title__contains="企业补正材料").exists()


def test_celery_tasks_call_the_services(ent, project):
    from subsidies import tasks

    f.EquipmentFactory(project=project)
    result = tasks.entitlements_match.run()
    assert result["created"] == 1 and result["scanned"] == 1
    assert tasks.policy_expiry_warn.run() == []  # 2025-06-16: nothing expires within 180 days
