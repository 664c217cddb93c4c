"""免申即享: the automatic match over the registry, idempotent, set-based, best-of, and the
proposal path matched → pushed → confirmed → paid → archived."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Deadline, Notification
from subsidies.models import Application, MatchBatch
from subsidies.services import applications as svc
from subsidies.services.matching import entitlements_match, registry_facts
from tests.subsidies import factories as f

SH = ZoneInfo("Asia/Shanghai")
S = Application.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 16, 10, 0, tzinfo=SH), tick=False) as traveller:
        yield traveller


def proposals(**filters):
    return {a.clause: a for a in Application.objects.filter(source="auto", **filters)}


def test_registry_data_becomes_proposals_for_every_matching_clause(ent):
    project = f.ProjectFactory(enterprise=ent)
    f.EquipmentFactory(project=project)  # 20 M → E4a 1 M
    f.RecognitionFactory(enterprise=ent, kind="little_giant", recognised_on=date(2024, 9, 1))  # E3d 1 M
    f.RecognitionFactory(
        enterprise=ent, kind="enterprise_tech_centre", level="provincial", recognised_on=date(2025, 2, 1)
    )
    f.RecognitionFactory(
        enterprise=ent, kind="specialised_sme", recognised_on=date(2024, 5, 1)
    )  # before the measures
    f.ExhibitionFactory(enterprise=ent)  # 60 k → E6 30 k
    f.FiguresFactory(enterprise=ent, year=2024, composite_growth_rate=Decimal("0.31"))  # E3b referral
    agency = f.AgencyFactory()
    for _ in range(3):
        f.TrainFactory(agency=agency)  # 3 × 25,000 + 20,000
    f.TrainFactory(agency=agency, passengers=150)  # does not count
    culture = f.EnterpriseFactory(industry="culture_tourism")
    f.ProjectFactory(
        enterprise=culture,
        kind="culture_tourism",
        status="operating",
        new_format=True,
        total_investment=Decimal("25000000"),
    )
    f.ProjectFactory(enterprise=culture, kind="micro_drama", status="operating", views=6_000_000)
    run = entitlements_match()
    assert run is not None and run.scanned == 3
    mine = proposals(enterprise=ent)
    assert set(mine) == {"E4a", "E3d", "E5c", "E6", "E3b"}
    assert mine["E4a"].calculated_amount == Decimal("1000000.00")
    assert "5 % × 20,000,000.00 = 1,000,000.00" in mine["E4a"].explanation
    assert mine["E3d"].calculated_amount == Decimal("1000000.00")
    assert mine["E5c"].calculated_amount == Decimal("200000.00")
    assert mine["E6"].calculated_amount == Decimal("30000.00") and mine["E6"].period_year == 2025
    assert (
        mine["E3b"].referral
        and mine["E3b"].calculated_amount is None
        and mine["E3b"].band_max == Decimal("500000.00")
    )
    t12 = proposals(enterprise=agency)["T12"]
    assert (
        t12.calculated_amount == Decimal("95000.00") and t12.lead_unit.code == "wgly" and t12.county is None
    )
    b = proposals(enterprise=culture)
    assert b["T1"].calculated_amount == Decimal("1250000.00") and b["T5"].referral
    assert all(a.status == S.PROPOSED and a.rule_set_id for a in Application.objects.all())
    assert run.created == Application.objects.count() == 8
    assert set(Application.objects.values_list("decisions__action", flat=True)) == {"match"}


def test_a_second_run_with_the_same_data_creates_nothing(ent, project):
    f.EquipmentFactory(project=project)
    assert entitlements_match().created == 1
    again = entitlements_match()
    assert again.created == 0 and again.superseded == 0
    assert Application.objects.count() == 1


def test_changed_data_supersedes_the_pending_proposal(ent, project):
    f.EquipmentFactory(project=project)
    entitlements_match()
    first = Application.objects.get()
    f.EquipmentFactory(project=project, amount_excl_tax=Decimal("4000000"))
    run = entitlements_match()
    assert (run.created, run.superseded) == (1, 1)
    first.refresh_from_db()
    assert first.status == S.REJECTED and first.decisions.last().action == "supersede"
    new = Application.objects.get(status=S.PROPOSED)
    assert new.calculated_amount == Decimal("1200000.00") and new.subject_base == first.subject_base


def test_a_rejected_proposal_is_not_proposed_again_with_the_same_data(ent, project, gxj):
    f.EquipmentFactory(project=project)
    entitlements_match()
    svc.application_reject(application=Application.objects.get(), actor=gxj, reason="设备不属于生产设备")
    assert entitlements_match().created == 0


def test_an_application_in_progress_blocks_the_proposal(ent, project, ent_user):
    f.EquipmentFactory(project=project)
    svc.application_submit(actor=ent_user, enterprise=ent, clause="E4a", facts=f.e4a_facts(), project=project)
    assert entitlements_match().created == 0


def test_best_of_proposes_only_the_larger_clause_of_the_group(ent):
    project = f.ProjectFactory(
        enterprise=ent,
        status="production",
        total_investment=Decimal("150000000"),
        fixed_asset_investment=Decimal("120000000"),  # E1b 600 k
        tax_per_mu=Decimal("180000"),
    )
    f.EquipmentFactory(project=project, amount_excl_tax=Decimal("30000000"))  # E4a 1.5 M
    entitlements_match()
    only = Application.objects.get()
    assert only.clause == "E4a" and only.calculated_amount == Decimal("1500000.00")
    assert any("取较大者 E4a 1,500,000.00" in line for line in only.explanation)
    assert any("E1b 不重复享受" in line for line in only.explanation)


def test_provincial_funds_exclude_e4a_but_not_e1b(ent):
    project = f.ProjectFactory(
        enterprise=ent,
        status="production",
        total_investment=Decimal("150000000"),
        fixed_asset_investment=Decimal("120000000"),
        tax_per_mu=Decimal("180000"),
        provincial_funds_received=True,
    )
    f.EquipmentFactory(project=project, amount_excl_tax=Decimal("30000000"))
    entitlements_match()
    only = Application.objects.get()
    assert only.clause == "E1b" and only.calculated_amount == Decimal("600000.00")


def test_e2_proposal_goes_to_the_intermediary(ent):
    broker = f.EnterpriseFactory(kind="intermediary", industry="services")
    f.ProjectFactory(
        enterprise=ent,
        intermediary=broker,
        status="production",
        fixed_asset_investment=Decimal("300000000"),
        capital_origin="foreign",
    )
    entitlements_match()
    e2 = Application.objects.get(clause="E2")
    assert e2.enterprise == broker and e2.calculated_amount == Decimal("600000.00")


def test_e4b_interest_uses_the_latest_lpr(ent):
    project = f.ProjectFactory(enterprise=ent, in_statistics_db=True)
    f.LoanFactory(project=project, balance=Decimal("10000000"), start_date=date(2024, 12, 1))
    entitlements_match()
    e4b = Application.objects.get(clause="E4b")
    # on 2025-06-16 the latest one-year LPR is 3.00 % (2025-05-20); 2nd subsidy year
    assert e4b.facts["lpr_1y"] == "0.0300" and e4b.facts["subsidy_year"] == 2
    assert e4b.calculated_amount == Decimal("105000.00")


def test_outside_the_validity_only_the_open_ended_document_matches(ent, project, frozen):
    f.EquipmentFactory(project=project)
    culture = f.EnterpriseFactory(industry="culture_tourism")
    f.ProjectFactory(
        enterprise=culture,
        kind="culture_tourism",
        status="operating",
        new_format=True,
        total_investment=Decimal("25000000"),
    )
    frozen.move_to(datetime(2027, 6, 11, 3, 0, tzinfo=SH))
    entitlements_match()
    assert list(Application.objects.values_list("clause", flat=True)) == ["T1"]


def test_proposal_path_push_confirm_pay_archive(ent, project, ent_user, gxj, czj):
    f.EquipmentFactory(project=project)
    run = entitlements_match()
    app = Application.objects.get()
    batch = MatchBatch.objects.get(run=run)
    deadline = Deadline.objects.get(kind="subsidies.proposal_confirm", subject_id=batch.pk)
    assert deadline.responsible_unit.code == "gxj" and deadline.status == Deadline.Status.OPEN
    assert Notification.objects.filter(recipient=gxj, title__contains="免申即享：新匹配 1 条").exists()
    app = svc.proposal_push(application=app, actor=gxj)
    assert app.status == S.PUSHED and app.pushed_at is not None
    assert Notification.objects.filter(recipient=ent_user, title__contains="免申即享").exists()
    app = svc.proposal_confirm(application=app, actor=gxj)
    assert app.status == S.CONFIRMED and app.approved_amount == Decimal("1000000.00")
    deadline.refresh_from_db()
    assert deadline.status == Deadline.Status.MET  # every proposal of the batch decided
    app = svc.award_pay(application=app, actor=czj, payment_ref="ZF-1")
    with pytest.raises(Exception):
        svc.award_audit(application=app, actor=czj)
    app = svc.award_archive(application=app, actor=czj)
    assert app.status == S.ARCHIVED
    assert list(app.decisions.values_list("action", flat=True)) == [
        "match",
        "push",
        "confirm",
        "pay",
        "archive",
    ]


def test_confirm_rechecks_the_ledgers_moved_since_the_match(ent, ent_user, gxj, czj):
    p1, p2 = f.ProjectFactory(enterprise=ent), f.ProjectFactory(enterprise=ent)
    f.EquipmentFactory(project=p1, amount_excl_tax=Decimal("150000000"))  # 7.5 M
    f.EquipmentFactory(project=p2, amount_excl_tax=Decimal("100000000"))  # 5 M, only 2.5 M left
    entitlements_match()
    by_project = {a.project_id: a for a in Application.objects.all()}
    assert by_project[p1.pk].calculated_amount == Decimal("7500000.00")
    assert by_project[p2.pk].calculated_amount == Decimal("2500000.00")
    # confirmed in the other order: the ledger, not the proposal, fixes the amount
    second = svc.proposal_confirm(application=by_project[p2.pk], actor=gxj)
    assert second.approved_amount == Decimal("5000000.00")
    first = svc.proposal_confirm(application=by_project[p1.pk], actor=gxj)
    assert first.approved_amount == Decimal("5000000.00")
    assert any(
        "E4a 单一企业（政策有效期累计）上限 10,000,000.00，已批准 5,000,000.00" in x
        for x in first.approval_explanation
    )


def test_registry_facts_prefill_the_same_facts_as_the_match(ent, project):
    f.EquipmentFactory(project=project)
    facts = registry_facts(clause="E4a", enterprise=ent, project=project)
    entitlements_match()
    assert Application.objects.get().facts == facts


def test_matching_is_set_based(db):
    """The number of queries does not grow with the number of enterprises."""

    def build(n: int) -> None:
        for _ in range(n):
            e = f.EnterpriseFactory(industry="software")
            p = f.ProjectFactory(enterprise=e, status="planned")
            f.EquipmentFactory(project=p, amount_excl_tax=Decimal("1"))  # planned: no E4a
            f.FiguresFactory(enterprise=e, year=2024)

    build(5)
    with CaptureQueriesContext(connection) as small:
        entitlements_match()
    build(40)
    with CaptureQueriesContext(connection) as large:
        entitlements_match()
    assert len(large.captured_queries) == len(small.captured_queries)


def test_management_command(ent, project):
    from io import StringIO

    from django.core.management import call_command

    f.EquipmentFactory(project=project)
    out = StringIO()
    call_command("subsidies_match", "--date", "2025-06-16", stdout=out)
    assert "新增推送 1 条" in out.getvalue()
