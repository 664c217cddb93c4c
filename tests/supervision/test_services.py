"""Services: obligations (deadlines on the shared engine), reminders and escalation with a
frozen clock, filing and correcting reports, evidence, the supervisor's actions, status."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.deadlines import deadline_sweep
from portal.errors import InvalidTransition, RuleViolation
from portal.models import AuditEntry, Deadline, Notification, OrgUnit
from supervision import services
from supervision.models import Evidence, Indicator, Report, ReportObligation, Task, TaskStatusChange
from tests.supervision.conftest import at, obligation_of

pytestmark = pytest.mark.django_db


def _file(ob, actor, value="1200", narrative="8月新建5G基站1200个", **kw):
    values = {i.pk: value for i in Indicator.objects.filter(task=ob.task, reporting_unit=ob.unit)}
    return services.report_submit(obligation=ob, actor=actor, narrative=narrative, values=values, **kw)


# --- obligations ------------------------------------------------------------------------------


def test_the_period_opens_one_obligation_per_responsible_unit_with_its_deadline(open_period):
    obligations = open_period(at(2024, 8, 5, 10), "A10")
    assert len(obligations) == 16  # 市发改委, 市工信局, 市通管办 and 13 county governments
    zfb = OrgUnit.objects.get(code="zfb")
    for ob in obligations:
        assert (ob.period_start, ob.period_end) == (date(2024, 8, 1), date(2024, 8, 31))
        d = ob.deadline
        assert d.kind == services.KIND and d.responsible_unit_id == ob.unit_id
        assert d.due_at == at(2024, 9, 7) and ob.due_at == d.due_at  # end of the 5th working day after 31 Aug
        assert d.remind_at == at(2024, 9, 4, 9)
        assert d.escalate_to == zfb
        assert d.rule_set.key == "supervision.reporting" and d.basis == "驻政办〔2024〕22号 第10项"
        assert d.url == f"/supervision/obligations/{ob.pk}/report/"
        assert d.subject == ob
    again = open_period(at(2024, 8, 20), "A10")
    assert len(again) == 16 and Deadline.objects.filter(kind=services.KIND).count() == 16


def test_no_obligation_before_reporting_starts(open_period):
    assert open_period(at(2024, 7, 31, 12), "A10") == []


def test_the_previous_period_stays_open_until_its_due_time(open_period):
    obligations = open_period(at(2024, 9, 3, 10), "A10")
    assert {o.period_start for o in obligations} == {date(2024, 8, 1), date(2024, 9, 1)}


def test_a_period_already_past_its_due_time_is_not_back_filled(open_period):
    obligations = open_period(at(2024, 9, 20, 10), "A10")
    assert {o.period_start for o in obligations} == {date(2024, 9, 1)}


def test_reporting_stops_after_the_task_window_but_ongoing_tasks_continue(open_period):
    assert open_period(at(2025, 2, 10), "A10") == []
    ongoing = open_period(at(2026, 11, 25, 10), "B07")
    assert {o.period_start for o in ongoing} == {date(2026, 11, 1)}
    assert all(o.due_at == at(2026, 12, 8) for o in ongoing)  # 5th working day after 30 Nov 2026 is 7 Dec


def test_a_completed_task_opens_no_obligation(open_period, task, user):
    with time_machine.travel(at(2024, 7, 31, 12), tick=False):
        services.task_complete(task=task("A09"), actor=user("sup_zfb"), note="已完成")
    assert open_period(at(2024, 8, 5), "A09") == []


# --- reminders and escalation with a frozen clock -------------------------------------------


def test_reminder_then_overdue_and_escalation_then_status(open_period, user, task):
    clerk, officer, county = user("sup_fgw"), user("sup_zfb"), user("yicheng")
    open_period(at(2024, 8, 5, 10), "A10")

    deadline_sweep(now=at(2024, 9, 4, 8, 59))
    assert not Notification.objects.filter(recipient__in=[clerk, county]).exists()

    totals = deadline_sweep(now=at(2024, 9, 4, 9, 0))
    assert totals["reminded"] == 16
    reminder = Notification.objects.get(recipient=clerk)
    assert reminder.title.startswith("即将到期：A10「做大做强数字经济」2024年8月进度报告")
    assert reminder.url == obligation_of("A10", "fgw").deadline.url
    assert Notification.objects.filter(recipient=county, title__startswith="即将到期").count() == 1
    assert not Notification.objects.filter(recipient=officer).exists()  # reminders go to the units only

    # 市发改委 files in time; everyone else lets it run out.
    with time_machine.travel(at(2024, 9, 5, 16), tick=False):
        _file(obligation_of("A10", "fgw"), clerk)
    totals = deadline_sweep(now=at(2024, 9, 7, 0, 0))
    assert totals["overdue"] == 15
    assert obligation_of("A10", "fgw").deadline.status == Deadline.Status.MET
    assert Notification.objects.filter(recipient=county, title__startswith="已逾期：A10").count() == 1
    escalations = Notification.objects.filter(recipient=officer, title__startswith="督办：")
    assert escalations.count() == 15
    assert escalations.filter(
        title__contains="驿城区「A10「做大做强数字经济」2024年8月进度报告」已逾期"
    ).exists()
    assert not Notification.objects.filter(recipient=clerk, title__startswith="已逾期").exists()

    a10 = task("A10")
    assert a10.overdue_reports == 15 and a10.status == "at_risk"
    assert a10.status_explanation == ["15 份进度报告逾期未报 → 存在风险。"]
    assert a10.indicators.get().status == "on_track"  # 1,200 of 2,000 by 31 Aug is ahead of 80 % of the pace

    before = Notification.objects.count()
    assert deadline_sweep(now=at(2024, 9, 7, 0, 5))["overdue"] == 0
    assert Notification.objects.count() == before


def test_a_late_report_meets_the_overdue_deadline_and_clears_the_risk(open_period, user, task):
    clerk = user("yicheng")
    open_period(at(2024, 8, 5, 10), "A09")
    deadline_sweep(now=at(2024, 9, 7, 0, 1))
    assert task("A09").status == "at_risk"
    ob = obligation_of("A09", "yicheng")
    with time_machine.travel(at(2024, 9, 9, 10), tick=False):
        report = services.report_submit(obligation=ob, actor=clerk, narrative="本县已落实开发区规划纲要")
    ob.refresh_from_db()
    assert report.late and ob.deadline.status == Deadline.Status.MET and ob.deadline.was_late
    assert task("A09").overdue_reports == 13  # 12 more county governments and 市发改委 still owe it


# --- filing a report ------------------------------------------------------------------------


def test_filing_a_report_records_values_meets_the_deadline_and_updates_status(open_period, user, task):
    clerk = user("sup_fgw")
    open_period(at(2024, 9, 2, 10), "A10")
    ob = obligation_of("A10", "fgw", date(2024, 8, 1))
    with time_machine.travel(at(2024, 9, 3, 15), tick=False):
        report = _file(ob, clerk, value="1,500")
    ob.refresh_from_db()
    assert ob.current_report == report and ob.filed_at == at(2024, 9, 3, 15)
    assert report.as_of == date(2024, 8, 31) and not report.late and report.version == 1
    assert ob.deadline.status == Deadline.Status.MET and ob.deadline.met_at == at(2024, 9, 3, 15)
    ind = Indicator.objects.get(task__code="A10")
    assert (ind.latest_value, ind.latest_as_of, ind.latest_report) == (
        Decimal("1500"),
        date(2024, 8, 31),
        report,
    )
    assert ind.status == "on_track" and ind.status_rule_set.key == "supervision.status"
    assert any("完成目标的 75%" in line for line in ind.status_explanation)
    a10 = task("A10")
    assert a10.status == "on_track" and a10.last_report_at == at(2024, 9, 3, 15)
    entry = AuditEntry.objects.get(action="supervision.report.submit", object_id=str(report.pk))
    assert entry.actor == clerk and entry.after["values"][0]["value"] == "1500"


def test_a_report_filed_during_the_period_stands_at_its_filing_day(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    with time_machine.travel(at(2024, 8, 28, 11), tick=False):
        report = _file(obligation_of("A10", "fgw"), user("sup_fgw"))
    assert report.as_of == date(2024, 8, 28)


def test_a_report_cannot_be_filed_twice(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    ob = obligation_of("A10", "fgw")
    with time_machine.travel(at(2024, 8, 30, 11), tick=False):
        _file(ob, user("sup_fgw"))
        with pytest.raises(InvalidTransition, match="已经报送"):
            _file(ob, user("sup_fgw"))
    assert Report.objects.filter(obligation=ob).count() == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "请填写「新增5G基站」截至本期末的完成值（个）"),
        ("一千", "应为数字"),
        ("-3", "不能为负数"),
        ("12.345678", "最多保留 4 位小数"),
        ("NaN", "应为数字"),
    ],
)
def test_bad_values_are_refused_with_a_chinese_message_and_nothing_is_saved(
    open_period, user, value, message
):
    open_period(at(2024, 8, 5, 10), "A10")
    ob = obligation_of("A10", "fgw")
    ind = Indicator.objects.get(task__code="A10")
    with pytest.raises(RuleViolation) as exc:
        _file(ob, user("sup_fgw"), value=value)
    assert message in exc.value.errors[f"value_{ind.pk}"][0]
    assert not Report.objects.exists()
    ob.refresh_from_db()
    assert ob.deadline.status == Deadline.Status.OPEN


def test_percent_values_cannot_exceed_100_and_narrative_is_required(open_period, user):
    open_period(at(2024, 8, 5, 10), "A28")
    ob = obligation_of("A28", "zjj")
    clerk = user("clerk_zjj")
    with pytest.raises(RuleViolation) as exc:
        _file(ob, clerk, value="100.5")
    assert "不能超过 100" in next(iter(exc.value.errors.values()))[0]
    with pytest.raises(RuleViolation) as exc:
        _file(ob, clerk, value="98", narrative="  ")
    assert exc.value.errors == {"narrative": ["请填写本期工作进展情况"]}


def test_values_for_indicators_the_unit_does_not_report_are_refused(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    ob = obligation_of("A10", "gxj")  # co-responsible: narrative only
    other = Indicator.objects.get(task__code="A10")
    with pytest.raises(RuleViolation) as exc:
        services.report_submit(
            obligation=ob, actor=user("city_gxj"), narrative="配合推进", values={other.pk: "5"}
        )
    assert "不是本单位" in exc.value.errors["values"][0]
    report = services.report_submit(obligation=ob, actor=user("city_gxj"), narrative="配合推进")
    assert report.values.count() == 0


def test_a_unit_files_only_its_own_reports(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    with pytest.raises(PermissionDenied):
        _file(obligation_of("A10", "fgw"), user("city_gxj"))
    with pytest.raises(PermissionDenied):
        services.report_submit(
            obligation=obligation_of("A10", "xiping"), actor=user("yicheng"), narrative="x"
        )
    with pytest.raises(PermissionDenied):
        _file(obligation_of("A10", "fgw"), user("sup_zfb"))  # the supervisor does not report for units
    assert not Report.objects.exists()


# --- evidence -------------------------------------------------------------------------------


def _pdf(name="照片.pdf", body=b"%PDF-1.4 evidence"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_evidence_is_stored_with_its_hash(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    with time_machine.travel(at(2024, 8, 30, 11), tick=False):
        report = _file(
            obligation_of("A10", "fgw"),
            user("sup_fgw"),
            files=[_pdf(), _pdf("台账.xlsx", b"PK\x03\x04 sheet")],
        )
    files = list(report.evidence.order_by("pk"))
    assert [e.original_name for e in files] == ["照片.pdf", "台账.xlsx"]
    assert files[0].sha256 == hashlib.sha256(b"%PDF-1.4 evidence").hexdigest()
    assert files[0].file.read() == b"%PDF-1.4 evidence"


def test_unsupported_disguised_or_empty_files_are_refused_and_ofd_accepted(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    ob = obligation_of("A10", "fgw")
    clerk = user("sup_fgw")
    with pytest.raises(RuleViolation, match="类型不被接受"):
        _file(ob, clerk, files=[_pdf("run.exe")])
    with pytest.raises(RuleViolation, match="内容与扩展名不符"):
        _file(ob, clerk, files=[_pdf("伪装.pdf", b"<html><script>alert(1)</script>")])
    with pytest.raises(RuleViolation, match="空文件"):
        _file(ob, clerk, files=[_pdf("空.pdf", b"")])
    assert not Report.objects.exists() and not Evidence.objects.exists()
    report = _file(ob, clerk, files=[_pdf("公文.ofd", b"PK\x03\x04 ofd")])
    assert report.evidence.get().original_name == "公文.ofd"


def test_uploaded_evidence_is_attached_only_by_its_uploader(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    ob = obligation_of("A10", "fgw")
    clerk = user("sup_fgw")
    mine = services.evidence_upload(obligation=ob, actor=clerk, file=_pdf())
    other_ob = obligation_of("A10", "gxj")
    theirs = services.evidence_upload(obligation=other_ob, actor=user("city_gxj"), file=_pdf())
    with pytest.raises(RuleViolation, match="佐证材料编号无效"):
        _file(ob, clerk, evidence_ids=[theirs.pk])
    report = _file(ob, clerk, evidence_ids=[mine.pk])
    mine.refresh_from_db()
    assert mine.report == report


# --- corrections ----------------------------------------------------------------------------


def test_a_correction_is_a_new_version_and_the_old_one_stays(open_period, user):
    clerk = user("sup_fgw")
    open_period(at(2024, 8, 5, 10), "A10")
    ob = obligation_of("A10", "fgw")
    with time_machine.travel(at(2024, 9, 2, 11), tick=False):
        first = _file(ob, clerk, value="1200", files=[_pdf()])
    ind = Indicator.objects.get(task__code="A10")
    with time_machine.travel(at(2024, 9, 10, 11), tick=False):
        with pytest.raises(RuleViolation, match="请填写更正原因"):
            services.report_correct(report=first, actor=clerk, reason="", narrative="x", values={ind.pk: "1"})
        second = services.report_correct(
            report=first,
            actor=clerk,
            reason="统计口径调整",
            narrative="更正：1250个",
            values={ind.pk: "1250"},
        )
    first.refresh_from_db()
    ob.refresh_from_db()
    assert not first.is_current and second.is_current and second.version == 2 and second.supersedes == first
    assert ob.current_report == second and second.as_of == first.as_of
    ind.refresh_from_db()
    assert ind.latest_value == Decimal("1250") and ind.latest_report == second
    assert Report.objects.filter(obligation=ob).count() == 2
    assert first.values.get().value == Decimal("1200")  # the old version is kept as filed
    with pytest.raises(InvalidTransition, match="只能更正现行版本"):
        services.report_correct(report=first, actor=clerk, reason="再改", narrative="x", values={ind.pk: "1"})
    entry = AuditEntry.objects.get(action="supervision.report.correct")
    assert entry.before["values"][0]["value"] == "1200.0000" and entry.extra["reason"] == "统计口径调整"
    from supervision.selectors import report_evidence

    assert [e.original_name for e in report_evidence(second)] == ["照片.pdf"]


def test_only_the_own_unit_corrects(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    first = _file(obligation_of("A10", "fgw"), user("sup_fgw"))
    with pytest.raises(PermissionDenied):
        services.report_correct(report=first, actor=user("city_gxj"), reason="x", narrative="x")


# --- supervisor actions and status ----------------------------------------------------------


def test_completing_a_task_cancels_open_obligations_and_reopening_restores_them(open_period, user, task):
    officer = user("sup_zfb")
    open_period(at(2026, 11, 25, 10), "B07")
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):
        with pytest.raises(RuleViolation):
            services.task_complete(task=task("B07"), actor=officer, note="")
        done = services.task_complete(task=task("B07"), actor=officer, note="跨域通办已全面推行")
        assert done.status == "done" and "跨域通办已全面推行" in done.status_explanation[0]
        assert not ReportObligation.objects.filter(task=done, deadline__status=Deadline.Status.OPEN).exists()
        with pytest.raises(InvalidTransition):
            services.task_complete(task=done, actor=officer, note="again")
        with pytest.raises(InvalidTransition, match="已取消"):
            services.report_submit(
                obligation=obligation_of("B07", "zwfw"), actor=user("sup_zwfw"), narrative="x"
            )
        reopened = services.task_reopen(task=done, actor=officer, reason="督查发现仍有事项未落实")
    assert reopened.status == "on_track" and reopened.completed_at is None
    assert (
        AuditEntry.objects.filter(action__in=["supervision.task.complete", "supervision.task.reopen"]).count()
        == 2
    )


def test_a_new_schedule_applies_to_the_next_periods(open_period, user, task):
    officer = user("sup_zfb")
    with pytest.raises(RuleViolation):
        services.task_schedule_set(task=task("B07"), actor=officer, frequency="daily")
    services.task_schedule_set(task=task("B07"), actor=officer, frequency="quarterly")
    obligations = open_period(at(2026, 11, 25, 10), "B07")
    assert {(o.period_start, o.period_end) for o in obligations} == {(date(2026, 10, 1), date(2026, 12, 31))}
    assert AuditEntry.objects.get(action="supervision.task.schedule").after == {
        "report_frequency": "quarterly"
    }


def test_status_is_recomputed_with_the_date_and_every_change_is_logged(open_period, user, task):
    open_period(at(2024, 8, 5, 10), "A10")
    with time_machine.travel(at(2024, 9, 3, 15), tick=False):
        _file(obligation_of("A10", "fgw"), user("sup_fgw"), value="1500")
    assert task("A10").status == "on_track"
    changed = services.task_status_refresh(today=date(2025, 1, 1))
    a10 = task("A10")
    assert a10.status == "overdue" and a10.status_on == date(2025, 1, 1) and changed >= 1
    assert "新增5G基站" in a10.status_explanation[0]
    change = TaskStatusChange.objects.filter(task=a10).order_by("-pk").first()
    assert (change.from_status, change.to_status, change.on) == ("on_track", "overdue", date(2025, 1, 1))
    assert AuditEntry.objects.filter(action="supervision.task.status", object_id=str(a10.pk)).exists()
    # Nothing changes on a second run the same day.
    assert services.task_status_refresh(today=date(2025, 1, 1)) == 0


def test_daily_refresh_opens_obligations_and_evaluates_every_task(db):
    with time_machine.travel(at(2026, 11, 25, 0, 7), tick=False):
        result = services.daily_refresh()
    assert result["obligations_created"] > 0
    assert not Task.objects.filter(status_on__isnull=True).exists()
    assert set(Task.objects.filter(document__letter="A").values_list("status", flat=True)) == {"overdue"}


def test_refresh_command(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with time_machine.travel(at(2026, 11, 25, 9), tick=False):
        call_command("supervision_refresh", stdout=out)
    assert "新建报告义务" in out.getvalue()
    assert not Task.objects.filter(status_on__isnull=True).exists()


def test_admin_changes_the_reporting_unit_through_an_audited_service(open_period, user):
    from django.test import Client

    open_period(at(2024, 8, 5, 10), "A10")
    with time_machine.travel(at(2024, 8, 30, 10), tick=False):
        _file(obligation_of("A10", "fgw"), user("sup_fgw"), value="1200")
    ind = Indicator.objects.get(task__code="A10")
    assert ind.latest_value == Decimal("1200")
    txb = OrgUnit.objects.get(code="txb")
    admin = Client()
    admin.force_login(user("admin"))
    url = f"/admin/supervision/indicator/{ind.pk}/change/"
    assert admin.get(url).status_code == 200
    response = admin.post(
        url, {"reporting_unit": txb.pk, "baseline": "0", "start": "2024-01-01", "note": "通管办填报"}
    )
    assert response.status_code == 302
    ind.refresh_from_db()
    assert ind.reporting_unit == txb and ind.latest_value is None  # 市通管办 has not reported yet
    entry = AuditEntry.objects.get(action="supervision.indicator.change")
    assert (
        entry.after["reporting_unit"] == txb.pk
        and entry.before["reporting_unit"] == OrgUnit.objects.get(code="fgw").pk
    )
    assert admin.get("/admin/supervision/task/").status_code == 200
    assert admin.post(f"/admin/supervision/report/{Report.objects.get().pk}/delete/").status_code == 403


def test_a_schedule_change_mid_period_does_not_double_the_reporting(open_period, user, task):
    open_period(at(2026, 11, 25, 10), "B07")  # monthly: November 2026
    services.task_schedule_set(task=task("B07"), actor=user("sup_zfb"), frequency="quarterly")
    assert {o.period_start for o in open_period(at(2026, 11, 26, 10), "B07")} == {date(2026, 11, 1)}
    later = open_period(at(2027, 1, 5, 10), "B07")
    assert {(o.period_start, o.period_end) for o in later} == {
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2027, 1, 1), date(2027, 3, 31)),
    }
