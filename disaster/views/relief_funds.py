"""Relief fund pages: balances by source, purpose and county; receipts; allocations with the
finance bureau's review and disbursement; county spending; the trace of a payment; the XLSX of
every fund ledger."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from disaster import relief_selectors as sel
from disaster.models import AidPayment, FundAccount, FundAllocation, FundEntry, FundReceipt, FundSpend
from disaster.policies import (
    AidPaymentPolicy,
    FundAccountPolicy,
    FundAllocationPolicy,
    FundEntryPolicy,
    FundReceiptPolicy,
    is_city_viewer,
)
from disaster.relief_forms import AllocationForm, ReceiptForm, SpendForm
from disaster.rules.ledger import mask_id
from disaster.services import relief_funds as funds
from disaster.services.common import is_office
from disaster.services.relief_common import is_county_officer, is_finance
from disaster.views.relief_common import events_open_for, int_or_none, require_relief_user, show_error
from portal.errors import DomainError
from portal.exports import xlsx_response

S = FundAllocation.Status


@login_required
def funds_page(request: HttpRequest) -> HttpResponse:
    require_relief_user(request)
    user = request.user
    may_receive = is_finance(user) or is_office(user)
    may_propose = is_office(user)
    receipts_qs = FundReceiptPolicy().scope(user).prefetch_related("accounts").order_by("-pk")
    counties = sel.counties_for(user)
    receipt_form = ReceiptForm(request.POST if request.POST.get("action") == "receipt" else None)
    allocation_form = AllocationForm(
        request.POST if request.POST.get("action") == "allocate" else None,
        receipts=receipts_qs,
        counties=counties_qs(counties),
        events=events_open_for(user),
    )
    failed = False
    if request.method == "POST":
        action = request.POST.get("action")
        if not ((action == "receipt" and may_receive) or (action == "allocate" and may_propose)):
            raise PermissionDenied("您没有执行此操作的权限")
        form = receipt_form if action == "receipt" else allocation_form
        if form.is_valid():
            try:
                if action == "receipt":
                    receipt = funds.receipt_record(actor=user, **form.cleaned_data)
                    messages.success(request, f"已登记入账：{receipt}")
                    return redirect("disaster:relief-funds")
                allocation = funds.allocation_propose(actor=user, **form.cleaned_data)
                messages.success(request, f"已提出资金分配意见，待市财政局审核（{allocation}）")
                return redirect(allocation.get_absolute_url())
            except DomainError as exc:
                show_error(request, exc, form)
        failed = True
    status_filter = request.GET.get("status", "")
    county_filter = int_or_none(request.GET.get("county"))
    allocations = FundAllocationPolicy().scope(user).select_related("decision", "proposed_by").order_by("-pk")
    if status_filter in S.values:
        allocations = allocations.filter(status=status_filter)
    if county_filter:
        allocations = allocations.filter(county_id=county_filter)
    receipts = list(receipts_qs[:100])
    for r in receipts:
        account = next((a for a in r.accounts.all() if a.level == FundAccount.Level.CITY), None)
        r.balance = account.balance if account else None  # type: ignore[attr-defined]
        r.reserved = account.committed if account else None  # type: ignore[attr-defined]
    return render(
        request,
        "disaster/relief/funds.html",
        {
            "balances": sel.fund_balances(user),
            "receipts": receipts,
            "city": is_city_viewer(user),
            "allocations": list(allocations[:200]),
            "statuses": S.choices,
            "status": status_filter,
            "counties": counties,
            "county_filter": county_filter,
            "receipt_form": receipt_form,
            "allocation_form": allocation_form,
            "may_receive": may_receive,
            "may_propose": may_propose,
            "today": timezone.localdate().isoformat(),
        },
        status=400 if failed else 200,
    )


def counties_qs(counties: list[Any]) -> Any:
    from portal.models import OrgUnit

    return OrgUnit.objects.filter(pk__in=[c.pk for c in counties]).order_by("sort", "pk")


@login_required
def allocation_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    allocation = FundAllocationPolicy().get(user, pk=pk)
    account = FundAccount.objects.filter(allocation=allocation).first()
    spend_form = SpendForm(request.POST if request.POST.get("action") == "spend" else None)
    failed = False
    if request.method == "POST":
        action = request.POST.get("action", "")
        policy = FundAllocationPolicy()
        try:
            if action in ("approve", "reject"):
                policy.require(user, "decide", allocation)
                funds.allocation_decide(
                    allocation=allocation,
                    approve=action == "approve",
                    reason=request.POST.get("reason", ""),
                    actor=user,
                )
                messages.success(request, "已审核" + ("（同意）" if action == "approve" else "（不同意）"))
            elif action == "disburse":
                policy.require(user, "disburse", allocation)
                funds.allocation_disburse(
                    allocation=allocation, document_no=request.POST.get("document_no", ""), actor=user
                )
                messages.success(request, "资金已下达")
            elif action == "withdraw":
                policy.require(user, "withdraw", allocation)
                funds.allocation_withdraw(
                    allocation=allocation, reason=request.POST.get("reason", ""), actor=user
                )
                messages.success(request, "已撤回")
            elif action == "spend" and account is not None:
                if not is_county_officer(user, allocation.county):
                    raise PermissionDenied("只能支出本县区的资金")
                if spend_form.is_valid():
                    funds.fund_spend(account=account, actor=user, **spend_form.cleaned_data)
                    messages.success(request, "已登记支出")
            else:
                raise PermissionDenied("您没有执行此操作的权限")
            if not spend_form.errors:
                return redirect(allocation.get_absolute_url())
            failed = True
        except DomainError as exc:
            show_error(request, exc, spend_form if action == "spend" else None)
            failed = True
    allocation.refresh_from_db()
    entries = (
        list(FundEntry.objects.filter(account=account).select_related("by").order_by("-pk")[:200])
        if account
        else []
    )
    payments = (
        list(
            AidPayment.objects.filter(account=account)
            .select_related("programme", "ledger_person", "ledger_household")
            .order_by("-pk")[:200]
        )
        if account
        else []
    )
    for p in payments:
        row = p.ledger_person or p.ledger_household
        p.who = p.ledger_person.name if p.ledger_person else p.ledger_household.head_name  # type: ignore[union-attr,attr-defined]
        p.masked = mask_id(row.id_number) if row else ""  # type: ignore[attr-defined]
    spends = list(FundSpend.objects.filter(account=account).order_by("-pk")[:100]) if account else []
    return render(
        request,
        "disaster/relief/allocation.html",
        {
            "a": allocation,
            "decision": getattr(allocation, "decision", None),
            "account": account,
            "entries": entries,
            "payments": payments,
            "spends": spends,
            "spend_form": spend_form,
            "may_decide": allocation.status == S.PROPOSED and is_finance(user),
            "may_disburse": allocation.status == S.APPROVED and is_finance(user),
            "may_withdraw": allocation.status in (S.PROPOSED, S.APPROVED) and is_office(user),
            "may_spend": account is not None
            and is_county_officer(user, allocation.county)
            and account.balance > 0,
            "today": timezone.localdate().isoformat(),
        },
        status=400 if failed else 200,
    )


@login_required
def trace_page(request: HttpRequest, pk: int) -> HttpResponse:
    payment = AidPaymentPolicy().get(
        request.user,
        queryset=AidPaymentPolicy()
        .scope(request.user)
        .select_related(
            "account__allocation__receipt",
            "account__allocation__county",
            "ledger_person__township",
            "ledger_household__township",
            "programme",
            "plan",
        ),
        pk=pk,
    )
    return render(
        request, "disaster/relief/trace.html", {"t": sel.trace_payment(payment), "payment": payment}
    )


@login_required
def funds_export(request: HttpRequest) -> HttpResponse:
    """Every fund ledger the user may see: receipts (city), allocations with decisions, lots,
    entries, county spending, payments to households (ID numbers masked)."""
    require_relief_user(request)
    user = request.user
    sheets: list[tuple[str, list[str], Any]] = []
    if is_city_viewer(user):
        sheets.append(
            (
                "来源入账",
                ["编号", "资金来源", "资金用途", "金额（元）", "下达文号", "到账日期", "备注"],
                (
                    [
                        r.pk,
                        r.get_source_display(),
                        r.get_purpose_display(),
                        r.amount,
                        r.document_no,
                        r.received_on,
                        r.note,
                    ]
                    for r in FundReceipt.objects.order_by("pk").iterator()
                ),
            )
        )
    allocations = (
        FundAllocationPolicy().scope(user).select_related("decision", "proposed_by", "decision__decided_by")
    )
    sheets.append(
        (
            "分配下达",
            [
                "编号",
                "来源入账",
                "资金来源",
                "资金用途",
                "县区",
                "金额（元）",
                "状态",
                "分配依据",
                "提出人",
                "提出时间",
                "财政审核",
                "审核意见",
                "审核人",
                "下达时间",
                "下达文号",
            ],
            (
                [
                    a.pk,
                    a.receipt_id,
                    a.get_source_display(),
                    a.get_purpose_display(),
                    a.county.name,
                    a.amount,
                    a.get_status_display(),
                    a.reason,
                    str(a.proposed_by),
                    a.proposed_at,
                    ("同意" if a.decision.approve else "不同意") if hasattr(a, "decision") else "",
                    a.decision.reason if hasattr(a, "decision") else "",
                    str(a.decision.decided_by) if hasattr(a, "decision") else "",
                    a.disbursed_at,
                    a.disbursement_no,
                ]
                for a in allocations.order_by("pk")
            ),
        )
    )
    accounts = FundAccountPolicy().scope(user)
    sheets.append(
        (
            "资金账户",
            [
                "账户",
                "层级",
                "县区",
                "资金来源",
                "资金用途",
                "来源入账",
                "分配下达",
                "入账金额",
                "余额",
                "已审核待下达",
            ],
            (
                [
                    a.pk,
                    a.get_level_display(),
                    a.county.name if a.county_id else "市级",  # type: ignore[union-attr]
                    a.get_source_display(),
                    a.get_purpose_display(),
                    a.receipt_id,
                    a.allocation_id,
                    a.credited,
                    a.balance,
                    a.committed,
                ]
                for a in accounts.order_by("pk")
            ),
        )
    )
    kinds = dict(FundEntry.Kind.choices)
    sheets.append(
        (
            "资金台账分录",
            [
                "分录",
                "账户",
                "类型",
                "变动金额（元）",
                "变动后余额（元）",
                "分配下达",
                "发放记录",
                "县级支出",
                "时间",
            ],
            (
                [e[0], e[1], kinds.get(e[2], e[2]), e[3], e[4], e[5], e[6], e[7], e[8]]
                for e in FundEntryPolicy()
                .scope(user)
                .order_by("pk")
                .values_list(
                    "pk",
                    "account_id",
                    "kind",
                    "delta",
                    "balance_after",
                    "allocation_id",
                    "payment_id",
                    "spend_id",
                    "at",
                )
                .iterator()
            ),
        )
    )
    sheets.append(
        (
            "县级支出",
            ["编号", "账户", "金额（元）", "用途说明", "支出日期"],
            (
                [s.pk, s.account_id, s.amount, s.description, s.spent_on]
                for s in FundSpend.objects.filter(account__in=accounts.filter(level=FundAccount.Level.COUNTY))
                .order_by("pk")
                .iterator()
            ),
        )
    )
    sheets.append(
        (
            "发放到户",
            [
                "编号",
                "县区",
                "救助工作",
                "姓名/户主",
                "身份证号",
                "台账人员",
                "台账住户",
                "应发（元）",
                "发放（元）",
                "发放日期",
                "方式",
                "凭证号",
                "资金账户",
            ],
            (
                [
                    p.pk,
                    p.county.name,
                    p.programme.get_kind_display(),
                    p.ledger_person.name if p.ledger_person else p.ledger_household.head_name,  # type: ignore[union-attr]
                    mask_id((p.ledger_person or p.ledger_household).id_number),  # type: ignore[union-attr]
                    p.ledger_person_id,
                    p.ledger_household_id,
                    p.entitled,
                    p.amount,
                    p.paid_on,
                    p.get_method_display(),
                    p.reference,
                    p.account_id,
                ]
                for p in AidPaymentPolicy()
                .scope(user)
                .select_related("county", "programme", "ledger_person", "ledger_household")
                .order_by("pk")
                .iterator(chunk_size=2000)
            ),
        )
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        f"救灾资金台账-{stamp}.xlsx", sheets, note="救灾资金台账（来源→县区→用途→到户）；身份证号已隐去中间位"
    )
