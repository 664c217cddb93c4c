"""Call log, CSV import from the telephony system, the callback queue (by original call time)
and the connect rate against the 95 % target (第十条)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hotline import forms as f
from hotline.models import CallRecord
from hotline.policies import CENTRE, CallPolicy
from hotline.services.calls import call_callback, calls_import
from hotline.stats import Period, service_standards
from portal.access import require_role
from portal.errors import DomainError, RuleViolation
from portal.uploads import validate_upload

policy = CallPolicy()


def _context(request: HttpRequest) -> dict[str, object]:
    today = timezone.localdate()
    day = Period(today, today)
    week = Period(today - timedelta(days=6), today)
    queue = list(
        policy.scope(request.user)
        .filter(callback_state=CallRecord.Callback.PENDING)
        .order_by("started_at", "pk")[:100]
    )
    recent = list(policy.scope(request.user).order_by("-started_at")[:50])
    return {
        "queue": queue,
        "recent": recent,
        "standards_day": service_standards(day),
        "standards_week": service_standards(week),
        "import_form": f.CallImportForm(),
        "callback_form": f.CallCallbackForm(),
    }


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *CENTRE, "city_admin")
    return render(request, "hotline/calls.html", _context(request))


@login_required
@require_POST
def call_import(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *CENTRE)
    form = f.CallImportForm(request.POST, request.FILES)
    context = _context(request)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            validate_upload(upload, kinds=("text",), field="file")
        except RuleViolation as exc:
            context["import_errors"] = exc.errors["file"]
            context["import_form"] = form
            return render(request, "hotline/calls.html", context, status=400)
        result = calls_import(data=upload.read(), actor=request.user)
        if not result.errors:
            messages.success(
                request,
                f"已导入 {result.created} 条话单（未接通 {result.missed} 条进入回拨队列），跳过重复 {result.skipped} 条",
            )
            return redirect("hotline:calls")
        context["import_errors"] = result.errors[:50]
    context["import_form"] = form
    return render(request, "hotline/calls.html", context, status=400)


@login_required
@require_POST
def call_callback_view(request: HttpRequest, pk: int) -> HttpResponse:
    call = policy.get(request.user, "callback", pk=pk)
    form = f.CallCallbackForm(request.POST)
    if form.is_valid():
        try:
            call_callback(
                call=call,
                actor=request.user,
                reached=form.cleaned_data["reached"],
                note=form.cleaned_data["note"],
            )
        except RuleViolation as exc:
            messages.error(request, exc.message)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记回拨：{call.phone}")
    else:
        messages.error(request, "请选择回拨结果")
    return redirect("hotline:calls")
