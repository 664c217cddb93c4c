"""免申即享: compare an enterprise's registry data with every clause's conditions, pure.

The service loads the registry in bulk into these plain snapshots (a handful of queries for
all enterprises), then calls `match_enterprise` per enterprise; each candidate carries the
facts it was evaluated on (stored with the proposal), the subject it is for, and the amount
granted against the current ledgers with `stacking.grant`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from subsidies.rules.calculators import Ctx, Evaluation, Window, evaluate
from subsidies.rules.money import ZERO, D
from subsidies.rules.stacking import Candidate, LedgerSpec, Subject, best_of, grant, ledger_specs

ELECTRONIC_FIELDS = frozenset(
    {"optoelectronics", "sensors", "semiconductors", "batteries", "materials", "software", "ai"}
)

# recognition kind → (clause, facts added, needs a national/provincial level)
RECOGNITION_CLAUSES: dict[str, tuple[str, dict[str, Any], bool]] = {
    "single_champion_enterprise": ("E3c", {"kind": "enterprise"}, False),
    "single_champion_product": ("E3c", {"kind": "product"}, False),
    "little_giant": ("E3d", {"level": "national"}, False),
    "specialised_sme": ("E3d", {"level": "provincial"}, False),
    "tech_innovation_centre": ("E5a", {}, True),
    "manufacturing_innovation_centre": ("E5a", {}, True),
    "industrial_design_centre": ("E5b", {}, True),
    "engineering_research_centre": ("E5c", {}, True),
    "enterprise_tech_centre": ("E5c", {}, True),
    "engineering_lab": ("E5c", {}, True),
    "zhongyuan_scholar_station": ("E5d", {}, False),
    "china_quality_award": ("E5e", {}, False),
    "first_version_software": ("E5f", {}, False),
    "night_economy_cluster": ("T10", {}, False),
}


@dataclass(frozen=True)
class LoanFacts:
    id: int
    balance: Decimal
    start_date: date
    term_months: int
    for_equipment: bool


@dataclass(frozen=True)
class ProjectFacts:
    id: int
    kind: str  # electronic_info | culture_tourism | micro_drama | other
    status: str  # planned | construction | production | operating
    total_investment: Decimal = ZERO
    fixed_asset_investment: Decimal = ZERO
    land_area_mu: Decimal | None = None
    tax_per_mu: Decimal = ZERO
    is_new_investment: bool = True
    capital_origin: str = "domestic"
    in_statistics_db: bool = False
    provincial_funds_received: bool = False
    miit_support: bool = False
    new_format: bool = False
    intermediary_id: int | None = None
    views: int = 0
    fiscal_contribution: Decimal = ZERO
    equipment_total: Decimal = ZERO
    loans: tuple[LoanFacts, ...] = ()


@dataclass(frozen=True)
class RecognitionFacts:
    id: int
    kind: str
    level: str
    recognised_on: date
    amount: Decimal | None = None


@dataclass(frozen=True)
class ExhibitionFacts:
    id: int
    held_on: date
    booth_fee: Decimal
    outside_city: bool
    government_organised: bool


@dataclass(frozen=True)
class FiguresFacts:
    year: int
    fiscal_contribution: Decimal
    contribution_rank: int | None
    contribution_growth_rank: int | None
    composite_growth_rate: Decimal | None


@dataclass(frozen=True)
class TrainFacts:
    kind: str
    departed_on: date
    passengers: int
    paid_scenic_spots: int
    days: int
    nights: int


@dataclass(frozen=True)
class EnterpriseFacts:
    id: int
    kind: str  # enterprise | travel_agency | intermediary
    industry: str
    above_designated_size: bool = False
    software_enterprise: bool = False
    software_park_entered_on: date | None = None
    outside_city: bool = False
    projects: tuple[ProjectFacts, ...] = ()
    recognitions: tuple[RecognitionFacts, ...] = ()
    exhibitions: tuple[ExhibitionFacts, ...] = ()
    figures: tuple[FiguresFacts, ...] = ()
    trains: tuple[TrainFacts, ...] = ()

    @property
    def electronic_info(self) -> bool:
        return self.industry in ELECTRONIC_FIELDS


@dataclass(frozen=True)
class DocContext:
    code: str
    params: Mapping[str, Any]
    window: Window
    rule_set_id: int = 0
    lead_label: str = "主管部门"


@dataclass
class Match:
    clause: str
    document: str
    subject: Subject
    facts: dict[str, Any]
    evaluation: Evaluation
    amount: Decimal  # granted against the ledgers; 0 for referrals
    ledgers: list[LedgerSpec]
    explanation: list[str]
    project_id: int | None = None
    recognition_id: int | None = None
    exhibition_id: int | None = None
    rule_set_id: int = 0
    superseded_by_best_of: list[str] = field(default_factory=list)
    reserved: bool = False

    @property
    def subject_key(self) -> str:
        return f"{self.subject.base}:{facts_digest(self.facts)}"


def facts_digest(facts: Mapping[str, Any]) -> str:
    """A short stable digest of the facts (without the "received so far" inputs, which move
    with other awards and must not make a new proposal)."""
    stable = {k: v for k, v in facts.items() if not k.startswith("received_")}
    text = json.dumps(stable, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:12]


def _s(value: Decimal) -> str:
    """Decimal → string with at least two decimals (money as "20000000.00"; ratios keep theirs)."""
    number = D(value)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        number = number.quantize(D("0.01"))
    return str(number)


def lpr_on(history: Sequence[Mapping[str, str]], on: date) -> Decimal | None:
    """The latest one-year LPR published on or before `on`."""
    best: tuple[date, Decimal] | None = None
    for row in history:
        day = date.fromisoformat(row["from"])
        if day <= on and (best is None or day > best[0]):
            best = (day, D(row["rate"]))
    return best[1] if best else None


# --- the facts each clause is evaluated on, built from registry snapshots ------------------
# (shared by the automatic match and by the application form's prefill)


def facts_e1a(p: ProjectFacts) -> dict[str, Any] | None:
    if not p.land_area_mu or p.land_area_mu <= 0:
        return None
    intensity = (p.total_investment / p.land_area_mu).quantize(D("0.01"))
    return {"total_investment": _s(p.total_investment), "investment_intensity": _s(intensity)}


def facts_e1b(p: ProjectFacts) -> dict[str, Any]:
    return {
        "total_investment": _s(p.total_investment),
        "fixed_asset_investment": _s(p.fixed_asset_investment),
        "tax_per_mu": _s(p.tax_per_mu),
        "in_production": p.status in ("production", "operating"),
        "new_investment": p.is_new_investment,
    }


def facts_e1c(p: ProjectFacts) -> dict[str, Any]:
    return {"supported": p.miit_support}


def facts_e2(p: ProjectFacts) -> dict[str, Any]:
    return {
        "fixed_asset_investment": _s(p.fixed_asset_investment),
        "capital_origin": p.capital_origin,
        "in_production": p.status in ("production", "operating"),
    }


def facts_e4a(p: ProjectFacts) -> dict[str, Any]:
    return {
        "total_investment": _s(p.total_investment),
        "equipment_purchase": _s(p.equipment_total),
        "provincial_funds_received": p.provincial_funds_received,
    }


def loan_year(loan: LoanFacts, on: date) -> int:
    """Subsidy year of a loan on `on`: year 1 is the calendar year the loan was drawn."""
    return on.year - loan.start_date.year + 1


def facts_e4b(p: ProjectFacts, loan: LoanFacts, lpr: Decimal, on: date, received: Decimal) -> dict[str, Any]:
    return {
        "loan_balance": _s(loan.balance),
        "lpr_1y": _s(lpr),
        "subsidy_year": loan_year(loan, on),
        "in_statistics_db": p.in_statistics_db,
        "received_so_far": _s(received),
    }


def facts_t1(p: ProjectFacts) -> dict[str, Any]:
    return {
        "total_investment": _s(p.total_investment),
        "in_operation": p.status == "operating",
        "new_format": p.new_format,
    }


def facts_t5(p: ProjectFacts) -> dict[str, Any]:
    return {"views": p.views, "fiscal_contribution": _s(p.fiscal_contribution)}


def facts_e3a(fig: FiguresFacts) -> dict[str, Any]:
    facts: dict[str, Any] = {"fiscal_contribution": _s(fig.fiscal_contribution)}
    if fig.contribution_rank:
        facts["contribution_rank"] = fig.contribution_rank
    if fig.contribution_growth_rank:
        facts["contribution_growth_rank"] = fig.contribution_growth_rank
    return facts


def facts_e3b(fig: FiguresFacts) -> dict[str, Any] | None:
    if fig.composite_growth_rate is None:
        return None
    return {"composite_growth_rate": _s(fig.composite_growth_rate)}


def facts_recognition(r: RecognitionFacts) -> tuple[str, dict[str, Any]] | None:
    spec = RECOGNITION_CLAUSES.get(r.kind)
    if spec is None:
        return None
    clause, extra, needs_level = spec
    if clause == "E5f":
        if not r.amount:
            return None
        return clause, {"sales": _s(r.amount), "recognised_on": r.recognised_on.isoformat()}
    if needs_level and r.level not in ("national", "provincial"):
        return None
    facts: dict[str, Any] = {**extra, "recognised_on": r.recognised_on.isoformat()}
    if needs_level:
        facts["level"] = r.level
    return clause, facts


def facts_e6(ex: ExhibitionFacts, ent: EnterpriseFacts, received: Decimal) -> dict[str, Any]:
    return {
        "booth_fee": _s(ex.booth_fee),
        "above_designated_size": ent.above_designated_size,
        "outside_city": ex.outside_city,
        "government_organised": ex.government_organised,
        "received_this_year": _s(received),
    }


def facts_t12(trains: list[TrainFacts]) -> dict[str, Any]:
    return {
        "trains": [
            {
                "kind": t.kind,
                "passengers": t.passengers,
                "paid_scenic_spots": t.paid_scenic_spots,
                "days": t.days,
                "nights": t.nights,
                "departed_on": t.departed_on.isoformat(),
            }
            for t in sorted(trains, key=lambda t: t.departed_on)
        ]
    }


class Matcher:
    """Evaluates one enterprise at a time against the documents in force; `committed` maps
    ledger keys to amounts already approved (the matcher adds its own candidates as it goes so
    two candidates of one run do not both use the same remaining cap)."""

    def __init__(
        self,
        docs: Mapping[str, DocContext],
        on: date,
        committed: Mapping[str, Decimal],
        lpr_history: Sequence[Mapping[str, str]] | None = None,
    ) -> None:
        self.docs = docs
        self.on = on
        self.committed: dict[str, Decimal] = dict(committed)
        self.lpr = lpr_on(lpr_history or [], on)

    def _doc(self, clause: str) -> DocContext | None:
        doc = self.docs.get("A" if clause.startswith("E") else "B")
        if doc is None or not doc.window.contains(self.on) or clause not in doc.params["clauses"]:
            return None
        return doc

    def _candidate(
        self, clause: str, subject: Subject, facts: dict[str, Any] | None, **links: int | None
    ) -> Match | None:
        doc = self._doc(clause)
        if doc is None or facts is None:
            return None
        ev = evaluate(clause, facts, doc.params, Ctx(self.on, doc.window, doc.lead_label))
        if not ev.eligible:
            return None
        clause_data = doc.params["clauses"][clause]
        specs = ledger_specs(subject, clause_data, doc.params.get("exclusivity_groups", []))
        explanation = list(ev.explanation)
        amount = ZERO
        if not ev.referral:
            # The calculator may have deducted "received so far" given in the facts; the ledgers
            # are the authority, so grant from the full entitlement.
            full = ev.full_amount if ev.full_amount is not None else ev.amount
            g = grant(full, [(s, self.committed.get(s.key, ZERO)) for s in specs])
            explanation += list(g.explanation)
            amount = g.amount
            if amount <= 0:
                return None
        return Match(
            clause=clause,
            document=doc.code,
            subject=subject,
            facts=facts,
            evaluation=ev,
            amount=amount,
            ledgers=specs,
            explanation=explanation,
            rule_set_id=doc.rule_set_id,
            **links,  # type: ignore[arg-type]
        )

    def _take(self, match: Match | None, out: list[Match]) -> None:
        """Keep a final candidate and count it on its ledgers at once, so the next candidate
        of the run (another project of the enterprise, another exhibition of the year) sees
        what is left of a shared cap."""
        if match is not None:
            self._reserve(match)
            out.append(match)

    def _reserve(self, match: Match) -> None:
        if match.reserved:
            return
        match.reserved = True
        for spec in match.ledgers:
            self.committed[spec.key] = self.committed.get(spec.key, ZERO) + match.amount

    def match(self, ent: EnterpriseFacts) -> list[Match]:
        found: list[Match] = []
        if ent.electronic_info:
            found += self._projects_a(ent)
            found += self._figures(ent)
            found += self._exhibitions(ent)
            doc = self._doc("E7")
            entered = ent.software_park_entered_on
            if (
                ent.software_enterprise
                and entered
                and doc
                and doc.window.contains(entered)
                and entered <= self.on
            ):
                m = self._candidate(
                    "E7",
                    Subject("E7", f"E7:enterprise:{ent.id}:park", ent.id),
                    {"software_enterprise": True, "newly_entered_park": True},
                )
                self._take(m, found)
        found += self._intermediary(ent)
        found += self._recognitions(ent)
        found += self._projects_b(ent)
        if ent.kind == "travel_agency":
            found += self._trains(ent)
        for m in found:
            self._reserve(m)
        return found

    def _projects_a(self, ent: EnterpriseFacts) -> list[Match]:
        out: list[Match] = []
        for p in ent.projects:
            if p.kind != "electronic_info":
                continue
            one = [
                self._candidate(
                    "E1a", Subject("E1a", f"E1a:project:{p.id}", ent.id, p.id), facts_e1a(p), project_id=p.id
                ),
                self._candidate(
                    "E1c", Subject("E1c", f"E1c:project:{p.id}", ent.id, p.id), facts_e1c(p), project_id=p.id
                )
                if p.miit_support
                else None,
            ]
            for m in one:
                self._take(m, out)
            group: list[Match] = []
            if p.status in ("production", "operating"):
                m = self._candidate(
                    "E1b", Subject("E1b", f"E1b:project:{p.id}", ent.id, p.id), facts_e1b(p), project_id=p.id
                )
                group += [m] if m else []
            if p.status in ("construction", "production") and p.equipment_total > 0:
                m = self._candidate(
                    "E4a", Subject("E4a", f"E4a:project:{p.id}", ent.id, p.id), facts_e4a(p), project_id=p.id
                )
                group += [m] if m else []
            for m in self._best_of(group):
                self._take(m, out)
            if p.in_statistics_db and self.lpr is not None:
                for loan in p.loans:
                    if not loan.for_equipment or loan.term_months <= 12 or loan.start_date > self.on:
                        continue
                    received = self.committed.get(f"cap:E4b:project:{p.id}", ZERO)
                    m = self._candidate(
                        "E4b",
                        Subject(
                            "E4b",
                            f"E4b:project:{p.id}:loan:{loan.id}:year:{self.on.year}",
                            ent.id,
                            p.id,
                            self.on.year,
                        ),
                        facts_e4b(p, loan, self.lpr, self.on, received),
                        project_id=p.id,
                    )
                    if m:
                        self._reserve(m)
                        out.append(m)
        return out

    def _best_of(self, group: list[Match]) -> list[Match]:
        """Among candidates of one exclusivity group for the same project keep the largest."""
        if len(group) < 2:
            return group
        doc = self._doc(group[0].clause)
        if doc is None:
            return group
        for g in doc.params.get("exclusivity_groups", []):
            if all(m.clause in g["clauses"] for m in group):
                title = g["title"]
                break
        else:
            return group
        result = best_of([Candidate(m.clause, m.amount) for m in group], title)
        keep = [m for m in group if result.chosen is not None and m.clause == result.chosen.clause]
        for m in keep:
            m.explanation += list(result.explanation)
            m.superseded_by_best_of = [c.clause for c in result.excluded]
        return keep

    def _figures(self, ent: EnterpriseFacts) -> list[Match]:
        out: list[Match] = []
        doc = self._doc("E3a")
        for fig in ent.figures:
            if doc is None or not (doc.window.valid_from.year <= fig.year <= self.on.year):
                continue
            if fig.contribution_rank or fig.contribution_growth_rank:
                m = self._candidate(
                    "E3a",
                    Subject("E3a", f"E3a:enterprise:{ent.id}:year:{fig.year}", ent.id, None, fig.year),
                    facts_e3a(fig),
                )
                self._take(m, out)
            m = self._candidate(
                "E3b",
                Subject("E3b", f"E3b:enterprise:{ent.id}:year:{fig.year}", ent.id, None, fig.year),
                facts_e3b(fig),
            )
            self._take(m, out)
        return out

    def _exhibitions(self, ent: EnterpriseFacts) -> list[Match]:
        out: list[Match] = []
        doc = self._doc("E6")
        for ex in sorted(ent.exhibitions, key=lambda e: (e.held_on, e.id)):
            if doc is None or not doc.window.contains(ex.held_on) or ex.held_on > self.on:
                continue
            year = ex.held_on.year
            received = self.committed.get(f"cap:E6:enterprise:{ent.id}:{year}", ZERO)
            m = self._candidate(
                "E6",
                Subject("E6", f"E6:exhibition:{ex.id}", ent.id, None, year),
                facts_e6(ex, ent, received),
                exhibition_id=ex.id,
            )
            if m:
                self._reserve(m)  # the next exhibition of the year sees this one's share
                out.append(m)
        return out

    def _intermediary(self, ent: EnterpriseFacts) -> list[Match]:
        out: list[Match] = []
        for p in ent.projects:
            if p.intermediary_id is None or p.kind != "electronic_info":
                continue
            m = self._candidate(
                "E2",
                Subject("E2", f"E2:project:{p.id}", p.intermediary_id, p.id),
                facts_e2(p),
                project_id=p.id,
            )
            self._take(m, out)
        return out

    def _recognitions(self, ent: EnterpriseFacts) -> list[Match]:
        out: list[Match] = []
        for r in ent.recognitions:
            built = facts_recognition(r)
            if built is None:
                continue
            clause, facts = built
            if clause.startswith("E") and not ent.electronic_info:
                continue
            doc = self._doc(clause)
            if doc is None or not doc.window.contains(r.recognised_on) or r.recognised_on > self.on:
                continue
            m = self._candidate(
                clause, Subject(clause, f"{clause}:recognition:{r.id}", ent.id), facts, recognition_id=r.id
            )
            self._take(m, out)
        return out

    def _projects_b(self, ent: EnterpriseFacts) -> list[Match]:
        out: list[Match] = []
        for p in ent.projects:
            if p.kind == "culture_tourism" and p.status == "operating":
                m = self._candidate(
                    "T1", Subject("T1", f"T1:project:{p.id}", ent.id, p.id), facts_t1(p), project_id=p.id
                )
                self._take(m, out)
            if p.kind == "micro_drama" and p.status in ("production", "operating"):
                m = self._candidate(
                    "T5", Subject("T5", f"T5:project:{p.id}", ent.id, p.id), facts_t5(p), project_id=p.id
                )
                self._take(m, out)
        return out

    def _trains(self, ent: EnterpriseFacts) -> list[Match]:
        out: list[Match] = []
        doc = self._doc("T12")
        if doc is None or not ent.outside_city:
            return out
        years: dict[int, list[TrainFacts]] = {}
        for t in ent.trains:
            if doc.window.contains(t.departed_on) and t.departed_on <= self.on:
                years.setdefault(t.departed_on.year, []).append(t)
        for year, trains in sorted(years.items()):
            m = self._candidate(
                "T12",
                Subject("T12", f"T12:agency:{ent.id}:year:{year}", ent.id, None, year),
                facts_t12(trains),
            )
            self._take(m, out)
        return out
