"""Pure rules of relief resources and after-disaster aid (plan 5.x(4), 6, 7.1–7.4). No database.

Readings (each a parameter of a dated rule set, see `relief_defaults`):

* Money is yuan with at most 2 decimals. Input with more decimals is refused, never rounded
  silently; computed amounts (standard × months, standard × persons) round half up to the fen.
* A balance (fund lot, stock of one item in one warehouse) may reach exactly 0, never below.
  Approving an allocation reserves it on the receipt's lot: what is free is balance − reserved.
* Transitional aid (6.1): a verified person's entitlement is the plan's monthly standard × the
  plan's months. Reconstruction (6.2): a household's subsidy may not exceed the plan's standard
  for its *assessed* damage class; payments may not exceed the approved amount. Winter-spring
  (6.3): a household's entitlement is the plan's per-person standard × its members.
* Winter-spring (6.3.1–6.3.2): the county survey starts on `survey_start` (1 September; "9 月开始")
  and must have started by `survey_started_by` (30 September: "started in September"); needs are
  submitted by the end of `needs_due` (15 October: "10 月中旬"). A county opened after the survey
  start gets at least `late_days` days. Ends of days are 24:00 Asia/Shanghai.
* 7.2.5: the upper level replenishes or compensates within `replenish_days` calendar days of
  drawing on the lower level's stock (the text sets no limit: a parameter); the receiving
  county confirms an allocation within `receipt_hours` hours (likewise).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_MONEY = Decimal("999999999999.99")  # max_digits=14, decimal_places=2


class MoneyError(ValueError):
    """The text is not an amount of yuan with at most 2 decimals (message in Chinese)."""


def money(value: Decimal) -> Decimal:
    """Round to the fen, half up (0.005 → 0.01)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def parse_amount(raw: Any, *, allow_zero: bool = False) -> Decimal:
    """An amount of yuan from user input: digits with at most 2 decimals, > 0 (or ≥ 0)."""
    if isinstance(raw, bool) or isinstance(raw, float):
        raise MoneyError('金额须以字符串或整数填写，如 "1500.00"')
    text = str(raw if raw is not None else "").strip().replace(",", "")
    if not text:
        raise MoneyError("请填写金额")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MoneyError("金额格式不正确") from None
    if not value.is_finite():
        raise MoneyError("金额格式不正确")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise MoneyError("金额最多两位小数（元、角、分）")
    if value < 0 or (value == 0 and not allow_zero):
        raise MoneyError("金额须大于 0" if not allow_zero else "金额不能为负数")
    if value > MAX_MONEY:
        raise MoneyError("金额过大")
    return value.quantize(FEN)


def fmt_money(value: Decimal) -> str:
    return f"{money(value):,.2f}"


# --- balances ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    ok: bool
    message: str = ""


def fund_draw(*, balance: Decimal, reserved: Decimal, amount: Decimal, what: str = "该资金") -> Check:
    """May `amount` be taken from a lot holding `balance` of which `reserved` is promised?"""
    free = balance - reserved
    if amount <= 0:
        return Check(False, "金额须大于 0")
    if amount > free:
        return Check(
            False,
            f"{what}可用余额 {fmt_money(free)} 元（余额 {fmt_money(balance)} 元，"
            f"已审核待下达 {fmt_money(reserved)} 元），不足 {fmt_money(amount)} 元",
        )
    return Check(True)


def stock_after(*, balance: int, delta: int, item: str = "该物资", unit: str = "") -> tuple[int, Check]:
    """The balance after a movement of `delta`; refused if it would go below zero."""
    if delta == 0:
        return balance, Check(False, "数量不能为 0")
    after = balance + delta
    if after < 0:
        return balance, Check(False, f"{item}库存 {balance}{unit}，不足 {-delta}{unit}")
    return after, Check(True)


# --- entitlements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entitlement:
    amount: Decimal | None
    explanation: list[str] = field(default_factory=list)


def transitional_entitlement(per_person_month: Decimal | None, months: int | None) -> Entitlement:
    if per_person_month is None or not months:
        return Entitlement(None, ["资金补助方案未定每人每月标准和救助月数"])
    amount = money(per_person_month * months)
    return Entitlement(
        amount,
        [
            f"过渡期生活救助：每人每月 {fmt_money(per_person_month)} 元 × {months} 个月 = {fmt_money(amount)} 元"
        ],
    )


DAMAGE_ZH = {"collapsed": "倒塌", "severe": "严重损坏", "general": "一般损坏", "none": "房屋未损"}


def reconstruction_standard(standards: dict[str, Decimal | None], damage: str) -> Entitlement:
    """The plan's subsidy for a household whose house was assessed as `damage`."""
    value = standards.get(damage)
    label = DAMAGE_ZH.get(damage, damage)
    if value is None:
        return Entitlement(None, [f"资金补助方案未定“{label}”户的补助标准"])
    return Entitlement(money(value), [f"倒损住房恢复重建：{label}户补助标准 {fmt_money(value)} 元"])


def winter_entitlement(per_person: Decimal | None, persons: int) -> Entitlement:
    if per_person is None:
        return Entitlement(None, ["资金补助方案未定每人补助标准"])
    amount = money(per_person * persons)
    return Entitlement(
        amount, [f"冬春救助：每人 {fmt_money(per_person)} 元 × {persons} 人 = {fmt_money(amount)} 元"]
    )


def check_payment(*, entitled: Decimal | None, paid: Decimal, amount: Decimal) -> Check:
    """A payment may bring the total paid up to the entitlement, not beyond."""
    if entitled is None:
        return Check(False, "尚无应发金额（先定资金补助方案或审批补助）")
    if amount <= 0:
        return Check(False, "发放金额须大于 0")
    remaining = entitled - paid
    if amount > remaining:
        return Check(
            False,
            f"应发 {fmt_money(entitled)} 元，已发 {fmt_money(paid)} 元，本次最多 {fmt_money(remaining)} 元",
        )
    return Check(True)


def check_application(*, standard: Decimal | None, applied: Decimal) -> Check:
    """A household's reconstruction subsidy application against the plan's standard."""
    if standard is None:
        return Check(False, "资金补助方案未定该受损等级的补助标准")
    if applied > standard:
        return Check(False, f"申请 {fmt_money(applied)} 元超过补助标准 {fmt_money(standard)} 元")
    return Check(True)


# --- eligibility (which ledger rows a programme may take) --------------------------------------


def person_eligible(kind: str, category: str, params: dict[str, Any]) -> bool:
    if kind != "transitional":
        return False
    return category in params.get("transitional_categories", [])


def household_eligible(kind: str, *, damage: str, needs_aid: bool, params: dict[str, Any]) -> bool:
    if kind == "reconstruction":
        return damage in params.get("reconstruction_damage", [])
    if kind == "winter_spring":
        rule = params.get("winter_spring_households", {})
        return (bool(rule.get("needs_aid")) and needs_aid) or damage in rule.get("damage", [])
    return False


# --- dates --------------------------------------------------------------------------------------


def _month_day(text: str, year: int) -> date:
    month, day = (int(p) for p in text.split("-"))
    return date(year, month, day)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=TZ)


def end_of(day: date) -> datetime:
    """24:00 of `day` (Asia/Shanghai), i.e. 00:00 of the next day."""
    return start_of(day + timedelta(days=1))


@dataclass(frozen=True)
class WinterDates:
    year: int
    survey_start: datetime
    survey_due: datetime
    needs_due: datetime


def winter_spring_dates(year: int, params: dict[str, Any], opened_on: date | None = None) -> WinterDates:
    """The year's winter-spring deadlines (6.3.1–6.3.2); a county opened after the survey start
    gets at least `late_days` days for each."""
    start = _month_day(params["survey_start"], year)
    survey_by = _month_day(params["survey_started_by"], year)
    needs_by = _month_day(params["needs_due"], year)
    if opened_on is not None and opened_on > start:
        late = timedelta(days=int(params.get("late_days", 0)))
        survey_by = max(survey_by, opened_on + late)
        needs_by = max(needs_by, opened_on + late)
    return WinterDates(year, start_of(start), end_of(survey_by), end_of(needs_by))


def winter_spring_open(today: date, params: dict[str, Any]) -> bool:
    """Has this year's survey started (so the year's programmes are due to be opened)?"""
    return today >= _month_day(params["survey_start"], today.year)


def replenish_due(drawn_at: datetime, params: dict[str, Any]) -> datetime:
    return drawn_at + timedelta(days=int(params["replenish_days"]))


def receipt_due(dispatched_at: datetime, params: dict[str, Any]) -> datetime:
    return dispatched_at + timedelta(hours=float(params["receipt_hours"]))


# --- shelters -----------------------------------------------------------------------------------


def occupancy_rate(occupants: int, capacity: int) -> Decimal:
    """Occupants ÷ capacity, 4 decimals (half up); over 1 when over capacity."""
    if capacity <= 0:
        return Decimal("0.0000")
    return (Decimal(occupants) / Decimal(capacity)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
