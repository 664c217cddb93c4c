"""The API: `POST /api/v1/assistance/classify/` exactly as api.md says, and the app's own
endpoints with their access rules (outsider: 404 / empty / 403)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistance.models import Application, Household
from portal.models import AuditEntry, OrgUnit
from portal.rulesets import ruleset_create_version, ruleset_in_force

from .factories import household, make_id, person, village

pytestmark = pytest.mark.django_db
URL = "/api/v1/assistance/classify/"


def body(**over):
    data = {
        "area": "rural",
        "household_income": "12000",
        "rigid_expenditure": "0",
        "property_within_limits": True,
        "monitoring": None,
        "members": [
            {
                "age": 45,
                "labour_capacity": "full",
                "disability_grade": None,
                "disability_category": None,
                "serious_illness": False,
                "has_able_supporter": False,
                "employed": True,
                "own_income": "12000",
            },
            {
                "age": 20,
                "labour_capacity": "none",
                "disability_grade": 2,
                "disability_category": "physical",
                "serious_illness": False,
                "has_able_supporter": True,
                "employed": False,
                "own_income": "0",
            },
        ],
    }
    data.update(over)
    return data


def test_classify_contract_shape_and_single_person(api):
    response = api("outsider").post(URL, body(), format="json")  # any authenticated user
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["tier"] == "dibao" and data["single_person"] == 1
    assert [c["tier"] for c in data["checks"]] == ["extreme_poverty", "dibao"]
    assert [c["passed"] for c in data["checks"]] == [False, True]
    assert all(isinstance(c["reason"], str) and c["reason"] for c in data["checks"])
    assert data["rule_set"] == {"key": "assistance.standards", "version": 1, "valid_from": "2024-01-01"}
    assert isinstance(data["explanation"], list) and data["explanation"][0].startswith("适用标准")
    assert data["per_capita_income"] == "6000.00"
    assert data["standards"]["dibao_standard"] == "5280.00" and data["standards"]["source"] == "全市默认·农村"


def test_classify_requires_authentication(api):
    response = api(None).post(URL, body(), format="json")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"area": "suburb"}, "area"),
        ({"household_income": "abc"}, "household_income"),
        ({"household_income": "-1"}, "household_income"),
        ({"members": []}, "members"),
        ({"monitoring": "poor"}, "monitoring"),
        ({"county": "不存在县"}, "county"),
        ({"county": "999999"}, "county"),
        ({"date": "2023-06-01"}, "date"),
        ({"dibao_standard": "0"}, "dibao_standard"),
        ({"members": [{"age": -1, "labour_capacity": "full"}]}, "members"),
        ({"members": [{"age": 30, "labour_capacity": "some"}]}, "members"),
        ({"members": [{"age": 30, "labour_capacity": "full", "disability_grade": 5}]}, "members"),
    ],
)
def test_classify_bad_input_is_400_with_field_errors(api, patch, field):
    response = api("outsider").post(URL, body(**patch), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_classify_missing_required_fields(api):
    response = api("yicheng").post(URL, {"area": "rural"}, format="json")
    assert response.status_code == 400
    assert {"household_income", "rigid_expenditure", "property_within_limits", "members"} <= set(
        response.json()
    )
    assert api("yicheng").post(URL, "not json", content_type="application/json").status_code == 400


def test_classify_county_by_id_or_exact_name_and_override(api, persona):
    admin = persona("admin")
    params = dict(ruleset_in_force("assistance.standards").params)
    params["counties"] = {
        **params["counties"],
        "xiping": {
            "urban": {"dibao": "8000.00", "tekun": "10400.00"},
            "rural": {"dibao": "6500.00", "tekun": "8450.00"},
        },
    }
    ruleset_create_version(
        key="assistance.standards",
        params=params,
        valid_from=date(2024, 6, 1),
        reason="西平县调标",
        actor=admin,
    )
    xiping = OrgUnit.objects.get(code="xiping")
    one = {"household_income": "6400", "members": [{"age": 40, "labour_capacity": "full"}]}
    by_name = api("outsider").post(URL, body(county="西平县", **one), format="json").json()
    by_id = api("outsider").post(URL, body(county=xiping.pk, **one), format="json").json()
    by_id_text = api("outsider").post(URL, body(county=str(xiping.pk), **one), format="json").json()
    assert by_name["tier"] == by_id["tier"] == by_id_text["tier"] == "dibao"  # 6400 < 6500
    assert by_name["rule_set"]["version"] == 2
    assert by_name["standards"]["source"] == "西平县·农村"
    city = api("outsider").post(URL, body(**one), format="json").json()
    assert city["tier"] == "near_dibao"  # city default 5280 ≤ 6400 < 7920
    # The date picks the rule set in force that day.
    before = api("outsider").post(URL, body(county="西平县", date="2024-05-31", **one), format="json").json()
    assert before["tier"] == "near_dibao" and before["rule_set"]["version"] == 1
    # dibao_standard overrides the configured standard.
    override = (
        api("outsider").post(URL, body(county="西平县", dibao_standard="6000", **one), format="json").json()
    )
    assert override["tier"] == "near_dibao" and override["standards"]["dibao_standard"] == "6000.00"
    # A county that is not a county is a 400.
    assert api("outsider").post(URL, body(county="水屯镇"), format="json").status_code == 400


def test_classify_sudden_alone_is_other_and_several_single_persons(api):
    sudden = (
        api("outsider")
        .post(
            URL,
            body(
                monitoring="sudden",
                household_income="60000",
                members=[{"age": 40, "labour_capacity": "full"}],
            ),
            format="json",
        )
        .json()
    )
    assert sudden["tier"] == "other"
    assert sudden["checks"][-2] == {**sudden["checks"][-2], "tier": "rigid_expenditure", "passed": False}
    several = (
        api("outsider")
        .post(
            URL,
            body(
                household_income="18000",
                members=[
                    {"age": 70, "labour_capacity": "none"},
                    {"age": 40, "labour_capacity": "partial", "serious_illness": True},
                    {
                        "age": 20,
                        "labour_capacity": "none",
                        "disability_grade": 1,
                        "disability_category": "mental",
                    },
                ],
            ),
            format="json",
        )
        .json()
    )
    assert several["single_person"] == 1 and several["other_single_persons"] == [2]
    assert "另有 成员 3 也符合单人保条件" in "".join(several["explanation"])


def test_classify_numbers_accepted_as_json_numbers(api):
    response = api("outsider").post(URL, body(household_income=15839.99, rigid_expenditure=0), format="json")
    assert response.status_code == 200
    assert response.json()["per_capita_income"] == "7919.995"


def test_classify_idempotency_key_replays(api):
    client = api("yicheng")
    first = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(URL, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.json() == second.json() and second["Idempotent-Replayed"] == "true"
    assert client.post(URL, body(area="urban"), format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code == 422


# --- households, persons ------------------------------------------------------------------------


def household_body(v, **over):
    data = {
        "village": v.pk,
        "area": "rural",
        "income_wage": "6000",
        "members": [{"id_number": make_id("19700101"), "name": "接口户主", "relation": "head"}],
        "reason": "接口新建",
    }
    data.update(over)
    return data


def test_household_create_list_detail_and_outsider(api, persona):
    v = village()
    client = api("shuitun")
    created = client.post("/api/v1/assistance/households/", household_body(v), format="json")
    assert created.status_code == 201, created.json()
    hid = created.json()["id"]
    member = created.json()["members"][0]
    assert member["id_number_masked"].count("*") == 8 and "id_number" not in member
    listed = client.get("/api/v1/assistance/households/").json()
    assert [h["id"] for h in listed["results"]] == [hid] and "next" in listed
    assert client.get(f"/api/v1/assistance/households/{hid}/").status_code == 200
    # Outsider, another county, a hotline operator: nothing visible, 404 on the object.
    for other in ("outsider", "xiping", "operator"):
        assert api(other).get("/api/v1/assistance/households/").json()["results"] == []
        assert api(other).get(f"/api/v1/assistance/households/{hid}/").status_code == 404
        assert api(other).post(f"/api/v1/assistance/households/{hid}/classify/").status_code == 404
    assert (
        api("outsider").post("/api/v1/assistance/households/", household_body(v), format="json").status_code
        == 403
    )
    # A county officer of another county cannot create in a village outside their county.
    bad = api("xiping").post("/api/v1/assistance/households/", household_body(v), format="json")
    assert bad.status_code == 400 and "village" in bad.json()
    # 市民政局 sees the city.
    assert api("city_mzj").get(f"/api/v1/assistance/households/{hid}/").status_code == 200
    # Another city bureau does not.
    assert api("city_gxj").get(f"/api/v1/assistance/households/{hid}/").status_code == 404


def test_household_create_bad_input_400_chinese(api):
    v = village()
    response = api("shuitun").post(
        "/api/v1/assistance/households/",
        household_body(v, members=[{"id_number": "123", "name": "", "relation": "head"}]),
        format="json",
    )
    assert response.status_code == 400
    data = response.json()
    assert "members" in data or "members.0.id_number" in data


def test_household_update_with_version_conflict(api, persona):
    h = household(actor=persona("shuitun"))
    client = api("shuitun")
    detail = client.get(f"/api/v1/assistance/households/{h.pk}/").json()
    member = h.members.first().person
    payload = household_body(
        h.village,
        members=[{"id_number": member.id_number, "name": member.name, "relation": "head"}],
        income_wage="7000",
        reason="收入核实",
        version=detail["version"],
    )
    ok = client.put(f"/api/v1/assistance/households/{h.pk}/", payload, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.put(
        f"/api/v1/assistance/households/{h.pk}/", {**payload, "income_wage": "8000"}, format="json"
    )
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    assert (
        api("xiping").put(f"/api/v1/assistance/households/{h.pk}/", payload, format="json").status_code == 404
    )
    # 市民政局 may view but not edit: a visible object it may not act on is 403.
    assert (
        api("city_mzj").put(f"/api/v1/assistance/households/{h.pk}/", payload, format="json").status_code
        == 403
    )


def test_household_search_by_id_and_name(api, persona):
    target = person("上官婉")
    h = household(members=[target], actor=persona("shuitun"))
    client = api("shuitun")
    assert [
        r["id"]
        for r in client.get("/api/v1/assistance/households/", {"q": target.id_number}).json()["results"]
    ] == [h.pk]
    assert [
        r["id"] for r in client.get("/api/v1/assistance/households/", {"q": "上官"}).json()["results"]
    ] == [h.pk]
    assert client.get("/api/v1/assistance/households/", {"q": "司马"}).json()["results"] == []


def test_unmask_roles_and_audit(api, persona):
    h = household(actor=persona("shuitun"))
    pid = h.members.first().person_id
    url = f"/api/v1/assistance/persons/{pid}/unmask/"
    ok = api("shuitun").post(url)
    assert ok.status_code == 200 and len(ok.json()["id_number"]) == 18
    assert AuditEntry.objects.filter(action="assistance.person.unmask", object_id=str(pid)).count() == 1
    assert api("city_mzj").post(url).status_code == 200
    assert api("outsider").post(url).status_code == 404
    assert api("xiping").post(url).status_code == 404
    # A department the warning was referred to sees the household, masked only.
    from assistance.services.monitoring import warning_raise, warning_refer
    from portal.models import Membership, Role, User

    staff = User.objects.create_user("rsj_staff", password="Strong-pass-1")
    Membership.objects.create(
        user=staff, unit=OrgUnit.objects.get(code="rsj"), role=Role.objects.get(code="city_staff")
    )
    w = warning_raise(
        household=h, level="yellow", source="data", need="employment", description="失业", actor=None
    )
    warning_refer(warning=w, department=OrgUnit.objects.get(code="rsj"), note="就业援助", actor=None)
    from rest_framework.test import APIClient

    dept = APIClient()
    dept.force_authenticate(staff)
    assert dept.get(f"/api/v1/assistance/households/{h.pk}/").status_code == 200
    assert dept.post(url).status_code == 403
    assert AuditEntry.objects.filter(action="assistance.person.unmask").count() == 2


# --- applications, warnings, aid ----------------------------------------------------------------


def test_application_flow_via_api(api, persona):
    h = household(
        members=[person("接口甲"), person("接口乙", relation="spouse")],
        income_wage="6000",
        actor=persona("shuitun"),
    )
    client = api("shuitun")
    created = client.post(
        "/api/v1/assistance/applications/", {"household": h.pk, "requested_tier": "dibao"}, format="json"
    )
    assert created.status_code == 201 and created.json()["outcome"] == "match"
    aid = created.json()["id"]
    wrong = client.post(f"/api/v1/assistance/applications/{aid}/confirm/", {}, format="json")
    assert wrong.status_code == 409 and wrong.json()["detail"]
    assert (
        client.post(f"/api/v1/assistance/applications/{aid}/publicity/", {}, format="json").json()["status"]
        == "publicity"
    )
    obj = client.post(
        f"/api/v1/assistance/applications/{aid}/objection/", {"content": "有异议"}, format="json"
    )
    assert obj.status_code == 201
    resolved = client.post(
        f"/api/v1/assistance/applications/{aid}/resolve-objection/",
        {"objection": obj.json()["id"], "upheld": False, "resolution": "不属实"},
        format="json",
    )
    assert resolved.json()["status"] == "rejected"
    tmp = client.post(
        f"/api/v1/assistance/applications/{aid}/temporary-aid/",
        {"amount": "300.00", "note": "先行"},
        format="json",
    )
    assert tmp.status_code == 201 and tmp.json()["amount"] == "300.00"
    for other in ("outsider", "xiping"):
        assert api(other).get(f"/api/v1/assistance/applications/{aid}/").status_code == 404
        assert (
            api(other)
            .post(f"/api/v1/assistance/applications/{aid}/refuse/", {"reason": "x"}, format="json")
            .status_code
            == 404
        )
        assert (
            api(other)
            .post(
                "/api/v1/assistance/applications/",
                {"household": h.pk, "requested_tier": "dibao"},
                format="json",
            )
            .status_code
            == 404
        )
    # 市民政局 sees it, may not act on it.
    assert api("city_mzj").get(f"/api/v1/assistance/applications/{aid}/").status_code == 200
    assert (
        api("city_mzj")
        .post(f"/api/v1/assistance/applications/{aid}/refuse/", {"reason": "x"}, format="json")
        .status_code
        == 403
    )
    refused = client.post(f"/api/v1/assistance/applications/{aid}/refuse/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    assert Application.objects.get(pk=aid).status == "publicity"


def test_warning_flow_via_api(api, persona):
    h = household(actor=persona("shuitun"))
    client = api("shuitun")
    created = client.post(
        "/api/v1/assistance/warnings/",
        {"household": h.pk, "level": "red", "source": "data", "need": "medical", "description": "大病"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["overdue"] is False
    wid = created.json()["id"]
    assert (
        client.post(
            f"/api/v1/assistance/warnings/{wid}/close/", {"conclusion": "x"}, format="json"
        ).status_code
        == 409
    )
    ybj = OrgUnit.objects.get(code="ybj")
    assert (
        client.post(
            f"/api/v1/assistance/warnings/{wid}/refer/",
            {"department": ybj.pk, "note": "医疗救助"},
            format="json",
        ).status_code
        == 201
    )
    visited = client.post(
        f"/api/v1/assistance/warnings/{wid}/visit/",
        {"findings": "已入户", "conclusion": "qualifies"},
        format="json",
    )
    assert visited.json()["status"] == "visited"
    assert (
        client.post(
            f"/api/v1/assistance/warnings/{wid}/close/", {"conclusion": "已落实"}, format="json"
        ).json()["status"]
        == "closed"
    )
    for other in ("outsider", "xiping"):
        assert api(other).get(f"/api/v1/assistance/warnings/{wid}/").status_code == 404
        assert api(other).get("/api/v1/assistance/warnings/").json()["results"] == []
        assert (
            api(other)
            .post(f"/api/v1/assistance/warnings/{wid}/escalate/", {"reason": "x"}, format="json")
            .status_code
            == 404
        )
    bad = client.post(
        "/api/v1/assistance/warnings/",
        {"household": h.pk, "level": "purple", "source": "data", "description": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "level" in bad.json()


def test_aid_ledger_via_api_department_feedback(api, persona):
    from assistance.services.monitoring import warning_raise, warning_refer
    from portal.models import Membership, Role, User

    h = household(actor=persona("shuitun"))
    staff = User.objects.create_user("jyj_staff", password="Strong-pass-1")
    jyj = OrgUnit.objects.get(code="jyj")
    Membership.objects.create(user=staff, unit=jyj, role=Role.objects.get(code="city_staff"))
    from rest_framework.test import APIClient

    dept = APIClient()
    dept.force_authenticate(staff)
    payload = {"household": h.pk, "aid_type": "education", "amount": "1500.00", "granted_on": "2024-09-01"}
    assert dept.post("/api/v1/assistance/aid/", payload, format="json").status_code == 404  # not referred yet
    w = warning_raise(
        household=h, level="yellow", source="data", need="education", description="子女就学", actor=None
    )
    warning_refer(warning=w, department=jyj, note="教育救助", actor=None)
    created = dept.post("/api/v1/assistance/aid/", payload, format="json")
    assert created.status_code == 201 and created.json()["department"] == jyj.pk
    assert created.json()["layer"] == "special"
    # It flows back to the household: the township sees it on the household's ledger.
    listed = api("shuitun").get("/api/v1/assistance/aid/", {"household": h.pk}).json()["results"]
    assert [r["amount"] for r in listed] == ["1500.00"]
    assert api("outsider").get("/api/v1/assistance/aid/").json()["results"] == []
    assert api("outsider").post("/api/v1/assistance/aid/", payload, format="json").status_code == 404
    assert Household.objects.get(pk=h.pk).aid_records.get().amount == Decimal("1500.00")
