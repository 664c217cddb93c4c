"""`Idempotency-Key` for POSTs (api.md): same key + same body → the first response, nothing
created twice; same key + different body → 422. Keys are per user and kept
IDEMPOTENCY_KEEP_HOURS (≥ 24 h).

The whole request runs in one transaction that starts by inserting the key's row. A concurrent
request with the same key blocks on that insert until the first commits, then replays its
stored response — so concurrent replays create one object.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from portal.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


class IdempotencyMismatch(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "该 Idempotency-Key 已用于内容不同的请求"
    default_code = "idempotency_mismatch"


class _Replay(Exception):
    def __init__(self, record: IdempotencyRecord) -> None:
        self.record = record


def _fingerprint(request: Request) -> str:
    body = request._request.body if hasattr(request, "_request") else b""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b" ")
    digest.update(request.path.encode())
    digest.update(b"\n")
    digest.update(body)
    return digest.hexdigest()


class IdempotentMixin:
    """Mix into every API view (PortalAPIView and the viewsets in portal.api.views do)."""

    idempotent_methods = ("POST",)

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        key = request.META.get(HEADER, "").strip()
        if not key or request.method not in self.idempotent_methods:
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if len(key) > 200:
            key = hashlib.sha256(key.encode()).hexdigest()
        request.META[HEADER] = key
        _ = request.body  # read the raw body before DRF's parsers consume the stream
        with transaction.atomic():
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            record = getattr(self, "_idempotency_record", None)
            if record is not None:
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                else:
                    if hasattr(response, "render") and not response.is_rendered:
                        response.render()
                    record.status_code = response.status_code
                    record.response_body = bytes(response.content)
                    record.content_type = response.get("Content-Type", "application/json")
                    record.save(update_fields=["status_code", "response_body", "content_type"])
            return response

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        key = request.META.get(HEADER, "").strip()
        if not key or request.method not in self.idempotent_methods or not request.user.is_authenticated:
            return
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                self._idempotency_record = IdempotencyRecord.objects.create(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    method_path=f"{request.method} {request.path}"[:300],
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.get(user=request.user, key=key)
            if existing.fingerprint != fingerprint:
                raise IdempotencyMismatch() from None
            raise _Replay(existing) from None

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, _Replay):
            record = exc.record
            response = HttpResponse(
                bytes(record.response_body or b""),
                status=record.status_code or 200,
                content_type=record.content_type or "application/json",
            )
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)  # type: ignore[misc]

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, HttpResponse) and not isinstance(response, Response):
            return response
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


def render_json(data: Any) -> bytes:
    return JSONRenderer().render(data)
