"""Admin: the registry is editable by admins (changes audited through the services when made
from the pages); applications, decisions, ledgers and attachments are read-only here — their
state changes only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from subsidies.models import (
    AnnualFigures,
    Application,
    Attachment,
    Budget,
    CapLedger,
    CapLedgerEntry,
    Decision,
    Enterprise,
    EnterpriseMember,
    Equipment,
    Exhibition,
    Loan,
    MatchRun,
    PolicyDocument,
    Project,
    Recognition,
    Train,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "number", "rule_key", "lead_unit"]


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "kind", "industry", "county", "above_designated_size"]
    list_filter = ["kind", "industry", "county"]
    search_fields = ["name", "credit_code"]


@admin.register(EnterpriseMember)
class EnterpriseMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "enterprise", "valid_from", "valid_to"]
    raw_id_fields = ["user", "enterprise"]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # end a link with valid_to


for model in (Project, Equipment, Loan, Recognition, Exhibition, AnnualFigures, Train):
    admin.site.register(model)


@admin.register(Application)
class ApplicationAdmin(ReadOnly):
    list_display = ["id", "source", "clause", "enterprise", "status", "calculated_amount", "approved_amount"]
    list_filter = ["source", "status", "clause"]
    search_fields = ["enterprise__name", "subject_key"]


@admin.register(Decision)
class DecisionAdmin(ReadOnly):
    list_display = ["application", "action", "from_status", "to_status", "actor_label", "at", "amount"]
    list_filter = ["action"]


@admin.register(CapLedger)
class CapLedgerAdmin(ReadOnly):
    list_display = ["key", "kind", "label", "cap", "committed"]
    search_fields = ["key"]


for model in (CapLedgerEntry, Attachment, MatchRun):
    admin.site.register(model, ReadOnly)


@admin.register(Budget)
class BudgetAdmin(ReadOnly):
    list_display = ["document", "year", "amount", "committed", "paid"]
