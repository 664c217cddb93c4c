"""The county filing page: a grid of the county's townships, totals as you type, drafts saved
automatically with the §1 checks shown inline, idempotent submission, corrections, attachments."""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from disaster.forms import AttachmentForm
from disaster.models import Attachment, EventCounty, MissingPersonChange, PhoneReport, Report, ReportRow
from disaster.policies import AttachmentPolicy, ReportPolicy, filing_counties, is_city_viewer
from disaster.rules.checks import MISSING_OUTCOMES
from disaster.rules.indicators import ALL_FIELDS, MONEY_FIELDS, indicators_for
from disaster.services import reports as svc
from disaster.services.events import may_file_for
from disaster.views.common import error_message, get_event, int_param
from portal.errors import DomainError, RuleViolation
from portal.models import OrgUnit
from portal.uploads import attachment_response

MISSING_ROWS = 10


def _filing_target(request: HttpRequest, event: Any) -> EventCounty:
    counties = filing_counties(request.user, event)
    wanted = int_param(request, "county")
    if wanted is not None:
        for ec in counties:
            if ec.county_id == wanted:
                return ec
        if EventCounty.objects.filter(event=event, county_id=wanted).exists() and is_city_viewer(
            request.user
        ):
            raise PermissionDenied("只有本县区工作人员可以报送")
        raise Http404
    if not counties:
        raise PermissionDenied("只有受灾县区的工作人员可以报送灾情")
    return counties[0]


def _mode(request: HttpRequest, event: Any, county: OrgUnit) -> dict[str, Any]:
    """What is being filed: a kind, or a correction of a current report."""
    correct_id = int_param(request, "correct")
    if correct_id is not None:
        original = Report.objects.filter(pk=correct_id, event=event, county=county).first()
        if original is None:
            raise Http404
        return {"kind": original.kind, "correct": original}
    return {"kind": svc.next_kind(event, county), "correct": None}


def _values_from_post(post: Any, townships: list[OrgUnit], fields: list[str]) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for town in townships:
        values = {f: post.get(f"r-{town.pk}-{f}", "").strip() for f in fields}
        rows[str(town.pk)] = values
    return rows


def _missing_from_post(post: Any) -> list[dict[str, str]]:
    out = []
    for i in range(MISSING_ROWS):
        name = post.get(f"mc-name-{i}", "").strip()
        township = post.get(f"mc-township-{i}", "").strip()
        outcome = post.get(f"mc-outcome-{i}", "").strip()
        note = post.get(f"mc-note-{i}", "").strip()
        if name or outcome or note:
            out.append({"township": township, "name": name, "outcome": outcome, "note": note})
    return out


def _draft_from_post(
    request: HttpRequest, townships: list[OrgUnit], fields: list[str], mode: dict[str, Any]
) -> dict[str, Any]:
    post = request.POST
    return {
        "kind": mode["kind"],
        "correct": mode["correct"].pk if mode["correct"] else None,
        "token": post.get("token", "")[:64],
        "rows": _values_from_post(post, townships, fields),
        "description": post.get("description", ""),
        "major_change": post.get("major_change") == "on",
        "missing_changes": _missing_from_post(post),
        "channel": post.get("channel", "system"),
        "reported_at": post.get("reported_at", ""),
        "outage_note": post.get("outage_note", ""),
        "correction_reason": post.get("correction_reason", ""),
        "phone_log": post.get("phone_log", ""),
    }


def _rows_for_submit(data: dict[str, Any], keep: set[int]) -> dict[int, dict[str, str]]:
    """Townships with at least one figure or with figures in an earlier report (so a value that
    went back to 0 is reported); a report with every cell blank keeps all rows (a "zero report"
    still says every township was checked)."""
    rows = {int(k): v for k, v in data["rows"].items()}
    filled = {
        k: v
        for k, v in rows.items()
        if k in keep or any(str(x).strip() not in ("", "0", "0.00") for x in v.values())
    }
    return filled or rows


def _keep(event: Any, county: OrgUnit, mode: dict[str, Any]) -> set[int]:
    if mode["correct"] is not None:
        return set(ReportRow.objects.filter(report=mode["correct"]).values_list("township_id", flat=True))
    return set(svc.previous_values(event, county))


def _aware(text: str) -> Any:
    if not text:
        return None
    parsed = parse_datetime(text)
    if parsed is None:
        raise RuleViolation(errors={"reported_at": ["实际报告时间格式无效"]})
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _prefill(
    event: Any, county: OrgUnit, mode: dict[str, Any], townships: list[OrgUnit], fields: list[str]
) -> dict[str, dict[str, str]]:
    """Start values: a correction starts from the original; a continuing or verified report
    from each township's latest values (a "no change" zero report is one click)."""
    source: dict[int, dict[str, Any]] = {}
    if mode["correct"] is not None:
        for row in ReportRow.objects.filter(report=mode["correct"]).values("township_id", *fields):
            source[row["township_id"]] = row
    elif mode["kind"] in (Report.Kind.CONTINUING, Report.Kind.VERIFIED):
        source = svc.previous_values(event, county)
    out = {}
    for town in townships:
        values = source.get(town.pk)
        out[str(town.pk)] = {
            f: ("" if values is None or not values.get(f) else str(values[f])) for f in fields
        }
    return out


def _context(
    request: HttpRequest,
    event: Any,
    ec: EventCounty,
    mode: dict[str, Any],
    data: dict[str, Any],
    check: Any,
    draft: Any,
) -> dict[str, Any]:
    county = ec.county
    indicators = indicators_for(event.is_drought)
    townships = svc.townships_of(county)
    previous = svc.previous_values(event, county)
    grid = []
    for town in townships:
        key = str(town.pk)
        values = data["rows"].get(key, {})
        cells = []
        for ind in indicators:
            name = f"rows.{town.pk}.{ind.field}"
            prev = previous.get(town.pk, {}).get(ind.field)
            cells.append(
                {
                    "field": ind.field,
                    "label": ind.label,
                    "name": f"r-{town.pk}-{ind.field}",
                    "value": values.get(ind.field, ""),
                    "errors": check.errors.get(name, []) if check else [],
                    "prev": "" if prev is None else prev,
                    "money": ind.money,
                }
            )
        grid.append({"township": town, "cells": cells})
    missing = list(data.get("missing_changes") or [])
    missing += [{}] * (MISSING_ROWS - len(missing))
    phone_log = None
    phone_id = int_param(request, "phone_log") or (
        int(data["phone_log"]) if str(data.get("phone_log") or "").isdigit() else None
    )
    if phone_id:
        phone_log = PhoneReport.objects.filter(
            pk=phone_id, event=event, county=county, reports__isnull=True
        ).first()
    other_errors = {k: v for k, v in (check.errors.items() if check else []) if not k.startswith("rows.")}
    return {
        "event": event,
        "ec": ec,
        "county": county,
        "mode": mode,
        "kind_label": Report.Kind(mode["kind"]).label if mode["kind"] else "",
        "indicators": indicators,
        "grid": grid,
        "totals": (check.totals if check else {}),
        "data": data,
        "check": check,
        "row_errors": [(k, v) for k, v in (check.errors.items() if check else []) if k.startswith("rows.")],
        "other_errors": other_errors,
        "missing_rows": [(i, m) for i, m in enumerate(missing[:MISSING_ROWS])],
        "outcomes": list(MISSING_OUTCOMES.items()),
        "townships": townships,
        "draft": draft,
        "channels": Report.Channel.choices,
        "attachments": list(Attachment.objects.filter(event=event, county=county, report__isnull=True)),
        "photo_count": svc.photo_count(event, county),
        "response_active": bool(event.current_level),
        "attachment_form": AttachmentForm(),
        "phone_log": phone_log,
        "money_fields": list(MONEY_FIELDS),
        "reports": list(svc.current_report_q(event, county).order_by("-seq")[:10]),
    }


@login_required
def file_report(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(request, pk)
    ec = _filing_target(request, event)
    county = ec.county
    mode = _mode(request, event, county)
    indicators = indicators_for(event.is_drought)
    fields = [i.field for i in indicators]
    townships = svc.townships_of(county)
    draft = svc.draft_for(event, county)
    if mode["kind"] is None:
        messages.info(request, "本县区当前没有需要报送的报告（如需修改已报送的数据，请在报告页“更正”）。")
        return redirect(event.get_absolute_url())
    if request.method == "POST":
        data = _draft_from_post(request, townships, fields, mode)
        try:
            report = svc.report_submit(
                event=event,
                county=county,
                kind=mode["kind"],
                rows=_rows_for_submit(data, _keep(event, county, mode)),
                actor=request.user,
                client_token=data["token"] or None,
                description=data["description"],
                major_change=data["major_change"],
                missing_changes=data["missing_changes"],
                channel=data["channel"],
                reported_at=_aware(data["reported_at"]) if data["channel"] != "system" else None,
                outage_note=data["outage_note"],
                phone_log=PhoneReport.objects.filter(
                    pk=int(data["phone_log"]), event=event, county=county
                ).first()
                if str(data["phone_log"]).isdigit()
                else None,
                supersedes=mode["correct"],
                correction_reason=data["correction_reason"],
            )
        except RuleViolation as exc:
            svc.draft_save(event=event, county=county, data=data, actor=request.user)
            check = svc.check_submission(
                event=event,
                county=county,
                rows=_rows_for_submit(data, _keep(event, county, mode)),
                is_correction=mode["correct"] is not None,
                missing_changes=data["missing_changes"],
            )
            check.errors = {**check.errors, **exc.errors}
            ctx = _context(request, event, ec, mode, data, check, svc.draft_for(event, county))
            ctx["error_summary"] = error_message(exc)
            return render(request, "disaster/file.html", ctx, status=400)
        except DomainError as exc:
            svc.draft_save(event=event, county=county, data=data, actor=request.user)
            messages.error(request, error_message(exc))
            return redirect(request.get_full_path())
        messages.success(request, f"已报送：{county.name}{report.title}（{report.row_count} 个乡镇）")
        return redirect(report.get_absolute_url())
    same_mode = (
        draft is not None
        and draft.data.get("kind") == mode["kind"]
        and draft.data.get("correct") == (mode["correct"].pk if mode["correct"] else None)
    )
    if same_mode:
        data = draft.data
        check = svc.check_submission(
            event=event,
            county=county,
            rows=_rows_for_submit(data, _keep(event, county, mode)),
            is_correction=mode["correct"] is not None,
            missing_changes=data.get("missing_changes") or [],
        )
    else:
        data = {
            "kind": mode["kind"],
            "correct": mode["correct"].pk if mode["correct"] else None,
            "token": secrets.token_hex(16),
            "rows": _prefill(event, county, mode, townships, fields),
            "description": "",
            "major_change": False,
            "missing_changes": [],
            "channel": "system",
            "reported_at": "",
            "outage_note": "",
            "correction_reason": "",
            "phone_log": request.GET.get("phone_log", ""),
        }
        check = None
        if int_param(request, "phone_log"):
            data["channel"] = "phone"
    ctx = _context(request, event, ec, mode, data, check, draft)
    ctx["other_draft"] = draft if draft is not None and not same_mode else None
    return render(request, "disaster/file.html", ctx)


@login_required
@require_POST
def autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Save the draft and return the §1 checks and totals (the page shows them inline)."""
    event = get_event(request, pk)
    ec = _filing_target(request, event)
    county = ec.county
    mode = _mode(request, event, county)
    if mode["kind"] is None:
        return JsonResponse({"detail": "当前没有需要报送的报告"}, status=409)
    fields = [i.field for i in indicators_for(event.is_drought)]
    data = _draft_from_post(request, svc.townships_of(county), fields, mode)
    draft = svc.draft_save(event=event, county=county, data=data, actor=request.user)
    check = svc.check_submission(
        event=event,
        county=county,
        rows=_rows_for_submit(data, _keep(event, county, mode)),
        is_correction=mode["correct"] is not None,
        missing_changes=data["missing_changes"],
    )
    return JsonResponse(
        {
            "saved_at": timezone.localtime(draft.updated_at).strftime("%H:%M:%S"),
            "errors": check.errors,
            "totals": {k: str(v) for k, v in check.totals.items()},
        }
    )


@login_required
@require_POST
def discard_draft(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_event(request, pk)
    ec = _filing_target(request, event)
    svc.draft_discard(event=event, county=ec.county, actor=request.user)
    messages.info(request, "已放弃草稿")
    return redirect(f"/disaster/events/{event.pk}/file/?county={ec.county_id}")


@login_required
@require_POST
def upload_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload to the county's draft (report empty) or, with ?report=, to a submitted report."""
    event = get_event(request, pk)
    ec = _filing_target(request, event)
    report = None
    report_id = int_param(request, "report")
    if report_id is not None:
        report = ReportPolicy().get(request.user, "attach", pk=report_id, event=event)
    form = AttachmentForm(request.POST, request.FILES)
    back = report.get_absolute_url() if report else f"/disaster/events/{event.pk}/file/?county={ec.county_id}"
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(back)
    try:
        svc.attachment_add(
            event=event,
            county=ec.county,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            note=form.cleaned_data["note"],
            report=report,
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, "附件已上传")
    return redirect(back)


@login_required
def download_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = AttachmentPolicy().get(request.user, pk=pk)
    # Always a download with nosniff and a sandboxing CSP: the stored content type is what the
    # browser declared, so it must not decide whether the file is rendered from our origin.
    return attachment_response(attachment.file, attachment.original_name)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = ReportPolicy().get(request.user, pk=pk)
    rows = list(
        ReportRow.objects.filter(report=report)
        .select_related("township")
        .order_by("township__sort", "township_id")
    )
    indicators = indicators_for(report.drought)
    grid = [{"township": r.township, "values": [getattr(r, i.field) for i in indicators]} for r in rows]
    totals = [report.totals.get(i.field, "0") for i in indicators]
    successor = Report.objects.filter(supersedes=report).first()
    versions = list(
        Report.objects.filter(event=report.event, county=report.county, seq=report.seq).order_by("version")
    )
    return render(
        request,
        "disaster/report.html",
        {
            "report": report,
            "event": report.event,
            "indicators": indicators,
            "grid": grid,
            "totals": totals,
            "successor": successor,
            "versions": versions,
            "missing_changes": list(
                MissingPersonChange.objects.filter(report=report).select_related("township")
            ),
            "attachments": list(report.attachments.all()),
            "may_correct": successor is None
            and may_file_for(request.user, report.county)
            and report.event.status != "closed",
            "attachment_form": AttachmentForm(),
            "all_fields": ALL_FIELDS,
        },
    )


def grid_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
