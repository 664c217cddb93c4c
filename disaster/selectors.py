"""Every read of the disaster app, already scoped by the policies. Aggregates come from the
maintained `CurrentFigures` table (one small GROUP BY per event) — never from replaying reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from disaster.models import (
    Assessment,
    CityReport,
    CurrentFigures,
    Event,
    EventCounty,
    LevelAdjustment,
    LevelChange,
    PhoneReport,
    Proposal,
    Report,
    VerificationRequest,
)
from disaster.policies import EventPolicy, ProposalPolicy, county_q, is_city_viewer
from disaster.rules.indicators import ALL_FIELDS, MONEY_FIELDS
from disaster.rules.levels import level_zh
from disaster.services.common import ALL_KINDS, COUNTY_KINDS, KIND_LABELS
from portal.models import Deadline, OrgUnit

KEY_FIELDS = (
    "affected",
    "deaths",
    "missing",
    "relocated_rt",
    "relocated_cum",
    "needing_aid_cum",
    "drought_aid_cum",
    "collapsed_rooms",
    "severe_rooms",
    "direct_loss",
)


def event_choices_for_linking() -> list[tuple[int, str]]:
    """Active disaster events as (id, title), for another app to link records (e.g. a 12345
    order about a sudden disaster) to an event by id. Not scoped: titles of ongoing disasters are
    public within the portal; the linking app scopes its own records."""
    return list(
        Event.objects.filter(status__in=[Event.Status.ACTIVE, Event.Status.STABLE])
        .order_by("-started_at", "-pk")
        .values_list("pk", "title")[:200]
    )


def _zero() -> dict[str, Any]:
    return {f: (Decimal("0.00") if f in MONEY_FIELDS else 0) for f in ALL_FIELDS}


def _sums(qs: QuerySet[CurrentFigures], group: list[str]) -> list[dict[str, Any]]:
    rows = (
        qs.values(*group).annotate(**{f: Sum(f) for f in ALL_FIELDS}, townships=Count("pk")).order_by(*group)
    )
    out = []
    for row in rows:
        for f in ALL_FIELDS:
            row[f] = row[f] or (Decimal("0.00") if f in MONEY_FIELDS else 0)
        out.append(row)
    return out


@dataclass
class EventAggregate:
    counties: list[dict[str, Any]]  # one per visible affected county: county, figures, ec
    total: dict[str, Any]  # sum over the visible counties
    partial: bool  # True when the user sees only part of the event (a county officer)


def event_aggregate(event: Event, user: Any) -> EventAggregate:
    """Per-county sums of each township's latest values, for the counties the user may see."""
    ecs = list(
        EventCounty.objects.filter(event=event).select_related("county").order_by("county__sort", "county_id")
    )
    q = county_q(user)
    visible = (
        ecs
        if q is None
        else [
            ec
            for ec in EventCounty.objects.filter(event=event)
            .filter(q)
            .select_related("county")
            .order_by("county__sort")
        ]
    )
    ids = {ec.county_id for ec in visible}
    sums = {
        row["county"]: row
        for row in _sums(CurrentFigures.objects.filter(event=event, county_id__in=ids), ["county"])
    }
    counties = []
    total = _zero()
    for ec in visible:
        figures = sums.get(ec.county_id) or {**_zero(), "townships": 0}
        counties.append({"ec": ec, "county": ec.county, "figures": figures})
        for f in ALL_FIELDS:
            total[f] += figures[f]
    return EventAggregate(counties=counties, total=total, partial=q is not None)


def township_figures(event: Event, county: OrgUnit) -> list[CurrentFigures]:
    return list(
        CurrentFigures.objects.filter(event=event, county=county)
        .select_related("township", "report")
        .order_by("township__sort", "township_id")
    )


def aggregate_snapshot(event: Event) -> dict[str, Any]:
    """The whole event's aggregate as JSON (kept on each city report)."""
    counties = _sums(CurrentFigures.objects.filter(event=event), ["county", "county__name"])
    total = _zero()
    for row in counties:
        for f in ALL_FIELDS:
            total[f] += row[f]
    return {
        "at": timezone.now().isoformat(),
        "total": {k: str(v) for k, v in total.items()},
        "counties": [
            {"county": r["county"], "name": r["county__name"], **{f: str(r[f]) for f in ALL_FIELDS}}
            for r in counties
        ],
    }


# --- deadlines ----------------------------------------------------------------------------


def _subject_q(event: Event, user: Any | None) -> Q:
    """Deadlines about this event (its counties, reports, phone logs, verification requests),
    those the user may see (`user=None`: all of them)."""
    ct = ContentType.objects.get_for_models(Event, EventCounty, Report, PhoneReport, VerificationRequest)
    q = county_q(user) if user is not None else None
    ecs = EventCounty.objects.filter(event=event)
    reports = Report.objects.filter(event=event)
    phones = PhoneReport.objects.filter(event=event)
    verifications = VerificationRequest.objects.filter(event=event)
    if q is not None:
        ecs, reports, phones = ecs.filter(q), reports.filter(q), phones.filter(q)
        verifications = verifications.filter(county_q(user, "target") or Q())
    cond = (
        Q(subject_type=ct[EventCounty], subject_id__in=ecs.values("pk"))
        | Q(subject_type=ct[Report], subject_id__in=reports.values("pk"))
        | Q(subject_type=ct[PhoneReport], subject_id__in=phones.values("pk"))
        | Q(subject_type=ct[VerificationRequest], subject_id__in=verifications.values("pk"))
    )
    if q is None:
        cond |= Q(subject_type=ct[Event], subject_id=event.pk)
    return cond


def event_deadlines(event: Event, user: Any) -> list[Deadline]:
    return list(
        Deadline.objects.filter(_subject_q(event, user))
        .exclude(status=Deadline.Status.CANCELLED)
        .select_related("responsible_unit")
        .order_by("-due_at")[:120]
    )


def on_time_rates(
    *, since: datetime | None = None, event: Event | None = None, counties: list[int] | None = None
) -> dict[int, dict[str, Any]]:
    """Each county's reporting timeliness, as national systems score it: obligations that fell
    due (or were met) vs those met by their due time — the real time a report was made counts,
    so a report made by phone during an outage and entered later is on time."""
    now = timezone.now()
    qs = Deadline.objects.filter(kind__in=COUNTY_KINDS).exclude(status=Deadline.Status.CANCELLED)
    qs = qs.filter(Q(due_at__lte=now) | Q(met_at__isnull=False))
    if since is not None:
        qs = qs.filter(due_at__gte=since)
    if event is not None:
        qs = qs.filter(_subject_q(event, None))
    if counties is not None:
        qs = qs.filter(responsible_unit_id__in=counties)
    rows = qs.values("responsible_unit_id").annotate(
        due=Count("pk"),
        on_time=Count("pk", filter=Q(met_at__isnull=False, met_at__lte=F("due_at"))),
        late=Count("pk", filter=Q(met_at__isnull=False, met_at__gt=F("due_at"))),
        missed=Count("pk", filter=Q(met_at__isnull=True)),
    )
    out = {}
    for row in rows:
        rate = (Decimal(row["on_time"]) / Decimal(row["due"])) if row["due"] else None
        out[row["responsible_unit_id"]] = {**row, "rate": rate}
    return out


def overdue_deadlines(user: Any, limit: int = 50) -> list[Deadline]:
    """Every overdue disaster reporting deadline the user may see (county officers: their own)."""
    now = timezone.now()
    qs = Deadline.objects.filter(kind__in=ALL_KINDS, met_at__isnull=True).filter(
        Q(status=Deadline.Status.OVERDUE) | Q(status=Deadline.Status.OPEN, due_at__lte=now)
    )
    q = county_q(user, "responsible_unit")
    if q is not None:
        qs = qs.filter(q)
    return list(qs.select_related("responsible_unit").order_by("due_at")[:limit])


def my_deadlines(user: Any, statuses: tuple[str, ...] = ("open", "overdue")) -> QuerySet[Deadline]:
    from portal.deadlines import deadlines_for_user

    return deadlines_for_user(user, statuses=statuses).filter(kind__in=ALL_KINDS)


# --- lists --------------------------------------------------------------------------------


def events_for(user: Any, *, status: str = "", before: int | None = None, limit: int = 50) -> list[Event]:
    qs = EventPolicy().scope(user)
    if status == "open":
        qs = qs.exclude(status=Event.Status.CLOSED)
    elif status in Event.Status.values:
        qs = qs.filter(status=status)
    if before is not None:
        qs = qs.filter(pk__lt=before)
    return list(qs.order_by("-pk")[:limit])


def pending_proposals(user: Any) -> list[Proposal]:
    return list(
        ProposalPolicy().scope(user).filter(status=Proposal.Status.PENDING).order_by("proposed_at")[:50]
    )


@dataclass
class Dashboard:
    events: list[Event]
    counties: list[dict[str, Any]]
    overdue: list[Deadline]
    proposals: list[Proposal]
    since: datetime


def city_dashboard(user: Any) -> Dashboard:
    """The city's view: events not closed with their levels, per-county figures over the open
    events and each county's on-time rate this year, every overdue report, pending proposals.
    A fixed handful of queries whatever the data size."""
    now = timezone.localtime()
    since = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    events = list(
        EventPolicy().scope(user).exclude(status=Event.Status.CLOSED).order_by("-started_at", "-pk")[:50]
    )
    open_ids = [e.pk for e in events]
    counties = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, active=True).order_by("sort", "pk"))
    sums = {
        row["county"]: row for row in _sums(CurrentFigures.objects.filter(event_id__in=open_ids), ["county"])
    }
    affected = dict(
        EventCounty.objects.filter(event_id__in=open_ids)
        .values("county")
        .annotate(n=Count("event", distinct=True))
        .values_list("county", "n")
    )
    rates = on_time_rates(since=since)
    rows = []
    for county in counties:
        rows.append(
            {
                "county": county,
                "events": affected.get(county.pk, 0),
                "figures": sums.get(county.pk),
                "rate": rates.get(county.pk),
            }
        )
    return Dashboard(
        events=events,
        counties=rows,
        overdue=overdue_deadlines(user),
        proposals=pending_proposals(user) if is_city_viewer(user) else [],
        since=since,
    )


# --- the event page -----------------------------------------------------------------------


def chart_series(event: Event, limit: int = 200) -> dict[str, Any]:
    """Key cumulative indicators over time: the event aggregate after each assessment (one per
    submitted report), as a Chart.js line chart config."""
    rows = list(
        Assessment.objects.filter(event=event)
        .order_by("-created_at", "-pk")
        .values_list("created_at", "figures")[:limit]
    )
    rows.reverse()
    labels = [timezone.localtime(at).strftime("%m-%d %H:%M") for at, _ in rows]
    series = [
        ("因灾死亡和失踪", lambda f: f.get("deaths", 0) + f.get("missing", 0), "#b91c1c"),
        ("紧急转移安置（累计）", lambda f: f.get("relocated", 0), "#1d4ed8"),
        ("需紧急生活救助（累计）", lambda f: f.get("needing_aid", 0), "#15803d"),
        ("倒塌和严重损坏房屋（间）", lambda f: f.get("collapsed_rooms", 0), "#b45309"),
    ]
    if event.is_drought:
        series.append(("因旱需政府救助（累计）", lambda f: f.get("drought_needing_aid", 0), "#7c3aed"))
    return {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": label,
                    "data": [fn(f) for _, f in rows],
                    "borderColor": color,
                    "backgroundColor": color,
                    "tension": 0.1,
                }
                for label, fn, color in series
            ],
        },
        "options": {"scales": {"y": {"beginAtZero": True}}, "plugins": {"legend": {"position": "bottom"}}},
    }


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    url: str = ""
    tag: str = ""


def timeline(event: Event, user: Any, limit: int = 100) -> list[TimelineEntry]:
    """Reports, corrections, level changes, decisions, proposals, adjustments, city reports and
    missed deadlines, newest first."""
    city = is_city_viewer(user)
    entries = [
        TimelineEntry(
            event.opened_at,
            "event",
            f"录入灾害过程（{event.type.name}，发生于 {timezone.localtime(event.started_at):%m-%d %H:%M}）",
        )
    ]
    if event.stable_at:
        entries.append(
            TimelineEntry(
                event.stable_at, "event", "宣布灾情稳定" if not event.is_drought else "宣布旱情解除", tag="ok"
            )
        )
    if event.verified_at:
        entries.append(TimelineEntry(event.verified_at, "event", "市级核报汇总上报", tag="ok"))
    if event.closed_at:
        entries.append(TimelineEntry(event.closed_at, "event", "灾害过程结束"))
    q = county_q(user)
    reports = Report.objects.filter(event=event).select_related("county", "submitted_by")
    if q is not None:
        reports = reports.filter(q)
    for r in reports.order_by("-submitted_at")[:limit]:
        tag = "warning" if r.version > 1 else ("urgent" if r.major_change else "")
        extra = f"；更正原因：{r.correction_reason}" if r.version > 1 else ""
        if r.back_entered:
            extra += (
                f"；{r.get_channel_display()}报告于 {timezone.localtime(r.reported_at):%m-%d %H:%M}，补录系统"
            )
        entries.append(
            TimelineEntry(
                r.reported_at, "report", f"{r.county.name}报送{r.title}{extra}", r.get_absolute_url(), tag
            )
        )
    levels = EventCounty.objects.filter(event=event, county_level_at__isnull=False).select_related("county")
    if q is not None:
        levels = levels.filter(q)
    for ec in levels:
        assert ec.county_level_at is not None
        entries.append(
            TimelineEntry(
                ec.county_level_at,
                "county_level",
                f"{ec.county.name}县级响应：{level_zh(ec.county_level)}（{ec.county_level_reason}）",
            )  # type: ignore[arg-type]
        )
    for change in LevelChange.objects.filter(event=event).select_related("decided_by"):
        text = f"{change.decided_by}决定{change.get_action_display()}{level_zh(change.to_level or change.from_level)}响应（{change.notice_no}）"
        entries.append(
            TimelineEntry(change.decided_at, "decision", text, change.get_absolute_url(), "urgent")
        )
    if city:
        for p in Proposal.objects.filter(event=event):
            entries.append(
                TimelineEntry(
                    p.proposed_at,
                    "proposal",
                    f"{p.get_origin_display()}：建议{p.get_action_display()}{p.get_level_display()}响应",
                    p.get_absolute_url(),
                    "warning",
                )
            )
            if p.decided_at and p.status in (Proposal.Status.REJECTED, Proposal.Status.WITHDRAWN):
                entries.append(
                    TimelineEntry(
                        p.decided_at,
                        "proposal",
                        f"建议{p.get_status_display()}：{p.decision_reason}",
                        p.get_absolute_url(),
                    )
                )
        for a in LevelAdjustment.objects.filter(event=event):
            entries.append(
                TimelineEntry(
                    a.created_at, "adjustment", f"5.5 调整启动条件：{a}（{a.reason}）", tag="warning"
                )
            )
            if a.revoked_at:
                entries.append(TimelineEntry(a.revoked_at, "adjustment", f"撤销 5.5 调整：{a.revoke_reason}"))
        for c in CityReport.objects.filter(event=event).select_related("submitted_by"):
            entries.append(TimelineEntry(c.reported_at, "city_report", f"市应急管理局{c.get_kind_display()}"))
    phones = PhoneReport.objects.filter(event=event).select_related("county")
    if q is not None:
        phones = phones.filter(q)
    for ph in phones:
        entries.append(
            TimelineEntry(
                ph.made_at,
                "phone",
                f"{ph.county.name}{ph.get_channel_display()}报告{ph.get_kind_display()}（断电断网期间，待补录）",
                tag="warning",
            )
        )
    for d in Deadline.objects.filter(_subject_q(event, user), overdue_at__isnull=False).select_related(
        "responsible_unit"
    )[:limit]:
        assert d.overdue_at is not None
        entries.append(
            TimelineEntry(
                d.overdue_at,
                "deadline",
                f"逾期：{d.responsible_unit.name}「{KIND_LABELS.get(d.kind, d.title)}」（应于 {timezone.localtime(d.due_at):%m-%d %H:%M} 前）",
                d.url,
                "urgent",
            )  # type: ignore[arg-type]
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
