"""The operator's intake page (§1–2): made for the phone and the keyboard. The caller's earlier
orders appear as the number is typed, knowledge answers, similar requests and the routing
suggestion appear while the description is typed; one submit records the request and its
outcome (answer directly / dispatch / hand over / keep for later dispatch)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from hotline import forms as f
from hotline import selectors, services
from hotline.models import Category, Order
from hotline.policies import CENTRE
from hotline.services.intake import category_by_code, seat_for
from portal.access import require_role
from portal.errors import DomainError, RuleViolation
from portal.models import OrgUnit


def _unit_or_none(value: str | None) -> OrgUnit | None:
    if value and str(value).isdigit():
        return OrgUnit.objects.filter(pk=int(value)).first()
    return None


@transaction.atomic
def _take(request: HttpRequest, data: dict[str, Any]) -> Order:
    order = services.order_create(
        actor=request.user,
        caller_name=data["caller_name"],
        caller_phone=data["caller_phone"],
        confidential=data["confidential"],
        reply_wanted=data["reply_wanted"],
        channel=data["channel"],
        external_id=data["external_id"],
        kind=data["kind"],
        subject=data["subject"] or None,
        county=data["county"] or None,
        township=data["township"] or None,
        address=data["address"],
        description=data["description"],
    )
    outcome = data["outcome"]
    if outcome == "answer":
        services.order_answer(order=order, actor=request.user, content=data["answer"])
    elif outcome == "handover":
        services.order_handover(
            order=order, actor=request.user, target=data["handover_target"], note=data["handover_note"]
        )
    elif outcome == "dispatch":
        lead = int(data["lead_unit"])
        assisting = [int(x) for x in data["assisting_units"]]
        services.order_dispatch(order=order, actor=request.user, lead_unit=lead, assisting_units=assisting)
        if data["save_rule"]:
            services.routing_rule_from_precedent(
                order=order,
                actor=request.user,
                lead_unit=OrgUnit.objects.get(pk=lead),
                assisting=list(OrgUnit.objects.filter(pk__in=assisting)),
            )
    order.refresh_from_db()
    return order


@login_required
def intake(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *CENTRE)
    if request.method == "POST":
        form = f.IntakeForm(request.POST)
        if form.is_valid():
            try:
                order = _take(request, form.cleaned_data)
            except RuleViolation as exc:
                for field, msgs in exc.errors.items():
                    for msg in msgs:
                        form.add_error(field if field in form.fields else None, msg)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已受理：工单 {order.number}（{order.get_status_display()}）")
                return redirect(f"{request.path}?last={order.pk}")
        status = 400
    else:
        form = f.IntakeForm()
        status = 200
    last = None
    last_id = request.GET.get("last", "")
    if last_id.isdigit():
        last = Order.objects.filter(pk=int(last_id)).first()
    return render(request, "hotline/intake.html", {"form": form, "last": last}, status=status)


@login_required
def caller_panel(request: HttpRequest) -> HttpResponse:
    """htmx: the caller's earlier orders, by phone number."""
    require_role(request.user, *CENTRE)
    phone = request.GET.get("caller_phone", "").strip()
    history = selectors.caller_history(request.user, phone)
    return render(
        request, "hotline/_caller_history.html", {"history": history, "phone": phone, "now": timezone.now()}
    )


@login_required
def suggest_panel(request: HttpRequest) -> HttpResponse:
    """htmx: knowledge answers, similar recent requests and the routing suggestion while typing."""
    require_role(request.user, *CENTRE)
    g = request.GET
    description = g.get("description", "")
    subject: Category | None = category_by_code(g.get("subject", "")) if g.get("subject") else None
    county = _unit_or_none(g.get("county"))
    township = _unit_or_none(g.get("township"))
    knowledge = (
        selectors.knowledge_search(request.user, description, limit=5) if len(description) >= 2 else []
    )
    duplicates = selectors.duplicate_candidates(
        request.user,
        subject_id=subject.pk if subject else None,
        county_id=county.pk if county else None,
        township_id=township.pk if township else None,
        address=g.get("address", ""),
        description=description,
    )
    routes = selectors.routing_suggestions(subject=subject, place=township or county, text=description)
    return render(
        request,
        "hotline/_suggest.html",
        {
            "knowledge": knowledge,
            "duplicates": duplicates,
            "routes": routes[:3],
            "seat": seat_for(subject),
            "subject": subject,
        },
    )


@login_required
def townships(request: HttpRequest) -> HttpResponse:
    """htmx: the township options of a county."""
    county = request.GET.get("county", "")
    rows = (
        list(OrgUnit.objects.filter(parent_id=int(county), kind="township").order_by("sort"))
        if county.isdigit()
        else []
    )
    return render(request, "hotline/_townships.html", {"rows": rows})
