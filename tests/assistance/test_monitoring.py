"""Dynamic monitoring (§4): warning levels and home-visit deadlines (frozen clock), visits,
referral to the department of the need, escalation, periodic review (§5a)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from assistance.models import Referral, Warning
from assistance.services.applications import KIND_PERIODIC_REVIEW
from assistance.services.monitoring import (
    KIND_WARNING_VISIT,
    escalation_decide,
    periodic_review_schedule,
    referral_respond,
    visit_record,
    warning_close,
    warning_escalate,
    warning_raise,
    warning_refer,
)
from portal.deadlines import deadline_sweep
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, Membership, Notification, OrgUnit, Role, User
from portal.rulesets import ruleset_create_version

from .factories import household, person

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def dept_user(code: str, username: str) -> User:
    user = User.objects.create_user(username=username, password="x-Strong-pass-1")
    Membership.objects.create(
        user=user, unit=OrgUnit.objects.get(code=code), role=Role.objects.get(code="city_staff")
    )
    return user


@pytest.mark.parametrize(
    ("level", "due"),
    [("red", at(2024, 7, 5, 0, 0)), ("orange", at(2024, 7, 9, 0, 0)), ("yellow", at(2024, 7, 17, 0, 0))],
)
def test_warning_level_sets_visit_deadline(persona, level, due):
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 7, 1, 14, 0), tick=False):
        h = household(actor=officer)
        w = warning_raise(
            household=h, level=level, source="data", need="medical", description="医保大额支出", actor=officer
        )
    assert w.visit_due_at == due
    d = Deadline.objects.get(kind=KIND_WARNING_VISIT, subject_id=w.pk)
    assert d.due_at == due and d.responsible_unit == h.township and d.urgent == (level == "red")
    assert d.rule_set.key == "assistance.monitoring"


def test_visit_time_limits_are_a_dated_rule_set(persona):
    officer = persona("shuitun")
    admin = persona("admin")
    ruleset_create_version(
        key="assistance.monitoring",
        params={
            "visit_days": {"red": 2, "orange": 5, "yellow": 10},
            "working_days": True,
            "referral_departments": {"medical": ["ybj"]},
        },
        valid_from=datetime(2024, 9, 1).date(),
        reason="县区要求缩短入户时限并按工作日计",
        actor=admin,
    )
    with time_machine.travel(at(2024, 8, 30, 9, 0), tick=False):
        before = warning_raise(
            household=household(actor=officer), level="red", source="visit", description="x", actor=officer
        )
    with time_machine.travel(at(2024, 9, 27, 9, 0), tick=False):  # Friday before National Day
        after = warning_raise(
            household=household(actor=officer), level="red", source="visit", description="y", actor=officer
        )
    assert before.visit_due_at == at(2024, 9, 3, 0, 0)  # v1: 3 calendar days
    assert after.visit_due_at == at(2024, 10, 1, 0, 0)  # v2: 2 working days (09-29 adjusted, 09-30)
    assert after.ruleset.version == 2


def test_visit_meets_deadline_and_sweep_marks_unvisited_overdue(persona):
    with time_machine.travel(at(2024, 7, 1, 14, 0), tick=False):
        officer = persona("shuitun")  # memberships must exist at the sweep's time
        county_officer = persona("yicheng")
        h1, h2 = household(actor=officer), household(actor=officer)
        w1 = warning_raise(
            household=h1, level="red", source="data", description="失业", need="employment", actor=officer
        )
        w2 = warning_raise(
            household=h2, level="red", source="data", description="大病", need="medical", actor=officer
        )
    with time_machine.travel(at(2024, 7, 3, 10, 0), tick=False):
        visit_record(
            household=h1,
            warning=w1,
            kind="warning",
            findings="已核实，告知就业救助政策",
            informed_policies=True,
            conclusion="qualifies",
            actor=officer,
        )
    assert deadline_sweep(now=at(2024, 7, 5, 0, 1))["overdue"] == 1
    d1 = Deadline.objects.get(kind=KIND_WARNING_VISIT, subject_id=w1.pk)
    d2 = Deadline.objects.get(kind=KIND_WARNING_VISIT, subject_id=w2.pk)
    assert d1.status == "met" and not d1.was_late
    assert d2.status == "overdue"
    w1.refresh_from_db()
    assert w1.status == "visited"
    # The overdue notification reaches the township officer and escalates to the county.
    assert Notification.objects.filter(recipient=officer, title__contains="已逾期").exists()
    assert Notification.objects.filter(recipient=county_officer, title__contains="督办").exists()


def test_visit_can_start_an_application(persona):
    officer = persona("shuitun")
    h = household(
        members=[person("冯", labour_capacity="none", birth="19500101")], income_wage="2000", actor=officer
    )
    w = warning_raise(household=h, level="orange", source="visit", description="独居老人", actor=officer)
    v = visit_record(
        household=h,
        warning=w,
        kind="warning",
        findings="无子女，无收入",
        informed_policies=True,
        conclusion="needs_application",
        start_application=True,
        requested_tier="extreme_poverty",
        actor=officer,
    )
    assert v.application is not None and v.application.kind == "visit"
    assert v.application.requested_tier == "extreme_poverty"


def test_visit_validation(persona):
    officer = persona("shuitun")
    h = household(actor=officer)
    with pytest.raises(RuleViolation) as err:
        visit_record(household=h, kind="nope", findings=" ", conclusion="x", actor=officer)
    assert set(err.value.errors) == {"kind", "conclusion", "findings"}


def test_referral_to_department_and_its_feedback(persona):
    officer = persona("shuitun")
    ybj_staff = dept_user("ybj", "ybj_staff")
    h = household(actor=officer)
    w = warning_raise(
        household=h,
        level="yellow",
        source="data",
        need="medical",
        description="住院自付 3 万元",
        actor=officer,
    )
    r = warning_refer(
        warning=w, department=OrgUnit.objects.get(code="ybj"), note="请落实医疗救助", actor=officer
    )
    assert Notification.objects.filter(recipient=ybj_staff, title__contains="医疗").exists()
    with pytest.raises(InvalidTransition, match="已推送"):
        warning_refer(warning=w, department=OrgUnit.objects.get(code="ybj"), note="again", actor=officer)
    with pytest.raises(RuleViolation):
        warning_refer(warning=w, department=h.county, note="not a department", actor=officer)
    r = referral_respond(referral=r, response="已按规定给予医疗救助 5000 元", actor=ybj_staff)
    assert r.status == Referral.Status.HANDLED and r.responded_by == ybj_staff


def test_escalation_and_close_only_after_visit(persona):
    officer = persona("shuitun")
    county_officer = persona("yicheng")
    h = household(actor=officer)
    w = warning_raise(
        household=h, level="red", source="report", description="房屋倒塌", need="housing", actor=officer
    )
    with pytest.raises(InvalidTransition, match="须先入户核查"):
        warning_close(warning=w, conclusion="已处理", actor=officer)
    e = warning_escalate(warning=w, reason="涉及住房、医疗多项需求，情形复杂", actor=officer)
    assert e.county == h.county
    assert Notification.objects.filter(recipient=county_officer, title__contains="一事一议").exists()
    visit_record(
        household=h,
        warning=w,
        kind="warning",
        findings="已核实",
        conclusion="needs_application",
        actor=officer,
    )
    with pytest.raises(InvalidTransition, match="研究意见"):
        warning_close(warning=w, conclusion="已处理", actor=officer)
    escalation_decide(escalation=e, decision="由住建局落实危房改造，民政给予临时救助", actor=county_officer)
    w = warning_close(warning=w, conclusion="按一事一议意见落实", actor=officer)
    assert w.status == Warning.Status.CLOSED


def test_periodic_review_yearly_and_met_by_review_visit(persona):
    officer = persona("shuitun")
    with time_machine.travel(at(2024, 3, 1, 9, 0), tick=False):
        h = household(
            members=[person("老人", birth="19400101", labour_capacity="none")],
            actor=officer,
            tier="extreme_poverty",
        )
        d = periodic_review_schedule(household=h, after=datetime(2024, 3, 1).date())
        assert d.due_at == at(2025, 3, 2, 0, 0) and "每 12 个月" in d.title and "每 12 个月复核" in d.basis
    with time_machine.travel(at(2025, 2, 20, 9, 0), tick=False):
        visit_record(household=h, kind="review", findings="情况未变", conclusion="qualifies", actor=officer)
    d.refresh_from_db()
    assert d.status == "met"
    nxt = Deadline.objects.filter(kind=KIND_PERIODIC_REVIEW, subject_id=h.pk, status="open").get()
    assert nxt.due_at == at(2026, 2, 21, 0, 0)
