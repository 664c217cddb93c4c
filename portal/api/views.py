"""Base classes every API view of the project uses (they carry Idempotency-Key support), and
the platform's own endpoints."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny

from portal.access import OrgUnitPolicy
from portal.api.converters import ID_PATTERN
from portal.api.idempotency import IdempotentMixin
from portal.models import OrgUnit
from portal.throttles import LoginThrottle

# Primary keys are integers of at most 18 digits: anything else in the id segment is 404 at the
# URL resolver, not a ValueError or OverflowError (500) in the lookup (found by the API fuzzing,
# docs/reliability.md).
NUMERIC_ID = ID_PATTERN


class PortalAPIView(IdempotentMixin, generics.GenericAPIView):
    pass


class PortalGenericViewSet(IdempotentMixin, viewsets.GenericViewSet):
    lookup_value_regex = NUMERIC_ID


class PortalReadOnlyViewSet(IdempotentMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = NUMERIC_ID


class PortalModelViewSet(IdempotentMixin, viewsets.ModelViewSet):
    lookup_value_regex = NUMERIC_ID


class TokenView(IdempotentMixin, ObtainAuthToken):
    """`POST /api/v1/auth/token/` with {"username", "password"} → {"token"}."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        return super().post(request, *args, **kwargs)


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "name", "code", "kind", "parent", "handles_orders", "is_zone", "depth"]


class OrgUnitFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="名称包含")
    kind = django_filters.ChoiceFilter(choices=OrgUnit.Kind.choices)
    handles_orders = django_filters.BooleanFilter()
    parent = django_filters.NumberFilter(field_name="parent_id")

    class Meta:
        model = OrgUnit
        fields = ["search", "kind", "handles_orders", "parent"]


class OrgUnitViewSet(PortalReadOnlyViewSet):
    """`GET /api/v1/org/units/` — the units the caller may see (api.md "Organisation")."""

    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilter
    policy = OrgUnitPolicy()

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return self.policy.scope(self.request.user, "view").filter(active=True)
