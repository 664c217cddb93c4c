"""The disaster API. `POST /api/v1/disaster/assess/` is the public contract of api.md; the rest
(events, reports, aggregates, proposals) is documented in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from disaster import selectors
from disaster.models import DisasterType, Event, PhoneReport, Proposal, Report, ReportRow
from disaster.policies import VIEW_ROLES, EventPolicy, ProposalPolicy, ReportPolicy
from disaster.rules import Figures, assess, defaults
from disaster.rules.indicators import ALL_FIELDS, MONEY_FIELDS
from disaster.services import events as ev
from disaster.services import reports as rsvc
from disaster.services import response as resp
from portal.access import units_in_jurisdiction
from portal.api.views import PortalAPIView, PortalGenericViewSet
from portal.errors import RuleViolation
from portal.models import OrgUnit
from portal.rulesets import RuleSetMissing, ruleset_in_force

INT_ERRORS = {
    "required": "此项为必填项",
    "invalid": "须为不小于 0 的整数",
    "min_value": "须为不小于 0 的整数",
    "max_string_length": "数值过大",
    "null": "此项不能为空",
}


def _count(required: bool = True) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, required=required, error_messages=INT_ERRORS)


class StrictInteger(serializers.IntegerField):
    """Integers only: true/false and 1.5 are refused (DRF would coerce a bool)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or isinstance(data, float):
            self.fail("invalid")
        return super().to_internal_value(data)


class DisasterAssessRequest(serializers.Serializer):
    date = serializers.DateField(required=False, error_messages={"invalid": "日期格式须为 YYYY-MM-DD"})
    deaths = StrictInteger(min_value=0, error_messages=INT_ERRORS)
    missing = StrictInteger(min_value=0, error_messages=INT_ERRORS)
    relocated = StrictInteger(min_value=0, error_messages=INT_ERRORS)
    needing_aid = StrictInteger(min_value=0, error_messages=INT_ERRORS)
    collapsed_rooms = StrictInteger(min_value=0, error_messages=INT_ERRORS)
    collapsed_households = StrictInteger(min_value=0, error_messages=INT_ERRORS)
    drought_needing_aid = StrictInteger(min_value=0, error_messages=INT_ERRORS)
    agricultural_population = StrictInteger(
        min_value=0, required=False, allow_null=True, error_messages=INT_ERRORS
    )


class DisasterTriggerOut(serializers.Serializer):
    level = serializers.CharField()
    indicator = serializers.CharField()
    value = serializers.JSONField()
    threshold = serializers.JSONField()


class DisasterRuleSetRef(serializers.Serializer):
    key = serializers.CharField()
    version = serializers.IntegerField()
    valid_from = serializers.DateField()


class DisasterAssessResponse(serializers.Serializer):
    level = serializers.CharField(allow_null=True)
    triggered = DisasterTriggerOut(many=True)
    rule_set = DisasterRuleSetRef()
    explanation = serializers.ListField(child=serializers.CharField())


def _lang(request: Request) -> str:
    """The request's language (api.md): the portal's language choice (cookie) or, for API
    clients, an Accept-Language that asks for English first; Chinese by default."""
    accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "").strip().lower()
    if accept.startswith("en") or getattr(request, "LANGUAGE_CODE", "zh-hans").startswith("en"):
        return "en"
    return "zh"


class AssessView(PortalAPIView):
    """`POST /api/v1/disaster/assess/` — what level do the rules in force on `date` give for these
    figures (disaster.md §3)? Pure: nothing is stored."""

    serializer_class = DisasterAssessRequest

    @extend_schema(request=DisasterAssessRequest, responses={200: DisasterAssessResponse})
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": ["请求体须为 JSON 对象"]}, status=400)
        data = DisasterAssessRequest(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        day = values.get("date") or timezone.localdate()
        try:
            ruleset = ruleset_in_force(defaults.RESPONSE_LEVELS_KEY, on=day)
        except RuleSetMissing:
            return Response({"date": [f"{day} 没有生效的响应等级规则"]}, status=400)
        figures = Figures(**{k: values[k] for k in Figures.__dataclass_fields__})
        result = assess(
            figures, ruleset.params, agricultural_population=values.get("agricultural_population")
        )
        return Response(
            {
                "level": result.level,
                "triggered": result.triggered_api(),
                "rule_set": ruleset.as_ref(),
                "explanation": result.explanation(_lang(request)),
            }
        )


# --- events -------------------------------------------------------------------------------


class DisasterEventCountyOut(serializers.Serializer):
    county = serializers.IntegerField(source="county_id")
    name = serializers.CharField(source="county.name")
    occurred_at = serializers.DateTimeField()
    county_level = serializers.CharField(allow_null=True)


class PlainChoiceField(serializers.CharField):
    """A model choice field rendered as a plain string: no enum component in the schema that could
    collide with other apps' enums; the allowed values are listed in the help text."""

    def __init__(self, *, choices: Any = None, **kwargs: Any) -> None:
        kwargs.pop("html_cutoff", None)
        kwargs.pop("html_cutoff_text", None)
        if choices and "help_text" not in kwargs:
            kwargs["help_text"] = " | ".join(str(value) for value, _ in choices)
        super().__init__(**kwargs)


class PlainChoices:
    serializer_choice_field = PlainChoiceField


class DisasterEventOut(PlainChoices, serializers.ModelSerializer):
    type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    counties = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "type",
            "started_at",
            "status",
            "current_level",
            "suggested_level",
            "national_response",
            "stable_at",
            "verified_at",
            "closed_at",
            "last_report_at",
            "counties",
        ]

    def get_counties(self, obj: Event) -> list[dict[str, Any]]:
        """The affected counties the caller may see (prefetched by the view, scoped)."""
        return DisasterEventCountyOut(obj.visible_counties, many=True).data  # type: ignore[attr-defined,return-value]


class DisasterEventCountyIn(serializers.Serializer):
    county = serializers.IntegerField()
    occurred_at = serializers.DateTimeField(required=False)
    major = serializers.BooleanField(default=False)


class DisasterEventIn(serializers.Serializer):
    type = serializers.SlugRelatedField(slug_field="code", queryset=DisasterType.objects.filter(active=True))
    title = serializers.CharField(max_length=120)
    started_at = serializers.DateTimeField()
    description = serializers.CharField(required=False, allow_blank=True, default="")
    counties = DisasterEventCountyIn(many=True)


def _county(user: Any, county_id: Any, field: str = "county") -> OrgUnit:
    """A county-level unit the user may see; 404 (not revealed) otherwise."""
    try:
        pk = int(county_id)
    except (TypeError, ValueError):
        raise RuleViolation(errors={field: ["县区编号无效"]}) from None
    unit = units_in_jurisdiction(user, VIEW_ROLES).filter(pk=pk, kind=OrgUnit.Kind.COUNTY).first()
    if unit is None:
        if OrgUnit.objects.filter(pk=pk, kind=OrgUnit.Kind.COUNTY).exists():
            raise Http404
        raise RuleViolation(errors={field: ["不是县级行政区域"]})
    return unit


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalGenericViewSet):
    """Disaster events the caller may see; POST opens one (county office: its own county)."""

    serializer_class = DisasterEventOut
    policy = EventPolicy()

    def get_queryset(self) -> Any:
        from django.db.models import Prefetch

        from disaster.models import EventCounty
        from disaster.policies import county_q

        counties = EventCounty.objects.select_related("county").order_by("county__sort", "county_id")
        q = county_q(self.request.user)
        if q is not None:
            counties = counties.filter(q)
        qs = (
            self.policy.scope(self.request.user)
            .prefetch_related(Prefetch("counties", queryset=counties, to_attr="visible_counties"))
            .order_by("-pk")
        )
        status_filter = self.request.query_params.get("status")
        if status_filter in Event.Status.values:
            qs = qs.filter(status=status_filter)
        return qs

    @extend_schema(request=DisasterEventIn, responses={201: DisasterEventOut})
    def create(self, request: Request) -> Response:
        data = DisasterEventIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        starts = [
            ev.CountyStart(
                _county(request.user, c["county"]), c.get("occurred_at") or v["started_at"], c["major"]
            )
            for c in v["counties"]
        ]
        event = ev.event_open(
            actor=request.user,
            type=v["type"],
            title=v["title"],
            started_at=v["started_at"],
            description=v["description"],
            counties=starts,
        )
        created = self.get_queryset().get(pk=event.pk)
        return Response(
            DisasterEventOut(created, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        responses=inline_serializer(
            "DisasterEventAggregate",
            {
                "event": serializers.IntegerField(),
                "total": serializers.DictField(),
                "counties": serializers.ListField(),
                "partial": serializers.BooleanField(),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def aggregate(self, request: Request, pk: str) -> Response:
        """Per county: the sum of each township's latest cumulative (and real-time) values; with
        `?county=<id>`, that county's townships."""
        event = self.policy.get(request.user, pk=pk)
        agg = selectors.event_aggregate(event, request.user)

        def fmt(values: dict[str, Any]) -> dict[str, Any]:
            return {f: (str(values[f]) if f in MONEY_FIELDS else values[f]) for f in ALL_FIELDS}

        body: dict[str, Any] = {
            "event": event.pk,
            "partial": agg.partial,
            "total": fmt(agg.total),
            "counties": [
                {"county": c["county"].pk, "name": c["county"].name, **fmt(c["figures"])}
                for c in agg.counties
            ],
        }
        county_id = request.query_params.get("county")
        if county_id:
            county = _county(request.user, county_id)
            if not any(c["county"].pk == county.pk for c in agg.counties):
                raise Http404
            body["townships"] = [
                {
                    "township": cf.township_id,
                    "name": cf.township.name,
                    "report": cf.report_id,
                    **fmt({f: getattr(cf, f) for f in ALL_FIELDS}),
                }
                for cf in selectors.township_figures(event, county)
            ]
        return Response(body)


# --- reports ------------------------------------------------------------------------------


class DisasterRowOut(PlainChoices, serializers.ModelSerializer):
    class Meta:
        model = ReportRow
        fields = ["township", *ALL_FIELDS]


class DisasterReportOut(PlainChoices, serializers.ModelSerializer):
    rows = DisasterRowOut(many=True, read_only=True)
    superseded_by = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "event",
            "county",
            "kind",
            "drought",
            "seq",
            "version",
            "supersedes",
            "superseded_by",
            "correction_reason",
            "reported_at",
            "submitted_at",
            "channel",
            "outage_note",
            "description",
            "major_change",
            "totals",
            "rows",
        ]

    def get_superseded_by(self, obj: Report) -> int | None:
        try:
            return obj.superseded_by.pk  # select_related by the view
        except Report.superseded_by.RelatedObjectDoesNotExist:
            return None


class DisasterMissingChangeIn(serializers.Serializer):
    township = serializers.IntegerField()
    name = serializers.CharField(max_length=60)
    outcome = serializers.CharField(help_text="found_alive | confirmed_dead | other")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterReportIn(serializers.Serializer):
    event = serializers.IntegerField()
    county = serializers.IntegerField()
    kind = serializers.CharField(help_text="initial | continuing | verified")
    rows = serializers.ListField(child=serializers.DictField(), allow_empty=False)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    major_change = serializers.BooleanField(default=False)
    missing_changes = DisasterMissingChangeIn(many=True, required=False, default=list)
    channel = serializers.CharField(default="system", help_text="system | phone | fax | sat_phone")
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    outage_note = serializers.CharField(required=False, allow_blank=True, default="")
    phone_log = serializers.IntegerField(required=False, allow_null=True, default=None)
    client_token = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")


class DisasterCorrectionIn(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), allow_empty=False)
    correction_reason = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True, default="")
    client_token = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")


def _rows(raw: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    rows: dict[Any, dict[str, Any]] = {}
    for i, row in enumerate(raw):
        township = row.get("township")
        if township in rows:
            raise RuleViolation(errors={f"rows.{i}.township": ["同一乡镇重复填报"]})
        unknown = set(row) - {"township", *ALL_FIELDS}
        if unknown:
            raise RuleViolation(errors={f"rows.{i}": [f"未知字段：{'、'.join(sorted(unknown))}"]})
        rows[township] = {k: v for k, v in row.items() if k != "township"}
    return rows


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalGenericViewSet):
    """County reports (immutable once submitted). POST files one whole (idempotent with the
    Idempotency-Key header or `client_token`); POST …/correct/ files a correction."""

    serializer_class = DisasterReportOut
    policy = ReportPolicy()

    def get_queryset(self) -> Any:
        qs = (
            self.policy.scope(self.request.user)
            .select_related("superseded_by")
            .prefetch_related("rows")
            .order_by("-pk")
        )
        for name in ("event", "county"):
            value = self.request.query_params.get(name, "")
            if value.isdigit():
                qs = qs.filter(**{f"{name}_id": int(value)})
        return qs

    @extend_schema(request=DisasterReportIn, responses={201: DisasterReportOut})
    def create(self, request: Request) -> Response:
        data = DisasterReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        event = EventPolicy().get(request.user, pk=v["event"])
        county = _county(request.user, v["county"])
        phone_log = None
        if v["phone_log"]:
            phone_log = PhoneReport.objects.filter(pk=v["phone_log"], event=event, county=county).first()
            if phone_log is None:
                raise RuleViolation(errors={"phone_log": ["电话报告登记不存在"]})
        report = rsvc.report_submit(
            event=event,
            county=county,
            kind=v["kind"],
            rows=_rows(v["rows"]),
            actor=request.user,
            client_token=v["client_token"] or None,
            description=v["description"],
            major_change=v["major_change"],
            missing_changes=v["missing_changes"],
            channel=v["channel"],
            reported_at=v["reported_at"],
            outage_note=v["outage_note"],
            phone_log=phone_log,
        )
        return Response(DisasterReportOut(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisasterCorrectionIn, responses={201: DisasterReportOut})
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        original = self.policy.get(request.user, "correct", pk=pk)
        data = DisasterCorrectionIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        report = rsvc.report_submit(
            event=original.event,
            county=original.county,
            kind=original.kind,
            rows=_rows(v["rows"]),
            actor=request.user,
            client_token=v["client_token"] or None,
            description=v["description"],
            supersedes=original,
            correction_reason=v["correction_reason"],
        )
        return Response(DisasterReportOut(report).data, status=status.HTTP_201_CREATED)


# --- proposals ----------------------------------------------------------------------------


class DisasterProposalOut(PlainChoices, serializers.ModelSerializer):
    class Meta:
        model = Proposal
        fields = [
            "id",
            "event",
            "action",
            "level",
            "from_level",
            "origin",
            "assessment",
            "reason",
            "proposed_by",
            "proposed_at",
            "status",
            "decided_by",
            "decided_at",
            "decided_role",
            "delegated_by",
            "decision_reason",
        ]


class DisasterDecideIn(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField()


class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalGenericViewSet):
    """Proposals to activate, upgrade or terminate the city response; POST …/decide/ by the role
    §3 names for the level."""

    serializer_class = DisasterProposalOut
    policy = ProposalPolicy()

    def get_queryset(self) -> Any:
        qs = self.policy.scope(self.request.user).order_by("-pk")
        if self.request.query_params.get("status") in Proposal.Status.values:
            qs = qs.filter(status=self.request.query_params["status"])
        return qs

    @extend_schema(request=DisasterDecideIn, responses={200: DisasterProposalOut})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        proposal = self.policy.get(request.user, "decide", pk=pk)
        data = DisasterDecideIn(data=request.data)
        data.is_valid(raise_exception=True)
        decided = resp.proposal_decide(
            proposal=proposal,
            approve=data.validated_data["approve"],
            reason=data.validated_data["reason"],
            actor=request.user,
        )
        return Response(DisasterProposalOut(decided).data)
