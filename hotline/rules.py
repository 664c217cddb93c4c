"""Pure rules of the 12345 hotline: time limits and the work-order clock (§3, §5), routing
(§2), duplicates, service standards (§9) and unit ranking figures (§8).

Nothing here touches the database: the rule-set parameters come in as a dict (from
`portal.rulesets.ruleset_in_force`), the working-day calendar as an `is_working` callable.
Every reading returns its explanation in Chinese so pages and the API can show why.

Readings (also listed in docs/hotline.md):
* "N working days" from a time: 24:00 (Asia/Shanghai) of the Nth working day after that day.
* Sign-for within 24 h of dispatch, counting only time on working days (a Friday 15:00 dispatch
  is due Monday 15:00; a holiday postpones further; an adjusted working Saturday counts).
* Dispatch within 24 h (2 h for outages/pollution) of receipt, in plain hours: the line is 7×24.
* The handling period starts at the *first* sign-for of the current lead unit and keeps running
  through a rejected return; after an approved return or a reassignment the new unit's period
  starts at its own first sign-for; a redo starts a new period of the same base length (without
  earlier extensions) at the redo; an extension moves the due time by the approved working days
  counted from the day the current limit ends; after the reply `overdue` is frozen.
* Limit precedence: subject override > channel override (for the kind) > the kind's default.
* Assisting units: ceil(share × lead limit) working days from their own sign-for, at least 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from portal.workcal import SHANGHAI, add_working_hours, due_after_working_days, end_of_day

IsWorking = Callable[[date], bool]

KIND_LABELS = {
    "consultation": "咨询",
    "help": "求助",
    "opinion": "意见",
    "suggestion": "建议",
    "complaint": "投诉",
    "report": "举报",
    "praise": "表扬",
}
CHANNEL_LABELS = {
    "phone": "电话",
    "web": "网站",
    "app": "手机客户端",
    "sms": "短信",
    "mailbox": "信箱",
    "national_portal": "中国政府网",
    "national_platform": "国家政务服务平台",
    "provincial_platform": "省级12345平台",
    "open311": "开放接口",
}
OUTAGE_KINDS = frozenset({"outage_water", "outage_power", "outage_gas", "outage_heat", "pollution"})
SUDDEN_KINDS = frozenset({"natural_disaster", "accident", "public_health", "social_security"})


class ClockError(Exception):
    """A clock operation that the rules do not allow (the service turns it into a domain error)."""


def _fmt(dt: datetime | None) -> str:
    if dt is None:
        return "—"
    return dt.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# --- parameters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeLimits:
    dispatch_hours: float
    sign_hours: float
    sign_postponed: bool
    handling_days: dict[str, int | None]
    channel_overrides: dict[str, dict[str, int | None]]
    subject_overrides: dict[str, int | None]
    assist_share: Decimal
    max_extension_days: int | None
    special_dispatch_hours: float
    special_feedback_hours: float
    special_progress_hours: float

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> TimeLimits:
        special = params.get("special", {})
        return cls(
            dispatch_hours=float(params["dispatch_hours"]),
            sign_hours=float(params["sign_hours"]),
            sign_postponed=bool(params.get("sign_postponed_by_non_working_days", True)),
            handling_days=dict(params["handling_working_days"]),
            channel_overrides={k: dict(v) for k, v in params.get("channel_overrides", {}).items()},
            subject_overrides=dict(params.get("subject_overrides", {})),
            assist_share=Decimal(str(params.get("assist_share", "0.5"))),
            max_extension_days=params.get("max_extension_days"),
            special_dispatch_hours=float(special.get("dispatch_hours", 2)),
            special_feedback_hours=float(special.get("initial_feedback_hours", 1)),
            special_progress_hours=float(special.get("progress_every_hours", 24)),
        )


@dataclass(frozen=True)
class LimitReading:
    days: int | None  # None: no handling limit (praise)
    source: str  # "subject" | "channel" | "kind"
    explanation: str


def handling_limit(
    limits: TimeLimits, *, kind: str, channel: str = "", subject_code: str = ""
) -> LimitReading:
    """The handling limit in working days for an order (§3 "Time limits")."""
    label = KIND_LABELS.get(kind, kind)
    if subject_code and subject_code in limits.subject_overrides:
        days = limits.subject_overrides[subject_code]
        return LimitReading(days, "subject", f"分类 {subject_code} 另有规定：{_days_text(days)}")
    by_channel = limits.channel_overrides.get(channel, {})
    if kind in by_channel:
        days = by_channel[kind]
        return LimitReading(
            days, "channel", f"{CHANNEL_LABELS.get(channel, channel)}渠道的{label}类诉求：{_days_text(days)}"
        )
    if kind not in limits.handling_days:
        raise ClockError(f"未知的诉求类型：{kind}")
    days = limits.handling_days[kind]
    return LimitReading(days, "kind", f"{label}类诉求：{_days_text(days)}")


def _days_text(days: int | None) -> str:
    return "不设办理时限（转达后办结）" if days is None else f"{days} 个工作日"


def dispatch_due(received_at: datetime, limits: TimeLimits, *, special: bool = False) -> datetime:
    hours = limits.special_dispatch_hours if special else limits.dispatch_hours
    return received_at + timedelta(hours=hours)


def sign_due(dispatched_at: datetime, limits: TimeLimits, is_working: IsWorking) -> datetime:
    if limits.sign_postponed:
        return add_working_hours(dispatched_at, limits.sign_hours, is_working)
    return dispatched_at + timedelta(hours=limits.sign_hours)


def handling_due(start: datetime, days: int, is_working: IsWorking) -> datetime:
    return due_after_working_days(start, days, is_working)


def extended_due(due_at: datetime, days: int, is_working: IsWorking) -> datetime:
    """Move a due time (24:00 of day D) by `days` working days: 24:00 of the Nth working day
    after D. A due time inside a day (not a day end) extends from that day."""
    local = due_at.astimezone(SHANGHAI)
    day = (local - timedelta(microseconds=1)).date() if local.time() == datetime.min.time() else local.date()
    current = day
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if is_working(current):
            counted += 1
    return end_of_day(current)


def assist_days(lead_days: int | None, share: Decimal) -> int | None:
    if lead_days is None:
        return None
    return max(1, math.ceil(Decimal(lead_days) * share))


# --- the clock of one order -----------------------------------------------------------------


@dataclass
class Clock:
    """The time readings of one order's current handling, moved by the §3 events.

    The services keep these values on the Order row; the golden cases drive the same class
    with plain values (tests/hotline/cases/time_limits.yaml)."""

    limits: TimeLimits
    is_working: IsWorking
    kind: str
    channel: str = ""
    subject_code: str = ""
    special: str = ""
    received_at: datetime | None = None
    dispatch_due_at: datetime | None = None
    dispatched_at: datetime | None = None
    sign_due_at: datetime | None = None
    signed_at: datetime | None = None
    clock_start_at: datetime | None = None
    limit_days: int | None = None
    extension_days: int = 0
    due_at: datetime | None = None
    replied_at: datetime | None = None
    reply_late: bool = False
    log: list[str] = field(default_factory=list)

    @property
    def is_outage(self) -> bool:
        return self.special in OUTAGE_KINDS

    # events ---------------------------------------------------------------------------------
    def receive(self, at: datetime) -> None:
        self.received_at = at
        self.dispatch_due_at = dispatch_due(at, self.limits, special=self.is_outage)
        hours = self.limits.special_dispatch_hours if self.is_outage else self.limits.dispatch_hours
        why = "（大面积停水停电停气停热或环境污染，第十四条）" if self.is_outage else ""
        self.log.append(f"受理于 {_fmt(at)}，应在 {hours:g} 小时内派单{why}：{_fmt(self.dispatch_due_at)} 前")

    def dispatch(self, at: datetime) -> None:
        self.dispatched_at = at
        self.dispatch_due_at = None
        self.sign_due_at = sign_due(at, self.limits, self.is_working)
        how = "（非工作日顺延）" if self.limits.sign_postponed else ""
        self.log.append(
            f"派单于 {_fmt(at)}，应在 {self.limits.sign_hours:g} 小时内签收{how}：{_fmt(self.sign_due_at)} 前"
        )

    def sign(self, at: datetime) -> bool:
        """The lead unit signs. Returns whether it was the first sign-for (which starts the clock)."""
        if self.signed_at is not None:
            self.log.append(f"{_fmt(at)} 再次签收：时限仍从首次签收 {_fmt(self.signed_at)} 起算")
            return False
        reading = handling_limit(
            self.limits, kind=self.kind, channel=self.channel, subject_code=self.subject_code
        )
        self.signed_at = at
        self.clock_start_at = at
        self.limit_days = reading.days
        self.extension_days = 0
        late = self.sign_due_at is not None and at > self.sign_due_at
        self.sign_due_at = None
        if reading.days is None:
            self.due_at = None
            self.log.append(f"首次签收于 {_fmt(at)}；{reading.explanation}")
        else:
            self.due_at = handling_due(at, reading.days, self.is_working)
            self.log.append(
                f"首次签收于 {_fmt(at)}{'（超过签收时限）' if late else ''}；{reading.explanation}，"
                f"办理时限 {_fmt(self.due_at)}"
            )
        return True

    def return_rejected(self, at: datetime) -> None:
        self.log.append(
            f"{_fmt(at)} 退回申请未获同意：工单仍由首次签收单位办理，时限继续计算（{_fmt(self.due_at)}）"
        )

    def unit_released(self, at: datetime, *, why: str) -> None:
        """Approved return or reassignment: the next unit's period starts at its own first sign-for."""
        self.signed_at = None
        self.clock_start_at = None
        self.limit_days = None
        self.extension_days = 0
        self.due_at = None
        self.sign_due_at = None
        self.dispatched_at = None
        self.replied_at = None
        self.reply_late = False
        self.log.append(f"{_fmt(at)} {why}：原单位时限终止，新承办单位的时限自其首次签收起算")

    def await_redispatch(self, at: datetime) -> None:
        self.dispatch_due_at = dispatch_due(at, self.limits, special=self.is_outage)
        self.log.append(f"待重新派单：{_fmt(self.dispatch_due_at)} 前")

    def extend(self, days: int, at: datetime | None = None) -> None:
        if self.due_at is None:
            raise ClockError("工单尚无办理时限，不能延期")
        if days < 1:
            raise ClockError("延期天数至少 1 个工作日")
        if self.limits.max_extension_days is not None and days > self.limits.max_extension_days:
            raise ClockError(f"单次延期不得超过 {self.limits.max_extension_days} 个工作日")
        before = self.due_at
        self.due_at = extended_due(self.due_at, days, self.is_working)
        self.extension_days += days
        self.log.append(f"批准延期 {days} 个工作日：时限由 {_fmt(before)} 延至 {_fmt(self.due_at)}")

    def reply(self, at: datetime) -> None:
        self.replied_at = at
        self.reply_late = self.due_at is not None and at > self.due_at
        state = "超过时限，逾期状态冻结为“逾期”" if self.reply_late else "在时限内，逾期状态冻结为“未逾期”"
        self.log.append(f"{_fmt(at)} 答复：{state}")

    def new_period(self, at: datetime, *, why: str) -> None:
        """Redo (发回重办) or reopen: a new period of the same base length from `at`."""
        if self.limit_days is None:
            self.due_at = None
            self.log.append(f"{_fmt(at)} {why}：该类诉求不设办理时限")
        else:
            self.clock_start_at = at
            self.extension_days = 0
            self.due_at = handling_due(at, self.limit_days, self.is_working)
            self.log.append(
                f"{_fmt(at)} {why}：重新计算 {self.limit_days} 个工作日，时限 {_fmt(self.due_at)}"
            )
        self.replied_at = None
        self.reply_late = False

    # readings -------------------------------------------------------------------------------
    def overdue(self, now: datetime) -> bool:
        if self.replied_at is not None:
            return self.reply_late
        return self.due_at is not None and self.due_at < now

    def feedback_due(self, signed_at: datetime) -> datetime:
        return signed_at + timedelta(hours=self.limits.special_feedback_hours)


# --- routing (§2) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteCandidate:
    rule_id: int
    lead_unit_id: int
    category_path: tuple[int, ...] | None  # the rule's category and its ancestors' ids, or None (any)
    place_path: str | None  # the rule's place materialised path, or None (whole city)
    keyword: str
    precedent: bool
    created_order: int  # larger = newer


@dataclass(frozen=True)
class RouteChoice:
    rule_id: int
    lead_unit_id: int
    score: tuple[int, ...]
    explanation: str


def pick_route(
    candidates: Iterable[RouteCandidate],
    *,
    category_id: int | None,
    category_ancestors: tuple[int, ...] = (),
    place_path: str = "",
    text: str = "",
) -> list[RouteChoice]:
    """Matching rules, best first. A rule matches when its category is the order's category or
    one of its ancestors (or any), its place contains the order's place (or is the whole city),
    and its keyword (if any) appears in the text. More specific wins: exact category > ancestor
    category > any; deeper place > shallower > city; keyword > none; then precedent, then newer."""
    out = []
    for cand in candidates:
        if cand.category_path is not None:
            if category_id is None:
                continue
            rule_cat = cand.category_path[0]
            if rule_cat == category_id:
                cat_score = 2
            elif rule_cat in category_ancestors:
                cat_score = 1
            else:
                continue
        else:
            cat_score = 0
        if cand.place_path is not None:
            if not place_path or not place_path.startswith(cand.place_path):
                continue
            place_score = cand.place_path.count("/")
        else:
            place_score = 0
        if cand.keyword:
            if cand.keyword not in text:
                continue
            kw_score = 1
        else:
            kw_score = 0
        score = (cat_score, place_score, kw_score, int(cand.precedent), cand.created_order)
        parts = []
        parts.append({2: "分类一致", 1: "上级分类一致", 0: "不限分类"}[cat_score])
        parts.append("地点在规则范围内" if place_score else "全市范围")
        if kw_score:
            parts.append(f"内容含“{cand.keyword}”")
        if cand.precedent:
            parts.append("中心协调确定的先例")
        out.append(RouteChoice(cand.rule_id, cand.lead_unit_id, score, "，".join(parts)))
    out.sort(key=lambda c: c.score, reverse=True)
    return out


# --- duplicates -----------------------------------------------------------------------------

_ADDRESS_NOISE = re.compile(r"[\s,，。.、·\-—（）()#号]+")


def normalise_address(address: str) -> str:
    return _ADDRESS_NOISE.sub("", address or "").lower()


def duplicate_score(address_a: str, address_b: str, tokens_a: set[str], tokens_b: set[str]) -> float:
    """0…1: how likely two requests (same subject and place, inside the window) are about the
    same matter: the address (equal or one inside the other) and the words they share."""
    a, b = normalise_address(address_a), normalise_address(address_b)
    address = 1.0 if a and a == b else (0.7 if a and b and (a in b or b in a) else 0.0)
    words = len(tokens_a & tokens_b) / len(tokens_a | tokens_b) if tokens_a and tokens_b else 0.0
    return round(0.6 * address + 0.4 * words, 4)


# --- service standards and ranking (§8–9) ---------------------------------------------------

FOUR = Decimal("0.0001")


def ratio(part: int, whole: int) -> Decimal | None:
    """A ratio to 4 places, half up; None when there is nothing to divide."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(FOUR, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class StandardReading:
    key: str
    label: str
    value: Decimal | None
    target: Decimal | None
    met: bool | None
    explanation: str


def connect_rate_reading(answered: int, total: int, target: Decimal) -> StandardReading:
    value = ratio(answered, total)
    met = None if value is None else value >= target  # "不低于 95%": ≥
    pct = "—" if value is None else f"{value * 100:.2f}%"
    text = (
        "没有来电记录"
        if value is None
        else f"接通 {answered} / 来电 {total} = {pct}，目标不低于 {target * 100:.0f}%：{'达标' if met else '未达标'}"
    )
    return StandardReading("connect_rate", "24小时接通率", value, target, met, text)


def within_reading(
    key: str, label: str, within: int, total: int, target: Decimal | None, limit_text: str
) -> StandardReading:
    """The share handled within a time (GB/T 33358 names the times; a target share is judged
    only when the rule set gives one)."""
    value = ratio(within, total)
    met = None if value is None or target is None else value >= target
    text = "没有数据" if value is None else f"{limit_text}内 {within} / {total} = {value * 100:.2f}%"
    return StandardReading(key, label, value, target, met, text)


@dataclass(frozen=True)
class UnitFigures:
    unit_id: int
    dispatched: int
    signed: int
    signed_on_time: int
    replied: int
    replied_on_time: int
    returned: int
    extended: int
    redone: int
    callbacks: int
    satisfied: int


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    sign_rate: Decimal | None
    sign_on_time_rate: Decimal | None
    on_time_rate: Decimal | None
    return_rate: Decimal | None
    extension_rate: Decimal | None
    redo_rate: Decimal | None
    resolution_rate: Decimal | None
    satisfaction_rate: Decimal | None
    score: Decimal | None


def unit_score(f: UnitFigures, weights: dict[str, Any]) -> UnitScore:
    """The provincial method's unit figures (§8) and a composite score for the ranking.
    Resolution = replied orders not sent back for redo; rates with no base are None and count
    as 0 in the composite (a unit with nothing replied is not ranked above others)."""
    on_time = ratio(f.replied_on_time, f.replied)
    resolution = ratio(f.replied - f.redone, f.replied) if f.replied else None
    satisfaction = ratio(f.satisfied, f.callbacks)
    score: Decimal | None = None
    if f.dispatched:
        total = Decimal(0)
        for key, value in (("on_time", on_time), ("resolution", resolution), ("satisfaction", satisfaction)):
            total += Decimal(str(weights.get(key, "0"))) * (value or Decimal(0))
        score = (total * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return UnitScore(
        unit_id=f.unit_id,
        sign_rate=ratio(f.signed, f.dispatched),
        sign_on_time_rate=ratio(f.signed_on_time, f.signed),
        on_time_rate=on_time,
        return_rate=ratio(f.returned, f.dispatched),
        extension_rate=ratio(f.extended, f.dispatched),
        redo_rate=ratio(f.redone, f.replied),
        resolution_rate=resolution,
        satisfaction_rate=satisfaction,
        score=score,
    )


def is_spike(today: int, baseline_total: int, baseline_days: int, factor: Decimal, min_count: int) -> bool:
    """A category or place is spiking when today's count reaches factor × the daily mean."""
    if today < min_count:
        return False
    mean = Decimal(baseline_total) / Decimal(max(baseline_days, 1))
    return Decimal(today) >= factor * mean


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; short numbers are hidden entirely."""
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "****"


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
