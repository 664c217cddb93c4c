"""Incidents (§5): outages and pollution grouping many calls; sudden events reported at once
and, for natural disasters, linked to the disaster module."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from hotline import services
from hotline.models import Incident
from hotline.policies import CENTRE
from hotline.serializers import caller_display
from hotline.services.intake import disaster_event_title
from portal.access import HOTLINE_SUPERVISOR, has_role, require_role
from portal.errors import DomainError, RuleViolation


class LinkDisasterForm(forms.Form):
    event_id = forms.TypedChoiceField(label="灾情事件", coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from disaster.selectors import event_choices_for_linking

        super().__init__(*args, **kwargs)
        self.fields["event_id"].choices = [("", "请选择进行中的灾情事件"), *event_choices_for_linking()]


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *CENTRE)
    rows = (
        Incident.objects.select_related("county")
        .annotate(calls=Count("orders"))
        .order_by("state", "-started_at")
    )
    return render(request, "hotline/incidents.html", {"rows": list(rows[:200])})


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_role(request.user, *CENTRE)
    incident = get_object_or_404(Incident.objects.select_related("county"), pk=pk)
    form = LinkDisasterForm(request.POST or None)
    if request.method == "POST":
        if not has_role(request.user, HOTLINE_SUPERVISOR):
            messages.error(request, "只有值班长可以操作事件")
        elif request.POST.get("op") == "close":
            try:
                services.incident_close(incident=incident, actor=request.user)
                messages.success(request, "事件已结束")
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("hotline:incident-detail", pk=pk)
        elif request.POST.get("op") == "report":
            services.incident_report(incident=incident, actor=request.user)
            messages.success(request, "已报告事件属地政府、热线主管部门和有关部门")
            return redirect("hotline:incident-detail", pk=pk)
        elif form.is_valid():
            try:
                services.incident_link_disaster(incident=incident, actor=request.user, **form.cleaned_data)
            except RuleViolation as exc:
                for field, msgs in exc.errors.items():
                    for msg in msgs:
                        form.add_error(field if field in form.fields else None, msg)
            else:
                messages.success(request, "已关联灾情事件")
                return redirect("hotline:incident-detail", pk=pk)
    orders = list(incident.orders.select_related("lead_unit", "subject").order_by("received_at")[:500])
    linked_title = disaster_event_title(incident.disaster_event_id) if incident.disaster_event_id else None
    return render(
        request,
        "hotline/incident_detail.html",
        {
            "incident": incident,
            "rows": [{"o": o, "caller": caller_display(o, request.user)} for o in orders],
            "form": form,
            "linked_title": linked_title,
        },
        status=400 if request.method == "POST" else 200,
    )
