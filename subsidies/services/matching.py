"""免申即享: the automatic entitlement match (驻政〔2024〕10号 task 8) as a job.

Set-based: the whole registry is read with one query per table (enterprises, projects,
equipment sums, loans, recognitions, exhibitions, yearly figures, trains), the existing awards
and ledgers with two more, then every enterprise is compared with every clause in memory
(`subsidies.rules.matching`) and the new proposals are written with bulk inserts. A second run
with unchanged data creates nothing (subject keys); changed data supersedes the pending proposal
it replaces. One run at a time (PostgreSQL advisory lock).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from portal.access import CITY_STAFF
from portal.audit import audit_record
from portal.deadlines import deadline_create
from portal.models import OrgUnit
from portal.notifications import notify, unit_recipients
from portal.workcal import calendar
from subsidies.models import (
    AnnualFigures,
    Application,
    CapLedger,
    Decision,
    Enterprise,
    Equipment,
    Exhibition,
    Loan,
    MatchBatch,
    MatchRun,
    PolicyDocument,
    Project,
    Recognition,
    Train,
)
from subsidies.rules import money
from subsidies.rules.catalogue import DOCUMENT_KEYS
from subsidies.rules.matching import (
    DocContext,
    EnterpriseFacts,
    ExhibitionFacts,
    FiguresFacts,
    LoanFacts,
    Match,
    Matcher,
    ProjectFacts,
    RecognitionFacts,
    TrainFacts,
    facts_e1a,
    facts_e1b,
    facts_e1c,
    facts_e2,
    facts_e3a,
    facts_e3b,
    facts_e4a,
    facts_e4b,
    facts_e6,
    facts_recognition,
    facts_t1,
    facts_t5,
    facts_t12,
    lpr_on,
)
from subsidies.services.applications import proposal_supersede
from subsidies.services.bulk import bulk_insert
from subsidies.services.catalogue import document_window, in_force, lpr_history, unit_names, workflow_params

S = Application.Status
MATCH_LOCK_ID = 7_240_601
ZERO = Decimal("0")


def load_snapshots(
    enterprise_ids: Iterable[int] | None = None,
) -> tuple[dict[int, EnterpriseFacts], dict[int, int | None]]:
    """Registry → pure snapshots, one query per table. Returns (facts by id, county id by id)."""
    ids = list(enterprise_ids) if enterprise_ids is not None else None

    def scoped(qs: Any, field: str = "enterprise_id") -> Any:
        return qs if ids is None else qs.filter(**{f"{field}__in": ids})

    equipment = dict(
        scoped(Equipment.objects.all(), "project__enterprise_id")
        .values("project_id")
        .annotate(total=Sum("amount_excl_tax"))
        .values_list("project_id", "total")
    )
    loans: dict[int, list[LoanFacts]] = defaultdict(list)
    for row in scoped(Loan.objects.all(), "project__enterprise_id").values(
        "id", "project_id", "balance", "start_date", "term_months", "for_equipment"
    ):
        loans[row["project_id"]].append(
            LoanFacts(row["id"], row["balance"], row["start_date"], row["term_months"], row["for_equipment"])
        )
    projects: dict[int, list[ProjectFacts]] = defaultdict(list)
    for p in scoped(Project.objects.all()).values(
        "id",
        "enterprise_id",
        "kind",
        "status",
        "total_investment",
        "fixed_asset_investment",
        "land_area_mu",
        "tax_per_mu",
        "is_new_investment",
        "capital_origin",
        "in_statistics_db",
        "provincial_funds_received",
        "miit_support",
        "new_format",
        "intermediary_id",
        "views",
        "fiscal_contribution",
    ):
        pid, owner = p.pop("id"), p.pop("enterprise_id")
        projects[owner].append(
            ProjectFacts(
                id=pid, equipment_total=equipment.get(pid) or ZERO, loans=tuple(loans.get(pid, ())), **p
            )
        )
    recognitions: dict[int, list[RecognitionFacts]] = defaultdict(list)
    for r in scoped(Recognition.objects.all()).values(
        "id", "enterprise_id", "kind", "level", "recognised_on", "amount"
    ):
        recognitions[r["enterprise_id"]].append(
            RecognitionFacts(r["id"], r["kind"], r["level"], r["recognised_on"], r["amount"])
        )
    exhibitions: dict[int, list[ExhibitionFacts]] = defaultdict(list)
    for e in scoped(Exhibition.objects.all()).values(
        "id", "enterprise_id", "held_on", "booth_fee", "outside_city", "government_organised"
    ):
        exhibitions[e["enterprise_id"]].append(
            ExhibitionFacts(
                e["id"], e["held_on"], e["booth_fee"], e["outside_city"], e["government_organised"]
            )
        )
    figures: dict[int, list[FiguresFacts]] = defaultdict(list)
    for f in scoped(AnnualFigures.objects.all()).values(
        "enterprise_id",
        "year",
        "fiscal_contribution",
        "contribution_rank",
        "contribution_growth_rank",
        "composite_growth_rate",
    ):
        owner = f.pop("enterprise_id")
        figures[owner].append(FiguresFacts(**f))
    trains: dict[int, list[TrainFacts]] = defaultdict(list)
    for t in scoped(Train.objects.all(), "agency_id").values(
        "agency_id", "kind", "departed_on", "passengers", "paid_scenic_spots", "days", "nights"
    ):
        owner = t.pop("agency_id")
        trains[owner].append(TrainFacts(**t))
    out: dict[int, EnterpriseFacts] = {}
    counties: dict[int, int | None] = {}
    for e in scoped(Enterprise.objects.all(), "id").values(
        "id",
        "kind",
        "industry",
        "above_designated_size",
        "software_enterprise",
        "software_park_entered_on",
        "outside_city",
        "county_id",
    ):
        eid = e["id"]
        counties[eid] = e.pop("county_id")
        out[eid] = EnterpriseFacts(
            **e,
            projects=tuple(projects.get(eid, ())),
            recognitions=tuple(recognitions.get(eid, ())),
            exhibitions=tuple(exhibitions.get(eid, ())),
            figures=tuple(figures.get(eid, ())),
            trains=tuple(trains.get(eid, ())),
        )
    return out, counties


def document_contexts(on: date) -> dict[str, DocContext]:
    docs: dict[str, DocContext] = {}
    for code, key in DOCUMENT_KEYS.items():
        rs = in_force(key, on)
        window = document_window(key)
        if rs is None or window is None:
            continue
        leads = sorted({c for data in rs.params["clauses"].values() for c in data.get("lead_units", [])[:1]})
        docs[code] = DocContext(code, rs.params, window, rs.pk, unit_names(leads) or "主管部门")
    return docs


def _try_lock() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [MATCH_LOCK_ID])
        return bool(cursor.fetchone()[0])


@dataclass
class Plan:
    create: list[tuple[Match, int | None]]  # (match, payee county id)
    supersede: list[tuple[int, str]]  # (application id, new subject key)


def plan(matches: list[tuple[Match, int | None]]) -> Plan:
    """Which matches become new proposals: not when the same subject and facts were ever
    proposed or applied (a rejected proposal is not proposed again with the same data), not
    while the subject has an application in progress; pending proposals of the subject with other
    data are superseded."""
    keys = [m.subject_key for m, _ in matches]
    bases = list({m.subject.base for m, _ in matches})
    seen: set[str] = set()
    open_by_base: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for chunk in range(0, len(keys), 2000):
        seen |= set(
            Application.objects.filter(subject_key__in=keys[chunk : chunk + 2000]).values_list(
                "subject_key", flat=True
            )
        )
    open_states = [s for s in S.values if s not in (S.REJECTED, S.PAID, S.AUDITED, S.ARCHIVED)]
    for chunk in range(0, len(bases), 2000):
        for pk, base, status, source in Application.objects.filter(
            subject_base__in=bases[chunk : chunk + 2000], status__in=open_states
        ).values_list("pk", "subject_base", "status", "source"):
            open_by_base[base].append((pk, status, source))
    result = Plan([], [])
    for m, county in matches:
        if m.subject_key in seen:
            continue
        current = open_by_base.get(m.subject.base, [])
        if any(not (source == "auto" and status in (S.PROPOSED, S.PUSHED)) for _, status, source in current):
            continue
        result.supersede += [(pk, m.subject_key) for pk, _, _ in current]
        result.create.append((m, county))
        seen.add(m.subject_key)
    return result


def entitlements_match(
    *, on: date | None = None, actor: Any = None, enterprise_ids: Iterable[int] | None = None
) -> MatchRun | None:
    """Run the match. Returns the MatchRun (None when another run holds the lock)."""
    day = on or timezone.localdate()
    started = time.monotonic()
    with transaction.atomic():
        if not _try_lock():
            return None
        run = MatchRun.objects.create(
            on=day, actor=actor if getattr(actor, "is_authenticated", False) else None
        )
        docs = document_contexts(day)
        snapshots, counties = load_snapshots(enterprise_ids)
        committed = dict(CapLedger.objects.values_list("key", "committed"))
        matcher = Matcher(docs, day, committed, lpr_history(day))
        matches: list[tuple[Match, int | None]] = []
        for ent in snapshots.values():
            for m in matcher.match(ent):
                payee_county = counties.get(m.subject.payee_id) if m.subject.payee_id in counties else None
                if m.subject.payee_id not in counties:
                    payee_county = (
                        Enterprise.objects.filter(pk=m.subject.payee_id)
                        .values_list("county_id", flat=True)
                        .first()
                    )
                matches.append((m, payee_county))
        todo = plan(matches)
        for pk, key in todo.supersede:
            proposal_supersede(application=Application(pk=pk), actor=actor or "免申即享自动匹配", by_key=key)
        created = _create(run, todo.create, docs, day, actor)
        run.scanned = len(snapshots)
        run.created = created
        run.superseded = len(todo.supersede)
        run.finished_at = timezone.now()
        run.seconds = round(time.monotonic() - started, 3)
        run.save()
        audit_record(
            actor=actor or "免申即享自动匹配",
            action="subsidies.match.run",
            obj=run,
            after={"on": day, "scanned": run.scanned, "created": created, "superseded": run.superseded},
        )
    return run


def _create(
    run: MatchRun, items: list[tuple[Match, int | None]], docs: dict[str, DocContext], day: date, actor: Any
) -> int:
    if not items:
        return 0
    documents = dict(PolicyDocument.objects.values_list("code", "pk"))
    lead_codes = {m.clause: docs[m.document].params["clauses"][m.clause]["lead_units"][0] for m, _ in items}
    units = dict(OrgUnit.objects.filter(code__in=set(lead_codes.values())).values_list("code", "pk"))
    by_unit: dict[int, int] = defaultdict(int)
    for m, _ in items:
        by_unit[units[lead_codes[m.clause]]] += 1
    batches = {
        unit_id: MatchBatch.objects.create(run=run, lead_unit_id=unit_id, count=count)
        for unit_id, count in by_unit.items()
    }
    now = timezone.now()
    rows = []
    for m, county in items:
        ev = m.evaluation
        unit_id = units[lead_codes[m.clause]]
        rows.append(
            Application(
                source=Application.Source.AUTO,
                status=S.PROPOSED,
                clause=m.clause,
                document_id=documents[m.document],
                enterprise_id=m.subject.payee_id,
                county_id=county,
                lead_unit_id=unit_id,
                project_id=m.project_id,
                recognition_id=m.recognition_id,
                exhibition_id=m.exhibition_id,
                period_year=m.subject.year,
                subject_base=m.subject.base,
                subject_key=m.subject_key,
                facts=m.facts,
                evaluated_on=day,
                rule_set_id=m.rule_set_id,
                referral=ev.referral,
                calculated_amount=None if ev.referral else money(m.amount),
                full_amount=None
                if ev.referral
                else money(ev.full_amount if ev.full_amount is not None else ev.amount),
                cap=ev.cap,
                band_min=ev.band_min,
                band_max=ev.band_max,
                explanation=m.explanation,
                match_batch=batches[unit_id],
                created_at=now,
                status_changed_at=now,
            )
        )
    bulk_insert(Application, rows)
    made = list(
        Application.objects.filter(match_batch__run=run).values_list("pk", "calculated_amount", "rule_set_id")
    )
    label = (actor.get_username() if getattr(actor, "is_authenticated", False) else "免申即享自动匹配")[:150]
    bulk_insert(
        Decision,
        [
            Decision(
                application_id=pk,
                action="match",
                from_status="",
                to_status=S.PROPOSED,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                actor_label=label,
                at=now,
                amount=amount,
                data={"run": run.pk},  # the facts are the proposal's own (a change makes a new one)
                rule_set_id=rs_id,
            )
            for pk, amount, rs_id in made
        ],
    )
    days = int(workflow_params(day)["proposal_confirm_days"])
    due = calendar().due_after_working_days(now, days)
    for batch in batches.values():
        count = Application.objects.filter(match_batch=batch).count()
        if count != batch.count:
            MatchBatch.objects.filter(pk=batch.pk).update(count=count)
        if count == 0:
            continue
        deadline_create(
            subject=batch,
            kind="subsidies.proposal_confirm",
            title=f"确认免申即享匹配结果（{count} 条，批次 #{run.pk}）",
            responsible_unit=batch.lead_unit,
            due_at=due,
            starts_at=now,
            basis="驻政〔2024〕10号 任务 8（默认时限，可配置）",
            url=f"/subsidies/queue/?status=proposed&batch={batch.pk}",
        )
        notify(
            unit_recipients(batch.lead_unit, roles=[CITY_STAFF]),
            title=f"免申即享：新匹配 {count} 条待确认",
            url=f"/subsidies/queue/?status=proposed&batch={batch.pk}",
            subject=batch,
            dedupe_key=f"subsidies:batch{batch.pk}",
        )
    return len(made)


# --- prefill for applications: the same facts the match uses --------------------------------


def registry_facts(
    *,
    clause: str,
    enterprise: Enterprise,
    project: Project | None = None,
    recognition: Recognition | None = None,
    exhibition: Exhibition | None = None,
    year: int | None = None,
    loan: Loan | None = None,
    on: date | None = None,
) -> dict[str, Any]:
    """The facts of `clause` for this enterprise from the registry ("一次申报、多次复用")."""
    day = on or timezone.localdate()
    owner_id = project.enterprise_id if project is not None else enterprise.pk
    snaps, _ = load_snapshots([owner_id, enterprise.pk])
    ent = snaps[enterprise.pk]
    p = next((x for x in snaps[owner_id].projects if project is not None and x.id == project.pk), None)
    committed = dict(
        CapLedger.objects.filter(key__startswith=f"cap:{clause}:").values_list("key", "committed")
    )
    facts: dict[str, Any] | None = None
    if p is not None:
        if clause == "E1a":
            facts = facts_e1a(p)
        elif clause == "E1b":
            facts = facts_e1b(p)
        elif clause == "E1c":
            facts = facts_e1c(p)
        elif clause == "E2":
            facts = facts_e2(p)
        elif clause == "E4a":
            facts = facts_e4a(p)
        elif clause == "E4b" and loan is not None:
            lf = next((x for x in p.loans if x.id == loan.pk), None)
            rate = lpr_on(lpr_history(day), day)
            if lf is not None and rate is not None:
                facts = facts_e4b(p, lf, rate, day, committed.get(f"cap:E4b:project:{p.id}", ZERO))
        elif clause == "T1":
            facts = facts_t1(p)
        elif clause == "T5":
            facts = facts_t5(p)
    if recognition is not None:
        r = next((x for x in ent.recognitions if x.id == recognition.pk), None)
        built = facts_recognition(r) if r else None
        if built and built[0] == clause:
            facts = built[1]
    if clause == "E6" and exhibition is not None:
        ex = next((x for x in ent.exhibitions if x.id == exhibition.pk), None)
        if ex:
            facts = facts_e6(ex, ent, committed.get(f"cap:E6:enterprise:{ent.id}:{ex.held_on.year}", ZERO))
    if clause in ("E3a", "E3b") and year:
        fig = next((x for x in ent.figures if x.year == year), None)
        if fig:
            facts = facts_e3a(fig) if clause == "E3a" else facts_e3b(fig)
    if clause == "T12" and year:
        facts = facts_t12([t for t in ent.trains if t.departed_on.year == year])
    if clause == "E7":
        facts = {
            "software_enterprise": ent.software_enterprise,
            "newly_entered_park": ent.software_park_entered_on is not None,
        }
    if clause == "E9":
        facts = {"meets_planning": False, "meets_intensity": False}
    return facts or {}
