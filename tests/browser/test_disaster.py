"""Browser tests of the disaster app (issue 3): a county officer files an initial report with
two townships and is told about an inconsistent row; a city official opens the proposal and
activates level IV."""

from django.utils import timezone

from disaster.models import DisasterType, Event, LevelChange, Proposal, Report
from disaster.services import events as ev
from disaster.services import reports as rsvc
from portal.models import OrgUnit


def _event(persona, *codes):
    return ev.event_open(
        actor=persona("city_yjj"),
        type=DisasterType.objects.get(code="flood"),
        title="驿城区暴雨洪涝（浏览器测试）",
        started_at=timezone.now(),
        counties=[ev.CountyStart(OrgUnit.objects.get(code=c), timezone.now()) for c in codes],
    )


def test_county_officer_files_an_initial_report_with_two_townships(login, page, persona, screenshot):
    event = _event(persona, "yicheng")
    towns = rsvc.townships_of(OrgUnit.objects.get(code="yicheng"))
    login("yicheng")
    page.goto(f"/disaster/events/{event.pk}/")
    page.get_by_role("link", name="驿城区：报送初报").click()
    page.wait_for_url(f"**/disaster/events/{event.pk}/file/**")
    assert page.locator("h1").inner_text() == "驿城区 · 初报"

    def cell(town, field):
        return page.locator(f'input[name="r-{town.pk}-{field}"]')

    # 人民街街道: consistent
    cell(towns[0], "affected").fill("1200")
    cell(towns[0], "relocated_rt").fill("300")
    cell(towns[0], "relocated_cum").fill("300")
    cell(towns[0], "housed_rt").fill("120")
    cell(towns[0], "housed_cum").fill("120")
    # 东风街道: more people centrally housed than relocated — inconsistent
    cell(towns[1], "affected").fill("800")
    cell(towns[1], "relocated_rt").fill("50")
    cell(towns[1], "relocated_cum").fill("50")
    cell(towns[1], "housed_rt").fill("80")
    cell(towns[1], "housed_cum").fill("50")
    # totals as you type
    assert page.locator('[data-total="affected"]').inner_text() == "2,000"
    message = page.locator(
        "#check-results li", has_text="东风街道：集中安置人口实时值 80 人超过紧急转移安置人口实时值 50 人"
    )
    message.wait_for()
    assert page.locator(f'td.invalid input[name="r-{towns[1].pk}-housed_rt"]').count() == 1
    assert page.locator("#save-status").inner_text().startswith("草稿已保存")
    screenshot("disaster-file-inline-check")

    # submitting anyway is refused with the same message; nothing typed is lost
    page.click("#submit-report")
    page.wait_for_selector("#error-summary")
    assert (
        "集中安置人口实时值 80 人超过紧急转移安置人口实时值 50 人"
        in page.locator("#error-summary").inner_text()
    )
    assert cell(towns[1], "housed_rt").input_value() == "80"
    assert cell(towns[0], "affected").input_value() == "1200"
    assert Report.objects.count() == 0

    # correct the row and submit
    cell(towns[1], "housed_rt").fill("40")
    page.locator("#check-results li").first.wait_for(state="detached")
    page.fill('textarea[name="description"]', "暴雨致两个街道内涝，已转移群众 350 人。")
    page.click("#submit-report")
    page.wait_for_url("**/disaster/reports/**")
    report = Report.objects.get()
    assert report.kind == "initial" and report.row_count == 2
    assert page.locator("h1").inner_text() == "驿城区 · 初报"
    assert page.locator("#report-rows tbody tr").count() == 2
    assert page.locator("#report-rows tfoot").inner_text().split()[1] == "2,000"
    screenshot("disaster-report-submitted")
    # the refused submission was answered with HTTP 400 (the form re-rendered): the only console line
    assert [e for e in page.js_errors if "status of 400" not in e] == []


def test_city_official_opens_the_proposal_and_activates_level_four(login, page, persona, screenshot):
    persona("jzw_office_deputy")
    event = _event(persona, "yicheng", "xiping")
    yicheng = OrgUnit.objects.get(code="yicheng")
    rsvc.report_submit(
        event=event,
        county=yicheng,
        kind="initial",
        rows={
            rsvc.townships_of(yicheng)[0].pk: {"affected": 8000, "relocated_rt": 5200, "relocated_cum": 5200}
        },
        actor=persona("yicheng"),
    )
    proposal = Proposal.objects.get()
    assert proposal.level == "IV"

    login("jzw_office_deputy")
    page.goto("/disaster/proposals/")
    page.get_by_role("link", name="决定").click()
    page.wait_for_url(f"**/disaster/proposals/{proposal.pk}/")
    assert "建议启动" in page.locator("h1").inner_text()
    assert "紧急转移安置人数 5,200 人，达到“5,000 人以上”" in page.locator(".explain").first.inner_text()
    screenshot("disaster-proposal")
    page.get_by_role("radio", name="同意", exact=True).check()
    page.fill('textarea[name="reason"]', "灾情达到四级响应启动条件，同意启动四级响应。")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#decide-submit")
    page.wait_for_url("**/notice/")
    assert "关于启动驻马店市自然灾害救助四级应急响应的通知" in page.locator("#notice h1").inner_text()
    assert "驻减灾办〔" in page.locator("#notice .number").inner_text()
    screenshot("disaster-notice")

    event.refresh_from_db()
    assert event.current_level == "IV"
    change = LevelChange.objects.get()
    assert change.decided_by.username == "jzw_office_deputy" and change.decided_role == "dr_office_deputy"
    page.goto(event.get_absolute_url())
    assert page.locator("#city-level").inner_text() == "四级"
    assert page.locator("#timeline").get_by_text("决定启动四级响应").count() == 1
    screenshot("disaster-event")
    assert page.js_errors == []
    assert Event.objects.count() == 1
