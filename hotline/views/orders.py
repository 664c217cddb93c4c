"""Order pages: the list (keyset-paginated), the unit inbox, the centre's queues, the detail
page with the actions the user may take now, the audited caller reveal, exports, routing rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hotline import forms as f
from hotline import selectors, services
from hotline.models import Assignment, Order, RoutingRule
from hotline.models.choices import OUTAGE_KINDS, Status
from hotline.policies import READ_ALL, OrderPolicy, clerk_unit_ids
from hotline.selectors import OrderFilters
from hotline.serializers import caller_display
from portal.access import CITY_ADMIN, HOTLINE_SUPERVISOR, has_role, require_role
from portal.audit import audit_record
from portal.errors import DomainError, RuleViolation
from portal.exports import xlsx_response
from portal.models import Deadline, OrgUnit

PAGE = 50
policy = OrderPolicy()
S = Status

# action → (label, states in which it is offered, form class, primary button?)
ACTIONS: dict[str, tuple[str, tuple[str, ...], type[djforms.Form]]] = {
    "sign": ("签收", (S.DISPATCHED, S.SIGNED, S.RETURN_REQUESTED, S.EXTENSION_REQUESTED), f.EmptyForm),
    "reply": ("办理答复", (S.DISPATCHED, S.SIGNED, S.RETURN_REQUESTED, S.EXTENSION_REQUESTED), f.ContentForm),
    "progress": ("反馈办理进度（特殊事项）", (S.SIGNED, S.EXTENSION_REQUESTED), f.ContentForm),
    "return": ("申请退回", (S.DISPATCHED, S.SIGNED), f.ReturnForm),
    "request-extension": ("申请延期", (S.SIGNED,), f.ExtensionForm),
    "unfinished-reply": ("未办结回复", (S.SIGNED,), f.UnfinishedForm),
    "answer": ("直接答复", (S.RECEIVED,), f.ContentForm),
    "dispatch": ("派单", (S.RECEIVED,), f.DispatchForm),
    "handover": ("转其他热线", (S.RECEIVED,), f.HandoverForm),
    "handover-result": ("登记转交结果", (S.HANDED_OVER,), f.HandoverResultForm),
    "review-return": ("审核退回", (S.RETURN_REQUESTED,), f.ReviewReturnForm),
    "review-extension": ("审核延期", (S.EXTENSION_REQUESTED,), f.ReviewExtensionForm),
    "callback": ("回访", (S.REPLIED,), f.CallbackForm),
    "redo": ("发回重办", (S.REPLIED, S.CALLED_BACK), f.ReasonForm),
    "close": ("办结", (S.CALLED_BACK, S.REPLIED, S.ANSWERED, S.HANDED_OVER), f.EmptyForm),
    "archive": ("归档", (S.CLOSED, S.ANSWERED, S.HANDED_OVER), f.EmptyForm),
    "urge": ("催办", (S.DISPATCHED, S.SIGNED, S.RETURN_REQUESTED, S.EXTENSION_REQUESTED), f.NoteForm),
    "reassign": ("改派", (S.DISPATCHED, S.SIGNED, S.EXTENSION_REQUESTED, S.RETURN_REQUESTED), f.ReassignForm),
    "reopen": ("重启（诉求人再次来电）", (S.CLOSED, S.ANSWERED, S.HANDED_OVER), f.ReasonForm),
    "link": ("关联重复诉求", tuple(s for s in S.values if s != S.ARCHIVED), f.LinkForm),
}


def _int_or_none(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _run(request: HttpRequest, order: Order, action: str, data: dict[str, Any]) -> Any:
    user = request.user
    unit = policy.acting_unit(user, order)
    calls: dict[str, Callable[[], Any]] = {
        "sign": lambda: services.order_sign(order=order, actor=user, unit=unit),
        "reply": lambda: services.order_reply(order=order, actor=user, content=data["content"], unit=unit),
        "progress": lambda: services.order_progress(
            order=order, actor=user, content=data["content"], unit=unit
        ),
        "return": lambda: services.order_return(
            order=order,
            actor=user,
            reason=data["reason"],
            basis=data["basis"],
            suggested_unit=_int_or_none(data.get("suggested_unit")),
            unit=unit,
        ),
        "request-extension": lambda: services.order_request_extension(
            order=order, actor=user, days=data["days"], reason=data["reason"], unit=unit
        ),
        "unfinished-reply": lambda: services.order_unfinished_reply(
            order=order,
            actor=user,
            progress=data["progress"],
            plan=data["plan"],
            expected_date=data["expected_date"],
            unit=unit,
        ),
        "answer": lambda: services.order_answer(order=order, actor=user, content=data["content"]),
        "dispatch": lambda: _dispatch(request, order, data),
        "handover": lambda: services.order_handover(
            order=order, actor=user, target=data["target"], note=data["note"]
        ),
        "handover-result": lambda: services.order_handover_result(
            order=order, actor=user, outcome=data["outcome"]
        ),
        "review-return": lambda: services.order_review_return(
            order=order,
            actor=user,
            approve=data["approve"],
            note=data["note"],
            lead_unit=_int_or_none(data.get("lead_unit")),
        ),
        "review-extension": lambda: services.order_review_extension(
            order=order, actor=user, approve=data["approve"], note=data["note"], days=data.get("days")
        ),
        "callback": lambda: services.order_callback(
            order=order, actor=user, satisfied=data["satisfied"], note=data["note"], method=data["method"]
        ),
        "redo": lambda: services.order_redo(order=order, actor=user, reason=data["reason"]),
        "close": lambda: services.order_close(order=order, actor=user),
        "archive": lambda: services.order_archive(order=order, actor=user),
        "urge": lambda: services.order_urge(order=order, actor=user, note=data["note"]),
        "reassign": lambda: services.order_reassign(
            order=order, actor=user, lead_unit=int(data["lead_unit"]), reason=data["reason"]
        ),
        "reopen": lambda: services.order_reopen(order=order, actor=user, reason=data["reason"]),
        "link": lambda: services.order_link_duplicate(
            order=order, actor=user, duplicate_of=policy.get(user, "view", pk=data["duplicate_of"])
        ),
    }
    return calls[action]()


@transaction.atomic
def _dispatch(request: HttpRequest, order: Order, data: dict[str, Any]) -> Order:
    lead = int(data["lead_unit"])
    result = services.order_dispatch(
        order=order,
        actor=request.user,
        lead_unit=lead,
        assisting_units=[int(x) for x in data.get("assisting_units", [])],
    )
    if data.get("save_rule"):
        services.routing_rule_from_precedent(
            order=result,
            actor=request.user,
            lead_unit=OrgUnit.objects.get(pk=lead),
            assisting=list(OrgUnit.objects.filter(pk__in=[int(x) for x in data.get("assisting_units", [])])),
        )
    return result


def _detail_context(
    request: HttpRequest, order: Order, bound: dict[str, djforms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    allowed = policy.allowed_actions(user, order)
    forms_now = []
    task = policy.acting_assignment(user, order)
    task_state = task.state if task else ("dispatched" if order.status == S.DISPATCHED else "signed")
    for name, (label, states, form_class) in ACTIONS.items():
        if name == "sign" and task_state != Assignment.State.DISPATCHED:
            continue  # already signed by this unit
        if name == "reply" and task_state != Assignment.State.SIGNED:
            continue  # sign first; an assisting unit reports once
        if name == "unfinished-reply" and order.extension_days < 1:
            continue  # only after an approved extension (第十二条（三））
        if name == "progress" and order.special_kind not in OUTAGE_KINDS:
            continue  # daily progress is for outages and pollution (§5)
        if name in allowed and order.status in states:
            form = (bound or {}).get(name) or form_class(prefix=name)
            forms_now.append({"name": name, "label": label, "form": form})
    for name, form in (bound or {}).items():
        if all(a["name"] != name for a in forms_now):  # refused because the state moved on:
            forms_now.insert(0, {"name": name, "label": ACTIONS[name][0], "form": form})  # keep the input
    name, phone = caller_display(order, user)
    assignments = list(order.assignments.select_related("unit").order_by("pk"))
    deadlines = list(
        Deadline.objects.filter(
            subject_type__model__in=["order", "assignment"],
            subject_type__app_label="hotline",
            subject_id__in=[order.pk] + [a.pk for a in assignments],
        ).order_by("due_at")
    )
    deadlines = [
        d
        for d in deadlines
        if (d.subject_type.model == "order" and d.subject_id == order.pk)
        or (d.subject_type.model == "assignment" and d.subject_id in {a.pk for a in assignments})
    ]
    suggestions = (
        selectors.routing_suggestions(order) if "dispatch" in allowed and order.status == S.RECEIVED else []
    )
    return {
        "order": order,
        "caller_name": name,
        "caller_phone": phone,
        "may_unmask": "unmask" in allowed,
        "overdue": order.is_overdue(),
        "assignments": assignments,
        "events": list(order.events.select_related("unit").order_by("pk")),
        "replies": list(order.replies.select_related("unit").order_by("pk")),
        "returns": list(order.return_requests.select_related("unit", "suggested_unit").order_by("pk")),
        "extensions": list(order.extension_requests.select_related("unit").order_by("pk")),
        "callbacks": list(order.callbacks.order_by("pk")),
        "deadlines": deadlines,
        "actions": forms_now,
        "suggestions": suggestions,
        "duplicates": list(order.duplicates.all()[:20]),
        "now": timezone.now(),
    }


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = policy.get(request.user, "view", pk=pk)
    return render(request, "hotline/order_detail.html", _detail_context(request, order))


@login_required
@require_POST
def order_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise PermissionDenied("未知的操作")
    order = policy.get(request.user, action, pk=pk)
    label, _states, form_class = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            _run(request, order, action, form.cleaned_data)
        except RuleViolation as exc:
            for field, msgs in exc.errors.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已{label}：工单 {order.number}")
            return redirect("hotline:order-detail", pk=order.pk)
    order.refresh_from_db()
    context = _detail_context(request, order, bound={action: form})
    context["error_action"] = action
    return render(request, "hotline/order_detail.html", context, status=400)


@login_required
def order_caller(request: HttpRequest, pk: int) -> HttpResponse:
    """Reveal the caller's personal data (htmx partial); every reveal is audited."""
    order = policy.get(request.user, "unmask", pk=pk)
    audit_record(
        actor=request.user,
        action="hotline.order.unmask",
        obj=order,
        extra={"fields": ["caller_name", "caller_phone"], "via": "page"},
    )
    return render(request, "hotline/_caller.html", {"order": order})


def may_list_orders(user: Any) -> bool:
    return bool(user.is_superuser or has_role(user, *READ_ALL) or clerk_unit_ids(user))


def _page(request: HttpRequest, qs: Any) -> tuple[list[Order], int | None]:
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    rows = list(qs[: PAGE + 1])
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, (rows[-1].pk if more and rows else None)


def _rows(request: HttpRequest, orders: list[Order]) -> list[dict[str, Any]]:
    now = timezone.now()
    return [{"o": o, "caller": caller_display(o, request.user), "overdue": o.is_overdue(now)} for o in orders]


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    form = f.OrderFilterForm(request.GET or None)
    if not may_list_orders(request.user):
        raise PermissionDenied("您没有查看12345工单的权限")
    qs = selectors.order_list(request.user, form.filters())
    rows, next_before = _page(request, qs)
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "hotline/order_list.html",
        {
            "form": form,
            "rows": _rows(request, rows),
            "next_before": next_before,
            "query": query.urlencode(),
            "export_form": f.ExportForm(),
            "may_export": request.user.is_superuser or has_role(request.user, HOTLINE_SUPERVISOR),
            "title": "工单",
        },
    )


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """A handling unit's to-do: orders waiting for its sign-for, in handling, sent back."""
    unit_ids = clerk_unit_ids(request.user)
    if not unit_ids:
        raise PermissionDenied("只有承办单位工作人员有本单位待办")
    active = (
        Assignment.objects.filter(unit_id__in=unit_ids, active=True)
        .exclude(state__in=[Assignment.State.ENDED])
        .values("order_id")
    )
    qs = (
        Order.objects.filter(pk__in=active)
        .exclude(status__in=[S.CLOSED, S.ARCHIVED, S.CALLED_BACK, S.REPLIED])
        .select_related(*selectors.LIST_RELATED)
        .order_by("-pk")
    )
    rows, next_before = _page(request, qs)
    return render(
        request,
        "hotline/order_list.html",
        {"rows": _rows(request, rows), "next_before": next_before, "query": "", "title": "本单位待办"},
    )


@login_required
def queues(request: HttpRequest) -> HttpResponse:
    """The supervisor's queues: pending dispatch, reviews, callbacks."""
    require_role(request.user, HOTLINE_SUPERVISOR)
    sections = []
    for status, title in [
        (S.RECEIVED, "待派单"),
        (S.RETURN_REQUESTED, "退回待审核"),
        (S.EXTENSION_REQUESTED, "延期待审核"),
        (S.REPLIED, "已答复待回访"),
        (S.CALLED_BACK, "已回访待办结"),
    ]:
        orders = list(selectors.order_list(request.user, OrderFilters(status=[status]))[:30])
        sections.append({"title": title, "status": status, "rows": _rows(request, orders)})
    return render(request, "hotline/queues.html", {"sections": sections})


@login_required
def order_export(request: HttpRequest) -> HttpResponse:
    """XLSX of the filtered orders, stating its purpose and scope (第二十二条); masked caller
    data; the export itself is audited."""
    if not (request.user.is_superuser or has_role(request.user, HOTLINE_SUPERVISOR)):
        raise PermissionDenied("只有值班长可以导出工单")
    export = f.ExportForm(request.GET)
    if not export.is_valid():
        messages.error(request, "导出须填写用途和使用范围")
        return redirect("hotline:orders")
    form = f.OrderFilterForm(request.GET)
    qs = selectors.order_list(request.user, form.filters())[:50_000]
    now = timezone.now()
    purpose, scope = export.cleaned_data["purpose"], export.cleaned_data["scope"]
    audit_record(
        actor=request.user,
        action="hotline.order.export",
        extra={"purpose": purpose, "scope": scope, "filters": request.GET.dict()},
    )

    def rows() -> Any:
        for o in qs.iterator(chunk_size=2000):
            name, phone = caller_display(o, request.user)
            yield [
                o.number,
                o.get_status_display(),
                o.get_channel_display(),
                o.get_kind_display(),
                o.subject.name if o.subject_id else "",
                o.county.name if o.county_id else "",
                o.address,
                name,
                phone,
                o.description,
                o.received_at,
                o.lead_unit.name if o.lead_unit_id else "",
                o.signed_at,
                o.due_at,
                o.replied_at,
                o.is_overdue(now),
            ]

    header = [
        "工单号",
        "状态",
        "渠道",
        "类型",
        "分类",
        "县区",
        "地址",
        "诉求人",
        "电话",
        "诉求内容",
        "受理时间",
        "主办单位",
        "首次签收",
        "办理时限",
        "答复时间",
        "逾期",
    ]
    note = f"用途：{purpose}；使用范围：{scope}；导出人：{request.user}；不得扩散或提供给第三方（驻政办〔2024〕23号 第二十二条）"
    return xlsx_response(
        f"12345工单-{timezone.localdate():%Y%m%d}.xlsx", [("工单", header, rows())], note=note
    )


@login_required
def routing_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, HOTLINE_SUPERVISOR, CITY_ADMIN)
    rules = (
        RoutingRule.objects.filter(active=True)
        .select_related("category", "place", "lead_unit")
        .order_by("-source", "category__sort", "pk")
    )
    return render(request, "hotline/routing.html", {"rules": list(rules[:500])})
