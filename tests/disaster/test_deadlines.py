"""Every deadline row of disaster.md §2 on the shared engine, with a frozen clock."""

from datetime import datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType

from disaster.models import EventCounty, Report
from disaster.selectors import on_time_rates, overdue_deadlines
from disaster.services import events as ev
from disaster.services import reports as rsvc
from disaster.services import response as resp
from portal.deadlines import deadline_sweep
from portal.errors import RuleViolation
from portal.models import Deadline, Notification, OrgUnit, OutboxMessage
from tests.disaster.conftest import T0, TZ, rows_for

pytestmark = pytest.mark.django_db
ROW = {"affected": 100, "relocated_rt": 10, "relocated_cum": 10}


def dl(kind, **kw):
    return Deadline.objects.filter(kind=f"disaster.{kind}", **kw)


def test_initial_report_within_2_hours_met_on_time(clock, open_event, submit):
    event = open_event("yicheng")
    d = dl("initial_report").get()
    assert d.due_at == T0 + timedelta(hours=2) and d.responsible_unit.code == "yicheng"
    assert d.escalate_to.code == "yjj" and d.basis.startswith("4.2.1") and not d.urgent
    assert d.rule_set.key == "disaster.report_deadlines"
    clock.shift(timedelta(minutes=90))
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW))
    d.refresh_from_db()
    assert d.status == "met" and d.was_late is False


def test_initial_report_1_hour_with_10_dead_missing_or_trapped(clock, open_event):
    open_event("yicheng", major=True)
    d = dl("initial_report").get()
    assert d.due_at == T0 + timedelta(hours=1) and d.urgent


def test_overdue_initial_escalates_to_the_city_bureau(clock, open_event, persona):
    open_event("yicheng")
    officer, city = persona("yicheng"), persona("city_yjj")
    deadline_sweep(now=T0 + timedelta(hours=2, minutes=1))
    d = dl("initial_report").get()
    assert d.status == "overdue"
    assert Notification.objects.filter(recipient=officer, title__startswith="已逾期").exists()
    assert Notification.objects.filter(recipient=city, title__startswith="督办：驿城区").exists()
    assert [x.pk for x in overdue_deadlines(city)] == [d.pk]
    assert [x.pk for x in overdue_deadlines(persona("xiping"))] == []


def test_initial_report_starts_review_continuing_and_city_daily(clock, open_event, submit):
    event = open_event("yicheng")
    clock.move_to(datetime(2026, 7, 20, 9, 30, tzinfo=TZ))
    report = submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW))
    review = dl("city_review").get()
    assert review.due_at == report.reported_at + timedelta(hours=2) and review.responsible_unit.code == "yjj"
    cont = dl("continuing_report").get()
    assert cont.due_at == datetime(2026, 7, 21, 9, 0, tzinfo=TZ) and cont.recurrence == {
        "every_seconds": 86400
    }
    daily = dl("city_daily").get()
    assert daily.due_at == datetime(2026, 7, 21, 10, 0, tzinfo=TZ)
    assert not dl("city_province").exists()


def test_continuing_report_every_day_even_without_change(clock, open_event, submit):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW))
    day1 = datetime(2026, 7, 21, 9, 0, tzinfo=TZ)
    # 21 July 09:00 passes with no report: overdue, 22 July's occurrence appears.
    deadline_sweep(now=day1 + timedelta(minutes=1))
    assert dl("continuing_report", due_at=day1).get().status == "overdue"
    # a "zero report" (nothing changed) at 08:00 on 22 July meets 22 July's occurrence on time
    clock.move_to(day1 + timedelta(hours=23))
    submit(event, "yicheng", "continuing", rows_for("yicheng", t1=ROW))
    day2 = dl("continuing_report", due_at=day1 + timedelta(days=1)).get()
    assert day2.status == "met" and not day2.was_late
    assert dl("continuing_report", due_at=day1).get().status == "overdue"  # the missed day stays visible
    assert dl("continuing_report", due_at=day1 + timedelta(days=2)).get().status == "open"
    rate = on_time_rates()[OrgUnit.objects.get(code="yicheng").pk]
    assert (rate["on_time"], rate["due"], rate["missed"]) == (
        2,
        3,
        1,
    )  # initial + 22 July on time; 21 July missed


def test_major_casualties_city_reports_to_the_province_in_30_minutes(clock, open_event, submit, persona):
    from disaster.models import DutyShift

    city = persona("city_yjj")
    DutyShift.objects.create(
        unit=OrgUnit.objects.get(code="yjj"),
        user=city,
        starts_at=T0 - timedelta(hours=1),
        ends_at=T0 + timedelta(days=1),
        created_by=city,
    )
    event = open_event("yicheng")
    report = submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1={"affected": 50, "deaths": 4, "missing": 3, "trapped": 3}),
    )
    d = dl("city_province").get()
    assert d.due_at == report.reported_at + timedelta(minutes=30) and d.urgent
    assert EventCounty.objects.get().major
    note = Notification.objects.get(recipient=city, title__startswith="重大灾情")
    assert note.level == "urgent"
    assert OutboxMessage.objects.filter(channel="sms", to=city.phone, body__contains="重大灾情").exists()
    # a later report does not create a second one
    submit(
        event,
        "yicheng",
        "continuing",
        rows_for("yicheng", t1={"affected": 50, "deaths": 5, "missing": 3, "trapped": 3}),
    )
    assert dl("city_province").count() == 1
    # the city's review report meets both the review and the province report
    resp.city_report_submit(event=event, kind="review", text="已报省厅", actor=city)
    assert set(dl("city_province").values_list("status", flat=True)) == {"met"}
    assert set(dl("city_review").values_list("status", flat=True)) == {"met"}


def test_major_change_is_reported_at_once(clock, open_event, submit, persona):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW))
    clock.shift(timedelta(hours=5))
    report = submit(event, "yicheng", "continuing", rows_for("yicheng", t1=ROW), major_change=True)
    d = dl("major_change").get()
    assert d.urgent and d.due_at == report.submitted_at + timedelta(minutes=30)
    resp.city_report_submit(event=event, kind="major_change", text="已立即报告", actor=persona("city_yjj"))
    d.refresh_from_db()
    assert d.status == "met"


def test_a_rising_level_is_a_major_change(clock, open_event, submit):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW))
    clock.shift(timedelta(hours=5))
    submit(
        event,
        "yicheng",
        "continuing",
        rows_for("yicheng", t1={**ROW, "affected": 9000, "needing_aid_cum": 5000}),
    )
    assert dl("major_change").count() == 1


def test_stable_stops_daily_reports_and_starts_verified_then_city_aggregate(
    clock, open_event, submit, persona
):
    city = persona("city_yjj")
    event = open_event("yicheng", "xiping")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW))
    submit(event, "xiping", "initial", rows_for("xiping", t1=ROW))
    stable_at = T0 + timedelta(days=2)
    clock.move_to(stable_at)
    deadline_sweep(now=stable_at)  # the daily occurrences of 21 and 22 July were missed
    ev.event_declare_stable(event=event, actor=city)
    assert not dl("continuing_report", status="open").exists()
    assert dl("continuing_report", status="overdue").exists()  # cancelling never hides a miss
    assert not dl("city_daily", status="open").exists()
    verified = dl("verified_report")
    assert verified.count() == 2 and {d.due_at for d in verified} == {stable_at + timedelta(days=7)}
    clock.shift(timedelta(days=3))
    submit(event, "yicheng", "verified", rows_for("yicheng", t1=ROW))
    assert not dl("city_verified_aggregate").exists()
    clock.shift(timedelta(days=1))
    last = submit(event, "xiping", "verified", rows_for("xiping", t1=ROW))
    agg = dl("city_verified_aggregate").get()
    assert agg.due_at == last.reported_at + timedelta(days=2)
    resp.city_report_submit(event=event, kind="verified", text="汇总核报", actor=city)
    event.refresh_from_db()
    assert event.status == "verified"
    agg.refresh_from_db()
    assert agg.status == "met"


def test_city_cannot_aggregate_verified_reports_before_every_county(clock, open_event, submit, persona):
    from portal.errors import InvalidTransition

    event = open_event("yicheng", "xiping")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW))
    ev.event_declare_stable(event=event, actor=persona("city_yjj"))
    submit(event, "yicheng", "verified", rows_for("yicheng", t1=ROW))
    with pytest.raises(InvalidTransition, match="西平县"):
        resp.city_report_submit(event=event, kind="verified", text="汇总", actor=persona("city_yjj"))


def test_drought_cycle(clock, open_event, submit, persona):
    city = persona("city_yjj")
    event = open_event("zhengyang", type="drought")
    persona("admin")
    d = dl("drought_initial").get()
    assert d.due_at == T0 + timedelta(hours=2)
    zhengyang = OrgUnit.objects.get(code="zhengyang")
    drow = {zhengyang.pk: {"affected": 1000, "drought_aid_rt": 100, "drought_aid_cum": 100}}
    clock.shift(timedelta(hours=1))
    rsvc.report_submit(event=event, county=zhengyang, kind="initial", rows=drow, actor=persona("admin"))
    cont = dl("drought_continuing").get()
    assert cont.due_at == T0 + timedelta(hours=1, days=10)
    assert not dl("continuing_report").exists() and not dl("city_daily").exists()
    # a national response: at least every 5 days from now on
    clock.shift(timedelta(days=1))
    ev.event_set_national_response(event=event, active=True, actor=city)
    cont.refresh_from_db()
    assert cont.due_at == T0 + timedelta(hours=1, days=6)
    clock.shift(timedelta(days=2))
    report = rsvc.report_submit(
        event=event, county=zhengyang, kind="continuing", rows=drow, actor=persona("admin")
    )
    cont.refresh_from_db()
    assert cont.status == "met"
    nxt = dl("drought_continuing", status="open").get()
    assert nxt.due_at == report.reported_at + timedelta(days=5)
    ev.event_set_national_response(event=event, active=False, actor=city)
    nxt.refresh_from_db()
    assert nxt.due_at == report.reported_at + timedelta(days=10)
    ev.event_declare_stable(event=event, actor=city)  # drought relieved
    assert dl("drought_continuing", status="cancelled").exists()
    assert dl("drought_verified").get().due_at == T0 + timedelta(hours=1, days=3 + 7)


def test_outage_back_entry_keeps_the_real_time_for_on_time_credit(clock, open_event, submit):
    event = open_event("yicheng")
    deadline_sweep(now=T0 + timedelta(hours=3))  # the network was down: the system saw nothing
    initial = dl("initial_report").get()
    assert initial.status == "overdue"
    clock.move_to(T0 + timedelta(hours=20))  # the link is back
    with pytest.raises(RuleViolation) as exc:
        submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW), channel="sat_phone")
    assert set(exc.value.errors) == {"reported_at", "outage_note"}
    with pytest.raises(RuleViolation, match="不能晚于当前时间"):
        submit(
            event,
            "yicheng",
            "initial",
            rows_for("yicheng", t1=ROW),
            channel="sat_phone",
            reported_at=T0 + timedelta(hours=21),
            outage_note="断网",
        )
    report = submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1=ROW),
        channel="sat_phone",
        reported_at=T0 + timedelta(minutes=80),
        outage_note="断网期间卫星电话报市应急管理局",
    )
    assert report.back_entered and report.reported_at < report.submitted_at
    initial.refresh_from_db()
    assert (
        initial.status == "met" and initial.met_at == T0 + timedelta(minutes=80) and initial.was_late is False
    )
    assert on_time_rates()[OrgUnit.objects.get(code="yicheng").pk]["on_time"] == 1
    # the following deadlines run from the real time too
    assert dl("continuing_report").get().due_at == datetime(2026, 7, 21, 9, 0, tzinfo=TZ)


def test_a_logged_phone_report_meets_the_obligation_and_starts_the_back_entry(
    clock, open_event, submit, persona
):
    city = persona("city_yjj")
    event = open_event("yicheng")
    yicheng = OrgUnit.objects.get(code="yicheng")
    clock.shift(timedelta(hours=3))
    log = rsvc.phone_report_log(
        event=event,
        county=yicheng,
        kind="initial",
        channel="phone",
        made_at=T0 + timedelta(minutes=50),
        summary="电话报告：受灾 100 人",
        actor=city,
    )
    initial = dl("initial_report").get()
    assert initial.status == "met" and initial.met_at == T0 + timedelta(minutes=50)
    backfill = dl("backfill").get()
    assert backfill.responsible_unit == yicheng and backfill.due_at == log.logged_at + timedelta(hours=24)
    clock.shift(timedelta(hours=5))
    report = submit(event, "yicheng", "initial", rows_for("yicheng", t1=ROW), phone_log=log)
    assert report.channel == "phone" and report.reported_at == log.made_at
    backfill.refresh_from_db()
    assert backfill.status == "met"
    with pytest.raises(Exception, match="已补录"):
        submit(event, "yicheng", "continuing", rows_for("yicheng", t1=ROW), phone_log=log)
    with pytest.raises(Exception):
        rsvc.phone_report_log(
            event=event,
            county=yicheng,
            kind="initial",
            channel="phone",
            made_at=T0,
            summary="x",
            actor=persona("yicheng"),
        )


def test_verification_instruction_phone_30_min_written_1_hour(clock, open_event, persona):
    event = open_event("yicheng")
    yicheng = OrgUnit.objects.get(code="yicheng")
    req = rsvc.verification_request_create(
        event=event, target=yicheng, question="核实死亡人数", actor=persona("city_yjj")
    )
    ct = ContentType.objects.get_for_model(req)
    phone = Deadline.objects.get(subject_type=ct, subject_id=req.pk, kind="disaster.verify_phone")
    written = Deadline.objects.get(subject_type=ct, subject_id=req.pk, kind="disaster.verify_written")
    assert (phone.due_at, written.due_at) == (T0 + timedelta(minutes=30), T0 + timedelta(hours=1))
    assert phone.urgent and phone.responsible_unit == yicheng
    clock.shift(timedelta(minutes=20))
    rsvc.verification_answer(request=req, channel="phone", answer="经核实死亡 1 人", actor=persona("yicheng"))
    clock.shift(timedelta(minutes=50))
    rsvc.verification_answer(request=req, channel="written", answer="书面报告已发", actor=persona("yicheng"))
    phone.refresh_from_db()
    written.refresh_from_db()
    assert phone.status == "met" and not phone.was_late
    assert written.status == "met" and written.was_late  # 70 minutes
    with pytest.raises(Exception):
        rsvc.verification_answer(request=req, channel="phone", answer="再次", actor=persona("xiping"))


def test_deadlines_keep_the_rule_version_they_were_computed_under(clock, open_event, persona):
    from portal.rulesets import ruleset_create_version, ruleset_in_force

    old = ruleset_in_force("disaster.report_deadlines")
    ruleset_create_version(
        key="disaster.report_deadlines",
        params={**old.params, "initial_hours": 3},
        valid_from=T0.date(),
        reason="演练：初报时限调整",
        actor=persona("admin"),
    )
    open_event("yicheng")
    d = dl("initial_report").get()
    assert d.due_at == T0 + timedelta(hours=3) and d.rule_set.version == 2


def test_reports_made_before_a_county_joins_do_not_exist(clock, open_event, submit):
    event = open_event("yicheng")
    with pytest.raises(Exception, match="不在本次灾害过程"):
        submit(event, "xiping", "initial", rows_for("xiping", t1=ROW))
    assert Report.objects.count() == 0
