"""The assistance API. `POST classify/` is the public contract of api.md; the rest is the
project's own design (documented in the OpenAPI schema)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from assistance import rules
from assistance.models import AidRecord, Application, Household, Member, Person, Warning
from assistance.models.procedure import Objection
from assistance.policies import (
    LOCAL_ROLES,
    ApplicationPolicy,
    HouseholdPolicy,
    WarningPolicy,
    department_ids,
    local_q,
    may_unmask,
)
from assistance.rulekeys import NEEDS, STANDARDS
from assistance.services import applications as app_svc
from assistance.services import households as hh_svc
from assistance.services import ledger as ledger_svc
from assistance.services import monitoring as mon_svc
from assistance.services.standards import resolve_county, standards_for_unit
from portal.access import has_role
from portal.api.views import PortalAPIView, PortalGenericViewSet
from portal.errors import RuleViolation
from portal.models import OrgUnit
from portal.rulesets import RuleSetMissing, ruleset_in_force

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}

# --- classify (api.md) ------------------------------------------------------------------------


class AssistClassifyMemberSerializer(serializers.Serializer):
    age = serializers.IntegerField(min_value=0, max_value=150)
    labour_capacity = serializers.ChoiceField(choices=rules.LABOUR_CAPACITIES)
    disability_grade = serializers.ChoiceField(
        choices=[1, 2, 3, 4], allow_null=True, required=False, default=None
    )
    disability_category = serializers.ChoiceField(
        choices=rules.DISABILITY_CATEGORIES, allow_null=True, required=False, default=None
    )
    serious_illness = serializers.BooleanField(required=False, default=False)
    has_able_supporter = serializers.BooleanField(required=False, default=False)
    employed = serializers.BooleanField(required=False, default=False)
    own_income = serializers.DecimalField(**MONEY, required=False, default=Decimal("0"))


class AssistClassifyRequestSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    area = serializers.ChoiceField(choices=rules.AREAS)
    county = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    dibao_standard = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True
    )
    household_income = serializers.DecimalField(**MONEY)
    rigid_expenditure = serializers.DecimalField(**MONEY)
    property_within_limits = serializers.BooleanField()
    monitoring = serializers.ChoiceField(
        choices=rules.MONITORING_KINDS, allow_null=True, required=False, default=None
    )
    designated_other = serializers.BooleanField(required=False, default=False)
    members = AssistClassifyMemberSerializer(many=True, allow_empty=False)

    def to_internal_value(self, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and isinstance(data.get("county"), int)
            and not isinstance(data.get("county"), bool)
        ):
            data = {**data, "county": str(data["county"])}
        return super().to_internal_value(data)


class ClassifyView(PortalAPIView):
    """`POST /api/v1/assistance/classify/` — the tier of a household by the rules in force on
    `date` (api.md). Pure: nothing is stored."""

    serializer_class = AssistClassifyRequestSerializer

    @extend_schema(request=AssistClassifyRequestSerializer, responses={200: dict})
    def post(self, request: Request) -> Response:
        ser = AssistClassifyRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        day = data.get("date") or timezone.localdate()
        try:
            ruleset = ruleset_in_force(STANDARDS, on=day)
        except RuleSetMissing:
            raise RuleViolation(errors={"date": [f"{day} 没有生效的低收入人口认定标准"]}) from None
        county = resolve_county(data["county"]) if data.get("county") not in (None, "") else None
        std = standards_for_unit(
            ruleset.params, area=data["area"], county=county, dibao_override=data.get("dibao_standard")
        )
        facts = rules.HouseholdFacts(
            area=data["area"],
            household_income=data["household_income"],
            rigid_expenditure=data["rigid_expenditure"],
            property_within_limits=data["property_within_limits"],
            monitoring=data.get("monitoring"),
            designated_other=data.get("designated_other", False),
            members=tuple(
                rules.MemberFacts(
                    age=m["age"],
                    labour_capacity=m["labour_capacity"],
                    disability_grade=m.get("disability_grade"),
                    disability_category=m.get("disability_category"),
                    serious_illness=m.get("serious_illness", False),
                    has_able_supporter=m.get("has_able_supporter", False),
                    employed=m.get("employed", False),
                    own_income=m.get("own_income", Decimal("0")),
                )
                for m in data["members"]
            ),
        )
        result = rules.classify(facts, std)
        return Response(
            {
                "tier": result.tier,
                "single_person": result.single_person,
                "other_single_persons": result.other_single_persons,
                "checks": [
                    {"tier": c.tier, "passed": c.passed, "reason": c.reason, "figures": c.figures}
                    for c in result.checks
                ],
                "rule_set": ruleset.as_ref(),
                "explanation": result.explanation,
                "per_capita_income": str(result.per_capita_income),
                "standards": {
                    "dibao_standard": str(rules.money(std.dibao)),
                    "tekun_standard": str(rules.money(std.tekun)),
                    "near_dibao_line": str(rules.money(std.near_line)),
                    "rigid_expenditure_share": str(std.rigid_share),
                    "source": std.source,
                    "county": county.name if county else None,
                },
            }
        )


# --- households -------------------------------------------------------------------------------


class AssistMemberOutSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    name = serializers.CharField(source="person.name")
    id_number_masked = serializers.SerializerMethodField()
    relation = serializers.CharField()
    sex = serializers.CharField(source="person.sex")
    birth_date = serializers.DateField(source="person.birth_date")
    labour_capacity = serializers.CharField(source="person.labour_capacity")
    disability_category = serializers.CharField(source="person.disability_category", allow_null=True)
    disability_grade = serializers.IntegerField(source="person.disability_grade", allow_null=True)
    serious_illness = serializers.BooleanField(source="person.serious_illness")
    employed = serializers.BooleanField(source="person.employed")
    own_income = serializers.DecimalField(source="person.own_income", max_digits=14, decimal_places=2)
    has_able_supporter = serializers.BooleanField(source="person.has_able_supporter")

    def get_id_number_masked(self, member: Member) -> str:
        return rules.mask_id(member.person.id_number)


def _code(help_text: str) -> serializers.CharField:
    """Choice values in responses are plain codes (documented in docs/assistance.md)."""
    return serializers.CharField(read_only=True, allow_null=True, help_text=help_text)


class AssistHouseholdOutSerializer(serializers.ModelSerializer):
    area = _code("urban | rural")
    monitoring = _code("null | unstable | edge | sudden")
    tier = _code("已认定类别：null | extreme_poverty | dibao | near_dibao | rigid_expenditure | other")
    computed_tier = _code("最近测算类别（同 tier 的取值）")
    members = serializers.SerializerMethodField()
    phone_masked = serializers.SerializerMethodField()
    income_total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    rigid_total = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "county",
            "township",
            "village",
            "address",
            "area",
            "phone_masked",
            "income_wage",
            "income_operating",
            "income_property",
            "income_transfer",
            "income_total",
            "savings",
            "houses",
            "vehicles",
            "property_note",
            "property_within_limits",
            "exp_medical",
            "exp_education",
            "exp_disaster",
            "exp_accident",
            "rigid_total",
            "monitoring",
            "designated_other",
            "tier",
            "tier_since",
            "single_person",
            "computed_tier",
            "computed_at",
            "version",
            "updated_at",
            "members",
        ]

    def get_members(self, household: Household) -> list[dict[str, Any]]:
        members = getattr(household, "_active_members", None)
        if members is None:
            members = hh_svc.active_members(household)
        # One member serializer for every household of a page: building one per household
        # deep-copies its fields each time, ~40 % of a 50-household search page
        # (docs/benchmarks.md). Same output as AssistMemberOutSerializer(members, many=True).
        child = self.__dict__.get("_member_out")
        if child is None:
            child = self.__dict__["_member_out"] = AssistMemberOutSerializer()
        return [child.to_representation(m) for m in members]

    def get_phone_masked(self, household: Household) -> str:
        return rules.mask_phone(household.phone)


class AssistPersonInSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=60)
    relation = serializers.ChoiceField(choices=Member.Relation.choices)
    labour_capacity = serializers.ChoiceField(choices=rules.LABOUR_CAPACITIES, default="full")
    disability_category = serializers.ChoiceField(
        choices=rules.DISABILITY_CATEGORIES, allow_null=True, default=None
    )
    disability_grade = serializers.ChoiceField(choices=[1, 2, 3, 4], allow_null=True, default=None)
    serious_illness = serializers.BooleanField(default=False)
    employed = serializers.BooleanField(default=False)
    own_income = serializers.DecimalField(**MONEY, default=Decimal("0"))
    has_able_supporter = serializers.BooleanField(default=False)
    supporters = serializers.ListField(child=serializers.DictField(), default=list)


class AssistHouseholdInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    village = serializers.IntegerField()
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    area = serializers.ChoiceField(choices=rules.AREAS)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    income_wage = serializers.DecimalField(**MONEY, default=Decimal("0"))
    income_operating = serializers.DecimalField(**MONEY, default=Decimal("0"))
    income_property = serializers.DecimalField(**MONEY, default=Decimal("0"))
    income_transfer = serializers.DecimalField(**MONEY, default=Decimal("0"))
    savings = serializers.DecimalField(**MONEY, default=Decimal("0"))
    houses = serializers.IntegerField(min_value=0, max_value=99, default=0)
    vehicles = serializers.IntegerField(min_value=0, max_value=99, default=0)
    property_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    property_within_limits = serializers.BooleanField(default=True)
    exp_medical = serializers.DecimalField(**MONEY, default=Decimal("0"))
    exp_education = serializers.DecimalField(**MONEY, default=Decimal("0"))
    exp_disaster = serializers.DecimalField(**MONEY, default=Decimal("0"))
    exp_accident = serializers.DecimalField(**MONEY, default=Decimal("0"))
    monitoring = serializers.ChoiceField(choices=rules.MONITORING_KINDS, allow_null=True, default=None)
    designated_other = serializers.BooleanField(default=False)
    members = AssistPersonInSerializer(many=True, allow_empty=False)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


def household_input(user: Any, data: dict[str, Any]) -> hh_svc.HouseholdInput:
    village = OrgUnit.objects.filter(pk=data["village"], kind=OrgUnit.Kind.VILLAGE).first()
    q = local_q(user, "")
    if village is not None and q is not None and not OrgUnit.objects.filter(q, pk=village.pk).exists():
        village = None  # outside the user's jurisdiction: same message as unknown
    if village is None:
        raise RuleViolation(errors={"village": ["村（社区）不存在或不在您的管辖范围内"]})
    fields = {k: v for k, v in data.items() if k not in ("village", "members", "reason", "version")}
    members = [hh_svc.PersonInput(**m) for m in data["members"]]
    return hh_svc.HouseholdInput(village=village, members=members, **fields)


class HouseholdViewSet(PortalGenericViewSet):
    """Households in the caller's jurisdiction. ID numbers masked; `persons/{id}/unmask/` gives
    the full number to roles allowed to see it (audited)."""

    serializer_class = AssistHouseholdOutSerializer
    policy = HouseholdPolicy()

    def get_queryset(self) -> QuerySet[Household]:
        qs = self.policy.scope(self.request.user, "view").select_related("county", "township", "village")
        params = self.request.query_params
        if params.get("tier"):
            qs = qs.filter(tier=params["tier"]) if params["tier"] != "none" else qs.filter(tier__isnull=True)
        if params.get("village", "").isdigit():
            qs = qs.filter(village_id=int(params["village"]))
        q = params.get("q", "").strip()
        if q:
            from assistance.selectors import NAME_MIN_CHARS, looks_like_id

            if looks_like_id(q):
                person_ids = Person.objects.filter(id_number=rules.normalize_id(q)).values("pk")
                qs = qs.filter(members__person_id__in=person_ids, members__active=True)
            elif len(q) >= NAME_MIN_CHARS:
                qs = qs.filter(members__person__name__startswith=q, members__active=True).distinct()
            else:
                qs = qs.filter(code=q)
        return qs

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = list(page or [])
        members = hh_svc.active_members_of([h.pk for h in rows])
        for h in rows:
            h._active_members = members.get(h.pk, [])
        return self.get_paginated_response(AssistHouseholdOutSerializer(rows, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        household = self.policy.get(request.user, "view", pk=pk)
        return Response(AssistHouseholdOutSerializer(household).data)

    @extend_schema(request=AssistHouseholdInSerializer)
    def create(self, request: Request) -> Response:
        ser = AssistHouseholdInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        if not has_role(request.user, *LOCAL_ROLES):
            raise PermissionDenied("只有乡镇、县区工作人员可以新建家庭档案")
        data = household_input(request.user, ser.validated_data)
        household = hh_svc.household_create(
            data=data, actor=request.user, reason=ser.validated_data["reason"] or "新建家庭档案"
        )
        return Response(AssistHouseholdOutSerializer(household).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssistHouseholdInSerializer)
    def update(self, request: Request, pk: str) -> Response:
        household = self.policy.get(request.user, "edit", pk=pk)
        ser = AssistHouseholdInSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = household_input(request.user, ser.validated_data)
        household, _ = hh_svc.household_update(
            household=household,
            data=data,
            actor=request.user,
            reason=ser.validated_data["reason"],
            expected_version=ser.validated_data.get("version"),
        )
        return Response(AssistHouseholdOutSerializer(household).data)

    # The answer is the classification, not the household: the schema said AssistHouseholdOut
    # (API fuzzing, docs/reliability.md).
    @extend_schema(
        request=None,
        responses=inline_serializer(
            "AssistHouseholdClassification",
            {
                "tier": serializers.CharField(allow_null=True),
                "single_person": serializers.IntegerField(allow_null=True),
                "checks": serializers.ListField(child=serializers.DictField()),
                "rule_set": serializers.DictField(),
                "explanation": serializers.JSONField(),
                "classification": serializers.IntegerField(),
            },
        ),
    )
    @action(detail=True, methods=["post"])
    def classify(self, request: Request, pk: str) -> Response:
        household = self.policy.get(request.user, "edit", pk=pk)
        c = hh_svc.household_classify(household=household, actor=request.user)
        return Response(
            {
                "tier": c.tier,
                "single_person": c.single_person_id,
                "checks": [
                    {k: v for k, v in ch.items() if k in ("tier", "passed", "reason")}
                    for ch in c.result["checks"]
                ],
                "rule_set": c.ruleset.as_ref(),
                "explanation": c.result["explanation"],
                "classification": c.pk,
            }
        )


class AssistUnmaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    id_number = serializers.CharField()


class PersonUnmaskView(PortalAPIView):
    """`POST persons/{id}/unmask/` → the full ID number (audited)."""

    serializer_class = AssistUnmaskSerializer

    @extend_schema(request=None, responses=AssistUnmaskSerializer)
    def post(self, request: Request, pk: int) -> Response:
        households = HouseholdPolicy().scope(request.user, "view")
        member = (
            Member.objects.filter(person_id=pk, household__in=households)
            .select_related("household", "person")
            .first()
        )
        if member is None:
            raise NotFound("未找到")
        if not may_unmask(request.user, member.household):
            raise PermissionDenied("您的角色不能查看完整证件号码")
        value = hh_svc.person_unmask(person=member.person, actor=request.user, purpose="API")
        return Response({"id": member.person_id, "id_number": value})


# --- applications -----------------------------------------------------------------------------


class AssistApplicationSerializer(serializers.ModelSerializer):
    kind = _code("new | transfer | visit")
    status = _code("received | reviewed | publicity | approved | refused | withdrawn")
    outcome = _code("null | match | higher | other | none")
    requested_tier = _code("申请类别（tier 取值）")
    previous_tier = _code("退出前类别（tier 取值）")
    found_tier = _code("审核类别（tier 取值）")
    procedure_tier = _code("按此类别认定（tier 取值）")

    class Meta:
        model = Application
        fields = [
            "id",
            "household",
            "kind",
            "requested_tier",
            "previous_tier",
            "status",
            "outcome",
            "found_tier",
            "found_single_person",
            "procedure_tier",
            "procedure_single_person",
            "offer_notified_at",
            "consent_other",
            "switch_consent",
            "received_at",
            "reviewed_at",
            "decided_at",
            "decision_note",
            "classification",
        ]


class AssistApplicationCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    requested_tier = serializers.ChoiceField(choices=rules.TIERS)
    applicant = serializers.IntegerField(required=False, allow_null=True)
    consent_sequential = serializers.BooleanField(default=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    review = serializers.BooleanField(default=True, help_text="受理后立即逐类审核")


class AssistActionSerializer(serializers.Serializer):
    consent = serializers.BooleanField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    content = serializers.CharField(required=False, allow_blank=True, default="")
    objector = serializers.CharField(required=False, allow_blank=True, default="")
    received_on = serializers.DateField(required=False)
    objection = serializers.IntegerField(required=False)
    upheld = serializers.BooleanField(required=False)
    resolution = serializers.CharField(required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _require(data: dict[str, Any], *names: str) -> None:
    missing = {n: ["此字段为必填项"] for n in names if data.get(n) is None}
    if missing:
        raise RuleViolation(errors=missing)


class ApplicationViewSet(PortalGenericViewSet):
    """Applications (§3). Actions: `review`, `offer-other`, `consent-other` {consent},
    `switch` {consent}, `publicity`, `objection` {content, objector?, received_on?},
    `resolve-objection` {objection, upheld, resolution}, `confirm`, `refuse` {reason},
    `withdraw` {reason}, `temporary-aid` {amount, note}."""

    serializer_class = AssistApplicationSerializer
    policy = ApplicationPolicy()

    def get_queryset(self) -> QuerySet[Application]:
        qs = self.policy.scope(self.request.user, "view")
        status_param = self.request.query_params.get("status")
        return qs.filter(status=status_param) if status_param else qs

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AssistApplicationSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AssistApplicationSerializer(self.policy.get(request.user, "view", pk=pk)).data)

    @extend_schema(request=AssistApplicationCreateSerializer)
    def create(self, request: Request) -> Response:
        ser = AssistApplicationCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        household = HouseholdPolicy().get(request.user, "edit", pk=data["household"])
        applicant = None
        if data.get("applicant"):
            applicant = Person.objects.filter(pk=data["applicant"]).first()
            if applicant is None:
                raise RuleViolation(errors={"applicant": ["申请人不存在"]})
        app = app_svc.application_create(
            household=household,
            requested_tier=data["requested_tier"],
            applicant=applicant,
            consent_sequential=data["consent_sequential"],
            note=data["note"],
            actor=request.user,
        )
        if data["review"]:
            app = app_svc.application_review(application=app, actor=request.user)
        return Response(AssistApplicationSerializer(app).data, status=status.HTTP_201_CREATED)

    def _act(self, request: Request, pk: str) -> tuple[Application, dict[str, Any]]:
        app = self.policy.get(request.user, "act", pk=pk)
        ser = AssistActionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return app, ser.validated_data

    def _ok(self, app: Application) -> Response:
        app.refresh_from_db()
        return Response(AssistApplicationSerializer(app).data)

    @action(detail=True, methods=["post"], serializer_class=AssistActionSerializer)
    def review(self, request: Request, pk: str) -> Response:
        app, _ = self._act(request, pk)
        return self._ok(app_svc.application_review(application=app, actor=request.user))

    @action(detail=True, methods=["post"], url_path="offer-other", serializer_class=AssistActionSerializer)
    def offer_other(self, request: Request, pk: str) -> Response:
        app, _ = self._act(request, pk)
        return self._ok(app_svc.application_offer_other(application=app, actor=request.user))

    @action(detail=True, methods=["post"], url_path="consent-other", serializer_class=AssistActionSerializer)
    def consent_other(self, request: Request, pk: str) -> Response:
        app, data = self._act(request, pk)
        _require(data, "consent")
        return self._ok(
            app_svc.application_consent_other(application=app, consent=data["consent"], actor=request.user)
        )

    @action(detail=True, methods=["post"], serializer_class=AssistActionSerializer)
    def switch(self, request: Request, pk: str) -> Response:
        app, data = self._act(request, pk)
        _require(data, "consent")
        return self._ok(
            app_svc.application_switch(application=app, consent=data["consent"], actor=request.user)
        )

    @action(detail=True, methods=["post"], serializer_class=AssistActionSerializer)
    def publicity(self, request: Request, pk: str) -> Response:
        app, _ = self._act(request, pk)
        app_svc.publicity_start(application=app, actor=request.user)
        return self._ok(app)

    @action(detail=True, methods=["post"], serializer_class=AssistActionSerializer)
    def objection(self, request: Request, pk: str) -> Response:
        app, data = self._act(request, pk)
        publicity = getattr(app, "publicity", None)
        if publicity is None:
            from portal.errors import InvalidTransition

            raise InvalidTransition("该申请尚未公示")
        obj = app_svc.objection_record(
            publicity=publicity,
            content=data["content"],
            objector=data["objector"],
            received_on=data.get("received_on"),
            actor=request.user,
        )
        return Response({"id": obj.pk, "status": obj.status}, status=status.HTTP_201_CREATED)

    @action(
        detail=True, methods=["post"], url_path="resolve-objection", serializer_class=AssistActionSerializer
    )
    def resolve_objection(self, request: Request, pk: str) -> Response:
        app, data = self._act(request, pk)
        _require(data, "objection", "upheld")
        objection = Objection.objects.filter(pk=data["objection"], publicity__application=app).first()
        if objection is None:
            raise NotFound("未找到")
        obj = app_svc.objection_resolve(
            objection=objection, upheld=data["upheld"], resolution=data["resolution"], actor=request.user
        )
        return Response({"id": obj.pk, "status": obj.status})

    @action(detail=True, methods=["post"], serializer_class=AssistActionSerializer)
    def confirm(self, request: Request, pk: str) -> Response:
        app, _ = self._act(request, pk)
        return self._ok(app_svc.application_confirm(application=app, actor=request.user))

    @action(detail=True, methods=["post"], serializer_class=AssistActionSerializer)
    def refuse(self, request: Request, pk: str) -> Response:
        app, data = self._act(request, pk)
        return self._ok(
            app_svc.application_refuse(application=app, reason=data["reason"], actor=request.user)
        )

    @action(detail=True, methods=["post"], serializer_class=AssistActionSerializer)
    def withdraw(self, request: Request, pk: str) -> Response:
        app, data = self._act(request, pk)
        return self._ok(
            app_svc.application_withdraw(application=app, reason=data["reason"], actor=request.user)
        )

    @action(detail=True, methods=["post"], url_path="temporary-aid", serializer_class=AssistActionSerializer)
    def temporary_aid(self, request: Request, pk: str) -> Response:
        app, data = self._act(request, pk)
        _require(data, "amount")
        record = app_svc.temporary_aid_grant(
            application=app, amount=data["amount"], note=data["note"], actor=request.user
        )
        return Response(AssistAidSerializer(record).data, status=status.HTTP_201_CREATED)


# --- warnings ---------------------------------------------------------------------------------


class AssistWarningSerializer(serializers.ModelSerializer):
    level = _code("red | orange | yellow")
    source = _code("data | review | visit | random | rescreen | report")
    need = _code("困难类型代码")
    status = _code("open | visited | closed")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Warning
        fields = [
            "id",
            "household",
            "level",
            "source",
            "need",
            "description",
            "status",
            "visit_due_at",
            "overdue",
            "raised_at",
            "visited_at",
            "closed_at",
            "conclusion",
        ]

    def get_overdue(self, w: Warning) -> bool:
        return w.status == Warning.Status.OPEN and w.visit_due_at <= timezone.now()


class AssistWarningCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    level = serializers.ChoiceField(choices=rules.WARNING_LEVELS)
    source = serializers.ChoiceField(choices=Warning.Source.choices)
    need = serializers.ChoiceField(choices=list(NEEDS), default="basic_living")
    description = serializers.CharField()


class AssistWarningActionSerializer(serializers.Serializer):
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    conclusion = serializers.CharField(required=False, allow_blank=True, default="")
    informed_policies = serializers.BooleanField(default=False)
    visited_on = serializers.DateField(required=False)
    department = serializers.IntegerField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class WarningViewSet(PortalGenericViewSet):
    """Monitoring warnings (§4). Actions: `visit` {findings, conclusion, informed_policies,
    visited_on?}, `refer` {department, note}, `escalate` {reason}, `close` {conclusion}."""

    serializer_class = AssistWarningSerializer
    policy = WarningPolicy()

    def get_queryset(self) -> QuerySet[Warning]:
        qs = self.policy.scope(self.request.user, "view")
        status_param = self.request.query_params.get("status")
        return qs.filter(status=status_param) if status_param else qs

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AssistWarningSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AssistWarningSerializer(self.policy.get(request.user, "view", pk=pk)).data)

    @extend_schema(request=AssistWarningCreateSerializer)
    def create(self, request: Request) -> Response:
        ser = AssistWarningCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        household = HouseholdPolicy().get(request.user, "edit", pk=data["household"])
        w = mon_svc.warning_raise(
            household=household,
            level=data["level"],
            source=data["source"],
            need=data["need"],
            description=data["description"],
            actor=request.user,
        )
        return Response(AssistWarningSerializer(w).data, status=status.HTTP_201_CREATED)

    def _act(self, request: Request, pk: str) -> tuple[Warning, dict[str, Any]]:
        w = self.policy.get(request.user, "act", pk=pk)
        ser = AssistWarningActionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return w, ser.validated_data

    @action(detail=True, methods=["post"], serializer_class=AssistWarningActionSerializer)
    def visit(self, request: Request, pk: str) -> Response:
        w, data = self._act(request, pk)
        mon_svc.visit_record(
            household=w.household,
            warning=w,
            kind="warning",
            findings=data["findings"],
            conclusion=data["conclusion"],
            informed_policies=data["informed_policies"],
            visited_on=data.get("visited_on"),
            actor=request.user,
        )
        w.refresh_from_db()
        return Response(AssistWarningSerializer(w).data)

    @action(detail=True, methods=["post"], serializer_class=AssistWarningActionSerializer)
    def refer(self, request: Request, pk: str) -> Response:
        w, data = self._act(request, pk)
        _require(data, "department")
        department = OrgUnit.objects.filter(pk=data["department"]).first()
        if department is None:
            raise RuleViolation(errors={"department": ["部门不存在"]})
        r = mon_svc.warning_refer(warning=w, department=department, note=data["note"], actor=request.user)
        return Response(
            {"id": r.pk, "department": department.pk, "status": r.status}, status=status.HTTP_201_CREATED
        )

    @action(detail=True, methods=["post"], serializer_class=AssistWarningActionSerializer)
    def escalate(self, request: Request, pk: str) -> Response:
        w, data = self._act(request, pk)
        e = mon_svc.warning_escalate(warning=w, reason=data["reason"], actor=request.user)
        return Response({"id": e.pk, "status": e.status}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], serializer_class=AssistWarningActionSerializer)
    def close(self, request: Request, pk: str) -> Response:
        w, data = self._act(request, pk)
        w = mon_svc.warning_close(warning=w, conclusion=data["conclusion"], actor=request.user)
        return Response(AssistWarningSerializer(w).data)


# --- ledger -----------------------------------------------------------------------------------


class AssistAidSerializer(serializers.ModelSerializer):
    aid_type = _code("救助类型代码")
    layer = _code("basic | special | emergency | service | other | charity")

    class Meta:
        model = AidRecord
        fields = [
            "id",
            "household",
            "person",
            "aid_type",
            "layer",
            "amount",
            "department",
            "granted_on",
            "period",
            "application",
            "reverses",
            "note",
            "recorded_at",
        ]


class AssistAidCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    aid_type = serializers.ChoiceField(choices=list(rules.AID_TYPES))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    department = serializers.IntegerField(required=False, help_text="默认：本人所在部门")
    granted_on = serializers.DateField()
    person = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AidViewSet(PortalGenericViewSet):
    """The assistance ledger (§5). Departments record the aid they gave (it flows back to the
    household); township and county officers record theirs."""

    serializer_class = AssistAidSerializer

    def get_queryset(self) -> QuerySet[AidRecord]:
        qs = AidRecord.objects.filter(household__in=HouseholdPolicy().scope(self.request.user, "view"))
        household = self.request.query_params.get("household", "")
        return qs.filter(household_id=int(household)) if household.isdigit() else qs

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AssistAidSerializer(page, many=True).data)

    @extend_schema(request=AssistAidCreateSerializer)
    def create(self, request: Request) -> Response:
        ser = AssistAidCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        household = HouseholdPolicy().get(request.user, "aid", pk=data["household"])
        allowed = set(department_ids(request.user)) | {household.county_id, household.township_id}
        department_id = data.get("department") or (department_ids(request.user) or [household.county_id])[0]
        if department_id not in allowed and not request.user.is_superuser:
            raise RuleViolation(errors={"department": ["只能记录本部门或本县区、乡镇实施的救助"]})
        department = OrgUnit.objects.get(pk=department_id)
        person = None
        if data.get("person"):
            person = Person.objects.filter(pk=data["person"]).first()
        record = ledger_svc.aid_record(
            household=household,
            aid_type=data["aid_type"],
            amount=data["amount"],
            department=department,
            granted_on=data["granted_on"],
            person=person,
            note=data["note"],
            actor=request.user,
        )
        return Response(AssistAidSerializer(record).data, status=status.HTTP_201_CREATED)
