"""The supervision API (`/api/v1/supervision/`): tasks with indicators and status, the report
obligations a unit owes, filing and correcting reports, evidence upload, and a pure preview of
the status rule. Every view subclasses the portal base classes (Idempotency-Key)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.views import PortalAPIView, PortalGenericViewSet, PortalReadOnlyViewSet
from supervision import rules, services
from supervision.models import (
    Assignment,
    Direction,
    Evidence,
    Frequency,
    Indicator,
    Report,
    ReportObligation,
    Status,
    Task,
)
from supervision.policies import (
    ObligationPolicy,
    ReportPolicy,
    TaskPolicy,
    reporter_unit_ids,
    sees_everything,
)

# --- serializers ----------------------------------------------------------------------------


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _rule_ref(ruleset: Any) -> dict[str, Any] | None:
    return ruleset.as_ref() if ruleset is not None else None


class IndicatorSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="measure_unit")
    reporting_unit = UnitRefSerializer()
    status_rule_set = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "id",
            "number",
            "name",
            "unit",
            "target",
            "direction",
            "baseline",
            "start",
            "deadline",
            "quote",
            "note",
            "reporting_unit",
            "latest_value",
            "latest_as_of",
            "status",
            "status_label",
            "status_explanation",
            "status_on",
            "status_rule_set",
        ]

    def get_status_rule_set(self, obj: Indicator) -> dict[str, Any] | None:
        return _rule_ref(obj.status_rule_set)

    def get_status_label(self, obj: Indicator) -> str:
        return obj.get_status_display()


class SectionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()


class TaskSerializer(serializers.ModelSerializer):
    document = serializers.CharField(source="document.number")
    document_letter = serializers.CharField(source="document.letter")
    section = SectionRefSerializer()
    lead_units = serializers.SerializerMethodField()
    co_units = serializers.SerializerMethodField()
    indicators = IndicatorSerializer(many=True)
    status_label = serializers.SerializerMethodField()
    status_rule_set = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "code",
            "document",
            "document_letter",
            "section",
            "number",
            "title",
            "deadline",
            "report_frequency",
            "all_counties",
            "lead_units",
            "co_units",
            "other_responsible",
            "indicators",
            "status",
            "status_label",
            "status_explanation",
            "status_on",
            "status_rule_set",
            "overdue_reports",
            "last_report_at",
            "completed_at",
        ]

    def _units(self, obj: Task, role: str) -> list[dict[str, Any]]:
        return [{"id": a.unit_id, "name": a.unit.name} for a in obj.department_assignments if a.role == role]

    def get_lead_units(self, obj: Task) -> list[dict[str, Any]]:
        return self._units(obj, Assignment.Role.LEAD)

    def get_co_units(self, obj: Task) -> list[dict[str, Any]]:
        return self._units(obj, Assignment.Role.CO)

    def get_status_label(self, obj: Task) -> str:
        return obj.get_status_display()

    def get_status_rule_set(self, obj: Task) -> dict[str, Any] | None:
        return _rule_ref(obj.status_rule_set)


class TaskDetailSerializer(TaskSerializer):
    counties = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields,
            "text",
            "responsibility_text",
            "counties",
            "deadline_basis",
            "reporting_starts",
            "reporting_until",
            "completion_note",
        ]

    def get_counties(self, obj: Task) -> list[dict[str, Any]]:
        return [
            {"id": a.unit_id, "name": a.unit.name}
            for a in obj.assignments.filter(role=Assignment.Role.COUNTY)
            .select_related("unit")
            .order_by("order")
        ]


class ObligationSerializer(serializers.ModelSerializer):
    task = serializers.SerializerMethodField()
    unit = UnitRefSerializer()
    period_label = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = ReportObligation
        fields = [
            "id",
            "task",
            "unit",
            "period_start",
            "period_end",
            "period_label",
            "due_at",
            "status",
            "filed_at",
            "current_report",
        ]

    def get_task(self, obj: ReportObligation) -> dict[str, Any]:
        return {"id": obj.task_id, "code": obj.task.code, "title": obj.task.title}

    def get_period_label(self, obj: ReportObligation) -> str:
        return obj.period.label

    def get_status(self, obj: ReportObligation) -> str:
        """The deadline's status: open / overdue / met / cancelled."""
        return obj.deadline.status if obj.deadline else "open"


class ReportValueOutSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(source="indicator_id")
    name = serializers.CharField(source="indicator.name")
    value = serializers.DecimalField(max_digits=20, decimal_places=4)
    note = serializers.CharField()


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "name", "size", "sha256", "content_type", "uploaded_at", "report", "url"]

    def get_url(self, obj: Evidence) -> str:
        from django.urls import reverse

        return reverse("supervision:evidence", args=[obj.pk])


class ReportSerializer(serializers.ModelSerializer):
    unit = UnitRefSerializer()
    submitted_by = serializers.CharField(source="submitted_by.username")
    values = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()
    period_label = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "obligation",
            "task",
            "unit",
            "period_label",
            "version",
            "is_current",
            "supersedes",
            "narrative",
            "as_of",
            "submitted_by",
            "submitted_at",
            "late",
            "correction_reason",
            "values",
            "evidence",
        ]

    def get_values(self, obj: Report) -> list[dict[str, Any]]:
        rows = obj.values.select_related("indicator").order_by("indicator__number")
        return list(ReportValueOutSerializer(rows, many=True).data)

    def get_evidence(self, obj: Report) -> list[dict[str, Any]]:
        rows = Evidence.objects.filter(
            obligation_id=obj.obligation_id, report__isnull=False, report__version__lte=obj.version
        ).order_by("pk")
        return list(EvidenceSerializer(rows, many=True).data)

    def get_period_label(self, obj: Report) -> str:
        return obj.obligation.period.label


class ValueInSerializer(serializers.Serializer):
    indicator = serializers.IntegerField()
    value = serializers.CharField(allow_blank=True, help_text="截至本期末的累计完成值（十进制字符串）")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ReportInSerializer(serializers.Serializer):
    obligation = serializers.IntegerField()
    narrative = serializers.CharField(allow_blank=True)
    values = ValueInSerializer(many=True, required=False, default=list)
    evidence = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class CorrectionInSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)
    narrative = serializers.CharField(allow_blank=True)
    values = ValueInSerializer(many=True, required=False, default=list)
    evidence = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class EvidenceInSerializer(serializers.Serializer):
    obligation = serializers.IntegerField()
    file = serializers.FileField()


class NoteInSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class ReasonInSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ScheduleInSerializer(serializers.Serializer):
    report_frequency = serializers.ChoiceField(choices=Frequency.choices)


def _service_values(values: list[dict[str, Any]]) -> tuple[dict[int, Any], dict[int, str]]:
    return (
        {v["indicator"]: v["value"] for v in values},
        {v["indicator"]: v.get("note", "") for v in values},
    )


# --- tasks ----------------------------------------------------------------------------------


class TaskFilter(django_filters.FilterSet):
    document = django_filters.CharFilter(
        field_name="document__letter", label="文件（A=驻政办〔2024〕22号，B=驻政〔2024〕10号）"
    )
    section = django_filters.NumberFilter(field_name="section_id")
    status = django_filters.ChoiceFilter(choices=Status.choices)
    unit = django_filters.NumberFilter(method="filter_unit", label="责任单位 id（含牵头、责任单位和县区）")
    county = django_filters.NumberFilter(method="filter_unit", label="县区 id")

    class Meta:
        model = Task
        fields = ["document", "section", "status", "unit", "county"]

    def filter_unit(self, queryset: QuerySet[Task], name: str, value: int) -> QuerySet[Task]:
        return queryset.filter(pk__in=Assignment.objects.filter(unit_id=value).values("task_id"))


def _task_queryset(user: Any) -> QuerySet[Task]:
    return (
        TaskPolicy()
        .scope(user)
        .select_related("document", "section", "status_rule_set")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(role__in=[Assignment.Role.LEAD, Assignment.Role.CO])
                .select_related("unit")
                .order_by("order"),
                to_attr="department_assignments",
            ),
            Prefetch(
                "indicators",
                queryset=Indicator.objects.select_related("reporting_unit", "status_rule_set").order_by(
                    "number"
                ),
            ),
        )
    )


class TaskViewSet(PortalReadOnlyViewSet):
    """Tasks the caller may see (supervisors: all; a unit: those it answers for)."""

    filterset_class = TaskFilter

    def get_queryset(self) -> QuerySet[Task]:
        return _task_queryset(self.request.user)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return TaskDetailSerializer if self.action == "retrieve" else TaskSerializer

    def _supervised(self, pk: Any) -> Task:
        return TaskPolicy().get(
            self.request.user, "supervise", queryset=_task_queryset(self.request.user), pk=pk
        )

    def _detail(self, task: Task) -> Response:
        fresh = _task_queryset(self.request.user).get(pk=task.pk)
        return Response(TaskDetailSerializer(fresh).data)

    @extend_schema(request=NoteInSerializer, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        """Supervisor: confirm the task completed (`{"note"}`)."""
        task = self._supervised(pk)
        body = NoteInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._detail(
            services.task_complete(task=task, actor=request.user, note=body.validated_data["note"])
        )

    @extend_schema(request=ReasonInSerializer, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        """Supervisor: reopen a task confirmed completed (`{"reason"}`)."""
        task = self._supervised(pk)
        body = ReasonInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._detail(
            services.task_reopen(task=task, actor=request.user, reason=body.validated_data["reason"])
        )

    @extend_schema(request=ScheduleInSerializer, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: Any = None) -> Response:
        """Supervisor: set the reporting cycle (`{"report_frequency": "weekly"|"monthly"|"quarterly"}`)."""
        task = self._supervised(pk)
        body = ScheduleInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._detail(
            services.task_schedule_set(
                task=task, actor=request.user, frequency=body.validated_data["report_frequency"]
            )
        )

    @extend_schema(responses=ReportSerializer(many=True))
    @action(detail=True, methods=["get"])
    def reports(self, request: Request, pk: Any = None) -> Response:
        """The task's reports the caller may see, every version (newest first)."""
        task = TaskPolicy().get(request.user, pk=pk)
        qs = (
            ReportPolicy()
            .scope(request.user)
            .filter(task=task)
            .select_related("unit", "submitted_by", "obligation")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ReportSerializer(page, many=True).data)


# --- obligations ----------------------------------------------------------------------------


class ObligationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[("open", "未到期"), ("overdue", "已逾期"), ("met", "已报送"), ("cancelled", "已取消")],
        field_name="deadline__status",
    )
    unit = django_filters.NumberFilter(field_name="unit_id")
    task = django_filters.NumberFilter(field_name="task_id")

    class Meta:
        model = ReportObligation
        fields = ["status", "unit", "task"]


class ObligationViewSet(PortalReadOnlyViewSet):
    """Report obligations: a unit's own (what it owes), or all for supervisors."""

    serializer_class = ObligationSerializer
    filterset_class = ObligationFilter

    def get_queryset(self) -> QuerySet[ReportObligation]:
        user = self.request.user
        if self.action == "list" and not sees_everything(user):
            qs = ReportObligation.objects.filter(unit_id__in=reporter_unit_ids(user))
        else:
            qs = ObligationPolicy().scope(user)
        return qs.select_related("task", "unit", "deadline")


# --- reports --------------------------------------------------------------------------------


class ReportViewSet(mixins.RetrieveModelMixin, PortalGenericViewSet):
    """`POST /reports/` files a report; `POST /reports/{id}/correct/` files a new version."""

    serializer_class = ReportSerializer

    def get_queryset(self) -> QuerySet[Report]:
        return ReportPolicy().scope(self.request.user).select_related("unit", "submitted_by", "obligation")

    @extend_schema(request=ReportInSerializer, responses={201: ReportSerializer})
    def create(self, request: Request) -> Response:
        body = ReportInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        obligation = ObligationPolicy().get(request.user, "report", pk=data["obligation"])
        values, notes = _service_values(data["values"])
        report = services.report_submit(
            obligation=obligation,
            actor=request.user,
            narrative=data["narrative"],
            values=values,
            value_notes=notes,
            evidence_ids=data["evidence"],
        )
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CorrectionInSerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: Any = None) -> Response:
        report = ReportPolicy().get(request.user, "correct", pk=pk)
        body = CorrectionInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        values, notes = _service_values(data["values"])
        new = services.report_correct(
            report=report,
            actor=request.user,
            reason=data["reason"],
            narrative=data["narrative"],
            values=values,
            value_notes=notes,
            evidence_ids=data["evidence"],
        )
        return Response(ReportSerializer(new).data, status=status.HTTP_201_CREATED)


class EvidenceUploadView(PortalAPIView):
    """`POST /evidence/` (multipart: obligation, file) → an evidence id to list in the report."""

    parser_classes = [MultiPartParser, FormParser]
    serializer_class = EvidenceInSerializer

    @extend_schema(request={"multipart/form-data": EvidenceInSerializer}, responses={201: EvidenceSerializer})
    def post(self, request: Request) -> Response:
        body = EvidenceInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        obligation = ObligationPolicy().get(request.user, "report", pk=body.validated_data["obligation"])
        evidence = services.evidence_upload(
            obligation=obligation, actor=request.user, file=body.validated_data["file"]
        )
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


# --- the status rule, as a pure preview -----------------------------------------------------


class EvaluateInSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="评估日期，默认今天；同时决定使用哪一版规则")
    name = serializers.CharField(required=False, default="指标", max_length=120)
    unit = serializers.CharField(required=False, default="", allow_blank=True, max_length=20)
    direction = serializers.ChoiceField(choices=Direction.choices)
    target = serializers.DecimalField(max_digits=20, decimal_places=4)
    baseline = serializers.DecimalField(max_digits=20, decimal_places=4, required=False, allow_null=True)
    start = serializers.DateField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True)
    value = serializers.DecimalField(max_digits=20, decimal_places=4, required=False, allow_null=True)
    as_of = serializers.DateField(required=False, allow_null=True)
    report_frequency = serializers.ChoiceField(
        choices=Frequency.choices, required=False, default=Frequency.MONTHLY
    )
    reporting_starts = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("value") is not None and attrs.get("as_of") is None:
            raise serializers.ValidationError({"as_of": ["填写了完成值时请同时填写数据截至日期"]})
        if (attrs.get("baseline") is None) != (attrs.get("start") is None):
            raise serializers.ValidationError({"start": ["起算值和起算日期需同时填写"]})
        return attrs


class EvaluateOutSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    share = serializers.CharField(allow_null=True)
    expected = serializers.CharField(allow_null=True)
    rule_set = serializers.DictField()
    explanation = serializers.ListField(child=serializers.CharField())


class EvaluateView(PortalAPIView):
    """`POST /status/evaluate/` — what the status rule in force says about these figures (no
    side effects): the same code path as the board."""

    serializer_class = EvaluateInSerializer

    @extend_schema(request=EvaluateInSerializer, responses=EvaluateOutSerializer)
    def post(self, request: Request) -> Response:
        from django.utils import timezone

        body = EvaluateInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        on = d.get("date") or timezone.localdate()
        facts = rules.IndicatorFacts(
            name=d["name"],
            unit=d["unit"],
            target=d["target"],
            direction=d["direction"],
            deadline=d.get("deadline"),
            baseline=d.get("baseline"),
            start=d.get("start"),
        )
        reading = rules.Reading(d["value"], d["as_of"]) if d.get("value") is not None else None
        ev, ruleset = services.evaluate_preview(
            facts=facts,
            reading=reading,
            on=on,
            frequency=d["report_frequency"],
            reporting_starts=d.get("reporting_starts") or d.get("start") or on,
        )
        return Response(
            {
                "status": ev.status,
                "status_label": ev.label,
                "share": str(ev.share.quantize(Decimal("0.0001"))) if ev.share is not None else None,
                "expected": str(ev.expected.quantize(Decimal("0.0001"))) if ev.expected is not None else None,
                "rule_set": ruleset.as_ref(),
                "explanation": ev.lines,
            }
        )
