"""The subsidies API: the public `POST /api/v1/subsidies/evaluate/` (api.md) and the project's
own endpoints for the catalogue, the registry, applications/proposals and the match."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.views import PortalAPIView, PortalGenericViewSet
from portal.errors import RuleViolation
from subsidies.models import Application, Enterprise, Exhibition, Loan, Project, Recognition
from subsidies.policies import actor_for, application_policy, enterprise_policy, may_create_enterprise
from subsidies.rules import FactsError, NoCalculator
from subsidies.services import applications as svc
from subsidies.services.catalogue import catalogue, evaluate_clause
from subsidies.services.matching import entitlements_match, registry_facts
from subsidies.services.registry import RECORD_MODELS, enterprise_create, enterprise_update, record_add

# --- evaluate (public contract) -------------------------------------------------------------


class EvaluateRequest(serializers.Serializer):
    clause = serializers.CharField(max_length=10)
    date = serializers.DateField(required=False, allow_null=True)
    facts = serializers.JSONField(required=False)


class EvaluateView(PortalAPIView):
    """`POST /api/v1/subsidies/evaluate/` — evaluate one clause on plain facts (no side effects).

    Clauses decided case by case (E1a, E1c, E3a, E3b, T5, E7, E9) and unknown ids are a 400
    naming the clause and why; a date outside the policy's validity gives `eligible: false`."""

    serializer_class = EvaluateRequest

    @extend_schema(
        request=EvaluateRequest,
        responses={
            200: inline_serializer(
                "SubsidyEvaluation",
                {
                    "eligible": serializers.BooleanField(),
                    "amount": serializers.CharField(),
                    "cap": serializers.CharField(allow_null=True),
                    "rule_set": serializers.DictField(allow_null=True),
                    "explanation": serializers.ListField(child=serializers.CharField()),
                },
            ),
            400: OpenApiResponse(description="bad facts, unknown or case-by-case clause"),
        },
    )
    def post(self, request: Request) -> Response:
        body = EvaluateRequest(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        facts = data.get("facts") or {}
        if not isinstance(facts, dict):
            raise RuleViolation(errors={"facts": ["facts 应为对象（键值对）"]})
        try:
            result = evaluate_clause(
                clause=data["clause"].strip(), facts=facts, on=data.get("date"), api=True
            )
        except NoCalculator as exc:
            raise RuleViolation(errors={"clause": [exc.message]}) from None
        except FactsError as exc:
            raise RuleViolation(errors=exc.errors) from None
        payload = result.evaluation.as_api()
        payload["rule_set"] = result.rule_set.as_ref() if result.rule_set else None
        return Response(
            {
                "eligible": payload["eligible"],
                "amount": payload["amount"],
                "cap": payload["cap"],
                "rule_set": payload["rule_set"],
                "explanation": payload["explanation"],
            }
        )


# --- catalogue ------------------------------------------------------------------------------


class CatalogueView(PortalAPIView):
    """`GET /api/v1/subsidies/catalogue/?date=` — the documents and their clauses in force."""

    @extend_schema(responses={200: OpenApiResponse(description="documents with clauses")})
    def get(self, request: Request) -> Response:
        day = None
        if request.query_params.get("date"):
            try:
                day = date.fromisoformat(request.query_params["date"])
            except ValueError:
                raise RuleViolation(errors={"date": ["日期格式应为 YYYY-MM-DD"]}) from None
        out = []
        for row in catalogue(day):
            out.append(
                {
                    "code": row.document.code,
                    "title": row.document.title,
                    "number": row.document.number,
                    "valid_from": row.window.valid_from.isoformat() if row.window else None,
                    "valid_to": row.window.valid_to.isoformat()
                    if row.window and row.window.valid_to
                    else None,
                    "in_force": row.in_force,
                    "rule_set": row.rule_set.as_ref() if row.rule_set else None,
                    "clauses": [
                        {
                            "id": c.id,
                            "article": c.data["article"],
                            "title": c.data["title"],
                            "condition": c.data.get("condition", ""),
                            "mode": c.data["mode"],
                            "periodicity": c.data["periodicity"],
                            "fiscal_level": c.data["fiscal_level"],
                            "lead_units": c.data["lead_units"],
                            "cap": c.data.get("cap"),
                            "cap_scope": c.data.get("cap_scope"),
                            "materials": c.data["materials"],
                            "params": c.data["params"],
                        }
                        for c in row.clauses
                    ],
                }
            )
        return Response({"results": out, "next": None, "previous": None})


# --- registry -------------------------------------------------------------------------------


class EnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = [
            "id",
            "credit_code",
            "name",
            "kind",
            "industry",
            "county",
            "outside_city",
            "above_designated_size",
            "software_enterprise",
            "software_park_entered_on",
            "address",
            "contact_name",
            "contact_phone",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"credit_code": {"validators": []}}


class EnterpriseViewSet(PortalGenericViewSet):
    """Enterprises of the registry (`/api/v1/subsidies/enterprises/`): list, retrieve, create,
    partial update. Applications and the match reuse these rows."""

    serializer_class = EnterpriseSerializer
    filterset_fields = ["county", "industry", "kind"]

    def get_queryset(self) -> Any:
        return enterprise_policy.scope(self.request.user, "view").select_related("county")

    def list(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        ent = enterprise_policy.get(request.user, "view", pk=pk)
        data = self.get_serializer(ent).data
        data["projects"] = ProjectSerializer(ent.projects.order_by("id"), many=True).data
        return Response(data)

    def create(self, request: Request) -> Response:
        if not may_create_enterprise(request.user):
            raise PermissionDenied("您没有登记企业的权限")
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        ent = enterprise_create(actor=request.user, data=dict(ser.validated_data))
        return Response(self.get_serializer(ent).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        ent = enterprise_policy.get(request.user, "change", pk=pk)
        ser = self.get_serializer(ent, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        ent = enterprise_update(actor=request.user, enterprise=ent, data=dict(ser.validated_data))
        return Response(self.get_serializer(ent).data)


class ProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        exclude = ["enterprise"]


def _record_serializer(kind: str) -> type[serializers.ModelSerializer]:
    model = RECORD_MODELS[kind]
    excluded = {"train": ["agency"], "equipment": [], "loan": []}.get(kind, ["enterprise"])
    meta = type("Meta", (), {"model": model, "exclude": excluded})
    return type(f"{model.__name__}RecordSerializer", (serializers.ModelSerializer,), {"Meta": meta})


RECORD_SERIALIZERS = {kind: _record_serializer(kind) for kind in RECORD_MODELS}


class RecordCreateView(PortalAPIView):
    """`POST /api/v1/subsidies/enterprises/{id}/records/{kind}/` — add a project, equipment
    invoice, loan, recognition, exhibition, yearly figures or (agencies) a train."""

    @extend_schema(
        operation_id="v1_subsidies_enterprises_records_create",
        request=None,
        responses={201: OpenApiResponse(description="the created record")},
    )
    def post(self, request: Request, pk: int, kind: str) -> Response:
        if kind not in RECORD_SERIALIZERS:
            raise RuleViolation(
                errors={"kind": [f"未知的登记类型：{kind}（可选：{'、'.join(RECORD_SERIALIZERS)}）"]}
            )
        ent = enterprise_policy.get(request.user, "change", pk=pk)
        ser = RECORD_SERIALIZERS[kind](data=request.data)
        ser.is_valid(raise_exception=True)
        obj = record_add(actor=request.user, enterprise=ent, kind=kind, data=dict(ser.validated_data))
        return Response(RECORD_SERIALIZERS[kind](obj).data, status=status.HTTP_201_CREATED)


# --- applications ---------------------------------------------------------------------------


class ApplicationSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    rule_set = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "source",
            "status",
            "status_label",
            "clause",
            "enterprise",
            "enterprise_name",
            "county",
            "lead_unit",
            "project",
            "recognition",
            "exhibition",
            "period_year",
            "facts",
            "materials",
            "note",
            "evaluated_on",
            "rule_set",
            "referral",
            "calculated_amount",
            "cap",
            "band_min",
            "band_max",
            "explanation",
            "approved_amount",
            "approval_explanation",
            "approved_at",
            "paid_amount",
            "paid_at",
            "payment_ref",
            "submitted_at",
            "pushed_at",
            "status_changed_at",
            "actions",
        ]

    def get_rule_set(self, obj: Application) -> dict[str, Any]:
        return obj.rule_set.as_ref()

    def get_actions(self, obj: Application) -> list[str]:
        request = self.context.get("request")
        if request is None or not self.context.get("with_actions"):
            return []
        return sorted(
            a for a in application_policy.actions_for(request.user, obj) if obj.status in svc.STEPS[a].sources
        )


class ApplicationCreate(serializers.Serializer):
    enterprise = serializers.IntegerField()
    clause = serializers.CharField(max_length=8)
    facts = serializers.JSONField(required=False)
    project = serializers.IntegerField(required=False, allow_null=True)
    recognition = serializers.IntegerField(required=False, allow_null=True)
    exhibition = serializers.IntegerField(required=False, allow_null=True)
    loan = serializers.IntegerField(required=False, allow_null=True)
    period_year = serializers.IntegerField(required=False, allow_null=True, min_value=2000, max_value=2100)
    materials = serializers.ListField(required=False)
    note = serializers.CharField(required=False, allow_blank=True)


class ActionBody(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    amount = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    recommended_amount = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default=None
    )
    missing = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    payment_ref = serializers.CharField(required=False, allow_blank=True, default="")
    facts = serializers.JSONField(required=False, default=None)
    materials = serializers.ListField(required=False, default=None, allow_null=True)


def run_action(user: Any, app: Application, action: str, body: dict[str, Any]) -> Application:
    """Dispatch one action to its service with the arguments it takes."""
    note = body.get("note") or ""
    if action == "reject":
        return svc.application_reject(application=app, actor=user, reason=body.get("reason") or note)
    if action == "return":
        return svc.application_return(
            application=app, actor=user, missing=body.get("missing") or [], note=note
        )
    if action == "resubmit":
        return svc.application_resubmit(
            application=app,
            actor=user,
            facts=body.get("facts"),
            materials=body.get("materials"),
            note=note,
            files=body.get("files") or (),
        )
    if action == "dept_review":
        return svc.application_dept_review(
            application=app, actor=user, note=note, recommended_amount=body.get("recommended_amount")
        )
    if action in ("approve", "confirm"):
        return svc.ACTIONS[action](application=app, actor=user, amount=body.get("amount"), note=note)
    if action == "pay":
        return svc.award_pay(
            application=app, actor=user, payment_ref=body.get("payment_ref") or "", note=note
        )
    return svc.ACTIONS[action](application=app, actor=user, note=note)


def _pick(model: type[Any], pk: Any, field: str) -> Any:
    if pk in (None, ""):
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise RuleViolation(errors={field: ["不存在"]})
    return obj


class ApplicationViewSet(PortalGenericViewSet):
    """Applications and 免申即享 proposals (`/api/v1/subsidies/applications/`). Actions:
    `POST …/{id}/{action}/` with action one of push, confirm, check_materials, return,
    resubmit, dept_review, fiscal_review, approve, reject, pay, audit, archive. A wrong state
    is 409, an amount over a cap / budget / best-of is 400."""

    serializer_class = ApplicationSerializer
    filterset_fields = ["status", "clause", "source", "enterprise"]

    def get_queryset(self) -> Any:
        return application_policy.scope(self.request.user, "view").select_related("rule_set", "enterprise")

    def list(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        app = application_policy.get(request.user, "view", pk=pk)
        ser = ApplicationSerializer(app, context={"request": request, "with_actions": True})
        return Response(ser.data)

    @extend_schema(request=ApplicationCreate)
    def create(self, request: Request) -> Response:
        body = ApplicationCreate(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        ent = enterprise_policy.get(request.user, "apply", pk=d["enterprise"])
        project = _pick(Project, d.get("project"), "project")
        recognition = _pick(Recognition, d.get("recognition"), "recognition")
        exhibition = _pick(Exhibition, d.get("exhibition"), "exhibition")
        loan = _pick(Loan, d.get("loan"), "loan")
        facts = d.get("facts")
        if facts is None:
            facts = registry_facts(
                clause=d["clause"],
                enterprise=ent,
                project=project,
                recognition=recognition,
                exhibition=exhibition,
                year=d.get("period_year"),
                loan=loan,
            )
        if not isinstance(facts, dict):
            raise RuleViolation(errors={"facts": ["facts 应为对象（键值对）"]})
        app = svc.application_submit(
            actor=request.user,
            enterprise=ent,
            clause=d["clause"],
            facts=facts,
            project=project,
            recognition=recognition,
            exhibition=exhibition,
            period_year=d.get("period_year"),
            loan_id=loan.pk if loan else None,
            materials=d.get("materials"),
            note=d.get("note", ""),
        )
        return Response(ApplicationSerializer(app).data, status=status.HTTP_201_CREATED)


class ApplicationActionView(PortalAPIView):
    serializer_class = ActionBody

    @extend_schema(
        operation_id="v1_subsidies_applications_action",
        request=ActionBody,
        responses={200: ApplicationSerializer},
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        if action not in svc.ACTIONS:
            raise RuleViolation(errors={"action": [f"未知操作：{action}"]})
        app = application_policy.get(request.user, action, pk=pk)
        body = ActionBody(data=request.data)
        body.is_valid(raise_exception=True)
        app = run_action(request.user, app, action, dict(body.validated_data))
        return Response(ApplicationSerializer(app, context={"request": request, "with_actions": True}).data)


class AttachmentSerializer(serializers.Serializer):
    material = serializers.CharField(max_length=200)
    file = serializers.FileField()


class AttachmentView(PortalAPIView):
    """`POST /api/v1/subsidies/applications/{id}/attachments/` (multipart: material, file) — a
    supporting document while the application is applied or returned for materials."""

    serializer_class = AttachmentSerializer

    @extend_schema(
        request=AttachmentSerializer, responses={201: OpenApiResponse(description="the stored attachment")}
    )
    def post(self, request: Request, pk: int) -> Response:
        app = application_policy.get(request.user, "attach", pk=pk)
        body = AttachmentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        att = svc.attachment_add(
            application=app,
            actor=request.user,
            material=body.validated_data["material"],
            upload=body.validated_data["file"],
        )
        return Response(
            {"id": att.pk, "material": att.material, "original_name": att.original_name, "size": att.size},
            status=status.HTTP_201_CREATED,
        )


class MatchView(PortalAPIView):
    """`POST /api/v1/subsidies/match/` — run the 免申即享 match now (lead or fiscal staff, admin)."""

    @extend_schema(request=None, responses={200: OpenApiResponse(description="run summary")})
    def post(self, request: Request) -> Response:
        actor = actor_for(request.user)
        if not (actor.admin or actor.lead or actor.fiscal):
            raise PermissionDenied("只有主管部门、财政部门和管理员可以运行匹配")
        run = entitlements_match(actor=request.user)
        if run is None:
            return Response({"detail": "另一次匹配正在进行"}, status=status.HTTP_409_CONFLICT)
        return Response(
            {
                "run": run.pk,
                "on": run.on.isoformat(),
                "scanned": run.scanned,
                "created": run.created,
                "superseded": run.superseded,
                "seconds": run.seconds,
            }
        )
