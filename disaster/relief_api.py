"""The relief API (`/api/v1/disaster/relief/…`): funds, supplies, shelters and after-disaster aid
in the project's style — list/retrieve scoped by the policies (404 outside the jurisdiction),
writes through the services (400 field errors, 403, 409 wrong state), money as strings,
Idempotency-Key on every write (PortalGenericViewSet)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from disaster import relief_selectors as sel
from disaster.api import PlainChoices, _county
from disaster.models import (
    AidBeneficiary,
    AidEvaluation,
    AidKind,
    AidPayment,
    AidProgramme,
    FundAccount,
    FundAllocation,
    FundEntry,
    FundReceipt,
    ReplenishObligation,
    Shelter,
    StockMovement,
    SupplyItem,
    SupplyOrder,
    Warehouse,
)
from disaster.policies import (
    AidBeneficiaryPolicy,
    AidPaymentPolicy,
    AidProgrammePolicy,
    EventPolicy,
    FundAccountPolicy,
    FundAllocationPolicy,
    FundEntryPolicy,
    FundReceiptPolicy,
    LedgerHouseholdPolicy,
    LedgerPersonPolicy,
    ObligationPolicy,
    ShelterPolicy,
    StockMovementPolicy,
    SupplyOrderPolicy,
    WarehousePolicy,
    may_use_disaster,
)
from disaster.rules import relief as rr
from disaster.rules.ledger import mask_id
from disaster.services import relief_aid as aid
from disaster.services import relief_funds as funds
from disaster.services import relief_shelters as shel
from disaster.services import relief_supplies as sup
from portal.api.views import PortalGenericViewSet
from portal.errors import RuleViolation
from portal.models import OrgUnit

# --- helpers ------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None


def _id(raw: Any, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise RuleViolation(errors={field: ["编号无效"]})
    return int(raw)


class ReliefViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalGenericViewSet):
    """List/retrieve through the policy; `filters` maps query parameters to lookups."""

    policy: Any
    filters: dict[str, str] = {}
    numeric: tuple[str, ...] = ()  # plain integer lookups (a non-number matches nothing)
    related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.policy.scope(self.request.user)
        if self.related:
            qs = qs.select_related(*self.related)
        for param, lookup in self.filters.items():
            value = self.request.query_params.get(param)
            if value in (None, ""):
                continue
            if lookup.endswith("_id") or lookup.endswith("__pk") or lookup in self.numeric:
                number = _int(value)
                if number is None:
                    return qs.none()
                qs = qs.filter(**{lookup: number})
            elif lookup.endswith("__bool"):
                qs = qs.filter(**{lookup[:-6]: value.lower() in ("1", "true", "yes")})
            else:
                qs = qs.filter(**{lookup: value})
        return qs.order_by("-pk")

    def obj(self, pk: Any, action: str = "view") -> Any:
        return self.policy.get(self.request.user, action, pk=_int(pk) or 0)

    def data(self, serializer: type[serializers.Serializer]) -> dict[str, Any]:
        if not isinstance(self.request.data, dict):
            raise RuleViolation(errors={"non_field_errors": ["请求体须为 JSON 对象"]})
        parsed = serializer(data=self.request.data)
        parsed.is_valid(raise_exception=True)
        return dict(parsed.validated_data)

    def out(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(obj).data, status=code)


def _event(user: Any, raw: Any) -> Any:
    return EventPolicy().get(user, pk=_id(raw, "event")) if raw not in (None, "") else None


AMOUNT_HELP = '元，字符串，最多两位小数，如 "1500.00"'


class MoneyIn(serializers.CharField):
    """Money in yuan as a string (api.md): a JSON number with a fraction is refused — binary
    floats are never money; whole numbers are accepted."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", AMOUNT_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool | float):
            raise serializers.ValidationError('金额须以字符串填写，如 "1500.00"')
        return super().to_internal_value(data)


# --- funds --------------------------------------------------------------------------------


class DisasterReliefReceiptOut(PlainChoices, serializers.ModelSerializer):
    balance = serializers.SerializerMethodField()
    reserved = serializers.SerializerMethodField()

    class Meta:
        model = FundReceipt
        fields = [
            "id",
            "source",
            "purpose",
            "amount",
            "document_no",
            "received_on",
            "event",
            "note",
            "recorded_at",
            "balance",
            "reserved",
        ]

    def _account(self, obj: FundReceipt) -> FundAccount | None:
        return next((a for a in obj.accounts.all() if a.level == FundAccount.Level.CITY), None)

    def get_balance(self, obj: FundReceipt) -> str | None:
        a = self._account(obj)
        return str(a.balance) if a else None

    def get_reserved(self, obj: FundReceipt) -> str | None:
        a = self._account(obj)
        return str(a.committed) if a else None


class DisasterReliefReceiptIn(serializers.Serializer):
    source = serializers.CharField(help_text="central | provincial | city")
    purpose = serializers.CharField(help_text="emergency | transitional | reconstruction | winter_spring")
    amount = MoneyIn()
    document_no = serializers.CharField(max_length=80)
    received_on = serializers.DateField()
    event = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FundReceiptViewSet(ReliefViewSet):
    """Money reaching the city (city viewers only; counties see it through their allocations).
    POST records one (市财政局 or 市应急管理局)."""

    serializer_class = DisasterReliefReceiptOut
    policy = FundReceiptPolicy()
    filters = {"source": "source", "purpose": "purpose"}

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().prefetch_related("accounts")

    @extend_schema(request=DisasterReliefReceiptIn, responses={201: DisasterReliefReceiptOut})
    def create(self, request: Request) -> Response:
        v = self.data(DisasterReliefReceiptIn)
        receipt = funds.receipt_record(
            source=v["source"],
            purpose=v["purpose"],
            amount=v["amount"],
            document_no=v["document_no"],
            received_on=v["received_on"],
            event=_event(request.user, v.get("event")),
            note=v["note"],
            actor=request.user,
        )
        return self.out(self.get_queryset().get(pk=receipt.pk), status.HTTP_201_CREATED)


class DisasterReliefDecisionOut(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField()
    decided_by = serializers.CharField()
    decided_role = serializers.CharField()
    decided_at = serializers.DateTimeField()


class DisasterReliefAllocationOut(PlainChoices, serializers.ModelSerializer):
    county_name = serializers.CharField(source="county.name", read_only=True)
    proposed_by = serializers.CharField(read_only=True)
    decision = serializers.SerializerMethodField()
    account = serializers.SerializerMethodField()
    receipt_document_no = serializers.CharField(source="receipt.document_no", read_only=True)

    class Meta:
        model = FundAllocation
        fields = [
            "id",
            "receipt",
            "receipt_document_no",
            "source",
            "purpose",
            "county",
            "county_name",
            "event",
            "amount",
            "reason",
            "status",
            "proposed_by",
            "proposed_at",
            "decision",
            "disbursed_at",
            "disbursement_no",
            "withdrawn_at",
            "withdraw_reason",
            "account",
        ]

    def get_decision(self, obj: FundAllocation) -> dict[str, Any] | None:
        decision = getattr(obj, "decision", None)
        return DisasterReliefDecisionOut(decision).data if decision else None  # type: ignore[return-value]

    def get_account(self, obj: FundAllocation) -> int | None:
        account = getattr(obj, "account", None)
        return account.pk if account else None


class DisasterReliefAllocationIn(serializers.Serializer):
    receipt = serializers.IntegerField()
    county = serializers.IntegerField()
    amount = MoneyIn()
    reason = serializers.CharField()
    event = serializers.IntegerField(required=False, allow_null=True)


class DisasterReliefDecideIn(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField()


class DisasterReliefDisburseIn(serializers.Serializer):
    document_no = serializers.CharField(max_length=80)


class DisasterReliefReasonIn(serializers.Serializer):
    reason = serializers.CharField()


class FundAllocationViewSet(ReliefViewSet):
    """Allocations of a receipt to a county: POST proposes (市应急管理局); …/decide/ (市财政局,
    insert-only decision), …/disburse/ (市财政局), …/withdraw/ (市应急管理局)."""

    serializer_class = DisasterReliefAllocationOut
    policy = FundAllocationPolicy()
    filters = {
        "county": "county_id",
        "status": "status",
        "purpose": "purpose",
        "source": "source",
        "receipt": "receipt_id",
        "event": "event_id",
    }
    related = ("decision", "decision__decided_by", "account", "proposed_by")

    @extend_schema(request=DisasterReliefAllocationIn, responses={201: DisasterReliefAllocationOut})
    def create(self, request: Request) -> Response:
        v = self.data(DisasterReliefAllocationIn)
        receipt = FundReceiptPolicy().get(request.user, pk=v["receipt"])
        allocation = funds.allocation_propose(
            receipt=receipt,
            county=_county(request.user, v["county"]),
            amount=v["amount"],
            reason=v["reason"],
            event=_event(request.user, v.get("event")),
            actor=request.user,
        )
        return self.out(self.get_queryset().get(pk=allocation.pk), status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefDecideIn, responses={200: DisasterReliefAllocationOut})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str) -> Response:
        allocation = self.obj(pk, "decide")
        v = self.data(DisasterReliefDecideIn)
        funds.allocation_decide(
            allocation=allocation, approve=v["approve"], reason=v["reason"], actor=request.user
        )
        return self.out(self.get_queryset().get(pk=allocation.pk))

    @extend_schema(request=DisasterReliefDisburseIn, responses={200: DisasterReliefAllocationOut})
    @action(detail=True, methods=["post"])
    def disburse(self, request: Request, pk: str) -> Response:
        allocation = self.obj(pk, "disburse")
        v = self.data(DisasterReliefDisburseIn)
        funds.allocation_disburse(allocation=allocation, document_no=v["document_no"], actor=request.user)
        return self.out(self.get_queryset().get(pk=allocation.pk))

    @extend_schema(request=DisasterReliefReasonIn, responses={200: DisasterReliefAllocationOut})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        allocation = self.obj(pk, "withdraw")
        v = self.data(DisasterReliefReasonIn)
        funds.allocation_withdraw(allocation=allocation, reason=v["reason"], actor=request.user)
        return self.out(self.get_queryset().get(pk=allocation.pk))


class DisasterReliefAccountOut(PlainChoices, serializers.ModelSerializer):
    reserved = serializers.DecimalField(source="committed", max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = FundAccount
        fields = [
            "id",
            "level",
            "county",
            "source",
            "purpose",
            "receipt",
            "allocation",
            "credited",
            "balance",
            "reserved",
        ]


class DisasterReliefSpendIn(serializers.Serializer):
    amount = MoneyIn()
    description = serializers.CharField(max_length=200)
    spent_on = serializers.DateField()


class FundAccountViewSet(ReliefViewSet):
    """Fund lots (a receipt at city level, a disbursed allocation at county level) with their
    balances; POST …/spend/ records county spending that does not reach a named household."""

    serializer_class = DisasterReliefAccountOut
    policy = FundAccountPolicy()
    filters = {"level": "level", "county": "county_id", "purpose": "purpose", "source": "source"}

    @extend_schema(request=DisasterReliefSpendIn, responses={201: DisasterReliefAccountOut})
    @action(detail=True, methods=["post"])
    def spend(self, request: Request, pk: str) -> Response:
        account = self.obj(pk)
        v = self.data(DisasterReliefSpendIn)
        funds.fund_spend(
            account=account,
            amount=v["amount"],
            description=v["description"],
            spent_on=v["spent_on"],
            actor=request.user,
        )
        return self.out(FundAccount.objects.get(pk=account.pk), status.HTTP_201_CREATED)

    @extend_schema(
        responses=inline_serializer(
            "DisasterReliefBalances", {"city": serializers.ListField(), "counties": serializers.ListField()}
        )
    )
    @action(detail=False, methods=["get"])
    def balances(self, request: Request) -> Response:
        """Balances by source × purpose (city) and county × purpose × source (what you may see)."""
        return Response(sel.balances_api(request.user))


class DisasterReliefEntryOut(PlainChoices, serializers.ModelSerializer):
    class Meta:
        model = FundEntry
        fields = ["id", "account", "kind", "delta", "balance_after", "allocation", "payment", "spend", "at"]


class FundEntryViewSet(ReliefViewSet):
    """The fund ledger: every movement on every lot you may see (`?account=`)."""

    serializer_class = DisasterReliefEntryOut
    policy = FundEntryPolicy()
    filters = {"account": "account_id", "kind": "kind"}


# --- supplies -----------------------------------------------------------------------------


class DisasterReliefItemOut(PlainChoices, serializers.ModelSerializer):
    class Meta:
        model = SupplyItem
        fields = ["id", "code", "name", "unit", "spec", "category", "active"]


class SupplyItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortalGenericViewSet):
    """The catalogue of living relief supplies (8.1.5)."""

    serializer_class = DisasterReliefItemOut

    def get_queryset(self) -> QuerySet[SupplyItem]:
        if not may_use_disaster(self.request.user):
            return SupplyItem.objects.none()
        return SupplyItem.objects.order_by("sort", "pk")


class DisasterReliefWarehouseOut(PlainChoices, serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    stock = serializers.SerializerMethodField()

    class Meta:
        model = Warehouse
        fields = ["id", "name", "code", "owner", "owner_name", "address", "active", "stock"]

    def get_stock(self, obj: Warehouse) -> list[dict[str, Any]] | None:
        if not self.context.get("with_stock"):
            return None
        return [
            {
                "item": row["item"].pk,
                "name": row["item"].name,
                "unit": row["item"].unit,
                "quantity": row["quantity"],
            }
            for row in sel.warehouse_stock(obj)
        ]


class DisasterReliefLineIn(serializers.Serializer):
    item = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)


class DisasterReliefWarehouseIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    code = serializers.SlugField(max_length=40)
    owner = serializers.IntegerField(help_text="市（驻马店市）或县区的单位编号")
    address = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterReliefReceiveIn(serializers.Serializer):
    lines = DisasterReliefLineIn(many=True)
    reason = serializers.CharField(max_length=200)


class DisasterReliefAdjustIn(serializers.Serializer):
    item = serializers.IntegerField()
    delta = serializers.IntegerField(help_text="增加为正、减少为负")
    reason = serializers.CharField(max_length=200)


class DisasterReliefTransferIn(serializers.Serializer):
    target = serializers.IntegerField()
    lines = DisasterReliefLineIn(many=True)
    reason = serializers.CharField(max_length=200)


def _lines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"item": r["item"], "quantity": r["quantity"]} for r in rows]


class WarehouseViewSet(ReliefViewSet):
    """Stores of the city and the counties; retrieve shows the stock (derived from movements).
    POST …/receive/, …/adjust/ (with a reason), …/transfer/ write movements."""

    serializer_class = DisasterReliefWarehouseOut
    policy = WarehousePolicy()
    filters = {"owner": "owner_id"}

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "with_stock": self.action != "list"}

    @extend_schema(request=DisasterReliefWarehouseIn, responses={201: DisasterReliefWarehouseOut})
    def create(self, request: Request) -> Response:
        v = self.data(DisasterReliefWarehouseIn)
        owner = OrgUnit.objects.filter(pk=v["owner"], kind__in=["city", "county"]).first()
        if owner is None:
            raise RuleViolation(errors={"owner": ["储备库（点）属于市级或县级"]})
        wh = sup.warehouse_create(
            name=v["name"], code=v["code"], owner=owner, address=v["address"], actor=request.user
        )
        return self.out(wh, status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefReceiveIn, responses={201: DisasterReliefWarehouseOut})
    @action(detail=True, methods=["post"])
    def receive(self, request: Request, pk: str) -> Response:
        wh = self.obj(pk)
        v = self.data(DisasterReliefReceiveIn)
        sup.stock_receive(warehouse=wh, lines=_lines(v["lines"]), reason=v["reason"], actor=request.user)
        return self.out(wh, status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefAdjustIn, responses={201: DisasterReliefWarehouseOut})
    @action(detail=True, methods=["post"])
    def adjust(self, request: Request, pk: str) -> Response:
        wh = self.obj(pk)
        v = self.data(DisasterReliefAdjustIn)
        item = SupplyItem.objects.filter(pk=v["item"]).first()
        if item is None:
            raise RuleViolation(errors={"item": ["物资不在品目中"]})
        sup.stock_adjust(warehouse=wh, item=item, delta=v["delta"], reason=v["reason"], actor=request.user)
        return self.out(wh, status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefTransferIn, responses={201: DisasterReliefWarehouseOut})
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        wh = self.obj(pk)
        v = self.data(DisasterReliefTransferIn)
        target = Warehouse.objects.filter(pk=v["target"]).first()
        if target is None:
            raise RuleViolation(errors={"target": ["调入仓库不存在"]})
        sup.stock_transfer(
            source=wh, target=target, lines=_lines(v["lines"]), reason=v["reason"], actor=request.user
        )
        return self.out(wh, status.HTTP_201_CREATED)


class DisasterReliefMovementOut(PlainChoices, serializers.ModelSerializer):
    class Meta:
        model = StockMovement
        fields = [
            "id",
            "warehouse",
            "item",
            "kind",
            "quantity",
            "balance_after",
            "reason",
            "order",
            "counterpart",
            "obligation",
            "at",
        ]


class StockMovementViewSet(ReliefViewSet):
    """The stock ledger (`?warehouse=&item=&kind=`)."""

    serializer_class = DisasterReliefMovementOut
    policy = StockMovementPolicy()
    filters = {"warehouse": "warehouse_id", "item": "item_id", "kind": "kind", "order": "order_id"}


class DisasterReliefOrderLineOut(serializers.Serializer):
    item = serializers.IntegerField(source="item_id")
    name = serializers.CharField(source="item.name")
    unit = serializers.CharField(source="item.unit")
    quantity = serializers.IntegerField()
    received_quantity = serializers.IntegerField(allow_null=True)
    replenished = serializers.IntegerField()


class DisasterReliefOrderOut(PlainChoices, serializers.ModelSerializer):
    lines = DisasterReliefOrderLineOut(many=True, read_only=True)
    obligation = serializers.SerializerMethodField()

    class Meta:
        model = SupplyOrder
        fields = [
            "id",
            "event",
            "county",
            "destination",
            "warehouse",
            "issuing_unit",
            "status",
            "note",
            "created_at",
            "received_at",
            "receipt_note",
            "lines",
            "obligation",
        ]

    def get_obligation(self, obj: SupplyOrder) -> dict[str, Any] | None:
        ob = getattr(obj, "obligation", None)
        return {"id": ob.pk, "status": ob.status} if ob else None


class DisasterReliefOrderIn(serializers.Serializer):
    event = serializers.IntegerField()
    county = serializers.IntegerField(help_text="接收县区（须在该灾害过程的受灾县区中）")
    warehouse = serializers.IntegerField()
    destination = serializers.CharField(max_length=120)
    lines = DisasterReliefLineIn(many=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterReliefConfirmIn(serializers.Serializer):
    received = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text="{物资编号: 实收数量}；省略为全部实收",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SupplyOrderViewSet(ReliefViewSet):
    """Allocation orders to a disaster area. POST issues and dispatches one (stock leaves at
    once; an upper level drawing on a lower store opens an obligation); …/confirm/ by the
    receiving county."""

    serializer_class = DisasterReliefOrderOut
    policy = SupplyOrderPolicy()
    filters = {"event": "event_id", "county": "county_id", "status": "status", "warehouse": "warehouse_id"}

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("obligation").prefetch_related("lines__item")

    @extend_schema(request=DisasterReliefOrderIn, responses={201: DisasterReliefOrderOut})
    def create(self, request: Request) -> Response:
        v = self.data(DisasterReliefOrderIn)
        event = EventPolicy().get(request.user, pk=v["event"])
        warehouse = WarehousePolicy().get(request.user, pk=v["warehouse"])
        order = sup.order_create(
            event=event,
            county=_county(request.user, v["county"]),
            warehouse=warehouse,
            lines=_lines(v["lines"]),
            destination=v["destination"],
            note=v["note"],
            actor=request.user,
        )
        return self.out(self.get_queryset().get(pk=order.pk), status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefConfirmIn, responses={200: DisasterReliefOrderOut})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        order = self.obj(pk, "confirm")
        v = self.data(DisasterReliefConfirmIn)
        sup.order_confirm(order=order, received=v.get("received"), note=v["note"], actor=request.user)
        return self.out(self.get_queryset().get(pk=order.pk))


class DisasterReliefObligationOut(PlainChoices, serializers.ModelSerializer):
    outstanding = serializers.SerializerMethodField()

    class Meta:
        model = ReplenishObligation
        fields = [
            "id",
            "order",
            "warehouse",
            "owed_by",
            "owed_to",
            "status",
            "compensation",
            "compensation_note",
            "created_at",
            "met_at",
            "outstanding",
        ]

    def get_outstanding(self, obj: ReplenishObligation) -> dict[str, int]:
        return {str(k): v for k, v in sup.obligation_state(obj).outstanding.items()}


class DisasterReliefReplenishIn(serializers.Serializer):
    lines = DisasterReliefLineIn(many=True)
    source = serializers.IntegerField(
        required=False, allow_null=True, help_text="调出的上级仓库；省略为新采购入库"
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterReliefCompensateIn(serializers.Serializer):
    amount = MoneyIn()
    note = serializers.CharField(max_length=200)


class ObligationViewSet(ReliefViewSet):
    """Obligations to replenish or compensate a drawn lower-level store (7.2.5), tracked until met."""

    serializer_class = DisasterReliefObligationOut
    policy = ObligationPolicy()
    filters = {"status": "status", "owed_to": "owed_to_id"}

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().prefetch_related("order__lines")

    @extend_schema(request=DisasterReliefReplenishIn, responses={200: DisasterReliefObligationOut})
    @action(detail=True, methods=["post"])
    def replenish(self, request: Request, pk: str) -> Response:
        obligation = self.obj(pk, "settle")
        v = self.data(DisasterReliefReplenishIn)
        source = WarehousePolicy().get(request.user, pk=v["source"]) if v.get("source") else None
        sup.obligation_replenish(
            obligation=obligation,
            lines=_lines(v["lines"]),
            source=source,
            reason=v["reason"],
            actor=request.user,
        )
        return self.out(self.get_queryset().get(pk=obligation.pk))

    @extend_schema(request=DisasterReliefCompensateIn, responses={200: DisasterReliefObligationOut})
    @action(detail=True, methods=["post"])
    def compensate(self, request: Request, pk: str) -> Response:
        obligation = self.obj(pk, "settle")
        v = self.data(DisasterReliefCompensateIn)
        sup.obligation_compensate(
            obligation=obligation, amount=v["amount"], note=v["note"], actor=request.user
        )
        return self.out(self.get_queryset().get(pk=obligation.pk))


# --- shelters -----------------------------------------------------------------------------


class DisasterReliefShelterOut(PlainChoices, serializers.ModelSerializer):
    occupancy_rate = serializers.SerializerMethodField()

    class Meta:
        model = Shelter
        fields = [
            "id",
            "name",
            "kind",
            "county",
            "township",
            "managed_by",
            "address",
            "capacity",
            "active",
            "is_open",
            "current_event",
            "current_occupants",
            "occupants_at",
            "occupancy_rate",
        ]

    def get_occupancy_rate(self, obj: Shelter) -> str:
        return str(rr.occupancy_rate(obj.current_occupants, obj.capacity))


class DisasterReliefShelterIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    kind = serializers.CharField(help_text="park | square | stadium | school | dedicated | other")
    county = serializers.IntegerField()
    township = serializers.IntegerField(required=False, allow_null=True)
    capacity = serializers.IntegerField(min_value=1)
    address = serializers.CharField(required=False, allow_blank=True, default="")
    city_managed = serializers.BooleanField(default=False)


class DisasterReliefShelterOpenIn(serializers.Serializer):
    event = serializers.IntegerField()
    at = serializers.DateTimeField(required=False, allow_null=True)


class DisasterReliefShelterCountIn(serializers.Serializer):
    occupants = serializers.IntegerField(min_value=0)
    at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterReliefShelterCloseIn(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ShelterViewSet(ReliefViewSet):
    """Emergency shelters (`?county=&open=true`); …/open/ for an event, …/count/ occupants,
    …/close/; `occupancy/` the city view by county."""

    serializer_class = DisasterReliefShelterOut
    policy = ShelterPolicy()
    filters = {"county": "county_id", "open": "is_open__bool", "event": "current_event_id"}

    @extend_schema(request=DisasterReliefShelterIn, responses={201: DisasterReliefShelterOut})
    def create(self, request: Request) -> Response:
        v = self.data(DisasterReliefShelterIn)
        county = _county(request.user, v["county"])
        township = None
        if v.get("township"):
            township = OrgUnit.objects.filter(pk=v["township"], parent=county).first()
            if township is None:
                raise RuleViolation(errors={"township": [f"请选择{county.name}的乡镇（街道）"]})
        shelter = shel.shelter_create(
            name=v["name"],
            kind=v["kind"],
            county=county,
            township=township,
            capacity=v["capacity"],
            address=v["address"],
            city_managed=v["city_managed"],
            actor=request.user,
        )
        return self.out(shelter, status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefShelterOpenIn, responses={200: DisasterReliefShelterOut})
    @action(detail=True, methods=["post"], url_path="open")
    def open_(self, request: Request, pk: str) -> Response:
        shelter = self.obj(pk, "manage")
        v = self.data(DisasterReliefShelterOpenIn)
        shel.shelter_open(
            shelter=shelter,
            event=EventPolicy().get(request.user, pk=v["event"]),
            at=v.get("at"),
            actor=request.user,
        )
        return self.out(self.get_queryset().get(pk=shelter.pk))

    @extend_schema(request=DisasterReliefShelterCountIn, responses={201: DisasterReliefShelterOut})
    @action(detail=True, methods=["post"])
    def count(self, request: Request, pk: str) -> Response:
        shelter = self.obj(pk, "manage")
        v = self.data(DisasterReliefShelterCountIn)
        shel.shelter_count(
            shelter=shelter, occupants=v["occupants"], at=v.get("at"), note=v["note"], actor=request.user
        )
        return self.out(self.get_queryset().get(pk=shelter.pk), status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefShelterCloseIn, responses={200: DisasterReliefShelterOut})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        shelter = self.obj(pk, "manage")
        v = self.data(DisasterReliefShelterCloseIn)
        shel.shelter_close(shelter=shelter, at=v.get("at"), note=v["note"], actor=request.user)
        return self.out(self.get_queryset().get(pk=shelter.pk))

    @extend_schema(
        responses=inline_serializer(
            "DisasterReliefOccupancy",
            {
                "occupants": serializers.IntegerField(),
                "open_capacity": serializers.IntegerField(),
                "rate": serializers.CharField(),
                "counties": serializers.ListField(),
            },
        )
    )
    @action(detail=False, methods=["get"])
    def occupancy(self, request: Request) -> Response:
        """Occupancy by county (`?event=` limits to shelters open for that event)."""
        event = _event(request.user, request.query_params.get("event"))
        view = sel.occupancy(request.user, event)
        return Response(
            {
                "occupants": view["occupants"],
                "open_capacity": view["open_capacity"],
                "rate": str(view["rate"]),
                "counties": [
                    {
                        "county": r["county_id"],
                        "name": r["county__name"],
                        "shelters": r["shelters"],
                        "open": r["open"],
                        "capacity": r["total_capacity"],
                        "open_capacity": r["open_capacity"],
                        "occupants": r["occupants"],
                        "rate": str(r["rate"]),
                    }
                    for r in view["by_county"]
                ],
            }
        )


# --- after-disaster aid -------------------------------------------------------------------


class DisasterReliefProgrammeOut(PlainChoices, serializers.ModelSerializer):
    summary = serializers.SerializerMethodField()

    class Meta:
        model = AidProgramme
        fields = [
            "id",
            "kind",
            "county",
            "event",
            "year",
            "status",
            "opened_at",
            "survey_started_at",
            "needs_submitted_at",
            "closed_at",
            "summary",
        ]

    def get_summary(self, obj: AidProgramme) -> dict[str, Any] | None:
        if not self.context.get("with_summary"):
            return None
        s = sel.programme_summary(obj)
        plan = s.plan
        return {
            "beneficiaries": s.beneficiaries,
            "persons": s.persons,
            "entitled": None if s.entitled is None else str(s.entitled),
            "paid": str(s.paid),
            "payments": s.payments,
            "plan": None
            if plan is None
            else {
                "version": plan.version,
                "per_person_month": plan.per_person_month and str(plan.per_person_month),
                "months": plan.months,
                "collapsed_amount": plan.collapsed_amount and str(plan.collapsed_amount),
                "severe_amount": plan.severe_amount and str(plan.severe_amount),
                "general_amount": plan.general_amount and str(plan.general_amount),
                "per_person": plan.per_person and str(plan.per_person),
                "budget": str(plan.budget),
                "basis": plan.basis,
            },
        }


class DisasterReliefProgrammeIn(serializers.Serializer):
    kind = serializers.CharField(help_text="transitional | reconstruction | winter_spring")
    county = serializers.IntegerField()
    event = serializers.IntegerField(required=False, allow_null=True)
    year = serializers.IntegerField(required=False, allow_null=True)


class DisasterReliefAssessmentIn(serializers.Serializer):
    persons = serializers.IntegerField(min_value=0, required=False, default=0)
    households = serializers.IntegerField(min_value=0, required=False, default=0)
    collapsed_households = serializers.IntegerField(min_value=0, required=False, default=0)
    severe_households = serializers.IntegerField(min_value=0, required=False, default=0)
    general_households = serializers.IntegerField(min_value=0, required=False, default=0)
    months = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    amount_needed = MoneyIn(required=False, allow_blank=True, default="0")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterReliefPlanIn(serializers.Serializer):
    per_person_month = MoneyIn(required=False, allow_blank=True, allow_null=True)
    months = serializers.IntegerField(required=False, allow_null=True)
    collapsed_amount = MoneyIn(required=False, allow_blank=True, allow_null=True)
    severe_amount = MoneyIn(required=False, allow_blank=True, allow_null=True)
    general_amount = MoneyIn(required=False, allow_blank=True, allow_null=True)
    per_person = MoneyIn(required=False, allow_blank=True, allow_null=True)
    budget = MoneyIn()
    basis = serializers.CharField(max_length=200)


class DisasterReliefEvaluationIn(serializers.Serializer):
    stage = serializers.CharField(help_text="mid | final")
    level = serializers.CharField(help_text="county | city")
    rating = serializers.CharField(help_text="excellent | good | fair | poor")
    score = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    sampled = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    findings = serializers.CharField()


class DisasterReliefEvaluationOut(PlainChoices, serializers.ModelSerializer):
    class Meta:
        model = AidEvaluation
        fields = ["id", "programme", "stage", "level", "rating", "score", "sampled", "findings", "at"]


class DisasterReliefBeneficiaryAddIn(serializers.Serializer):
    ledger_person = serializers.IntegerField(required=False, allow_null=True)
    ledger_household = serializers.IntegerField(required=False, allow_null=True)
    all = serializers.BooleanField(default=False, help_text="true：核定台账中全部符合条件且未列入的记录")


class DisasterReliefPayAllIn(serializers.Serializer):
    account = serializers.IntegerField(required=False, allow_null=True)
    paid_on = serializers.DateField(required=False, allow_null=True)
    method = serializers.CharField(default="bank", help_text="bank | cash")


class DisasterReliefCloseIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AidProgrammeViewSet(ReliefViewSet):
    """After-disaster aid per county (`?kind=&county=&year=&event=`): POST opens one; …/assessments/,
    …/plans/, …/beneficiaries/, …/submit/, …/pay-all/, …/close/, …/evaluations/."""

    serializer_class = DisasterReliefProgrammeOut
    policy = AidProgrammePolicy()
    filters = {"kind": "kind", "county": "county_id", "year": "year", "event": "event_id", "status": "status"}
    numeric = ("year",)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "with_summary": self.action != "list"}

    def _manage(self, pk: str) -> AidProgramme:
        return self.obj(pk)  # the service checks who may act (403)

    @extend_schema(request=DisasterReliefProgrammeIn, responses={201: DisasterReliefProgrammeOut})
    def create(self, request: Request) -> Response:
        v = self.data(DisasterReliefProgrammeIn)
        if v["kind"] not in AidKind.values:
            raise RuleViolation(errors={"kind": ["请选择救助类型"]})
        programme = aid.programme_open(
            kind=v["kind"],
            county=_county(request.user, v["county"]),
            event=_event(request.user, v.get("event")),
            year=v.get("year"),
            actor=request.user,
        )
        return self.out(programme, status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefAssessmentIn, responses={201: DisasterReliefProgrammeOut})
    @action(detail=True, methods=["post"])
    def assessments(self, request: Request, pk: str) -> Response:
        programme = self._manage(pk)
        aid.assessment_record(
            programme=programme, data=self.data(DisasterReliefAssessmentIn), actor=request.user
        )
        return self.out(self.get_queryset().get(pk=programme.pk), status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefPlanIn, responses={201: DisasterReliefProgrammeOut})
    @action(detail=True, methods=["post"])
    def plans(self, request: Request, pk: str) -> Response:
        programme = self._manage(pk)
        aid.plan_record(programme=programme, data=self.data(DisasterReliefPlanIn), actor=request.user)
        return self.out(self.get_queryset().get(pk=programme.pk), status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefBeneficiaryAddIn, responses={201: DisasterReliefProgrammeOut})
    @action(detail=True, methods=["post"])
    def beneficiaries(self, request: Request, pk: str) -> Response:
        programme = self._manage(pk)
        v = self.data(DisasterReliefBeneficiaryAddIn)
        if v["all"]:
            aid.beneficiaries_add_all(programme=programme, actor=request.user)
        else:
            person = household = None
            if v.get("ledger_person"):
                person = LedgerPersonPolicy().get(request.user, pk=v["ledger_person"])
            if v.get("ledger_household"):
                household = LedgerHouseholdPolicy().get(request.user, pk=v["ledger_household"])
            aid.beneficiary_add(programme=programme, person=person, household=household, actor=request.user)
        return self.out(self.get_queryset().get(pk=programme.pk), status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DisasterReliefProgrammeOut})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        programme = self._manage(pk)
        aid.needs_submit(programme=programme, actor=request.user)
        return self.out(self.get_queryset().get(pk=programme.pk))

    @extend_schema(request=DisasterReliefPayAllIn, responses={201: DisasterReliefProgrammeOut})
    @action(detail=True, methods=["post"], url_path="pay-all")
    def pay_all(self, request: Request, pk: str) -> Response:
        programme = self._manage(pk)
        v = self.data(DisasterReliefPayAllIn)
        account = FundAccountPolicy().get(request.user, pk=v["account"]) if v.get("account") else None
        aid.payments_pay_all(
            programme=programme,
            account=account,
            paid_on=v.get("paid_on"),
            method=v["method"],
            actor=request.user,
        )
        return self.out(self.get_queryset().get(pk=programme.pk), status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefCloseIn, responses={200: DisasterReliefProgrammeOut})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        programme = self._manage(pk)
        aid.programme_close(
            programme=programme, note=self.data(DisasterReliefCloseIn)["note"], actor=request.user
        )
        return self.out(self.get_queryset().get(pk=programme.pk))

    @extend_schema(request=DisasterReliefEvaluationIn, responses={201: DisasterReliefEvaluationOut})
    @action(detail=True, methods=["post"])
    def evaluations(self, request: Request, pk: str) -> Response:
        programme = self._manage(pk)
        v = self.data(DisasterReliefEvaluationIn)
        evaluation = aid.evaluation_record(programme=programme, actor=request.user, **v)
        return Response(DisasterReliefEvaluationOut(evaluation).data, status=status.HTTP_201_CREATED)


class DisasterReliefBeneficiaryOut(PlainChoices, serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField(help_text="隐去中间位")
    entitled = serializers.SerializerMethodField()

    class Meta:
        model = AidBeneficiary
        fields = [
            "id",
            "programme",
            "ledger_person",
            "ledger_household",
            "name",
            "id_number",
            "persons",
            "stage",
            "assessed_damage",
            "mode",
            "applied_amount",
            "approved_amount",
            "paid",
            "entitled",
            "voided_at",
            "void_reason",
        ]

    def _row(self, obj: AidBeneficiary) -> Any:
        return obj.ledger_person or obj.ledger_household

    def get_name(self, obj: AidBeneficiary) -> str:
        return obj.ledger_person.name if obj.ledger_person else obj.ledger_household.head_name  # type: ignore[union-attr]

    def get_id_number(self, obj: AidBeneficiary) -> str:
        return mask_id(self._row(obj).id_number)

    def get_entitled(self, obj: AidBeneficiary) -> str | None:
        plans: dict[int, Any] = self.context.setdefault("plans", {})
        if obj.programme_id not in plans:
            plans[obj.programme_id] = aid.current_plan(obj.programme)
        plan = obj.approved_plan if obj.programme.kind == AidKind.RECONSTRUCTION else plans[obj.programme_id]
        amount = aid.entitlement_of(obj, plan).amount
        return None if amount is None else str(amount)


class DisasterReliefHouseAssessIn(serializers.Serializer):
    damage = serializers.CharField(help_text="collapsed | severe | general")
    mode = serializers.CharField(help_text="rebuild | repair")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterReliefAmountIn(serializers.Serializer):
    amount = MoneyIn()


class DisasterReliefPayIn(serializers.Serializer):
    amount = MoneyIn()
    account = serializers.IntegerField(
        required=False, allow_null=True, help_text="县级资金账户；省略为最早的余额足够的一笔"
    )
    paid_on = serializers.DateField(required=False, allow_null=True)
    method = serializers.CharField(default="bank", help_text="bank | cash")
    reference = serializers.CharField(required=False, allow_blank=True, default="")


class DisasterReliefPaymentOut(PlainChoices, serializers.ModelSerializer):
    class Meta:
        model = AidPayment
        fields = [
            "id",
            "programme",
            "beneficiary",
            "county",
            "ledger_person",
            "ledger_household",
            "account",
            "plan",
            "entitled",
            "amount",
            "paid_on",
            "method",
            "reference",
            "at",
        ]


class AidBeneficiaryViewSet(ReliefViewSet):
    """Beneficiaries (`?programme=`), names with masked ID numbers. Reconstruction: …/assess/,
    …/apply/, …/approve/; every kind: …/pay/, …/void/."""

    serializer_class = DisasterReliefBeneficiaryOut
    policy = AidBeneficiaryPolicy()
    filters = {"programme": "programme_id", "stage": "stage"}
    related = ("programme", "ledger_person", "ledger_household", "approved_plan")

    @extend_schema(request=DisasterReliefHouseAssessIn, responses={200: DisasterReliefBeneficiaryOut})
    @action(detail=True, methods=["post"])
    def assess(self, request: Request, pk: str) -> Response:
        b = self.obj(pk)
        v = self.data(DisasterReliefHouseAssessIn)
        aid.beneficiary_assess(
            beneficiary=b, damage=v["damage"], mode=v["mode"], note=v["note"], actor=request.user
        )
        return self.out(self.get_queryset().get(pk=b.pk))

    @extend_schema(request=DisasterReliefAmountIn, responses={200: DisasterReliefBeneficiaryOut})
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str) -> Response:
        b = self.obj(pk)
        aid.beneficiary_apply(
            beneficiary=b, amount=self.data(DisasterReliefAmountIn)["amount"], actor=request.user
        )
        return self.out(self.get_queryset().get(pk=b.pk))

    @extend_schema(request=DisasterReliefAmountIn, responses={200: DisasterReliefBeneficiaryOut})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        b = self.obj(pk)
        aid.beneficiary_approve(
            beneficiary=b, amount=self.data(DisasterReliefAmountIn)["amount"], actor=request.user
        )
        return self.out(self.get_queryset().get(pk=b.pk))

    @extend_schema(request=DisasterReliefPayIn, responses={201: DisasterReliefPaymentOut})
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str) -> Response:
        b = self.obj(pk)
        v = self.data(DisasterReliefPayIn)
        account = FundAccountPolicy().get(request.user, pk=v["account"]) if v.get("account") else None
        payment = aid.payment_make(
            beneficiary=b,
            amount=v["amount"],
            account=account,
            paid_on=v.get("paid_on"),
            method=v["method"],
            reference=v["reference"],
            actor=request.user,
        )
        return Response(DisasterReliefPaymentOut(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisasterReliefReasonIn, responses={200: DisasterReliefBeneficiaryOut})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        b = self.obj(pk)
        aid.beneficiary_void(
            beneficiary=b, reason=self.data(DisasterReliefReasonIn)["reason"], actor=request.user
        )
        return self.out(self.get_queryset().get(pk=b.pk))


class AidPaymentViewSet(ReliefViewSet):
    """Payments to households/persons (`?programme=&county=`); …/trace/ follows a payment back to
    its source (county lot → allocation → receipt)."""

    serializer_class = DisasterReliefPaymentOut
    policy = AidPaymentPolicy()
    filters = {"programme": "programme_id", "county": "county_id", "account": "account_id"}

    @extend_schema(
        responses=inline_serializer(
            "DisasterReliefTrace",
            {
                "payment": serializers.DictField(),
                "recipient": serializers.DictField(),
                "programme": serializers.DictField(),
                "county_lot": serializers.DictField(),
                "allocation": serializers.DictField(),
                "receipt": serializers.DictField(),
            },
        )
    )
    # Not named `trace`: DRF dispatches an HTTP TRACE request to the view's method of that name
    # (it did, on the list URL, and failed with a 500).
    @action(detail=True, methods=["get"], url_path="trace", url_name="trace")
    def trace_(self, request: Request, pk: str) -> Response:
        payment = self.policy.get(
            request.user,
            queryset=self.policy.scope(request.user).select_related(
                "account__allocation__receipt",
                "account__allocation__county",
                "account__allocation__decision",
                "ledger_person__township",
                "ledger_household__township",
                "programme",
                "plan",
            ),
            pk=_int(pk) or 0,
        )
        return Response(sel.trace_payment(payment))
