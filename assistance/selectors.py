"""Every read of the assistance app, already scoped by the access policies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from assistance import columns as C
from assistance import rules
from assistance.models import (
    AidRecord,
    Application,
    Household,
    HouseholdVersion,
    Member,
    Person,
    PersonFlag,
    Publicity,
    RescreenChange,
    TierPeriod,
    Warning,
)
from assistance.models.procedure import OPEN_APPLICATION_STATES
from assistance.policies import (
    ApplicationPolicy,
    HouseholdPolicy,
    RescreenChangePolicy,
    WarningPolicy,
    household_q,
    local_q,
)
from assistance.services.applications import KIND_OFFER_PUBLICITY, KIND_PERIODIC_REVIEW
from assistance.services.households import HOUSEHOLD_FIELDS, PERSON_FIELDS
from assistance.services.monitoring import KIND_WARNING_VISIT
from portal.models import Deadline, OrgUnit

# --- households ---------------------------------------------------------------------------------


NAME_MIN_CHARS = 2  # a name search needs at least two characters (surname + one)


def looks_like_id(text: str) -> bool:
    value = rules.normalize_id(text)
    return len(value) == 18 and value[:17].isdigit()


def household_search(
    user: Any,
    *,
    q: str = "",
    tier: str = "",
    village: int | None = None,
    township: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[Household]:
    """Households the user may see: by ID number (exact, indexed), by a member's name (prefix,
    indexed), by 户编号, or all — newest first, keyset-paginated by id (no COUNT)."""
    qs = HouseholdPolicy().scope(user, "view")
    text = q.strip()
    if text:
        if looks_like_id(text):
            person_ids = Person.objects.filter(id_number=rules.normalize_id(text)).values("pk")
            qs = qs.filter(Exists(Member.objects.filter(household=OuterRef("pk"), person_id__in=person_ids)))
        elif len(text) >= NAME_MIN_CHARS:
            named = Member.objects.filter(household=OuterRef("pk"), person__name__startswith=text)
            qs = qs.filter(Q(code=text) | Exists(named))
        else:
            qs = qs.filter(code=text)  # one character matches too many names to be useful
    if tier == "none":
        qs = qs.filter(tier__isnull=True)
    elif tier in rules.TIERS:
        qs = qs.filter(tier=tier)
    if village:
        qs = qs.filter(village_id=village)
    if township:
        qs = qs.filter(township_id=township)
    if after:
        qs = qs.filter(pk__lt=after)
    rows = list(qs.select_related("village", "township", "county").order_by("-pk")[:limit])
    heads = dict(
        Member.objects.filter(
            household_id__in=[h.pk for h in rows], active=True, relation=Member.Relation.HEAD
        ).values_list("household_id", "person__name")
    )
    counts = dict(
        Member.objects.filter(household_id__in=[h.pk for h in rows], active=True)
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )
    for h in rows:
        h.head_name = heads.get(h.pk, "")
        h.member_count = counts.get(h.pk, 0)
    return rows


FIELD_LABELS: dict[str, str] = {f.name: str(f.verbose_name) for f in Household._meta.concrete_fields}
PERSON_LABELS: dict[str, str] = {f.name: str(f.verbose_name) for f in Person._meta.concrete_fields}
PERSON_LABELS.update({"relation": "与户主关系", "position": "序号"})
TIER_FIELDS = {"tier", "computed_tier"}


def _display(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field in ("tier",):
        return rules.TIER_SHORT.get(value, value)
    if field == "area":
        return rules.AREA_LABELS.get(value, value)
    if field == "monitoring":
        return rules.MONITORING_LABELS.get(value, value)
    if field == "labour_capacity":
        return rules.LABOUR_LABELS.get(value, value)
    if field == "disability_category":
        return rules.DISABILITY_LABELS.get(value, value)
    if field == "relation":
        return dict(Member.Relation.choices).get(value, value)
    if field == "id_number":
        return rules.mask_id(str(value))
    if field == "phone":
        return rules.mask_phone(str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def history(household: Household) -> list[dict[str, Any]]:
    """The household's versions, newest first, each change in words (ID numbers and phones
    masked: the history is for reading, unmasking goes through the audited action)."""
    out = []
    versions = (
        HouseholdVersion.objects.filter(household=household).select_related("actor").order_by("-version")
    )
    for version in versions[:200]:
        names = {
            key: data.get("name", "")
            for key, data in ((version.data or {}).get("members") or {}).items()
            if isinstance(data, dict)
        }
        lines = []
        for path, old, new in version.changes:
            parts = path.split(".")
            if parts[0] == "household" and len(parts) == 2:
                label = FIELD_LABELS.get(parts[1], parts[1])
                if parts[1] in ("county", "township", "village", "single_person"):
                    lines.append(f"{label}：已变更")
                else:
                    lines.append(f"{label}：{_display(parts[1], old)} → {_display(parts[1], new)}")
            elif parts[0] == "members" and len(parts) >= 2:
                who = names.get(parts[1]) or "成员"
                if len(parts) == 2:
                    lines.append(f"成员{'加入' if old is None else '离开'}：{who}")
                else:
                    field = parts[2]
                    if old is None and field != "name":
                        continue  # a whole new member is reported once
                    if new is None and field != "name":
                        continue
                    if old is None:
                        lines.append(f"新增成员：{new}")
                    elif new is None:
                        lines.append(f"成员离开：{old}")
                    else:
                        label = PERSON_LABELS.get(field, field)
                        lines.append(f"{who}·{label}：{_display(field, old)} → {_display(field, new)}")
        out.append({"version": version, "lines": lines})
    return out


def household_members(household: Household) -> list[Member]:
    members = list(household.members.filter(active=True).select_related("person").order_by("position", "pk"))
    today = timezone.localdate()
    for m in members:
        m.age = rules.age_on(m.person.birth_date, today)
    return members


def household_detail(user: Any, household: Household) -> dict[str, Any]:
    members = household_members(household)
    person_ids = [m.person_id for m in members]
    flags = list(
        PersonFlag.objects.filter(person_id__in=person_ids, status=PersonFlag.Status.OPEN).select_related(
            "person"
        )
    )
    classification = household.classifications.select_related("ruleset").order_by("-at", "-pk").first()
    aid = list(
        household.aid_records.select_related("department", "person").order_by("-granted_on", "-pk")[:100]
    )
    aid_totals = (
        household.aid_records.values("layer").annotate(total=Sum("amount"), n=Count("pk")).order_by("layer")
    )
    ct = Deadline.objects.filter(
        subject_type__model="household", subject_type__app_label="assistance", subject_id=household.pk
    )
    return {
        "household": household,
        "members": members,
        "flags": flags,
        "classification": classification,
        "applications": list(household.applications.order_by("-received_at")[:20]),
        "warnings": list(household.warnings.order_by("-raised_at")[:20]),
        "visits": list(household.visits.select_related("recorded_by").order_by("-visited_on", "-pk")[:20]),
        "aid": aid,
        "aid_totals": [
            {"layer": rules.AID_LAYERS.get(r["layer"], r["layer"]), "total": r["total"], "n": r["n"]}
            for r in aid_totals
        ],
        "periods": list(household.tier_periods.order_by("-start")[:20]),
        "deadlines": list(ct.filter(status__in=["open", "overdue"], met_at__isnull=True).order_by("due_at")),
        "history": history(household),
        "pending_changes": list(household.rescreen_changes.filter(status__in=["pending", "verifying"])),
    }


# --- the township worklist ------------------------------------------------------------------------


def worklist(user: Any, *, limit: int = 50) -> dict[str, Any]:
    """What the township (or county) has to do: open applications, warnings with their visit
    time limits, listed re-screening changes, publicity running, people in two households, and
    periodic reviews due."""
    now = timezone.now()
    apps = (
        ApplicationPolicy()
        .scope(user, "act")
        .filter(status__in=OPEN_APPLICATION_STATES)
        .select_related("household", "household__village", "applicant")
        .order_by("received_at")[:limit]
    )
    warnings = (
        WarningPolicy()
        .scope(user, "act")
        .exclude(status=Warning.Status.CLOSED)
        .select_related("household", "household__village")
        .order_by("visit_due_at")[:limit]
    )
    changes = (
        RescreenChangePolicy()
        .scope(user, "act")
        .filter(status=RescreenChange.Status.PENDING)
        .select_related("household", "household__village")
        .order_by("-created_at")[:limit]
    )
    q_village = local_q(user, "village")
    flags_qs = PersonFlag.objects.filter(status=PersonFlag.Status.OPEN)
    if q_village is not None:
        visible = Member.objects.filter(
            active=True, household__in=Household.objects.filter(q_village)
        ).values("person_id")
        flags_qs = flags_qs.filter(person_id__in=visible)
    q_unit = local_q(user, "responsible_unit")
    deadlines = Deadline.objects.filter(
        kind__startswith="assistance.", status__in=["open", "overdue"], met_at__isnull=True
    )
    if q_unit is not None:
        deadlines = deadlines.filter(q_unit)
    reviews = deadlines.filter(kind=KIND_PERIODIC_REVIEW, due_at__lte=now + timedelta(days=60)).order_by(
        "due_at"
    )
    return {
        "applications": list(apps),
        "warnings": list(warnings),
        "changes": list(changes),
        "flags": list(flags_qs.select_related("person")[:limit]),
        "reviews": list(reviews.select_related("responsible_unit")[:limit]),
        "overdue": list(
            deadlines.filter(Q(status="overdue") | Q(due_at__lte=now)).order_by("due_at")[:limit]
        ),
        "now": now,
    }


# --- county dashboard ---------------------------------------------------------------------------


def month_ends(today: date, months: int = 12) -> list[date]:
    """The last day of each of the `months` months up to and including this month (today for
    the current month)."""
    out = [today]
    first = today.replace(day=1)
    for _ in range(months - 1):
        last = first - timedelta(days=1)
        out.append(last)
        first = last.replace(day=1)
    return list(reversed(out))


def people_by_tier_over_time(
    user: Any, *, county: OrgUnit | None, today: date | None = None
) -> dict[str, Any]:
    """Persons in each confirmed tier at each month's end (from the tier periods)."""
    today = today or timezone.localdate()
    points = month_ends(today)
    periods = TierPeriod.objects.all()
    q = household_q(user, "view")
    if q is not None:
        periods = periods.filter(household__in=Household.objects.filter(q))
    if county is not None:
        periods = periods.filter(county=county)
    series: dict[str, list[int]] = {t: [] for t in rules.TIERS}
    for point in points:
        rows = (
            periods.filter(start__lte=point)
            .filter(Q(end__isnull=True) | Q(end__gt=point))
            .values("tier")
            .annotate(n=Sum("persons"))
        )
        counts = {r["tier"]: r["n"] or 0 for r in rows}
        for t in rules.TIERS:
            series[t].append(int(counts.get(t, 0)))
    return {"labels": [f"{p:%Y-%m}" for p in points], "series": series}


def chart_config(data: dict[str, Any]) -> dict[str, Any]:
    colors = {
        "extreme_poverty": "#b91c1c",
        "dibao": "#1d4ed8",
        "near_dibao": "#0f766e",
        "rigid_expenditure": "#b45309",
        "other": "#6b7280",
    }
    return {
        "type": "line",
        "data": {
            "labels": data["labels"],
            "datasets": [
                {
                    "label": rules.TIER_SHORT[t],
                    "data": data["series"][t],
                    "borderColor": colors[t],
                    "backgroundColor": colors[t],
                    "tension": 0.2,
                }
                for t in rules.TIERS
            ],
        },
        "options": {"plugins": {"legend": {"position": "bottom"}}, "scales": {"y": {"beginAtZero": True}}},
    }


def county_dashboard(user: Any, *, county: OrgUnit | None) -> dict[str, Any]:
    now = timezone.now()
    households = HouseholdPolicy().scope(user, "view")
    if county is not None:
        households = households.filter(county=county)
    current = {
        r["tier"]: r["n"]
        for r in households.filter(tier__isnull=False).values("tier").annotate(n=Count("pk"))
    }
    deadlines = Deadline.objects.filter(
        kind__in=[KIND_WARNING_VISIT, KIND_OFFER_PUBLICITY], met_at__isnull=True
    ).filter(Q(status="overdue") | Q(status="open", due_at__lte=now))
    if county is not None:
        deadlines = deadlines.filter(responsible_unit__path__startswith=county.path)
    else:
        q = local_q(user, "responsible_unit")
        from assistance.policies import is_city_wide

        if q is not None and not is_city_wide(user):
            deadlines = deadlines.filter(q)
    overdue = list(deadlines.select_related("responsible_unit").order_by("due_at")[:100])
    publicity = Publicity.objects.filter(application__status=Application.Status.PUBLICITY)
    if county is not None:
        publicity = publicity.filter(application__county=county)
    return {
        "current": [(rules.TIER_SHORT[t], current.get(t, 0)) for t in rules.TIERS],
        "households_total": sum(current.values()),
        "overdue_visits": [d for d in overdue if d.kind == KIND_WARNING_VISIT],
        "overdue_publicity": [d for d in overdue if d.kind == KIND_OFFER_PUBLICITY],
        "publicity_running": publicity.count(),
        "open_warnings": Warning.objects.filter(
            household__in=households, status__in=[Warning.Status.OPEN, Warning.Status.VISITED]
        ).count(),
        "trend": people_by_tier_over_time(user, county=county),
    }


# --- exports ------------------------------------------------------------------------------------


def _money_text(value: Decimal) -> Decimal:
    return rules.money(value)


def provincial_rows(households: QuerySet[Household]) -> Iterator[list[Any]]:
    """One row per active member, in the column order of `columns.COLUMNS`, unmasked (the upload
    to the provincial platform needs full ID numbers; the caller audits the export)."""
    last = 0
    base = households.select_related("county", "township", "village").order_by("pk")
    while True:
        chunk = list(base.filter(pk__gt=last)[:1000])
        if not chunk:
            return
        last = chunk[-1].pk
        members: dict[int, list[Member]] = defaultdict(list)
        for m in (
            Member.objects.filter(household__in=[h.pk for h in chunk], active=True)
            .select_related("person")
            .order_by("household_id", "position", "pk")
        ):
            members[m.household_id].append(m)
        for h in chunk:
            ms = members.get(h.pk, [])
            n = len(ms) or 1
            income = h.income_total
            for m in ms:
                p = m.person
                values = {
                    "code": h.code,
                    "county": h.county.name,
                    "township": h.township.name,
                    "village": h.village.name,
                    "address": h.address,
                    "area": rules.AREA_LABELS[h.area],
                    "phone": h.phone,
                    "members_count": len(ms),
                    "relation": m.get_relation_display(),
                    "name": p.name,
                    "id_number": p.id_number,
                    "sex": p.get_sex_display(),
                    "birth_date": p.birth_date.isoformat(),
                    "labour_capacity": rules.LABOUR_LABELS[p.labour_capacity],
                    "disability_category": rules.DISABILITY_LABELS.get(p.disability_category or "", ""),
                    "disability_grade": rules.GRADE_LABELS.get(p.disability_grade or 0, ""),
                    "serious_illness": "是" if p.serious_illness else "否",
                    "employed": "是" if p.employed else "否",
                    "own_income": p.own_income,
                    "has_able_supporter": "有" if p.has_able_supporter else "无",
                    "income_wage": h.income_wage,
                    "income_operating": h.income_operating,
                    "income_property": h.income_property,
                    "income_transfer": h.income_transfer,
                    "income_total": income,
                    "per_capita": _money_text(income / n),
                    "savings": h.savings,
                    "houses": h.houses,
                    "vehicles": h.vehicles,
                    "property_within_limits": "是" if h.property_within_limits else "否",
                    "exp_medical": h.exp_medical,
                    "exp_education": h.exp_education,
                    "exp_disaster": h.exp_disaster,
                    "exp_accident": h.exp_accident,
                    "rigid_total": h.rigid_total,
                    "tier": rules.TIER_SHORT.get(h.tier or "", ""),
                    "single_person": "是" if h.single_person_id == p.pk else "否",
                    "tier_since": h.tier_since.isoformat() if h.tier_since else "",
                    "monitoring": rules.MONITORING_LABELS.get(h.monitoring or "", ""),
                    "updated_at": timezone.localtime(h.updated_at).strftime("%Y-%m-%d %H:%M"),
                }
                yield [values[key] for _, key, _ in C.COLUMNS]


def publicity_list(user: Any, village: OrgUnit, *, on: date | None = None) -> list[dict[str, Any]]:
    """The village's publicity list (printable): applicants in publicity on `on`, ID numbers
    and phones masked."""
    day = on or timezone.localdate()
    items = (
        Publicity.objects.filter(village=village, starts_on__lte=day, ends_on__gte=day)
        .filter(application__in=ApplicationPolicy().scope(user, "view"))
        .select_related(
            "application",
            "application__household",
            "application__applicant",
            "application__procedure_single_person",
        )
        .order_by("starts_on", "pk")
    )
    rows = []
    for pub in items:
        app = pub.application
        household = app.household
        members = list(
            household.members.filter(active=True).select_related("person").order_by("position", "pk")
        )
        head = next(
            (m.person for m in members if m.relation == Member.Relation.HEAD),
            members[0].person if members else None,
        )
        applicant = app.applicant or head
        rows.append(
            {
                "publicity": pub,
                "applicant": applicant.name if applicant else "",
                "masked_id": rules.mask_id(applicant.id_number) if applicant else "",
                "phone": rules.mask_phone(household.phone),
                "members": 1 if app.procedure_single_person_id else len(members),
                "tier": rules.TIER_LABELS[pub.tier],
                "single": app.procedure_single_person.name if app.procedure_single_person_id else "",
            }
        )
    return rows


def households_for_export(user: Any, *, county: OrgUnit | None, tiers_only: bool) -> QuerySet[Household]:
    qs = HouseholdPolicy().scope(user, "export")
    if county is not None:
        qs = qs.filter(county=county)
    if tiers_only:
        qs = qs.filter(Q(tier__isnull=False) | Q(monitoring__isnull=False))
    return qs


def aid_by_month(user: Any, *, county: OrgUnit | None) -> list[dict[str, Any]]:
    qs = AidRecord.objects.filter(household__in=HouseholdPolicy().scope(user, "view"))
    if county is not None:
        qs = qs.filter(county=county)
    return list(qs.values("aid_type").annotate(total=Sum("amount"), n=Count("pk")).order_by("aid_type"))


__all__ = [
    "HOUSEHOLD_FIELDS",
    "PERSON_FIELDS",
    "county_dashboard",
    "history",
    "household_detail",
    "household_search",
    "provincial_rows",
    "publicity_list",
    "worklist",
]
