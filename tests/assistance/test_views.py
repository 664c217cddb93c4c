"""Pages: each one renders for the people who use it, is 404 for outsiders and other counties,
keeps what was typed on bad input, and lists without N+1 queries."""

from __future__ import annotations

from datetime import date

import pytest

from assistance.models import Application, Household, PaymentList, Warning
from assistance.services.applications import application_create, application_review
from assistance.services.ledger import payment_list_generate
from assistance.services.monitoring import warning_raise, warning_refer
from portal.models import AuditEntry, Membership, OrgUnit, Role, RuleSet, User

from .factories import household, make_id, person, village

pytestmark = pytest.mark.django_db


@pytest.fixture
def shuitun_household(persona):
    return household(
        members=[person("页面户主"), person("页面配偶", relation="spouse", female=True)],
        income_wage="6000",
        phone="13812345678",
        actor=persona("shuitun"),
    )


def test_pages_render_for_their_users(web, shuitun_household):
    h = shuitun_household
    township = web("shuitun")
    for url in (
        "/assistance/",
        "/assistance/households/",
        "/assistance/households/new/",
        f"/assistance/households/{h.pk}/",
        f"/assistance/households/{h.pk}/edit/",
        f"/assistance/households/{h.pk}/apply/",
        "/assistance/rescreen/",
        "/assistance/standards/",
        f"/assistance/publicity/{h.village_id}/",
    ):
        response = township.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans"' in response.content.decode()
    county = web("yicheng")
    for url in (
        "/assistance/dashboard/",
        "/assistance/payments/",
        "/assistance/import/",
        f"/assistance/households/{h.pk}/",
    ):
        assert county.get(url).status_code == 200, url
    mzj = web("city_mzj")
    for url in (
        "/assistance/dashboard/",
        "/assistance/households/",
        f"/assistance/households/{h.pk}/",
        "/assistance/import/",
    ):
        assert mzj.get(url).status_code == 200, url


def test_outsider_and_other_county_get_404(web, shuitun_household, persona):
    h = shuitun_household
    app = application_review(
        application=application_create(household=h, requested_tier="dibao", actor=None), actor=None
    )
    w = warning_raise(household=h, level="red", source="data", description="x", actor=None)
    plist = payment_list_generate(county=h.county, month=date(2024, 1, 1), actor=None)
    urls = [
        f"/assistance/households/{h.pk}/",
        f"/assistance/households/{h.pk}/edit/",
        f"/assistance/households/{h.pk}/apply/",
        f"/assistance/applications/{app.pk}/",
        f"/assistance/warnings/{w.pk}/",
        f"/assistance/payments/{plist.pk}/",
        f"/assistance/publicity/{h.village_id}/",
    ]
    for who in ("outsider", "xiping", "operator"):
        client = web(who)
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
        assert client.post(f"/assistance/applications/{app.pk}/refuse/", {"reason": "x"}).status_code == 404
        assert client.post(f"/assistance/warnings/{w.pk}/close/", {"conclusion": "x"}).status_code == 404
        pid = h.members.first().person_id
        assert client.post(f"/assistance/persons/{pid}/unmask/").status_code == 404
    assert web("outsider").get("/assistance/").status_code == 404
    assert web("outsider").get("/assistance/households/").status_code == 404
    assert web("outsider").get("/assistance/dashboard/").status_code == 404
    # The anonymous visitor is sent to the login page.
    anonymous = web(None).get(f"/assistance/households/{h.pk}/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # 市民政局 sees but may not act: 403.
    assert (
        web("city_mzj").post(f"/assistance/applications/{app.pk}/refuse/", {"reason": "x"}).status_code == 403
    )
    assert web("city_mzj").get(f"/assistance/households/{h.pk}/edit/").status_code == 403


def test_township_sees_only_its_villages(web, persona):
    mine = household(members=[person("本镇户")], actor=persona("shuitun"))
    other_township = household(village_unit=village("yicheng-t13", "沙河店村"), members=[person("邻镇户")])
    page = web("shuitun").get("/assistance/households/").content.decode()
    assert mine.code in page and other_township.code not in page
    assert web("shuitun").get(f"/assistance/households/{other_township.pk}/").status_code == 404
    county_page = web("yicheng").get("/assistance/households/").content.decode()
    assert mine.code in county_page and other_township.code in county_page


def test_household_page_shows_masked_ids_and_unmask_is_audited(web, shuitun_household):
    h = shuitun_household
    client = web("shuitun")
    page = client.get(f"/assistance/households/{h.pk}/").content.decode()
    p = h.members.order_by("position").first().person
    assert p.id_number not in page and p.masked_id in page
    assert "13812345678" not in page and "138****5678" in page
    response = client.post(f"/assistance/persons/{p.pk}/unmask/")
    assert response.status_code == 200 and p.id_number in response.content.decode()
    assert AuditEntry.objects.filter(action="assistance.person.unmask", object_id=str(p.pk)).exists()
    phone = client.post(f"/assistance/households/{h.pk}/phone/")
    assert "13812345678" in phone.content.decode()
    assert AuditEntry.objects.filter(action="assistance.household.unmask_phone").exists()
    # A GET does not unmask.
    assert client.get(f"/assistance/persons/{p.pk}/unmask/").status_code == 405


def test_department_staff_see_referred_household_masked_only(web, shuitun_household):
    h = shuitun_household
    staff = User.objects.create_user("ybj_x", password="Strong-pass-1")
    ybj = OrgUnit.objects.get(code="ybj")
    Membership.objects.create(user=staff, unit=ybj, role=Role.objects.get(code="city_staff"))
    from django.test import Client

    client = Client()
    client.force_login(staff)
    assert client.get(f"/assistance/households/{h.pk}/").status_code == 404
    w = warning_raise(
        household=h, level="yellow", source="data", need="medical", description="大病", actor=None
    )
    r = warning_refer(warning=w, department=ybj, note="医疗救助", actor=None)
    assert client.get("/assistance/referrals/").status_code == 200
    assert client.get(f"/assistance/referrals/{r.pk}/").status_code == 200
    page = client.get(f"/assistance/households/{h.pk}/").content.decode()
    assert "显示</button>" not in page  # no unmask button
    pid = h.members.first().person_id
    assert client.post(f"/assistance/persons/{pid}/unmask/").status_code == 403
    response = client.post(
        f"/assistance/referrals/{r.pk}/",
        {
            "action": "aid",
            "aid_type": "medical",
            "amount": "3000",
            "department": str(ybj.pk),
            "granted_on": "2024-07-01",
        },
    )
    assert response.status_code == 302
    assert h.aid_records.get().department == ybj
    client.post(f"/assistance/referrals/{r.pk}/", {"action": "respond", "response": "已救助"})
    r.refresh_from_db()
    assert r.status == "handled"
    assert (
        web("shuitun")
        .post(f"/assistance/referrals/{r.pk}/", {"action": "respond", "response": "x"})
        .status_code
        == 403
    )


def test_new_household_form_keeps_input_on_error(web, persona):
    v = village()
    data = {
        "village": str(v.pk),
        "area": "rural",
        "code": "",
        "income_wage": "12abc",
        "houses": "0",
        "vehicles": "0",
        "property_within_limits": "on",
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "30",
        "members-0-name": "表单户主",
        "members-0-id_number": "411702198001011235",
        "members-0-relation": "head",
        "members-0-labour_capacity": "full",
        "members-0-own_income": "0",
        "members-1-name": "表单子女",
        "members-1-id_number": make_id("20100101"),
        "members-1-relation": "child",
        "members-1-labour_capacity": "full",
        "members-1-own_income": "0",
    }
    response = web("shuitun").post("/assistance/households/new/", data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "校验位错误" in text and "应为金额" in text
    assert "表单户主" in text and "411702198001011235" in text and "12abc" in text
    assert not Household.objects.exists()
    data["income_wage"] = "12000"
    data["members-0-id_number"] = make_id("19800101")
    ok = web("shuitun").post("/assistance/households/new/", data)
    assert ok.status_code == 302
    h = Household.objects.get()
    assert h.members.count() == 2 and h.version == 1


def test_edit_requires_reason_and_detects_stale_version(web, shuitun_household):
    h = shuitun_household
    client = web("shuitun")
    form = client.get(f"/assistance/households/{h.pk}/edit/").context
    initial = {**form["form"].initial}
    members = form["formset"].initial
    data = {
        "village": str(h.village_id),
        "area": "rural",
        "code": h.code,
        "income_wage": "8000",
        "houses": "0",
        "vehicles": "0",
        "property_within_limits": "on",
        "version": str(initial["version"]),
        "reason": "",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": str(len(members)),
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "30",
    }
    for i, m in enumerate(members):
        data.update(
            {f"members-{i}-{k}": ("on" if v is True else "" if v is False else str(v)) for k, v in m.items()}
        )
    missing = client.post(f"/assistance/households/{h.pk}/edit/", data)
    assert missing.status_code == 200 and "8000" in missing.content.decode()
    data["reason"] = "收入核实"
    assert client.post(f"/assistance/households/{h.pk}/edit/", data).status_code == 302
    h.refresh_from_db()
    assert h.version == 2
    stale = client.post(f"/assistance/households/{h.pk}/edit/", {**data, "income_wage": "9000"})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()


def test_apply_page_shows_tier_with_explanation(web, shuitun_household):
    h = shuitun_household
    response = web("shuitun").post(
        f"/assistance/households/{h.pk}/apply/", {"requested_tier": "dibao", "consent_sequential": "on"}
    )
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assistance/applications/{app.pk}/"
    page = web("shuitun").get(f"/assistance/applications/{app.pk}/").content.decode()
    assert 'id="found-tier">最低生活保障对象（低保）</span>' in page
    assert (
        "人均收入 3000.00 元 &lt; 低保标准 5280.00 元" in page
        or "人均收入 3000.00 元 < 低保标准 5280.00 元" in page
    )
    publicity = web("shuitun").post(f"/assistance/applications/{app.pk}/publicity/")
    assert publicity.status_code == 302
    app.refresh_from_db()
    assert app.status == "publicity"
    # Wrong action for the state: a message, not a 500.
    again = web("shuitun").post(f"/assistance/applications/{app.pk}/publicity/", follow=True)
    assert again.status_code == 200 and "不能开始公示" in again.content.decode()


def test_warning_pages_and_actions(web, shuitun_household):
    h = shuitun_household
    client = web("shuitun")
    client.post(
        f"/assistance/households/{h.pk}/warn/",
        {"level": "orange", "source": "visit", "need": "housing", "description": "房屋漏雨"},
    )
    w = Warning.objects.get()
    assert client.get(f"/assistance/warnings/{w.pk}/").status_code == 200
    close = client.post(f"/assistance/warnings/{w.pk}/close/", {"conclusion": "x"}, follow=True)
    assert "须先入户核查" in close.content.decode()
    client.post(
        f"/assistance/warnings/{w.pk}/visit/",
        {"findings": "已入户", "conclusion": "qualifies", "visited_on": ""},
    )
    w.refresh_from_db()
    assert w.status == "visited"
    client.post(f"/assistance/warnings/{w.pk}/escalate/", {"reason": "复杂"})
    decide = web("shuitun").post(f"/assistance/warnings/{w.pk}/decide/", {"conclusion": "x"})
    assert decide.status_code == 403  # visible to the township, decided by the county
    assert (
        web("yicheng").post(f"/assistance/warnings/{w.pk}/decide/", {"conclusion": "住建局危改"}).status_code
        == 302
    )
    assert w.escalation.status == "decided"


def test_standards_admin_creates_version_and_requests_rescreen(web, persona):
    from django.utils import timezone

    admin = web("admin")
    data = {
        "scope": "yicheng",
        "valid_from": timezone.localdate().isoformat(),
        "urban_dibao": "7800",
        "urban_tekun": "10140",
        "rural_dibao": "5600",
        "rural_tekun": "7280",
        "near_dibao_multiplier": "1.5",
        "monitoring_line": "7300",
        "rigid_expenditure_share": "0.5",
        "reason": "",
    }
    bad = admin.post("/assistance/standards/", data)
    assert bad.status_code == 200 and "5600" in bad.content.decode()
    data["reason"] = "驿城区 2024 年提标"
    assert admin.post("/assistance/standards/", data).status_code == 302
    latest = RuleSet.objects.filter(key="assistance.standards").order_by("-version").first()
    assert latest.version == 2 and latest.params["counties"]["yicheng"]["rural"]["dibao"] == "5600.00"
    from assistance.models import RescreenRun

    assert RescreenRun.objects.filter(trigger="standard", counties=["yicheng"]).exists()
    assert web("yicheng").post("/assistance/standards/", data).status_code == 403
    assert "5600.00" in web("shuitun").get("/assistance/standards/").content.decode()


def test_payment_list_pages(web, persona):
    household(members=[person("发放户")], income_wage="1200", tier="dibao", tier_since=date(2025, 12, 1))
    county = web("yicheng")
    yicheng = OrgUnit.objects.get(code="yicheng")
    response = county.post("/assistance/payments/", {"county": str(yicheng.pk), "month": "2026-01"})
    plist = PaymentList.objects.get()
    assert response.status_code == 302 and plist.households == 1
    assert county.get(f"/assistance/payments/{plist.pk}/?format=xlsx")["Content-Type"].startswith(
        "application/vnd.openxml"
    )
    assert web("shuitun").post(f"/assistance/payments/{plist.pk}/").status_code == 404  # a county-level list
    assert web("xiping").get(f"/assistance/payments/{plist.pk}/").status_code == 404
    county.post(f"/assistance/payments/{plist.pk}/")
    plist.refresh_from_db()
    assert plist.status == "approved"


def test_household_list_query_count_is_constant(web, persona, django_assert_max_num_queries):
    officer = persona("shuitun")
    for i in range(15):
        household(members=[person(f"列表{i}"), person(f"成员{i}", relation="child")], actor=officer)
    client = web("shuitun")
    client.get("/assistance/households/")  # warm caches (content types, session)
    with django_assert_max_num_queries(16):
        response = client.get("/assistance/households/")
    assert response.status_code == 200 and response.content.decode().count("列表") == 15


def test_worklist_query_count_is_constant(web, persona, django_assert_max_num_queries):
    officer = persona("shuitun")
    for i in range(8):
        h = household(members=[person(f"工作{i}")], income_wage="2000", actor=officer)
        application_create(household=h, requested_tier="dibao", actor=officer)
        warning_raise(household=h, level="yellow", source="data", description="x", actor=officer)
    client = web("shuitun")
    client.get("/assistance/")
    with django_assert_max_num_queries(22):
        response = client.get("/assistance/")
    assert response.status_code == 200


def test_dashboard_counts_people_by_tier(web, persona):
    household(
        members=[person("看板一"), person("看板二", relation="spouse")],
        income_wage="1000",
        tier="dibao",
        tier_since=date(2025, 1, 15),
    )
    response = web("yicheng").get("/assistance/dashboard/")
    assert response.status_code == 200
    trend = response.context["trend"]
    assert trend["series"]["dibao"][-1] == 2
    assert "data-chart" in response.content.decode()
    assert web("shuitun").get("/assistance/dashboard/").status_code == 404


def test_dashboard_panel_and_admin_are_read_only(web, shuitun_household, persona):
    page = web("shuitun").get("/").content.decode()
    assert "低收入人口工作" in page and "进入乡镇工作台" in page
    admin = web("admin")
    assert admin.get("/admin/assistance/household/").status_code == 200
    assert admin.get(f"/admin/assistance/household/{shuitun_household.pk}/change/").status_code == 200
    assert admin.get("/admin/assistance/household/add/").status_code == 403
    assert admin.post(f"/admin/assistance/household/{shuitun_household.pk}/delete/").status_code == 403
