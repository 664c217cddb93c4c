"""Re-screening after a standard change or new data (lists changes, never ends assistance), the
standards admin service, the aid ledger and monthly payment lists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from assistance.models import AidRecord, Household, RescreenChange, RescreenRun, Warning
from assistance.services.ledger import aid_record, aid_reverse, payment_list_approve, payment_list_generate
from assistance.services.rescreen import (
    rescreen_change_review,
    rescreen_due,
    rescreen_execute,
    rescreen_request,
)
from assistance.services.standards import changed_counties, standards_update
from portal.errors import InvalidTransition, RuleViolation
from portal.models import AuditEntry, OrgUnit

from .factories import household, person, village

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def run_now(**kw) -> RescreenRun:
    run = rescreen_request(actor=None, run_inline=False, **kw)
    return rescreen_execute(run.pk)


def lower_yicheng_rural_standard(admin, valid_from=date(2024, 7, 1), dibao="4000.00"):
    return standards_update(
        actor=admin,
        valid_from=valid_from,
        reason="驿城区农村低保标准调整（测试）",
        scope="yicheng",
        urban_dibao="7440.00",
        urban_tekun="9672.00",
        rural_dibao=dibao,
        rural_tekun="6864.00",
    )


@time_machine.travel(datetime(2024, 6, 20, 9, 0, tzinfo=SH), tick=False)
def test_standards_update_creates_version_with_reason(persona):
    admin = persona("admin")
    with pytest.raises(RuleViolation) as err:
        standards_update(
            actor=admin,
            valid_from=date(2024, 7, 1),
            reason="",
            scope="nowhere",
            urban_dibao="0",
            urban_tekun="x",
            rural_dibao="5000",
            rural_tekun="6000",
        )
    assert {"scope", "urban_dibao", "urban_tekun"} <= set(err.value.errors)
    v2 = lower_yicheng_rural_standard(admin)
    assert v2.version == 2 and v2.reason.startswith("驿城区")
    assert v2.params["counties"]["yicheng"]["rural"]["dibao"] == "4000.00"
    assert v2.params["counties"]["xiping"]["rural"]["dibao"] == "5280.00"
    assert AuditEntry.objects.filter(action="portal.ruleset.create_version", object_id=str(v2.pk)).exists()
    from portal.models import RuleSet

    v1 = RuleSet.objects.get(key="assistance.standards", version=1)
    assert changed_counties(v1.params, v2.params) == ["yicheng"]
    city = dict(v2.params)
    city["monitoring_line"] = "8000.00"
    assert changed_counties(v2.params, city) is None


def test_rescreen_lists_changes_never_ends_assistance(persona):
    admin, officer = persona("admin"), persona("shuitun")
    with time_machine.travel(at(2024, 6, 1, 9, 0), tick=False):
        # per capita 4500: 低保 under 5280, not under a lowered 4000
        confirmed = household(
            members=[person("甲"), person("乙", relation="spouse")],
            income_wage="9000",
            tier="dibao",
            actor=officer,
        )
        unaffected = household(members=[person("丙")], income_wage="2000", tier="dibao", actor=officer)
        xiping_v = village("xiping-t04", "某村")
        other_county = household(
            village_unit=xiping_v, members=[person("丁")], income_wage="4500", tier="dibao"
        )
        first = run_now(trigger="manual")
        assert first.status == "done" and first.processed == 3 and first.changes == 0
    with time_machine.travel(at(2024, 7, 1, 9, 0), tick=False):
        lower_yicheng_rural_standard(admin)
        run = rescreen_due(today=date(2024, 7, 1))
        assert run is not None and run.counties == ["yicheng"] and run.trigger == "standard"
        run = rescreen_execute(run.pk)
    assert run.processed == 2 and run.changes == 1
    change = RescreenChange.objects.get()
    assert change.household == confirmed and change.confirmed_tier == "dibao"
    assert change.new_tier == "near_dibao" and change.direction == "exit" and change.status == "pending"
    assert change.ruleset.version == 2
    confirmed.refresh_from_db()
    assert confirmed.tier == "dibao" and confirmed.computed_tier == "near_dibao"  # assistance not ended
    unaffected.refresh_from_db()
    other_county.refresh_from_db()
    assert unaffected.computed_tier == "dibao" and other_county.computed_tier == "dibao"
    # Nothing new to do on the same day; a second run lists nothing twice.
    assert rescreen_due(today=date(2024, 7, 1)) is None
    again = run_now(trigger="manual", counties=["yicheng"])
    assert again.changes == 0 and RescreenChange.objects.count() == 1


def test_review_of_a_change_verify_or_dismiss(persona):
    officer = persona("shuitun")
    h = household(members=[person("戊")], income_wage="20000", tier="dibao", actor=officer)
    run_now(trigger="manual")
    change = RescreenChange.objects.get(household=h)
    assert change.new_tier is None and change.direction == "exit"
    with pytest.raises(RuleViolation):
        rescreen_change_review(change=change, decision="dismiss", actor=officer)
    change = rescreen_change_review(change=change, decision="verify", actor=officer, level="orange")
    assert change.status == "verifying" and change.warning.level == "orange"
    assert change.warning.source == Warning.Source.RESCREEN
    with pytest.raises(InvalidTransition):
        rescreen_change_review(change=change, decision="dismiss", note="x", actor=officer)
    h.refresh_from_db()
    assert h.tier == "dibao"


def test_rescreen_entry_candidate_and_superseded(persona):
    officer = persona("shuitun")
    h = household(members=[person("己")], income_wage="5000", actor=officer)  # not in assistance; fits 低保
    run_now(trigger="data", household_ids=[h.pk])
    change = RescreenChange.objects.get(household=h)
    assert change.direction == "entry" and change.new_tier == "dibao"
    # New data: income rises; the listed change is superseded by the new result.
    Household.objects.filter(pk=h.pk).update(income_wage=Decimal("50000"))
    run_now(trigger="data", household_ids=[h.pk])
    change.refresh_from_db()
    assert change.status == "superseded"
    assert not RescreenChange.objects.filter(household=h, status="pending").exists()


def test_rescreen_queries_do_not_grow_with_households(persona, django_assert_max_num_queries):
    officer = persona("shuitun")
    for i in range(30):
        household(
            members=[person(f"批{i}"), person(f"量{i}", relation="child")],
            income_wage=str(3000 + i * 500),
            actor=officer,
        )
    run = rescreen_request(trigger="manual", actor=None, run_inline=False)
    with django_assert_max_num_queries(25):
        rescreen_execute(run.pk, batch=1000)
    assert RescreenRun.objects.get(pk=run.pk).processed == 30


def test_rescreen_runs_once(persona):
    run = rescreen_request(trigger="manual", actor=None, run_inline=False)
    rescreen_execute(run.pk)
    finished = RescreenRun.objects.get(pk=run.pk).finished_at
    rescreen_execute(run.pk)  # already done: nothing happens
    assert RescreenRun.objects.get(pk=run.pk).finished_at == finished


# --- ledger -----------------------------------------------------------------------------------


def test_aid_record_flows_back_and_reversal(persona):
    officer = persona("shuitun")
    h = household(actor=officer)
    ybj = OrgUnit.objects.get(code="ybj")
    rec = aid_record(
        household=h,
        aid_type="medical",
        amount="5000.00",
        department=ybj,
        granted_on=date(2024, 7, 1),
        actor=officer,
    )
    assert rec.layer == "special" and rec.county == h.county
    assert list(h.aid_records.all()) == [rec]
    with pytest.raises(RuleViolation):
        aid_record(
            household=h,
            aid_type="medical",
            amount="0",
            department=ybj,
            granted_on=date(2024, 7, 1),
            actor=officer,
        )
    service = aid_record(
        household=h,
        aid_type="care_service",
        amount="0",
        department=h.county,
        granted_on=date(2024, 7, 1),
        actor=officer,
    )
    assert service.amount == Decimal("0")
    rev = aid_reverse(record=rec, reason="重复录入", actor=officer)
    assert rev.amount == Decimal("-5000.00") and rev.reverses == rec
    with pytest.raises(InvalidTransition):
        aid_reverse(record=rec, reason="again", actor=officer)


def test_monthly_payment_list_idempotent_and_amounts(persona):
    county_officer = persona("yicheng")
    with time_machine.travel(at(2024, 6, 15, 9, 0), tick=False):
        dibao = household(
            members=[person("庚"), person("辛", relation="spouse")], income_wage="6000", tier="dibao"
        )
        single = household(
            members=[
                person("壬"),
                person(
                    "癸",
                    relation="child",
                    disability_grade=1,
                    disability_category="physical",
                    own_income="1000",
                ),
            ],
            income_wage="14000",
            tier="dibao",
            single_person_index=1,
        )
        tekun = household(
            members=[person("子", birth="19400101", labour_capacity="none")], tier="extreme_poverty"
        )
        household(members=[person("丑")], income_wage="8000", tier="near_dibao")
    with time_machine.travel(at(2024, 7, 2, 9, 0), tick=False):
        yicheng = OrgUnit.objects.get(code="yicheng")
        plist = payment_list_generate(county=yicheng, month=date(2024, 7, 1), actor=county_officer)
        amounts = {r.household_id: r.amount for r in AidRecord.objects.filter(payment_list=plist)}
        assert amounts == {
            dibao.pk: Decimal("380.00"),  # (5280 × 2 − 6000) / 12
            single.pk: Decimal("356.67"),  # (5280 − 1000) / 12, 单人保
            tekun.pk: Decimal("572.00"),  # 6864 / 12
        }
        assert plist.households == 3 and plist.persons == 2 + 1 + 1
        assert plist.total == Decimal("1308.67")
        again = payment_list_generate(county=yicheng, month=date(2024, 7, 1), actor=county_officer)
        assert again.pk == plist.pk and AidRecord.objects.filter(payment_list=plist).count() == 3
        payment_list_approve(payment_list=plist, actor=county_officer)
        with pytest.raises(InvalidTransition):
            payment_list_generate(county=yicheng, month=date(2024, 7, 1), actor=county_officer)
    # A household confirmed after the first of the month is not on that month's list.
    assert not AidRecord.objects.filter(payment_list=plist, household__tier="near_dibao").exists()


def test_periodic_sweep_starts_rescreen_and_picks_up_lost_work(persona):
    """The `assistance.sweep` beat task: a first run when no run used the standards in force,
    then stale queued runs and pending imports (task messages lost) are executed."""
    import io

    from openpyxl import Workbook

    from assistance import tasks
    from assistance.models import ImportBatch
    from assistance.services.importing import import_create

    officer = persona("shuitun")
    household(members=[person("扫一")], income_wage="1000", actor=officer)
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        result = tasks.sweep()
        assert result["requested"] == 1 and result["executed"] == 0
        run = RescreenRun.objects.get()
        assert run.status == "queued" and run.counties is None
        wb = Workbook()
        wb.active.append(
            [
                "户编号",
                "县（区）",
                "乡镇（街道）",
                "村（社区）",
                "城乡属性",
                "与户主关系",
                "姓名",
                "公民身份号码",
            ]
        )
        buf = io.BytesIO()
        wb.save(buf)
        buf.seek(0)
        batch = import_create(fileobj=buf, filename="空表.xlsx", actor=persona("yicheng"))
    with time_machine.travel(at(2026, 3, 2, 9, 5), tick=False):
        result = tasks.sweep()
    assert result == {"requested": 0, "executed": 1, "imports": 1}
    assert RescreenRun.objects.get(pk=run.pk).status == "done"
    assert ImportBatch.objects.get(pk=batch.pk).status == "done"
    assert RescreenChange.objects.filter(direction="entry").count() == 1
