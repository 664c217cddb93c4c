"""The on-duty roster, the thresholds page (versions, preview, new version), my deadlines,
the relief ledger, exports."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from disaster.forms import DutyShiftForm, FiguresForm, LedgerHouseholdForm, LedgerImportForm, LedgerPersonForm
from disaster.models import DutyShift, EventCounty, LedgerHousehold, LedgerPerson
from disaster.policies import (
    DutyShiftPolicy,
    LedgerHouseholdPolicy,
    LedgerPersonPolicy,
    event_counties_for,
    is_city_viewer,
)
from disaster.rules import Figures, assess, defaults
from disaster.rules.ledger import mask_id
from disaster.rules.levels import INDICATOR_ZH, LEVELS, level_zh
from disaster.selectors import my_deadlines, overdue_deadlines
from disaster.services import ledger as led
from disaster.services import response as resp
from disaster.services.common import is_office
from disaster.views.common import error_message, flash_error, get_event, int_param, require_disaster_user
from portal.access import CITY_ADMIN, has_role
from portal.errors import DomainError, RuleViolation
from portal.models import Membership, OrgUnit, RuleSet, User
from portal.rulesets import RuleSetMissing, ruleset_create_version, ruleset_in_force

# --- roster -------------------------------------------------------------------------------


def _roster_units(request: HttpRequest) -> list[OrgUnit]:
    if has_role(request.user, CITY_ADMIN) or is_office(request.user):
        return list(
            OrgUnit.objects.filter(
                kind__in=["county", "department", "committee", "township"], active=True
            ).order_by("path")
        )
    ids = Membership.objects.active().filter(user=request.user).values("unit_id")
    return list(OrgUnit.objects.filter(pk__in=ids).order_by("path"))


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    units = _roster_units(request)
    if not units:
        raise PermissionDenied("您没有所属单位")
    wanted = int_param(request, "unit")
    chosen = next((u for u in units if u.pk == wanted), None) if wanted else units[0]
    if chosen is None:
        raise Http404
    members = User.objects.filter(
        pk__in=Membership.objects.active().filter(unit=chosen).values("user_id")
    ).order_by("pk")
    form = DutyShiftForm(request.POST or None, users=members)
    may_manage = resp.may_manage_roster(request.user, chosen)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("只能安排本单位值班")
        cancel = int_param(request, "cancel")
        if cancel is not None:
            shift = DutyShiftPolicy().get(request.user, pk=cancel, unit=chosen)
            try:
                resp.duty_shift_cancel(shift=shift, actor=request.user)
            except DomainError as exc:
                flash_error(request, exc)
            else:
                messages.success(request, "已取消该值班")
            return redirect(f"{request.path}?unit={chosen.pk}")
        if form.is_valid():
            d = form.cleaned_data
            try:
                resp.duty_shift_add(
                    unit_obj=chosen,
                    user=d["user"],
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    phone=d["phone"],
                    note=d["note"],
                    actor=request.user,
                )
            except RuleViolation as exc:
                for name, msgs in exc.errors.items():
                    for m in msgs:
                        form.add_error(name if name in form.fields else None, m)
            else:
                messages.success(request, "已安排值班")
                return redirect(f"{request.path}?unit={chosen.pk}")
    now = timezone.now()
    shifts = list(
        DutyShiftPolicy()
        .scope(request.user)
        .filter(unit=chosen, ends_at__gt=now, cancelled_at__isnull=True)
        .order_by("starts_at")[:100]
    )
    return render(
        request,
        "disaster/roster.html",
        {
            "units": units,
            "unit": chosen,
            "shifts": shifts,
            "now": now,
            "form": form,
            "may_manage": may_manage,
        },
        status=400 if form.errors else 200,
    )


# --- thresholds ---------------------------------------------------------------------------

THRESHOLD_FIELDS = list(INDICATOR_ZH)


def _params_from_post(post: Any, base: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The edited thresholds grid → rule-set params (keeps deciders/report_to from the base)."""
    errors: dict[str, list[str]] = {}
    levels = []
    for level in LEVELS:
        thresholds: dict[str, Any] = {}
        for ind in THRESHOLD_FIELDS:
            raw = post.get(f"t-{level}-{ind}", "").strip()
            if raw == "":
                continue
            if ind == "drought_share":
                try:
                    value = Decimal(raw)
                    if not value.is_finite() or not 0 <= value <= 1:
                        raise ValueError
                except (ArithmeticError, ValueError):
                    errors.setdefault(f"t-{level}-{ind}", []).append(
                        f"{level_zh(level)}·{INDICATOR_ZH[ind]}：须为 0–1 之间的比例，如 0.10"
                    )
                    continue
                thresholds[ind] = str(value)
            else:
                if not raw.isdigit():
                    errors.setdefault(f"t-{level}-{ind}", []).append(
                        f"{level_zh(level)}·{INDICATOR_ZH[ind]}：须为不小于 0 的整数"
                    )
                    continue
                thresholds[ind] = int(raw)
        levels.append({"level": level, "thresholds": thresholds})
    pop_raw = post.get("agricultural_population_setting", "").strip()
    population: int | None = None
    if pop_raw:
        if pop_raw.isdigit():
            population = int(pop_raw)
        else:
            errors.setdefault("agricultural_population_setting", []).append(
                "全市农牧业人口须为整数（留空表示未设置）"
            )
    params = {**base, "levels": levels, "agricultural_population": population}
    return params, errors


def _grid(params: dict[str, Any]) -> list[dict[str, Any]]:
    by_level = {row["level"]: row.get("thresholds", {}) for row in params.get("levels", [])}
    return [
        {
            "level": level,
            "label": level_zh(level),
            "cells": [(ind, by_level.get(level, {}).get(ind, "")) for ind in THRESHOLD_FIELDS],
        }
        for level in LEVELS
    ]


@login_required
def thresholds(request: HttpRequest) -> HttpResponse:
    """Versions of the level thresholds, a preview ("what level would these figures give under
    this version — or under these edited values?") and, for admins, a new dated version."""
    if not (
        is_city_viewer(request.user)
        and (has_role(request.user, CITY_ADMIN) or is_office(request.user) or resp.may_adjust(request.user))
    ):
        raise PermissionDenied("响应启动条件供市级管理员和市减灾委办公室使用")
    key = defaults.RESPONSE_LEVELS_KEY
    versions = list(RuleSet.objects.filter(key=key).order_by("-version"))
    try:
        in_force = ruleset_in_force(key)
    except RuleSetMissing:
        in_force = None
    chosen_id = int_param(request, "version")
    chosen = (
        next((v for v in versions if v.pk == chosen_id), None)
        or in_force
        or (versions[0] if versions else None)
    )
    if chosen is None:
        raise Http404
    is_admin = has_role(request.user, CITY_ADMIN)
    figures_form = FiguresForm(request.POST or request.GET or None)
    params = chosen.params
    edit_errors: dict[str, list[str]] = {}
    editing = request.method == "POST" and is_admin
    if editing:
        params, edit_errors = _params_from_post(request.POST, chosen.params)
    result = None
    if figures_form.is_bound and figures_form.is_valid() and not edit_errors:
        d = {k: (v or 0) for k, v in figures_form.cleaned_data.items() if k != "agricultural_population"}
        result = assess(
            Figures(**d),
            params,
            agricultural_population=figures_form.cleaned_data.get("agricultural_population"),
        )
    if editing and request.POST.get("save") and not edit_errors:
        try:
            valid_from = date.fromisoformat(request.POST.get("valid_from", ""))
        except ValueError:
            edit_errors["valid_from"] = ["请填写生效日期"]
        else:
            try:
                created = ruleset_create_version(
                    key=key,
                    params=params,
                    valid_from=valid_from,
                    reason=request.POST.get("reason", ""),
                    source=chosen.source,
                    actor=request.user,
                )
            except RuleViolation as exc:
                edit_errors.update(exc.errors)
            else:
                messages.success(request, f"已保存第 {created.version} 版（{created.valid_from} 起生效）")
                return redirect(f"{request.path}?version={created.pk}")
    return render(
        request,
        "disaster/thresholds.html",
        {
            "versions": versions,
            "chosen": chosen,
            "in_force": in_force,
            "grid": _grid(params),
            "indicator_names": [INDICATOR_ZH[i] for i in THRESHOLD_FIELDS],
            "figures_form": figures_form,
            "result": result,
            "is_admin": is_admin,
            "edit_errors": edit_errors,
            "editing": editing,
            "population": params.get("agricultural_population"),
            "post": request.POST,
            "today": timezone.localdate().isoformat(),
            "params_json": json.dumps(params, ensure_ascii=False, indent=2),
        },
        status=400 if edit_errors else 200,
    )


# --- my deadlines -------------------------------------------------------------------------


@login_required
def deadlines_page(request: HttpRequest) -> HttpResponse:
    require_disaster_user(request)
    now = timezone.now()
    items = list(my_deadlines(request.user)[:200])
    return render(
        request,
        "disaster/deadlines.html",
        {"items": items, "now": now, "overdue": overdue_deadlines(request.user, limit=100)},
    )


# --- ledger -------------------------------------------------------------------------------


@login_required
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(request, pk)
    ecs = list(event_counties_for(request.user, event))
    wanted = int_param(request, "county")
    ec: EventCounty | None = (
        next((e for e in ecs if e.county_id == wanted), None) if wanted else (ecs[0] if ecs else None)
    )
    if ec is None:
        raise Http404
    county = ec.county
    from disaster.services.reports import townships_of

    towns = townships_of(county)
    may_keep = led.may_keep_ledger(request.user, county)
    person_form = LedgerPersonForm(townships=towns, prefix="p")
    household_form = LedgerHouseholdForm(townships=towns, prefix="h")
    unmasked: dict[str, str] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "unmask":
                kind, _, row_id = request.POST.get("row", "").partition("-")
                policy = LedgerPersonPolicy() if kind == "p" else LedgerHouseholdPolicy()
                row = policy.get(
                    request.user, pk=int(row_id) if row_id.isdigit() else 0, event=event, county=county
                )
                unmasked[f"{kind}-{row.pk}"] = led.ledger_unmask(row=row, actor=request.user)
            elif not may_keep:
                raise PermissionDenied("只能维护本县区的救助台账")
            elif action == "person":
                person_form = LedgerPersonForm(request.POST, townships=towns, prefix="p")
                if person_form.is_valid():
                    led.ledger_person_add(
                        event=event, county=county, data=person_form.cleaned_data, actor=request.user
                    )
                    messages.success(request, "已添加人员")
                    return redirect(f"{request.path}?county={county.pk}")
            elif action == "household":
                household_form = LedgerHouseholdForm(request.POST, townships=towns, prefix="h")
                if household_form.is_valid():
                    led.ledger_household_add(
                        event=event, county=county, data=household_form.cleaned_data, actor=request.user
                    )
                    messages.success(request, "已添加住房户")
                    return redirect(f"{request.path}?county={county.pk}")
            elif action == "import":
                form = LedgerImportForm(request.POST, request.FILES)
                if form.is_valid():
                    result = led.ledger_import_xlsx(
                        event=event, county=county, fileobj=form.cleaned_data["file"], actor=request.user
                    )
                    messages.success(request, f"已导入 {result.created} 条")
                    for err in result.errors[:20]:
                        messages.warning(request, err)
                    return redirect(f"{request.path}?county={county.pk}")
                messages.error(request, "请选择 XLSX 文件")
            elif action == "void":
                kind, _, row_id = request.POST.get("row", "").partition("-")
                policy = LedgerPersonPolicy() if kind == "p" else LedgerHouseholdPolicy()
                row = policy.get(
                    request.user, pk=int(row_id) if row_id.isdigit() else 0, event=event, county=county
                )
                led.ledger_void(row=row, reason=request.POST.get("reason", ""), actor=request.user)
                messages.success(request, "已作废该记录")
                return redirect(f"{request.path}?county={county.pk}")
        except RuleViolation as exc:
            target = person_form if action == "person" else household_form if action == "household" else None
            if target is not None:
                for name, msgs in exc.errors.items():
                    for m in msgs:
                        target.add_error(name if name in target.fields else None, m)
            else:
                messages.error(request, error_message(exc))
        except DomainError as exc:
            flash_error(request, exc)
    persons = list(
        LedgerPersonPolicy().scope(request.user).filter(event=event, county=county).order_by("category", "pk")
    )
    households = list(
        LedgerHouseholdPolicy().scope(request.user).filter(event=event, county=county).order_by("pk")
    )
    for row in persons:
        row.masked = unmasked.get(f"p-{row.pk}") or mask_id(row.id_number)  # type: ignore[attr-defined]
    for hh in households:
        hh.masked = unmasked.get(f"h-{hh.pk}") or mask_id(hh.id_number)  # type: ignore[attr-defined]
    verified = event.reports.filter(county=county, kind="verified").exists()
    return render(
        request,
        "disaster/ledger.html",
        {
            "event": event,
            "ecs": ecs,
            "county": county,
            "persons": persons,
            "households": households,
            "person_form": person_form,
            "household_form": household_form,
            "import_form": LedgerImportForm(),
            "may_keep": may_keep and verified,
            "verified": verified,
            "may_unmask": led.may_unmask(request.user, county),
        },
        status=400 if (person_form.errors or household_form.errors) else 200,
    )


__all__ = ["DutyShift", "LedgerHousehold", "LedgerPerson", "redirect", "require_POST"]
