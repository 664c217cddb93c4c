"""The work-order API of api.md ("Hotline work orders"): parse input, ask the policy, call a
service, render. Wrong state → 409 (InvalidTransition), bad input → 400, outside the caller's
jurisdiction → 404, visible but not allowed → 403."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hotline import selectors, services
from hotline import serializers as s
from hotline.models import Assignment, Category, KnowledgeEntry, Order
from hotline.policies import OrderPolicy
from hotline.selectors import OrderFilters
from portal.access import require_role
from portal.api.pagination import KeysetPagination
from portal.api.views import PortalAPIView, PortalGenericViewSet
from portal.audit import audit_record
from portal.models import OrgUnit

policy = OrderPolicy()


def _bool(value: str | None) -> bool | None:
    if value in (None, ""):
        return None
    return value.lower() in ("1", "true", "yes", "是")


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise serializers.ValidationError({field: ["日期格式应为 YYYY-MM-DD"]}) from None


def _int(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except ValueError:
        raise serializers.ValidationError({field: ["应为整数"]}) from None


def filters_from(params: Any) -> OrderFilters:
    subject = params.get("subject")
    subject_id = None
    if subject:
        subject_id = (
            _int(subject, "subject")
            if subject.isdigit()
            else (Category.objects.filter(code=subject).values_list("pk", flat=True).first() or -1)
        )
    status_param = params.get("status", "")
    return OrderFilters(
        status=[x for x in status_param.split(",") if x] or None,
        lead_unit=_int(params.get("lead_unit"), "lead_unit"),
        overdue=_bool(params.get("overdue")),
        received_from=_date(params.get("received_after"), "received_after"),
        received_to=_date(params.get("received_before"), "received_before"),
        kind=params.get("kind") or None,
        channel=params.get("channel") or None,
        county=_int(params.get("county"), "county"),
        subject=subject_id,
        seat=_int(params.get("seat"), "seat"),
        special=_bool(params.get("special")),
        q=params.get("q", ""),
    )


def with_assists(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related("rule_set", "subject", "lead_unit").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(active=True, role=Assignment.Role.ASSIST),
            to_attr="active_assists",
        )
    )


LIST_PARAMS = [
    OpenApiParameter("status", str, description="状态（可逗号分隔多个）"),
    OpenApiParameter("lead_unit", int),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("received_after", date),
    OpenApiParameter("received_before", date),
    OpenApiParameter("kind", str),
    OpenApiParameter("channel", str),
    OpenApiParameter("county", int),
    OpenApiParameter("subject", str, description="分类代码或编号"),
    OpenApiParameter("seat", int),
    OpenApiParameter("special", bool),
    OpenApiParameter("q", str, description="工单编号、电话、地址或内容"),
]


class OrderPagination(KeysetPagination):
    """Newest first by id; on `seq` (the same id, as an expression) when the selector chose
    that ordering for a past date window (selectors.in_past_window). Cursors are the same."""

    def get_ordering(self, request: Request, queryset: QuerySet[Order], view: Any) -> tuple[str, ...]:
        if "seq" in queryset.query.annotations:
            return ("-seq",)
        return tuple(super().get_ordering(request, queryset, view))


class OrderViewSet(PortalGenericViewSet):
    """`/api/v1/hotline/orders/` — create, list, read, and the actions of the §3 diagram."""

    serializer_class = s.OrderSerializer
    pagination_class = OrderPagination
    queryset = Order.objects.none()

    def get_queryset(self) -> QuerySet[Order]:
        return with_assists(selectors.order_list(self.request.user, filters_from(self.request.query_params)))

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _render(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        fresh = with_assists(Order.objects.filter(pk=order.pk)).get()
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(parameters=LIST_PARAMS)
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._render(policy.get(request.user, "view", pk=pk))

    @extend_schema(request=s.OrderCreateSerializer, responses={201: s.OrderSerializer})
    def create(self, request: Request) -> Response:
        require_role(request.user, "hotline_operator", "hotline_supervisor")
        data = s.OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_create(actor=request.user, **data.validated_data)
        # The 201 body is the stored order (re-read, as _render does); a new order has no
        # assignments yet, so the assists prefetch (one query) is skipped.
        fresh = Order.objects.select_related("rule_set", "subject", "lead_unit").get(pk=order.pk)
        fresh.active_assists = []  # type: ignore[attr-defined]
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    def _act(
        self,
        request: Request,
        pk: str,
        name: str,
        serializer: type[serializers.Serializer],
        call: Callable[[Order, dict[str, Any]], Any],
    ) -> Response:
        order = policy.get(request.user, name, pk=pk)
        body = serializer(data=request.data)
        body.is_valid(raise_exception=True)
        call(order, body.validated_data)
        return self._render(order)

    def _unit(self, request: Request, order: Order, data: dict[str, Any]) -> OrgUnit | None:
        """The unit acting: the clerk's own task on the order; a superuser may name one."""
        if data.get("unit"):
            return OrgUnit.objects.filter(pk=data["unit"]).first()
        return policy.acting_unit(request.user, order)

    @extend_schema(request=s.ContentSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "answer",
            s.ContentSerializer,
            lambda o, d: services.order_answer(order=o, actor=request.user, content=d["content"]),
        )

    @extend_schema(request=s.HandoverSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def handover(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "handover",
            s.HandoverSerializer,
            lambda o, d: services.order_handover(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.HandoverResultSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="handover-result")
    def handover_result(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "handover-result",
            s.HandoverResultSerializer,
            lambda o, d: services.order_handover_result(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.DispatchSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "dispatch",
            s.DispatchSerializer,
            lambda o, d: services.order_dispatch(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.UnitSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "sign",
            s.UnitSerializer,
            lambda o, d: services.order_sign(order=o, actor=request.user, unit=self._unit(request, o, d)),
        )

    @extend_schema(request=s.ReturnSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "return",
            s.ReturnSerializer,
            lambda o, d: services.order_return(
                order=o, actor=request.user, unit=self._unit(request, o, {}), **d
            ),
        )

    @extend_schema(request=s.ReviewReturnSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="review-return")
    def review_return(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "review-return",
            s.ReviewReturnSerializer,
            lambda o, d: services.order_review_return(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.ExtensionSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "request-extension",
            s.ExtensionSerializer,
            lambda o, d: services.order_request_extension(
                order=o, actor=request.user, unit=self._unit(request, o, {}), **d
            ),
        )

    @extend_schema(request=s.ReviewExtensionSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="review-extension")
    def review_extension(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "review-extension",
            s.ReviewExtensionSerializer,
            lambda o, d: services.order_review_extension(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.UnfinishedSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"], url_path="unfinished-reply")
    def unfinished_reply(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "unfinished-reply",
            s.UnfinishedSerializer,
            lambda o, d: services.order_unfinished_reply(
                order=o, actor=request.user, unit=self._unit(request, o, {}), **d
            ),
        )

    @extend_schema(request=s.ContentSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str) -> Response:
        class Body(s.ContentSerializer, s.UnitSerializer):
            pass

        return self._act(
            request,
            pk,
            "reply",
            Body,
            lambda o, d: services.order_reply(
                order=o, actor=request.user, content=d["content"], unit=self._unit(request, o, d)
            ),
        )

    @extend_schema(request=s.ContentSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "progress",
            s.ContentSerializer,
            lambda o, d: services.order_progress(
                order=o, actor=request.user, content=d["content"], unit=self._unit(request, o, {})
            ),
        )

    @extend_schema(request=s.CallbackSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def callback(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "callback",
            s.CallbackSerializer,
            lambda o, d: services.order_callback(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.ReasonSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def redo(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "redo",
            s.ReasonSerializer,
            lambda o, d: services.order_redo(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.EmptySerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "close",
            s.EmptySerializer,
            lambda o, d: services.order_close(order=o, actor=request.user),
        )

    @extend_schema(request=s.EmptySerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "archive",
            s.EmptySerializer,
            lambda o, d: services.order_archive(order=o, actor=request.user),
        )

    @extend_schema(request=s.NoteSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def urge(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "urge",
            s.NoteSerializer,
            lambda o, d: services.order_urge(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.ReassignSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "reassign",
            s.ReassignSerializer,
            lambda o, d: services.order_reassign(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.ReasonSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            pk,
            "reopen",
            s.ReasonSerializer,
            lambda o, d: services.order_reopen(order=o, actor=request.user, **d),
        )

    @extend_schema(request=s.LinkSerializer, responses=s.OrderSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request: Request, pk: str) -> Response:
        def call(o: Order, d: dict[str, Any]) -> Any:
            target = policy.get(request.user, "view", pk=d["duplicate_of"])
            return services.order_link_duplicate(order=o, actor=request.user, duplicate_of=target)

        return self._act(request, pk, "link", s.LinkSerializer, call)

    @extend_schema(responses=s.CallerSerializer)
    @action(detail=True, methods=["get"])
    def caller(self, request: Request, pk: str) -> Response:
        """The caller's personal data, unmasked. Every call is recorded in the audit trail."""
        order = policy.get(request.user, "unmask", pk=pk)
        audit_record(
            actor=request.user,
            action="hotline.order.unmask",
            obj=order,
            extra={"fields": ["caller_name", "caller_phone"], "via": "api"},
        )
        return Response(
            {
                "caller_name": order.caller_name,
                "caller_phone": order.caller_phone,
                "confidential": order.confidential,
            }
        )

    # A plain list, not a page: without pagination_class=None the schema promised {"results": …}
    # (API fuzzing, docs/reliability.md).
    @extend_schema(responses=serializers.ListSerializer(child=serializers.DictField()))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def routing(self, request: Request, pk: str) -> Response:
        """Dispatch suggestions from the routing rules (incl. learned precedents)."""
        order = policy.get(request.user, "dispatch", pk=pk)
        return Response(
            [
                {
                    "unit": x["unit"].pk,
                    "unit_name": x["unit"].name,
                    "rule": x["rule"].pk,
                    "explanation": x["explanation"],
                }
                for x in selectors.routing_suggestions(order)
            ]
        )


class KnowledgeSearchView(PortalAPIView):
    """`GET /api/v1/hotline/knowledge/?q=` — knowledge entries ranked by relevance."""

    serializer_class = s.KnowledgeEntrySerializer
    queryset = KnowledgeEntry.objects.none()

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=s.KnowledgeEntrySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        results = []
        for entry, score in selectors.knowledge_search(
            request.user, request.query_params.get("q", ""), limit=10
        ):
            entry.score = score
            results.append(entry)
        return Response(
            {"results": s.KnowledgeEntrySerializer(results, many=True).data, "next": None, "previous": None}
        )
