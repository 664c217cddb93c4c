"""Reading the catalogue: which rule set is in force for a clause on a date, the documents'
validity windows, and evaluating a clause with the version in force (the one code path used by
the evaluate API, the self-check page, applications and the automatic match)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Max, Min
from django.utils import timezone

from portal.models import OrgUnit, RuleSet
from portal.rulesets import RuleSetMissing, ruleset_in_force
from subsidies.models import PolicyDocument
from subsidies.rules import (
    ALL_CLAUSES,
    Ctx,
    Evaluation,
    NoCalculator,
    Window,
    check_api_clause,
    document_of,
    evaluate,
    out_of_force,
)
from subsidies.rules.catalogue import DOCUMENT_KEYS


def document_window(key: str) -> Window | None:
    """The document's validity: the union of its versions' windows (earliest start, latest end,
    open-ended if any version is)."""
    agg = RuleSet.objects.filter(key=key).aggregate(start=Min("valid_from"), end=Max("valid_to"))
    if agg["start"] is None:
        return None
    open_ended = RuleSet.objects.filter(key=key, valid_to__isnull=True).exists()
    return Window(agg["start"], None if open_ended else agg["end"])


def latest_version(key: str) -> RuleSet | None:
    return RuleSet.objects.filter(key=key).order_by("-version").first()


def in_force(key: str, on: date) -> RuleSet | None:
    try:
        return ruleset_in_force(key, on=on)
    except RuleSetMissing:
        return None


def unit_names(codes: list[str]) -> str:
    names = dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "name"))
    return "、".join(names.get(c, c) for c in codes)


@dataclass
class ClauseEvaluation:
    evaluation: Evaluation
    rule_set: RuleSet | None
    window: Window | None


def evaluate_clause(
    *, clause: str, facts: Any, on: date | None = None, api: bool = False
) -> ClauseEvaluation:
    """Evaluate `clause` on `facts` with the rule set in force on `on` (default today).

    Raises NoCalculator for an unknown clause (and, with `api=True`, for case-by-case clauses,
    which the public evaluate endpoint does not compute) and FactsError for bad facts — also
    when the date is outside the policy's validity, so that bad input is always a 400."""
    day = on or timezone.localdate()
    code = document_of(clause)
    if code is None:
        check_api_clause(clause)  # raises with the list of known clauses
        raise NoCalculator(clause, f"未知条款 {clause}")
    key = DOCUMENT_KEYS[code]
    window = document_window(key)
    rule_set = in_force(key, day)
    reference = rule_set or latest_version(key)
    if reference is None:
        return ClauseEvaluation(out_of_force(clause, day, None), None, None)
    clauses = reference.params["clauses"]
    if api:
        check_api_clause(clause, clauses)
    lead_codes = clauses.get(clause, {}).get("lead_units", [])
    ctx = Ctx(
        day, window or Window(reference.valid_from, reference.valid_to), unit_names(lead_codes) or "主管部门"
    )
    ev = evaluate(clause, facts, reference.params, ctx)  # validates the facts in every case
    if rule_set is None:
        data = clauses.get(clause, {})
        cap = ev.cap
        return ClauseEvaluation(out_of_force(clause, day, window, data.get("title", ""), cap), None, window)
    return ClauseEvaluation(ev, rule_set, window)


@dataclass
class ClauseRow:
    id: str
    document: str
    data: dict[str, Any]
    lead_names: str


@dataclass
class DocumentRow:
    document: PolicyDocument
    rule_set: RuleSet | None
    window: Window | None
    clauses: list[ClauseRow]
    in_force: bool
    days_left: int | None


def catalogue(on: date | None = None) -> list[DocumentRow]:
    """The documents with the clauses of the version in force on `on` (or the latest version
    when none is in force, flagged `in_force=False`)."""
    day = on or timezone.localdate()
    rows = []
    units = dict(OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).values_list("code", "name"))
    for doc in PolicyDocument.objects.select_related("lead_unit").order_by("code"):
        current = in_force(doc.rule_key, day)
        shown = current or latest_version(doc.rule_key)
        window = document_window(doc.rule_key)
        clauses = []
        if shown is not None:
            for cid in ALL_CLAUSES:
                data = shown.params["clauses"].get(cid)
                if data is not None:
                    lead = "、".join(units.get(c, c) for c in data.get("lead_units", []))
                    clauses.append(ClauseRow(cid, doc.code, data, lead))
        days_left = (window.valid_to - day).days if window and window.valid_to else None
        rows.append(DocumentRow(doc, shown, window, clauses, current is not None, days_left))
    return rows


def clause_params(rule_set: RuleSet, clause: str) -> dict[str, Any]:
    return rule_set.params["clauses"][clause]


def documents_expiring(on: date, within_days: int) -> list[tuple[PolicyDocument, Window, int]]:
    out = []
    for doc in PolicyDocument.objects.order_by("code"):
        window = document_window(doc.rule_key)
        if window and window.valid_to:
            left = (window.valid_to - on).days
            if 0 <= left <= within_days:
                out.append((doc, window, left))
    return out


def workflow_params(on: date | None = None) -> dict[str, Any]:
    from subsidies.rules.catalogue import KEY_WORKFLOW

    return ruleset_in_force(KEY_WORKFLOW, on=on).params


def lpr_history(on: date | None = None) -> list[dict[str, str]]:
    from subsidies.rules.catalogue import KEY_LPR

    rs = in_force(KEY_LPR, on or timezone.localdate())
    return list(rs.params["history"]) if rs else []
