"""Knowledge base pages: search, entries with owner and review date (stale ones flagged),
versions on edit, knowledge questions to units with a deadline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hotline import forms as f
from hotline import selectors
from hotline.policies import CENTRE, KnowledgePolicy, KnowledgeQuestionPolicy, clerk_unit_ids
from hotline.services import knowledge as kb
from portal.access import CITY_ADMIN, UNIT_CLERK, has_role, require_role
from portal.errors import DomainError, RuleViolation

policy = KnowledgePolicy()
qpolicy = KnowledgeQuestionPolicy()


def _require_internal(request: HttpRequest) -> None:
    require_role(request.user, *CENTRE, CITY_ADMIN, UNIT_CLERK)


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    _require_internal(request)
    q = request.GET.get("q", "").strip()[:100]
    today = timezone.localdate()
    if q:
        results = [(e, score) for e, score in selectors.knowledge_search(request.user, q, limit=30)]
    else:
        results = [
            (e, None)
            for e in policy.scope(request.user)
            .select_related("owner_unit", "category")
            .order_by("-reviewed_at")[:50]
        ]
    stale = list(selectors.stale_entries(request.user, today)[:50])
    return render(
        request,
        "hotline/knowledge_list.html",
        {
            "q": q,
            "results": results,
            "stale": stale,
            "today": today,
            "may_add": policy.can(request.user, "add", None),
        },
    )  # type: ignore[arg-type]


def _form_errors(form: f.KnowledgeEntryForm, exc: RuleViolation) -> None:
    for field, msgs in exc.errors.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)


@login_required
def entry_new(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, "add", None):  # type: ignore[arg-type]
        raise PermissionDenied("您不能新增知识库条目")
    form = f.KnowledgeEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        owner = d["owner_unit"]
        if not (has_role(request.user, *CENTRE, CITY_ADMIN) or request.user.is_superuser):
            if owner is None or owner.pk not in clerk_unit_ids(request.user):
                form.add_error("owner_unit", "承办单位只能为本单位新增条目")
        if form.is_valid():
            try:
                entry = kb.entry_create(
                    actor=request.user,
                    question=d["question"],
                    answer=d["answer"],
                    owner_unit=owner,
                    category=d["category"],
                    policy_basis=d["policy_basis"],
                    public=d["public"],
                )
            except RuleViolation as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, "已新增知识库条目")
                return redirect("hotline:knowledge-detail", pk=entry.pk)
    return render(
        request,
        "hotline/knowledge_form.html",
        {"form": form, "entry": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_internal(request)
    entry = policy.get(request.user, "view", pk=pk)
    versions = []
    cursor = entry.previous
    while cursor is not None and len(versions) < 20:
        versions.append(cursor)
        cursor = cursor.previous
    return render(
        request,
        "hotline/knowledge_detail.html",
        {
            "entry": entry,
            "versions": versions,
            "may_edit": policy.can(request.user, "change", entry),
            "stale": entry.is_stale(),
            "ask_form": f.QuestionAskForm(initial={"unit": entry.owner_unit}),
            "may_ask": qpolicy.can(request.user, "ask", None),
        },
    )  # type: ignore[arg-type]


@login_required
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = policy.get(request.user, "change", queryset=policy.scope(request.user, "view"), pk=pk)
    form = (
        f.KnowledgeEntryForm(request.POST)
        if request.method == "POST"
        else f.KnowledgeEntryForm.for_entry(entry)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            new = kb.entry_revise(
                entry=entry,
                actor=request.user,
                question=d["question"],
                answer=d["answer"],
                category=d["category"],
                policy_basis=d["policy_basis"],
                public=d["public"],
            )
        except RuleViolation as exc:
            _form_errors(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已保存为第 {new.version} 版")
            return redirect("hotline:knowledge-detail", pk=new.pk)
    return render(
        request,
        "hotline/knowledge_form.html",
        {"form": form, "entry": entry},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def entry_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    entry = policy.get(request.user, "change", queryset=policy.scope(request.user, "view"), pk=pk)
    try:
        kb.entry_mark_reviewed(entry=entry, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认内容仍然有效，复核日期已顺延")
    return redirect("hotline:knowledge-detail", pk=pk)


@login_required
def question_list(request: HttpRequest) -> HttpResponse:
    require_role(request.user, *CENTRE, UNIT_CLERK)
    form = f.QuestionAskForm(request.POST or None)
    if request.method == "POST":
        if not qpolicy.can(request.user, "ask", None):  # type: ignore[arg-type]
            raise PermissionDenied("只有热线中心可以提出知识库问题")
        if form.is_valid():
            try:
                q = kb.question_ask(actor=request.user, **form.cleaned_data)
            except RuleViolation as exc:
                _form_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(
                    request, f"已向{q.unit.name}提出问题，{timezone.localtime(q.due_at):%m-%d %H:%M} 前答复"
                )
                return redirect("hotline:questions")
    rows = qpolicy.scope(request.user).select_related("unit", "asked_by").order_by("state", "due_at")[:200]
    return render(
        request,
        "hotline/questions.html",
        {
            "rows": list(rows),
            "form": form,
            "may_ask": qpolicy.can(request.user, "ask", None),  # type: ignore[arg-type]
            "now": timezone.now(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def question_detail(request: HttpRequest, pk: int) -> HttpResponse:
    question = qpolicy.get(request.user, "view", pk=pk)
    form = f.QuestionAnswerForm(request.POST or None)
    if request.method == "POST":
        qpolicy.require(request.user, "answer", question)
        if form.is_valid():
            try:
                kb.question_answer(question=question, actor=request.user, **form.cleaned_data)
            except RuleViolation as exc:
                _form_errors(form, exc)  # type: ignore[arg-type]
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已答复")
                return redirect("hotline:question-detail", pk=pk)
    return render(
        request,
        "hotline/question_detail.html",
        {
            "q": question,
            "form": form,
            "may_answer": qpolicy.can(request.user, "answer", question),
            "now": timezone.now(),
        },
        status=400 if request.method == "POST" else 200,
    )
