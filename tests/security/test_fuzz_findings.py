"""Regression tests for what the API fuzzing (tests/fuzz, `make fuzz`) found; each was a 500 or
a response that contradicted /api/schema/. Listed in docs/reliability.md."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from portal.access import OrgUnitPolicy
from portal.models import OrgUnit


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/subsidies/enterprises/null,null/",
        "/api/v1/assistance/households/abc/",
        "/api/v1/disaster/events/1.5/aggregate/",
        "/api/v1/supervision/tasks/null/reports/",
        "/api/v1/org/units/x/",
        "/api/v1/assistance/persons/1792635286193910892305263362048/unmask/",
        "/api/v1/hotline/orders/99999999999999999999/",
        "/api/v1/subsidies/applications/99999999999999999999/attachments/",
    ],
)
def test_a_non_numeric_or_huge_id_is_404_not_500(api, url):
    client = api("admin")
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, {}, format="json").status_code in (404, 405)


def test_every_router_id_segment_is_numeric():
    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    keys = list(walk(get_resolver().url_patterns))
    assert not [k for k in keys if "(?P<pk>[^/.]+)" in k or "(?P<pk>\\d+)" in k]
    assert not [k for k in keys if k.startswith("api/") and "<int:" in k]


def test_policy_get_with_a_non_numeric_id_is_404(persona):
    from django.http import Http404

    with pytest.raises(Http404):
        OrgUnitPolicy().get(persona("admin"), pk="null,null")
    with pytest.raises(Http404):
        OrgUnitPolicy().get(persona("admin"), pk=10**30)
    assert OrgUnitPolicy().get(persona("admin"), pk=OrgUnit.objects.get(code="yicheng").pk).code == "yicheng"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/subsidies/match/",
        "/api/v1/subsidies/enterprises/1/records/project/",
        "/api/v1/disaster/assess/",
    ],
)
def test_options_on_a_view_without_serializer_class_is_200(api, url):
    response = api("admin").options(url)
    assert response.status_code == 200
    assert response.json()["name"]


def test_http_trace_is_405_not_the_trace_action(api):
    """The aid-payment action was a method called `trace`, which DRF took for the TRACE handler."""
    client = api("admin")
    assert client.generic("TRACE", "/api/v1/disaster/relief/aid-payments/").status_code == 405
    assert client.generic("TRACE", "/api/v1/disaster/relief/aid-payments/1/").status_code == 405


def test_order_rule_set_is_nullable_in_the_schema(api):
    schema = api("admin").get("/api/schema/?format=json").json()
    assert schema["components"]["schemas"]["Order"]["properties"]["rule_set"]["nullable"] is True


def test_schema_matches_the_routing_and_classify_answers(api):
    """GET …/orders/{id}/routing/ answers a list (the schema said a page); POST
    …/households/{id}/classify/ answers the classification (the schema said the household)."""
    paths = api("admin").get("/api/schema/?format=json").json()["paths"]
    routing = paths["/api/v1/hotline/orders/{id}/routing/"]["get"]
    assert routing["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert not [p for p in routing.get("parameters", []) if p["name"] == "cursor"]
    classify = paths["/api/v1/assistance/households/{id}/classify/"]["post"]["responses"]["200"]
    ref = classify["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/AssistHouseholdClassification")
