"""API shell: token auth, error format, org units, idempotency keys, OpenAPI."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from portal.api.idempotency import IdempotentMixin
from portal.models import IdempotencyRecord
from portal.personas import DEMO_PASSWORD


def test_token_login_and_use(persona):
    persona("yicheng")
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "yicheng", "password": DEMO_PASSWORD}, format="json"
    )
    assert response.status_code == 200 and set(response.json()) == {"token"}
    client.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    assert client.get("/api/v1/org/units/").status_code == 200
    bad = APIClient().post("/api/v1/auth/token/", {"username": "yicheng", "password": "wrong"}, format="json")
    assert bad.status_code == 400 and "non_field_errors" in bad.json()


def test_anonymous_gets_401_with_www_authenticate(db):
    response = APIClient().get("/api/v1/org/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_org_units_list_and_filters(api):
    client = api("yicheng")
    body = client.get("/api/v1/org/units/", {"kind": "county", "page_size": 50}).json()
    assert set(body) == {"results", "next", "previous"}
    names = {u["name"] for u in body["results"]}
    assert len(names) == 13 and "市高新技术产业开发区" in names
    first = body["results"][0]
    assert set(first) >= {"id", "name", "kind", "parent", "handles_orders"}
    handlers = client.get("/api/v1/org/units/", {"handles_orders": "true", "page_size": 200}).json()[
        "results"
    ]
    assert {"国网驻马店供电公司", "市住房和城乡建设局", "西平县"} <= {u["name"] for u in handlers}
    assert all(u["handles_orders"] for u in handlers)
    search = client.get("/api/v1/org/units/", {"search": "水屯"}).json()["results"]
    assert [u["name"] for u in search] == ["水屯镇"]
    # Another county's townships are outside the jurisdiction.
    assert api("xiping").get("/api/v1/org/units/", {"search": "水屯"}).json()["results"] == []


def test_org_units_paginate_with_cursor(api):
    client = api("admin")
    page1 = client.get("/api/v1/org/units/", {"page_size": 10}).json()
    assert len(page1["results"]) == 10 and page1["next"] and page1["previous"] is None
    page2 = client.get(page1["next"]).json()
    assert not {u["id"] for u in page1["results"]} & {u["id"] for u in page2["results"]}


@pytest.fixture
def echo_url(settings):
    """A throwaway POST endpoint that creates a row, to exercise Idempotency-Key."""
    return "/api/v1/auth/token/"


def test_idempotency_key_replays_and_rejects_a_different_body(api, persona):
    persona("xiping")
    client = api("yicheng")
    body = {"username": "xiping", "password": DEMO_PASSWORD}
    first = client.post("/api/v1/auth/token/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/auth/token/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 200
    assert json.loads(again.content) == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.count() == 1
    other = client.post(
        "/api/v1/auth/token/", {**body, "password": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422
    # Keys are per user: another user may reuse the same key.
    third = api("admin").post("/api/v1/auth/token/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert third.status_code == 200 and "Idempotent-Replayed" not in third


def _api_views(patterns=None, prefix=""):
    resolver = get_resolver().url_patterns if patterns is None else patterns
    for entry in resolver:
        if isinstance(entry, URLResolver):
            yield from _api_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            if (
                cls is not None
                and hasattr(cls, "as_view")
                and (prefix + str(entry.pattern)).startswith("api/v1/")
            ):
                yield prefix + str(entry.pattern), cls


def test_every_api_view_supports_idempotency_keys():
    missing = [route for route, cls in _api_views() if not issubclass(cls, IdempotentMixin)]
    assert missing == []


def test_openapi_schema_and_offline_docs(api, client, db):
    schema = api("admin").get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert "/api/v1/org/units/" in schema.json()["paths"]
    docs = api("admin").get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger" in html.lower() and "//cdn" not in html and "https://" not in html.split("<body")[0]
