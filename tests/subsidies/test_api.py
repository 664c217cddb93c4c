"""The API: the public evaluate contract (api.md), the registry and applications, access by
department and jurisdiction (404 outside, 403 visible-but-not-yours), idempotency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from subsidies.models import Application, Enterprise
from subsidies.services.matching import entitlements_match
from tests.subsidies import factories as f

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
EVAL = "/api/v1/subsidies/evaluate/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime(2025, 6, 16, 10, 0, tzinfo=SH), tick=False) as traveller:
        yield traveller


# --- evaluate -------------------------------------------------------------------------------


def test_evaluate_e1b_response_fields(api):
    r = api("city_gxj").post(
        EVAL,
        {
            "clause": "E1b",
            "date": "2025-03-01",
            "facts": {
                "total_investment": "120000000",
                "fixed_asset_investment": "250000000",
                "tax_per_mu": "150000",
                "in_production": True,
            },
        },
        format="json",
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"eligible", "amount", "cap", "rule_set", "explanation"}
    assert body["eligible"] is True and body["amount"] == "1000000.00" and body["cap"] == "1000000.00"
    assert body["rule_set"] == {"key": "subsidies.policy.A", "version": 1, "valid_from": "2024-06-11"}
    assert "0.5 % × 250,000,000.00 = 1,250,000.00" in body["explanation"]


def test_evaluate_t1_example_of_the_issue(api):
    r = api("outsider").post(
        EVAL, {"clause": "T1", "facts": {"total_investment": "30000000", "in_operation": True}}, format="json"
    )
    assert r.status_code == 200  # rule evaluation is usable by any authenticated user (api.md)
    assert (
        r.json()["amount"] == "1500000.00" and "5 % × 30,000,000.00 = 1,500,000.00" in r.json()["explanation"]
    )
    assert r.json()["rule_set"]["key"] == "subsidies.policy.B"


def test_evaluate_e4b_and_e6_and_t12(api):
    c = api("city_czj")
    e4b = c.post(
        EVAL,
        {"clause": "E4b", "facts": {"loan_balance": "10000000", "lpr_1y": "0.0345", "subsidy_year": 4}},
        format="json",
    ).json()
    assert e4b["eligible"] is False and e4b["amount"] == "0.00" and e4b["cap"] == "3000000.00"
    e6 = c.post(
        EVAL,
        {"clause": "E6", "facts": {"booth_fee": "100000", "received_this_year": "100000"}},
        format="json",
    ).json()
    assert e6["eligible"] is False and e6["amount"] == "0.00"
    trains = [{"kind": "high_speed", "passengers": 200, "paid_scenic_spots": 2, "days": 2, "nights": 1}] * 7
    t12 = c.post(EVAL, {"clause": "T12", "facts": {"trains": trains}}, format="json").json()
    assert t12["amount"] == "190000.00" and t12["cap"] == "250000.00"


@pytest.mark.parametrize("clause", ["E1a", "E1c", "E3a", "E3b", "T5", "E7", "E9"])
def test_case_by_case_clauses_are_a_400_naming_the_clause(api, clause):
    r = api("city_gxj").post(EVAL, {"clause": clause, "facts": {}}, format="json")
    assert r.status_code == 400
    message = r.json()["clause"][0]
    assert clause in message and "一事一议" in message


def test_unknown_clause_is_a_400(api):
    r = api("city_gxj").post(EVAL, {"clause": "E8", "facts": {}}, format="json")
    assert r.status_code == 400 and "E8" in r.json()["clause"][0]


@pytest.mark.parametrize(
    "body",
    [
        {"clause": "E1b", "facts": {"total_investment": "x"}},
        {"clause": "E1b", "facts": "not an object"},
        {"clause": "E1b", "date": "2025-13-01", "facts": {}},
        {"facts": {}},
        {"clause": "T12", "facts": {"trains": [{"kind": "bus"}]}},
    ],
)
def test_bad_input_is_a_400_never_a_500(api, body):
    r = api("city_gxj").post(EVAL, body, format="json")
    assert r.status_code == 400, r.content
    assert r.json()


def test_bad_facts_are_named(api):
    r = api("city_gxj").post(
        EVAL,
        {"clause": "E4b", "facts": {"loan_balance": "1", "lpr_1y": "3.45", "subsidy_year": 1}},
        format="json",
    )
    assert r.status_code == 400 and "facts.lpr_1y" in r.json()


def test_date_outside_the_validity_is_not_payable(api):
    facts = {
        "total_investment": "120000000",
        "fixed_asset_investment": "100000000",
        "tax_per_mu": "150000",
        "in_production": True,
    }
    r = api("city_gxj").post(EVAL, {"clause": "E1b", "date": "2027-06-11", "facts": facts}, format="json")
    body = r.json()
    assert (
        r.status_code == 200
        and body["eligible"] is False
        and body["amount"] == "0.00"
        and body["rule_set"] is None
    )
    assert any("不在政策有效期" in line for line in body["explanation"])
    on_last_day = (
        api("city_gxj")
        .post(EVAL, {"clause": "E1b", "date": "2027-06-10", "facts": facts}, format="json")
        .json()
    )
    assert on_last_day["eligible"] is True


def test_anonymous_is_401(api):
    r = api(None).post(EVAL, {"clause": "E1b", "facts": {}}, format="json")
    assert r.status_code == 401 and r.has_header("WWW-Authenticate")


def test_evaluate_has_no_side_effects_and_replays_with_idempotency_key(api):
    client = api("city_gxj")
    body = {"clause": "E6", "facts": {"booth_fee": "100000"}}
    a = client.post(EVAL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    b = client.post(EVAL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert a.status_code == b.status_code == 200 and a.content == b.content
    c = client.post(EVAL, {**body, "facts": {"booth_fee": "1"}}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert c.status_code == 422
    assert Application.objects.count() == 0


# --- registry -------------------------------------------------------------------------------


def test_enterprise_create_validates_the_credit_code(api, unit):
    client = api("city_gxj")
    base = {"name": "驻马店新芯半导体有限公司", "industry": "semiconductors", "county": unit("xiping").pk}
    bad = client.post(
        "/api/v1/subsidies/enterprises/", {**base, "credit_code": "9144030071526726XH"}, format="json"
    )
    assert bad.status_code == 400 and "校验位错误" in bad.json()["credit_code"][0]
    ok = client.post(
        "/api/v1/subsidies/enterprises/", {**base, "credit_code": "9144030071526726xg"}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["credit_code"] == "9144030071526726XG"
    dup = client.post(
        "/api/v1/subsidies/enterprises/", {**base, "credit_code": "9144030071526726XG"}, format="json"
    )
    assert dup.status_code == 400 and "已登记" in dup.json()["credit_code"][0]
    no_county = client.post(
        "/api/v1/subsidies/enterprises/",
        {**base, "county": None, "credit_code": "91110000802100433B"},
        format="json",
    )
    assert no_county.status_code == 400 and "county" in no_county.json()


def test_enterprise_create_is_refused_to_outsiders_and_other_departments(api, unit):
    body = {"name": "X", "industry": "ai", "county": unit("yicheng").pk, "credit_code": "91110000802100433B"}
    assert api("outsider").post("/api/v1/subsidies/enterprises/", body, format="json").status_code == 403
    assert api("city_yjj").post("/api/v1/subsidies/enterprises/", body, format="json").status_code == 403


def test_registry_is_scoped_by_county_and_enterprise(api, ent, unit):
    other = f.EnterpriseFactory(county=unit("xiping"))
    ids = lambda who: {e["id"] for e in api(who).get("/api/v1/subsidies/enterprises/").json()["results"]}  # noqa: E731
    assert ids("city_gxj") == {ent.pk, other.pk}
    assert ids("yicheng") == {ent.pk}
    assert ids("xiping") == {other.pk}
    assert ids("outsider") == set()
    assert ids("city_yjj") == set()  # another department sees nothing here
    assert api("xiping").get(f"/api/v1/subsidies/enterprises/{ent.pk}/").status_code == 404
    assert api("outsider").get(f"/api/v1/subsidies/enterprises/{ent.pk}/").status_code == 404
    user = f.enterprise_user(ent)
    client = api(None)
    client.force_authenticate(user)
    assert {e["id"] for e in client.get("/api/v1/subsidies/enterprises/").json()["results"]} == {ent.pk}
    assert client.get(f"/api/v1/subsidies/enterprises/{other.pk}/").status_code == 404


def test_records_are_added_through_the_api(api, ent, project):
    client = api("city_gxj")
    r = client.post(
        f"/api/v1/subsidies/enterprises/{ent.pk}/records/equipment/",
        {
            "project": project.pk,
            "name": "光刻机",
            "invoice_no": "A1",
            "invoice_date": "2025-03-01",
            "amount_excl_tax": "5000000.00",
        },
        format="json",
    )
    assert r.status_code == 201
    foreign = f.ProjectFactory()
    r = client.post(
        f"/api/v1/subsidies/enterprises/{ent.pk}/records/equipment/",
        {
            "project": foreign.pk,
            "name": "x",
            "invoice_no": "A2",
            "invoice_date": "2025-03-01",
            "amount_excl_tax": "1",
        },
        format="json",
    )
    assert r.status_code == 400 and "project" in r.json()
    r = client.post(f"/api/v1/subsidies/enterprises/{ent.pk}/records/train/", {}, format="json")
    assert r.status_code == 400
    assert (
        api("xiping")
        .post(f"/api/v1/subsidies/enterprises/{ent.pk}/records/loan/", {}, format="json")
        .status_code
        == 404
    )


# --- applications ---------------------------------------------------------------------------


def _apply(client, ent, project, except_=()):
    return client.post(
        "/api/v1/subsidies/applications/",
        {
            "enterprise": ent.pk,
            "clause": "E4a",
            "project": project.pk,
            "materials": f.all_materials("E4a", except_=except_),
        },
        format="json",
    )


def test_enterprise_applies_with_facts_from_the_registry(api, ent, project, ent_user):
    f.EquipmentFactory(project=project)
    client = api(None)
    client.force_authenticate(ent_user)
    r = _apply(client, ent, project)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "applied" and body["calculated_amount"] == "1000000.00"
    assert body["facts"]["equipment_purchase"] == "20000000.00"
    again = _apply(client, ent, project)
    assert again.status_code == 400 and "不能重复申请" in again.json()["clause"][0]
    other = f.EnterpriseFactory()
    assert _apply(client, other, f.ProjectFactory(enterprise=other)).status_code == 404


def test_actions_by_department_with_404_403_409(api, ent, project, ent_user, wgly):
    f.EquipmentFactory(project=project)
    client = api(None)
    client.force_authenticate(ent_user)
    app_id = _apply(client, ent, project).json()["id"]
    url = f"/api/v1/subsidies/applications/{app_id}/"
    gxj, czj = api("city_gxj"), api("city_czj")
    culture = api(None)
    culture.force_authenticate(wgly)
    assert culture.get(url).status_code == 404  # 市文广旅局 does not see electronic-information files
    assert api("xiping").get(url).status_code == 404
    assert api("outsider").get(url).status_code == 404
    assert api("yicheng").get(url).status_code == 200  # the enterprise's county sees it
    assert api("yicheng").post(url + "check_materials/", {}, format="json").status_code == 403
    assert czj.post(url + "check_materials/", {}, format="json").status_code == 403  # not the lead department
    assert client.post(url + "check_materials/", {}, format="json").status_code == 403  # nor the applicant
    assert gxj.post(url + "pay/", {"payment_ref": "x"}, format="json").status_code == 403
    assert czj.post(url + "pay/", {"payment_ref": "x"}, format="json").status_code == 409
    r = gxj.post(url + "check_materials/", {"note": "齐全"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "materials_checked"
    assert gxj.post(url + "check_materials/", {}, format="json").status_code == 409
    assert gxj.post(url + "dept_review/", {}, format="json").json()["status"] == "dept_reviewed"
    assert gxj.post(url + "fiscal_review/", {}, format="json").status_code == 403
    assert czj.post(url + "fiscal_review/", {}, format="json").json()["status"] == "fiscal_reviewed"
    approved = gxj.post(url + "approve/", {}, format="json").json()
    assert approved["status"] == "approved" and approved["approved_amount"] == "1000000.00"
    assert "pay" in czj.get(url).json()["actions"]
    assert czj.post(url + "pay/", {"payment_ref": ""}, format="json").status_code == 400
    assert czj.post(url + "pay/", {"payment_ref": "ZF-9"}, format="json").json()["status"] == "paid"
    assert czj.post(url + "audit/", {}, format="json").status_code == 403
    assert api("auditor").post(url + "audit/", {}, format="json").json()["status"] == "audited"
    assert gxj.post(url + "fly/", {}, format="json").status_code == 400


def test_proposals_are_hidden_from_the_enterprise_until_pushed(api, ent, project, ent_user):
    f.EquipmentFactory(project=project)
    entitlements_match()
    app = Application.objects.get()
    client = api(None)
    client.force_authenticate(ent_user)
    assert client.get(f"/api/v1/subsidies/applications/{app.pk}/").status_code == 404
    assert (
        api("city_gxj").post(f"/api/v1/subsidies/applications/{app.pk}/push/", {}, format="json").status_code
        == 200
    )
    assert client.get(f"/api/v1/subsidies/applications/{app.pk}/").json()["status"] == "pushed"
    assert (
        client.post(f"/api/v1/subsidies/applications/{app.pk}/confirm/", {}, format="json").status_code == 403
    )


def test_match_endpoint(api, ent, project):
    f.EquipmentFactory(project=project)
    assert api("outsider").post("/api/v1/subsidies/match/").status_code == 403
    assert api("yicheng").post("/api/v1/subsidies/match/").status_code == 403
    r = api("city_gxj").post("/api/v1/subsidies/match/")
    assert r.status_code == 200 and r.json()["created"] == 1


def test_catalogue_endpoint(api):
    body = api("city_gxj").get("/api/v1/subsidies/catalogue/").json()
    docs = {d["code"]: d for d in body["results"]}
    assert docs["A"]["valid_from"] == "2024-06-11" and docs["A"]["valid_to"] == "2027-06-10"
    assert docs["B"]["valid_from"] == "2024-07-30" and docs["B"]["valid_to"] is None
    e4a = next(c for c in docs["A"]["clauses"] if c["id"] == "E4a")
    assert (
        e4a["cap"] == "10000000.00" and e4a["cap_scope"] == "enterprise" and e4a["fiscal_level"] == "受益财政"
    )
    assert e4a["materials"] and e4a["periodicity"] == "per_event"
    t10 = next(c for c in docs["B"]["clauses"] if c["id"] == "T10")
    assert t10["fiscal_level"].startswith("所在县") and t10["lead_units"] == ["fgw", "wgly"]
    assert api("city_gxj").get("/api/v1/subsidies/catalogue/?date=bad").status_code == 400


def test_list_applications_is_keyset_paginated(api, ent):
    for _ in range(3):
        f.ExhibitionFactory(enterprise=ent)
    entitlements_match()
    body = api("city_gxj").get("/api/v1/subsidies/applications/?page_size=2").json()
    assert set(body) >= {"results", "next", "previous"} and len(body["results"]) == 2 and body["next"]
    assert Enterprise.objects.count() == 1 and Decimal(body["results"][0]["calculated_amount"]) > 0


def test_attachments_through_the_api(api, ent, project, ent_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    f.EquipmentFactory(project=project)
    client = api(None)
    client.force_authenticate(ent_user)
    app_id = _apply(client, ent, project, except_=("银行账户信息",)).json()["id"]
    url = f"/api/v1/subsidies/applications/{app_id}/attachments/"
    pdf = b"%PDF-1.7\n%%EOF\n"
    r = client.post(
        url, {"material": "银行账户信息", "file": SimpleUploadedFile("bank.pdf", pdf)}, format="multipart"
    )
    assert r.status_code == 201 and r.json()["size"] == len(pdf)
    app = Application.objects.get(pk=app_id)
    assert {m["name"]: m["provided"] for m in app.materials}["银行账户信息"] is True
    bad = client.post(
        url,
        {"material": "银行账户信息", "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00")},
        format="multipart",
    )
    assert bad.status_code == 400 and "file" in bad.json()
    assert api("xiping").post(url, {"material": "x"}, format="multipart").status_code == 404
    assert (
        api("city_czj")
        .post(url, {"material": "x", "file": SimpleUploadedFile("b.pdf", pdf)}, format="multipart")
        .status_code
        == 403
    )
    api("city_gxj").post(f"/api/v1/subsidies/applications/{app_id}/check_materials/", {}, format="json")
    late = client.post(
        url, {"material": "银行账户信息", "file": SimpleUploadedFile("c.pdf", pdf)}, format="multipart"
    )
    assert late.status_code == 409


def test_garbage_amounts_are_a_400(api, ent, project, ent_user):
    f.EquipmentFactory(project=project)
    entitlements_match()
    app = Application.objects.get()
    gxj = api("city_gxj")
    r = gxj.post(f"/api/v1/subsidies/applications/{app.pk}/confirm/", {"amount": "一百万"}, format="json")
    assert r.status_code == 400 and "amount" in r.json()
    r = gxj.post(f"/api/v1/subsidies/applications/{app.pk}/confirm/", {"amount": "1000000.00"}, format="json")
    assert r.status_code == 200 and r.json()["approved_amount"] == "1000000.00"
