"""Helpers of the relief pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from disaster.models import Event
from disaster.policies import EventPolicy, may_use_disaster
from disaster.views.common import apply_errors, error_message
from portal.errors import DomainError, RuleViolation


def require_relief_user(request: HttpRequest) -> None:
    if not may_use_disaster(request.user):
        raise PermissionDenied("您没有救灾资源与灾后救助的权限")


def events_open_for(user: Any) -> Any:
    return EventPolicy().scope(user).exclude(status=Event.Status.CLOSED).order_by("-started_at")


def show_error(request: HttpRequest, exc: DomainError, form: Any = None) -> None:
    """Field errors onto the form (the user's values stay), anything else as a message."""
    if form is not None and isinstance(exc, RuleViolation):
        apply_errors(form, exc)
    else:
        messages.error(request, error_message(exc))


def first_error(form: Any) -> str:
    for errors in form.errors.values():
        for e in errors:
            return str(e)
    return "输入有误"


def int_or_none(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None
