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
