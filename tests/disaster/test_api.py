"""The disaster API: the public assess contract (api.md), events, reports, proposals, access."""

from datetime import date

import pytest

from disaster.models import Proposal, Report
from portal.models import OrgUnit
from portal.rulesets import ruleset_create_version, ruleset_in_force
from tests.disaster.conftest import T0, rows_for, towns

pytestmark = pytest.mark.django_db
ASSESS = "/api/v1/disaster/assess/"
ZERO = {
    "deaths": 0,
    "missing": 0,
    "relocated": 0,
    "needing_aid": 0,
    "collapsed_rooms": 0,
    "collapsed_households": 0,
    "drought_needing_aid": 0,
}


def test_assess_contract(api):
    response = api("outsider").post(ASSESS, {**ZERO, "deaths": 7, "missing": 5}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"level", "triggered", "rule_set", "explanation"}
    assert body["level"] == "III"
    assert body["triggered"] == [
        {"level": "IV", "indicator": "deaths", "value": 7, "threshold": 5},
        {"level": "III", "indicator": "deaths_missing", "value": 12, "threshold": 10},
    ]
    assert body["rule_set"] == {"key": "disaster.response_levels", "version": 1, "valid_from": "2024-01-01"}
    assert body["explanation"][-1].startswith("建议启动三级响应")
    assert any("不评估" in line for line in body["explanation"])


def test_assess_drought_share_with_a_given_population(api):
    body = (
        api("yicheng")
        .post(
            ASSESS, {**ZERO, "drought_needing_aid": 60000, "agricultural_population": 500000}, format="json"
        )
        .json()
    )
    assert body["level"] == "IV"
    assert body["triggered"] == [
        {"level": "IV", "indicator": "drought_share", "value": "0.1200", "threshold": "0.1000"}
    ]
    body = (
        api("yicheng")
        .post(ASSESS, {**ZERO, "drought_needing_aid": 60000, "agricultural_population": 0}, format="json")
        .json()
    )
    assert body["level"] is None and any("不评估" in line for line in body["explanation"])


def test_assess_uses_the_rule_set_in_force_on_the_date(api, persona):
    old = ruleset_in_force("disaster.response_levels")
    params = {**old.params, "agricultural_population": 1000000}
    params["levels"] = [dict(row, thresholds={**row["thresholds"]}) for row in old.params["levels"]]
    params["levels"][0]["thresholds"]["deaths"] = 3
    ruleset_create_version(
        key="disaster.response_levels",
        params=params,
        valid_from=date(2030, 1, 1),
        reason="测试新版本",
        actor=persona("admin"),
    )
    client = api("city_yjj")
    assert (
        client.post(ASSESS, {**ZERO, "deaths": 3, "date": "2029-12-31"}, format="json").json()["level"]
        is None
    )
    body = client.post(ASSESS, {**ZERO, "deaths": 3, "date": "2030-01-01"}, format="json").json()
    assert body["level"] == "IV" and body["rule_set"]["version"] == 2
    assert client.post(
        ASSESS, {**ZERO, "drought_needing_aid": 100000, "date": "2030-01-01"}, format="json"
    ).json()["triggered"][0] == {
        "level": "IV",
        "indicator": "drought_share",
        "value": "0.1000",
        "threshold": "0.1000",
    }


def test_assess_explains_in_english_on_request(api):
    body = (
        api("yicheng")
        .post(ASSESS, {**ZERO, "relocated": 5000}, format="json", HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert body["explanation"][-1].startswith("Suggested level: IV")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deaths": -1}, "deaths"),
        ({"deaths": "many"}, "deaths"),
        ({"deaths": 1.5}, "deaths"),
        ({"deaths": True}, "deaths"),
        ({"relocated": None}, "relocated"),
        ({"agricultural_population": -5}, "agricultural_population"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "1999-01-01"}, "date"),
    ],
)
def test_assess_bad_input_is_a_400_with_field_errors(api, change, field):
    response = api("yicheng").post(ASSESS, {**ZERO, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_assess_missing_field_and_garbage(api):
    body = {k: v for k, v in ZERO.items() if k != "missing"}
    response = api("yicheng").post(ASSESS, body, format="json")
    assert response.status_code == 400 and "missing" in response.json()
    response = api("yicheng").post(ASSESS, "{not json", content_type="application/json")
    assert response.status_code == 400 and "non_field_errors" in response.json()
    response = api("yicheng").post(ASSESS, [1, 2], format="json")
    assert response.status_code == 400


def test_assess_needs_authentication(api):
    response = api(None).post(ASSESS, ZERO, format="json")
    assert response.status_code == 401 and response.has_header("WWW-Authenticate")


def test_assess_accepts_an_idempotency_key(api):
    client = api("yicheng")
    first = client.post(ASSESS, {**ZERO, "deaths": 5}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(ASSESS, {**ZERO, "deaths": 5}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"


# --- events and reports -----------------------------------------------------------------


def _rows_payload(county, **per_town):
    return [{"township": t, **v} for t, v in rows_for(county, **per_town).items()]


def test_events_are_scoped_to_the_county(clock, api, open_event):
    mine = open_event("yicheng", title="驿城区暴雨")
    theirs = open_event("xiping", title="西平县冰雹", type="wind_hail")
    client = api("yicheng")
    listed = [e["id"] for e in client.get("/api/v1/disaster/events/").json()["results"]]
    assert listed == [mine.pk]
    assert client.get(f"/api/v1/disaster/events/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/disaster/events/{theirs.pk}/aggregate/").status_code == 404
    city = [e["id"] for e in api("city_mzj").get("/api/v1/disaster/events/").json()["results"]]
    assert set(city) == {mine.pk, theirs.pk}
    assert api("outsider").get("/api/v1/disaster/events/").json()["results"] == []
    assert api("outsider").get(f"/api/v1/disaster/events/{mine.pk}/").status_code == 404
    assert api(None).get("/api/v1/disaster/events/").status_code == 401


def test_open_an_event_through_the_api(clock, api):
    yicheng, xiping = OrgUnit.objects.get(code="yicheng"), OrgUnit.objects.get(code="xiping")
    payload = {
        "type": "flood",
        "title": "API 洪涝",
        "started_at": T0.isoformat(),
        "counties": [{"county": yicheng.pk}],
    }
    response = api("yicheng").post("/api/v1/disaster/events/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["counties"][0]["name"] == "驿城区"
    other = {**payload, "counties": [{"county": xiping.pk}]}
    assert api("yicheng").post("/api/v1/disaster/events/", other, format="json").status_code == 404
    assert api("outsider").post("/api/v1/disaster/events/", payload, format="json").status_code == 404
    bad = {**payload, "type": "volcano"}
    assert api("yicheng").post("/api/v1/disaster/events/", bad, format="json").status_code == 400


def test_file_a_report_idempotently(clock, api, open_event):
    event = open_event("yicheng")
    county = OrgUnit.objects.get(code="yicheng")
    payload = {
        "event": event.pk,
        "county": county.pk,
        "kind": "initial",
        "rows": _rows_payload("yicheng", t1={"affected": 100, "relocated_rt": 10, "relocated_cum": 10}),
    }
    client = api("yicheng")
    first = client.post("/api/v1/disaster/reports/", payload, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == 201, first.json()
    again = client.post("/api/v1/disaster/reports/", payload, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Report.objects.count() == 1
    changed = client.post(
        "/api/v1/disaster/reports/",
        {**payload, "kind": "continuing"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r-1",
    )
    assert changed.status_code == 422
    # the same body without a key but with the same client token files nothing new either
    token = {**payload, "client_token": "tok-1"}
    a = client.post("/api/v1/disaster/reports/", {**token, "kind": "continuing"}, format="json")
    b = client.post("/api/v1/disaster/reports/", {**token, "kind": "continuing"}, format="json")
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    assert Report.objects.count() == 2
    body = first.json()
    assert body["rows"][0]["direct_loss"] == "0.00" and body["totals"]["affected"] == "100"


def test_report_errors(clock, api, open_event):
    event = open_event("yicheng", "xiping")
    yicheng, xiping = OrgUnit.objects.get(code="yicheng"), OrgUnit.objects.get(code="xiping")
    t1 = towns("yicheng")[0]
    base = {"event": event.pk, "county": yicheng.pk, "kind": "initial"}
    client = api("yicheng")
    bad = client.post(
        "/api/v1/disaster/reports/",
        {**base, "rows": [{"township": t1.pk, "affected": 1, "deaths": 2}]},
        format="json",
    )
    assert bad.status_code == 400 and f"rows.{t1.pk}.deaths" in bad.json()
    unknown = client.post(
        "/api/v1/disaster/reports/", {**base, "rows": [{"township": t1.pk, "dead": 2}]}, format="json"
    )
    assert unknown.status_code == 400
    wrong_state = client.post(
        "/api/v1/disaster/reports/",
        {**base, "kind": "continuing", "rows": [{"township": t1.pk}]},
        format="json",
    )
    assert wrong_state.status_code == 409 and "初报" in wrong_state.json()["detail"]
    other = {**base, "county": xiping.pk, "rows": [{"township": towns("xiping")[0].pk}]}
    assert client.post("/api/v1/disaster/reports/", other, format="json").status_code == 404
    assert (
        api("city_yjj")
        .post("/api/v1/disaster/reports/", {**base, "rows": [{"township": t1.pk}]}, format="json")
        .status_code
        == 403
    )


def test_reports_are_scoped_and_corrected_through_the_api(clock, api, open_event, submit):
    event = open_event("yicheng", "xiping")
    mine = submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 10}))
    theirs = submit(event, "xiping", "initial", rows_for("xiping", t1={"affected": 20}))
    client = api("yicheng")
    assert [r["id"] for r in client.get("/api/v1/disaster/reports/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/v1/disaster/reports/{theirs.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/disaster/reports/{theirs.pk}/correct/",
            {"rows": [], "correction_reason": "x"},
            format="json",
        ).status_code
        == 404
    )
    t1 = towns("yicheng")[0]
    response = client.post(
        f"/api/v1/disaster/reports/{mine.pk}/correct/",
        {"rows": [{"township": t1.pk, "affected": 8}], "correction_reason": "重复统计"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["supersedes"] == mine.pk
    again = client.post(
        f"/api/v1/disaster/reports/{mine.pk}/correct/",
        {"rows": [{"township": t1.pk, "affected": 9}], "correction_reason": "再改"},
        format="json",
    )
    assert again.status_code == 409
    assert client.get(f"/api/v1/disaster/reports/{mine.pk}/").json()["superseded_by"] == response.json()["id"]
    agg = client.get(f"/api/v1/disaster/events/{event.pk}/aggregate/").json()
    assert agg["partial"] is True and agg["total"]["affected"] == 8 and len(agg["counties"]) == 1
    agg = (
        api("city_yjj")
        .get(f"/api/v1/disaster/events/{event.pk}/aggregate/?county={OrgUnit.objects.get(code='xiping').pk}")
        .json()
    )
    assert agg["total"]["affected"] == 28 and agg["townships"][0]["affected"] == 20


def test_proposals_api(clock, api, open_event, submit, persona):
    event = open_event("yicheng")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 6000, "relocated_cum": 5000}))
    proposal = Proposal.objects.get()
    assert api("yicheng").get("/api/v1/disaster/proposals/").json()["results"] == []
    assert api("yicheng").get(f"/api/v1/disaster/proposals/{proposal.pk}/").status_code == 404
    assert (
        api("yicheng")
        .post(
            f"/api/v1/disaster/proposals/{proposal.pk}/decide/",
            {"approve": True, "reason": "x"},
            format="json",
        )
        .status_code
        == 404
    )
    assert (
        api("outsider")
        .post(
            f"/api/v1/disaster/proposals/{proposal.pk}/decide/",
            {"approve": True, "reason": "x"},
            format="json",
        )
        .status_code
        == 404
    )
    assert (
        api("jzw_deputy")
        .post(
            f"/api/v1/disaster/proposals/{proposal.pk}/decide/",
            {"approve": True, "reason": "x"},
            format="json",
        )
        .status_code
        == 403
    )
    assert (
        api("admin")
        .post(
            f"/api/v1/disaster/proposals/{proposal.pk}/decide/",
            {"approve": True, "reason": "x"},
            format="json",
        )
        .status_code
        == 403
    )
    assert (
        api("jzw_office_deputy")
        .post(f"/api/v1/disaster/proposals/{proposal.pk}/decide/", {"approve": True}, format="json")
        .status_code
        == 400
    )
    ok = api("jzw_office_deputy").post(
        f"/api/v1/disaster/proposals/{proposal.pk}/decide/",
        {"approve": True, "reason": "同意"},
        format="json",
    )
    assert (
        ok.status_code == 200
        and ok.json()["status"] == "approved"
        and ok.json()["decided_role"] == "dr_office_deputy"
    )
    again = api("jzw_office_deputy").post(
        f"/api/v1/disaster/proposals/{proposal.pk}/decide/",
        {"approve": True, "reason": "同意"},
        format="json",
    )
    assert again.status_code == 409
    assert api("city_mzj").get(f"/api/v1/disaster/proposals/{proposal.pk}/").json()["level"] == "IV"
    assert api("yicheng").get(f"/api/v1/disaster/events/{event.pk}/").json()["current_level"] == "IV"


def test_openapi_schema_lists_the_disaster_endpoints(api):
    response = api("admin").get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/disaster/assess/" in text and "/api/v1/disaster/reports/{id}/correct/" in text


def test_township_officers_see_nothing(clock, api, open_event):
    event = open_event("yicheng")
    assert api("shuitun").get(f"/api/v1/disaster/events/{event.pk}/").status_code == 404
    assert api("shuitun").get("/api/v1/disaster/reports/").json()["results"] == []


def test_api_lists_do_not_query_per_row(clock, api, open_event, submit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        client = api("city_yjj")  # a fresh user each time: the grant lookups are counted every time
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    event = open_event("yicheng", "xiping")
    submit(event, "yicheng", "initial", rows_for("yicheng", t1={"affected": 1}))
    few = (
        count("/api/v1/disaster/events/"),
        count("/api/v1/disaster/reports/"),
        count("/api/v1/disaster/proposals/"),
    )
    for i in range(5):
        e = open_event("yicheng", "xiping", title=f"过程{i}")
        first = submit(e, "xiping", "initial", rows_for("xiping", t1={"affected": 2}, t2={"affected": 3}))
        submit(
            e,
            "xiping",
            "initial",
            rows_for("xiping", t1={"affected": 2}),
            supersedes=first,
            correction_reason="更正",
        )
    many = (
        count("/api/v1/disaster/events/"),
        count("/api/v1/disaster/reports/"),
        count("/api/v1/disaster/proposals/"),
    )
    assert many == few
