"""Dashboards (§8–9): volume over time, hot topics and spikes, repeated complaints at one
address, GB/T 33358 figures, and the unit ranking with an XLSX export stating its purpose."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from hotline import forms as f
from hotline import stats as st
from hotline.policies import may_view_stats
from hotline.selectors import analysis_params, repeated_addresses
from portal.audit import audit_record
from portal.exports import xlsx_response


def _period(request: HttpRequest) -> st.Period:
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("from", ""))
        end = date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        return st.default_period(today)
    if end < start or (end - start).days > 366:
        return st.default_period(today)
    return st.Period(start, end)


def _pct(value: object) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"  # type: ignore[operator]


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    if not may_view_stats(request.user):
        raise PermissionDenied("您没有查看统计分析的权限")
    period = _period(request)
    params = analysis_params(period.end)
    repeat_start = st.day_start(period.end - timedelta(days=int(params.get("repeat_address_days", 30)) - 1))
    ranking = [
        {
            "unit": unit,
            "score": score,
            "figures": figures,
            "pct": {
                "sign": _pct(score.sign_rate),
                "sign_on_time": _pct(score.sign_on_time_rate),
                "on_time": _pct(score.on_time_rate),
                "return": _pct(score.return_rate),
                "extension": _pct(score.extension_rate),
                "redo": _pct(score.redo_rate),
                "resolution": _pct(score.resolution_rate),
                "satisfaction": _pct(score.satisfaction_rate),
            },
        }
        for unit, score, figures in st.unit_ranking(period)
    ]
    return render(
        request,
        "hotline/stats.html",
        {
            "period": period,
            "standards": st.service_standards(period),
            "chart": json.dumps(st.daily_volume(period), ensure_ascii=False),
            "top_categories": st.top_categories(period),
            "by_county": st.by_county(period),
            "spikes": st.spikes(period.end),
            "repeated": repeated_addresses(repeat_start, period.end_dt, int(params["repeat_address_min"])),
            "ranking": ranking,
            "export_form": f.ExportForm(),
        },
    )


@login_required
def ranking_export(request: HttpRequest) -> HttpResponse:
    if not may_view_stats(request.user):
        raise PermissionDenied("您没有导出排名的权限")
    export = f.ExportForm(request.GET)
    if not export.is_valid():
        messages.error(request, "导出须填写用途和使用范围")
        return redirect("hotline:stats")
    period = _period(request)
    purpose, scope = export.cleaned_data["purpose"], export.cleaned_data["scope"]
    audit_record(
        actor=request.user,
        action="hotline.ranking.export",
        extra={"purpose": purpose, "scope": scope, "from": period.start, "to": period.end},
    )
    header = [
        "排名",
        "承办单位",
        "综合得分",
        "派单数",
        "签收率",
        "按时签收率",
        "按时办结率",
        "退回率",
        "延期率",
        "重办率",
        "解决率",
        "满意率",
    ]
    rows = []
    for i, (unit, s, fig) in enumerate(st.unit_ranking(period), start=1):
        rows.append(
            [
                i,
                unit.name,
                s.score,
                fig.dispatched,
                s.sign_rate,
                s.sign_on_time_rate,
                s.on_time_rate,
                s.return_rate,
                s.extension_rate,
                s.redo_rate,
                s.resolution_rate,
                s.satisfaction_rate,
            ]
        )
    note = f"用途：{purpose}；使用范围：{scope}；统计期 {period.start}～{period.end}；导出人：{request.user}"
    return xlsx_response(
        f"12345承办单位排名-{period.end:%Y%m%d}.xlsx", [("承办单位排名", header, rows)], note=note
    )
