"""Stacking and caps, pure: "best-of, not cumulative" inside an exclusivity group, and the
grant of an amount against cap ledgers (what was already committed for the same subject, the
same exclusivity group of a project, and the enterprise/project/agency caps).

The same functions decide proposals (免申即享) and approvals, so the amount a reviewer sees on a
proposal is the amount the approval will fix unless the ledgers moved in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from subsidies.rules.money import ZERO, D, fmt_money, money

SCOPE_LABEL = {
    "project": "单个项目",
    "enterprise": "单一企业（政策有效期累计）",
    "enterprise_year": "同一企业全年",
    "agency_year": "单个组团社本年度",
}


@dataclass(frozen=True)
class Candidate:
    clause: str
    amount: Decimal
    label: str = ""


@dataclass(frozen=True)
class BestOf:
    chosen: Candidate | None
    excluded: tuple[Candidate, ...]
    explanation: tuple[str, ...]


def best_of(candidates: Sequence[Candidate], group_title: str = "从优且不重复") -> BestOf:
    """Keep the largest amount; on a tie the earliest candidate (the group's clause order)."""
    live = [c for c in candidates if c.amount > 0]
    if not live:
        return BestOf(None, tuple(candidates), (f"{group_title}：各项金额均为 0，无可享受项目",))
    chosen = live[0]
    for c in live[1:]:
        if c.amount > chosen.amount:
            chosen = c
    excluded = tuple(c for c in candidates if c is not chosen)
    parts = "，".join(f"{c.clause} {fmt_money(c.amount)}" for c in candidates)
    lines = [f"{group_title}：{parts}；取较大者 {chosen.clause} {fmt_money(chosen.amount)}"]
    lines += [f"{c.clause} 不重复享受" for c in excluded]
    return BestOf(chosen, excluded, tuple(lines))


@dataclass(frozen=True)
class Subject:
    """What an award is for: the clause, a stable base key ("E4a:project:12"), the payee and the
    project/agency/year the caps are counted on."""

    clause: str
    base: str
    payee_id: int
    project_id: int | None = None
    year: int | None = None


@dataclass(frozen=True)
class LedgerSpec:
    key: str
    kind: str  # "subject" | "group" | "cap"
    label: str
    cap: Decimal | None = None


def ledger_specs(
    subject: Subject, clause: Mapping[str, Any], groups: Iterable[Mapping[str, Any]]
) -> list[LedgerSpec]:
    """The ledgers an award of `subject` is counted on, in a fixed order (lock order = key)."""
    specs = [LedgerSpec(f"subject:{subject.base}", "subject", f"本事项（{subject.clause}）已批准")]
    for group in groups:
        if subject.clause in group["clauses"] and group.get("scope") == "project" and subject.project_id:
            specs.append(
                LedgerSpec(
                    f"group:{group['code']}:project:{subject.project_id}",
                    "group",
                    f"{group['title']}（{'、'.join(group['clauses'])}）本项目已批准",
                )
            )
    cap, scope = clause.get("cap"), clause.get("cap_scope")
    if cap and scope:
        cid = subject.clause
        key = {
            "project": f"cap:{cid}:project:{subject.project_id}",
            "enterprise": f"cap:{cid}:enterprise:{subject.payee_id}",
            "enterprise_year": f"cap:{cid}:enterprise:{subject.payee_id}:{subject.year}",
            "agency_year": f"cap:{cid}:agency:{subject.payee_id}:{subject.year}",
        }[scope]
        specs.append(LedgerSpec(key, "cap", f"{cid} {SCOPE_LABEL[scope]}上限", D(cap)))
    return sorted(specs, key=lambda s: s.key)


@dataclass(frozen=True)
class Grant:
    amount: Decimal
    explanation: tuple[str, ...]
    limited_by: str | None = None


def grant(full: Decimal, ledgers: Sequence[tuple[LedgerSpec, Decimal]]) -> Grant:
    """The amount that may still be granted for an entitlement of `full`, given what each
    ledger has committed: subject and group ledgers allow `full − committed` (top-up to the
    best, never twice), cap ledgers allow `cap − committed`."""
    amount = money(full)
    lines: list[str] = []
    limited: str | None = None
    for spec, committed in ledgers:
        committed = money(committed)
        if spec.kind in ("subject", "group"):
            if committed <= 0:
                continue
            room = max(ZERO, money(full) - committed)
            lines.append(
                f"{spec.label} {fmt_money(committed)}，应享 {fmt_money(full)}，可补足 {fmt_money(room)}"
            )
        else:
            assert spec.cap is not None
            room = max(ZERO, spec.cap - committed)
            if committed > 0 or room < amount:
                lines.append(
                    f"{spec.label} {fmt_money(spec.cap)}，已批准 {fmt_money(committed)}，剩余 {fmt_money(room)}"
                )
        if room < amount:
            amount, limited = room, spec.label
    if limited:
        lines.append(f"受“{limited}”限制，本次可批准 {fmt_money(amount)}")
    return Grant(money(amount), tuple(lines), limited)
