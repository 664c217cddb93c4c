"""Reads of the relief sub-app, scoped by the policies: fund balances by source, purpose and
county; the trace of a payment back to its source; stock tables; shelter occupancy; programme
summaries; the winter-spring overview. Aggregates are set-based (one GROUP BY per table)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from disaster.models import (
    AidBeneficiary,
    AidKind,
    AidPayment,
    AidProgramme,
    Event,
    FundAccount,
    FundAllocation,
    FundPurpose,
    FundSource,
    ShelterCount,
    StockLevel,
    SupplyItem,
    Warehouse,
)
from disaster.policies import (
    AidBeneficiaryPolicy,
    AidPaymentPolicy,
    AidProgrammePolicy,
    FundAccountPolicy,
    FundAllocationPolicy,
    ShelterPolicy,
    WarehousePolicy,
)
from disaster.rules import relief as rr
from disaster.rules.ledger import mask_id
from disaster.services.relief_aid import current_plan, due_of
from disaster.services.relief_common import K_WS_NEEDS, K_WS_SURVEY
from portal.models import Deadline, OrgUnit

ZERO = Decimal("0.00")


def _m(value: Decimal | None) -> Decimal:
    """A sum of money as yuan with 2 places (SQLite's SUM drops the scale)."""
    return rr.money(value or ZERO)


# --- funds ------------------------------------------------------------------------------------


@dataclass
class BalanceRow:
    key: tuple[str, ...]
    label: str
    credited: Decimal = ZERO
    balance: Decimal = ZERO
    committed: Decimal = ZERO

    @property
    def used(self) -> Decimal:
        return self.credited - self.balance


def fund_balances(user: Any) -> dict[str, Any]:
    """City lots by source × purpose, county lots by county × purpose × source (what the user
    may see), with credited, balance and (city) reserved amounts. Two GROUP BY queries."""
    accounts = FundAccountPolicy().scope(user)
    src = dict(FundSource.choices)
    pur = dict(FundPurpose.choices)
    city: list[BalanceRow] = []
    for row in (
        accounts.filter(level=FundAccount.Level.CITY)
        .values("source", "purpose")
        .annotate(credited=Sum("credited"), balance=Sum("balance"), committed=Sum("committed"))
        .order_by("source", "purpose")
    ):
        city.append(
            BalanceRow(
                (row["source"], row["purpose"]),
                f"{src[row['source']]} · {pur[row['purpose']]}",
                _m(row["credited"]),
                _m(row["balance"]),
                _m(row["committed"]),
            )
        )
    county: list[BalanceRow] = []
    for row in (
        accounts.filter(level=FundAccount.Level.COUNTY)
        .values("county_id", "county__name", "county__sort", "purpose", "source")
        .annotate(credited=Sum("credited"), balance=Sum("balance"))
        .order_by("county__sort", "county_id", "purpose", "source")
    ):
        county.append(
            BalanceRow(
                (str(row["county_id"]), row["purpose"], row["source"]),
                f"{row['county__name']} · {pur[row['purpose']]} · {src[row['source']]}",
                _m(row["credited"]),
                _m(row["balance"]),
            )
        )
    return {
        "city": city,
        "county": county,
        "city_total": sum((r.balance for r in city), ZERO),
        "county_total": sum((r.balance for r in county), ZERO),
    }


def balances_api(user: Any) -> dict[str, Any]:
    data = fund_balances(user)
    return {
        "city": [
            {
                "source": r.key[0],
                "purpose": r.key[1],
                "credited": str(r.credited),
                "balance": str(r.balance),
                "reserved": str(r.committed),
            }
            for r in data["city"]
        ],
        "counties": [
            {
                "county": int(r.key[0]),
                "purpose": r.key[1],
                "source": r.key[2],
                "credited": str(r.credited),
                "balance": str(r.balance),
            }
            for r in data["county"]
        ],
    }


def allocations_for(user: Any) -> QuerySet[FundAllocation]:
    return FundAllocationPolicy().scope(user).select_related("decision").order_by("-pk")


def trace_payment(payment: AidPayment) -> dict[str, Any]:
    """Where a paid yuan came from: household/person ← programme ← county lot (allocation,
    decision, disbursement) ← city lot (receipt: source, purpose, document)."""
    account = payment.account
    allocation = account.allocation
    assert allocation is not None
    receipt = allocation.receipt
    decision = getattr(allocation, "decision", None)
    row = payment.ledger_household or payment.ledger_person
    if payment.ledger_household_id:
        who = {
            "kind": "household",
            "ledger_id": payment.ledger_household_id,
            "name": payment.ledger_household.head_name,  # type: ignore[union-attr]
        }
    else:
        who = {"kind": "person", "ledger_id": payment.ledger_person_id, "name": payment.ledger_person.name}  # type: ignore[union-attr]
    assert row is not None
    who["id_number"] = mask_id(row.id_number)
    who["township"] = row.township.name
    programme = payment.programme
    return {
        "payment": {
            "id": payment.pk,
            "amount": str(payment.amount),
            "paid_on": payment.paid_on.isoformat(),
            "entitled": str(payment.entitled),
            "method": payment.method,
        },
        "recipient": who,
        "programme": {
            "id": programme.pk,
            "kind": programme.kind,
            "label": str(programme),
            "plan_version": payment.plan.version if payment.plan_id else None,  # type: ignore[union-attr]
        },
        "county_lot": {"account": account.pk, "county": account.county_id, "purpose": account.purpose},
        "allocation": {
            "id": allocation.pk,
            "county": allocation.county_id,
            "county_name": allocation.county.name,
            "purpose": allocation.purpose,
            "amount": str(allocation.amount),
            "proposed_by": str(allocation.proposed_by),
            "approved_by": str(decision.decided_by) if decision else None,
            "decision_reason": decision.reason if decision else None,
            "disbursed_at": allocation.disbursed_at.isoformat() if allocation.disbursed_at else None,
            "disbursement_no": allocation.disbursement_no,
        },
        "receipt": {
            "id": receipt.pk,
            "source": receipt.source,
            "source_name": receipt.get_source_display(),
            "purpose": receipt.purpose,
            "purpose_name": receipt.get_purpose_display(),
            "amount": str(receipt.amount),
            "document_no": receipt.document_no,
            "received_on": receipt.received_on.isoformat(),
        },
    }


# --- supplies ---------------------------------------------------------------------------------


def stock_table(user: Any) -> dict[str, Any]:
    """Warehouses the user may see × items: one query for the levels."""
    warehouses = list(WarehousePolicy().scope(user).filter(active=True).order_by("owner__sort", "pk"))
    items = list(SupplyItem.objects.filter(active=True).order_by("sort", "pk"))
    levels: dict[tuple[int, int], int] = {
        (wh, it): qty
        for wh, it, qty in StockLevel.objects.filter(warehouse__in=[w.pk for w in warehouses]).values_list(
            "warehouse_id", "item_id", "quantity"
        )
    }
    rows = [{"warehouse": w, "cells": [levels.get((w.pk, i.pk), 0) for i in items]} for w in warehouses]
    totals = [sum(levels.get((w.pk, i.pk), 0) for w in warehouses) for i in items]
    return {"items": items, "rows": rows, "totals": totals}


def warehouse_stock(warehouse: Warehouse) -> list[dict[str, Any]]:
    levels = dict(StockLevel.objects.filter(warehouse=warehouse).values_list("item_id", "quantity"))
    return [
        {"item": item, "quantity": levels.get(item.pk, 0)}
        for item in SupplyItem.objects.filter(Q(active=True) | Q(pk__in=list(levels))).order_by("sort", "pk")
    ]


# --- shelters ---------------------------------------------------------------------------------


def occupancy(user: Any, event: Event | None = None) -> dict[str, Any]:
    """Open shelters and occupancy by county (the maintained current figures: no scan of counts)."""
    qs = ShelterPolicy().scope(user).filter(active=True)
    if event is not None:
        qs = qs.filter(current_event=event)
    by_county = list(
        qs.values("county_id", "county__name", "county__sort")
        .annotate(
            shelters=Count("pk"),
            open=Count("pk", filter=Q(is_open=True)),
            total_capacity=Sum("capacity"),
            open_capacity=Sum("capacity", filter=Q(is_open=True)),
            occupants=Sum("current_occupants", filter=Q(is_open=True)),
        )
        .order_by("county__sort", "county_id")
    )
    for row in by_county:
        row["occupants"] = row["occupants"] or 0
        row["open_capacity"] = row["open_capacity"] or 0
        row["rate"] = rr.occupancy_rate(row["occupants"], row["open_capacity"])
    open_shelters = list(qs.filter(is_open=True).order_by("county__sort", "-current_occupants", "pk")[:500])
    for s in open_shelters:
        s.rate = rr.occupancy_rate(s.current_occupants, s.capacity)  # type: ignore[attr-defined]
        s.over = s.current_occupants > s.capacity  # type: ignore[attr-defined]
    occupants = sum(r["occupants"] for r in by_county)
    capacity = sum(r["open_capacity"] for r in by_county)
    return {
        "by_county": by_county,
        "open_shelters": open_shelters,
        "occupants": occupants,
        "open_capacity": capacity,
        "rate": rr.occupancy_rate(occupants, capacity),
        "open_count": sum(r["open"] for r in by_county),
    }


def occupancy_series(user: Any, event: Event, limit: int = 2000) -> list[tuple[datetime, int]]:
    """Total occupants of the event's shelters over time (each count replaces that shelter's
    previous figure), from the counts the user may see; bounded."""
    shelters = ShelterPolicy().scope(user).values("pk")
    counts = (
        ShelterCount.objects.filter(period__event=event, shelter__in=shelters)
        .order_by("at", "pk")
        .values_list("shelter_id", "at", "occupants")[:limit]
    )
    current: dict[int, int] = {}
    series: list[tuple[datetime, int]] = []
    for shelter_id, at, occupants in counts:
        current[shelter_id] = occupants
        total = sum(current.values())
        if series and series[-1][0] == at:
            series[-1] = (at, total)
        else:
            series.append((at, total))
    return series


# --- aid --------------------------------------------------------------------------------------


@dataclass
class ProgrammeSummary:
    beneficiaries: int = 0
    persons: int = 0
    paid: Decimal = ZERO
    payments: int = 0
    entitled: Decimal | None = None
    plan: Any = None
    latest_assessment: Any = None
    lots: list[FundAccount] = field(default_factory=list)


def programme_summary(programme: AidProgramme) -> ProgrammeSummary:
    agg = AidBeneficiary.objects.filter(programme=programme, voided_at__isnull=True).aggregate(
        n=Count("pk"), persons=Sum("persons"), paid=Sum("paid")
    )
    pays = AidPayment.objects.filter(programme=programme).aggregate(n=Count("pk"))
    plan = current_plan(programme)
    summary = ProgrammeSummary(
        beneficiaries=agg["n"] or 0,
        persons=agg["persons"] or 0,
        paid=_m(agg["paid"]),
        payments=pays["n"] or 0,
        plan=plan,
        latest_assessment=programme.assessments.order_by("-pk").first(),
        lots=list(
            FundAccount.objects.filter(
                level=FundAccount.Level.COUNTY, county_id=programme.county_id, purpose=programme.purpose
            )
            .select_related("allocation", "receipt")
            .order_by("pk")
        ),
    )
    if plan is not None and programme.kind != AidKind.RECONSTRUCTION:
        if programme.kind == AidKind.TRANSITIONAL:
            each = rr.transitional_entitlement(plan.per_person_month, plan.months).amount
            summary.entitled = each * summary.beneficiaries if each is not None else None
        else:
            summary.entitled = rr.money((plan.per_person or ZERO) * summary.persons)
    elif programme.kind == AidKind.RECONSTRUCTION:
        summary.entitled = _m(
            AidBeneficiary.objects.filter(programme=programme, voided_at__isnull=True).aggregate(
                s=Sum("approved_amount")
            )["s"]
        )
    return summary


def beneficiaries_of(user: Any, programme: AidProgramme, limit: int = 1000) -> list[AidBeneficiary]:
    """The list with masked ID numbers and what is due (bounded; the export has everything)."""
    rows = list(
        AidBeneficiaryPolicy()
        .scope(user)
        .filter(programme=programme)
        .select_related("ledger_person__township", "ledger_household__township", "approved_plan")
        .order_by("voided_at", "pk")[:limit]
    )
    plan = current_plan(programme)
    for b in rows:
        b.programme = programme
        row = b.ledger_person or b.ledger_household
        b.name = b.ledger_person.name if b.ledger_person else b.ledger_household.head_name  # type: ignore[union-attr,attr-defined]
        b.masked = mask_id(row.id_number) if row else ""  # type: ignore[attr-defined]
        b.township_name = row.township.name if row else ""  # type: ignore[attr-defined]
        b.ledger_voided = bool(row and row.voided_at)  # type: ignore[attr-defined]
        use_plan = b.approved_plan if programme.kind == AidKind.RECONSTRUCTION else plan
        from disaster.services.relief_aid import entitlement_of

        b.entitled = entitlement_of(b, use_plan).amount  # type: ignore[attr-defined]
        b.outstanding = (b.entitled - b.paid) if b.entitled is not None else None  # type: ignore[attr-defined]
    return rows


def programmes_for(user: Any) -> QuerySet[AidProgramme]:
    return AidProgrammePolicy().scope(user).order_by("-pk")


def payments_for(user: Any) -> QuerySet[AidPayment]:
    return AidPaymentPolicy().scope(user).order_by("-pk")


def winter_overview(user: Any, year: int) -> list[dict[str, Any]]:
    """Each county's winter-spring programme of the year with its two deadlines (one query for
    the programmes, one for their deadlines)."""
    from django.contrib.contenttypes.models import ContentType

    programmes = list(
        programmes_for(user).filter(kind=AidKind.WINTER_SPRING, year=year).order_by("county__sort")
    )
    ct = ContentType.objects.get_for_model(AidProgramme)
    deadlines: dict[tuple[int, str], Deadline] = {}
    for d in Deadline.objects.filter(
        subject_type=ct, subject_id__in=[p.pk for p in programmes], kind__in=[K_WS_SURVEY, K_WS_NEEDS]
    ).order_by("due_at"):
        deadlines.setdefault((d.subject_id, d.kind), d)
    counts = dict(
        AidBeneficiary.objects.filter(programme__in=programmes, voided_at__isnull=True)
        .values("programme_id")
        .annotate(n=Count("pk"))
        .values_list("programme_id", "n")
    )
    out = []
    for p in programmes:
        out.append(
            {
                "programme": p,
                "survey": deadlines.get((p.pk, K_WS_SURVEY)),
                "needs": deadlines.get((p.pk, K_WS_NEEDS)),
                "households": counts.get(p.pk, 0),
            }
        )
    return out


def counties_for(user: Any) -> list[OrgUnit]:
    from disaster.policies import VIEW_ROLES
    from portal.access import units_in_jurisdiction

    return list(
        units_in_jurisdiction(user, VIEW_ROLES)
        .filter(kind=OrgUnit.Kind.COUNTY, active=True)
        .order_by("sort", "pk")
    )


def summary_by_county(user: Any) -> dict[int, dict[str, Any]]:
    """For the overview: per county, disbursed relief funds and their balance, open shelters."""
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    for row in (
        FundAccountPolicy()
        .scope(user)
        .filter(level=FundAccount.Level.COUNTY)
        .values("county_id")
        .annotate(credited=Sum("credited"), balance=Sum("balance"))
    ):
        out[row["county_id"]].update(credited=_m(row["credited"]), balance=_m(row["balance"]))
    return out


__all__ = ["due_of"]
