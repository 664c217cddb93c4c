"""The rules of the supervision board, as pure functions over plain values.

* reporting periods and due times (`period_containing`, `report_due`, `remind_time`) — the
  reporting cadence is not in the documents: it is the board's own rule (rule set
  `supervision.reporting`, monthly by default, due at the end of the 5th working day after the
  period);
* status of an indicator and of a task (`indicator_status`, `task_status`) — on track / at risk /
  overdue / done from the target, the deadline and the latest report (rule set
  `supervision.status`). Every result explains itself in Chinese.

Target directions follow the documents' wording and the convention of the spec README
("以上"含本数，"以下"不含本数): at_least ≥ ("以上", "达到", "不小于"), more_than > ("超过"),
at_most ≤ ("不超过"), less_than < ("以下").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
IsWorking = Callable[[date], bool]

REPORTING_KEY = "supervision.reporting"
STATUS_KEY = "supervision.status"

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OVERDUE = "overdue"
DONE = "done"
STATUS_LABELS = {ON_TRACK: "按计划推进", AT_RISK: "存在风险", OVERDUE: "已逾期", DONE: "已完成"}
# Worst first: how a task summarises its indicators.
SEVERITY = {OVERDUE: 3, AT_RISK: 2, ON_TRACK: 1, DONE: 0}

AT_LEAST = "at_least"
MORE_THAN = "more_than"
AT_MOST = "at_most"
LESS_THAN = "less_than"
DIRECTIONS = {AT_LEAST: "≥", MORE_THAN: ">", AT_MOST: "≤", LESS_THAN: "<"}
DIRECTION_LABELS = {
    AT_LEAST: "不低于（≥，“以上”含本数）",
    MORE_THAN: "超过（>）",
    AT_MOST: "不超过（≤）",
    LESS_THAN: "低于（<，“以下”不含本数）",
}
CEILINGS = (AT_MOST, LESS_THAN)

WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
FREQUENCIES = {WEEKLY: "每周", MONTHLY: "每月", QUARTERLY: "每季度"}

REPORTING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["default_frequency", "due_working_days", "remind_working_days", "escalate_to"],
    "properties": {
        "default_frequency": {"enum": list(FREQUENCIES)},
        "due_working_days": {"type": "integer", "minimum": 1, "maximum": 30},
        "remind_working_days": {"type": "integer", "minimum": 0, "maximum": 20},
        "escalate_to": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}
STATUS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["pace_tolerance", "stale_after_days"],
    "properties": {
        "pace_tolerance": {"type": "string", "pattern": r"^(0(\.\d+)?|1(\.0+)?)$"},
        "stale_after_days": {
            "type": "object",
            "required": list(FREQUENCIES),
            "properties": {k: {"type": "integer", "minimum": 1} for k in FREQUENCIES},
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}

# The defaults that ship (seeded as version 1 by migration 0003).
REPORTING_DEFAULTS: dict[str, Any] = {
    "default_frequency": MONTHLY,
    "due_working_days": 5,
    "remind_working_days": 2,
    "escalate_to": "zfb",
}
STATUS_DEFAULTS: dict[str, Any] = {
    "pace_tolerance": "0.80",
    "stale_after_days": {WEEKLY: 14, MONTHLY: 45, QUARTERLY: 120},
}


@dataclass(frozen=True)
class ReportingParams:
    default_frequency: str
    due_working_days: int
    remind_working_days: int
    escalate_to: str

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ReportingParams:
        return cls(
            default_frequency=params["default_frequency"],
            due_working_days=int(params["due_working_days"]),
            remind_working_days=int(params["remind_working_days"]),
            escalate_to=params["escalate_to"],
        )


@dataclass(frozen=True)
class StatusParams:
    pace_tolerance: Decimal
    stale_after_days: dict[str, int]

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> StatusParams:
        return cls(
            pace_tolerance=Decimal(params["pace_tolerance"]),
            stale_after_days={k: int(v) for k, v in params["stale_after_days"].items()},
        )


# --- numbers --------------------------------------------------------------------------------


def fmt(value: Decimal | int | None) -> str:
    """2000.0000 → '2000', 2.50 → '2.5', with thousands separators."""
    if value is None:
        return "—"
    d = Decimal(value).normalize()
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,f}"


def percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def target_met(value: Decimal, target: Decimal, direction: str) -> bool:
    if direction == AT_LEAST:
        return value >= target
    if direction == MORE_THAN:
        return value > target
    if direction == AT_MOST:
        return value <= target
    if direction == LESS_THAN:
        return value < target
    raise ValueError(f"unknown direction {direction!r}")


def completion_share(value: Decimal, target: Decimal, baseline: Decimal | None = None) -> Decimal | None:
    """How much of the way from the baseline (0 when unknown) to the target the value is."""
    base = baseline or Decimal(0)
    if target == base:
        return None
    return (value - base) / (target - base)


# --- periods and due times ------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        if self.start.day == 1 and self.end == _month_end(self.start):
            return f"{self.start.year}年{self.start.month}月"
        if self.start.day == 1 and self.start.month in (1, 4, 7, 10) and self.end == _quarter_end(self.start):
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}"


def _month_end(day: date) -> date:
    first_next = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _quarter_end(day: date) -> date:
    last_month = (day.month - 1) // 3 * 3 + 3
    return _month_end(date(day.year, last_month, 1))


def period_containing(day: date, frequency: str) -> Period:
    """The reporting period (calendar week Monday–Sunday, month or quarter) containing `day`."""
    if frequency == WEEKLY:
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6))
    if frequency == MONTHLY:
        return Period(day.replace(day=1), _month_end(day))
    if frequency == QUARTERLY:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(start, _quarter_end(start))
    raise ValueError(f"unknown frequency {frequency!r}")


def periods_between(first: date, last: date, frequency: str) -> list[Period]:
    """Every period that starts on or after `first`'s period and contains a day ≤ `last`."""
    out: list[Period] = []
    period = period_containing(first, frequency)
    while period.start <= last:
        out.append(period)
        period = period_containing(period.end + timedelta(days=1), frequency)
    return out


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def report_due(period: Period, params: ReportingParams, is_working: IsWorking) -> datetime:
    """24:00 (Asia/Shanghai) of the Nth working day after the period's last day."""
    day, counted = period.end, 0
    while counted < params.due_working_days:
        day += timedelta(days=1)
        if is_working(day):
            counted += 1
    return _end_of_day(day)


def remind_time(due_at: datetime, params: ReportingParams, is_working: IsWorking) -> datetime | None:
    """09:00 of the working day `remind_working_days` working days before the due day (the due
    day is the local date before the 24:00 due time). None when reminders are off (0)."""
    if params.remind_working_days <= 0:
        return None
    day = (due_at.astimezone(SHANGHAI) - timedelta(microseconds=1)).date()
    counted = 0
    while counted < params.remind_working_days:
        day -= timedelta(days=1)
        if is_working(day):
            counted += 1
    return datetime.combine(day, time(9), tzinfo=SHANGHAI)


def report_as_of(period: Period, submitted_on: date) -> date:
    """The date a report's figures stand at: the period's end, or the filing day if earlier."""
    return min(period.end, submitted_on)


# --- status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFacts:
    name: str
    unit: str
    target: Decimal
    direction: str
    deadline: date | None
    baseline: Decimal | None = None  # known starting value: enables the pace check
    start: date | None = None  # the date of the baseline


@dataclass(frozen=True)
class Reading:
    value: Decimal
    as_of: date


@dataclass
class Evaluation:
    status: str
    lines: list[str] = field(default_factory=list)
    share: Decimal | None = None  # value's share of the way to the target
    expected: Decimal | None = None  # time elapsed as a share of the window (pace check)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def indicator_status(
    facts: IndicatorFacts,
    latest: Reading | None,
    *,
    today: date,
    frequency: str,
    reporting_starts: date,
    params: StatusParams,
) -> Evaluation:
    """Status of one indicator on `today` from its target, deadline and the latest reported value.

    1. the latest value meets the target → done;
    2. the deadline has passed → overdue;
    3. no value yet: at risk once `stale_after_days` (by frequency) have passed since reporting
       began, else on track;
    4. the latest value is older than `stale_after_days` → at risk;
    5. a ceiling (≤ / <) is exceeded → at risk;
    6. with a baseline: the share done below `pace_tolerance` × the share of time elapsed
       (baseline date → deadline, measured at the value's date) → at risk;
    7. otherwise on track.
    """
    sym = DIRECTIONS[facts.direction]
    target_text = f"目标 {sym} {fmt(facts.target)}{facts.unit}"
    deadline_text = f"截止 {facts.deadline:%Y-%m-%d}" if facts.deadline else "无截止日期"
    stale_days = params.stale_after_days[frequency]
    share = completion_share(latest.value, facts.target, facts.baseline) if latest else None
    head = f"{facts.name}：{target_text}，{deadline_text}。"

    if latest is not None:
        value_text = f"最新报告值 {fmt(latest.value)}{facts.unit}（截至 {latest.as_of:%Y-%m-%d}）"
        if target_met(latest.value, facts.target, facts.direction):
            late = (
                f"（晚于截止日期 {facts.deadline:%Y-%m-%d}）"
                if facts.deadline is not None and latest.as_of > facts.deadline
                else ""
            )
            return Evaluation(DONE, [head, f"{value_text}，已达到目标{late} → 已完成。"], share)
    else:
        value_text = "尚无报告值"

    if facts.deadline is not None and today > facts.deadline:
        return Evaluation(OVERDUE, [head, f"{value_text}，截止日期已过仍未达到目标 → 已逾期。"], share)

    if latest is None:
        waited = (today - reporting_starts).days
        if waited > stale_days:
            return Evaluation(
                AT_RISK,
                [
                    head,
                    f"自 {reporting_starts:%Y-%m-%d} 开始报送已 {waited} 天，超过 {stale_days} 天仍无报告值 → 存在风险。",
                ],
            )
        return Evaluation(ON_TRACK, [head, f"尚无报告值，仍在首次报告期内（{stale_days} 天）→ 按计划推进。"])

    age = (today - latest.as_of).days
    if age > stale_days:
        return Evaluation(
            AT_RISK, [head, f"{value_text}，已 {age} 天未更新（超过 {stale_days} 天）→ 存在风险。"], share
        )

    if facts.direction in CEILINGS:
        return Evaluation(AT_RISK, [head, f"{value_text}，仍高于上限 → 存在风险。"], share)

    if (
        facts.baseline is not None
        and facts.start is not None
        and facts.deadline is not None
        and facts.deadline > facts.start
        and share is not None
    ):
        window = Decimal((facts.deadline - facts.start).days)
        elapsed = Decimal(min(max((latest.as_of - facts.start).days, 0), (facts.deadline - facts.start).days))
        expected = elapsed / window
        pace = f"时间进度 {percent(expected)}（{facts.start:%Y-%m-%d} 起 {fmt(facts.baseline)}{facts.unit}）"
        done_text = f"完成目标的 {percent(share)}"
        if share < expected * params.pace_tolerance:
            return Evaluation(
                AT_RISK,
                [
                    head,
                    f"{value_text}，{done_text}，{pace}；低于时间进度的 {percent(params.pace_tolerance)} → 存在风险。",
                ],
                share,
                expected,
            )
        return Evaluation(
            ON_TRACK,
            [
                head,
                f"{value_text}，{done_text}，{pace}；不低于时间进度的 {percent(params.pace_tolerance)} → 按计划推进。",
            ],
            share,
            expected,
        )

    return Evaluation(
        ON_TRACK,
        [head, f"{value_text}，未达目标但未到截止日期（无起算基数，不做进度比较）→ 按计划推进。"],
        share,
    )


@dataclass(frozen=True)
class TaskFacts:
    deadline: date | None
    completed_on: date | None = None
    completion_note: str = ""
    overdue_reports: int = 0


def task_status(facts: TaskFacts, indicators: Sequence[tuple[str, Evaluation]], *, today: date) -> Evaluation:
    """Status of a task from its indicators, its deadline and its reporting record.

    1. the supervisor has confirmed completion → done;
    2. it has indicators and every one is done → done;
    3. an indicator is overdue → overdue;
    4. the task's deadline has passed → overdue;
    5. an indicator is at risk → at risk;
    6. a progress report is overdue → at risk;
    7. otherwise on track.
    """
    if facts.completed_on is not None:
        note = f"：{facts.completion_note}" if facts.completion_note else ""
        return Evaluation(DONE, [f"督查部门已于 {facts.completed_on:%Y-%m-%d} 确认完成{note} → 已完成。"])
    by_status: dict[str, list[str]] = {}
    for name, ev in indicators:
        by_status.setdefault(ev.status, []).append(name)
    count = len(indicators)
    if count and len(by_status.get(DONE, [])) == count:
        return Evaluation(DONE, [f"全部 {count} 项指标均已达到目标 → 已完成。"])
    if names := by_status.get(OVERDUE):
        return Evaluation(OVERDUE, [f"{len(names)} 项指标逾期未完成：{'、'.join(names)} → 已逾期。"])
    if facts.deadline is not None and today > facts.deadline:
        return Evaluation(
            OVERDUE, [f"任务截止日期 {facts.deadline:%Y-%m-%d} 已过，督查部门尚未确认完成 → 已逾期。"]
        )
    if names := by_status.get(AT_RISK):
        return Evaluation(AT_RISK, [f"{len(names)} 项指标存在风险：{'、'.join(names)} → 存在风险。"])
    if facts.overdue_reports:
        return Evaluation(AT_RISK, [f"{facts.overdue_reports} 份进度报告逾期未报 → 存在风险。"])
    if count:
        done = len(by_status.get(DONE, []))
        return Evaluation(
            ON_TRACK, [f"{count} 项指标中 {done} 项已完成，其余按进度推进，报告按时 → 按计划推进。"]
        )
    return Evaluation(ON_TRACK, ["无量化指标，进度报告按时报送，未到截止日期 → 按计划推进。"])


def worst(statuses: Sequence[str]) -> str | None:
    return max(statuses, key=lambda s: SEVERITY[s]) if statuses else None
