"""Admin: the disaster type list is configurable (8.1.1, 8.4); everything else is read-only here —
reports, decisions and ledgers change only through their services (and the pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from disaster.models import (
    Assessment,
    DisasterType,
    DutyShift,
    Event,
    LedgerHousehold,
    LedgerPerson,
    LevelChange,
    Proposal,
    Report,
)
from portal.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(DisasterType)
class DisasterTypeAdmin(AuditedAdmin):
    list_display = ["name", "code", "is_drought", "active", "sort"]
    list_editable = ["active", "sort"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # events refer to it: deactivate instead


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "type",
        "started_at",
        "status",
        "current_level",
        "suggested_level",
        "last_report_at",
    ]
    list_filter = ["status", "current_level", "type"]
    search_fields = ["title"]
    show_full_result_count = False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "event", "kind", "seq", "version", "reported_at", "submitted_at", "channel"]
    list_filter = ["kind", "channel", "drought"]
    show_full_result_count = False


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["event", "created_at", "level", "adjusted_level", "rule_set"]
    show_full_result_count = False


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ["event", "action", "level", "origin", "status", "proposed_at", "decided_by", "decided_at"]
    list_filter = ["status", "level", "action"]


@admin.register(LevelChange)
class LevelChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "event",
        "action",
        "from_level",
        "to_level",
        "decided_by",
        "decided_role",
        "decided_at",
        "notice_no",
    ]


@admin.register(DutyShift)
class DutyShiftAdmin(ReadOnlyAdmin):
    list_display = ["unit", "user", "starts_at", "ends_at", "cancelled_at"]
    list_filter = ["unit"]


@admin.register(LedgerPerson)
class LedgerPersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "category", "event", "county", "township", "voided_at"]
    list_filter = ["category"]
    exclude = ["id_number"]  # personal data: shown masked on the ledger page, unmasking is audited


@admin.register(LedgerHousehold)
class LedgerHouseholdAdmin(ReadOnlyAdmin):
    list_display = ["head_name", "damage", "rooms", "needs_aid", "event", "county", "voided_at"]
    exclude = ["id_number"]


# --- relief (issue 4): the item catalogue is configurable; the ledgers are read-only here ------

from disaster.models import (  # noqa: E402
    AidPayment,
    AidProgramme,
    FundAllocation,
    FundEntry,
    FundReceipt,
    ReplenishObligation,
    Shelter,
    StockMovement,
    SupplyItem,
    SupplyOrder,
    Warehouse,
)


@admin.register(SupplyItem)
class SupplyItemAdmin(AuditedAdmin):
    """Living supplies only (8.1.5): admins add items and units, deactivate instead of deleting."""

    list_display = ["name", "code", "unit", "spec", "category", "active", "sort"]
    list_editable = ["active", "sort"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # movements refer to it


@admin.register(Warehouse)
class WarehouseAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "owner", "active"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["warehouse", "item", "kind", "quantity", "balance_after", "reason", "at"]
    list_filter = ["kind"]
    show_full_result_count = False


@admin.register(SupplyOrder)
class SupplyOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "event",
        "county",
        "warehouse",
        "issuing_unit",
        "status",
        "created_at",
        "received_at",
    ]
    list_filter = ["status"]


@admin.register(ReplenishObligation)
class ReplenishObligationAdmin(ReadOnlyAdmin):
    list_display = ["order", "warehouse", "owed_by", "owed_to", "status", "compensation", "met_at"]


@admin.register(FundReceipt)
class FundReceiptAdmin(ReadOnlyAdmin):
    list_display = ["pk", "source", "purpose", "amount", "document_no", "received_on"]
    list_filter = ["source", "purpose"]


@admin.register(FundAllocation)
class FundAllocationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "receipt", "county", "purpose", "amount", "status", "proposed_at", "disbursed_at"]
    list_filter = ["status", "purpose", "source"]


@admin.register(FundEntry)
class FundEntryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "account", "kind", "delta", "balance_after", "at"]
    list_filter = ["kind"]
    show_full_result_count = False


@admin.register(Shelter)
class ShelterAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "county", "capacity", "is_open", "current_occupants", "occupants_at"]
    list_filter = ["kind", "is_open"]


@admin.register(AidProgramme)
class AidProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "kind", "county", "event", "year", "status", "needs_submitted_at"]
    list_filter = ["kind", "status"]


@admin.register(AidPayment)
class AidPaymentAdmin(ReadOnlyAdmin):
    list_display = ["pk", "programme", "county", "amount", "paid_on", "account"]
    show_full_result_count = False
