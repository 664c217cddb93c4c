"""API representations of the hotline (api.md "Hotline work orders"). Serializers only parse
and render; the services decide."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hotline.models import Assignment, KnowledgeEntry, Order
from hotline.models.choices import Channel, HandoverTarget, Kind, SpecialKind
from hotline.policies import is_centre
from hotline.rules import mask_name, mask_phone
from portal.access import is_superuser

CONFIDENTIAL = "（保密）"


def caller_display(order: Order, user: Any) -> tuple[str, str]:
    """Masked caller name and phone for lists and details. A unit never sees a confidential
    caller's identity; everyone else sees it masked (full data only through the audited
    `caller/` endpoint or the page's reveal button)."""
    if order.confidential and not (is_centre(user) or is_superuser(user)):
        return CONFIDENTIAL, CONFIDENTIAL
    return mask_name(order.caller_name) or "（匿名）", mask_phone(order.caller_phone)


class ChoiceLabelField(serializers.CharField):
    """The label of a choices field, `get_<field>_display()`. DRF's `source="get_…_display"`
    calls `inspect.signature` on the bound method for every object; on a list page of 50
    orders that was about a fifth of the request (docs/benchmarks.md). Same output."""

    def __init__(self, field: str, **kwargs: Any) -> None:
        self._display = f"get_{field}_display"
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance: Any) -> Any:
        return getattr(instance, self._display)()


class OrderSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    # A plain string in the schema: supervision's "status" enums would otherwise collide with ours.
    status = serializers.CharField(
        read_only=True,
        help_text="received, answered, handed_over, dispatched, signed, return_requested, extension_requested, "
        "replied, called_back, closed, archived",
    )

    status_label = ChoiceLabelField("status")
    kind_label = ChoiceLabelField("kind")
    subject = serializers.SerializerMethodField()
    subject_name = serializers.SerializerMethodField()
    caller_name = serializers.SerializerMethodField()
    caller_phone = serializers.SerializerMethodField()
    lead_unit_name = serializers.SerializerMethodField()
    assisting_units = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    rule_set = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "status_label",
            "channel",
            "external_id",
            "kind",
            "kind_label",
            "subject",
            "subject_name",
            "special_kind",
            "seat",
            "caller_name",
            "caller_phone",
            "confidential",
            "reply_wanted",
            "county",
            "township",
            "address",
            "latitude",
            "longitude",
            "description",
            "received_at",
            "dispatch_due_at",
            "lead_unit",
            "lead_unit_name",
            "assisting_units",
            "dispatched_at",
            "sign_due_at",
            "signed_at",
            "limit_days",
            "extension_days",
            "due_at",
            "replied_at",
            "overdue",
            "closed_at",
            "archived_at",
            "satisfied",
            "incident",
            "duplicate_of",
            "urge_count",
            "redo_count",
            "reopen_count",
            "rule_set",
            "token",
        ]
        read_only_fields = fields

    def _user(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_subject(self, obj: Order) -> str | None:
        return obj.subject.code if obj.subject_id else None

    def get_subject_name(self, obj: Order) -> str | None:
        return obj.subject.name if obj.subject_id else None

    def get_caller_name(self, obj: Order) -> str:
        return caller_display(obj, self._user())[0]

    def get_caller_phone(self, obj: Order) -> str:
        return caller_display(obj, self._user())[1]

    def get_lead_unit_name(self, obj: Order) -> str | None:
        return obj.lead_unit.name if obj.lead_unit_id else None

    def get_assisting_units(self, obj: Order) -> list[int]:
        assists = getattr(obj, "active_assists", None)
        if assists is None:
            assists = obj.assignments.filter(active=True, role=Assignment.Role.ASSIST)
        return [a.unit_id for a in assists]

    def get_overdue(self, obj: Order) -> bool:
        now = self.context.get("now") or timezone.now()
        return obj.is_overdue(now)

    # Null for an order received before rule sets existed: the schema must say so (API fuzzing).
    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_rule_set(self, obj: Order) -> dict[str, Any] | None:
        return obj.rule_set.as_ref() if obj.rule_set_id else None


class OrderCreateSerializer(serializers.Serializer):
    caller_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=60)
    caller_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    confidential = serializers.BooleanField(required=False, default=False)
    reply_wanted = serializers.BooleanField(required=False, default=True)
    kind = serializers.ChoiceField(choices=Kind.choices)
    subject = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    county = serializers.IntegerField(required=False, allow_null=True, default=None)
    township = serializers.IntegerField(required=False, allow_null=True, default=None)
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True, default=None
    )
    description = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, default=Channel.PHONE)
    external_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    special_kind = serializers.ChoiceField(
        choices=SpecialKind.choices, required=False, allow_null=True, default=None
    )
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DispatchSerializer(serializers.Serializer):
    lead_unit = serializers.IntegerField()
    assisting_units = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class ContentSerializer(serializers.Serializer):
    content = serializers.CharField()


class HandoverSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=HandoverTarget.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class HandoverResultSerializer(serializers.Serializer):
    outcome = serializers.CharField()


class UnitSerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField()
    basis = serializers.CharField()
    suggested_unit = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewReturnSerializer(ReviewSerializer):
    lead_unit = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReviewExtensionSerializer(ReviewSerializer):
    days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class ExtensionSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1)
    reason = serializers.CharField()


class UnfinishedSerializer(serializers.Serializer):
    progress = serializers.CharField()
    plan = serializers.CharField()
    expected_date = serializers.DateField()


class CallbackSerializer(serializers.Serializer):
    satisfied = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    method = serializers.ChoiceField(choices=["phone", "sms", "web", "auto"], required=False, default="phone")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EmptySerializer(serializers.Serializer):
    pass


class ReassignSerializer(serializers.Serializer):
    lead_unit = serializers.IntegerField()
    reason = serializers.CharField()


class LinkSerializer(serializers.Serializer):
    duplicate_of = serializers.IntegerField()


class CallerSerializer(serializers.Serializer):
    caller_name = serializers.CharField()
    caller_phone = serializers.CharField()
    confidential = serializers.BooleanField()


class KnowledgeEntrySerializer(serializers.ModelSerializer):
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)
    stale = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()

    class Meta:
        model = KnowledgeEntry
        fields = [
            "id",
            "question",
            "answer",
            "category",
            "owner_unit",
            "owner_unit_name",
            "policy_basis",
            "review_due",
            "reviewed_at",
            "stale",
            "version",
            "score",
        ]

    def get_stale(self, obj: KnowledgeEntry) -> bool:
        return obj.is_stale()

    def get_score(self, obj: KnowledgeEntry) -> float | None:
        return getattr(obj, "score", None)
