"""The call log and the callback queue (第十条): import the telephony system's CSV, mark
missed calls for callback in the order of the original call time, record callbacks."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hotline.models import CallRecord, Order
from hotline.services.intake import PHONE_RE
from portal.audit import audit_record, snapshot
from portal.errors import InvalidTransition, RuleViolation
from portal.workcal import SHANGHAI

# Accepted headers (English from the telephony export, or Chinese) → field.
HEADERS = {
    "call_id": "external_id",
    "话单编号": "external_id",
    "caller": "phone",
    "来电号码": "phone",
    "start_time": "started_at",
    "来电时间": "started_at",
    "answer_time": "answered_at",
    "接通时间": "answered_at",
    "end_time": "ended_at",
    "挂机时间": "ended_at",
    "agent": "agent",
    "坐席工号": "agent",
}
REQUIRED = ("external_id", "phone", "started_at")
MAX_ROWS = 200_000


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0
    missed: int = 0
    errors: list[str] = field(default_factory=list)


def _time(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value.replace("/", "-"))
    if parsed is None:
        raise ValueError(value)
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=SHANGHAI)


def parse_csv(data: bytes) -> tuple[list[dict[str, Any]], list[str]]:
    """Rows as dicts and the errors (with line numbers). Accepts UTF-8 (with or without BOM) and GB18030."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    mapping = {
        h: HEADERS.get((h or "").strip().lower(), HEADERS.get((h or "").strip()))
        for h in reader.fieldnames or []
    }
    missing = [f for f in REQUIRED if f not in mapping.values()]
    if missing:
        names = {
            "external_id": "call_id/话单编号",
            "phone": "caller/来电号码",
            "started_at": "start_time/来电时间",
        }
        return [], ["缺少列：" + "、".join(names[m] for m in missing)]
    rows, errors = [], []
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            errors.append(f"文件超过 {MAX_ROWS} 行，请分批导入")
            break
        row: dict[str, str] = {}
        for header, value in raw.items():
            field = mapping.get(header)
            if field:
                row[field] = (value or "").strip()
        problems = []
        if not row.get("external_id"):
            problems.append("缺少话单编号")
        if not PHONE_RE.match(row.get("phone", "")):
            problems.append("来电号码无效")
        parsed: dict[str, Any] = {}
        for name in ("started_at", "answered_at", "ended_at"):
            try:
                parsed[name] = _time(row.get(name, ""))
            except ValueError:
                problems.append(f"时间格式无效：{row.get(name)}")
        if parsed.get("started_at") is None and not row.get("started_at"):
            problems.append("缺少来电时间")
        if (
            parsed.get("answered_at")
            and parsed.get("started_at")
            and parsed["answered_at"] < parsed["started_at"]
        ):
            problems.append("接通时间早于来电时间")
        if problems:
            errors.append(f"第 {line} 行：" + "；".join(problems))
            continue
        merged: dict[str, Any] = {**row, **parsed}
        rows.append(merged)
    return rows, errors


@transaction.atomic
def calls_import(*, data: bytes, actor: Any) -> ImportResult:
    """All or nothing: a file with errors imports nothing and says which lines are wrong.
    Rows already imported (same call id) are skipped, so a re-import is harmless."""
    rows, errors = parse_csv(data)
    result = ImportResult(errors=errors)
    if errors:
        return result
    ids = [r["external_id"] for r in rows]
    existing: set[str] = set()
    for start in range(0, len(ids), 5000):
        existing |= set(
            CallRecord.objects.filter(external_id__in=ids[start : start + 5000]).values_list(
                "external_id", flat=True
            )
        )
    seen: set[str] = set()
    new = []
    for r in rows:
        if r["external_id"] in existing or r["external_id"] in seen:
            result.skipped += 1
            continue
        seen.add(r["external_id"])
        answered = r.get("answered_at") is not None
        new.append(
            CallRecord(
                external_id=r["external_id"][:64],
                phone=r["phone"],
                started_at=r["started_at"],
                answered=answered,
                answered_at=r.get("answered_at"),
                ended_at=r.get("ended_at"),
                agent=r.get("agent", "")[:40],
                callback_state="" if answered else CallRecord.Callback.PENDING,
            )
        )
        result.missed += 0 if answered else 1
    CallRecord.objects.bulk_create(new, batch_size=2000)
    result.created = len(new)
    supersede_missed_calls()
    audit_record(
        actor=actor,
        action="hotline.calls.import",
        extra={"created": result.created, "skipped": result.skipped, "missed": result.missed},
    )
    return result


def supersede_missed_calls() -> int:
    """A missed call whose caller later got through needs no callback: one set-based UPDATE."""
    later_answered = CallRecord.objects.filter(
        phone=OuterRef("phone"), answered=True, started_at__gt=OuterRef("started_at")
    )
    return (
        CallRecord.objects.filter(callback_state=CallRecord.Callback.PENDING)
        .filter(Exists(later_answered))
        .update(callback_state=CallRecord.Callback.SUPERSEDED)
    )


@transaction.atomic
def call_callback(
    *, call: CallRecord, actor: Any, reached: bool, note: str = "", order: Order | None = None
) -> CallRecord:
    """Record a callback of a missed call."""
    c = CallRecord.objects.select_for_update().get(pk=call.pk)
    if c.callback_state != CallRecord.Callback.PENDING:
        raise InvalidTransition("该来电不在待回拨队列中")
    if not reached and not (note or "").strip():
        raise RuleViolation(errors={"note": ["未接通时请说明情况"]})
    before = snapshot(c)
    c.callback_state = CallRecord.Callback.DONE if reached else CallRecord.Callback.UNREACHABLE
    c.callback_at = timezone.now()
    c.callback_by = actor if getattr(actor, "is_authenticated", False) else None
    c.callback_note = (note or "").strip()[:200]
    c.order = order or c.order
    c.save()
    audit_record(actor=actor, action="hotline.call.callback", obj=c, before=before, after=snapshot(c))
    return c
