"""Figures for the dashboards (§8–9): every number is one set-based aggregate query (no
per-row loops), so the page stays fast over millions of orders with the date-range index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from hotline import ruledata
from hotline.models import Assignment, CallRecord, Category, Order
from hotline.rules import (
    StandardReading,
    UnitFigures,
    UnitScore,
    connect_rate_reading,
    is_spike,
    unit_score,
    within_reading,
)
from hotline.selectors import analysis_params, day_start
from portal.models import OrgUnit
from portal.rulesets import RuleSetMissing, ruleset_in_force


@dataclass
class Period:
    start: date
    end: date  # inclusive

    @property
    def start_dt(self) -> datetime:
        return day_start(self.start)

    @property
    def end_dt(self) -> datetime:
        return day_start(self.end + timedelta(days=1))


def default_period(today: date | None = None, days: int = 30) -> Period:
    today = today or timezone.localdate()
    return Period(today - timedelta(days=days - 1), today)


def standards_params(on: date) -> dict[str, Any]:
    try:
        return ruleset_in_force(ruledata.STANDARDS_KEY, on=on).params
    except RuleSetMissing:
        return ruledata.STANDARDS


def service_standards(period: Period) -> list[StandardReading]:
    """GB/T 33358-2016 figures: connect rate (≥ 95 %), answer within 15 s, SMS/web within 3 min,
    mailbox within 24 h."""
    params = standards_params(period.end)
    calls = CallRecord.objects.filter(
        started_at__gte=period.start_dt, started_at__lt=period.end_dt
    ).aggregate(
        total=Count("id"),
        n_answered=Count("id", filter=Q(answered=True)),
        fast=Count(
            "id",
            filter=Q(
                answered=True,
                answered_at__lte=F("started_at") + timedelta(seconds=int(params["answer_seconds"])),
            ),
        ),
    )
    messages_ = Order.objects.filter(
        received_at__gte=period.start_dt, received_at__lt=period.end_dt, channel__in=["sms", "web", "app"]
    ).aggregate(
        total=Count("id"),
        fast=Count(
            "id",
            filter=Q(triaged_at__lte=F("received_at") + timedelta(minutes=int(params["message_minutes"]))),
        ),
    )
    mailbox = Order.objects.filter(
        received_at__gte=period.start_dt, received_at__lt=period.end_dt, channel="mailbox"
    ).aggregate(
        total=Count("id"),
        fast=Count(
            "id", filter=Q(triaged_at__lte=F("received_at") + timedelta(hours=int(params["mailbox_hours"])))
        ),
    )
    target = Decimal(params["connect_rate"])

    def share(key: str) -> Decimal | None:
        value = params.get(key)
        return Decimal(value) if value else None

    return [
        connect_rate_reading(calls["n_answered"], calls["total"], target),
        within_reading(
            "answer_speed",
            f"{params['answer_seconds']} 秒内接听率",
            calls["fast"],
            calls["n_answered"],
            share("answer_share"),
            f"{params['answer_seconds']} 秒",
        ),
        within_reading(
            "message_speed",
            f"短信/网络诉求 {params['message_minutes']} 分钟内处置率",
            messages_["fast"],
            messages_["total"],
            share("message_share"),
            f"{params['message_minutes']} 分钟",
        ),
        within_reading(
            "mailbox_speed",
            f"信箱 {params['mailbox_hours']} 小时内处置率",
            mailbox["fast"],
            mailbox["total"],
            share("mailbox_share"),
            f"{params['mailbox_hours']} 小时",
        ),
    ]


def daily_volume(period: Period) -> dict[str, Any]:
    """Orders per day by kind, as a Chart.js line chart config."""
    rows = (
        Order.objects.filter(received_at__gte=period.start_dt, received_at__lt=period.end_dt)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "kind")
        .annotate(n=Count("id"))
    )
    days = [(period.start + timedelta(days=i)) for i in range((period.end - period.start).days + 1)]
    kinds: dict[str, dict[date, int]] = {}
    for r in rows:
        kinds.setdefault(r["kind"], {})[r["day"]] = r["n"]
    from hotline.rules import KIND_LABELS

    return {
        "type": "line",
        "data": {
            "labels": [d.strftime("%m-%d") for d in days],
            "datasets": [
                {"label": KIND_LABELS.get(k, k), "data": [v.get(d, 0) for d in days]}
                for k, v in sorted(kinds.items())
            ],
        },
    }


def top_categories(period: Period, limit: int = 10) -> list[dict[str, Any]]:
    rows = (
        Order.objects.filter(
            received_at__gte=period.start_dt, received_at__lt=period.end_dt, subject__isnull=False
        )
        .values("subject__name")
        .annotate(n=Count("id"))
        .order_by("-n")[:limit]
    )
    return list(rows)


def by_county(period: Period) -> list[dict[str, Any]]:
    return list(
        Order.objects.filter(received_at__gte=period.start_dt, received_at__lt=period.end_dt)
        .values("county__name")
        .annotate(n=Count("id"))
        .order_by("-n")
    )


def spikes(today: date | None = None) -> list[dict[str, Any]]:
    """Categories and counties whose count today reaches the spike factor × their daily mean."""
    today = today or timezone.localdate()
    params = analysis_params(today)
    days = int(params.get("spike_baseline_days", 28))
    factor, minimum = Decimal(params["spike_factor"]), int(params["spike_min_count"])
    start, day_begin, day_end = (
        day_start(today - timedelta(days=days)),
        day_start(today),
        day_start(today + timedelta(days=1)),
    )
    out = []
    for field, label in (("subject__name", "分类"), ("county__name", "县区")):
        base = dict(
            Order.objects.filter(received_at__gte=start, received_at__lt=day_begin)
            .values_list(field)
            .annotate(n=Count("id"))
            .values_list(field, "n")
        )
        now_rows = (
            Order.objects.filter(received_at__gte=day_begin, received_at__lt=day_end)
            .values_list(field)
            .annotate(n=Count("id"))
            .values_list(field, "n")
        )
        for name, n in now_rows:
            if name and is_spike(n, base.get(name, 0), days, factor, minimum):
                mean = Decimal(base.get(name, 0)) / days
                out.append(
                    {"dimension": label, "name": name, "today": n, "mean": mean.quantize(Decimal("0.1"))}
                )
    return out


def unit_ranking(period: Period) -> list[tuple[OrgUnit, UnitScore, UnitFigures]]:
    """Per lead unit, for orders dispatched in the period: the provincial method's figures and
    the composite ranking score (one GROUP BY over the assignment table)."""
    params = analysis_params(period.end)
    rows = (
        Assignment.objects.filter(
            role=Assignment.Role.LEAD, dispatched_at__gte=period.start_dt, dispatched_at__lt=period.end_dt
        )
        .values("unit_id")
        .annotate(
            dispatched=Count("id"),
            signed=Count("id", filter=Q(signed_at__isnull=False)),
            signed_on_time=Count("id", filter=Q(signed_at__isnull=False, sign_late=False)),
            replied=Count("id", filter=Q(replied_at__isnull=False)),
            replied_on_time=Count("id", filter=Q(replied_at__isnull=False, reply_late=False)),
            returned=Count("id", filter=Q(return_requested=True)),
            extended=Count("id", filter=Q(extension_requested=True)),
            redone=Count("id", filter=Q(redo_count__gt=0)),
            callbacks=Count("id", filter=Q(satisfied__isnull=False)),
            satisfied_n=Count("id", filter=Q(satisfied=True)),
        )
    )
    units = OrgUnit.objects.in_bulk([r["unit_id"] for r in rows])
    weights = params.get("ranking_weights", ruledata.ANALYSIS["ranking_weights"])
    out = []
    for r in rows:
        figures = UnitFigures(
            unit_id=r["unit_id"],
            dispatched=r["dispatched"],
            signed=r["signed"],
            signed_on_time=r["signed_on_time"],
            replied=r["replied"],
            replied_on_time=r["replied_on_time"],
            returned=r["returned"],
            extended=r["extended"],
            redone=r["redone"],
            callbacks=r["callbacks"],
            satisfied=r["satisfied_n"],
        )
        out.append((units[r["unit_id"]], unit_score(figures, weights), figures))
    out.sort(key=lambda t: (-(t[1].score or Decimal(-1)), t[0].name))
    return out


def category_name(code: str) -> str:
    return Category.objects.filter(code=code).values_list("name", flat=True).first() or code
