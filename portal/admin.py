from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from portal import rulesets
from portal.audit import audit_record, snapshot
from portal.models import (
    AuditEntry,
    CalendarDay,
    CalendarYear,
    Deadline,
    Delegation,
    JobHeartbeat,
    Membership,
    Notification,
    OrgUnit,
    OutboxMessage,
    Role,
    RuleSet,
    User,
    WorkingGroupMember,
)
from portal.org import delegation_create, users_import_xlsx
from portal.workcal import calendar

admin.site.site_header = "驻马店市政务运行平台 · 管理后台"
admin.site.site_title = "管理后台"
admin.site.index_title = "平台管理"


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are state changes too: record who changed what."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"admin.{obj._meta.label_lower}.{'change' if change else 'add'}",
            obj=obj,
            before=before,
            after=snapshot(obj),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(
            actor=request.user, action=f"admin.{obj._meta.label_lower}.delete", obj=obj, before=snapshot(obj)
        )
        super().delete_model(request, obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["unit", "role", "valid_from", "valid_to", "reason"]
    autocomplete_fields = ["unit"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # end a membership with valid_to; the history stays


class ImportUsersForm(forms.Form):
    file = forms.FileField(label="用户名单（XLSX）")


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "display_name", "phone", "email", "is_active", "is_staff"]
    search_fields = ["username", "display_name", "phone", "email"]
    fieldsets = (*UserAdmin.fieldsets, ("联系方式", {"fields": ("display_name", "phone")}))
    change_list_template = "admin/portal/user/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="portal_user_import"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        result = None
        form = ImportUsersForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            result = users_import_xlsx(fileobj=form.cleaned_data["file"], actor=request.user)
            if result.errors:
                messages.warning(
                    request,
                    f"已导入 {result.created} 人、更新 {result.updated} 人；{len(result.errors)} 行有错误，见下表。",
                )
            else:
                messages.success(request, f"已导入 {result.created} 人、更新 {result.updated} 人。")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "result": result,
            "title": "批量导入用户",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/portal/user/import.html", context)


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["name", "kind", "parent", "code", "handles_orders", "active"]
    list_filter = ["kind", "handles_orders", "active", "is_zone"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]


@admin.register(WorkingGroupMember)
class WorkingGroupMemberAdmin(AuditedAdmin):
    list_display = ["group", "unit", "is_lead"]
    list_filter = ["group"]
    autocomplete_fields = ["group", "unit"]


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ["code", "name", "citywide"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "unit", "role", "valid_from", "valid_to"]
    list_filter = ["role", "unit__kind"]
    search_fields = ["user__username", "user__display_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]
    actions = ["end_now"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="立即结束所选任职（保留历史）")
    def end_now(self, request: HttpRequest, queryset: Any) -> None:
        now = timezone.now()
        for membership in queryset.filter(valid_to__isnull=True):
            membership.valid_to = now
            membership.save(update_fields=["valid_to"])
            audit_record(
                actor=request.user, action="portal.membership.end", obj=membership, after={"valid_to": now}
            )


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["principal", "deputy", "role", "unit", "starts_at", "ends_at", "reason"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    form = DelegationForm
    list_display = ["principal", "deputy", "role", "unit", "starts_at", "ends_at", "revoked_at"]
    autocomplete_fields = ["principal", "deputy", "unit"]

    def save_model(self, request: HttpRequest, obj: Delegation, form: Any, change: bool) -> None:
        if change:
            messages.error(request, "代理记录不能修改；请撤销后重新设置。")
            return
        created = delegation_create(
            principal=obj.principal,
            deputy=obj.deputy,
            role=obj.role,
            unit=obj.unit,
            starts_at=obj.starts_at,
            ends_at=obj.ends_at,
            reason=obj.reason,
            actor=request.user,
        )
        obj.pk = created.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RuleSetForm(forms.ModelForm):
    params_json = forms.CharField(label="参数（JSON）", widget=forms.Textarea(attrs={"rows": 20, "cols": 90}))

    class Meta:
        model = RuleSet
        fields = ["key", "valid_from", "valid_to", "reason", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.fields["params_json"].initial = json.dumps(
                self.instance.params, ensure_ascii=False, indent=2
            )

    def clean_params_json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.cleaned_data["params_json"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"JSON 格式错误：{exc}") from None
        if not isinstance(data, dict):
            raise forms.ValidationError("参数必须是一个 JSON 对象")
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        key, params = cleaned.get("key"), cleaned.get("params_json")
        if key and params is not None:
            try:
                rulesets.validate_params(key, params)
            except rulesets.RuleViolation as exc:
                for field, errs in exc.errors.items():
                    self.add_error("params_json" if field == "params" else None, errs)
        return cleaned


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """Rule parameters: "save" always creates a new version; old versions are read-only."""

    form = RuleSetForm
    list_display = ["key", "version", "valid_from", "valid_to", "author", "created_at", "reason"]
    list_filter = ["key"]
    search_fields = ["key", "reason"]
    change_form_template = "admin/portal/ruleset/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            return [
                "key",
                "version",
                "valid_from",
                "valid_to",
                "params_pretty",
                "reason",
                "source",
                "author",
                "created_at",
            ]
        return []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None:
            return self.get_readonly_fields(request, obj)
        return ["key", "valid_from", "valid_to", "params_json", "reason", "source"]

    @admin.display(description="参数")
    def params_pretty(self, obj: RuleSet) -> str:
        return json.dumps(obj.params, ensure_ascii=False, indent=2)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        source_id = request.GET.get("from")
        if source_id and source_id.isdigit():
            base = RuleSet.objects.filter(pk=int(source_id)).first()
            if base:
                initial.update(
                    key=base.key,
                    params_json=json.dumps(base.params, ensure_ascii=False, indent=2),
                    valid_from=timezone.localdate(),
                    source=base.source,
                )
        return initial

    def save_model(self, request: HttpRequest, obj: RuleSet, form: Any, change: bool) -> None:
        created = rulesets.ruleset_create_version(
            key=form.cleaned_data["key"],
            params=form.cleaned_data["params_json"],
            valid_from=form.cleaned_data["valid_from"],
            valid_to=form.cleaned_data.get("valid_to"),
            reason=form.cleaned_data["reason"],
            source=form.cleaned_data.get("source", ""),
            actor=request.user,
        )
        obj.pk, obj.version = created.pk, created.version

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        return [
            path("compare/", self.admin_site.admin_view(self.compare_view), name="portal_ruleset_compare"),
            *super().get_urls(),
        ]

    def compare_view(self, request: HttpRequest) -> HttpResponse:
        key = request.GET.get("key", "")
        versions = rulesets.ruleset_versions(key) if key else []
        flats = [rulesets.flatten(v.params) for v in versions]
        paths = sorted({p for flat in flats for p in flat})
        rows = []
        for p in paths:
            cells = []
            for i, flat in enumerate(flats):
                value = flat.get(p)
                changed = i > 0 and flats[i - 1].get(p) != value
                cells.append({"value": "—" if value is None else value, "changed": changed})
            rows.append({"path": p, "cells": cells})
        info = rulesets.registered().get(key)
        context = {
            **self.admin_site.each_context(request),
            "title": f"规则版本对比：{key}",
            "key": key,
            "versions": versions,
            "rows": rows,
            "keys": sorted(rulesets.registered()),
            "info": info,
            "opts": self.model._meta,
        }
        return render(request, "admin/portal/ruleset/compare.html", context)


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_working", "note"]


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    form = CalendarDayForm
    list_display = ["date", "is_working", "note", "created_by"]
    list_filter = ["is_working"]
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)
        calendar().clear()


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ["year", "official_entered", "note"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar().clear()


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "at", "actor_label", "action", "object_type", "object_id", "seal_seq"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "object_id", "request_id"]
    show_full_result_count = False


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "responsible_unit", "due_at", "status", "met_at", "overdue_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title"]
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["recipient", "level", "title", "created_at", "read_at"]
    list_filter = ["level"]
    show_full_result_count = False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["channel", "to", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "status"]


@admin.register(JobHeartbeat)
class JobHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_started_at", "last_finished_at", "last_result"]
