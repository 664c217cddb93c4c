"""Admin: the seeded documents and tasks are read-only (they are the published text); the
configuration an admin may tune — an indicator's reporting unit and baseline, whether an
assignment reports — is saved through `services.config_change` (audited, statuses recomputed).
Reports and obligations are read-only: they change only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from supervision import services
from supervision.models import (
    Assignment,
    Document,
    Evidence,
    Indicator,
    Report,
    ReportObligation,
    Task,
    TaskStatusChange,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "issued_on", "deadline"]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "section", "deadline", "report_frequency", "status", "overdue_reports"]
    list_filter = ["document", "status", "report_frequency"]
    search_fields = ["code", "title"]


class ConfigAdmin(admin.ModelAdmin):
    editable: list[str] = []

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in self.editable]

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        services.config_change(obj=obj, actor=request.user, changed=list(form.changed_data))


@admin.register(Indicator)
class IndicatorAdmin(ConfigAdmin):
    editable = ["reporting_unit", "baseline", "start", "note"]
    list_display = [
        "task",
        "name",
        "direction",
        "target",
        "measure_unit",
        "deadline",
        "reporting_unit",
        "status",
    ]
    list_filter = ["status", "task__document"]
    search_fields = ["name", "task__code"]


@admin.register(Assignment)
class AssignmentAdmin(ConfigAdmin):
    editable = ["reports_required"]
    list_display = ["task", "unit", "role", "reports_required"]
    list_filter = ["role", "reports_required", "task__document"]
    search_fields = ["task__code", "unit__name"]


@admin.register(ReportObligation)
class ObligationAdmin(ReadOnlyAdmin):
    list_display = ["task", "unit", "period_start", "period_end", "due_at", "filed_at"]
    list_filter = ["frequency"]
    search_fields = ["task__code", "unit__name"]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["task", "unit", "version", "is_current", "as_of", "submitted_by", "submitted_at", "late"]
    list_filter = ["is_current", "late"]
    search_fields = ["task__code", "unit__name"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "obligation", "report", "size", "uploaded_by", "uploaded_at"]


@admin.register(TaskStatusChange)
class TaskStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["task", "from_status", "to_status", "on", "rule_set"]
