"""Admin for the hotline's configuration: the category tree, special seats, routing rules,
Open311 client keys (issued here or with `manage.py open311_issue_key`). Orders and their
records are read-only here: they change only through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from hotline.models import (
    CallRecord,
    Category,
    Incident,
    KnowledgeEntry,
    Open311Client,
    Order,
    RoutingRule,
    SpecialSeat,
)
from hotline.services.knowledge import index_entry
from hotline.services.open311 import key_hash
from portal.admin import AuditedAdmin


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "parent", "default_kind", "special_kind", "public", "active", "sort"]
    list_filter = ["active", "public", "default_kind", "special_kind"]
    search_fields = ["code", "name", "keywords"]


@admin.register(SpecialSeat)
class SpecialSeatAdmin(AuditedAdmin):
    list_display = ["code", "name", "active"]
    filter_horizontal = ["categories", "operators"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = ["category", "place", "keyword", "lead_unit", "source", "active", "created_at"]
    list_filter = ["source", "active"]
    autocomplete_fields = ["lead_unit", "place"]
    filter_horizontal = ["assisting_units"]
    readonly_fields = ["precedent_order", "created_by", "created_at"]


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(AuditedAdmin):
    list_display = ["question", "owner_unit", "review_due", "version", "public", "active"]
    list_filter = ["active", "public"]
    search_fields = ["question"]
    readonly_fields = ["version", "previous", "created_at", "created_by"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        index_entry(obj)


class Open311ClientForm(forms.ModelForm):
    class Meta:
        model = Open311Client
        fields = ["name", "contact", "active"]


@admin.register(Open311Client)
class Open311ClientAdmin(AuditedAdmin):
    form = Open311ClientForm
    list_display = ["name", "key_prefix", "active", "created_at", "revoked_at"]
    readonly_fields = ["key_prefix", "created_at", "revoked_at"]

    def save_model(self, request: HttpRequest, obj: Open311Client, form: Any, change: bool) -> None:
        if not change:
            import secrets

            key = secrets.token_urlsafe(32)
            obj.key_prefix, obj.key_hash, obj.created_by = key[:8], key_hash(key), request.user
            super().save_model(request, obj, form, change)
            messages.warning(request, f"新密钥（只显示这一次，请交给客户端应用）：{key}")
            return
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "kind", "channel", "lead_unit", "received_at", "due_at"]
    list_filter = ["status", "kind", "channel"]
    exclude = ["caller_name", "caller_phone"]  # personal data: through the audited page only


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "county", "state", "started_at", "disaster_event_id"]


@admin.register(CallRecord)
class CallRecordAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "phone", "started_at", "answered", "callback_state"]
    list_filter = ["answered", "callback_state"]
