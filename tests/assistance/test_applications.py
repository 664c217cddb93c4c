"""Applications (§3): review tier by tier, the 3-working-day obligations as deadlines on the
working-day calendar (frozen clock, holidays), publicity with objections, consent, confirmation,
temporary assistance before confirmation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from assistance.models import AidRecord, Application, TierPeriod, Visit
from assistance.services.applications import (
    KIND_EXIT_TRANSFER,
    KIND_OFFER_PUBLICITY,
    KIND_PERIODIC_REVIEW,
    KIND_SWITCH,
    application_confirm,
    application_consent_other,
    application_create,
    application_offer_other,
    application_refuse,
    application_review,
    application_switch,
    objection_record,
    objection_resolve,
    publicity_start,
    temporary_aid_grant,
)
from assistance.services.monitoring import assistance_end, visit_record
from portal.deadlines import deadline_sweep
from portal.errors import InvalidTransition, RuleViolation
from portal.models import AuditEntry, Deadline

from .factories import household, person

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def deadline(subject, kind) -> Deadline:
    return Deadline.objects.get(subject_id=subject.pk, kind=kind)


def poor_family(**kw):
    # rural, 2 members, 6000/yr → per capita 3000 < 5280: 低保
    return household(
        members=[person("陈父"), person("陈子", relation="child", birth="20100101")], income_wage="6000", **kw
    )


def edge_family(**kw):
    # rural, 2 members, 12000/yr → per capita 6000: 低保边缘
    return household(
        members=[person("林父"), person("林母", relation="spouse", female=True)], income_wage="12000", **kw
    )


def test_match_publicity_objection_and_confirmation(persona):
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 7, 1, 9, 0), tick=False):
        h = poor_family(actor=officer)
        app = application_create(household=h, requested_tier="dibao", actor=officer)
        app = application_review(application=app, actor=officer)
        assert app.outcome == "match" and app.found_tier == "dibao" and app.procedure_tier == "dibao"
        assert app.classification.result["checks"][1]["passed"] is True
        pub = publicity_start(application=app, actor=officer)
        assert (pub.starts_on, pub.ends_on) == (date(2024, 7, 1), date(2024, 7, 7))
        assert pub.village_id == h.village_id and pub.tier == "dibao"
        with pytest.raises(InvalidTransition, match="期满后才能确认"):
            application_confirm(application=app, actor=officer)
    with time_machine.travel(at(2024, 7, 3, 15, 0), tick=False):
        objection = objection_record(
            publicity=pub, content="该户有营运车辆", objector="村民甲", actor=officer
        )
        with pytest.raises(RuleViolation, match="公示期内"):
            objection_record(publicity=pub, content="过早", received_on=date(2024, 6, 30), actor=officer)
    with time_machine.travel(at(2024, 7, 8, 9, 0), tick=False):
        with pytest.raises(RuleViolation, match="公示期内"):
            objection_record(publicity=pub, content="过期才提出", actor=officer)
        with pytest.raises(InvalidTransition, match="待核实的公示异议"):
            application_confirm(application=app, actor=officer)
        objection_resolve(
            objection=objection, upheld=False, resolution="核实车辆已于 2023 年转让", actor=officer
        )
        app = application_confirm(application=app, actor=officer)
    h.refresh_from_db()
    assert app.status == "approved" and h.tier == "dibao" and h.tier_since == date(2024, 7, 8)
    assert TierPeriod.objects.get(household=h).start == date(2024, 7, 8)
    # Periodic review (§5a): the father is of working age and able to work → every 6 months.
    review = deadline(h, KIND_PERIODIC_REVIEW)
    assert review.due_at == at(2025, 1, 9, 0, 0)
    assert review.responsible_unit.code == "yicheng-t12"
    actions = set(AuditEntry.objects.filter(object_id=str(app.pk)).values_list("action", flat=True))
    assert {
        "assistance.application.review",
        "assistance.application.publicity",
        "assistance.application.confirm",
    } <= actions


def test_upheld_objection_blocks_confirmation(persona):
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 7, 1, 9, 0), tick=False):
        h = poor_family(actor=officer)
        app = application_review(
            application=application_create(household=h, requested_tier="dibao", actor=officer), actor=officer
        )
        pub = publicity_start(application=app, actor=officer)
        objection = objection_record(publicity=pub, content="家中有经营性商铺", actor=officer)
        objection_resolve(objection=objection, upheld=True, resolution="核实属实", actor=officer)
    with time_machine.travel(at(2024, 7, 9, 9, 0), tick=False):
        with pytest.raises(InvalidTransition, match="异议成立"):
            application_confirm(application=app, actor=officer)
        app = application_refuse(application=app, reason="公示异议成立：有经营性商铺", actor=officer)
    assert app.status == "refused"
    h.refresh_from_db()
    assert h.tier is None


def test_other_tier_offer_deadline_three_working_days_over_national_day(persona):
    """Told on Friday 2024-09-27: 09-29 (Sunday, adjusted working day), 09-30 and 10-08 are the
    three working days (10-01..10-07 holiday) → due 2024-10-08 24:00."""
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 9, 27, 10, 0), tick=False):
        h = edge_family(actor=officer)
        app = application_create(household=h, requested_tier="dibao", actor=officer)
        app = application_review(application=app, actor=officer)
        assert app.outcome == "other" and app.found_tier == "near_dibao" and app.procedure_tier is None
        with pytest.raises(InvalidTransition, match="须先告知"):
            publicity_start(application=app, actor=officer)
        app = application_offer_other(application=app, actor=officer)
        d = deadline(app, KIND_OFFER_PUBLICITY)
        assert d.due_at == at(2024, 10, 9, 0, 0)
        assert d.responsible_unit == h.township and d.rule_set.key == "assistance.procedure"
    with time_machine.travel(at(2024, 10, 8, 23, 0), tick=False):
        assert deadline_sweep(now=at(2024, 10, 8, 23, 0))["overdue"] == 0
    with time_machine.travel(at(2024, 10, 9, 0, 1), tick=False):
        assert deadline_sweep(now=at(2024, 10, 9, 0, 1))["overdue"] == 1
        d.refresh_from_db()
        assert d.status == "overdue"
        app = application_consent_other(application=app, consent=True, actor=officer)
        publicity_start(application=app, actor=officer)
    d.refresh_from_db()
    assert d.met_at is not None and d.was_late


def test_other_tier_consent_in_time_meets_deadline(persona):
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 7, 1, 10, 0), tick=False):  # Monday
        h = edge_family(actor=officer)
        app = application_offer_other(
            application=application_review(
                application=application_create(household=h, requested_tier="dibao", actor=officer),
                actor=officer,
            ),
            actor=officer,
        )
        assert deadline(app, KIND_OFFER_PUBLICITY).due_at == at(2024, 7, 5, 0, 0)  # end of Thursday
    with time_machine.travel(at(2024, 7, 3, 10, 0), tick=False):
        app = application_consent_other(application=app, consent=True, actor=officer)
        assert app.procedure_tier == "near_dibao"
        publicity_start(application=app, actor=officer)
    d = deadline(app, KIND_OFFER_PUBLICITY)
    assert d.status == "met" and not d.was_late


def test_other_tier_refused_consent_ends_application(persona):
    officer = persona("shuitun")
    h = edge_family(actor=officer)
    app = application_review(
        application=application_create(household=h, requested_tier="dibao", actor=officer), actor=officer
    )
    with pytest.raises(InvalidTransition, match="请先告知"):
        application_consent_other(application=app, consent=True, actor=officer)
    application_offer_other(application=app, actor=officer)
    app = application_consent_other(application=app, consent=False, actor=officer)
    assert app.status == "refused" and "不同意" in app.decision_note
    assert deadline(app, KIND_OFFER_PUBLICITY).status == "cancelled"


def test_higher_priority_tier_switch_within_three_working_days(persona):
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 12, 31, 16, 0), tick=False):  # Tuesday; 2025-01-01 holiday
        h = poor_family(actor=officer)
        app = application_review(
            application=application_create(household=h, requested_tier="near_dibao", actor=officer),
            actor=officer,
        )
        assert app.outcome == "higher" and app.found_tier == "dibao"
        d = deadline(app, KIND_SWITCH)
        # 2025-01-01 (Wed) is a holiday: 01-02 (Thu), 01-03 (Fri), 01-06 (Mon) → due 01-06 24:00.
        assert d.due_at == at(2025, 1, 7, 0, 0)
    with time_machine.travel(at(2025, 1, 2, 9, 0), tick=False):
        app = application_switch(application=app, consent=True, actor=officer)
    assert app.procedure_tier == "dibao"
    d.refresh_from_db()
    assert d.status == "met" and not d.was_late


def test_switch_refused_continues_in_requested_tier(persona):
    officer = persona("shuitun")
    h = poor_family(actor=officer)
    app = application_review(
        application=application_create(household=h, requested_tier="near_dibao", actor=officer), actor=officer
    )
    app = application_switch(application=app, consent=False, actor=officer)
    assert app.procedure_tier == "near_dibao" and app.status == "reviewed"
    assert publicity_start(application=app, actor=officer).tier == "near_dibao"


def test_no_tier_cannot_be_publicised(persona):
    officer = persona("shuitun")
    h = household(members=[person("富户")], income_wage="90000", actor=officer)
    app = application_review(
        application=application_create(household=h, requested_tier="dibao", actor=officer), actor=officer
    )
    assert app.outcome == "none"
    with pytest.raises(InvalidTransition, match="不符合任何类别"):
        publicity_start(application=app, actor=officer)
    assert application_refuse(application=app, reason="收入超过边缘线", actor=officer).status == "refused"
    with pytest.raises(InvalidTransition):
        application_refuse(application=app, reason="再次", actor=officer)


def test_one_open_application_per_household(persona):
    officer = persona("shuitun")
    h = poor_family(actor=officer)
    application_create(household=h, requested_tier="dibao", actor=officer)
    with pytest.raises(InvalidTransition, match="正在办理"):
        application_create(household=h, requested_tier="near_dibao", actor=officer)
    with pytest.raises(RuleViolation):
        application_create(household=h, requested_tier="bogus", actor=officer)


def test_temporary_assistance_before_confirmation(persona):
    officer = persona("shuitun")
    h = poor_family(actor=officer)
    app = application_create(household=h, requested_tier="dibao", actor=officer)
    record = temporary_aid_grant(
        application=app, amount=Decimal("800.00"), note="急难先行救助", actor=officer
    )
    assert record.aid_type == "temporary" and record.layer == "emergency" and record.application == app
    assert record.department == h.county and record.amount == Decimal("800.00")
    assert AidRecord.objects.filter(household=h).count() == 1
    with pytest.raises(RuleViolation):
        temporary_aid_grant(application=app, amount=Decimal("-5"), note="", actor=officer)
    application_refuse(application=app, reason="测试", actor=officer)
    with pytest.raises(InvalidTransition):
        temporary_aid_grant(application=app, amount=Decimal("100"), note="", actor=officer)


def test_exit_requires_verification_and_transfers_with_consent(persona):
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 4, 30, 11, 0), tick=False):  # Tuesday before May Day
        h = poor_family(actor=officer, tier="dibao")
        routine = visit_record(
            household=h, kind=Visit.Kind.ROUTINE, findings="正常", conclusion="qualifies", actor=officer
        )
        with pytest.raises(RuleViolation, match="不再符合"):
            assistance_end(
                household=h, verification=routine, reason="收入增加", consent_transfer=True, actor=officer
            )
        verification = visit_record(
            household=h,
            kind=Visit.Kind.VERIFICATION,
            findings="父亲在县城务工，月收入 3000 元",
            conclusion="not_qualifies",
            actor=officer,
        )
        transfer = assistance_end(
            household=h,
            verification=verification,
            reason="家庭收入超过低保标准",
            consent_transfer=True,
            actor=officer,
        )
        h.refresh_from_db()
        assert h.tier is None
        assert TierPeriod.objects.get(household=h).end == date(2024, 4, 30)
        assert (
            transfer.kind == "transfer"
            and transfer.previous_tier == "dibao"
            and transfer.status == "received"
        )
        d = deadline(transfer, KIND_EXIT_TRANSFER)
        # 2024-05-01..05-05 holiday, 05-11 (Sat) adjusted working day: 05-06, 05-07, 05-08.
        assert d.due_at == at(2024, 5, 9, 0, 0)
    with time_machine.travel(at(2024, 5, 6, 9, 0), tick=False):
        from assistance.services.households import household_input_from, household_update

        data = household_input_from(h)
        data.income_wage = "12000"  # the verified income
        household_update(household=h, data=data, actor=officer, reason="核实：务工收入")
        data_app = application_review(application=transfer, actor=officer)
    assert data_app.outcome == "match" and data_app.found_tier == "near_dibao"
    d.refresh_from_db()
    assert d.status == "met"


def test_exit_with_stale_verification_refused(persona):
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 1, 2, 9, 0), tick=False):
        h = poor_family(actor=officer, tier="dibao")
        old = visit_record(
            household=h,
            kind=Visit.Kind.VERIFICATION,
            findings="收入增加",
            conclusion="not_qualifies",
            actor=officer,
        )
    with time_machine.travel(at(2024, 6, 1, 9, 0), tick=False):
        with pytest.raises(RuleViolation, match="超过 90 天"):
            assistance_end(household=h, verification=old, reason="x", consent_transfer=False, actor=officer)
    h.refresh_from_db()
    assert h.tier == "dibao"


def test_exit_without_consent_opens_no_transfer(persona):
    officer = persona("shuitun")
    h = poor_family(actor=officer, tier="extreme_poverty")
    v = visit_record(
        household=h, kind="verification", findings="已由子女赡养", conclusion="not_qualifies", actor=officer
    )
    assert (
        assistance_end(
            household=h, verification=v, reason="有赡养能力", consent_transfer=False, actor=officer
        )
        is None
    )
    assert not Application.objects.filter(household=h).exists()


def test_reviewing_again_after_data_change_replaces_outcome(persona):
    from assistance.services.households import household_input_from, household_update

    officer = persona("shuitun")
    with time_machine.travel(at(2024, 7, 1, 9, 0), tick=False):
        h = poor_family(actor=officer)
        app = application_review(
            application=application_create(household=h, requested_tier="near_dibao", actor=officer),
            actor=officer,
        )
        assert app.outcome == "higher"
        data = household_input_from(h)
        data.income_wage = "12000"
        household_update(household=h, data=data, actor=officer, reason="补充收入材料")
        app = application_review(application=app, actor=officer)
    assert app.outcome == "match" and app.procedure_tier == "near_dibao"
    assert deadline(app, KIND_SWITCH).status == "cancelled"
    assert app.classifications.count() == 2
