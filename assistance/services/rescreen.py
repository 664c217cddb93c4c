"""Re-screening (§4): re-run the classifier over households when a standard changes or new data
arrives, and list the households whose result now differs from their confirmed tier for review.
It never changes a confirmed tier: ending assistance needs a verification visit
(`monitoring.assistance_end`).

Built for city scale: households are read in primary-key batches with `values_list` (two
queries per batch: households, then their members), classified in memory, and written back
set-wise (one UPDATE per resulting tier, one bulk INSERT of changes per batch).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from assistance import rules
from assistance.models import Household, Member, RescreenChange, RescreenRun, Warning
from assistance.services.standards import changed_counties, standards_for_unit, standards_ruleset
from portal.audit import audit_record
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit, RuleSet

log = logging.getLogger(__name__)
RUN_LOCK_ID = 7_240_701  # PostgreSQL advisory lock: one re-screening at a time
INLINE_LIMIT = 200  # runs over at most this many households execute in the request

HOUSEHOLD_COLUMNS = (
    "pk",
    "county_id",
    "township_id",
    "area",
    "income_wage",
    "income_operating",
    "income_property",
    "income_transfer",
    "exp_medical",
    "exp_education",
    "exp_disaster",
    "exp_accident",
    "property_within_limits",
    "monitoring",
    "designated_other",
    "tier",
    "single_person_id",
    "computed_tier",
    "computed_single_person_id",
    "computed_at",
)
MEMBER_COLUMNS = (
    "household_id",
    "person_id",
    "person__birth_date",
    "person__labour_capacity",
    "person__disability_grade",
    "person__disability_category",
    "person__serious_illness",
    "person__has_able_supporter",
    "person__employed",
    "person__own_income",
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def rescreen_request(
    *,
    trigger: str,
    actor: Any,
    counties: list[str] | None = None,
    household_ids: list[int] | None = None,
    on: date | None = None,
    note: str = "",
    run_inline: bool | None = None,
) -> RescreenRun:
    """Queue a run (the task starts after commit). Small runs (a few households after an edit
    or import) execute at once unless `run_inline=False`."""
    from assistance import tasks
    from portal.tasks import enqueue

    day = on or timezone.localdate()
    run = RescreenRun.objects.create(
        trigger=trigger,
        on_date=day,
        counties=counties,
        household_ids=household_ids,
        note=note[:300],
        requested_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action="assistance.rescreen.request",
        obj=run,
        after={"trigger": trigger, "counties": counties, "households": len(household_ids or []) or None},
    )
    inline = (
        run_inline
        if run_inline is not None
        else (household_ids is not None and len(household_ids) <= INLINE_LIMIT)
    )
    if inline:
        transaction.on_commit(lambda: rescreen_execute(run.pk))
    else:
        enqueue(tasks.rescreen_run, run.pk)
    return run


@contextmanager
def _single_runner() -> Iterator[bool]:
    """One re-screening at a time (PostgreSQL advisory lock; SQLite serialises writers)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK_ID])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK_ID])


CHANGE_COLUMNS = (
    "run_id",
    "household_id",
    "county_id",
    "township_id",
    "confirmed_tier",
    "previous_tier",
    "new_tier",
    "new_single_person_id",
    "direction",
    "status",
    "ruleset_id",
    "created_at",
    "note",
)


def _insert_rows(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert plain tuples: COPY on PostgreSQL, executemany elsewhere."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _direction(confirmed: str | None, new: str | None) -> str:
    if confirmed is None:
        return RescreenChange.Direction.ENTRY
    if new is None or rules.tier_priority(new) > rules.tier_priority(confirmed):
        return RescreenChange.Direction.EXIT
    return RescreenChange.Direction.CHANGE


def rescreen_execute(run_id: int, *, batch: int = 2000, now: datetime | None = None) -> RescreenRun:
    """Execute a queued run (claimed with a conditional UPDATE, so a run executes once)."""
    now = now or timezone.now()
    with _single_runner() as got:
        if not got:
            return RescreenRun.objects.get(pk=run_id)  # another run holds the lock; the sweep retries
        claimed = RescreenRun.objects.filter(pk=run_id, status=RescreenRun.Status.QUEUED).update(
            status=RescreenRun.Status.RUNNING, started_at=now
        )
        run = RescreenRun.objects.get(pk=run_id)
        if not claimed:
            return run
        try:
            _execute(run, batch=batch, now=now)
        except Exception as exc:
            log.exception("re-screening %s failed", run_id)
            RescreenRun.objects.filter(pk=run_id).update(
                status=RescreenRun.Status.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
            )
            raise
        run.refresh_from_db()
        return run


def _execute(run: RescreenRun, *, batch: int, now: datetime) -> None:
    ruleset = standards_ruleset(run.on_date)
    RescreenRun.objects.filter(pk=run.pk).update(ruleset=ruleset)
    counties = {u.pk: u for u in OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY)}
    county_ids = [u.pk for u in counties.values() if u.code in run.counties] if run.counties else None
    std_cache: dict[tuple[int, str], rules.Standards] = {}
    processed = changes = 0
    for rows in _household_batches(run, county_ids, batch):
        members = _members_of(rows, county_ids)
        changes += _batch(run, ruleset, rows, members, counties, std_cache, now)
        processed += len(rows)
        RescreenRun.objects.filter(pk=run.pk).update(processed=processed, changes=changes)
    RescreenRun.objects.filter(pk=run.pk).update(
        status=RescreenRun.Status.DONE, finished_at=timezone.now(), processed=processed, changes=changes
    )


def _household_batches(
    run: RescreenRun, county_ids: list[int] | None, batch: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Households in primary-key order, `batch` at a time (keyset, no OFFSET)."""
    qs = Household.objects.all()
    if county_ids is not None:
        qs = qs.filter(county_id__in=county_ids)
    if run.household_ids is not None:
        ids = sorted(set(run.household_ids))
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            yield list(qs.filter(pk__in=chunk).order_by("pk").values_list(*HOUSEHOLD_COLUMNS))
        return
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values_list(*HOUSEHOLD_COLUMNS)[:batch])
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def _members_of(
    rows: list[tuple[Any, ...]], county_ids: list[int] | None
) -> dict[int, list[tuple[Any, ...]]]:
    """Active members of the batch's households, in member order. Selected by the batch's id
    range (an index range scan on (household, active, position)) rather than a long IN list,
    which PostgreSQL tends to answer with a sequential scan."""
    members: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    if not rows:
        return members
    wanted = {r[0] for r in rows}
    qs = Member.objects.filter(household_id__gte=rows[0][0], household_id__lte=rows[-1][0], active=True)
    if county_ids is not None:
        qs = qs.filter(household__county_id__in=county_ids)
    if len(wanted) < 50:
        qs = Member.objects.filter(household_id__in=wanted, active=True)
    for m in qs.order_by("household_id", "position", "pk").values_list(*MEMBER_COLUMNS):
        if m[0] in wanted:
            members[m[0]].append(m)
    return members


def _batch(
    run: RescreenRun,
    ruleset: RuleSet,
    rows: list[tuple[Any, ...]],
    members: dict[int, list[tuple[Any, ...]]],
    counties: dict[int, OrgUnit],
    std_cache: dict[tuple[int, str], rules.Standards],
    now: datetime,
) -> int:
    on = run.on_date
    by_tier: dict[str | None, list[int]] = defaultdict(list)
    singles: list[tuple[str, int, datetime, int, int]] = []
    back_to_confirmed: list[int] = []
    new_changes: list[tuple[Any, ...]] = []
    zero = Decimal("0")
    for row in rows:
        (pk, county_id, township_id, area, w, o, p, t, e1, e2, e3, e4, prop_ok, monitoring, designated) = row[
            :15
        ]
        tier, confirmed_single, old, old_single, computed_at = row[15:]
        household_members = members.get(pk)
        if not household_members:
            continue
        key = (county_id, area)
        std = std_cache.get(key)
        if std is None:
            std = std_cache[key] = standards_for_unit(
                ruleset.params, area=area, county=counties.get(county_id)
            )
        facts = rules.HouseholdFacts(
            area=area,
            household_income=w + o + p + t,
            rigid_expenditure=e1 + e2 + e3 + e4,
            property_within_limits=prop_ok,
            members=tuple(
                rules.MemberFacts(
                    age=rules.age_on(m[2], on),
                    labour_capacity=m[3],
                    disability_grade=m[4],
                    disability_category=m[5],
                    serious_illness=m[6],
                    has_able_supporter=m[7],
                    employed=m[8],
                    own_income=m[9] if m[9] is not None else zero,
                )
                for m in household_members
            ),
            monitoring=monitoring,
            designated_other=designated,
        )
        result = rules.classify(facts, std, explain=False)
        new = result.tier
        single = household_members[result.single_person][1] if result.single_person is not None else None
        if computed_at is not None and new == old and single == old_single:
            continue
        if single is not None:
            singles.append((new or "", single, now, ruleset.pk, pk))
        else:
            by_tier[new].append(pk)
        if new == tier and single == confirmed_single:
            back_to_confirmed.append(pk)
            continue
        new_changes.append(
            (
                run.pk,
                pk,
                county_id,
                township_id,
                tier,
                old,
                new,
                single,
                _direction(tier, new),
                "pending",
                ruleset.pk,
                now,
                "",
            )
        )
    with transaction.atomic():
        for tier_value, pks in by_tier.items():
            Household.objects.filter(pk__in=pks).update(
                computed_tier=tier_value,
                computed_single_person=None,
                computed_at=now,
                computed_ruleset=ruleset,
            )
        household_table = Household._meta.db_table
        change_table = RescreenChange._meta.db_table
        with connection.cursor() as cursor:
            if singles:
                cursor.executemany(
                    f"UPDATE {household_table} SET computed_tier = %s, computed_single_person_id = %s, "  # noqa: S608
                    "computed_at = %s, computed_ruleset_id = %s WHERE id = %s",
                    singles,
                )
            superseded_ids = back_to_confirmed + [c[1] for c in new_changes]
            if superseded_ids:
                RescreenChange.objects.filter(
                    household_id__in=superseded_ids, status=RescreenChange.Status.PENDING
                ).update(
                    status=RescreenChange.Status.SUPERSEDED,
                    reviewed_at=now,
                    note=f"被重新筛查 #{run.pk} 的结果取代",
                )
            if new_changes:
                _insert_rows(cursor, change_table, CHANGE_COLUMNS, new_changes)
    return len(new_changes)


def rescreen_change_review(
    *,
    change: RescreenChange,
    decision: str,
    actor: Any,
    note: str = "",
    level: str = "yellow",
    now: datetime | None = None,
) -> RescreenChange:
    """Review a listed change: "verify" raises a warning (home-visit deadline) to verify the
    household's situation; "dismiss" needs a note (e.g. the data was wrong and is corrected)."""
    from assistance.services.monitoring import warning_raise

    now = now or timezone.now()
    if decision not in ("verify", "dismiss"):
        raise RuleViolation(errors={"decision": ["请选择核实或无需处理"]})
    if decision == "dismiss" and not note.strip():
        raise RuleViolation(errors={"note": ["无需处理时请说明理由"]})
    with transaction.atomic():
        locked = RescreenChange.objects.select_for_update().select_related("household").get(pk=change.pk)
        if locked.status != RescreenChange.Status.PENDING:
            raise InvalidTransition(f"该筛查结果已处理（{locked.get_status_display()}）")
        if decision == "verify":
            confirmed = rules.TIER_SHORT.get(locked.confirmed_tier or "", "未纳入")
            new = rules.TIER_SHORT.get(locked.new_tier or "", "不属于低收入人口")
            warning = warning_raise(
                household=locked.household,
                level=level,
                source=Warning.Source.RESCREEN,
                need="basic_living",
                description=f"重新筛查：已认定「{confirmed}」，按现行标准测算为「{new}」，请入户核实。{note.strip()}",
                actor=actor,
                now=now,
            )
            locked.warning = warning
            locked.status = RescreenChange.Status.VERIFYING
        else:
            locked.status = RescreenChange.Status.DISMISSED
        locked.note = note.strip()[:300]
        locked.reviewed_by, locked.reviewed_at = _user(actor), now
        locked.save(update_fields=["status", "note", "reviewed_by", "reviewed_at", "warning"])
        audit_record(
            actor=actor,
            action="assistance.rescreen.review",
            obj=locked,
            after={"decision": decision, "note": note},
        )
    return locked


def rescreen_due(*, today: date | None = None, actor: Any = None) -> RescreenRun | None:
    """Called periodically: when the standards in force today differ from those of the last
    run, request a run for the counties whose standards changed (all when a city-wide value did)."""
    day = today or timezone.localdate()
    current = standards_ruleset(day)
    last = (
        RescreenRun.objects.filter(ruleset__isnull=False, household_ids__isnull=True)
        .exclude(status=RescreenRun.Status.FAILED)
        .order_by("-pk")
        .select_related("ruleset")
        .first()
    )
    if last is not None and last.ruleset_id == current.pk:
        return None
    if RescreenRun.objects.filter(status=RescreenRun.Status.QUEUED, household_ids__isnull=True).exists():
        return None
    counties = (
        changed_counties(last.ruleset.params, current.params) if last is not None and last.ruleset else None
    )
    if counties == []:
        # Only the version changed (same values): record it without screening anyone.
        run = RescreenRun.objects.create(
            trigger=RescreenRun.Trigger.STANDARD,
            on_date=day,
            ruleset=current,
            status=RescreenRun.Status.DONE,
            note="标准版本更新但数值未变",
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )
        return run
    return rescreen_request(
        trigger=RescreenRun.Trigger.STANDARD,
        actor=actor,
        counties=counties,
        on=day,
        note=f"标准 {current.key} 第 {current.version} 版生效",
        run_inline=False,
    )


def rescreen_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: request a run after a standard took effect, and execute queued runs
    whose task message was lost (queued for more than two minutes)."""
    now = now or timezone.now()
    requested = 1 if rescreen_due(today=timezone.localdate(now)) else 0
    executed = 0
    stale = RescreenRun.objects.filter(
        status=RescreenRun.Status.QUEUED, created_at__lte=now - timedelta(minutes=2)
    ).order_by("pk")
    for run_id in stale.values_list("pk", flat=True)[:5]:
        rescreen_execute(run_id)
        executed += 1
    return {"requested": requested, "executed": executed}
