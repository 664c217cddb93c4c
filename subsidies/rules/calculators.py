"""One pure calculator per clause: plain facts + the clause's parameters → an Evaluation that
explains itself (conditions checked, the arithmetic, the cap) in Chinese.

No database here: the service looks up the rule set in force and passes its params. Money is
Decimal throughout, rounded half-up to the fen once at the end of each product; thresholds
"N 以上" are `>= N`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from subsidies.rules.catalogue import CASE_BY_CASE
from subsidies.rules.money import ZERO, D, fmt_int, fmt_money, fmt_rate, money

OK, NO = "符合", "不符合"


class FactsError(Exception):
    """Bad or missing facts: `errors` maps "facts.<name>" to Chinese messages (API: 400)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("；".join(m for msgs in errors.values() for m in msgs))
        self.errors = errors


class NoCalculator(Exception):
    """The clause has no calculator for the evaluate API (unknown or decided case by case)."""

    def __init__(self, clause: str, message: str) -> None:
        super().__init__(message)
        self.clause = clause
        self.message = message


@dataclass(frozen=True)
class Window:
    """A document's validity: valid_from … valid_to inclusive (None: open-ended)."""

    valid_from: date
    valid_to: date | None

    def contains(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def label(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "长期有效"
        return f"{self.valid_from.isoformat()} 至 {end}"


@dataclass(frozen=True)
class Ctx:
    on: date
    window: Window
    lead_label: str = "主管部门"


@dataclass
class Evaluation:
    clause: str
    eligible: bool
    amount: Decimal
    cap: Decimal | None
    explanation: list[str]
    referral: bool = False
    band_min: Decimal | None = None
    band_max: Decimal | None = None
    full_amount: Decimal | None = None  # the amount before "received so far" was deducted
    details: dict[str, Any] = field(default_factory=dict)

    def as_api(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "amount": str(money(self.amount)),
            "cap": None if self.cap is None else str(money(self.cap)),
            "explanation": list(self.explanation),
        }


class ClauseParams:
    """The params of one clause from a document rule set."""

    def __init__(self, clause_id: str, data: Mapping[str, Any]) -> None:
        self.id = clause_id
        self.data = data
        self.params: Mapping[str, Any] = data.get("params", {})
        self.cap: Decimal | None = D(data["cap"]) if data.get("cap") else None
        self.title: str = data.get("title", clause_id)
        self.mode: str = data.get("mode", "")
        self.fiscal_level: str = data.get("fiscal_level", "")

    def money(self, name: str) -> Decimal:
        return D(self.params[name])

    def int(self, name: str) -> int:
        return int(self.params[name])


# --- reading facts --------------------------------------------------------------------------


class Facts:
    """Reads typed values out of the request's facts, collecting every error before raising."""

    def __init__(self, facts: Mapping[str, Any] | None) -> None:
        if facts is not None and not isinstance(facts, Mapping):
            raise FactsError({"facts": ["facts 应为对象（键值对）"]})
        self.raw: Mapping[str, Any] = facts or {}
        self.errors: dict[str, list[str]] = {}

    def _err(self, name: str, message: str) -> None:
        self.errors.setdefault(f"facts.{name}", []).append(message)

    def _get(self, name: str, label: str, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                self._err(name, f"缺少{label}（{name}）")
            return None
        return value

    def amount(
        self, name: str, label: str, *, required: bool = True, default: Decimal | None = None
    ) -> Decimal:
        value = self._get(name, label, required)
        if value is None:
            return default if default is not None else ZERO
        try:
            number = D(value)
        except (InvalidOperation, ValueError):
            self._err(name, f'{label}（{name}）应为金额数字，如 "1500000.00"')
            return ZERO
        if not number.is_finite():
            self._err(name, f"{label}（{name}）应为有限的数字")
            return ZERO
        if number < 0:
            self._err(name, f"{label}（{name}）不能为负数")
            return ZERO
        return number

    def ratio(self, name: str, label: str, *, required: bool = True) -> Decimal:
        number = self.amount(name, label, required=required)
        if f"facts.{name}" not in self.errors and number >= 1:
            self._err(name, f'{label}（{name}）应为小数形式的比率，如 "0.0345" 表示 3.45 %')
        return number

    def integer(
        self, name: str, label: str, *, required: bool = True, minimum: int = 0, default: int = 0
    ) -> int:
        value = self._get(name, label, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | str):
            self._err(name, f"{label}（{name}）应为整数")
            return default
        try:
            number = int(value)
        except ValueError:
            self._err(name, f"{label}（{name}）应为整数")
            return default
        if number < minimum:
            self._err(name, f"{label}（{name}）不能小于 {minimum}")
            return default
        return number

    def boolean(self, name: str, label: str, *, required: bool = True, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None:
            if required:
                self._err(name, f"缺少{label}（{name}），应为 true 或 false")
            return default
        if not isinstance(value, bool):
            self._err(name, f"{label}（{name}）应为 true 或 false")
            return default
        return value

    def choice(self, name: str, label: str, options: Mapping[str, str], *, required: bool = True) -> str:
        value = self._get(name, label, required)
        if value is None:
            return ""
        if value not in options:
            allowed = "、".join(f'"{k}"（{v}）' for k, v in options.items())
            self._err(name, f"{label}（{name}）应为 {allowed} 之一")
            return ""
        return str(value)

    def day(self, name: str, label: str, *, required: bool = False) -> date | None:
        value = self._get(name, label, required)
        if value is None:
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self._err(name, f"{label}（{name}）应为日期 YYYY-MM-DD")
            return None

    def check(self) -> None:
        if self.errors:
            raise FactsError(self.errors)


# --- explanation helpers --------------------------------------------------------------------


def _cmp(label: str, value: Decimal, threshold: Decimal, unit: str = "元") -> tuple[bool, str]:
    ok = value >= threshold
    return (
        ok,
        f"{label} {fmt_money(value)} {unit} {'≥' if ok else '<'} {fmt_money(threshold)} {unit}：{OK if ok else NO}",
    )


def _flag(label: str, value: bool) -> tuple[bool, str]:
    return value, f"{label}：{'是' if value else '否'}（{OK if value else NO}）"


def _not_eligible(clause: ClauseParams, lines: list[str], reason: str = "") -> Evaluation:
    lines.append(reason or "不符合条件，不予奖补，金额 0.00")
    return Evaluation(clause.id, False, ZERO, clause.cap, lines)


def _cap(amount: Decimal, cap: Decimal | None, label: str, lines: list[str]) -> Decimal:
    if cap is not None and amount > cap:
        lines.append(f"{fmt_money(amount)} 超过{label}上限 {fmt_money(cap)}，按上限计：{fmt_money(cap)}")
        return cap
    if cap is not None:
        lines.append(f"未超过{label}上限 {fmt_money(cap)}")
    return amount


def _remaining(
    amount: Decimal, cap: Decimal, received: Decimal, label: str, lines: list[str]
) -> tuple[Decimal, bool]:
    """Deduct what was already received under a cumulative cap. Returns (amount, cap_reached)."""
    left = cap - received
    if left <= 0:
        lines.append(f"{label}已享受 {fmt_money(received)}，已达上限 {fmt_money(cap)}：不再补助")
        return ZERO, True
    if amount > left:
        lines.append(
            f"{label}上限 {fmt_money(cap)}，已享受 {fmt_money(received)}，剩余额度 {fmt_money(left)}：按 {fmt_money(left)} 计"
        )
        return left, False
    if received > 0:
        lines.append(
            f"{label}上限 {fmt_money(cap)}，已享受 {fmt_money(received)}，剩余额度 {fmt_money(left)}：未超过"
        )
    else:
        lines.append(f"未超过{label}上限 {fmt_money(cap)}")
    return amount, False


def _result(
    clause: ClauseParams, amount: Decimal, lines: list[str], full: Decimal | None = None
) -> Evaluation:
    amount = money(amount)
    lines.append(f"应补助（奖励）金额：{fmt_money(amount)} 元（{clause.fiscal_level}兑现）")
    return Evaluation(
        clause.id, True, amount, clause.cap, lines, full_amount=money(full if full is not None else amount)
    )


def _new_recognition(f: Facts, ctx: Ctx, lines: list[str], what: str = "认定") -> bool:
    """ "新认定/新获批": the recognition date (when given) lies in the policy window, not after
    the evaluation date. Returns False (and explains) when it does not."""
    recognised = f.day("recognised_on", f"{what}日期")
    f.check()
    if recognised is None:
        lines.append(f"未提供{what}日期：按申报为政策有效期内新{what}处理")
        return True
    if recognised > ctx.on:
        lines.append(f"{what}日期 {recognised} 晚于评估日期 {ctx.on}：{NO}")
        return False
    if not ctx.window.contains(recognised):
        lines.append(
            f"{what}日期 {recognised} 不在政策有效期（{ctx.window.label()}）内，不属于新{what}：{NO}"
        )
        return False
    lines.append(f"{what}日期 {recognised} 在政策有效期（{ctx.window.label()}）内：{OK}")
    return True


LEVELS = {"national": "国家级", "provincial": "省级"}


# --- calculators: electronic information (A) -------------------------------------------------


def calc_e1b(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    total = f.amount("total_investment", "项目总投资")
    fixed = f.amount("fixed_asset_investment", "实际完成固定资产投资额")
    tax = f.amount("tax_per_mu", "亩均税收")
    producing = f.boolean("in_production", "是否竣工投产")
    new = f.boolean("new_investment", "是否新投资项目", required=False, default=True)
    f.check()
    lines: list[str] = []
    checks = [
        _cmp("项目总投资", total, clause.money("min_total_investment")),
        _flag("新投资电子信息项目", new),
        _flag("已竣工投产", producing),
        _cmp("亩均税收", tax, clause.money("min_tax_per_mu"), "元/亩"),
    ]
    lines += [line for _, line in checks]
    if not all(ok for ok, _ in checks):
        return _not_eligible(clause, lines)
    rate = clause.money("rate")
    raw = money(rate * fixed)
    lines.append(f"{fmt_rate(rate)} × {fmt_money(fixed)} = {fmt_money(raw)}")
    amount = _cap(raw, clause.cap, "单个项目", lines)
    return _result(clause, amount, lines)


ORIGINS = {"domestic": "内资", "foreign": "外资"}


def calc_e2(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    fixed = f.amount("fixed_asset_investment", "企业固定资产投资额")
    origin = f.choice("capital_origin", "资本来源", ORIGINS)
    producing = f.boolean("in_production", "是否已正式投产纳税")
    within = f.boolean("within_construction_period", "是否在合同约定建设周期内", required=False, default=True)
    f.check()
    lines: list[str] = []
    checks = [_flag("项目已正式投产纳税", producing), _flag("在合同约定建设周期内投产", within)]
    lines += [line for _, line in checks]
    if not all(ok for ok, _ in checks):
        return _not_eligible(clause, lines)
    rate = clause.money("rate_domestic" if origin == "domestic" else "rate_foreign")
    raw = money(rate * fixed)
    lines.append(
        f"{ORIGINS[origin]}：{fmt_rate(rate, per_mille=True)} × {fmt_money(fixed)} = {fmt_money(raw)}"
    )
    amount = _cap(raw, clause.cap, "单个项目", lines)
    lines.append("同一项目只认定一个奖励对象")
    return _result(clause, amount, lines)


def calc_e3c(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    kind = f.choice("kind", "认定类型", {"enterprise": "单项冠军示范企业", "product": "单项冠军产品"})
    f.check()
    lines = [
        f"认定类型：{'全国制造业单项冠军示范企业' if kind == 'enterprise' else '全国制造业单项冠军产品'}"
    ]
    if not _new_recognition(f, ctx, lines):
        return _not_eligible(clause, lines)
    amount = clause.money("amount_enterprise" if kind == "enterprise" else "amount_product")
    lines.append(f"一次性奖励 {fmt_money(amount)}")
    return _result(clause, amount, lines)


def _by_level(
    facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx, what: str, names: Mapping[str, str]
) -> Evaluation:
    f = Facts(facts)
    level = f.choice("level", "级别", names)
    f.check()
    lines = [f"{names[level]}{what}"]
    if not _new_recognition(f, ctx, lines):
        return _not_eligible(clause, lines)
    amount = clause.money(f"amount_{level}")
    lines.append(f"{names[level]}奖励 {fmt_money(amount)}（一次性）")
    return _result(clause, amount, lines)


def calc_e3d(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    names = {"national": "国家专精特新“小巨人”企业", "provincial": "省级“专精特新”中小企业"}
    return _by_level(facts, clause, ctx, "", names)


def calc_e5a(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    return _by_level(facts, clause, ctx, "技术创新中心或制造业创新中心", LEVELS)


def calc_e5b(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    return _by_level(facts, clause, ctx, "工业设计中心", LEVELS)


def calc_e5c(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    return _by_level(facts, clause, ctx, "工程（技术）研究中心、企业技术中心或工程实验室", LEVELS)


def _fixed(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx, what: str) -> Evaluation:
    f = Facts(facts)
    lines = [what]
    if not _new_recognition(f, ctx, lines):
        return _not_eligible(clause, lines)
    amount = clause.money("amount")
    lines.append(f"一次性奖励 {fmt_money(amount)}")
    return _result(clause, amount, lines)


def calc_e5d(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    return _fixed(facts, clause, ctx, "首次认定的中原学者工作站")


def calc_e5e(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    return _fixed(facts, clause, ctx, "新获得“中国质量奖”")


def calc_e4a(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    total = f.amount("total_investment", "项目总投资")
    equipment = f.amount("equipment_purchase", "生产设备购置金额（不含税）")
    provincial = f.boolean("provincial_funds_received", "是否获得省专项资金支持")
    within = f.boolean("within_construction_period", "是否在项目建设有效期内", required=False, default=True)
    received = f.amount("received_so_far", "本企业已享受的设备补贴", required=False)
    f.check()
    lines: list[str] = []
    ok_total, line = _cmp("项目总投资", total, clause.money("min_total_investment"))
    lines.append(line)
    ok_within, line = _flag("在项目建设有效期内", within)
    lines.append(line)
    if provincial:
        lines.append("项目已获得省专项资金支持：不再重复补贴（不符合）")
    if not (ok_total and ok_within) or provincial:
        return _not_eligible(clause, lines)
    lines.append("项目未获得省专项资金支持：符合")
    rate = clause.money("rate")
    raw = money(rate * equipment)
    lines.append(f"{fmt_rate(rate)} × {fmt_money(equipment)} = {fmt_money(raw)}")
    assert clause.cap is not None
    amount, reached = _remaining(raw, clause.cap, received, "单一企业", lines)
    if reached:
        return Evaluation(
            clause.id, False, ZERO, clause.cap, [*lines, "已达上限，金额 0.00"], full_amount=raw
        )
    return _result(clause, amount, lines, full=raw)


def calc_e4b(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    balance = f.amount("loan_balance", "设备购置中长期贷款余额")
    lpr = f.ratio("lpr_1y", "一年期 LPR")
    year = f.integer("subsidy_year", "贴息年度（第几年）", minimum=1)
    received = f.amount("received_so_far", "本项目以前年度已享受贴息", required=False)
    in_db = f.boolean("in_statistics_db", "是否列入固定资产投资统计库", required=False, default=True)
    f.check()
    lines: list[str] = []
    ok_db, line = _flag("列入固定资产投资统计库的工业投资项目", in_db)
    lines.append(line)
    max_years = clause.int("max_years")
    ok_year = year <= max_years
    lines.append(f"贴息第 {year} 年，期限不超过 {max_years} 年：{OK if ok_year else NO}")
    if not (ok_db and ok_year):
        return _not_eligible(clause, lines)
    share = clause.money("lpr_share")
    raw = money(share * lpr * balance)
    lines.append(f"{fmt_rate(share)} × {fmt_rate(lpr)} × {fmt_money(balance)} = {fmt_money(raw)}")
    assert clause.cap is not None
    amount, reached = _remaining(raw, clause.cap, received, "单个项目（各年合计）", lines)
    if reached:
        return Evaluation(
            clause.id, False, ZERO, clause.cap, [*lines, "已达上限，金额 0.00"], full_amount=raw
        )
    return _result(clause, amount, lines, full=raw)


def calc_e5f(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    sales = f.amount("sales", "首版次软件产品期限内实际销售总额")
    received = f.amount("received_so_far", "本企业已享受的首版次奖励", required=False)
    f.check()
    rate = clause.money("rate")
    raw = money(rate * sales)
    lines = [f"{fmt_rate(rate)} × {fmt_money(sales)} = {fmt_money(raw)}"]
    assert clause.cap is not None
    amount, reached = _remaining(raw, clause.cap, received, "单个企业", lines)
    if reached:
        return Evaluation(
            clause.id, False, ZERO, clause.cap, [*lines, "已达上限，金额 0.00"], full_amount=raw
        )
    if raw == 0:
        return _not_eligible(clause, lines, "销售额为 0，无奖励，金额 0.00")
    return _result(clause, amount, lines, full=raw)


def calc_e6(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    fee = f.amount("booth_fee", "展位费")
    received = f.amount("received_this_year", "本企业本年度已享受的展位费补助", required=False)
    above = f.boolean("above_designated_size", "是否规上电子信息企业", required=False, default=True)
    outside = f.boolean("outside_city", "展会是否在市外", required=False, default=True)
    organiser = f.boolean("government_organised", "是否市级及以上政府部门组织", required=False, default=True)
    f.check()
    checks = [
        _flag("规模以上电子信息企业", above),
        _flag("市级及以上政府部门组织的展会", organiser),
        _flag("展会在市外（不含市内）", outside),
    ]
    lines = [line for _, line in checks]
    if not all(ok for ok, _ in checks):
        return _not_eligible(clause, lines)
    rate = clause.money("rate")
    raw = money(rate * fee)
    lines.append(f"{fmt_rate(rate)} × {fmt_money(fee)} = {fmt_money(raw)}")
    assert clause.cap is not None
    amount, reached = _remaining(raw, clause.cap, received, "同一企业全年", lines)
    if reached:
        return Evaluation(
            clause.id, False, ZERO, clause.cap, [*lines, "本年度已达上限，金额 0.00"], full_amount=raw
        )
    return _result(clause, amount, lines, full=raw)


# --- calculators: culture and tourism (B) ----------------------------------------------------


def calc_t1(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    total = f.amount("total_investment", "项目投资总额")
    operating = f.boolean("in_operation", "是否已建成运营")
    new_format = f.boolean("new_format", "是否新业态文旅文创项目", required=False, default=True)
    f.check()
    checks = [
        _flag("体验性场馆、演艺、夜游等新业态文旅文创项目", new_format),
        _cmp("项目投资总额", total, clause.money("min_total_investment")),
        _flag("已建成运营", operating),
    ]
    lines = [line for _, line in checks]
    if not all(ok for ok, _ in checks):
        return _not_eligible(clause, lines)
    rate = clause.money("rate")
    raw = money(rate * total)
    lines.append(f"{fmt_rate(rate)} × {fmt_money(total)} = {fmt_money(raw)}")
    amount = _cap(raw, clause.cap, "", lines)
    return _result(clause, amount, lines)


def calc_t10(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    return _fixed(facts, clause, ctx, "当年认定为河南省省级夜经济集聚区（在省级奖励之外）")


TRAIN_KINDS = {"high_speed": "高铁旅游专列", "ordinary": "普通旅游专列"}


@dataclass(frozen=True)
class TrainResult:
    index: int
    kind: str
    passengers: int
    qualifies: bool
    amount: Decimal
    line: str


def t12_trip_bonus(count: int, params: Mapping[str, Any]) -> tuple[Decimal, str]:
    """The extra for `count` qualifying trains of one agency in one year.

    Tiers are "instead of", not cumulative (3 → +20,000; 5 → +30,000); beyond
    `bonus_linear_after` (5) each further train adds `bonus_per_extra_train` (10,000) —
    Reading: linear, 7 trains → 30,000 + 2 × 10,000.
    """
    tiers = sorted(params["bonus_tiers"], key=lambda t: int(t["trains"]))
    reached = [t for t in tiers if count >= int(t["trains"])]
    if not reached:
        first = int(tiers[0]["trains"]) if tiers else 0
        return ZERO, f"符合条件的专列 {count} 趟，未达 {first} 趟，无累计奖励"
    tier = reached[-1]
    base = D(tier["amount"])
    after = int(params["bonus_linear_after"])
    if count > after:
        step = D(params["bonus_per_extra_train"])
        extra = count - after
        bonus = base + step * extra
        return bonus, (
            f"符合条件的专列 {count} 趟（{after} 趟以上每增加一趟递增）：{fmt_money(base)} + {extra} × {fmt_money(step)} = {fmt_money(bonus)}"
        )
    return (
        base,
        f"符合条件的专列 {count} 趟，达到 {tier['trains']} 趟档：另奖励 {fmt_money(base)}（各档不重复享受）",
    )


def calc_t12(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    trains_raw = f.raw.get("trains")
    received = f.amount("received_this_year", "本年度已享受的专列奖励", required=False)
    if trains_raw is None:
        f._err("trains", "缺少专列清单（trains）：同一组团社一个自然年内组织的专列")
        trains_raw = []
    elif not isinstance(trains_raw, list):
        f._err("trains", "trains 应为列表")
        trains_raw = []
    parsed = []
    for i, raw in enumerate(trains_raw):
        sub = Facts(raw if isinstance(raw, Mapping) else None)
        if not isinstance(raw, Mapping):
            f._err(f"trains[{i}]", "每列专列应为对象")
            continue
        kind = sub.choice("kind", "专列类型", TRAIN_KINDS)
        passengers = sub.integer("passengers", "人数")
        spots = sub.integer("paid_scenic_spots", "游览收费景区数")
        days = sub.integer("days", "停留天数")
        nights = sub.integer("nights", "停留晚数")
        for key, msgs in sub.errors.items():
            f.errors.setdefault(f"facts.trains[{i}].{key.removeprefix('facts.')}", []).extend(msgs)
        parsed.append((i, kind, passengers, spots, days, nights))
    f.check()
    p = clause.params
    lines: list[str] = []
    results: list[TrainResult] = []
    for i, kind, passengers, spots, days, nights in parsed:
        label = f"第 {i + 1} 列 {TRAIN_KINDS[kind]} {fmt_int(passengers)} 人、收费景区 {spots} 个、停留 {days} 天 {nights} 晚"
        problems = []
        if spots < int(p["min_paid_scenic_spots"]):
            problems.append(f"收费景区少于 {p['min_paid_scenic_spots']} 个")
        if days < int(p["min_days"]) or nights < int(p["min_nights"]):
            problems.append(f"停留不足 {p['min_days']} 天（含 {p['min_nights']} 晚）")
        if kind == "high_speed":
            need = int(p["high_speed_min_passengers"])
        else:
            need = int(p["ordinary_min_passengers"])
        if passengers < need:
            problems.append(f"人数不足 {fmt_int(need)} 人")
        if problems:
            results.append(
                TrainResult(
                    i,
                    kind,
                    passengers,
                    False,
                    ZERO,
                    f"{label}：不符合（{'；'.join(problems)}），不奖励、不计趟数",
                )
            )
            continue
        if kind == "high_speed":
            per = D(p["high_speed_per_passenger"])
            amount = money(per * passengers)
            line = f"{label}：符合；{fmt_money(per)} 元/人 × {fmt_int(passengers)} = {fmt_money(amount)}"
        else:
            amount = money(D(p["ordinary_per_train"]))
            line = f"{label}：符合；每列 {fmt_money(amount)}"
        results.append(TrainResult(i, kind, passengers, True, amount, line))
    lines += [r.line for r in results]
    qualifying = [r for r in results if r.qualifies]
    if not qualifying:
        return _not_eligible(clause, lines or ["没有专列"], "没有符合条件的专列，不予奖励，金额 0.00")
    per_train = sum((r.amount for r in qualifying), ZERO)
    bonus, bonus_line = t12_trip_bonus(len(qualifying), p)
    lines.append(bonus_line)
    raw = money(per_train + bonus)
    lines.append(f"专列奖励 {fmt_money(per_train)} + 累计奖励 {fmt_money(bonus)} = {fmt_money(raw)}")
    assert clause.cap is not None
    capped = _cap(raw, clause.cap, "单个组团社本年度", lines)
    amount = capped
    if received > 0:
        amount = max(ZERO, capped - received)
        lines.append(f"本年度应得 {fmt_money(capped)} − 已享受 {fmt_money(received)} = {fmt_money(amount)}")
    if amount <= 0:
        return Evaluation(
            clause.id,
            False,
            ZERO,
            clause.cap,
            [*lines, "本年度已无可补发金额，金额 0.00"],
            full_amount=capped,
        )
    ev = _result(clause, amount, lines, full=capped)
    ev.details = {"qualifying_trains": len(qualifying), "per_train": str(per_train), "bonus": str(bonus)}
    return ev


# --- case-by-case clauses: a referral with the allowed band or cap --------------------------


def _referral(
    clause: ClauseParams, ctx: Ctx, lines: list[str], band_min: Decimal | None = None
) -> Evaluation:
    cap = clause.cap
    if cap is not None and band_min is not None:
        lines.append(
            f"一事一议：由{ctx.lead_label}在 {fmt_money(band_min)} – {fmt_money(cap)} 元之间个案确定金额"
        )
    elif cap is not None:
        lines.append(f"一事一议：由{ctx.lead_label}个案确定金额，最高 {fmt_money(cap)} 元")
    else:
        lines.append(f"一事一议：由{ctx.lead_label}个案研究确定支持方式和金额（政策未规定上限）")
    return Evaluation(clause.id, True, ZERO, cap, lines, referral=True, band_min=band_min, band_max=cap)


def calc_e1a(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    total = f.amount("total_investment", "项目总投资")
    intensity = f.amount("investment_intensity", "投资强度（元/亩）")
    f.check()
    checks = [
        _cmp("项目总投资", total, clause.money("min_total_investment")),
        _cmp("投资强度", intensity, clause.money("min_investment_intensity"), "元/亩"),
    ]
    lines = [line for _, line in checks]
    if not all(ok for ok, _ in checks):
        return _not_eligible(clause, lines)
    return _referral(clause, ctx, lines)


def calc_e1c(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    supported = f.boolean("supported", "是否获得工信部或省工信厅扶持、奖励")
    f.check()
    ok, line = _flag("获得工业和信息化部、省工业和信息化厅产业发展扶持和奖励", supported)
    if not ok:
        return _not_eligible(clause, [line])
    return _referral(clause, ctx, [line, "给予资金配套支持"])


def calc_e3a(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    rank = f.integer("contribution_rank", "当年财政贡献全市排名", required=False, minimum=1, default=0)
    contribution = f.amount("fiscal_contribution", "当年财政贡献", required=False)
    growth_rank = f.integer(
        "contribution_growth_rank", "财政贡献增速全市排名", required=False, minimum=1, default=0
    )
    f.check()
    p = clause.params
    top, growth_top = int(p["top_n"]), int(p["growth_top_n"])
    minimum = D(p["min_contribution"])
    by_rank = 0 < rank <= top
    by_growth = contribution >= minimum and 0 < growth_rank <= growth_top
    lines = [
        f"财政贡献全市排名：{rank or '未提供'}，前 {top} 位：{OK if by_rank else NO}",
        f"财政贡献 {fmt_money(contribution)} ≥ {fmt_money(minimum)} 且增速排名 {growth_rank or '未提供'} 在前 {growth_top} 位：{OK if by_growth else NO}",
    ]
    if not (by_rank or by_growth):
        return _not_eligible(clause, lines)
    return _referral(clause, ctx, lines)


def calc_e3b(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    growth = f.amount("composite_growth_rate", "年综合增长率")
    f.check()
    minimum = clause.money("min_growth_rate")
    ok = growth >= minimum
    lines = [f"年综合增长率 {fmt_rate(growth)} {'≥' if ok else '<'} {fmt_rate(minimum)}：{OK if ok else NO}"]
    if not ok:
        return _not_eligible(clause, lines)
    lines.append("高成长性企业事后奖励（每年）")
    return _referral(clause, ctx, lines)


def calc_e7(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    software = f.boolean("software_enterprise", "是否软件企业")
    entered = f.boolean("newly_entered_park", "是否新入驻软件产业园区")
    f.check()
    checks = [_flag("软件企业", software), _flag("新入驻软件产业园区", entered)]
    lines = [line for _, line in checks]
    if not all(ok for ok, _ in checks):
        return _not_eligible(clause, lines)
    lines.append("租金补贴由所在地财政确定")
    return _referral(clause, ctx, lines)


def calc_e9(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    planning = f.boolean("meets_planning", "是否符合产业发展规划且用地集约")
    intensity = f.boolean("meets_intensity", "投资强度是否达到规定标准")
    f.check()
    checks = [_flag("符合产业发展规划、用地集约", planning), _flag("投资强度达到规定标准", intensity)]
    lines = [line for _, line in checks]
    if not all(ok for ok, _ in checks):
        return _not_eligible(clause, lines)
    ratio = clause.money("min_land_price_ratio")
    lines.append(
        f"土地出让价可按不低于《全国工业用地出让最低价标准》的 {fmt_rate(ratio)} 执行；城市基础设施配套费按规定减免"
    )
    return _referral(clause, ctx, lines)


def calc_t5(facts: Mapping[str, Any], clause: ClauseParams, ctx: Ctx) -> Evaluation:
    f = Facts(facts)
    views = f.integer("views", "传播量（人次）", required=False)
    contribution = f.amount("fiscal_contribution", "为市、县财政贡献", required=False)
    original = f.boolean(
        "original_zhumadian", "是否驻马店历史文化旅游资源原创微短剧", required=False, default=True
    )
    f.check()
    p = clause.params
    min_views, min_contribution = int(p["min_views"]), D(p["min_fiscal_contribution"])
    by_views = views >= min_views
    by_money = contribution >= min_contribution
    lines = [
        _flag("驻马店历史文化旅游资源原创微短剧", original)[1],
        f"传播量 {fmt_int(views)} 人次 {'≥' if by_views else '<'} {fmt_int(min_views)}：{OK if by_views else NO}",
        f"财政贡献 {fmt_money(contribution)} {'≥' if by_money else '<'} {fmt_money(min_contribution)}：{OK if by_money else NO}",
        "两项满足其一即可",
    ]
    if not original or not (by_views or by_money):
        return _not_eligible(clause, lines)
    return _referral(clause, ctx, lines, band_min=D(p["band_min"]))


Calculator = Callable[[Mapping[str, Any], ClauseParams, Ctx], Evaluation]

CALCULATORS: dict[str, Calculator] = {
    "E1a": calc_e1a,
    "E1b": calc_e1b,
    "E1c": calc_e1c,
    "E2": calc_e2,
    "E3a": calc_e3a,
    "E3b": calc_e3b,
    "E3c": calc_e3c,
    "E3d": calc_e3d,
    "E4a": calc_e4a,
    "E4b": calc_e4b,
    "E5a": calc_e5a,
    "E5b": calc_e5b,
    "E5c": calc_e5c,
    "E5d": calc_e5d,
    "E5e": calc_e5e,
    "E5f": calc_e5f,
    "E6": calc_e6,
    "E7": calc_e7,
    "E9": calc_e9,
    "T1": calc_t1,
    "T5": calc_t5,
    "T10": calc_t10,
    "T12": calc_t12,
}
ALL_CLAUSES = tuple(CALCULATORS)


def document_of(clause_id: str) -> str | None:
    """ "E…" clauses belong to document A, "T…" to B; None for an unknown id."""
    if clause_id not in CALCULATORS:
        return None
    return "A" if clause_id.startswith("E") else "B"


def check_api_clause(clause_id: str, clauses: Mapping[str, Any] | None = None) -> None:
    """Raise NoCalculator for ids the evaluate API does not compute (api.md: a 400 naming the
    clause and why)."""
    if clause_id not in CALCULATORS:
        known = "、".join(ALL_CLAUSES)
        raise NoCalculator(clause_id, f"未知条款 {clause_id!r}：本系统的政策条款为 {known}")
    data = (clauses or {}).get(clause_id)
    if data is not None and data.get("mode") == CASE_BY_CASE:
        cap = data.get("cap")
        limit = f"（上限 {fmt_money(D(cap))} 元）" if cap else ""
        raise NoCalculator(
            clause_id,
            f"条款 {clause_id}（{data.get('title', '')}）为“一事一议”、由主管部门个案确定金额{limit}，"
            "没有计算公式，本接口不计算；请通过申报或自助测算页面获得转办意见",
        )


def evaluate(
    clause_id: str, facts: Mapping[str, Any] | None, document_params: Mapping[str, Any], ctx: Ctx
) -> Evaluation:
    """Run the clause's calculator with the clause's params from a document rule set."""
    data = document_params["clauses"].get(clause_id)
    if data is None:
        raise NoCalculator(clause_id, f"条款 {clause_id} 不在该政策文件的规则版本中")
    clause = ClauseParams(clause_id, data)
    ev = CALCULATORS[clause_id](facts or {}, clause, ctx)
    ev.explanation.insert(
        0, f"{clause_id} {clause.title}（{document_params['document']['number']} 第{data['article']}条）"
    )
    return ev


def out_of_force(
    clause_id: str, on: date, window: Window | None, title: str = "", cap: Decimal | None = None
) -> Evaluation:
    """The evaluation for a date on which the clause's document is not in force."""
    if window is None:
        reason = f"{on} 没有生效的政策版本：不予奖补"
    elif on < window.valid_from:
        reason = f"{on} 早于政策施行日期 {window.valid_from}（有效期 {window.label()}）：不予奖补"
    else:
        reason = f"{on} 不在政策有效期（{window.label()}）内，政策已失效：不予奖补"
    head = f"{clause_id} {title}".strip()
    return Evaluation(clause_id, False, ZERO, cap, [head, reason, "金额 0.00"])


def evaluate_on(
    clause_id: str,
    facts: Mapping[str, Any] | None,
    document_params: Mapping[str, Any],
    window: Window,
    on: date,
) -> Evaluation:
    """Evaluate on a date: outside the document's validity nothing is payable (facts are still
    validated, so bad input is reported whatever the date)."""
    ctx = Ctx(on, window)
    ev = evaluate(clause_id, facts, document_params, ctx)
    if not window.contains(on):
        data = document_params["clauses"].get(clause_id, {})
        return out_of_force(clause_id, on, window, data.get("title", ""), ev.cap)
    return ev
