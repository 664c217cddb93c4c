"""Knowledge base writes (第十六–十九条): entries with versions, review stamps, the inverted
search index, and knowledge questions from the centre to units with a deadline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline import ruledata
from hotline.models import Category, KnowledgeEntry, KnowledgeQuestion, KnowledgeTerm, Order
from hotline.search import term_weights
from hotline.services.common import DL_KNOWLEDGE, centre
from portal.access import UNIT_CLERK
from portal.audit import audit_record, snapshot
from portal.deadlines import deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit
from portal.notifications import notify, unit_recipients
from portal.rulesets import RuleSetMissing, ruleset_in_force
from portal.workcal import calendar


def _params(on: date) -> tuple[dict[str, Any], Any]:
    try:
        rs = ruleset_in_force(ruledata.KNOWLEDGE_KEY, on=on)
        return rs.params, rs
    except RuleSetMissing:
        return ruledata.KNOWLEDGE, None


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for dom in (day.day, 30, 29, 28):
        try:
            return date(year, month, dom)
        except ValueError:
            continue
    raise ValueError("invalid date")  # pragma: no cover


def index_entry(entry: KnowledgeEntry) -> int:
    """(Re)build the entry's search terms."""
    KnowledgeTerm.objects.filter(entry=entry).delete()
    if not entry.active:
        return 0
    rows = [
        KnowledgeTerm(entry=entry, term=term, weight=weight)
        for term, weight in term_weights(entry.question, entry.answer).items()
    ]
    KnowledgeTerm.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _validate(question: str, answer: str, owner_unit: OrgUnit | None) -> None:
    errors: dict[str, list[str]] = {}
    if not (question or "").strip():
        errors["question"] = ["请填写问题"]
    if not (answer or "").strip():
        errors["answer"] = ["请填写答复口径"]
    if owner_unit is None:
        errors["owner_unit"] = ["请选择责任单位"]
    if errors:
        raise RuleViolation(errors=errors)


@transaction.atomic
def entry_create(
    *,
    actor: Any,
    question: str,
    answer: str,
    owner_unit: OrgUnit | None,
    category: Category | None = None,
    policy_basis: str = "",
    public: bool = True,
    review_due: date | None = None,
) -> KnowledgeEntry:
    _validate(question, answer, owner_unit)
    assert owner_unit is not None
    today = timezone.localdate()
    params, _ = _params(today)
    entry = KnowledgeEntry.objects.create(
        question=question.strip(),
        answer=answer.strip(),
        category=category,
        owner_unit=owner_unit,
        policy_basis=(policy_basis or "").strip(),
        public=public,
        review_due=review_due or add_months(today, int(params["review_months"])),
        reviewed_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    index_entry(entry)
    audit_record(actor=actor, action="hotline.knowledge.create", obj=entry, after=snapshot(entry))
    return entry


@transaction.atomic
def entry_revise(
    *,
    entry: KnowledgeEntry,
    actor: Any,
    question: str,
    answer: str,
    category: Category | None = None,
    policy_basis: str = "",
    public: bool = True,
) -> KnowledgeEntry:
    """A correction is a new version; the old one stays (inactive) for the record."""
    old = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if not old.active:
        raise InvalidTransition("该条目已有新版本，请修改最新版本")
    _validate(question, answer, old.owner_unit)
    old.active = False
    old.save(update_fields=["active"])
    index_entry(old)
    today = timezone.localdate()
    params, _ = _params(today)
    new = KnowledgeEntry.objects.create(
        question=question.strip(),
        answer=answer.strip(),
        category=category,
        owner_unit=old.owner_unit,
        policy_basis=(policy_basis or "").strip(),
        public=public,
        review_due=add_months(today, int(params["review_months"])),
        reviewed_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        version=old.version + 1,
        previous=old,
    )
    index_entry(new)
    audit_record(
        actor=actor, action="hotline.knowledge.revise", obj=new, before=snapshot(old), after=snapshot(new)
    )
    return new


@transaction.atomic
def entry_mark_reviewed(*, entry: KnowledgeEntry, actor: Any) -> KnowledgeEntry:
    """The owner confirms the entry is still current: the next review date moves on."""
    e = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
    if not e.active:
        raise InvalidTransition("该条目已停用或已有新版本")
    before = snapshot(e, ["reviewed_at", "review_due"])
    today = timezone.localdate()
    params, _ = _params(today)
    e.reviewed_at = timezone.now()
    e.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
    e.review_due = add_months(today, int(params["review_months"]))
    e.save(update_fields=["reviewed_at", "reviewed_by", "review_due"])
    audit_record(
        actor=actor,
        action="hotline.knowledge.review",
        obj=e,
        before=before,
        after=snapshot(e, ["reviewed_at", "review_due"]),
    )
    return e


@transaction.atomic
def question_ask(
    *,
    actor: Any,
    unit: OrgUnit,
    question: str,
    category: Category | None = None,
    entry: KnowledgeEntry | None = None,
    order: Order | None = None,
    at: datetime | None = None,
) -> KnowledgeQuestion:
    """The centre raises a knowledge question to a unit, due in N working days."""
    if not (question or "").strip():
        raise RuleViolation(errors={"question": ["请填写问题"]})
    if not unit.handles_orders:
        raise RuleViolation(errors={"unit": [f"{unit.name} 不是承办单位"]})
    at = at or timezone.now()
    params, rs = _params(timezone.localtime(at).date())
    due = calendar().due_after_working_days(at, int(params["question_working_days"]))
    q = KnowledgeQuestion.objects.create(
        question=question.strip(),
        unit=unit,
        category=category,
        entry=entry,
        order=order,
        asked_by=actor,
        asked_at=at,
        due_at=due,
        rule_set=rs,
    )
    deadline_create(
        subject=q,
        kind=DL_KNOWLEDGE,
        title=f"答复知识库问题：{q.question[:40]}",
        responsible_unit=unit,
        due_at=due,
        starts_at=at,
        escalate_to=centre(),
        rule_set=rs,
        basis="第十八条",
        url=f"/hotline/knowledge/questions/{q.pk}/",
    )
    notify(
        unit_recipients(unit, roles=[UNIT_CLERK]),
        title=f"12345知识库问题待答复（{timezone.localtime(due):%m-%d} 前）",
        body=q.question[:200],
        url=f"/hotline/knowledge/questions/{q.pk}/",
        subject=q,
        dedupe_key=f"hotline:kbq:{q.pk}",
    )
    audit_record(actor=actor, action="hotline.knowledge.ask", obj=q, after=snapshot(q))
    return q


@transaction.atomic
def question_answer(
    *, question: KnowledgeQuestion, actor: Any, answer: str, publish: bool = True, at: datetime | None = None
) -> KnowledgeQuestion:
    """The unit answers; by default the answer becomes (or revises) a knowledge entry."""
    if not (answer or "").strip():
        raise RuleViolation(errors={"answer": ["请填写答复"]})
    at = at or timezone.now()
    q = KnowledgeQuestion.objects.select_for_update().get(pk=question.pk)
    if q.state != KnowledgeQuestion.State.OPEN:
        raise InvalidTransition("该问题已答复")
    q.answer = answer.strip()
    q.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    q.answered_at = at
    q.state = KnowledgeQuestion.State.ANSWERED
    if publish:
        linked = q.entry
        if linked is not None and linked.active:
            q.resulting_entry = entry_revise(
                entry=linked,
                actor=actor,
                question=linked.question,
                answer=q.answer,
                category=linked.category,
                policy_basis=linked.policy_basis,
                public=linked.public,
            )
        else:
            q.resulting_entry = entry_create(
                actor=actor, question=q.question, answer=q.answer, owner_unit=q.unit, category=q.category
            )
    q.save()
    deadline_meet(subject=q, kind=DL_KNOWLEDGE, at=at, actor=actor)
    audit_record(actor=actor, action="hotline.knowledge.answer", obj=q, after=snapshot(q))
    return q
