"""The life cycle of an award (spec §D), one service per transition.

    applied ─▶ materials_checked ─▶ dept_reviewed ─▶ fiscal_reviewed ─▶ approved ─▶ paid ─▶ audited
       ▲  └──────────┴─▶ returned ─┘ (resubmit)                          (amount fixed)
    proposed ─▶ pushed ─▶ confirmed (amount fixed) ─▶ paid ─▶ archived     (免申即享)
    any open state ─▶ rejected

Every transition locks the application row, checks the source state (InvalidTransition → 409),
stamps who/when, appends an insert-only Decision and an audit entry, meets the deadline of the
step it leaves and opens the deadline of the step it enters. Fixing an amount (approve/confirm)
also locks the cap ledgers in key order and the year's budget, and refuses anything over a cap,
"best-of" top-up or budget (RuleViolation → 400).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from portal.access import CITY_STAFF
from portal.audit import audit_record
from portal.deadlines import deadline_cancel, deadline_create, deadline_meet, open_deadlines
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, Notification, OrgUnit, RuleSet, User
from portal.notifications import notify, unit_recipients
from portal.uploads import DOCUMENTS, validate_upload
from portal.workcal import calendar
from subsidies.models import (
    Application,
    Attachment,
    Budget,
    CapLedger,
    CapLedgerEntry,
    Decision,
    Enterprise,
    EnterpriseMember,
    Exhibition,
    MatchBatch,
    PolicyDocument,
    Project,
    Recognition,
)
from subsidies.rules import D, FactsError, NoCalculator, Subject, fmt_money, grant, ledger_specs, money
from subsidies.rules.matching import facts_digest
from subsidies.services.catalogue import evaluate_clause, workflow_params

S = Application.Status
SRC = Application.Source
OPEN_STATES = {
    S.PROPOSED,
    S.PUSHED,
    S.APPLIED,
    S.RETURNED,
    S.MATERIALS_CHECKED,
    S.DEPT_REVIEWED,
    S.FISCAL_REVIEWED,
    S.APPROVED,
    S.CONFIRMED,
}
FISCAL_UNIT = "czj"


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str
    label: str
    only_source: str | None = None


STEPS: dict[str, Step] = {
    "push": Step(frozenset({S.PROPOSED}), S.PUSHED, "推送企业"),
    "confirm": Step(frozenset({S.PROPOSED, S.PUSHED}), S.CONFIRMED, "确认兑现"),
    "check_materials": Step(frozenset({S.APPLIED}), S.MATERIALS_CHECKED, "材料审核"),
    "return": Step(frozenset({S.APPLIED, S.MATERIALS_CHECKED}), S.RETURNED, "退回补正材料"),
    "resubmit": Step(frozenset({S.RETURNED}), S.APPLIED, "补正后重新提交"),
    "dept_review": Step(frozenset({S.MATERIALS_CHECKED}), S.DEPT_REVIEWED, "主管部门审核"),
    "fiscal_review": Step(frozenset({S.DEPT_REVIEWED}), S.FISCAL_REVIEWED, "财政审核"),
    "approve": Step(frozenset({S.FISCAL_REVIEWED}), S.APPROVED, "批准"),
    "reject": Step(
        frozenset(
            {
                S.PROPOSED,
                S.PUSHED,
                S.APPLIED,
                S.RETURNED,
                S.MATERIALS_CHECKED,
                S.DEPT_REVIEWED,
                S.FISCAL_REVIEWED,
            }
        ),
        S.REJECTED,
        "不予支持",
    ),
    "supersede": Step(frozenset({S.PROPOSED, S.PUSHED}), S.REJECTED, "被更新的匹配结果取代"),
    "pay": Step(frozenset({S.APPROVED, S.CONFIRMED}), S.PAID, "拨付"),
    "audit": Step(frozenset({S.PAID}), S.AUDITED, "审计", only_source=SRC.APPLIED),
    "archive": Step(frozenset({S.PAID}), S.ARCHIVED, "归档", only_source=SRC.AUTO),
}

# The deadline opened when an application enters a state: (kind, params key, responsible unit).
DEADLINE_ON_ENTER: dict[str, tuple[str, str, str]] = {
    S.APPLIED: ("subsidies.materials_check", "materials_check_days", "lead"),
    S.RETURNED: ("subsidies.resubmit", "resubmit_days", "lead"),
    S.MATERIALS_CHECKED: ("subsidies.dept_review", "dept_review_days", "lead"),
    S.DEPT_REVIEWED: ("subsidies.fiscal_review", "fiscal_review_days", "fiscal"),
    S.FISCAL_REVIEWED: ("subsidies.approval", "approval_days", "lead"),
    S.APPROVED: ("subsidies.payment", "payment_days", "fiscal"),
    S.CONFIRMED: ("subsidies.payment", "payment_days", "fiscal"),
}
DEADLINE_TITLES = {
    "subsidies.materials_check": "审核申报材料",
    "subsidies.resubmit": "企业补正材料",
    "subsidies.dept_review": "主管部门审核",
    "subsidies.fiscal_review": "财政审核",
    "subsidies.approval": "批准（确定金额）",
    "subsidies.payment": "拨付奖补资金",
    "subsidies.proposal_confirm": "确认免申即享匹配结果",
}

# Clauses whose subject is a project / a recognition / an exhibition / an enterprise-year.
PROJECT_CLAUSES = {"E1a", "E1b", "E1c", "E2", "E4a", "E4b", "T1", "T5"}
RECOGNITION_CLAUSES = {"E3c", "E3d", "E5a", "E5b", "E5c", "E5d", "E5e", "E5f", "T10"}
YEAR_CLAUSES = {"E3a", "E3b", "T12", "E4b"}


def _url(app: Application) -> str:
    return f"/subsidies/applications/{app.pk}/"


def _fiscal_unit() -> OrgUnit:
    return OrgUnit.objects.get(code=FISCAL_UNIT)


def _enterprise_users(enterprise_id: int) -> list[User]:
    ids = (
        EnterpriseMember.objects.active()
        .filter(enterprise_id=enterprise_id)
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=list(ids), is_active=True))


def deadline_enterprise_recipients(deadline: Any) -> list[User]:
    """Extra recipients of a resubmission deadline's reminders: the applicant's own accounts."""
    app = Application.objects.filter(pk=deadline.subject_id).only("enterprise_id").first()
    return _enterprise_users(app.enterprise_id) if app else []


def _notify_enterprise(
    app: Application, title: str, body: str, key: str, level: str = Notification.Level.INFO
) -> None:
    notify(
        _enterprise_users(app.enterprise_id),
        title=title,
        body=body,
        url=_url(app),
        subject=app,
        level=level,
        dedupe_key=f"subsidies:app{app.pk}:{key}",
    )


def _notify_unit(unit: OrgUnit, app: Application, title: str, key: str) -> None:
    notify(
        unit_recipients(unit, roles=[CITY_STAFF]),
        title=title,
        url=_url(app),
        subject=app,
        dedupe_key=f"subsidies:app{app.pk}:{key}",
    )


def _open_deadline(app: Application, status: str, now: Any) -> None:
    spec = DEADLINE_ON_ENTER.get(status)
    if spec is None:
        return
    kind, days_key, who = spec
    params = workflow_params(timezone.localdate(now))
    unit = app.lead_unit if who == "lead" else _fiscal_unit()
    due = calendar().due_after_working_days(now, int(params[days_key]))
    # The engine is idempotent on (subject, kind, due time). A step re-entered the same day (a
    # return and resubmission before lunch) would find the earlier, already met, row and open
    # nothing; move the new due time a second earlier so the new obligation gets its own row.
    taken = set(
        Deadline.objects.filter(
            subject_type=ContentType.objects.get_for_model(app), subject_id=app.pk, kind=kind
        ).values_list("due_at", flat=True)
    )
    while due in taken:
        due -= timedelta(seconds=1)
    deadline_create(
        subject=app,
        kind=kind,
        title=f"{DEADLINE_TITLES[kind]}：{app.clause} {app.enterprise.name}",
        responsible_unit=unit,
        due_at=due,
        starts_at=now,
        basis="驻政〔2024〕10号 限时办结（默认时限，可配置）",
        url=_url(app),
    )


def _lock(application: Application, action: str) -> Application:
    step = STEPS[action]
    app = (
        Application.objects.select_for_update()
        .select_related("enterprise", "lead_unit", "rule_set")
        .get(pk=application.pk)
    )
    if app.status not in step.sources or (step.only_source and app.source != step.only_source):
        raise InvalidTransition(f"当前状态为“{app.get_status_display()}”，不能执行“{step.label}”")
    return app


def _finish(
    app: Application,
    action: str,
    actor: Any,
    *,
    note: str = "",
    amount: Decimal | None = None,
    data: dict[str, Any] | None = None,
    acting_unit: OrgUnit | None = None,
) -> Decision:
    """Write the new status, the decision, the audit entry and the deadlines."""
    step = STEPS[action]
    now = timezone.now()
    before = app.status
    app.status = step.target
    app.status_changed_at = now
    app.status_changed_by = actor if getattr(actor, "is_authenticated", False) else None
    app.save()
    decision = Decision.objects.create(
        application=app,
        action=action,
        from_status=before,
        to_status=step.target,
        actor=app.status_changed_by,
        actor_label=(actor.get_username() if app.status_changed_by else str(actor or "system"))[:150],
        acting_unit=acting_unit,
        at=now,
        note=note,
        amount=amount,
        data=data or {},
        rule_set=app.rule_set,
    )
    audit_record(
        actor=actor,
        action=f"subsidies.application.{action}",
        obj=app,
        before={"status": before},
        after={"status": step.target, "amount": amount, "note": note},
        extra={"decision": decision.pk, "clause": app.clause},
    )
    left = DEADLINE_ON_ENTER.get(before)
    if left is not None:
        deadline_meet(subject=app, kind=left[0], at=now, actor=actor)
    if step.target == S.REJECTED:
        deadline_cancel(subject=app, reason=f"不予支持：{note}"[:200], actor=actor)
    _open_deadline(app, step.target, now)
    if before in (S.PROPOSED, S.PUSHED) and app.match_batch_id:
        _close_batch_if_done(app.match_batch_id, actor, now)
    return decision


def _close_batch_if_done(batch_id: int, actor: Any, now: Any) -> None:
    pending = Application.objects.filter(match_batch_id=batch_id, status__in=[S.PROPOSED, S.PUSHED]).exists()
    if not pending:
        batch = MatchBatch.objects.get(pk=batch_id)
        deadline_meet(subject=batch, kind="subsidies.proposal_confirm", at=now, actor=actor, which="all")


# --- subjects -------------------------------------------------------------------------------


def subject_base(
    clause: str,
    enterprise: Enterprise,
    *,
    project: Project | None = None,
    recognition: Recognition | None = None,
    exhibition: Exhibition | None = None,
    year: int | None = None,
    loan_id: int | None = None,
) -> str:
    if clause == "E4b":
        return f"E4b:project:{project.pk if project else 0}:loan:{loan_id or 0}:year:{year}"
    if clause in PROJECT_CLAUSES and project is not None:
        return f"{clause}:project:{project.pk}"
    if clause in RECOGNITION_CLAUSES and recognition is not None:
        return f"{clause}:recognition:{recognition.pk}"
    if clause == "E6" and exhibition is not None:
        return f"E6:exhibition:{exhibition.pk}"
    if clause == "T12":
        return f"T12:agency:{enterprise.pk}:year:{year}"
    if clause in ("E3a", "E3b"):
        return f"{clause}:enterprise:{enterprise.pk}:year:{year}"
    if clause == "E7":
        return f"E7:enterprise:{enterprise.pk}:park"
    return f"{clause}:enterprise:{enterprise.pk}"


def _check_links(
    clause: str,
    enterprise: Enterprise,
    project: Project | None,
    recognition: Recognition | None,
    exhibition: Exhibition | None,
    year: int | None,
) -> None:
    errors: dict[str, list[str]] = {}
    if clause in PROJECT_CLAUSES:
        if project is None:
            errors["project"] = ["该条款按项目兑现，请选择项目"]
        elif clause == "E2":
            if project.intermediary_id != enterprise.pk:
                errors["project"] = ["E2 由登记为该项目引资中介的机构申请"]
        elif project.enterprise_id != enterprise.pk:
            errors["project"] = ["请选择本企业的项目"]
    if clause in RECOGNITION_CLAUSES:
        if recognition is None:
            errors["recognition"] = ["该条款按认定（荣誉）兑现，请选择认定记录"]
        elif recognition.enterprise_id != enterprise.pk:
            errors["recognition"] = ["请选择本企业的认定记录"]
    if clause == "E6":
        if exhibition is None:
            errors["exhibition"] = ["请选择参展记录"]
        elif exhibition.enterprise_id != enterprise.pk:
            errors["exhibition"] = ["请选择本企业的参展记录"]
    if clause in YEAR_CLAUSES and not year:
        errors["period_year"] = ["请填写所属年度"]
    if clause == "T12" and enterprise.kind != Enterprise.Kind.TRAVEL_AGENCY:
        errors["clause"] = ["T12 由市外组团旅行社申请"]
    if errors:
        raise RuleViolation(errors=errors)


def _evaluate(clause: str, facts: Any, on: date) -> tuple[Any, RuleSet]:
    try:
        result = evaluate_clause(clause=clause, facts=facts, on=on)
    except FactsError as exc:
        raise RuleViolation(errors=exc.errors) from None
    except NoCalculator as exc:
        raise RuleViolation(errors={"clause": [exc.message]}) from None
    ev = result.evaluation
    if result.rule_set is None:
        raise RuleViolation(
            errors={"clause": [ev.explanation[-2] if len(ev.explanation) > 1 else "政策不在有效期内"]}
        )
    if not ev.eligible:
        raise RuleViolation(errors={"facts": ["根据所填数据不符合条件：" + "；".join(ev.explanation[1:])]})
    return ev, result.rule_set


def _materials(raw: Iterable[Any] | None) -> list[dict[str, Any]]:
    out = []
    for item in raw or []:
        if isinstance(item, str):
            out.append({"name": item, "provided": True, "reference": ""})
        elif isinstance(item, dict) and item.get("name"):
            out.append(
                {
                    "name": str(item["name"])[:200],
                    "provided": bool(item.get("provided", True)),
                    "reference": str(item.get("reference", ""))[:200],
                }
            )
    return out


def _with_required(given: list[dict[str, Any]], required: list[str]) -> list[dict[str, Any]]:
    """Every material the clause requires, in the catalogue's order (not provided unless the
    applicant said so), followed by any extra documents the applicant listed."""
    by_name = {m["name"]: m for m in given}
    out = [by_name.pop(name, {"name": name, "provided": False, "reference": ""}) for name in required]
    return out + list(by_name.values())


def _apply_evaluation(app: Application, ev: Any, rule_set: RuleSet, on: date) -> None:
    app.rule_set = rule_set
    app.evaluated_on = on
    app.referral = ev.referral
    app.calculated_amount = None if ev.referral else money(ev.amount)
    app.full_amount = (
        None if ev.referral else money(ev.full_amount if ev.full_amount is not None else ev.amount)
    )
    app.cap = ev.cap
    app.band_min = ev.band_min
    app.band_max = ev.band_max
    app.explanation = list(ev.explanation)


# --- materials ------------------------------------------------------------------------------

ATTACHABLE = {S.APPLIED, S.RETURNED}


def _attach(app: Application, actor: Any, material: str, upload: Any) -> Attachment:
    """Store one file for `material` and mark it provided (called with the row locked)."""
    names = [m["name"] for m in app.materials]
    material = (material or "").strip()
    if not material:
        raise RuleViolation(errors={"material": ["请选择文件对应的申报材料"]})
    validate_upload(upload, kinds=DOCUMENTS, field="file")
    att = Attachment.objects.create(
        application=app,
        material=material[:200],
        file=upload,
        original_name=str(getattr(upload, "name", "附件"))[:200],
        size=int(getattr(upload, "size", 0) or 0),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if material in names:
        for m in app.materials:
            if m["name"] == material:
                m["provided"] = True
    else:
        app.materials.append({"name": material, "provided": True, "reference": ""})
    audit_record(
        actor=actor,
        action="subsidies.application.attach",
        obj=app,
        extra={"attachment": att.pk, "material": material, "file": att.original_name, "size": att.size},
    )
    return att


@transaction.atomic
def attachment_add(*, application: Application, actor: Any, material: str, upload: Any) -> Attachment:
    """Add a supporting document while the application is with the applicant or awaiting the
    materials check (applied / returned)."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    if app.status not in ATTACHABLE:
        raise InvalidTransition(f"当前状态为“{app.get_status_display()}”，不能再上传材料")
    att = _attach(app, actor, material, upload)
    app.save(update_fields=["materials"])
    return att


# --- applying -------------------------------------------------------------------------------


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    enterprise: Enterprise,
    clause: str,
    facts: dict[str, Any],
    project: Project | None = None,
    recognition: Recognition | None = None,
    exhibition: Exhibition | None = None,
    period_year: int | None = None,
    loan_id: int | None = None,
    materials: Iterable[Any] | None = None,
    note: str = "",
    on: date | None = None,
    files: Iterable[tuple[str, Any]] = (),
) -> Application:
    """An enterprise (or staff on its behalf) applies under `clause` with `facts` (prefilled from
    the registry by `registry_facts`). Refused when the policy is not in force on the day, the
    facts do not meet the conditions, or the same matter already has an open application."""
    day = on or timezone.localdate()
    _check_links(clause, enterprise, project, recognition, exhibition, period_year)
    ev, rule_set = _evaluate(clause, facts, day)
    base = subject_base(
        clause,
        enterprise,
        project=project,
        recognition=recognition,
        exhibition=exhibition,
        year=period_year,
        loan_id=loan_id,
    )
    open_one = Application.objects.filter(subject_base=base, status__in=OPEN_STATES).first()
    if open_one is not None:
        raise RuleViolation(
            errors={
                "clause": [
                    f"该事项已有进行中的申请或推送（#{open_one.pk}，{open_one.get_status_display()}），不能重复申请"
                ]
            }
        )
    doc = PolicyDocument.objects.get(code="A" if clause.startswith("E") else "B")
    lead_code = rule_set.params["clauses"][clause]["lead_units"][0]
    now = timezone.now()
    app = Application(
        source=SRC.APPLIED,
        status=S.APPLIED,
        clause=clause,
        document=doc,
        enterprise=enterprise,
        county=enterprise.county,
        lead_unit=OrgUnit.objects.get(code=lead_code),
        project=project,
        recognition=recognition,
        exhibition=exhibition,
        period_year=period_year,
        subject_base=base,
        subject_key=f"{base}:{facts_digest(facts)}",
        facts=facts,
        materials=_with_required(
            _materials(materials), rule_set.params["clauses"][clause].get("materials", [])
        ),
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        submitted_at=now,
        status_changed_at=now,
        status_changed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _apply_evaluation(app, ev, rule_set, day)
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError:
        raise RuleViolation(errors={"clause": ["该事项已有相同数据的申请或推送，不能重复申请"]}) from None
    Decision.objects.create(
        application=app,
        action="submit",
        from_status="",
        to_status=S.APPLIED,
        actor=app.created_by,
        actor_label=(actor.get_username() if app.created_by else "system")[:150],
        at=now,
        note=note,
        amount=app.calculated_amount,
        data={"facts": facts, "materials": app.materials},
        rule_set=rule_set,
    )
    audit_record(
        actor=actor, action="subsidies.application.submit", obj=app, after={"clause": clause, "facts": facts}
    )
    uploads = list(files)
    for material, upload in uploads:
        _attach(app, actor, material, upload)
    if uploads:
        app.save(update_fields=["materials"])
    _open_deadline(app, S.APPLIED, now)
    _notify_unit(app.lead_unit, app, f"新的奖补申请：{clause} {enterprise.name}", "submit")
    return app


@transaction.atomic
def application_check_materials(*, application: Application, actor: Any, note: str = "") -> Application:
    app = _lock(application, "check_materials")
    missing = [m["name"] for m in app.materials if not m.get("provided")]
    if missing:
        raise RuleViolation(errors={"materials": [f"材料未齐：{'、'.join(missing)}，请退回补正"]})
    _finish(app, "check_materials", actor, note=note)
    return app


@transaction.atomic
def application_return(
    *, application: Application, actor: Any, missing: list[str], note: str = ""
) -> Application:
    """Return for more materials (退回补正): the enterprise resubmits within the time limit."""
    missing = [m.strip() for m in missing if m and m.strip()]
    if not missing and not note.strip():
        raise RuleViolation(errors={"missing": ["请列出需要补正的材料或说明退回原因"]})
    app = _lock(application, "return")
    _finish(app, "return", actor, note=note, data={"missing": missing})
    _notify_enterprise(
        app,
        f"奖补申请需补正材料：{app.clause}",
        "需补正：" + "、".join(missing) + (f"。{note}" if note else ""),
        f"return{app.status_changed_at.timestamp():.0f}",
        Notification.Level.WARNING,
    )
    return app


@transaction.atomic
def application_resubmit(
    *,
    application: Application,
    actor: Any,
    facts: dict[str, Any] | None = None,
    materials: Iterable[Any] | None = None,
    note: str = "",
    files: Iterable[tuple[str, Any]] = (),
) -> Application:
    """Resubmit after a return: new facts/materials are a new version (the earlier ones stay in
    the decisions); the evaluation reruns under the application's original rule set date."""
    app = _lock(application, "resubmit")
    new_facts = app.facts if facts is None else facts
    if facts is not None:
        ev, rule_set = _evaluate(app.clause, new_facts, app.evaluated_on)
        _apply_evaluation(app, ev, rule_set, app.evaluated_on)
        app.facts = new_facts
        app.subject_key = f"{app.subject_base}:{facts_digest(new_facts)}"
    if materials is not None:
        app.materials = _materials(materials)
    for material, upload in files:
        _attach(app, actor, material, upload)
    try:
        with transaction.atomic():
            _finish(app, "resubmit", actor, note=note, data={"facts": new_facts, "materials": app.materials})
    except IntegrityError:
        raise RuleViolation(errors={"facts": ["已有相同数据的申请或推送"]}) from None
    _notify_unit(
        app.lead_unit,
        app,
        f"企业已补正材料：{app.clause} {app.enterprise.name}",
        f"resubmit{app.status_changed_at.timestamp():.0f}",
    )
    return app


@transaction.atomic
def application_dept_review(
    *, application: Application, actor: Any, note: str = "", recommended_amount: Any = None
) -> Application:
    app = _lock(application, "dept_review")
    amount = None
    if app.referral:
        amount = _referral_amount(app, recommended_amount, field="recommended_amount")
    _finish(app, "dept_review", actor, note=note, amount=amount, acting_unit=app.lead_unit)
    _notify_unit(_fiscal_unit(), app, f"待财政审核：{app.clause} {app.enterprise.name}", "dept_review")
    return app


@transaction.atomic
def application_fiscal_review(*, application: Application, actor: Any, note: str = "") -> Application:
    app = _lock(application, "fiscal_review")
    _finish(app, "fiscal_review", actor, note=note, acting_unit=_fiscal_unit())
    _notify_unit(
        app.lead_unit, app, f"财政审核已通过，待批准：{app.clause} {app.enterprise.name}", "fiscal_review"
    )
    return app


def _referral_amount(app: Application, value: Any, field: str = "amount") -> Decimal:
    if value is None or value == "":
        raise RuleViolation(errors={field: ["一事一议条款请填写决定金额"]})
    try:
        amount = money(D(value))
    except (InvalidOperation, ValueError):
        raise RuleViolation(errors={field: ["金额应为数字，如 300000.00"]}) from None
    if amount <= 0:
        raise RuleViolation(errors={field: ["金额应大于 0"]})
    if app.band_max is not None and amount > app.band_max:
        raise RuleViolation(errors={field: [f"金额不能超过上限 {fmt_money(app.band_max)} 元"]})
    if app.band_min is not None and amount < app.band_min:
        raise RuleViolation(errors={field: [f"金额不能低于 {fmt_money(app.band_min)} 元（政策规定区间）"]})
    return amount


def _recommended(app: Application) -> Decimal | None:
    last = app.decisions.filter(action="dept_review").order_by("-id").first()
    return last.amount if last else None


def _fix_amount(app: Application, requested: Any) -> tuple[Decimal, list[str], Budget | None]:
    """Commit the award on its ledgers and budget (rows locked in a fixed order: ledgers by
    key, then the budget) and return (amount, explanation lines, budget)."""
    rs = app.rule_set
    clause_data = rs.params["clauses"][app.clause]
    lines: list[str] = []
    if app.referral:
        if requested in (None, ""):
            requested = _recommended(app)
        full = _referral_amount(app, requested)
        band = f"（上限 {fmt_money(app.band_max)}）" if app.band_max is not None else ""
        lines.append(f"一事一议：决定金额 {fmt_money(full)} 元{band}")
    else:
        if requested not in (None, ""):
            try:
                same = money(D(requested)) == app.calculated_amount
            except (InvalidOperation, ValueError):
                same = False
            if not same:
                raise RuleViolation(errors={"amount": ["该条款金额由政策公式计算，不能手工修改"]})
        full = app.full_amount if app.full_amount is not None else (app.calculated_amount or Decimal("0"))
    subject = Subject(app.clause, app.subject_base, app.enterprise_id, app.project_id, app.period_year)
    specs = ledger_specs(subject, clause_data, rs.params.get("exclusivity_groups", []))
    CapLedger.objects.bulk_create(
        [CapLedger(key=s.key, kind=s.kind, label=s.label[:200], cap=s.cap) for s in specs],
        ignore_conflicts=True,
    )
    rows = {
        r.key: r
        for r in CapLedger.objects.select_for_update().filter(key__in=[s.key for s in specs]).order_by("key")
    }
    for spec in specs:
        row = rows[spec.key]
        if spec.cap is not None and row.cap != spec.cap:
            CapLedger.objects.filter(pk=row.pk).update(cap=spec.cap)
            row.cap = spec.cap
    g = grant(full, [(s, rows[s.key].committed) for s in specs])
    lines += list(g.explanation)
    if g.amount <= 0:
        reason = "；".join(g.explanation) or "已无可批准金额"
        raise RuleViolation(errors={"amount": [f"不能批准：{reason}"]})
    amount = g.amount
    budget = (
        Budget.objects.select_for_update()
        .filter(document=app.document, year=timezone.localdate().year)
        .first()
    )
    if budget is not None:
        if budget.committed + amount > budget.amount:
            left = budget.amount - budget.committed
            raise RuleViolation(
                errors={
                    "amount": [
                        f"{budget.year} 年度预算剩余 {fmt_money(left)} 元，不足以批准 {fmt_money(amount)} 元"
                    ]
                }
            )
        Budget.objects.filter(pk=budget.pk).update(committed=F("committed") + amount)
        lines.append(
            f"计入 {budget.year} 年度预算（剩余 {fmt_money(budget.amount - budget.committed - amount)} 元）"
        )
    for spec in specs:
        row = rows[spec.key]
        CapLedger.objects.filter(pk=row.pk).update(committed=F("committed") + amount)
        CapLedgerEntry.objects.create(ledger=row, application=app, amount=amount)
    lines.append(f"批准金额：{fmt_money(amount)} 元")
    return amount, lines, budget


def _approve(app: Application, action: str, actor: Any, amount: Any, note: str) -> Application:
    value, lines, budget = _fix_amount(app, amount)
    app.approved_amount = value
    app.approval_explanation = [*app.explanation, *lines]
    app.approved_at = timezone.now()
    app.budget = budget
    _finish(
        app,
        action,
        actor,
        note=note,
        amount=value,
        data={"explanation": app.approval_explanation},
        acting_unit=app.lead_unit,
    )
    _notify_enterprise(
        app,
        f"奖补已{'确认' if action == 'confirm' else '批准'}：{app.clause} {fmt_money(value)} 元",
        "；".join(lines),
        action,
    )
    return app


@transaction.atomic
def application_approve(
    *, application: Application, actor: Any, amount: Any = None, note: str = ""
) -> Application:
    app = _lock(application, "approve")
    return _approve(app, "approve", actor, amount, note)


@transaction.atomic
def proposal_push(*, application: Application, actor: Any, note: str = "") -> Application:
    """Push a matched proposal to the enterprise (免申即享: no application needed)."""
    app = _lock(application, "push")
    app.pushed_at = timezone.now()
    _finish(app, "push", actor, note=note)
    amount = f"{fmt_money(app.calculated_amount)} 元" if app.calculated_amount is not None else "（一事一议）"
    _notify_enterprise(
        app, f"免申即享：您的企业可享受 {app.clause} 奖补 {amount}", "无需申请，主管部门确认后兑现。", "push"
    )
    return app


@transaction.atomic
def proposal_confirm(
    *, application: Application, actor: Any, amount: Any = None, note: str = ""
) -> Application:
    """Staff confirm a proposal: the amount is fixed against the ledgers and budget."""
    app = _lock(application, "confirm")
    if app.pushed_at is None:
        app.pushed_at = timezone.now()
    return _approve(app, "confirm", actor, amount, note)


@transaction.atomic
def application_reject(*, application: Application, actor: Any, reason: str) -> Application:
    if not reason or not reason.strip():
        raise RuleViolation(errors={"reason": ["请填写不予支持的理由"]})
    app = _lock(application, "reject")
    _finish(app, "reject", actor, note=reason.strip())
    if app.source == SRC.APPLIED or app.pushed_at is not None:
        _notify_enterprise(
            app, f"奖补申请不予支持：{app.clause}", reason.strip(), "reject", Notification.Level.WARNING
        )
    return app


def proposal_supersede(*, application: Application, actor: Any, by_key: str) -> Application:
    app = _lock(application, "supersede")
    _finish(app, "supersede", actor, note=f"企业数据已更新，由新的匹配结果取代（{by_key}）")
    return app


@transaction.atomic
def award_pay(*, application: Application, actor: Any, payment_ref: str, note: str = "") -> Application:
    if not payment_ref or not payment_ref.strip():
        raise RuleViolation(errors={"payment_ref": ["请填写拨付凭证号"]})
    app = _lock(application, "pay")
    amount = app.approved_amount or Decimal("0")
    if app.budget_id:
        Budget.objects.select_for_update().filter(pk=app.budget_id).update(paid=F("paid") + amount)
    app.paid_amount = amount
    app.paid_at = timezone.now()
    app.payment_ref = payment_ref.strip()[:60]
    _finish(
        app,
        "pay",
        actor,
        note=note,
        amount=amount,
        data={"payment_ref": app.payment_ref},
        acting_unit=_fiscal_unit(),
    )
    _notify_enterprise(
        app, f"奖补资金已拨付：{app.clause} {fmt_money(amount)} 元", f"凭证号 {app.payment_ref}", "pay"
    )
    return app


@transaction.atomic
def award_audit(*, application: Application, actor: Any, note: str = "") -> Application:
    app = _lock(application, "audit")
    _finish(app, "audit", actor, note=note)
    return app


@transaction.atomic
def award_archive(*, application: Application, actor: Any, note: str = "") -> Application:
    app = _lock(application, "archive")
    _finish(app, "archive", actor, note=note)
    return app


ACTIONS = {
    "push": proposal_push,
    "confirm": proposal_confirm,
    "check_materials": application_check_materials,
    "return": application_return,
    "resubmit": application_resubmit,
    "dept_review": application_dept_review,
    "fiscal_review": application_fiscal_review,
    "approve": application_approve,
    "reject": application_reject,
    "pay": award_pay,
    "audit": award_audit,
    "archive": award_archive,
}


def open_steps(app: Application) -> list[Any]:
    return list(open_deadlines(app))
