from __future__ import annotations

import logging
import math
import sys
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal import nav
from portal.access import AUDITOR, CITY_ADMIN, OrgUnitPolicy, has_role
from portal.audit import audit_record
from portal.deadlines import deadlines_for_user
from portal.exports import xlsx_response
from portal.forms import AuditFilterForm, LoginForm
from portal.models import AuditEntry, Deadline, JobHeartbeat, Notification
from portal.notifications import notification_mark_read
from portal.throttles import LoginThrottle

log = logging.getLogger(__name__)
PAGE = 50


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    deadlines = deadlines_for_user(request.user)
    now = timezone.now()
    context = {
        "overdue": list(deadlines.filter(Q(status=Deadline.Status.OVERDUE) | Q(due_at__lte=now))[:20]),
        "upcoming": list(deadlines.filter(status=Deadline.Status.OPEN, due_at__gt=now)[:20]),
        "notifications": list(Notification.objects.filter(recipient=request.user, read_at__isnull=True)[:10]),
        "panels": nav.panels_for(request),
        "now": now,
    }
    return render(request, "portal/dashboard.html", context)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(recipient=request.user)
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    items = list(qs.order_by("-pk")[: PAGE + 1])
    more = len(items) > PAGE
    items = items[:PAGE]
    return render(
        request,
        "portal/notifications.html",
        {"items": items, "next_before": items[-1].pk if more and items else None},
    )


@login_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification: mark it read and go to its subject (GET from the list or bell)."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(user=request.user, notification_id=note.pk)
    if note.url and note.url.startswith("/") and not note.url.startswith("//"):
        return redirect(note.url)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notification_mark_read(user=request.user)
    return redirect("notifications")


@login_required
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell's dropdown (htmx partial): the latest unread notifications."""
    items = list(Notification.objects.filter(recipient=request.user, read_at__isnull=True)[:8])
    return render(request, "portal/_bell.html", {"items": items})


@login_required
def deadline_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    statuses = (
        [status] if status in Deadline.Status.values else [Deadline.Status.OPEN, Deadline.Status.OVERDUE]
    )
    qs = deadlines_for_user(request.user, statuses=statuses)
    return render(
        request,
        "portal/deadlines.html",
        {
            "items": list(qs[:200]),
            "status": status,
            "statuses": Deadline.Status.choices,
            "now": timezone.now(),
        },
    )


def _audit_queryset(form: AuditFilterForm) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.all()
    if not form.is_valid():
        return qs
    data = form.cleaned_data
    if data["actor"]:
        qs = qs.filter(actor_label__icontains=data["actor"])
    if data["action"]:
        qs = qs.filter(action__startswith=data["action"])
    if data["object_type"]:
        qs = qs.filter(object_type=data["object_type"])
    if data["object_id"]:
        qs = qs.filter(object_id=data["object_id"])
    tz = timezone.get_current_timezone()
    if data["date_from"]:
        qs = qs.filter(at__gte=datetime.combine(data["date_from"], time.min, tzinfo=tz))
    if data["date_to"]:
        qs = qs.filter(at__lt=datetime.combine(data["date_to"] + timedelta(days=1), time.min, tzinfo=tz))
    return qs


def _require_auditor(request: HttpRequest) -> None:
    if not has_role(request.user, AUDITOR, CITY_ADMIN):
        raise PermissionDenied("只有审计员和管理员可以查看审计记录")


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form = AuditFilterForm(request.GET or None)
    qs = _audit_queryset(form)
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    items = list(qs.order_by("-pk")[: PAGE + 1])
    more = len(items) > PAGE
    items = items[:PAGE]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "portal/audit.html",
        {
            "form": form,
            "items": items,
            "next_before": items[-1].pk if more and items else None,
            "query": query.urlencode(),
        },
    )


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form = AuditFilterForm(request.GET or None)
    qs = _audit_queryset(form).order_by("pk")[:100_000]
    audit_record(actor=request.user, action="portal.audit.export", extra={"filters": request.GET.dict()})
    rows = (
        (
            e.pk,
            e.at,
            e.actor_label,
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            str(e.before or ""),
            str(e.after or ""),
            e.request_id,
            e.ip,
            e.seal_seq,
            e.seal_hash,
        )
        for e in qs.iterator(chunk_size=2000)
    )
    header = [
        "编号",
        "时间",
        "操作人",
        "动作",
        "对象类型",
        "对象编号",
        "对象",
        "变更前",
        "变更后",
        "请求编号",
        "IP",
        "封存序号",
        "封存哈希",
    ]
    return xlsx_response(f"审计记录-{timezone.localdate():%Y%m%d}.xlsx", [("审计记录", header, rows)])


@login_required
def orgunit_list(request: HttpRequest) -> HttpResponse:
    units = OrgUnitPolicy().scope(request.user, "view").filter(active=True).select_related("parent")
    kind = request.GET.get("kind", "")
    if kind:
        units = units.filter(kind=kind)
    q = request.GET.get("q", "").strip()
    if q:
        units = units.filter(name__icontains=q)
    return render(request, "portal/orgunits.html", {"units": list(units[:500]), "q": q, "kind": kind})


def _broker_status() -> dict[str, Any]:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem"):
        ok = settings.CELERY_BROKER_DIR.is_dir()
        return {"ok": ok, "transport": "filesystem"}
    if url.startswith("memory"):
        return {"ok": True, "transport": "memory"}
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=1, transport_options={"max_retries": 0}) as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return {"ok": True, "transport": url.split("://", 1)[0]}
    except Exception as exc:
        return {"ok": False, "transport": url.split("://", 1)[0], "error": exc.__class__.__name__}


def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and the age of the last deadline sweep. 503 only when the database is
    down (the portal cannot work); a down broker or a stale sweep is "degraded" (work is kept
    in the database and caught up)."""
    result: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        result["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        log.error("healthz: database check failed: %s", exc)
        return JsonResponse({"status": "down", "database": {"ok": False}}, status=503)
    result["broker"] = _broker_status()
    beat = JobHeartbeat.objects.filter(name="deadline_sweep").first()
    age = (timezone.now() - beat.last_finished_at).total_seconds() if beat and beat.last_finished_at else None
    result["sweep"] = {
        "last_finished_at": beat.last_finished_at.isoformat() if beat and beat.last_finished_at else None,
        "age_seconds": round(age, 1) if age is not None else None,
    }
    stale = age is None or age > settings.HEALTH_SWEEP_MAX_AGE_SECONDS
    result["status"] = "ok" if result["broker"]["ok"] and not stale else "degraded"
    return JsonResponse(result)


@login_required
def delegation_list(request: HttpRequest) -> HttpResponse:
    """My roles, the deputies I named, and the roles I hold as a deputy. Naming a deputy needs
    no admin: decisions at night cannot wait."""
    from django.contrib import messages

    from portal.errors import RuleViolation
    from portal.forms import DelegationForm
    from portal.models import Delegation, Membership
    from portal.org import delegation_create, delegation_revoke

    memberships = list(Membership.objects.active().filter(user=request.user).select_related("role", "unit"))
    form = DelegationForm(request.POST or None, memberships=memberships)
    if request.method == "POST" and request.POST.get("revoke"):
        delegation = get_object_or_404(Delegation, pk=request.POST["revoke"], principal=request.user)
        delegation_revoke(delegation=delegation, actor=request.user)
        messages.success(request, "已撤销代理")
        return redirect("delegations")
    if request.method == "POST" and form.is_valid():
        membership = form.memberships[form.cleaned_data["membership"]]
        try:
            delegation_create(
                principal=request.user,
                deputy=form.cleaned_data["deputy"],
                role=membership.role,
                unit=membership.unit,
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except RuleViolation as exc:
            for field, errors in exc.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "已设置代理，代理人将在时段内以您的角色办理")
            return redirect("delegations")
    now = timezone.now()
    given = (
        Delegation.objects.filter(principal=request.user)
        .select_related("deputy", "role", "unit")
        .order_by("-starts_at")[:50]
    )
    received = Delegation.objects.filter(
        deputy=request.user, ends_at__gt=now, revoked_at__isnull=True
    ).select_related("principal", "role", "unit")
    return render(
        request, "portal/delegations.html", {"form": form, "given": given, "received": received, "now": now}
    )


DB_UNAVAILABLE = "数据库暂时不可用，请稍后重试（系统会自动恢复，无需重新登录）"
SERVER_ERROR = "服务器内部错误，已记录，请稍后重试"


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a Chinese page (JSON `{"detail"}` on the API) that never touches the
    database; a lost database connection is 503 with Retry-After, because the next request
    reconnects by itself (CONN_HEALTH_CHECKS)."""
    exc = sys.exc_info()[1]
    unavailable = isinstance(exc, (OperationalError, InterfaceError))
    status, title, message = (
        (503, "服务暂时不可用", DB_UNAVAILABLE) if unavailable else (500, "服务器错误", SERVER_ERROR)
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    elif request.path.startswith("/open311/"):
        response = JsonResponse([{"code": status, "description": message}], status=status, safe=False)
    else:
        html = render_to_string("500.html", {"title": title, "message": message})
        response = HttpResponse(html, status=status)
    if unavailable:
        response["Retry-After"] = "30"
    return response


class LoginView(auth_views.LoginView):
    """The login page, with a per-address limit on attempts (LOGIN_RATE) in front of
    django-axes' lockout: 429 and a Chinese page saying when to try again."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = LoginThrottle()
        if not throttle.allow_request(request, self):
            wait = math.ceil(throttle.wait() or 60)
            response = render(request, "registration/throttled.html", {"wait": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)
