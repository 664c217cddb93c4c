"""XLSX and CSV exports of reports and event aggregates, by county and township, with an
optional HXL hashtag row (?hxl=1) for humanitarian data exchange."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from disaster.models import CurrentFigures, Report, ReportRow
from disaster.policies import ReportPolicy, county_q
from disaster.rules.indicators import indicators_for
from disaster.views.common import get_event
from portal.audit import audit_record
from portal.exports import csv_response, xlsx_response

FORMATS = ("xlsx", "csv")


def _want_hxl(request: HttpRequest) -> bool:
    return request.GET.get("hxl", "") in ("1", "true", "yes")


def _respond(
    request: HttpRequest,
    fmt: str,
    filename: str,
    sheet: str,
    header: list[str],
    hxl: list[str],
    rows: Iterator[list[Any]],
) -> HttpResponse:
    with_hxl = _want_hxl(request)
    if fmt == "csv":
        return csv_response(f"{filename}.csv", header, rows, extra_header_rows=[hxl] if with_hxl else [])
    body = ([hxl] if with_hxl else []) + list(rows)
    return xlsx_response(f"{filename}.xlsx", [(sheet, header, body)], note="")


@login_required
def export_aggregate(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The event aggregate: one row per county (sum of its townships' latest values) and one per
    township (its latest current values), for the counties the user may see."""
    if fmt not in FORMATS:
        raise Http404
    event = get_event(request, pk, "export")
    indicators = indicators_for(event.is_drought)
    qs = CurrentFigures.objects.filter(event=event).select_related("county", "township", "report")
    q = county_q(request.user)
    if q is not None:
        qs = qs.filter(q)
    figures = list(qs.order_by("county__sort", "county_id", "township__sort", "township_id"))
    header = ["层级", "县区", "县区代码", "乡镇（街道）", "数据来源报告", *[i.label for i in indicators]]
    hxl = ["", "#adm2+name", "#adm2+code", "#adm3+name", "#meta+source", *[i.hxl for i in indicators]]

    def rows() -> Iterator[list[Any]]:
        by_county: dict[int, list[CurrentFigures]] = {}
        for cf in figures:
            by_county.setdefault(cf.county_id, []).append(cf)
        for items in by_county.values():
            county = items[0].county
            yield [
                "县区合计",
                county.name,
                county.code,
                "",
                "",
                *[sum(getattr(cf, i.field) for cf in items) for i in indicators],
            ]
            for cf in items:
                yield [
                    "乡镇",
                    county.name,
                    county.code,
                    cf.township.name,
                    f"{cf.report.title}（#{cf.report_id}）",
                    *[getattr(cf, i.field) for i in indicators],
                ]

    audit_record(
        actor=request.user,
        action="disaster.export.aggregate",
        obj=event,
        extra={"format": fmt, "hxl": _want_hxl(request)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return _respond(request, fmt, f"灾情汇总-{event.title}-{stamp}", "灾情汇总", header, hxl, rows())


@login_required
def export_reports(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Every report of the event (the user's scope), one row per township, with its status:
    current or superseded by a correction."""
    if fmt not in FORMATS:
        raise Http404
    event = get_event(request, pk, "export")
    return _reports_export(
        request,
        fmt,
        ReportPolicy().scope(request.user).filter(event=event),
        f"灾情报告-{event.title}",
        event.is_drought,
    )


@login_required
def export_report(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    report = ReportPolicy().get(request.user, pk=pk)
    return _reports_export(
        request,
        fmt,
        Report.objects.filter(pk=report.pk),
        f"{report.county.name}{report.title}-{report.event.title}",
        report.drought,
    )


def _reports_export(
    request: HttpRequest, fmt: str, reports: Any, filename: str, drought: bool
) -> HttpResponse:
    indicators = indicators_for(drought)
    header = [
        "报告编号",
        "县区",
        "乡镇（街道）",
        "类别",
        "期次",
        "版本",
        "状态",
        "实际报告时间",
        "录入时间",
        "报告方式",
        *[i.label for i in indicators],
    ]
    hxl = [
        "#meta+id",
        "#adm2+name",
        "#adm3+name",
        "#meta+type",
        "#meta+seq",
        "#meta+version",
        "#meta+status",
        "#date+reported",
        "#date+entered",
        "#meta+channel",
        *[i.hxl for i in indicators],
    ]
    ids = list(reports.values_list("pk", flat=True))
    superseded = set(Report.objects.filter(supersedes_id__in=ids).values_list("supersedes_id", flat=True))
    rows_qs = (
        ReportRow.objects.filter(report_id__in=ids)
        .select_related("report", "report__county", "township")
        .order_by("report__county__sort", "report__seq", "report__version", "township__sort")
    )

    def rows() -> Iterator[list[Any]]:
        for row in rows_qs.iterator(chunk_size=2000):
            r = row.report
            yield [
                r.pk,
                r.county.name,
                row.township.name,
                r.get_kind_display(),
                r.seq,
                r.version,
                "已被更正" if r.pk in superseded else "有效",
                r.reported_at,
                r.submitted_at,
                r.get_channel_display(),
                *[getattr(row, i.field) for i in indicators],
            ]

    audit_record(
        actor=request.user, action="disaster.export.reports", extra={"format": fmt, "reports": len(ids)}
    )
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return _respond(request, fmt, f"{filename}-{stamp}", "灾情报告", header, hxl, rows())
