"""Every read of the hotline app, already scoped by the access policies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from hotline import ruledata
from hotline.models import (
    Category,
    KnowledgeEntry,
    KnowledgeTerm,
    Order,
    RoutingRule,
)
from hotline.models.orders import overdue_q
from hotline.policies import KnowledgePolicy, OrderPolicy
from hotline.rules import RouteCandidate, duplicate_score, pick_route
from hotline.search import idf, tokenize
from portal.models import OrgUnit
from portal.rulesets import RuleSetMissing, ruleset_in_force
from portal.workcal import SHANGHAI

LIST_RELATED = ("subject", "lead_unit", "county")


@dataclass
class OrderFilters:
    status: list[str] | None = None
    lead_unit: int | None = None
    overdue: bool | None = None
    received_from: date | None = None
    received_to: date | None = None
    kind: str | None = None
    channel: str | None = None
    county: int | None = None
    subject: int | None = None
    seat: int | None = None
    special: bool | None = None
    q: str = ""


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


PAST_WINDOW_MAX_DAYS = 92
PAST_WINDOW_MIN_AGE_DAYS = 30


def in_past_window(f: OrderFilters, today: date) -> bool:
    """A closed receipt-date window of at most ~3 months that ended a month or more ago.

    Lists are newest first by id. For such a window PostgreSQL, seeing `ORDER BY id DESC
    LIMIT 51`, walks the primary key back from today's orders and filters out every newer one
    (3 M rows, seconds, for a month two years ago at 5 M orders — docs/benchmarks.md). The
    same order expressed on `seq` (= id, as an expression) makes it find the window's rows by
    the received-date index and sort those few thousand instead. Recent or open-ended windows
    keep the plain ordering, for which the backward walk is the fast plan."""
    if f.received_from is None or f.received_to is None:
        return False
    span = (f.received_to - f.received_from).days
    return 0 <= span <= PAST_WINDOW_MAX_DAYS and (today - f.received_to).days >= PAST_WINDOW_MIN_AGE_DAYS


def order_list(
    user: Any, filters: OrderFilters | None = None, *, now: datetime | None = None
) -> QuerySet[Order]:
    """The orders the user may see, filtered; ordered newest first (keyset pagination on id)."""
    f = filters or OrderFilters()
    qs = OrderPolicy().scope(user)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.lead_unit:
        qs = qs.filter(lead_unit_id=f.lead_unit)
    if f.overdue is True:
        qs = qs.filter(overdue_q(now or timezone.now()))
    elif f.overdue is False:
        qs = qs.exclude(overdue_q(now or timezone.now()))
    if f.received_from:
        qs = qs.filter(received_at__gte=day_start(f.received_from))
    if f.received_to:
        qs = qs.filter(received_at__lt=day_start(f.received_to + timedelta(days=1)))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.county:
        qs = qs.filter(county_id=f.county)
    if f.subject:
        qs = qs.filter(Q(subject_id=f.subject) | Q(subject__parent_id=f.subject))
    if f.seat:
        qs = qs.filter(seat_id=f.seat)
    if f.special is True:
        qs = qs.exclude(special_kind="")
    q = (f.q or "").strip()
    if q:
        if q.isdigit() and len(q) >= 9:
            # An order number is YYYYMMDD + 7-digit id; a long digit string is otherwise a phone.
            order_id = int(q[8:]) if len(q) >= 15 else None
            qs = qs.filter(Q(pk=order_id) if order_id else Q(caller_phone=q))
        elif q.isdigit():
            qs = qs.filter(pk=int(q))
        else:
            qs = qs.filter(Q(address__icontains=q) | Q(description__icontains=q))
    qs = qs.select_related(*LIST_RELATED)
    if in_past_window(f, timezone.localdate(now) if now else timezone.localdate()):
        return qs.annotate(seq=F("pk") + 0).order_by("-seq")
    return qs.order_by("-pk")


def caller_history(user: Any, phone: str, *, limit: int = 10) -> list[Order]:
    """The caller's earlier orders, newest first (for the operator taking the call)."""
    phone = (phone or "").strip()
    if len(phone) < 5:
        return []
    qs = OrderPolicy().scope(user).filter(caller_phone=phone).select_related("subject", "lead_unit")
    return list(qs.order_by("-received_at")[:limit])


def analysis_params(on: date | None = None) -> dict[str, Any]:
    try:
        return ruleset_in_force(ruledata.ANALYSIS_KEY, on=on).params
    except RuleSetMissing:
        return ruledata.ANALYSIS


def duplicate_candidates(
    user: Any,
    *,
    subject_id: int | None,
    county_id: int | None,
    township_id: int | None = None,
    address: str = "",
    description: str = "",
    received_at: datetime | None = None,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[tuple[Order, float]]:
    """Requests about the same subject and place within the window, scored by address and
    shared words; the best first (score ≥ 0.3)."""
    if not subject_id or not (county_id or township_id):
        return []
    at = received_at or timezone.now()
    window = timedelta(hours=int(analysis_params(timezone.localtime(at).date())["duplicate_window_hours"]))
    qs = (
        OrderPolicy()
        .scope(user)
        .filter(subject_id=subject_id, received_at__gte=at - window, received_at__lte=at)
    )
    qs = qs.filter(township_id=township_id) if township_id else qs.filter(county_id=county_id)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    rows = list(qs.select_related("subject", "lead_unit").order_by("-received_at")[:200])
    mine = set(tokenize(description))
    scored = []
    for row in rows:
        score = duplicate_score(address, row.address, mine, set(tokenize(row.description)))
        if score >= 0.3:
            scored.append((row, score))
    scored.sort(key=lambda pair: pair[1], reverse=True)
    return scored[:limit]


def routing_suggestions(
    order: Order | None = None,
    *,
    subject: Category | None = None,
    place: OrgUnit | None = None,
    text: str = "",
) -> list[dict[str, Any]]:
    """Dispatch suggestions from the routing rules (admin rules and learned precedents)."""
    if order is not None:
        subject = order.subject
        place = order.township or order.county
        text = order.description
    ancestors: tuple[int, ...] = ()
    if subject is not None and subject.parent_id:
        ancestors = (subject.parent_id,)
    cat_ids = [c for c in ([subject.pk] if subject else []) + list(ancestors)]
    place_ids = [int(p) for p in place.path.strip("/").split("/")] if place is not None else []
    rules = (
        RoutingRule.objects.filter(active=True)
        .filter(Q(category__isnull=True) | Q(category_id__in=cat_ids))
        .filter(Q(place__isnull=True) | Q(place_id__in=place_ids))
        .select_related("lead_unit", "place")
    )
    rules_by_id = {r.pk: r for r in rules}
    candidates = [
        RouteCandidate(
            rule_id=r.pk,
            lead_unit_id=r.lead_unit_id,
            category_path=(r.category_id,) if r.category_id else None,
            place_path=r.place.path if r.place is not None else None,
            keyword=r.keyword,
            precedent=r.source == RoutingRule.Source.PRECEDENT,
            created_order=r.pk,
        )
        for r in rules
        if r.lead_unit.active and r.lead_unit.handles_orders
    ]
    choices = pick_route(
        candidates,
        category_id=subject.pk if subject else None,
        category_ancestors=ancestors,
        place_path=place.path if place else "",
        text=text,
    )
    out, seen = [], set()
    for choice in choices:
        if choice.lead_unit_id in seen:
            continue
        seen.add(choice.lead_unit_id)
        rule = rules_by_id[choice.rule_id]
        out.append({"unit": rule.lead_unit, "rule": rule, "explanation": choice.explanation})
    return out


def handling_units() -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(active=True, handles_orders=True).order_by("kind", "sort", "name")


# --- knowledge ------------------------------------------------------------------------------


def knowledge_search(
    user: Any, query: str, *, limit: int = 10, public_only: bool = False
) -> list[tuple[KnowledgeEntry, float]]:
    """Entries ranked by relevance (see hotline.search)."""
    terms = list(dict.fromkeys(tokenize(query)))[:30]
    if not terms:
        return []
    base = KnowledgePolicy().scope(None if public_only else user)
    total = base.count() or 1
    df = dict(
        KnowledgeTerm.objects.filter(term__in=terms, entry__in=base)
        .values_list("term")
        .annotate(n=Count("entry"))
        .values_list("term", "n")
    )
    if not df:
        return []
    weights = {t: idf(total, n) for t, n in df.items()}
    rows = KnowledgeTerm.objects.filter(term__in=list(weights), entry__in=base).values(
        "entry_id", "term", "weight"
    )
    scores: dict[int, float] = {}
    for row in rows:
        scores[row["entry_id"]] = scores.get(row["entry_id"], 0.0) + row["weight"] * weights[row["term"]]
    best = sorted(scores.items(), key=lambda kv: (-kv[1], -kv[0]))[:limit]
    entries = KnowledgeEntry.objects.in_bulk([pk for pk, _ in best])
    return [(entries[pk], round(score, 3)) for pk, score in best if pk in entries]


def stale_entries(user: Any, today: date | None = None) -> QuerySet[KnowledgeEntry]:
    day = today or timezone.localdate()
    return (
        KnowledgePolicy()
        .scope(user)
        .filter(review_due__lt=day)
        .select_related("owner_unit")
        .order_by("review_due")
    )


# --- analysis (§8) --------------------------------------------------------------------------


def volume_by(field: str, start: datetime, end: datetime) -> list[tuple[Any, int]]:
    rows = (
        Order.objects.filter(received_at__gte=start, received_at__lt=end)
        .values(field)
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return [(r[field], r["n"]) for r in rows]


def repeated_addresses(start: datetime, end: datetime, minimum: int) -> list[dict[str, Any]]:
    """Addresses with repeated complaints/reports (第二十三条 early warning)."""
    rows = (
        Order.objects.filter(received_at__gte=start, received_at__lt=end, kind__in=["complaint", "report"])
        .exclude(address="")
        .values("county__name", "address")
        .annotate(n=Count("id"))
        .filter(n__gte=minimum)
        .order_by("-n")[:20]
    )
    return [dict(r) for r in rows]


def pending_sum(qs: QuerySet[Any], field: str) -> int:
    return qs.aggregate(total=Sum(field))["total"] or 0


def has_open_assignment(unit_ids: list[int]) -> Exists:
    from hotline.models import Assignment

    return Exists(Assignment.objects.filter(order=OuterRef("pk"), unit_id__in=unit_ids, active=True))
