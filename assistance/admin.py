"""Read-only admin views: every change goes through the services (versions, audit, deadlines),
so the admin only lets staff look things up. Standards are edited on /assistance/standards/
(or as rule-set versions in the platform admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from assistance import models as m


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = [
        "code",
        "county",
        "township",
        "village",
        "area",
        "tier",
        "computed_tier",
        "version",
        "updated_at",
    ]
    list_filter = ["tier", "area", "county"]
    search_fields = ["code"]
    list_select_related = ["county", "township", "village"]
    show_full_result_count = False


@admin.register(m.Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "household", "kind", "requested_tier", "status", "outcome", "received_at"]
    list_filter = ["status", "kind", "outcome"]
    list_select_related = ["household"]
    show_full_result_count = False


@admin.register(m.Warning)
class WarningAdmin(ReadOnlyAdmin):
    list_display = ["pk", "household", "level", "need", "status", "visit_due_at"]
    list_filter = ["level", "status", "need"]
    list_select_related = ["household"]
    show_full_result_count = False


@admin.register(m.RescreenRun)
class RescreenRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "trigger", "status", "on_date", "processed", "changes", "created_at", "finished_at"]
    list_filter = ["trigger", "status"]


@admin.register(m.ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["pk", "filename", "status", "uploaded_by", "uploaded_at", "message"]
    list_filter = ["status"]


@admin.register(m.PaymentList)
class PaymentListAdmin(ReadOnlyAdmin):
    list_display = ["pk", "county", "month", "status", "households", "persons", "total"]
    list_filter = ["status", "county"]
