"""Pages: the board and its filters, the task page, filing a report (bad input keeps what was
typed), corrections, the unit's own view, the XLSX export, the dashboard panel."""

from __future__ import annotations

import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from portal.models import OrgUnit
from supervision import services
from supervision.models import Indicator, Report, Section, Task
from tests.supervision.conftest import at, obligation_of

pytestmark = pytest.mark.django_db


def _login(user, username):
    c = Client()
    c.force_login(user(username))
    return c


def _rows(html: str) -> list[str]:
    return re.findall(r'<span class="task-code">([AB]\d\d)</span>', html)


def _no_inline_script_or_style(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'style="' not in html


def test_board_lists_every_task_and_filters(user):
    services.task_status_refresh()
    c = _login(user, "sup_zfb")
    html = c.get("/supervision/").content.decode()
    assert len(_rows(html)) == 62 and "督查任务看板" in html
    _no_inline_script_or_style(html)
    assert len(_rows(c.get("/supervision/?document=B").content.decode())) == 20
    part8 = Section.objects.get(document__letter="A", number=8)
    assert _rows(c.get(f"/supervision/?section={part8.pk}").content.decode()) == [
        f"A{n}" for n in range(35, 43)
    ]
    zjj = OrgUnit.objects.get(code="zjj")
    by_unit = _rows(c.get(f"/supervision/?unit={zjj.pk}").content.decode())
    assert {"A14", "A26", "A27", "A28", "A33", "A41", "B08", "B09", "B16", "B17"} == set(by_unit)
    xiping = OrgUnit.objects.get(code="xiping")
    county = c.get(f"/supervision/?county={xiping.pk}").content.decode()
    assert len(_rows(county)) == 62 and "所选单位报送" in county
    overdue = c.get("/supervision/?status=overdue").content.decode()
    assert set(_rows(overdue)) == set(Task.objects.filter(status="overdue").values_list("code", flat=True))
    assert c.get("/supervision/?section=abc&unit=x").status_code == 200  # bad filters: ignored, never a 500
    found = _rows(c.get("/supervision/?q=5G基站").content.decode())
    assert found == ["A10"]


def test_board_query_count_does_not_grow_with_the_rows(user):
    services.task_status_refresh()
    c = _login(user, "sup_zfb")
    c.get("/supervision/")  # warm caches (content types, grants)
    with CaptureQueriesContext(connection) as few:
        assert len(_rows(c.get("/supervision/?document=B").content.decode())) == 20
    with CaptureQueriesContext(connection) as many:
        assert len(_rows(c.get("/supervision/").content.decode())) == 62
    assert len(many) == len(few) <= 25


def test_unit_report_column_shows_the_chosen_units_state(open_period, user):
    open_period(at(2026, 11, 25, 10), "B07")
    services.task_status_refresh()
    c = _login(user, "sup_zfb")
    zwfw = OrgUnit.objects.get(code="zwfw")
    html = c.get(f"/supervision/?unit={zwfw.pk}&document=B").content.decode()
    assert "2026年11月待报（12-08前）" in html  # B07
    assert "非责任单位" not in html


def test_task_page_shows_text_units_indicators_rule_and_chart(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    with time_machine.travel(at(2024, 8, 30, 10), tick=False):
        services.report_submit(
            obligation=obligation_of("A10", "fgw"),
            actor=user("sup_fgw"),
            narrative="8月新建基站1200个",
            values={Indicator.objects.get(task__code="A10").pk: "1200"},
        )
    task = Task.objects.get(code="A10")
    html = _login(user, "sup_fgw").get(f"/supervision/tasks/{task.pk}/").content.decode()
    assert "新增5G基站2000个以上" in html and "市发展和改革委员会" in html and "市通信发展管理办公室" in html
    assert "13 个县区政府（管委会）" in html
    assert "supervision.status" in html and "第 1 版" in html
    assert 'data-chart="' in html and "vendor/chart.umd.js" in html
    assert "8月新建基站1200个" in html
    _no_inline_script_or_style(html)
    assert "督查操作" not in html  # units do not get the supervisor's forms
    assert "督查操作" in _login(user, "sup_zfb").get(f"/supervision/tasks/{task.pk}/").content.decode()


def test_filing_a_report_through_the_page(open_period, user):
    open_period(at(2026, 11, 25, 10), "B05")
    ob = obligation_of("B05", "fgw")
    inds = list(Indicator.objects.filter(task__code="B05").order_by("number"))
    c = _login(user, "sup_fgw")
    form = c.get(f"/supervision/obligations/{ob.pk}/report/")
    assert form.status_code == 200 and "填报进度报告" in form.content.decode()
    _no_inline_script_or_style(form.content.decode())

    # Bad input: the page comes back with the user's values and a Chinese message; nothing saved.
    data = {"narrative": "本月梳理“一件事”清单", f"value_{inds[0].pk}": "100", f"value_{inds[1].pk}": "五十"}
    bad = c.post(f"/supervision/obligations/{ob.pk}/report/", data)
    html = bad.content.decode()
    assert bad.status_code == 200
    assert "本月梳理“一件事”清单" in html and 'value="五十"' in html and 'value="100"' in html
    assert "完成值应为数字" in html and "请填写「“一件事”申请材料压减比例」截至本期末的完成值" in html
    assert not Report.objects.exists()

    data.update({f"value_{i.pk}": v for i, v in zip(inds, ["100", "55", "65", "75", "85"], strict=True)})
    data["evidence"] = [SimpleUploadedFile("清单.pdf", b"%PDF-1.4 list")]
    ok = c.post(f"/supervision/obligations/{ob.pk}/report/", data)
    assert ok.status_code == 302 and ok["Location"] == f"/supervision/tasks/{ob.task_id}/"
    report = Report.objects.get()
    assert report.values.count() == 5 and report.evidence.get().original_name == "清单.pdf"
    assert Task.objects.get(code="B05").status == "done"
    again = c.get(f"/supervision/obligations/{ob.pk}/report/")
    assert again.status_code == 302 and again["Location"] == f"/supervision/reports/{report.pk}/"
    download = c.get(f"/supervision/evidence/{report.evidence.get().pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 list"
    assert "attachment" in download["Content-Disposition"] and download["X-Content-Type-Options"] == "nosniff"


def test_correcting_through_the_page_prefills_and_requires_a_reason(open_period, user):
    open_period(at(2024, 8, 5, 10), "A10")
    ind = Indicator.objects.get(task__code="A10")
    with time_machine.travel(at(2024, 8, 30, 10), tick=False):
        first = services.report_submit(
            obligation=obligation_of("A10", "fgw"),
            actor=user("sup_fgw"),
            narrative="原报告",
            values={ind.pk: "1200"},
        )
    c = _login(user, "sup_fgw")
    page = c.get(f"/supervision/reports/{first.pk}/correct/").content.decode()
    assert 'value="1200"' in page and "原报告" in page and "更正原因" in page
    missing = c.post(
        f"/supervision/reports/{first.pk}/correct/", {"narrative": "更正后", f"value_{ind.pk}": "1250"}
    )
    assert missing.status_code == 200 and "请填写更正原因" in missing.content.decode()
    assert "更正后" in missing.content.decode()
    done = c.post(
        f"/supervision/reports/{first.pk}/correct/",
        {"narrative": "更正后", f"value_{ind.pk}": "1250", "reason": "口径调整"},
    )
    new = Report.objects.get(is_current=True)
    assert done.status_code == 302 and new.version == 2
    old_page = c.get(f"/supervision/reports/{first.pk}/").content.decode()
    assert "已被更正的旧版本" in old_page and f"/supervision/reports/{first.pk}/correct/" not in old_page


def test_mine_lists_what_the_unit_owes(open_period, user):
    open_period(at(2026, 11, 25, 10), "B05", "B07")
    c = _login(user, "sup_fgw")
    html = c.get("/supervision/mine/").content.decode()
    assert "B05" in html and "2026年11月" in html and "/report/" in html
    assert "B07" not in html.split("本单位承担的任务")[0]  # 市发改委 is not on B07
    yicheng = _login(user, "yicheng").get("/supervision/mine/").content.decode()
    assert yicheng.count("填报</a>") == 2  # B05 and B07 for 驿城区


def test_export_workbook_for_the_leadership_meeting(open_period, user):
    open_period(at(2026, 11, 25, 10), "B07")
    services.task_status_refresh()
    c = _login(user, "sup_zfb")
    response = c.get("/supervision/export.xlsx?document=A")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["任务", "指标", "最近一期报送"]
    tasks = list(wb["任务"].values)
    assert tasks[0][0].startswith("用途：督查督办工作会议材料") and tasks[1][0] == "编号"
    assert len(tasks) == 2 + 42
    a10 = next(r for r in tasks if r[0] == "A10")
    assert a10[3] == "做大做强数字经济" and a10[4] == "市发展和改革委员会" and a10[9] == "已逾期"
    indicators = list(wb["指标"].values)
    fiveg = next(r for r in indicators if r[1] == "新增5G基站")
    assert fiveg[2] == "≥ 2,000" and fiveg[4] == 2000
    b = load_workbook(io.BytesIO(c.get("/supervision/export.xlsx?document=B").content))
    reporting = list(b["最近一期报送"].values)
    assert any(r[0] == "B07" and r[1] == "驿城区" and r[2] == "2026年11月" for r in reporting)


def test_dashboard_panel(open_period, user):
    open_period(at(2026, 11, 25, 10), "B05")
    with time_machine.travel(at(2026, 11, 25, 12), tick=False):
        html = _login(user, "sup_fgw").get("/").content.decode()
    assert "督查督办" in html and "本单位待报送进度报告" in html
    services.task_status_refresh()
    assert "督查任务看板 →" in _login(user, "sup_zfb").get("/").content.decode()
    other = _login(user, "city_yjj").get("/").content.decode()  # 市应急管理局 answers for no task
    assert "本单位待报送进度报告" not in other and "督查任务看板 →" not in other


def test_supervisor_changes_the_schedule_and_bad_input_is_a_message(user):
    task = Task.objects.get(code="B07")
    c = _login(user, "sup_zfb")
    response = c.post(f"/supervision/tasks/{task.pk}/schedule/", {"frequency": "quarterly"}, follow=True)
    assert "报告周期已调整" in response.content.decode()
    task.refresh_from_db()
    assert task.report_frequency == "quarterly"
    response = c.post(f"/supervision/tasks/{task.pk}/complete/", {"note": ""}, follow=True)
    assert "请填写确认完成的依据或说明" in response.content.decode()
    task.refresh_from_db()
    assert task.completed_at is None
