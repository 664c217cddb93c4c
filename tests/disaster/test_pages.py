"""Pages: access (outsiders, other counties: 404; visible but not allowed: 403), the filing page
(keeps what was typed, idempotent submit, autosave with inline checks), thresholds preview and
new version, ledger masking, roster, exports, and the dashboard's constant query count."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from disaster.models import LedgerPerson, Proposal, Report, ReportDraft
from disaster.services.events import event_declare_stable
from portal.models import AuditEntry, OrgUnit, RuleSet
from tests.disaster.conftest import rows_for, towns

pytestmark = pytest.mark.django_db


def grid_post(county, token="tok", **cells):
    """POST data for the filing grid: cells like t1_affected=100."""
    data = {"token": token}
    units = towns(county)
    for key, value in cells.items():
        town, field = key.split("_", 1)
        data[f"r-{units[int(town[1:]) - 1].pk}-{field}"] = str(value)
    return data


def test_outsiders_and_township_officers_are_kept_out(clock, web, open_event):
    event = open_event("yicheng")
    for username in ("outsider", "shuitun"):
        client = web(username)
        assert client.get("/disaster/").status_code == 403
        assert client.get("/disaster/dashboard/").status_code == 403
        assert client.get(f"/disaster/events/{event.pk}/").status_code == 404
        assert client.get(f"/disaster/events/{event.pk}/file/").status_code == 404
        assert client.get(f"/disaster/events/{event.pk}/export/aggregate.csv").status_code == 404
    assert web(None).get("/disaster/events/").status_code == 302  # to the login page


def test_another_county_sees_404_everywhere(clock, web, open_event, submit):
    event = open_event("yicheng")
    report = submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 5}))
    client = web("xiping")
    for url in (
        f"/disaster/events/{event.pk}/",
        f"/disaster/events/{event.pk}/file/",
        f"/disaster/events/{event.pk}/ledger/",
        f"/disaster/reports/{report.pk}/",
        f"/disaster/reports/{report.pk}/export.csv",
        f"/disaster/events/{event.pk}/export/reports.xlsx",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/disaster/events/{event.pk}/file/", grid_post("yicheng", t1_affected=1)).status_code
        == 404
    )
    assert client.post(f"/disaster/events/{event.pk}/file/autosave/", {}).status_code == 404
    assert Report.objects.count() == 1


def test_a_shared_event_shows_a_county_only_its_own_figures(clock, web, open_event, submit):
    event = open_event("yicheng", "xiping")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 111}))
    submit(event, "xiping", "initial", rows_for("xiping", t1={"affected": 222}))
    page = web("yicheng").get(f"/disaster/events/{event.pk}/").content.decode()
    assert "111" in page and "222" not in page
    assert (
        web("yicheng")
        .get(f"/disaster/events/{event.pk}/?county={OrgUnit.objects.get(code='xiping').pk}")
        .status_code
        == 404
    )
    assert (
        web("yicheng")
        .get(f"/disaster/events/{event.pk}/file/?county={OrgUnit.objects.get(code='xiping').pk}")
        .status_code
        == 404
    )
    # a city viewer who is not a filer gets 403 on the filing page
    assert web("city_mzj").get(f"/disaster/events/{event.pk}/file/").status_code == 403
    city_page = web("city_mzj").get(f"/disaster/events/{event.pk}/").content.decode()
    assert "111" in city_page and "222" in city_page and "333" in city_page  # total


def test_filing_page_keeps_what_was_typed_and_explains_in_chinese(clock, web, open_event):
    event = open_event("yicheng")
    client = web("yicheng")
    page = client.get(f"/disaster/events/{event.pk}/file/")
    assert page.status_code == 200 and "初报" in page.content.decode()
    data = grid_post(
        "yicheng",
        t1_affected=100,
        t1_relocated_rt=10,
        t1_relocated_cum=10,
        t1_housed_rt=12,
        t1_housed_cum=12,
        t2_affected="abc",
    )
    response = client.post(f"/disaster/events/{event.pk}/file/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "集中安置人口实时值 12 人超过紧急转移安置人口实时值 10 人" in html
    assert "受灾人口须为不小于 0 的整数" in html
    assert 'value="abc"' in html and 'value="12"' in html
    assert Report.objects.count() == 0
    assert ReportDraft.objects.get().data["rows"][str(towns("yicheng")[0].pk)]["housed_rt"] == "12"
    # reopening the page shows the draft with its checks
    again = client.get(f"/disaster/events/{event.pk}/file/").content.decode()
    assert 'value="12"' in again and "超过紧急转移安置人口" in again


def test_filing_submits_once_even_when_posted_twice(clock, web, open_event):
    event = open_event("yicheng")
    client = web("yicheng")
    data = grid_post(
        "yicheng",
        token="same-token",
        t1_affected=100,
        t1_relocated_rt=10,
        t1_relocated_cum=10,
        t2_deaths=1,
        t2_affected=3,
    )
    first = client.post(f"/disaster/events/{event.pk}/file/", data)
    second = client.post(f"/disaster/events/{event.pk}/file/", data)
    report = Report.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/disaster/reports/{report.pk}/"
    assert report.row_count == 2
    page = client.get(f"/disaster/reports/{report.pk}/").content.decode()
    assert "人民街街道" in page and "更正此报告" in page


def test_autosave_returns_the_checks_and_totals(clock, web, open_event):
    event = open_event("yicheng")
    client = web("yicheng")
    data = grid_post("yicheng", t1_affected=5, t1_deaths=6, t2_affected=7)
    response = client.post(f"/disaster/events/{event.pk}/file/autosave/", data)
    body = response.json()
    t1 = towns("yicheng")[0]
    assert body["errors"][f"rows.{t1.pk}.deaths"] == [
        "人民街街道：因灾死亡人口 6 人超过受灾人口 5 人：受灾人口应不少于其下各项人数"
    ]
    assert body["totals"]["affected"] == "12"
    assert ReportDraft.objects.get().updated_by.username == "yicheng"
    assert web("city_yjj").post(f"/disaster/events/{event.pk}/file/autosave/", data).status_code == 403


def test_continuing_page_is_prefilled_with_the_latest_values(clock, web, open_event, submit):
    event = open_event("yicheng")
    submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1={"affected": 4321, "relocated_rt": 10, "relocated_cum": 10}),
    )
    page = web("yicheng").get(f"/disaster/events/{event.pk}/file/").content.decode()
    assert "续报" in page and 'value="4321"' in page


def test_correction_through_the_page(clock, web, open_event, submit):
    event = open_event("yicheng")
    original = submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 50, "missing": 3}))
    client = web("yicheng")
    url = f"/disaster/events/{event.pk}/file/?county={original.county_id}&correct={original.pk}"
    assert 'value="50"' in client.get(url).content.decode()
    no_reason = client.post(url, grid_post("yicheng", token="c1", t1_affected=50, t1_missing=1))
    assert no_reason.status_code == 400 and "请说明更正原因" in no_reason.content.decode()
    ok = client.post(
        url,
        {**grid_post("yicheng", token="c2", t1_affected=50, t1_missing=1), "correction_reason": "两人已找到"},
    )
    correction = Report.objects.get(supersedes=original)
    assert ok["Location"] == correction.get_absolute_url()
    assert "已被更正" in client.get(original.get_absolute_url()).content.decode()


def test_attachments_upload_and_download_within_jurisdiction(clock, web, open_event):
    event = open_event("yicheng")
    client = web("yicheng")
    upload = SimpleUploadedFile("灾情说明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(
        f"/disaster/events/{event.pk}/attachments/",
        {"kind": "description", "file": upload, "note": "初报说明"},
    )
    assert response.status_code == 302
    from disaster.models import Attachment

    attachment = Attachment.objects.get()
    assert client.get(f"/disaster/attachments/{attachment.pk}/").status_code == 200
    assert web("xiping").get(f"/disaster/attachments/{attachment.pk}/").status_code == 404
    assert web("city_mzj").get(f"/disaster/attachments/{attachment.pk}/").status_code == 200


def test_office_actions_need_the_office(clock, web, open_event):
    event = open_event("yicheng")
    for username in ("city_mzj", "yicheng"):
        assert (
            web(username).post(f"/disaster/events/{event.pk}/stable/", {"at": "2026-07-20T08:00"}).status_code
            == 403
        )
    response = web("city_yjj").post(f"/disaster/events/{event.pk}/stable/", {"at": "2026-07-20T08:00"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == "stable"


def test_open_an_event_from_the_page(clock, web):
    from disaster.models import DisasterType, Event

    client = web("yicheng")
    yicheng = OrgUnit.objects.get(code="yicheng")
    bad = client.post("/disaster/events/new/", {"type": "", "title": "", "started_at": "昨天"})
    assert bad.status_code == 400 and "请填写灾害过程名称" in bad.content.decode()
    data = {
        "type": DisasterType.objects.get(code="flood").pk,
        "title": "驿城区暴雨",
        "started_at": "2026-07-20T07:30",
        "counties": [yicheng.pk],
    }
    response = client.post("/disaster/events/new/", data)
    event = Event.objects.get()
    assert response["Location"] == f"/disaster/events/{event.pk}/file/?county={yicheng.pk}"
    other = {**data, "counties": [OrgUnit.objects.get(code="xiping").pk]}
    assert client.post("/disaster/events/new/", other).status_code == 400  # not a choice for this officer
    assert web("outsider").get("/disaster/events/new/").status_code == 403


def test_decide_through_the_proposal_page(clock, web, open_event, submit):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 6000, "relocated_cum": 5000}))
    proposal = Proposal.objects.get()
    url = f"/disaster/proposals/{proposal.pk}/"
    assert web("yicheng").get(url).status_code == 404
    assert web("jzw_deputy").post(url, {"approve": "1", "reason": "同意"}).status_code == 403
    page = web("jzw_office_deputy").get(url).content.decode()
    assert "市减灾委办公室副主任" in page and "提交决定" in page
    response = web("jzw_office_deputy").post(url, {"approve": "1", "reason": "同意启动"})
    assert response.status_code == 302
    notice = web("yicheng").get(response["Location"])
    assert (
        notice.status_code == 200
        and "关于启动驻马店市自然灾害救助四级应急响应的通知" in notice.content.decode()
    )


def test_notice_downloads(clock, web, open_event, submit, persona):
    from docx import Document

    from disaster.services.response import proposal_decide

    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 6000, "relocated_cum": 5000}))
    proposal_decide(
        proposal=Proposal.objects.get(), approve=True, reason="同意", actor=persona("jzw_office_deputy")
    )
    change = Proposal.objects.get().level_change
    pdf = web("city_yjj").get(f"/disaster/decisions/{change.pk}/notice.pdf")
    assert (
        pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
        and b"STSong-Light" in pdf.content
    )
    docx = web("city_yjj").get(f"/disaster/decisions/{change.pk}/notice.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "驻减灾办〔2026〕1号" in text and "四级应急响应" in text
    assert web("xiping").get(f"/disaster/decisions/{change.pk}/notice/").status_code == 404


def test_thresholds_preview_and_new_version(clock, web, persona):
    client = web("city_yjj")
    page = client.get("/disaster/thresholds/?relocated=10000")
    assert (
        page.status_code == 200
        and "三级" in page.content.decode()
        and 'id="preview-result"' in page.content.decode()
    )
    assert (
        client.post(
            "/disaster/thresholds/",
            {"t-IV-deaths": "1", "save": "1", "reason": "x", "valid_from": "2026-08-01"},
        ).status_code
        == 200
    )
    assert RuleSet.objects.filter(key="disaster.response_levels").count() == 1  # not an admin: nothing saved
    admin = web("admin")
    base = admin.get("/disaster/thresholds/")
    assert 'name="t-IV-deaths" value="5"' in base.content.decode()
    grid = {
        f"t-{lv}-{ind}": str(v)
        for row in RuleSet.objects.get(key="disaster.response_levels").params["levels"]
        for lv in [row["level"]]
        for ind, v in row["thresholds"].items()
    }
    # preview under edited values, unsaved
    preview = admin.post("/disaster/thresholds/", {**grid, "t-IV-deaths": "3", "deaths": "3", "preview": "1"})
    assert (
        "四级" in preview.content.decode()
        and RuleSet.objects.filter(key="disaster.response_levels").count() == 1
    )
    bad = admin.post(
        "/disaster/thresholds/",
        {**grid, "t-IV-drought_share": "1.5", "save": "1", "reason": "x", "valid_from": "2026-08-01"},
    )
    assert bad.status_code == 400 and "0–1 之间的比例" in bad.content.decode()
    no_reason = admin.post(
        "/disaster/thresholds/", {**grid, "save": "1", "reason": "", "valid_from": "2026-08-01"}
    )
    assert no_reason.status_code == 400 and "请填写修改原因" in no_reason.content.decode()
    saved = admin.post(
        "/disaster/thresholds/",
        {
            **grid,
            "t-IV-deaths": "3",
            "agricultural_population_setting": "4200000",
            "save": "1",
            "reason": "市政府调整",
            "valid_from": "2026-08-01",
        },
    )
    assert saved.status_code == 302
    v2 = RuleSet.objects.get(key="disaster.response_levels", version=2)
    assert (
        v2.params["levels"][0]["thresholds"]["deaths"] == 3
        and v2.params["agricultural_population"] == 4200000
    )
    assert v2.params["deciders"]["IV"] == ["dr_office_deputy"] and v2.reason == "市政府调整"
    assert AuditEntry.objects.filter(action="portal.ruleset.create_version").exists()
    assert web("yicheng").get("/disaster/thresholds/").status_code == 403


def test_ledger_after_verification_with_masked_id_numbers(clock, web, open_event, submit, persona):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 10, "deaths": 1}))
    client = web("yicheng")
    url = f"/disaster/events/{event.pk}/ledger/"
    t1 = towns("yicheng")[0]
    person = {
        "action": "person",
        "p-category": "dead",
        "p-name": "张三",
        "p-id_number": "11010519491231002X",
        "p-township": t1.pk,
    }
    early = client.post(url, person)
    assert "灾情核定（报送核报）后建立救助台账" in early.content.decode()
    assert not LedgerPerson.objects.exists()
    event_declare_stable(event=event, actor=persona("city_yjj"))
    submit(event, "yicheng", "verified", rows_for("yicheng", t1={"affected": 10, "deaths": 1}))
    bad = client.post(url, {**person, "p-id_number": "110105194912310021"})
    assert bad.status_code == 400 and "身份证号码无效" in bad.content.decode()
    assert client.post(url, person).status_code == 302
    row = LedgerPerson.objects.get()
    page = client.get(url).content.decode()
    assert "110105********002X" in page and "11010519491231002X" not in page
    shown = client.post(url, {"action": "unmask", "row": f"p-{row.pk}"}).content.decode()
    assert "11010519491231002X" in shown
    assert AuditEntry.objects.filter(action="disaster.ledger.unmask", object_id=str(row.pk)).count() == 1
    assert web("city_mzj").post(url, {"action": "unmask", "row": f"p-{row.pk}"}).status_code == 403
    assert web("xiping").get(url).status_code == 404
    # import a spreadsheet: good rows saved, bad rows reported
    wb = Workbook()
    ws = wb.active
    ws.title = "人员"
    ws.append(["类别", "姓名", "性别", "年龄", "身份证号", "乡镇（街道）", "村（社区）", "备注"])
    ws.append(["因灾失踪", "李四", "男", 40, "", t1.name, "一村", ""])
    ws.append(["受伤", "王五", "女", 30, "", t1.name, "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    upload = SimpleUploadedFile(
        "台账.xlsx",
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert client.post(url, {"action": "import", "file": upload}).status_code == 302
    assert set(LedgerPerson.objects.values_list("name", flat=True)) == {"张三", "李四"}
    assert client.post(url, {"action": "void", "row": f"p-{row.pk}", "reason": "重复登记"}).status_code == 302
    row.refresh_from_db()
    assert row.voided_at is not None and row.void_reason == "重复登记"


def test_roster_page(clock, web, persona):
    client = web("yicheng")
    officer = persona("yicheng")
    yicheng = OrgUnit.objects.get(code="yicheng")
    page = client.get("/disaster/roster/")
    assert page.status_code == 200 and "值班表 · 驿城区" in page.content.decode()
    bad = client.post(
        f"/disaster/roster/?unit={yicheng.pk}",
        {"user": officer.pk, "starts_at": "2026-07-20T10:00", "ends_at": "2026-07-20T09:00"},
    )
    assert bad.status_code == 400 and "结束时间须晚于开始时间" in bad.content.decode()
    ok = client.post(
        f"/disaster/roster/?unit={yicheng.pk}",
        {"user": officer.pk, "starts_at": "2026-07-20T08:00", "ends_at": "2026-07-21T08:00"},
    )
    assert ok.status_code == 302
    assert "驿城区·刘干事" in client.get(f"/disaster/roster/?unit={yicheng.pk}").content.decode()
    assert web("xiping").get(f"/disaster/roster/?unit={yicheng.pk}").status_code == 404
    assert web("outsider").get("/disaster/roster/").status_code == 403


def test_exports_with_hxl(clock, web, open_event, submit):
    event = open_event("yicheng", "xiping")
    submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1={"affected": 100, "deaths": 2, "direct_loss": "12.50"}),
    )
    submit(event, "xiping", "initial", rows_for("xiping", t1={"affected": 7}))
    csv_text = (
        web("city_yjj")
        .get(f"/disaster/events/{event.pk}/export/aggregate.csv?hxl=1")
        .getvalue()
        .decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][:4] == ["层级", "县区", "县区代码", "乡镇（街道）"]
    assert rows[1][1] == "#adm2+name" and "#affected+killed" in rows[1] and "#affected+displaced" in rows[1]
    killed = rows[1].index("#affected+killed")
    county_row = next(r for r in rows if r[0] == "县区合计" and r[1] == "驿城区")
    assert county_row[killed] == "2"
    plain = (
        web("city_yjj")
        .get(f"/disaster/events/{event.pk}/export/aggregate.csv")
        .getvalue()
        .decode("utf-8-sig")
    )
    assert "#adm2+name" not in plain
    # a county officer exports only its own county
    own = web("yicheng").get(f"/disaster/events/{event.pk}/export/reports.xlsx?hxl=1")
    sheet = load_workbook(io.BytesIO(own.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][1] == "#adm2+name"
    assert {v[1] for v in values[2:]} == {"驿城区"}


def test_dashboard_query_count_does_not_grow_with_events(clock, web, open_event, submit, persona):
    client = web("city_yjj")
    persona("jzw_office_deputy")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/disaster/dashboard/").status_code == 200
        return len(ctx.captured_queries)

    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 6000, "relocated_cum": 5000}))
    small = count()
    for i in range(12):
        e = open_event("xiping", "yicheng", title=f"过程{i}")
        clock.shift(timedelta(minutes=5))
        submit(e, "xiping", "initial", rows_for("xiping", t1={"affected": 10 + i}, t2={"affected": 3}))
    assert count() == small
    assert small <= 18  # session, user, grants (3), the office check, and ~8 for the page itself


def test_event_page_query_count_does_not_grow_with_reports(clock, web, open_event, submit):
    client = web("city_yjj")
    event = open_event("yicheng", "xiping")
    submit(event, "yicheng", "initial", rows_for("yicheng", default={"affected": 1}))
    submit(event, "xiping", "initial", rows_for("xiping", default={"affected": 1}))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/disaster/events/{event.pk}/").status_code == 200
        return len(ctx.captured_queries)

    count()  # warm the per-process caches (content types, calendar) so both counts compare alike
    small = count()
    for i in range(6):
        clock.shift(timedelta(minutes=10))
        submit(event, "yicheng", "continuing", rows_for("yicheng", default={"affected": 2 + i}))
    assert count() == small


def test_a_refused_office_action_keeps_what_was_typed(clock, web, open_event):
    event = open_event("yicheng")
    client = web("city_yjj")
    text = "今日全市汇总：驿城区转移安置 1,200 人（此段文字不能丢失）"
    response = client.post(f"/disaster/events/{event.pk}/city-report/", {"kind": "verified", "text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert "灾情稳定后、各县区核报齐全才能汇总核报" in html and text in html
    bad = client.post(
        f"/disaster/events/{event.pk}/adjustment/", {"factor": "abc", "reason": "敏感时期（保留）"}
    )
    assert (
        bad.status_code == 400
        and "系数须为数字" in bad.content.decode()
        and "敏感时期（保留）" in bad.content.decode()
    )
    level = web("yicheng").post(
        f"/disaster/events/{event.pk}/county-level/?county={event.counties.get().county_id}",
        {"level": "III", "reason": ""},
    )
    assert level.status_code == 400 and "依据/说明：该字段是必填项。" in level.content.decode()


def test_event_choices_for_linking_lists_active_events(clock, open_event, persona):
    from disaster.selectors import event_choices_for_linking

    active = open_event("yicheng", title="进行中的灾害")
    stable = open_event("xiping", title="已稳定的灾害")
    event_declare_stable(event=stable, actor=persona("city_yjj"))
    closed = open_event("shangcai", title="已结束的灾害")
    type(closed).objects.filter(pk=closed.pk).update(status="closed")
    assert event_choices_for_linking() == [(stable.pk, "已稳定的灾害"), (active.pk, "进行中的灾害")]


def test_admin_pages(clock, web, open_event, submit):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 1}))
    admin = web("admin")
    for url in (
        "/admin/disaster/disastertype/",
        "/admin/disaster/event/",
        "/admin/disaster/report/",
        "/admin/disaster/ledgerperson/",
        f"/admin/disaster/event/{event.pk}/change/",
    ):
        assert admin.get(url).status_code == 200, url
    assert admin.get("/admin/disaster/report/add/").status_code == 403
