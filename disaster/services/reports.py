"""Reports: drafts (autosaved), submission (idempotent, whole, immutable), corrections (new
versions), the aggregation table, the reporting deadlines each report fulfils or starts,
attachments, reports made by phone during an outage, verification requests."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from disaster.models import (
    Attachment,
    CurrentFigures,
    Event,
    EventCounty,
    MissingPersonChange,
    PhoneReport,
    Report,
    ReportDraft,
    ReportRow,
    VerificationRequest,
)
from disaster.rules import checks
from disaster.rules import deadlines as due
from disaster.rules.indicators import ALL_FIELDS, indicators_for
from disaster.services.common import (
    EMERGENCY_BUREAU,
    K_BACKFILL,
    K_CITY_DAILY,
    K_CITY_PROVINCE,
    K_CITY_REVIEW,
    K_CONTINUING,
    K_DROUGHT_CONTINUING,
    K_DROUGHT_INITIAL,
    K_DROUGHT_VERIFIED,
    K_INITIAL,
    K_MAJOR_CHANGE,
    K_VERIFIED,
    K_VERIFY_PHONE,
    K_VERIFY_WRITTEN,
    KIND_LABELS,
    OFFICE,
    deadline_rules,
    is_office,
    notify_urgent,
    office_recipients,
    unit,
)
from disaster.services.events import may_file_for
from portal.audit import audit_record
from portal.deadlines import deadline_create, deadline_meet
from portal.errors import InvalidTransition, RuleViolation
from portal.models import Deadline, OrgUnit
from portal.notifications import notify

K = Report.Kind


# --- what may be filed --------------------------------------------------------------------


def townships_of(county: OrgUnit) -> list[OrgUnit]:
    """The rows of a county's report: its active townships/streets, or the county itself when
    the organisation tree has none for it yet."""
    rows = list(
        OrgUnit.objects.filter(parent=county, kind=OrgUnit.Kind.TOWNSHIP, active=True).order_by("sort", "pk")
    )
    return rows or [county]


def current_report_q(event: Event, county: OrgUnit) -> Any:
    return Report.objects.filter(event=event, county=county, superseded_by__isnull=True)


def next_kind(event: Event, county: OrgUnit) -> str | None:
    """The kind of the county's next report, or None when nothing more is due."""
    kinds = set(Report.objects.filter(event=event, county=county).values_list("kind", flat=True))
    if event.status == Event.Status.ACTIVE:
        return K.CONTINUING if K.INITIAL in kinds else K.INITIAL
    if event.status == Event.Status.STABLE and K.VERIFIED not in kinds:
        return K.VERIFIED
    return None


def previous_values(event: Event, county: OrgUnit) -> dict[int, dict[str, Any]]:
    """Each township's values in the county's latest current report (from the aggregation)."""
    fields = ["township_id", *ALL_FIELDS]
    return {
        row["township_id"]: row
        for row in CurrentFigures.objects.filter(event=event, county=county).values(*fields)
    }


# --- checks (shared by autosave and submission) -------------------------------------------


@dataclass
class CheckResult:
    rows: dict[int, checks.RowCheck] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # "rows.<township>.<field>" / field
    totals: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_submission(
    *,
    event: Event,
    county: OrgUnit,
    rows: Mapping[Any, Mapping[str, Any]],
    is_correction: bool,
    missing_changes: Sequence[Mapping[str, Any]] = (),
    previous: Mapping[int, Mapping[str, Any]] | None = None,
) -> CheckResult:
    allowed = {t.pk: t for t in townships_of(county)}
    result = CheckResult()
    if not rows:
        result.errors["rows"] = ["请至少填写一个乡镇（街道）的数据"]
    previous = previous_values(event, county) if previous is None else previous
    changes = [dict(c) for c in missing_changes]
    for change in changes:
        try:
            change["township"] = int(change.get("township") or 0)
        except (TypeError, ValueError):
            change["township"] = 0
    change_errors = checks.check_missing_changes(changes, set(allowed))
    if change_errors:
        result.errors["missing_changes"] = change_errors
    reasons: dict[int, int] = {}
    for change in changes:
        reasons[change["township"]] = reasons.get(change["township"], 0) + 1
    drought = event.is_drought
    visible = {i.field for i in indicators_for(drought)}
    for key, raw in rows.items():
        try:
            township_id = int(key)
        except (TypeError, ValueError):
            result.errors.setdefault("rows", []).append(f"乡镇编号无效：{key}")
            continue
        if township_id not in allowed:
            result.errors.setdefault("rows", []).append(f"乡镇（编号 {township_id}）不属于{county.name}")
            continue
        hidden = {
            k: v
            for k, v in raw.items()
            if k in ALL_FIELDS and k not in visible and str(v or "").strip() not in ("", "0")
        }
        check = checks.parse_row(raw)
        for name in hidden:
            check.add(name, "非干旱灾害不填报旱情指标")
        checks.check_row(
            check,
            previous=previous.get(township_id),
            is_correction=is_correction,
            missing_reasons=reasons.get(township_id, 0),
        )
        result.rows[township_id] = check
        for name, messages in check.errors.items():
            prefix = f"{allowed[township_id].name}："
            result.errors[f"rows.{township_id}.{name}"] = [prefix + m for m in messages]
    result.totals = checks.totals([c.values for c in result.rows.values()])
    return result


# --- drafts -------------------------------------------------------------------------------


def draft_for(event: Event, county: OrgUnit) -> ReportDraft | None:
    return ReportDraft.objects.filter(event=event, county=county).first()


@transaction.atomic
def draft_save(*, event: Event, county: OrgUnit, data: dict[str, Any], actor: Any) -> ReportDraft:
    """Keep what the user typed (called on every autosave). The token identifies this draft's
    submission, so a retried submit never files twice."""
    if not may_file_for(actor, county):
        raise PermissionDenied("只能为本县区报告灾情")
    draft = ReportDraft.objects.select_for_update().filter(event=event, county=county).first()
    if draft is None:
        try:
            with transaction.atomic():
                draft = ReportDraft.objects.create(
                    event=event, county=county, data=data, token=secrets.token_hex(16), updated_by=actor
                )
        except IntegrityError:
            draft = ReportDraft.objects.select_for_update().get(event=event, county=county)
        else:
            return draft
    draft.data, draft.updated_by = data, actor
    draft.save(update_fields=["data", "updated_by", "updated_at"])
    return draft


def draft_discard(*, event: Event, county: OrgUnit, actor: Any) -> None:
    if not may_file_for(actor, county):
        raise PermissionDenied("只能为本县区报告灾情")
    ReportDraft.objects.filter(event=event, county=county).delete()


# --- submission ---------------------------------------------------------------------------


def _require_aware(moment: datetime | None, name: str) -> None:
    if moment is not None and timezone.is_naive(moment):
        raise RuleViolation(errors={name: ["时间须带时区"]})


@transaction.atomic
def report_submit(
    *,
    event: Event,
    county: OrgUnit,
    kind: str,
    rows: Mapping[Any, Mapping[str, Any]],
    actor: Any,
    client_token: str | None = None,
    description: str = "",
    major_change: bool = False,
    missing_changes: Sequence[Mapping[str, Any]] = (),
    channel: str = Report.Channel.SYSTEM,
    reported_at: datetime | None = None,
    outage_note: str = "",
    phone_log: PhoneReport | None = None,
    supersedes: Report | None = None,
    correction_reason: str = "",
    figures_as_of: datetime | None = None,
) -> Report:
    """File a county report whole, or return the one already filed with this `client_token`.

    Checks every township row (§1) and refuses the report with field messages; the event row is
    locked so the county's series numbers and the aggregation stay consistent. A correction
    (`supersedes`) is a new version of a current report with a reason; cumulative values may
    fall only in a correction. The report meets its reporting deadline at the real time it was
    made (`reported_at`, for reports made by phone/fax/satellite phone during an outage) and
    starts the ones that follow from it."""
    if client_token:
        existing = Report.objects.filter(county=county, client_token=client_token).first()
        if existing is not None:
            return existing
    if not may_file_for(actor, county):
        raise PermissionDenied("只能为本县区报告灾情")
    event = Event.objects.select_for_update().select_related("type").get(pk=event.pk)
    ec = EventCounty.objects.filter(event=event, county=county).first()
    if ec is None:
        raise InvalidTransition(f"{county.name}不在本次灾害过程的受灾县区中")
    if client_token:  # a concurrent retry may have committed while we waited for the lock
        existing = Report.objects.filter(county=county, client_token=client_token).first()
        if existing is not None:
            return existing
    now = timezone.now()
    _require_aware(reported_at, "reported_at")
    _require_aware(figures_as_of, "figures_as_of")
    if kind not in K.values:
        raise RuleViolation(errors={"kind": ["报告类别无效"]})
    if channel not in Report.Channel.values:
        raise RuleViolation(errors={"channel": ["报告方式无效"]})
    if event.status == Event.Status.CLOSED:
        raise InvalidTransition("灾害过程已结束，不能再报送")

    is_correction = supersedes is not None
    seq, version = 0, 1
    if is_correction:
        assert supersedes is not None
        original = Report.objects.select_for_update().get(pk=supersedes.pk)
        if original.event_id != event.pk or original.county_id != county.pk:
            raise RuleViolation(errors={"supersedes": ["只能更正本县区本次灾害过程的报告"]})
        if Report.objects.filter(supersedes=original).exists():
            raise InvalidTransition("该报告已被更正，请在最新版本上更正")
        if not correction_reason.strip():
            raise RuleViolation(errors={"correction_reason": ["请说明更正原因"]})
        kind, seq, version = original.kind, original.seq, original.version + 1
    else:
        kinds = set(Report.objects.filter(event=event, county=county).values_list("kind", flat=True))
        if kind == K.INITIAL:
            if event.status != Event.Status.ACTIVE:
                raise InvalidTransition("灾情已稳定，不能再报送初报")
            if K.INITIAL in kinds:
                raise InvalidTransition("本县区已报送初报：请报送续报，或更正初报")
        elif kind == K.CONTINUING:
            if event.status != Event.Status.ACTIVE:
                raise InvalidTransition(
                    "灾情已稳定，请报送核报" if event.status == Event.Status.STABLE else "灾害过程已核报"
                )
            if K.INITIAL not in kinds:
                raise InvalidTransition("请先报送初报")
        elif kind == K.VERIFIED:
            if event.status != Event.Status.STABLE:
                raise InvalidTransition("灾情稳定（旱情解除）后才能报送核报")
            if K.VERIFIED in kinds:
                raise InvalidTransition("本县区已报送核报：如有错误请更正核报")
        seq = (Report.objects.filter(event=event, county=county).aggregate(m=Max("seq"))["m"] or 0) + 1

    # The real time the report was made.
    if phone_log is not None:
        if phone_log.event_id != event.pk or phone_log.county_id != county.pk:
            raise RuleViolation(errors={"phone_log": ["电话报告登记不属于本县区本次灾害过程"]})
        if Report.objects.filter(phone_log=phone_log).exists():
            raise InvalidTransition("该电话/传真报告已补录")
        channel, reported_at = phone_log.channel, phone_log.made_at
        outage_note = outage_note or f"补录 {phone_log.get_channel_display()}报告（登记号 {phone_log.pk}）"
    if channel == Report.Channel.SYSTEM:
        reported_at = now
    else:
        errors: dict[str, list[str]] = {}
        if reported_at is None:
            errors["reported_at"] = ["补录电话、传真、卫星电话报告须填写实际报告时间"]
        elif reported_at > now:
            errors["reported_at"] = ["实际报告时间不能晚于当前时间"]
        elif reported_at < ec.occurred_at:
            errors["reported_at"] = ["实际报告时间不能早于灾害发生时间"]
        if not outage_note.strip():
            errors["outage_note"] = ["请说明断电、断路、断网等情况"]
        if errors:
            raise RuleViolation(errors=errors)
    assert reported_at is not None

    if kind == K.VERIFIED and not is_correction and event.level_changes.exists():
        photos = photo_count(event, county)
        if photos < 3:
            raise RuleViolation(
                errors={
                    "attachments": [
                        f"启动应急响应的灾害过程，核报须附至少 3 张现场照片（已上传 {photos} 张）"
                    ]
                }
            )
    previous = previous_values(event, county)
    result = check_submission(
        event=event,
        county=county,
        rows=rows,
        is_correction=is_correction,
        missing_changes=missing_changes,
        previous=previous,
    )
    if not result.ok:
        raise RuleViolation(errors=result.errors)

    report = Report.objects.create(
        event=event,
        county=county,
        kind=kind,
        drought=event.is_drought,
        seq=seq,
        version=version,
        supersedes=supersedes,
        correction_reason=correction_reason.strip(),
        reported_at=reported_at,
        submitted_at=now,
        figures_as_of=figures_as_of,
        channel=channel,
        outage_note=outage_note.strip()[:200],
        phone_log=phone_log,
        description=description,
        major_change=major_change and kind == K.CONTINUING,
        submitted_by=actor,
        client_token=client_token or None,
        totals={k: str(v) for k, v in result.totals.items()},
        row_count=len(result.rows),
    )
    created_rows = ReportRow.objects.bulk_create(
        [ReportRow(report=report, township_id=tid, **check.values) for tid, check in result.rows.items()],
        batch_size=500,
    )
    if missing_changes:
        MissingPersonChange.objects.bulk_create(
            [
                MissingPersonChange(
                    report=report,
                    township_id=int(c["township"]),
                    name=str(c["name"]).strip()[:60],
                    outcome=c["outcome"],
                    note=str(c.get("note") or "").strip()[:200],
                )
                for c in missing_changes
            ]
        )
    Attachment.objects.filter(event=event, county=county, report__isnull=True).update(report=report)
    ReportDraft.objects.filter(event=event, county=county).delete()
    _update_current_figures(
        report,
        is_correction=is_correction,
        touched=set(result.rows) | _rows_of(supersedes),
        rows=created_rows,
    )
    event.last_report_at = now
    event.save(update_fields=["last_report_at"])
    audit_record(
        actor=actor,
        action="disaster.report.correct" if is_correction else "disaster.report.submit",
        obj=report,
        after={
            "kind": kind,
            "seq": seq,
            "version": version,
            "reported_at": reported_at,
            "channel": channel,
            "rows": len(result.rows),
            "totals": report.totals,
            "supersedes": supersedes.pk if supersedes else None,
            "reason": correction_reason,
        },
    )

    from disaster.services.response import event_reassess

    before_level = event.suggested_level
    assessment = event_reassess(event=event, trigger_report=report)
    _deadlines_after_submit(
        report, ec, is_correction=is_correction, level_rose=_rose(before_level, assessment.effective_level)
    )
    return report


def _rows_of(report: Report | None) -> set[int]:
    if report is None:
        return set()
    return set(ReportRow.objects.filter(report=report).values_list("township_id", flat=True))


def _rose(before: str | None, after: str | None) -> bool:
    from disaster.rules.levels import level_rank

    return level_rank(after) > level_rank(before)


def _update_current_figures(
    report: Report, *, is_correction: bool, touched: set[int], rows: list[ReportRow]
) -> None:
    """Keep `CurrentFigures` = disaster.rules.aggregate for the townships this report touches."""
    if not is_correction:
        # A new report is the latest of the series: its rows become the current figures.
        if any(row.pk is None for row in rows):  # a database without RETURNING
            rows = list(ReportRow.objects.filter(report=report))
        CurrentFigures.objects.bulk_create(
            [
                CurrentFigures(
                    event_id=report.event_id,
                    county_id=report.county_id,
                    township_id=row.township_id,
                    report=report,
                    row=row,
                    seq=report.seq,
                    **{f: getattr(row, f) for f in ALL_FIELDS},
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["event", "township"],
            update_fields=["county", "report", "row", "seq", *ALL_FIELDS],
            batch_size=500,
        )
        return
    # A correction takes its original's place in the series: recompute the touched townships
    # from the current reports (the latest current row of each).
    candidates = (
        ReportRow.objects.filter(
            report__event_id=report.event_id,
            report__county_id=report.county_id,
            report__superseded_by__isnull=True,
            township_id__in=touched,
        )
        .select_related("report")
        .order_by("township_id", "-report__seq")
    )
    best: dict[int, ReportRow] = {}
    for row in candidates:
        best.setdefault(row.township_id, row)
    CurrentFigures.objects.filter(event_id=report.event_id, township_id__in=touched - set(best)).delete()
    if best:
        CurrentFigures.objects.bulk_create(
            [
                CurrentFigures(
                    event_id=report.event_id,
                    county_id=report.county_id,
                    township_id=tid,
                    report_id=row.report_id,
                    row=row,
                    seq=row.report.seq,
                    **{f: getattr(row, f) for f in ALL_FIELDS},
                )
                for tid, row in best.items()
            ],
            update_conflicts=True,
            unique_fields=["event", "township"],
            update_fields=["county", "report", "row", "seq", *ALL_FIELDS],
        )


def _deadline(
    subject: Any,
    kind: str,
    *,
    unit_code: str | OrgUnit,
    due_at: datetime,
    starts_at: datetime,
    basis: str,
    url: str,
    urgent: bool = False,
    title: str = "",
    escalate: str | OrgUnit | None = None,
) -> Deadline:
    responsible = unit(unit_code) if isinstance(unit_code, str) else unit_code
    escalate_to = unit(escalate) if isinstance(escalate, str) else escalate
    return deadline_create(
        subject=subject,
        kind=kind,
        title=title or KIND_LABELS[kind],
        responsible_unit=responsible,
        escalate_to=escalate_to,
        starts_at=min(starts_at, due_at),
        due_at=due_at,
        rule_set=deadline_rules(starts_at),
        basis=basis,
        url=url,
        urgent=urgent,
    )


def _deadlines_after_submit(
    report: Report, ec: EventCounty, *, is_correction: bool, level_rose: bool
) -> None:
    event, county = report.event, report.county
    rules = deadline_rules(report.reported_at)
    params = rules.params
    at = report.reported_at
    file_url = f"/disaster/events/{event.pk}/file/?county={county.pk}"
    event_url = event.get_absolute_url()
    if is_correction:
        return
    if report.phone_log is not None:
        # The obligation was met when the report was made by phone; now the back-entry is done.
        deadline_meet(
            subject=report.phone_log, kind=K_BACKFILL, at=report.submitted_at, actor=report.submitted_by
        )
    drought = event.is_drought
    kind = report.kind
    if kind == K.INITIAL:
        if not report.phone_log_id:
            deadline_meet(
                subject=ec,
                kind=K_DROUGHT_INITIAL if drought else K_INITIAL,
                at=at,
                which="period",
                actor=report.submitted_by,
            )
        _deadline(
            report,
            K_CITY_REVIEW,
            unit_code=EMERGENCY_BUREAU,
            escalate=OFFICE,
            due_at=due.city_review_due(at, params),
            starts_at=at,
            basis="4.2.1" if not drought else "4.2.4",
            url=event_url,
            title=f"审核汇总并上报：{county.name}{report.title}（{event.title}）",
        )
        if drought:
            _deadline(
                ec,
                K_DROUGHT_CONTINUING,
                unit_code=county,
                escalate=EMERGENCY_BUREAU,
                due_at=due.drought_next_due(at, params, national=event.national_response),
                starts_at=at,
                basis="4.2.4",
                url=file_url,
                title=f"{county.name}：{event.title} {KIND_LABELS[K_DROUGHT_CONTINUING]}",
            )
        else:
            first = due.first_continuing_due(at, params)
            deadline_create(
                subject=ec,
                kind=K_CONTINUING,
                title=f"{county.name}：{event.title} {KIND_LABELS[K_CONTINUING]}",
                responsible_unit=county,
                escalate_to=unit(EMERGENCY_BUREAU),
                starts_at=at,
                due_at=first,
                recurrence={"every_seconds": 86400},
                rule_set=rules,
                basis="4.2.2（每日 {} 前报送前一日 24 时数据）".format(params["county_cutoff"]),
                url=file_url,
            )
            if not Deadline.objects.filter(
                subject_type=ContentType.objects.get_for_model(Event), subject_id=event.pk, kind=K_CITY_DAILY
            ).exists():
                deadline_create(
                    subject=event,
                    kind=K_CITY_DAILY,
                    title=f"{event.title}：{KIND_LABELS[K_CITY_DAILY]}",
                    responsible_unit=unit(EMERGENCY_BUREAU),
                    escalate_to=unit(OFFICE),
                    starts_at=at,
                    due_at=due.first_city_daily_due(at, params),
                    recurrence={"every_seconds": 86400},
                    rule_set=rules,
                    basis="4.2.2（每日 {} 前）".format(params["city_cutoff"]),
                    url=event_url,
                )
        notify(
            office_recipients(),
            title=f"收到初报：{county.name}（{event.title}），请在 {params['city_review_hours']} 小时内审核汇总上报",
            url=report.get_absolute_url(),
            subject=report,
            level="warning",
            dedupe_key=f"disaster:report:{report.pk}:received",
        )
    elif kind == K.CONTINUING:
        if not report.phone_log_id:
            deadline_meet(
                subject=ec,
                kind=K_DROUGHT_CONTINUING if drought else K_CONTINUING,
                at=at,
                which="period",
                actor=report.submitted_by,
            )
        if drought:
            _deadline(
                ec,
                K_DROUGHT_CONTINUING,
                unit_code=county,
                escalate=EMERGENCY_BUREAU,
                due_at=due.drought_next_due(at, params, national=event.national_response),
                starts_at=at,
                basis="4.2.4",
                url=file_url,
                title=f"{county.name}：{event.title} {KIND_LABELS[K_DROUGHT_CONTINUING]}",
            )
        if report.major_change or (level_rose and params.get("major_change_on_level_rise", True)):
            _deadline(
                report,
                K_MAJOR_CHANGE,
                unit_code=EMERGENCY_BUREAU,
                escalate=OFFICE,
                due_at=due.major_change_due(report.submitted_at, params),
                starts_at=report.submitted_at,
                basis="4.2.2（灾情发生重大变化，立即报告）",
                url=event_url,
                urgent=True,
                title=f"立即上报灾情重大变化：{county.name}（{event.title}）",
            )
            notify_urgent(
                units=[unit(EMERGENCY_BUREAU)],
                title=f"灾情重大变化：{county.name}（{event.title}），请立即向市政府和应急管理厅报告",
                url=report.get_absolute_url(),
                subject=report,
                dedupe_key=f"disaster:report:{report.pk}:major_change",
            )
    elif kind == K.VERIFIED:
        if not report.phone_log_id:
            deadline_meet(
                subject=ec,
                kind=K_DROUGHT_VERIFIED if drought else K_VERIFIED,
                at=at,
                which="period",
                actor=report.submitted_by,
            )
        _maybe_city_aggregate(event, at)
    # ≥10 dead (incl. missing) or trapped in the county: the city reports to the province in 30 min.
    if not drought:
        agg = CurrentFigures.objects.filter(event=event, county=county)
        dead = sum(agg.values_list("deaths", flat=True))
        missing = sum(agg.values_list("missing", flat=True))
        trapped = sum(agg.values_list("trapped", flat=True))
        if due.is_major(dead, missing, trapped, params):
            report_ids = list(Report.objects.filter(event=event, county=county).values_list("pk", flat=True))
            already = Deadline.objects.filter(
                subject_type=ContentType.objects.get_for_model(Report),
                subject_id__in=report_ids,
                kind=K_CITY_PROVINCE,
            ).exists()
            if not already:
                if not ec.major:
                    EventCounty.objects.filter(pk=ec.pk).update(major=True)
                _deadline(
                    report,
                    K_CITY_PROVINCE,
                    unit_code=EMERGENCY_BUREAU,
                    escalate=OFFICE,
                    due_at=due.city_province_due(at, params),
                    starts_at=at,
                    basis="4.2.1（10人以上死亡失踪或被困，接报后30分钟报告省应急管理厅）",
                    url=event_url,
                    urgent=True,
                    title=f"报告省应急管理厅：{county.name}{dead + missing}人死亡失踪、{trapped}人被困（{event.title}）",
                )
                notify_urgent(
                    units=[unit(EMERGENCY_BUREAU)],
                    title=f"重大灾情：{county.name}死亡失踪 {dead + missing} 人、被困 {trapped} 人，30分钟内报告省应急管理厅",
                    url=report.get_absolute_url(),
                    subject=report,
                    dedupe_key=f"disaster:report:{report.pk}:province",
                )


def _maybe_city_aggregate(event: Event, last_at: datetime) -> None:
    """When every affected county has filed its verified report, the city aggregates in 2 days
    (from the last one)."""
    from disaster.services.common import K_CITY_AGGREGATE

    counties = set(event.counties.values_list("county_id", flat=True))
    verified = set(Report.objects.filter(event=event, kind=K.VERIFIED).values_list("county_id", flat=True))
    if not counties or counties - verified:
        return
    ct = ContentType.objects.get_for_model(Event)
    if Deadline.objects.filter(subject_type=ct, subject_id=event.pk, kind=K_CITY_AGGREGATE).exists():
        return
    rules = deadline_rules(last_at)
    _deadline(
        event,
        K_CITY_AGGREGATE,
        unit_code=EMERGENCY_BUREAU,
        escalate=OFFICE,
        due_at=due.city_aggregate_due(last_at, rules.params),
        starts_at=last_at,
        basis="4.2.3（最后一个受灾县区核报后 2 日内）",
        url=event.get_absolute_url(),
        title=f"{event.title}：{KIND_LABELS[K_CITY_AGGREGATE]}",
    )


# --- attachments --------------------------------------------------------------------------


@transaction.atomic
def attachment_add(
    *,
    event: Event,
    county: OrgUnit,
    kind: str,
    upload: UploadedFile,
    actor: Any,
    report: Report | None = None,
    note: str = "",
) -> Attachment:
    """Add a file to the county's reporting (to the draft when `report` is None). Files are
    checked by size, extension and content (portal.uploads), never deleted; a wrong one is
    superseded by uploading the right one with a note."""
    if not may_file_for(actor, county):
        raise PermissionDenied("只能为本县区上传附件")
    if kind not in Attachment.Kind.values:
        raise RuleViolation(errors={"kind": ["附件类别无效"]})
    if not EventCounty.objects.filter(event=event, county=county).exists():
        raise InvalidTransition(f"{county.name}不在本次灾害过程的受灾县区中")
    if report is not None and (report.event_id != event.pk or report.county_id != county.pk):
        raise RuleViolation(errors={"report": ["报告不属于本县区本次灾害过程"]})
    from portal.uploads import DOCUMENTS, IMAGES, validate_upload

    file_kind = validate_upload(upload, kinds=IMAGES if kind == Attachment.Kind.PHOTO else DOCUMENTS)
    if (
        kind == Attachment.Kind.PHOTO and file_kind not in IMAGES
    ):  # pragma: no cover - validate_upload refused it
        raise RuleViolation(errors={"file": ["现场照片须为图片文件"]})
    size = upload.size or 0
    content_type = (upload.content_type or "").split(";")[0].strip()
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-200:]
    attachment = Attachment(
        event=event,
        county=county,
        report=report,
        kind=kind,
        original_name=name,
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        note=note.strip()[:200],
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action="disaster.attachment.add",
        obj=attachment,
        after={
            "kind": kind,
            "name": name,
            "sha256": attachment.sha256,
            "report": report.pk if report else None,
        },
    )
    return attachment


def photo_count(event: Event, county: OrgUnit) -> int:
    return Attachment.objects.filter(event=event, county=county, kind=Attachment.Kind.PHOTO).count()


# --- reports made by phone during an outage (4.1.3) ---------------------------------------


@transaction.atomic
def phone_report_log(
    *,
    event: Event,
    county: OrgUnit,
    kind: str,
    channel: str,
    made_at: datetime,
    summary: str,
    actor: Any,
) -> PhoneReport:
    """The office that received a report by phone, fax or satellite phone logs it: the county's
    reporting obligation is met at the real time it was made, and the county owes the back-entry
    into the system."""
    if not is_office(actor):
        raise PermissionDenied("由接报的市应急管理局登记")
    if channel not in (Report.Channel.PHONE, Report.Channel.FAX, Report.Channel.SAT_PHONE):
        raise RuleViolation(errors={"channel": ["请选择电话、传真或卫星电话"]})
    if kind not in K.values:
        raise RuleViolation(errors={"kind": ["报告类别无效"]})
    if timezone.is_naive(made_at) or made_at > timezone.now():
        raise RuleViolation(errors={"made_at": ["实际报告时间不能晚于当前时间"]})
    if not summary.strip():
        raise RuleViolation(errors={"summary": ["请记录报告内容摘要"]})
    ec = EventCounty.objects.filter(event=event, county=county).first()
    if ec is None:
        raise InvalidTransition(f"{county.name}不在本次灾害过程的受灾县区中")
    log = PhoneReport.objects.create(
        event=event,
        county=county,
        kind=kind,
        channel=channel,
        made_at=made_at,
        summary=summary.strip(),
        logged_by=actor,
    )
    drought = event.is_drought
    obligations: dict[str, str] = {
        K.INITIAL: K_DROUGHT_INITIAL if drought else K_INITIAL,
        K.CONTINUING: K_DROUGHT_CONTINUING if drought else K_CONTINUING,
        K.VERIFIED: K_DROUGHT_VERIFIED if drought else K_VERIFIED,
    }
    obligation = obligations[kind]
    deadline_meet(subject=ec, kind=obligation, at=made_at, which="period", actor=actor)
    rules = deadline_rules(log.logged_at)
    _deadline(
        log,
        K_BACKFILL,
        unit_code=county,
        escalate=EMERGENCY_BUREAU,
        due_at=due.backfill_due(log.logged_at, rules.params),
        starts_at=log.logged_at,
        basis="4.1.3（先电话、传真、卫星电话报告，后续及时通过系统补报）",
        url=f"/disaster/events/{event.pk}/file/?county={county.pk}&phone_log={log.pk}",
        title=f"{county.name}：补录{log.get_channel_display()}{log.get_kind_display()}（{event.title}）",
    )
    audit_record(
        actor=actor,
        action="disaster.phone_report.log",
        obj=log,
        after={"made_at": made_at, "kind": kind, "channel": channel},
    )
    return log


# --- verification instructions (4.2.1) ----------------------------------------------------


@transaction.atomic
def verification_request_create(
    *,
    event: Event,
    target: OrgUnit,
    question: str,
    actor: Any,
    source: str = "市应急管理局",
    asked_at: datetime | None = None,
) -> VerificationRequest:
    """A superior asks a bureau to verify information: phone feedback in 30 min, written in 1 h."""
    if not is_office(actor):
        raise PermissionDenied("由市应急管理局下达或登记核实指令")
    if not question.strip():
        raise RuleViolation(errors={"question": ["请填写需要核实的事项"]})
    moment = asked_at or timezone.now()
    if timezone.is_naive(moment) or moment > timezone.now():
        raise RuleViolation(errors={"asked_at": ["接到指令时间不能晚于当前时间"]})
    if target.kind == OrgUnit.Kind.COUNTY:
        if not EventCounty.objects.filter(event=event, county=target).exists():
            raise RuleViolation(errors={"target": [f"{target.name}不在本次灾害过程的受灾县区中"]})
        escalate = unit(EMERGENCY_BUREAU)
    elif target.code == EMERGENCY_BUREAU:
        escalate = unit(OFFICE)
    else:
        raise RuleViolation(errors={"target": ["核实对象须为受灾县区或市应急管理局"]})
    req = VerificationRequest.objects.create(
        event=event,
        target=target,
        question=question.strip(),
        source=source.strip()[:60] or "市应急管理局",
        asked_by=actor,
        asked_at=moment,
    )
    rules = deadline_rules(moment)
    phone_due, written_due = due.verify_feedback_due(moment, rules.params)
    url = req.get_absolute_url()
    for kind, at in ((K_VERIFY_PHONE, phone_due), (K_VERIFY_WRITTEN, written_due)):
        _deadline(
            req,
            kind,
            unit_code=target,
            escalate=escalate,
            due_at=at,
            starts_at=moment,
            basis="4.2.1（电话反馈30分钟、书面反馈1小时）",
            url=url,
            urgent=kind == K_VERIFY_PHONE,
            title=f"{target.name}：{KIND_LABELS[kind]}（{event.title}）",
        )
    notify_urgent(
        units=[target],
        title=f"核实指令：{question.strip()[:60]}（电话反馈30分钟内、书面反馈1小时内）",
        url=url,
        subject=req,
        dedupe_key=f"disaster:verify:{req.pk}",
    )
    audit_record(
        actor=actor,
        action="disaster.verification.ask",
        obj=req,
        after={"target": target.pk, "question": question},
    )
    return req


def may_answer(user: Any, req: VerificationRequest) -> bool:
    from portal.access import COUNTY_OFFICER, has_role

    if req.target.kind == OrgUnit.Kind.COUNTY:
        return has_role(user, COUNTY_OFFICER, unit=req.target)
    return is_office(user)


@transaction.atomic
def verification_answer(
    *,
    request: VerificationRequest,
    channel: str,
    answer: str,
    actor: Any,
    answered_at: datetime | None = None,
) -> VerificationRequest:
    req = VerificationRequest.objects.select_for_update().get(pk=request.pk)
    if not may_answer(actor, req):
        raise PermissionDenied("只有被要求核实的单位可以反馈")
    if channel not in ("phone", "written"):
        raise RuleViolation(errors={"channel": ["反馈方式须为电话或书面"]})
    if not answer.strip():
        raise RuleViolation(errors={"answer": ["请填写反馈内容"]})
    moment = answered_at or timezone.now()
    if timezone.is_naive(moment) or moment > timezone.now() or moment < req.asked_at:
        raise RuleViolation(errors={"answered_at": ["反馈时间须在接到指令之后、当前时间之前"]})
    if channel == "phone":
        if req.phone_at:
            raise InvalidTransition("已电话反馈")
        req.phone_answer, req.phone_at, req.phone_by = answer.strip(), moment, actor
        kind = K_VERIFY_PHONE
    else:
        if req.written_at:
            raise InvalidTransition("已书面反馈")
        req.written_answer, req.written_at, req.written_by = answer.strip(), moment, actor
        kind = K_VERIFY_WRITTEN
    req.save()
    deadline_meet(subject=req, kind=kind, at=moment, actor=actor)
    if channel == "written" and not req.phone_at:
        # A written answer also serves as the (late or on-time) first feedback.
        deadline_meet(subject=req, kind=K_VERIFY_PHONE, at=moment, actor=actor)
    audit_record(
        actor=actor,
        action=f"disaster.verification.answer_{channel}",
        obj=req,
        after={"at": moment, "answer": answer},
    )
    notify(
        [req.asked_by],
        title=f"{req.target.name}已{'电话' if channel == 'phone' else '书面'}反馈核实情况",
        url=req.get_absolute_url(),
        subject=req,
        dedupe_key=f"disaster:verify:{req.pk}:{channel}",
    )
    return req
