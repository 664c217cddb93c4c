from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from disaster.models import Event
from disaster.policies import EventPolicy, may_use_disaster
from portal.errors import DomainError, RuleViolation


def require_disaster_user(request: HttpRequest) -> None:
    if not may_use_disaster(request.user):
        raise PermissionDenied("您没有灾情报送与应急响应的权限")


def get_event(request: HttpRequest, pk: int, action: str = "view") -> Event:
    """The event if the user may see it (404 otherwise) and do `action` (403 otherwise)."""
    return EventPolicy().get(request.user, action, pk=pk)


def error_message(exc: DomainError) -> str:
    if isinstance(exc, RuleViolation):
        return "；".join(m for msgs in exc.errors.values() for m in msgs)
    return exc.message


def flash_error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, error_message(exc))


def apply_errors(form: Any, exc: RuleViolation) -> None:
    """Put a service's field errors on the form (unknown fields become form errors)."""
    for name, msgs in exc.errors.items():
        target = name if name in form.fields else None
        for msg in msgs:
            form.add_error(target, msg)


def int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "") or request.POST.get(name, "")
    return int(value) if value.isdigit() else None
