"""`OPTIONS` answers for every API view (DRF metadata).

DRF's SimpleMetadata describes a view's POST/PUT body from `get_serializer()`. Views that read
their input by hand (a `PortalAPIView` without `serializer_class`, such as the subsidies match
run) made that raise an AssertionError, i.e. an `OPTIONS` request was a 500 (found by the API
fuzzing, docs/reliability.md). Such views are described without the body."""

from __future__ import annotations

from typing import Any

from rest_framework.metadata import SimpleMetadata


class PortalMetadata(SimpleMetadata):
    def determine_actions(self, request: Any, view: Any) -> dict[str, Any]:
        from rest_framework.generics import GenericAPIView  # DRF imports this module while loading generics

        declares_serializer = getattr(view, "serializer_class", None) is not None or (
            type(view).get_serializer_class is not GenericAPIView.get_serializer_class
        )
        if not declares_serializer:
            return {}
        return super().determine_actions(request, view)
