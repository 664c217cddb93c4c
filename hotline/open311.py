"""Open311 GeoReport v2 at /open311/v2/ (api.md "Open311 GeoReport v2"; hotline.md §10).

* Field names and the error format (`[{"code", "description"}]`) are the standard's.
* Each public subject category is a service; its default kind sets the time limit.
* POST is form-encoded and needs an `api_key` issued to the client application.
* Our states map to `open`/`closed`, the lead unit to `agency_responsible`, the handling due
  time to `expected_datetime`.
* Confidential callers' data never leaves: confidential orders are left out of every public GET
  (list, by id, token), and no caller field is ever output.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from hotline import services
from hotline.models import Category, Order
from hotline.models.choices import FINISHED, Channel, Kind
from hotline.services.open311 import open311_client_for
from portal.api.views import PortalAPIView
from portal.errors import Conflict, DomainError, RuleViolation

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
MAX_RESULTS = 1000
MAX_RANGE = timedelta(days=90)
TRUE = ("true", "1", "yes", "on")


class Open311Error(exceptions.APIException):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = code


class KeyThrottle(SimpleRateThrottle):
    """POSTs per registered client (its valid key), else per address (the anonymous-write rate
    of the settings, ANON_WRITE_RATE). An unknown or made-up key counts against the address:
    otherwise a new random key on every POST would get a fresh allowance each time."""

    scope = "anon_write"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.method != "POST":
            return None
        key = request.POST.get("api_key") or request.query_params.get("api_key") or ""
        client = open311_client_for(key) if key else None
        ident = f"client-{client.pk}" if client is not None else f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class Open311View(PortalAPIView):
    """Open311 is its own standard (documented by discovery.json), not part of /api/schema/."""

    schema = None
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    parser_classes = [FormParser, MultiPartParser]
    pagination_class = None
    throttle_classes = [KeyThrottle]

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Open311Error):
            return Response(
                [{"code": exc.status_code, "description": str(exc.detail)}], status=exc.status_code
            )
        if isinstance(exc, RuleViolation):
            text = "；".join(
                f"{k}: {m}" if k != "non_field_errors" else m for k, ms in exc.errors.items() for m in ms
            )
            return Response([{"code": 400, "description": text}], status=400)
        if isinstance(exc, Conflict):
            return Response([{"code": 409, "description": exc.message}], status=409)
        if isinstance(exc, DomainError):
            return Response([{"code": exc.status_code, "description": exc.message}], status=exc.status_code)
        if isinstance(exc, Http404):
            return Response([{"code": 404, "description": "未找到"}], status=404)
        response = super().handle_exception(exc)
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        response.data = [{"code": response.status_code, "description": str(detail)}]
        return response


def service_json(c: Category) -> dict[str, Any]:
    return {
        "service_code": c.code,
        "service_name": c.name,
        "description": c.description or f"{c.name}（默认诉求类型：{Kind(c.default_kind).label}）",
        "metadata": True,
        "type": "realtime",
        "keywords": c.keywords,
        "group": c.parent.name if c.parent_id else c.name,
    }


# Status labels exactly as `Order.get_status_display()` gives them, and the finished states as
# plain strings (a set of `Status` members would hash by member name, not by value).
STATUS_LABELS: dict[str, str] = {str(k): str(v) for k, v in Order._meta.get_field("status").flatchoices}
FINISHED_VALUES = frozenset(str(s) for s in FINISHED)
HOTLINE_CENTRE = "驻马店市12345热线中心"

# The columns a public request is built from, as one row per order (no model instances): the
# list renders 1,000 of them per request.
REQUEST_COLUMNS = (
    "id",
    "status",
    "description",
    "address",
    "latitude",
    "longitude",
    "received_at",
    "status_at",
    "due_at",
    "subject__code",
    "subject__name",
    "lead_unit__name",
    "county__name",
)


def public_rows() -> QuerySet[Order, tuple[Any, ...]]:
    """Public (non-confidential) orders as tuples of REQUEST_COLUMNS."""
    return Order.objects.filter(confidential=False).values_list(*REQUEST_COLUMNS)


def requests_json(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The Open311 request objects of `public_rows()` tuples. The fields and their formatting
    are the standard's: times in local time to the second, the lead unit as the agency, our
    states as open/closed with the state's name as the notes."""
    tz = timezone.get_current_timezone()
    out = []
    for (
        pk,
        state,
        description,
        address,
        lat,
        lon,
        received_at,
        status_at,
        due_at,
        subject_code,
        subject_name,
        unit_name,
        county_name,
    ) in rows:
        out.append(
            {
                "service_request_id": str(pk),
                "status": "closed" if state in FINISHED_VALUES else "open",
                "status_notes": STATUS_LABELS.get(state, state),
                "service_name": subject_name if subject_name is not None else "",
                "service_code": subject_code if subject_code is not None else "",
                "description": description,
                "agency_responsible": unit_name if unit_name is not None else HOTLINE_CENTRE,
                "service_notice": "",
                "requested_datetime": received_at.astimezone(tz).isoformat(timespec="seconds")
                if received_at
                else None,
                "updated_datetime": status_at.astimezone(tz).isoformat(timespec="seconds")
                if status_at
                else None,
                "expected_datetime": due_at.astimezone(tz).isoformat(timespec="seconds") if due_at else None,
                "address": " ".join(x for x in [county_name or "", address] if x),
                "address_id": "",
                "zipcode": "",
                "lat": float(lat) if lat is not None else None,
                "long": float(lon) if lon is not None else None,
                "media_url": "",
            }
        )
    return out


def public_orders() -> QuerySet[Order]:
    """Public (non-confidential) orders with only the id and the token (TokenView)."""
    return Order.objects.filter(confidential=False).only("id", "token")


def _one(qs: QuerySet[Order]) -> Order | None:
    """The row of a unique lookup, without the ORDER BY that `.first()` adds (compiling it
    costs more than the query on the detail endpoint)."""
    return next(iter(qs[:1]), None)


class DiscoveryView(Open311View):
    def get(self, request: Request) -> Response:
        base = request.build_absolute_uri("/open311/v2/")
        return Response(
            {
                "changeset": "2024-08-01T00:00:00+08:00",
                "contact": "驻马店市12345政务服务便民热线中心（拨打 12345）",
                "key_service": "API 密钥由市12345热线中心签发（管理后台或 manage.py open311_issue_key）",
                "endpoints": [
                    {
                        "specification": SPEC_URL,
                        "url": base,
                        "changeset": "2024-08-01T00:00:00+08:00",
                        "type": "production",
                        "formats": ["application/json"],
                    }
                ],
            }
        )


class ServiceListView(Open311View):
    def get(self, request: Request) -> Response:
        rows = (
            Category.objects.filter(active=True, public=True)
            .select_related("parent")
            .order_by("sort", "code")
        )
        return Response([service_json(c) for c in rows])


class ServiceDefinitionView(Open311View):
    def get(self, request: Request, code: str) -> Response:
        category = Category.objects.filter(code=code, active=True, public=True).first()
        if category is None:
            raise Open311Error(404, f"服务 {code} 不存在")
        boolean = [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}]
        return Response(
            {
                "service_code": category.code,
                "attributes": [
                    {
                        "variable": True,
                        "code": "confidential",
                        "datatype": "singlevaluelist",
                        "required": False,
                        "datatype_description": "true 或 false",
                        "order": 1,
                        "description": "诉求人要求个人信息保密（保密诉求不在公开查询中出现）",
                        "values": boolean,
                    },
                    {
                        "variable": True,
                        "code": "reply_wanted",
                        "datatype": "singlevaluelist",
                        "required": False,
                        "datatype_description": "true 或 false，默认 true",
                        "order": 2,
                        "description": "需要答复",
                        "values": boolean,
                    },
                    {
                        "variable": True,
                        "code": "kind",
                        "datatype": "singlevaluelist",
                        "required": False,
                        "datatype_description": f"默认 {category.default_kind}（决定办理时限）",
                        "order": 3,
                        "description": "诉求类型",
                        "values": [{"key": k, "name": label} for k, label in Kind.choices],
                    },
                ],
            }
        )


def _parse_when(value: str, field: str) -> datetime:
    parsed = parse_datetime(value.replace(" ", "+")) if value else None
    if parsed is None:
        raise Open311Error(400, f"{field} 应为 W3C 日期时间，例如 2024-09-01T00:00:00+08:00")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class RequestsView(Open311View):
    def get(self, request: Request) -> Response:
        p = request.query_params
        qs = public_rows()
        ids = [x for x in p.get("service_request_id", "").split(",") if x.strip()]
        if ids:
            if not all(x.strip().isdigit() for x in ids):
                raise Open311Error(400, "service_request_id 应为数字（可逗号分隔多个）")
            qs = qs.filter(pk__in=[int(x) for x in ids[:MAX_RESULTS]])
        else:
            end = _parse_when(p["end_date"], "end_date") if p.get("end_date") else timezone.now()
            start = _parse_when(p["start_date"], "start_date") if p.get("start_date") else end - MAX_RANGE
            if start > end:
                raise Open311Error(400, "start_date 不能晚于 end_date")
            if end - start > MAX_RANGE:
                raise Open311Error(400, "查询范围不能超过 90 天")
            qs = qs.filter(received_at__gte=start, received_at__lte=end)
            codes = [c for c in p.get("service_code", "").split(",") if c]
            if codes:
                qs = qs.filter(subject__code__in=codes)
            statuses = {s for s in p.get("status", "").split(",") if s}
            if statuses - {"open", "closed"}:
                raise Open311Error(400, "status 只能是 open 或 closed")
            if statuses == {"open"}:
                qs = qs.exclude(status__in=FINISHED)
            elif statuses == {"closed"}:
                qs = qs.filter(status__in=FINISHED)
        return Response(requests_json(qs.order_by("-pk")[:MAX_RESULTS]))

    def post(self, request: Request) -> Response:
        data = request.data
        client = open311_client_for(data.get("api_key", "") or request.query_params.get("api_key", ""))
        if client is None:
            raise Open311Error(403, "api_key 无效或缺失：请向市12345热线中心申请")
        code = data.get("service_code", "")
        category = Category.objects.filter(code=code, active=True, public=True).first()
        if category is None:
            raise Open311Error(400, f"service_code 无效：{code or '（缺失）'}")
        lat, lon, address = data.get("lat", ""), data.get("long", ""), data.get("address_string", "")
        if not address and not (lat and lon) and not data.get("address_id"):
            raise Open311Error(400, "请提供位置：lat 和 long，或 address_string")
        kind = data.get("attribute[kind]", "") or category.default_kind
        if kind not in Kind.values:
            raise Open311Error(400, f"attribute[kind] 无效：{kind}")
        name = f"{data.get('last_name', '')}{data.get('first_name', '')}".strip()
        order = services.order_create(
            actor=f"open311:{client.name}",
            kind=kind,
            subject=category,
            description=data.get("description", "") or category.name,
            caller_name=name,
            caller_phone=data.get("phone", ""),
            confidential=str(data.get("attribute[confidential]", "")).lower() in TRUE,
            reply_wanted=str(data.get("attribute[reply_wanted]", "true")).lower() in TRUE,
            address=address,
            latitude=lat or None,
            longitude=lon or None,
            channel=Channel.OPEN311,
            open311_client=client,
        )
        return Response(
            [
                {
                    "service_request_id": str(order.pk),
                    "token": str(order.token),
                    "service_notice": f"已受理，工单号 {order.number}",
                    "account_id": data.get("account_id") or None,
                }
            ],
            status=status.HTTP_201_CREATED,
        )


class RequestDetailView(Open311View):
    def get(self, request: Request, pk: str) -> Response:
        rows = requests_json(public_rows().filter(pk=int(pk))[:1]) if pk.isdigit() else []
        if not rows:
            raise Open311Error(404, f"诉求 {pk} 不存在")
        return Response(rows)


class TokenView(Open311View):
    def get(self, request: Request, token: str) -> Response:
        try:
            order = _one(public_orders().filter(token=token))
        except (ValueError, TypeError, ValidationError):
            order = None
        if order is None:
            raise Open311Error(404, "凭证不存在")
        return Response([{"service_request_id": str(order.pk), "token": str(order.token)}])


class UnsupportedFormatView(Open311View):
    def get(self, request: Request, path: str = "") -> Response:
        raise Open311Error(400, "仅支持 JSON 格式（.json）")

    post = get
