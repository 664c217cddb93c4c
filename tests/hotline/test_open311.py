"""Open311 GeoReport v2: responses validated against the standard's schemas; form-encoded POST
with api_key; standard filters; confidential orders never appear; the key command."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jsonschema
import pytest
from django.core.management import call_command
from django.utils import timezone

from hotline import services
from hotline.models import Order
from hotline.services.open311 import open311_key_issue
from tests.hotline import open311_schemas as schema

BASE = "/open311/v2/"
CHECKER = jsonschema.FormatChecker()


def valid(data, sch):
    jsonschema.validate(data, sch, format_checker=CHECKER)
    return data


@pytest.fixture
def key(db):
    return open311_key_issue(name="测试客户端")[1]


def post(client, data):
    return client.post(BASE + "requests.json", data)  # form-encoded, as the standard says


def test_discovery_and_services(client, db):
    valid(client.get(BASE + "discovery.json").json(), schema.DISCOVERY)
    services_ = valid(client.get(BASE + "services.json").json(), schema.SERVICE_LIST)
    codes = {s["service_code"]: s for s in services_}
    assert codes["utility-water"]["service_name"] == "供水" and codes["utility-water"]["group"] == "水电气热"
    definition = valid(client.get(BASE + "services/utility-water.json").json(), schema.SERVICE_DEFINITION)
    assert {a["code"] for a in definition["attributes"]} == {"confidential", "reply_wanted", "kind"}
    missing = client.get(BASE + "services/nope.json")
    assert missing.status_code == 404
    valid(missing.json(), schema.ERRORS)


def test_post_creates_order_at_once_with_token(client, key, db):
    r = post(
        client,
        {
            "api_key": key,
            "service_code": "urban-road",
            "lat": "32.98",
            "long": "114.02",
            "address_string": "驿城区雪松路口",
            "description": "路面塌陷一个大坑",
            "first_name": "三",
            "last_name": "张",
            "phone": "13800001234",
        },
    )
    assert r.status_code == 201, r.content
    data = valid(r.json(), schema.POST_RESPONSE)[0]
    order = Order.objects.get(pk=int(data["service_request_id"]))
    assert order.channel == "open311" and order.kind == "help"  # the service's default kind
    assert order.caller_name == "张三" and order.status == "received"
    assert order.dispatch_due_at is not None
    token = valid(client.get(f"{BASE}tokens/{data['token']}.json").json(), schema.TOKENS)
    assert token[0]["service_request_id"] == data["service_request_id"]
    one = valid(client.get(f"{BASE}requests/{order.pk}.json").json(), schema.REQUESTS)
    assert one[0]["status"] == "open" and one[0]["lat"] == 32.98
    assert "13800001234" not in str(one) and "张三" not in str(one)


def test_post_errors_use_the_standard_format(client, key, db):
    for data, code in [
        ({"service_code": "urban-road", "address_string": "x"}, 403),
        ({"api_key": "wrong", "service_code": "urban-road", "address_string": "x"}, 403),
        ({"api_key": key, "service_code": "nope", "address_string": "x"}, 400),
        ({"api_key": key, "service_code": "urban-road"}, 400),
        (
            {
                "api_key": key,
                "service_code": "urban-road",
                "address_string": "x",
                "attribute[kind]": "gossip",
            },
            400,
        ),
        ({"api_key": key, "service_code": "urban-road", "lat": "999", "long": "1"}, 400),
    ]:
        r = post(client, data)
        assert r.status_code == code, (data, r.content)
        errors = valid(r.json(), schema.ERRORS)
        assert errors[0]["code"] == code
    assert Order.objects.count() == 0


def test_kind_attribute_sets_time_limit_kind(client, key, db):
    r = post(
        client,
        {
            "api_key": key,
            "service_code": "urban-road",
            "address_string": "x",
            "attribute[kind]": "complaint",
            "description": "投诉",
        },
    )
    assert Order.objects.get(pk=int(r.json()[0]["service_request_id"])).kind == "complaint"


def test_confidential_orders_never_appear(client, key, db, persona):
    r = post(
        client,
        {
            "api_key": key,
            "service_code": "urban-road",
            "address_string": "保密地址",
            "description": "保密诉求",
            "attribute[confidential]": "true",
            "phone": "13911112222",
        },
    )
    secret = r.json()[0]
    assert Order.objects.get(pk=int(secret["service_request_id"])).confidential is True
    public = post(
        client,
        {
            "api_key": key,
            "service_code": "urban-road",
            "address_string": "公开地址",
            "description": "公开诉求",
        },
    ).json()[0]
    listing = valid(client.get(BASE + "requests.json").json(), schema.REQUESTS)
    assert [x["service_request_id"] for x in listing] == [public["service_request_id"]]
    assert client.get(f"{BASE}requests/{secret['service_request_id']}.json").status_code == 404
    assert client.get(f"{BASE}tokens/{secret['token']}.json").status_code == 404
    by_id = client.get(
        BASE
        + f"requests.json?service_request_id={secret['service_request_id']},{public['service_request_id']}"
    )
    assert [x["service_request_id"] for x in by_id.json()] == [public["service_request_id"]]
    assert "13911112222" not in str(listing) and "保密" not in str(listing)


def test_states_map_to_open_closed_with_agency_and_expected(client, db, persona, unit):
    op, clerk = persona("operator"), persona("clerk_zjj")
    o = services.order_create(actor=op, kind="consultation", description="咨询", subject="urban-housing")
    services.order_dispatch(order=o, actor=op, lead_unit=unit("zjj"))
    services.order_sign(order=o, actor=clerk)
    answered = services.order_create(
        actor=op, kind="consultation", description="已答复", subject="urban-housing"
    )
    services.order_answer(order=answered, actor=op, content="答复")
    rows = {
        r["service_request_id"]: r for r in valid(client.get(BASE + "requests.json").json(), schema.REQUESTS)
    }
    signed = rows[str(o.pk)]
    o.refresh_from_db()
    assert signed["status"] == "open" and signed["agency_responsible"] == "市住房和城乡建设局"
    assert signed["expected_datetime"] == timezone.localtime(o.due_at).isoformat(timespec="seconds")
    assert rows[str(answered.pk)]["status"] == "closed"
    assert [r["service_request_id"] for r in client.get(BASE + "requests.json?status=closed").json()] == [
        str(answered.pk)
    ]
    assert [r["service_request_id"] for r in client.get(BASE + "requests.json?status=open").json()] == [
        str(o.pk)
    ]
    assert client.get(BASE + "requests.json?service_code=utility-water").json() == []
    assert len(client.get(BASE + "requests.json?service_code=utility-water,urban-housing").json()) == 2


def test_request_filters_validate_dates(client, db):
    r = client.get(BASE + "requests.json?start_date=2024-01-01T00:00:00Z&end_date=2024-12-31T00:00:00Z")
    assert r.status_code == 400 and "90" in valid(r.json(), schema.ERRORS)[0]["description"]
    assert client.get(BASE + "requests.json?start_date=yesterday").status_code == 400
    assert client.get(BASE + "requests.json?status=pending").status_code == 400
    ok = client.get(
        BASE + "requests.json?start_date=2024-11-01T00:00:00%2B08:00&end_date=2024-11-30T00:00:00%2B08:00"
    )
    assert ok.status_code == 200 and ok.json() == []
    assert client.get(BASE + "requests.xml").status_code == 400
    assert client.get(BASE + "requests/abc.json").status_code == 404
    assert client.get(BASE + "tokens/not-a-uuid.json").status_code == 404


def test_issue_key_command_prints_key_on_last_line(db):
    out = io.StringIO()
    call_command("open311_issue_key", "省级12345平台", stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", last)
    from hotline.services.open311 import open311_client_for

    assert open311_client_for(last).name == "省级12345平台"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_round_trip_with_the_georeport_client(live_server):
    """`georeport` (PyPI) is the only Python 3 Open311 client that installs here; it reads
    (services, definitions, requests) but cannot POST, so the POST goes form-encoded with
    `requests`, exactly as a client application would send it."""
    import requests
    from georeport import GeoReport

    key = open311_key_issue(name="round trip")[1]
    root = live_server.url + "/open311/v2"
    client = GeoReport(root)
    services_ = client.get_service_list()
    valid(services_, schema.SERVICE_LIST)
    assert any(s["service_code"] == "environment-noise" for s in services_)
    definition = client.get_service_definition("environment-noise")
    valid(definition, schema.SERVICE_DEFINITION)
    created = requests.post(
        root + "/requests.json",
        data={
            "api_key": key,
            "service_code": "environment-noise",
            "address_string": "驿城区解放路",
            "description": "广场舞音响太吵",
            "attribute[kind]": "complaint",
        },
        timeout=10,
    )
    assert created.status_code == 201
    request_id = created.json()[0]["service_request_id"]
    fetched = client.get_service_request(request_id)  # the client unwraps the one-element list
    valid([fetched], schema.REQUESTS)
    assert fetched["description"] == "广场舞音响太吵" and fetched["status"] == "open"
    listed = client.get_service_requests(service_code="environment-noise", status="open")
    assert [r["service_request_id"] for r in listed] == [request_id]


def _pinned_orders(persona, unit):
    """Three public orders with every field fixed (one dispatched with a unit and a due time, one
    closed without a subject's unit, one without location or subject) and a confidential one."""
    op = persona("operator")
    at = datetime(2024, 10, 8, 9, 30, 15, 654321, tzinfo=UTC)
    made = []
    for i, fields in enumerate(
        [
            {
                "status": "signed",
                "lead_unit": unit("zjj"),
                "county": unit("yicheng"),
                "address": "雪松路 8 号",
                "latitude": Decimal("32.980123"),
                "longitude": Decimal("114.020456"),
                "signed_at": at + timedelta(hours=1),
                "due_at": at + timedelta(days=5, hours=3),
            },
            {"status": "closed", "county": None, "address": "", "latitude": None, "longitude": None},
            {"status": "received", "subject": None, "county": unit("yicheng"), "address": ""},
            {"status": "received", "confidential": True, "address": "保密地址"},
        ]
    ):
        o = services.order_create(
            actor=op, kind="consultation", description=f"诉求 “{i}”\n第二行 <b>&</b>", subject="urban-housing"
        )
        Order.objects.filter(pk=o.pk).update(
            received_at=at + timedelta(hours=i), status_at=at + timedelta(days=1, minutes=i), **fields
        )
        made.append(o.pk)
    return made


PINNED_ORDER = (
    '{"service_request_id":"%d","status":"open","status_notes":"已签收办理中","service_name":"住房与物业",'
    '"service_code":"urban-housing","description":"诉求 “0”\\n第二行 <b>&</b>","agency_responsible":"市住房和城乡建设局",'
    '"service_notice":"","requested_datetime":"2024-10-08T17:30:15+08:00",'
    '"updated_datetime":"2024-10-09T17:30:15+08:00","expected_datetime":"2024-10-13T20:30:15+08:00",'
    '"address":"驿城区 雪松路 8 号","address_id":"","zipcode":"","lat":32.980123,"long":114.020456,"media_url":""}'
)


PINNED_CLOSED = (
    '{"service_request_id":"%d","status":"closed","status_notes":"已办结","service_name":"住房与物业",'
    '"service_code":"urban-housing","description":"诉求 “1”\\n第二行 <b>&</b>","agency_responsible":"驻马店市12345热线中心",'
    '"service_notice":"","requested_datetime":"2024-10-08T18:30:15+08:00",'
    '"updated_datetime":"2024-10-09T17:31:15+08:00","expected_datetime":null,'
    '"address":"","address_id":"","zipcode":"","lat":null,"long":null,"media_url":""}'
)
PINNED_NO_SUBJECT = (
    '{"service_request_id":"%d","status":"open","status_notes":"已受理待派单","service_name":"",'
    '"service_code":"","description":"诉求 “2”\\n第二行 <b>&</b>","agency_responsible":"驻马店市12345热线中心",'
    '"service_notice":"","requested_datetime":"2024-10-08T19:30:15+08:00",'
    '"updated_datetime":"2024-10-09T17:32:15+08:00","expected_datetime":null,'
    '"address":"驿城区","address_id":"","zipcode":"","lat":null,"long":null,"media_url":""}'
)


def test_request_json_is_pinned_byte_for_byte(client, db, persona, unit):
    """The exact bytes of the list and the detail: a faster implementation must not change them."""
    a, b, c, secret = _pinned_orders(persona, unit)
    window = "start_date=2024-10-08T00:00:00%2B08:00&end_date=2024-10-09T00:00:00%2B08:00"
    listing = client.get(f"{BASE}requests.json?{window}")
    assert listing.status_code == 200 and listing["Content-Type"] == "application/json"
    expected = [PINNED_NO_SUBJECT % c, PINNED_CLOSED % b, PINNED_ORDER % a]  # newest first
    assert listing.content.decode() == "[" + ",".join(expected) + "]"
    detail = client.get(f"{BASE}requests/{a}.json")
    assert detail.content.decode() == "[" + PINNED_ORDER % a + "]"
    assert client.get(f"{BASE}requests/{secret}.json").status_code == 404
    by_id = client.get(f"{BASE}requests.json?service_request_id={secret},{c},{a},{b}")
    assert by_id.content == listing.content
