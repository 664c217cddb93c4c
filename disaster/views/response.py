"""Proposals and decisions, the response notice (print, PDF, DOCX), verification requests."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from disaster.forms import AnswerForm, DecideForm
from disaster.models import Proposal
from disaster.notice import notice_docx, notice_parts, notice_pdf
from disaster.policies import LevelChangePolicy, ProposalPolicy, VerificationPolicy, is_city_viewer
from disaster.selectors import event_deadlines
from disaster.services import reports as rsvc
from disaster.services import response as resp
from disaster.services.common import is_office
from disaster.views.common import apply_errors, flash_error
from portal.errors import DomainError, RuleViolation
from portal.models import Role


@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    if not is_city_viewer(request.user):
        raise PermissionDenied("响应建议供市级用户查看")
    qs = ProposalPolicy().scope(request.user)
    pending = list(qs.filter(status=Proposal.Status.PENDING).order_by("proposed_at"))
    recent = list(qs.exclude(status=Proposal.Status.PENDING).order_by("-proposed_at")[:50])
    for p in pending:
        p.may_decide = resp.may_decide(request.user, p)  # type: ignore[attr-defined]
    return render(request, "disaster/proposals.html", {"pending": pending, "recent": recent})


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = ProposalPolicy().get(request.user, pk=pk)
    may_decide = resp.may_decide(request.user, proposal)
    form = DecideForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("withdraw"):
            if not is_office(request.user):
                raise PermissionDenied("由市减灾委办公室撤回建议")
            try:
                resp.proposal_withdraw(
                    proposal=proposal, reason=request.POST.get("reason", ""), actor=request.user
                )
            except DomainError as exc:
                flash_error(request, exc)
            else:
                messages.success(request, "建议已撤回")
            return redirect(proposal.get_absolute_url())
        if not may_decide:
            raise PermissionDenied("您不是该等级响应的决定人")
        if form.is_valid():
            try:
                resp.proposal_decide(
                    proposal=proposal,
                    approve=form.cleaned_data["approve"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except RuleViolation as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                proposal.refresh_from_db()
                if proposal.status == Proposal.Status.APPROVED:
                    change = proposal.level_change
                    messages.success(
                        request,
                        f"已决定{proposal.get_action_display()}{proposal.get_level_display()}响应，响应通知 {change.notice_no} 已生成",
                    )
                    return redirect(change.get_absolute_url())
                messages.info(request, "已记录：不同意")
                return redirect(proposal.get_absolute_url())
    roles = Role.objects.filter(code__in=resp.deciders_for(proposal.level, proposal.event))
    assessment = proposal.assessment
    return render(
        request,
        "disaster/proposal.html",
        {
            "p": proposal,
            "event": proposal.event,
            "assessment": assessment,
            "form": form,
            "may_decide": may_decide and proposal.status == Proposal.Status.PENDING,
            "may_withdraw": is_office(request.user) and proposal.status == Proposal.Status.PENDING,
            "decider_roles": list(roles),
            "change": getattr(proposal, "level_change", None)
            if proposal.status == Proposal.Status.APPROVED
            else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    change = LevelChangePolicy().get(request.user, pk=pk)
    return render(
        request, "disaster/notice.html", {"change": change, "n": notice_parts(change), "event": change.event}
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def notice_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    change = LevelChangePolicy().get(request.user, pk=pk)
    return _download(notice_pdf(change), "application/pdf", f"响应通知-{change.notice_no}.pdf")


@login_required
def notice_docx_view(request: HttpRequest, pk: int) -> HttpResponse:
    change = LevelChangePolicy().get(request.user, pk=pk)
    return _download(
        notice_docx(change),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"响应通知-{change.notice_no}.docx",
    )


@login_required
def verification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = VerificationPolicy().get(request.user, pk=pk)
    may_answer = rsvc.may_answer(request.user, req)
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied("只有被要求核实的单位可以反馈")
        if form.is_valid():
            try:
                rsvc.verification_answer(
                    request=req,
                    channel=form.cleaned_data["channel"],
                    answer=form.cleaned_data["answer"],
                    answered_at=form.cleaned_data["answered_at"],
                    actor=request.user,
                )
            except RuleViolation as exc:
                apply_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "反馈已记录")
                return redirect(req.get_absolute_url())
    deadlines = [
        d
        for d in event_deadlines(req.event, request.user)
        if d.subject_id == req.pk and d.kind.startswith("disaster.verify")
    ]
    return render(
        request,
        "disaster/verification.html",
        {"req": req, "form": form, "may_answer": may_answer, "deadlines": deadlines},
        status=400 if form.errors else 200,
    )
