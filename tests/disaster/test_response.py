"""Response levels: proposals from the aggregate, decisions only by the role §3 names (also
through delegation), §5.5 adjustments, tasks and notices, the daily situation report, rosters."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction

from disaster.models import Assessment, DutyShift, LevelChange, Proposal, ResponseTask
from disaster.services import events as ev
from disaster.services import response as resp
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, Notification, OrgUnit, OutboxMessage, Role
from portal.org import delegation_create
from tests.disaster.conftest import T0, rows_for

pytestmark = pytest.mark.django_db
IV = {"affected": 6000, "relocated_rt": 5000, "relocated_cum": 5000}
III = {"affected": 12000, "relocated_rt": 10000, "relocated_cum": 10000}
II = {"affected": 40000, "relocated_rt": 30000, "relocated_cum": 30000}
I = {"affected": 90000, "relocated_rt": 80000, "relocated_cum": 80000}  # noqa: E741


def test_the_aggregate_triggers_a_proposal_for_the_office(clock, everyone, open_event, submit, persona):
    event = open_event("yicheng", "xiping")
    submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1={"affected": 3000, "relocated_rt": 3000, "relocated_cum": 3000}),
    )
    assert not Proposal.objects.exists()
    # the two counties together cross 5,000 relocated (cumulative, across counties)
    submit(
        event,
        "xiping",
        "initial",
        rows_for("xiping", t1={"affected": 2000, "relocated_rt": 2000, "relocated_cum": 2000}),
    )
    proposal = Proposal.objects.get()
    assert (proposal.action, proposal.level, proposal.origin, proposal.status) == (
        "activate",
        "IV",
        "auto",
        "pending",
    )
    assert proposal.assessment.figures["relocated"] == 5000
    assert proposal.assessment.rule_set.key == "disaster.response_levels"
    assert "紧急转移安置人数 5,000 人" in proposal.reason
    deciders = Notification.objects.filter(recipient=persona("jzw_office_deputy"), subject_id=proposal.pk)
    assert deciders.get().level == "urgent"
    assert Notification.objects.filter(recipient=persona("city_yjj"), title__contains="建议启动四级").exists()
    # the same level again proposes nothing new
    clock.shift(timedelta(hours=1))
    submit(
        event,
        "xiping",
        "continuing",
        rows_for("xiping", t1={"affected": 2200, "relocated_rt": 2100, "relocated_cum": 2100}),
    )
    assert Proposal.objects.count() == 1
    # a higher level supersedes the pending proposal
    submit(
        event,
        "yicheng",
        "continuing",
        rows_for("yicheng", t1={"affected": 9000, "relocated_rt": 9000, "relocated_cum": 9000}),
    )
    assert list(Proposal.objects.order_by("pk").values_list("level", "status")) == [
        ("IV", "superseded"),
        ("III", "pending"),
    ]


@pytest.mark.parametrize(
    ("rows", "level", "decider", "wrong"),
    [
        (
            IV,
            "IV",
            "jzw_office_deputy",
            ["city_yjj", "jzw_office_director", "jzw_deputy", "jzw_director", "admin", "yicheng"],
        ),
        (III, "III", "jzw_deputy", ["jzw_office_deputy", "jzw_exec_deputy", "city_yjj"]),
        (II, "II", "jzw_exec_deputy", ["jzw_deputy", "jzw_director"]),
        (I, "I", "jzw_director", ["jzw_exec_deputy", "city_yjj"]),
    ],
)
def test_only_the_role_named_for_the_level_decides(
    clock, open_event, submit, persona, rows, level, decider, wrong
):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=rows))
    proposal = Proposal.objects.get()
    assert proposal.level == level
    for username in wrong:
        with pytest.raises(PermissionDenied):
            resp.proposal_decide(proposal=proposal, approve=True, reason="同意", actor=persona(username))
    with pytest.raises(RuleViolation):
        resp.proposal_decide(proposal=proposal, approve=True, reason=" ", actor=persona(decider))
    resp.proposal_decide(proposal=proposal, approve=True, reason="同意启动", actor=persona(decider))
    event.refresh_from_db()
    assert event.current_level == level
    change = LevelChange.objects.get()
    assert change.decided_by.username == decider and change.assessment_id == proposal.assessment_id
    assert change.reason == "同意启动" and change.delegated_by is None
    with pytest.raises(InvalidTransition):
        resp.proposal_decide(proposal=proposal, approve=True, reason="再次", actor=persona(decider))


def test_the_city_government_may_decide_level_one_directly(clock, open_event, submit, persona):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=I))
    resp.proposal_decide(
        proposal=Proposal.objects.get(), approve=True, reason="市政府直接决定", actor=persona("admin")
    )
    assert LevelChange.objects.get().decided_role == "city_admin"
    event.refresh_from_db()
    assert event.current_level == "I"


def test_an_acting_deputy_decides_and_is_recorded(clock, open_event, submit, persona):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=III))
    principal, deputy = persona("jzw_deputy"), persona("city_yjj")
    with pytest.raises(PermissionDenied):
        resp.proposal_decide(proposal=Proposal.objects.get(), approve=True, reason="代", actor=deputy)
    delegation_create(
        principal=principal,
        deputy=deputy,
        role=Role.objects.get(code="dr_deputy"),
        unit=OrgUnit.objects.get(code="jzw"),
        starts_at=T0,
        ends_at=T0 + timedelta(days=2),
        reason="出差",
        actor=persona("admin"),
    )
    deputy = persona("city_yjj")  # fresh grants
    proposal = resp.proposal_decide(
        proposal=Proposal.objects.get(), approve=True, reason="代为决定", actor=deputy
    )
    assert proposal.decided_role == "dr_deputy" and proposal.delegated_by == principal
    change = LevelChange.objects.get()
    assert change.delegated_by == principal and "（代理）" in change.notice_text


def test_activation_creates_tasks_notifies_lead_units_and_issues_a_notice(
    clock, everyone, open_event, submit, persona
):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=IV))
    resp.proposal_decide(
        proposal=Proposal.objects.get(), approve=True, reason="同意", actor=persona("jzw_office_deputy")
    )
    tasks = ResponseTask.objects.filter(event=event)
    assert sorted(tasks.values_list("code", flat=True)) == sorted(
        [
            "notice",
            "consultation",
            "field_team",
            "information",
            "funds",
            "supplies",
            "medical",
            "loss_assessment",
        ]
    )
    assert tasks.get(code="medical").group.code == "wg-ylfy"
    # the lead unit of 医疗防疫组 (市卫生健康委员会) is notified; its on-duty officer by SMS
    change = LevelChange.objects.get()
    yjj_staff = persona("city_yjj")
    assert Notification.objects.filter(recipient=yjj_staff, title__contains="四级应急响应任务").exists()
    assert change.notice_no == "驻减灾办〔2026〕1号"
    assert "启动市级自然灾害救助四级应急响应" in change.notice_text
    assert "医疗防疫组：指导医疗救治" in change.notice_text
    # decisions are reported to 市减灾委办公室主任 (IV)
    assert Notification.objects.filter(
        recipient=persona("jzw_office_director"), subject_id=change.pk
    ).exists()
    # no situation report at IV
    assert not Deadline.objects.filter(kind="disaster.situation_report").exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        LevelChange.objects.filter(pk=change.pk).update(reason="改")


def test_upgrade_to_two_adds_tasks_and_a_daily_situation_report_until_termination(
    clock, open_event, submit, persona
):
    city = persona("city_yjj")
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=IV))
    resp.proposal_decide(
        proposal=Proposal.objects.get(), approve=True, reason="同意", actor=persona("jzw_office_deputy")
    )
    clock.shift(timedelta(hours=6))
    submit(event, "yicheng", "continuing", rows_for("yicheng", t1=II))
    upgrade = Proposal.objects.get(status="pending")
    assert (upgrade.action, upgrade.level, upgrade.from_level) == ("upgrade", "II", "IV")
    upgrade = resp.proposal_decide(
        proposal=upgrade, approve=True, reason="提升", actor=persona("jzw_exec_deputy")
    )
    codes = set(ResponseTask.objects.filter(event=event).values_list("code", flat=True))
    assert {
        "joint_team",
        "province_request",
        "social_forces",
        "situation_report",
        "donation_appeal",
        "security",
    } <= codes
    assert "market_supply" not in codes
    situation = Deadline.objects.get(kind="disaster.situation_report")
    assert situation.due_at == upgrade.decided_at + timedelta(hours=24) and situation.recurrence == {
        "every_seconds": 86400
    }
    assert LevelChange.objects.order_by("pk").last().notice_no == "驻减灾委〔2026〕2号"
    clock.shift(timedelta(hours=20))
    resp.city_report_submit(event=event, kind="situation", text="今日灾情和救灾工作动态", actor=city)
    situation.refresh_from_db()
    assert situation.status == "met"
    nxt = Deadline.objects.get(kind="disaster.situation_report", status="open")
    # termination: proposed by the office, decided through the same procedure as activation (II)
    with pytest.raises(PermissionDenied):
        resp.proposal_create(
            event=event, action="terminate", level=None, reason="结束", actor=persona("yicheng")
        )
    term = resp.proposal_create(
        event=event, action="terminate", level=None, reason="救灾应急工作结束", actor=city
    )
    assert term.level == "II"
    with pytest.raises(PermissionDenied):
        resp.proposal_decide(proposal=term, approve=True, reason="终止", actor=persona("jzw_office_deputy"))
    resp.proposal_decide(proposal=term, approve=True, reason="终止", actor=persona("jzw_exec_deputy"))
    event.refresh_from_db()
    nxt.refresh_from_db()
    assert event.current_level is None and nxt.status == "cancelled"
    assert "终止" in LevelChange.objects.order_by("pk").last().notice_text


def test_a_rejected_level_is_not_proposed_again_until_a_higher_one(clock, open_event, submit, persona):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=IV))
    resp.proposal_decide(
        proposal=Proposal.objects.get(),
        approve=False,
        reason="暂不启动，继续观察",
        actor=persona("jzw_office_deputy"),
    )
    clock.shift(timedelta(hours=2))
    submit(
        event,
        "yicheng",
        "continuing",
        rows_for("yicheng", t1={**IV, "relocated_cum": 6000, "affected": 7000}),
    )
    assert Proposal.objects.count() == 1
    submit(event, "yicheng", "continuing", rows_for("yicheng", t1=III))
    assert Proposal.objects.get(status="pending").level == "III"


def test_manual_proposal_on_other_grounds(clock, open_event, persona):
    event = open_event("yicheng")
    with pytest.raises(RuleViolation):
        resp.proposal_create(
            event=event, action="activate", level=None, reason="群众反映强烈", actor=persona("city_yjj")
        )
    p = resp.proposal_create(
        event=event,
        action="activate",
        level="IV",
        reason="群众反映强烈（5.1.1(5)）",
        actor=persona("city_yjj"),
    )
    assert (p.origin, p.action, p.level) == ("office", "activate", "IV")
    with pytest.raises(InvalidTransition, match="待决定"):
        resp.proposal_create(
            event=event, action="activate", level="III", reason="x", actor=persona("city_yjj")
        )
    resp.proposal_withdraw(proposal=p, reason="情况好转", actor=persona("city_yjj"))
    assert Proposal.objects.get().status == "withdrawn"


def test_adjustment_55_is_shown_beside_the_rule_result(clock, open_event, submit, persona):
    event = open_event("yicheng")
    submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1={"affected": 5000, "relocated_rt": 4200, "relocated_cum": 4200}),
    )
    assert not Proposal.objects.exists()
    with pytest.raises(PermissionDenied):
        resp.adjustment_set(
            event=event, factor="0.8", manual_level=None, reason="敏感时期", actor=persona("yicheng")
        )
    with pytest.raises(RuleViolation) as exc:
        resp.adjustment_set(event=event, factor="0", manual_level=None, reason="", actor=persona("city_yjj"))
    assert set(exc.value.errors) == {"factor", "reason"}
    resp.adjustment_set(
        event=event,
        factor="0.8",
        manual_level=None,
        reason="全国两会期间（敏感时间）",
        actor=persona("city_yjj"),
    )
    a = Assessment.objects.order_by("-pk").first()
    assert a.level is None and a.adjusted_level == "IV"
    assert a.adjusted_explanation[0] == "5.5 调整理由：全国两会期间（敏感时间）"
    assert any("系数 0.8" in line for line in a.adjusted_explanation)
    assert Proposal.objects.get().level == "IV"
    resp.adjustment_set(
        event=event, factor=None, manual_level="III", reason="救助能力薄弱地区", actor=persona("jzw_deputy")
    )
    a = Assessment.objects.order_by("-pk").first()
    assert (a.level, a.adjusted_level) == (None, "III")
    assert Proposal.objects.get(status="pending").level == "III"
    resp.adjustment_revoke(event=event, reason="撤销", actor=persona("city_yjj"))
    assert Assessment.objects.order_by("-pk").first().adjustment is None


def test_county_levels_are_recorded_beside_the_city_level(clock, open_event, persona):
    event = open_event("yicheng", "xiping")
    ec = event.counties.get(county__code="yicheng")
    with pytest.raises(RuleViolation):
        ev.county_level_set(ec=ec, level="III", reason="", actor=persona("yicheng"))
    ev.county_level_set(ec=ec, level="III", reason="按驿城区预案启动三级", actor=persona("yicheng"))
    ec.refresh_from_db()
    assert ec.county_level == "III" and ec.county_level_by.username == "yicheng"


def test_on_duty_officers_get_urgent_messages_by_sms(clock, open_event, submit, persona):
    from portal.models import Membership, User

    city = persona("city_yjj")
    officer = persona("yicheng")
    yicheng = OrgUnit.objects.get(code="yicheng")
    # a duty clerk of the county office who is not a county officer (so only the roster reaches them)
    clerk = User.objects.create_user(username="yicheng_duty", password="x", phone="13912345678")
    Membership.objects.create(
        user=clerk, unit=yicheng, role_id="unit_clerk", valid_from=T0 - timedelta(days=1)
    )
    with pytest.raises(RuleViolation):
        resp.duty_shift_add(
            unit_obj=yicheng, user=city, starts_at=T0, ends_at=T0 + timedelta(hours=8), actor=officer
        )
    with pytest.raises(PermissionDenied):
        resp.duty_shift_add(
            unit_obj=yicheng,
            user=clerk,
            starts_at=T0,
            ends_at=T0 + timedelta(hours=8),
            actor=persona("xiping"),
        )
    with pytest.raises(RuleViolation, match="手机"):
        resp.duty_shift_add(
            unit_obj=yicheng,
            user=clerk,
            starts_at=T0,
            ends_at=T0 + timedelta(hours=8),
            phone="abc",
            actor=officer,
        )
    resp.duty_shift_add(
        unit_obj=yicheng,
        user=clerk,
        starts_at=T0 - timedelta(hours=1),
        ends_at=T0 + timedelta(hours=8),
        actor=officer,
    )
    event = open_event("yicheng")
    from disaster.services import reports as rsvc

    rsvc.verification_request_create(event=event, target=yicheng, question="核实转移人数", actor=city)
    duty_sms = OutboxMessage.objects.filter(channel="sms", to="13912345678")
    assert duty_sms.filter(body__contains="核实指令").exists()
    assert Notification.objects.filter(recipient=clerk, level="urgent", title__contains="核实指令").exists()
    # the sweep's overdue notice for the urgent phone-feedback deadline reaches the duty clerk too
    from portal.deadlines import deadline_sweep

    deadline_sweep(now=T0 + timedelta(minutes=31))
    assert duty_sms.filter(body__startswith="已逾期").exists()
    shift = DutyShift.objects.get()
    resp.duty_shift_cancel(shift=shift, actor=officer)
    with pytest.raises(InvalidTransition):
        resp.duty_shift_cancel(shift=shift, actor=officer)
    assert resp.on_duty([yicheng]) == []
