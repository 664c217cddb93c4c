"""The clock readings of §3 through the services, with deadlines and the sweep, on a frozen
clock (time_machine)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hotline import services
from hotline.models import Assignment, Order, Reply
from hotline.services.common import DL_ASSIST, DL_DISPATCH, DL_FEEDBACK, DL_HANDLE, DL_PROGRESS, DL_SIGN
from portal.deadlines import deadline_sweep
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, Notification, OutboxMessage
from tests.hotline.conftest import sh


def deadlines(kind: str) -> list[Deadline]:
    return list(Deadline.objects.filter(kind=kind).order_by("pk"))


def test_intake_to_reply_clock_and_deadlines(make_order, people, units, frozen):
    with frozen("2024-09-12T08:00"):
        order = make_order("received", kind="consultation")
        assert order.dispatch_due_at == sh("2024-09-13T08:00")
        assert deadlines(DL_DISPATCH)[0].due_at == sh("2024-09-13T08:00")
    with frozen("2024-09-12T09:00"):
        services.order_dispatch(order=order, actor=people["operator"], lead_unit=units["zjj"])
        order.refresh_from_db()
        assert order.due_at is None and order.signed_at is None  # no handling due before sign-for
        assert order.sign_due_at == sh("2024-09-13T09:00")
        assert deadlines(DL_DISPATCH)[0].status == "met"
        assert deadlines(DL_SIGN)[0].escalate_to == units["rx12345"]
    with frozen("2024-09-12T10:00"):
        services.order_sign(order=order, actor=people["clerk_zjj"])
        order.refresh_from_db()
        assert order.signed_at == sh("2024-09-12T10:00")
        assert order.due_at == sh("2024-09-19T00:00")  # 9/13, 9/14 (adjusted Saturday), 9/18
        assert order.rule_set.key == "hotline.time_limits" and order.rule_set.version == 1
        handle = deadlines(DL_HANDLE)[0]
        assert handle.due_at == order.due_at and handle.rule_set == order.rule_set
    with frozen("2024-09-19T00:05"):
        assert order.is_overdue() is True
        result = deadline_sweep()
        assert result["overdue"] == 1
        clerk_note = Notification.objects.get(recipient=people["clerk_zjj"], title__startswith="已逾期")
        assert order.number in clerk_note.title
        assert Notification.objects.filter(recipient=people["supervisor"], title__startswith="督办").exists()
        services.order_reply(order=order, actor=people["clerk_zjj"], content="已答复")
        order.refresh_from_db()
        assert order.reply_late is True
    with frozen("2025-01-01T00:00"):
        assert Order.objects.get(pk=order.pk).is_overdue() is True  # frozen after the reply


def test_reminder_before_due(make_order, people, frozen):
    with frozen("2024-11-05T09:00"):
        order = make_order("signed", kind="consultation")
        assert order.due_at == sh("2024-11-09T00:00")
    with frozen("2024-11-08T06:00"):  # within the last quarter (≥ 1 day before) of the period
        result = deadline_sweep()
        assert result["reminded"] >= 1
        assert Notification.objects.filter(
            recipient=people["clerk_zjj"], title__startswith="即将到期"
        ).exists()


def test_rejected_return_keeps_clock_and_approved_return_restarts_it(make_order, people, units, frozen):
    with frozen("2024-11-05T09:00"):
        order = make_order("signed", kind="consultation")
    first_due = order.due_at
    with frozen("2024-11-06T10:00"):
        services.order_return(
            order=order,
            actor=people["clerk_zjj"],
            reason="不属于本单位",
            basis="职责",
            suggested_unit=units["cgj"],
        )
    with frozen("2024-11-06T11:00"):
        with pytest.raises(RuleViolation) as info:
            services.order_review_return(order=order, actor=people["supervisor"], approve=False)
        assert "note" in info.value.errors
        services.order_review_return(
            order=order, actor=people["supervisor"], approve=False, note="属于住建职责"
        )
    order.refresh_from_db()
    assert (
        order.status == "signed" and order.due_at == first_due and order.signed_at == sh("2024-11-05T09:00")
    )
    with frozen("2024-11-07T10:00"):
        services.order_return(
            order=order,
            actor=people["clerk_zjj"],
            reason="再次申请",
            basis="文件",
            suggested_unit=units["cgj"],
        )
        services.order_review_return(
            order=order, actor=people["supervisor"], approve=True, note="同意", lead_unit=units["cgj"]
        )
    order.refresh_from_db()
    assert order.status == "dispatched" and order.lead_unit == units["cgj"]
    assert order.signed_at is None and order.due_at is None
    old = Assignment.objects.get(order=order, unit=units["zjj"])
    assert old.active is False and old.end_reason == "returned"
    assert Deadline.objects.get(kind=DL_HANDLE, subject_id=old.pk).status == "cancelled"
    with frozen("2024-11-08T09:00"):
        services.order_sign(order=order, actor=people["admin"])
    order.refresh_from_db()
    assert order.signed_at == sh("2024-11-08T09:00")
    assert order.due_at == sh("2024-11-14T00:00")  # new unit's own first sign-for: 11/11, 11/12, 11/13


def test_extension_request_review_and_deadline_move(make_order, people, frozen):
    with frozen("2024-12-02T10:00"):
        order = make_order("signed", kind="help")
    assert order.due_at == sh("2024-12-10T00:00")
    with frozen("2024-12-06T10:00"):
        services.order_request_extension(
            order=order, actor=people["clerk_zjj"], days=5, reason="需协调多部门"
        )
        with pytest.raises(RuleViolation, match="批准天数"):
            services.order_review_extension(order=order, actor=people["supervisor"], approve=True, days=6)
        services.order_review_extension(
            order=order, actor=people["supervisor"], approve=True, days=3, note="批准3天"
        )
    order.refresh_from_db()
    assert order.status == "signed" and order.extension_days == 3
    assert order.due_at == sh("2024-12-13T00:00")
    handle = Deadline.objects.get(kind=DL_HANDLE)
    assert handle.due_at == order.due_at and handle.status == "open"
    # the caller is told the reason and the new date by SMS (not confidential)
    sms = OutboxMessage.objects.get(to="13812345678")
    assert "需协调多部门" in sms.body and "预计 2024-12-12 前办结" in sms.body


def test_extension_after_the_limit_is_refused(make_order, people, frozen):
    with frozen("2024-11-05T09:00"):
        order = make_order("signed", kind="consultation")
    with frozen("2024-11-09T00:01"):
        with pytest.raises(RuleViolation, match="已超过办理时限"):
            services.order_request_extension(order=order, actor=people["clerk_zjj"], days=2, reason="来不及")


def test_extension_reviewed_after_due_keeps_missed_deadline_and_creates_new(make_order, people, frozen):
    with frozen("2024-11-05T09:00"):
        order = make_order("signed", kind="consultation", confidential=True)
    with frozen("2024-11-08T20:00"):
        services.order_request_extension(order=order, actor=people["clerk_zjj"], days=2, reason="复杂")
    with frozen("2024-11-09T08:00"):
        deadline_sweep()
        services.order_review_extension(order=order, actor=people["supervisor"], approve=True)
    order.refresh_from_db()
    assert order.due_at == sh("2024-11-13T00:00")
    rows = list(Deadline.objects.filter(kind=DL_HANDLE).order_by("pk"))
    assert [d.status for d in rows] == ["overdue", "open"]
    assert rows[1].due_at == order.due_at
    assert not OutboxMessage.objects.filter(to="13812345678").exists()  # confidential: not told by the unit


def test_denied_extension_keeps_due(make_order, people, frozen):
    with frozen("2024-11-05T09:00"):
        order = make_order("extension_requested", kind="consultation")
        services.order_review_extension(
            order=order, actor=people["supervisor"], approve=False, note="理由不充分"
        )
    order.refresh_from_db()
    assert order.status == "signed" and order.due_at == sh("2024-11-09T00:00") and order.extension_days == 0


def test_unfinished_reply_needs_an_extension_and_tells_the_caller(make_order, people, frozen):
    with frozen("2024-11-05T09:00"):
        order = make_order("signed", kind="consultation")
        with pytest.raises(InvalidTransition, match="请先申请延期"):
            services.order_unfinished_reply(
                order=order,
                actor=people["clerk_zjj"],
                progress="进展",
                plan="方案",
                expected_date="2024-12-01",
            )
        services.order_request_extension(order=order, actor=people["clerk_zjj"], days=1, reason="复杂")
        services.order_review_extension(order=order, actor=people["supervisor"], approve=True)
    with frozen("2024-11-13T09:00"):
        with pytest.raises(RuleViolation) as info:
            services.order_unfinished_reply(
                order=order, actor=people["clerk_zjj"], progress="", plan="方案", expected_date="2024-11-01"
            )
        assert set(info.value.errors) == {"progress"}
        with pytest.raises(RuleViolation, match="不能早于今天"):
            services.order_unfinished_reply(
                order=order,
                actor=people["clerk_zjj"],
                progress="进展",
                plan="方案",
                expected_date="2024-11-01",
            )
        reply = services.order_unfinished_reply(
            order=order,
            actor=people["clerk_zjj"],
            progress="已协调施工队",
            plan="本月底前更换线路",
            expected_date="2024-11-30",
        )
    assert reply.type == Reply.Type.UNFINISHED and reply.caller_informed and reply.late
    assert Order.objects.get(pk=order.pk).status == "signed"  # still with the unit
    assert OutboxMessage.objects.filter(to="13812345678", body__contains="2024-11-30").exists()


def test_redo_starts_new_period(make_order, people, frozen):
    with frozen("2024-11-05T09:00"):
        order = make_order("called_back", kind="consultation")
    with frozen("2024-11-11T14:00"):
        services.order_redo(order=order, actor=people["supervisor"], reason="问题未解决")
    order.refresh_from_db()
    assert order.status == "signed" and order.redo_count == 1
    assert order.signed_at == sh("2024-11-05T09:00")
    assert order.due_at == sh("2024-11-15T00:00") and order.replied_at is None
    lead = order.assignments.get(active=True, role="lead")
    assert lead.redo_count == 1 and lead.state == "signed"
    assert Deadline.objects.filter(kind=DL_HANDLE, status="open", due_at=order.due_at).exists()
    assert Notification.objects.filter(recipient=people["clerk_zjj"], title__contains="发回重办").exists()


def test_assisting_units_get_their_own_task_at_half_the_limit(make_order, people, units, frozen, persona):
    with frozen("2024-11-04T09:00"):
        order = make_order("dispatched", kind="complaint", assisting=[units["power"]])
        assert Notification.objects.filter(recipient=people["clerk_power"], title__contains="协办").exists()
        services.order_sign(order=order, actor=people["clerk_zjj"], unit=units["zjj"])
    with frozen("2024-11-04T10:00"):
        services.order_sign(order=order, actor=people["clerk_power"], unit=units["power"])
    assist = Assignment.objects.get(order=order, unit=units["power"])
    assert assist.limit_days == 5  # half of 10
    assert assist.due_at == sh("2024-11-12T00:00")  # 11/5–8, 11/11
    assert Deadline.objects.get(kind=DL_ASSIST).due_at == assist.due_at
    with frozen("2024-11-06T10:00"):
        services.order_reply(
            order=order, actor=people["clerk_power"], content="已排查线路", unit=units["power"]
        )
    assist.refresh_from_db()
    assert assist.state == "replied" and assist.reply_late is False
    assert Order.objects.get(pk=order.pk).status == "signed"  # the assist report does not reply for the lead
    assert Notification.objects.filter(
        recipient=people["clerk_zjj"], title__contains="协办单位已报告"
    ).exists()
    assert Deadline.objects.get(kind=DL_ASSIST).status == "met"


def test_outage_special_clocks(make_order, people, units, frozen):
    with frozen("2024-11-09T08:00"):
        order = make_order(
            "received", subject="outage-power", description="文明路一带大面积停电", lead=units["power"]
        )
        assert order.special_kind == "outage_power"
        assert order.dispatch_due_at == sh("2024-11-09T10:00")
        assert Deadline.objects.get(kind=DL_DISPATCH).urgent is True
        assert order.incident is not None
        second = make_order("received", subject="outage-power", description="我家也停电了")
        assert second.incident_id == order.incident_id  # several calls, one incident
        services.order_dispatch(order=order, actor=people["operator"], lead_unit=units["power"])
    with frozen("2024-11-09T08:30"):
        services.order_sign(order=order, actor=people["clerk_power"])
    feedback = Deadline.objects.get(kind=DL_FEEDBACK)
    assert feedback.due_at == sh("2024-11-09T09:30") and feedback.urgent
    progress = Deadline.objects.get(kind=DL_PROGRESS)
    assert progress.due_at == sh("2024-11-10T08:30") and progress.recurrence == {"every_seconds": 86400}
    with frozen("2024-11-09T09:00"):
        services.order_progress(order=order, actor=people["clerk_power"], content="已派抢修队")
    assert Deadline.objects.get(kind=DL_FEEDBACK).status == "met"
    with frozen("2024-11-10T08:00"):
        services.order_progress(order=order, actor=people["clerk_power"], content="抢修进度 60%")
    rows = list(Deadline.objects.filter(kind=DL_PROGRESS).order_by("due_at"))
    assert [d.status for d in rows] == ["met", "open"] and rows[1].due_at == sh("2024-11-11T08:30")
    with frozen("2024-11-10T12:00"):
        services.order_reply(order=order, actor=people["clerk_power"], content="已恢复供电")
    assert (
        Deadline.objects.get(
            kind=DL_PROGRESS, status__in=["open", "cancelled"], due_at=sh("2024-11-11T08:30")
        ).status
        == "cancelled"
    )


def test_sudden_disaster_reported_at_once(make_order, people, units, persona):
    yicheng = persona("yicheng")
    order = make_order("received", subject="emergency-disaster", description="板桥镇山体滑坡，道路中断")
    incident = order.incident
    assert incident is not None and incident.kind == "natural_disaster"
    assert incident.reported_at is not None
    names = {t["name"] for t in incident.reported_to}
    assert {"驿城区", "市人民政府办公室", "市应急管理局"} <= names
    note = Notification.objects.get(recipient=yicheng, title__startswith="突发事件报告")
    assert note.level == "urgent"
    assert order.events.filter(action="incident_report").exists()


def test_disaster_incident_links_to_a_disaster_event(make_order, people, persona):
    """A sudden natural disaster reported through 12345 is linked to the disaster module's
    event; the link is by id with a title snapshot (no hard dependency between the apps)."""
    from disaster.models import DisasterType
    from disaster.selectors import event_choices_for_linking
    from disaster.services import events as disaster_events
    from portal.models import OrgUnit

    started = timezone.now()
    event = disaster_events.event_open(
        actor=persona("city_yjj"),
        type=DisasterType.objects.get(code="flood"),
        title="2026-11 暴雨内涝",
        started_at=started,
        counties=[disaster_events.CountyStart(OrgUnit.objects.get(code="yicheng"), started, False)],
    )
    assert (event.pk, "2026-11 暴雨内涝") in event_choices_for_linking()
    order = make_order("received", subject="emergency-disaster", description="暴雨内涝")
    linked = services.incident_link_disaster(
        incident=order.incident, actor=people["supervisor"], event_id=event.pk
    )
    assert linked.disaster_event_id == event.pk and linked.disaster_event_title == "2026-11 暴雨内涝"
    with pytest.raises(RuleViolation, match="不存在"):
        services.incident_link_disaster(incident=order.incident, actor=people["supervisor"], event_id=999_999)
    accident = make_order("received", subject="emergency-accident", description="车辆事故")
    with pytest.raises(RuleViolation):
        services.incident_link_disaster(
            incident=accident.incident, actor=people["supervisor"], event_id=event.pk
        )


def test_provincial_push_down_and_result_pushed_back(make_order, people, settings):
    from hotline.models import ProvincialFeedback
    from hotline.provincial import MemoryBackend
    from hotline.tasks import provincial_push_pending
    from portal.errors import Conflict

    settings.HOTLINE_PROVINCIAL_BACKEND = "hotline.provincial.MemoryBackend"
    MemoryBackend.sent.clear()
    order = make_order("received", channel="provincial_platform", external_id="HN202411050001")
    with pytest.raises(Conflict, match="已存在"):
        make_order("received", channel="provincial_platform", external_id="HN202411050001")
    order = make_order("replied", channel="provincial_platform", external_id="HN202411050002")
    row = ProvincialFeedback.objects.get(order=order)
    assert row.payload["external_id"] == "HN202411050002" and row.payload["event"] == "reply"
    assert provincial_push_pending() == 1
    assert MemoryBackend.sent[-1]["content"] == "已安排物业更换灯具"
    assert ProvincialFeedback.objects.get(pk=row.pk).sent_at is not None
    assert provincial_push_pending() == 0
