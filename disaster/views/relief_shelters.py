"""Shelter pages: the city occupancy view (by county, open shelters, chart), a shelter's page
(open for an event, count occupants, close; its history), the XLSX of shelters and counts."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from disaster import relief_selectors as sel
from disaster.models import ShelterCount, ShelterPeriod
from disaster.policies import EventPolicy, ShelterPolicy
from disaster.relief_forms import ShelterCountForm, ShelterForm, ShelterOpenForm
from disaster.services import relief_shelters as shel
from disaster.services.common import is_office
from disaster.services.relief_common import is_county_officer
from disaster.views.relief_common import events_open_for, int_or_none, require_relief_user, show_error
from portal.errors import DomainError
from portal.exports import xlsx_response
from portal.models import OrgUnit


def _chart(rows: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "type": "bar",
            "data": {
                "labels": [r["county__name"] for r in rows],
                "datasets": [
                    {
                        "label": "安置人数",
                        "data": [r["occupants"] for r in rows],
                        "backgroundColor": "#1d4ed8",
                    },
                    {
                        "label": "已启用场所容量",
                        "data": [r["open_capacity"] for r in rows],
                        "backgroundColor": "#cbd5e1",
                    },
                ],
            },
            "options": {"responsive": True, "maintainAspectRatio": False},
        },
        ensure_ascii=False,
    )


@login_required
def shelters_page(request: HttpRequest) -> HttpResponse:
    require_relief_user(request)
    user = request.user
    event = None
    event_id = int_or_none(request.GET.get("event"))
    if event_id:
        event = EventPolicy().get(user, pk=event_id)
    counties = OrgUnit.objects.filter(
        pk__in=[c.pk for c in sel.counties_for(user) if is_county_officer(user, c) or is_office(user)]
    ).order_by("sort", "pk")
    form = ShelterForm(request.POST or None, counties=counties)
    failed = False
    if request.method == "POST":
        if not counties.exists():
            raise PermissionDenied("您没有登记避难场所的权限")
        if form.is_valid():
            try:
                shelter = shel.shelter_create(actor=user, **form.cleaned_data)
                messages.success(request, f"已登记 {shelter.name}")
                return redirect(shelter.get_absolute_url())
            except DomainError as exc:
                show_error(request, exc, form)
        failed = True
    view = sel.occupancy(user, event)
    shelters = list(
        ShelterPolicy().scope(user).filter(active=True).order_by("county__sort", "-is_open", "name")[:500]
    )
    return render(
        request,
        "disaster/relief/shelters.html",
        {
            "view": view,
            "chart_json": _chart(view["by_county"]),
            "shelters": shelters,
            "events": events_open_for(user)[:50],
            "event": event,
            "form": form,
            "may_create": counties.exists(),
        },
        status=400 if failed else 200,
    )


@login_required
def shelter_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    shelter = ShelterPolicy().get(user, pk=pk)
    may_manage = shel.may_manage_shelter(user, shelter)
    events = events_open_for(user).filter(counties__county=shelter.county)
    action = request.POST.get("action", "")
    open_form = ShelterOpenForm(request.POST if action == "open" else None, events=events)
    count_form = ShelterCountForm(request.POST if action == "count" else None)
    failed = False
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("只能管理本县区的避难场所")
        try:
            if action == "open":
                if open_form.is_valid():
                    shel.shelter_open(
                        shelter=shelter,
                        event=open_form.cleaned_data["event"],
                        at=open_form.cleaned_data["at"],
                        actor=user,
                    )
                    messages.success(request, "已启用")
                    return redirect(shelter.get_absolute_url())
            elif action == "count":
                if count_form.is_valid():
                    d = count_form.cleaned_data
                    count = shel.shelter_count(
                        shelter=shelter, occupants=d["occupants"], at=d["at"], note=d["note"], actor=user
                    )
                    over = "（超过容纳人数）" if count.occupants > shelter.capacity else ""
                    messages.success(request, f"已填报安置人数 {count.occupants} 人{over}")
                    return redirect(shelter.get_absolute_url())
            elif action == "close":
                shel.shelter_close(shelter=shelter, note=request.POST.get("note", ""), actor=user)
                messages.success(request, "已关闭")
                return redirect(shelter.get_absolute_url())
            else:
                raise PermissionDenied("未知操作")
        except DomainError as exc:
            show_error(
                request, exc, open_form if action == "open" else count_form if action == "count" else None
            )
        failed = True
    shelter.refresh_from_db()
    periods = list(
        ShelterPeriod.objects.filter(shelter=shelter)
        .select_related("event", "opened_by")
        .order_by("-opened_at")[:20]
    )
    counts = list(
        ShelterCount.objects.filter(shelter=shelter)
        .select_related("recorded_by")
        .order_by("-at", "-pk")[:200]
    )
    current = next((p for p in periods if p.closed_at is None), None)
    series = sorted((c.at, c.occupants) for c in counts if current and c.period_id == current.pk)
    chart = json.dumps(
        {
            "type": "line",
            "data": {
                "labels": [timezone.localtime(t).strftime("%m-%d %H:%M") for t, _ in series],
                "datasets": [
                    {
                        "label": "安置人数",
                        "data": [n for _, n in series],
                        "borderColor": "#1d4ed8",
                        "fill": False,
                    }
                ],
            },
            "options": {"responsive": True, "maintainAspectRatio": False},
        },
        ensure_ascii=False,
    )
    return render(
        request,
        "disaster/relief/shelter.html",
        {
            "s": shelter,
            "rate": sel.rr.occupancy_rate(shelter.current_occupants, shelter.capacity),
            "periods": periods,
            "counts": counts,
            "current": current,
            "chart_json": chart if series else "",
            "may_manage": may_manage,
            "open_form": open_form,
            "count_form": count_form,
        },
        status=400 if failed else 200,
    )


@login_required
def shelters_export(request: HttpRequest) -> HttpResponse:
    require_relief_user(request)
    user = request.user
    shelters = ShelterPolicy().scope(user).order_by("county__sort", "pk")
    kinds = dict(ShelterPolicy.model.Kind.choices)
    sheets = [
        (
            "避难场所",
            [
                "编号",
                "名称",
                "类型",
                "县区",
                "管理单位",
                "地址",
                "容纳人数",
                "已启用",
                "当前灾害过程",
                "当前安置人数",
                "统计时间",
            ],
            (
                [
                    s.pk,
                    s.name,
                    kinds.get(s.kind, s.kind),
                    s.county.name,
                    s.managed_by.name,
                    s.address,
                    s.capacity,
                    s.is_open,
                    s.current_event.title if s.current_event else "",
                    s.current_occupants,
                    s.occupants_at,
                ]
                for s in shelters
            ),
        ),
        (
            "启用记录",
            ["场所", "灾害过程", "启用时间", "关闭时间", "最多安置人数", "关闭说明"],
            (
                [p.shelter.name, p.event.title, p.opened_at, p.closed_at, p.peak_occupants, p.close_note]
                for p in ShelterPeriod.objects.filter(shelter__in=shelters.values("pk"))
                .select_related("shelter", "event")
                .order_by("pk")
            ),
        ),
        (
            "安置人数",
            ["场所", "统计时间", "安置人数", "说明"],
            (
                [c[0], c[1], c[2], c[3]]
                for c in ShelterCount.objects.filter(shelter__in=shelters.values("pk"))
                .order_by("shelter_id", "at", "pk")
                .values_list("shelter__name", "at", "occupants", "note")
                .iterator()
            ),
        ),
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(f"应急避难场所-{stamp}.xlsx", sheets, note="应急避难场所及安置人数（7.4.2–7.4.3）")
