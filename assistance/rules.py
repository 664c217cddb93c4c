"""Pure rules of tiered assistance (驻政办〔2024〕16号; spec `assistance.md`).

Nothing here touches the database: the services load the rule-set version in force and the
household's figures and pass plain values in. Every result explains itself in Chinese.

* `classify` — the tier classifier of §2 with every Reading of the spec and of api.md;
* `validate_id_number` / `mask_id` / `mask_phone` — resident ID numbers (GB 11643-1999);
* `standards_for` — picks the local standard (county × urban/rural) out of the rule-set params;
* `monthly_benefit`, `review_interval_months`, `visit_due` — the project's readings for payment
  amounts, periodic-review intervals (§5a) and home-visit time limits (§4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
FEN = Decimal("0.01")

# --- vocabulary -------------------------------------------------------------------------------

EXTREME_POVERTY = "extreme_poverty"
DIBAO = "dibao"
NEAR_DIBAO = "near_dibao"
RIGID_EXPENDITURE = "rigid_expenditure"
OTHER = "other"
TIERS: tuple[str, ...] = (EXTREME_POVERTY, DIBAO, NEAR_DIBAO, RIGID_EXPENDITURE, OTHER)
TIER_LABELS = {
    EXTREME_POVERTY: "特困人员",
    DIBAO: "最低生活保障对象（低保）",
    NEAR_DIBAO: "低保边缘家庭成员",
    RIGID_EXPENDITURE: "刚性支出困难家庭成员",
    OTHER: "其他困难人员",
}
TIER_SHORT = {
    EXTREME_POVERTY: "特困",
    DIBAO: "低保",
    NEAR_DIBAO: "低保边缘",
    RIGID_EXPENDITURE: "刚性支出困难",
    OTHER: "其他困难",
}
# Tiers that are "basic living assistance" (§5 基本生活救助): leaving them triggers the 3-working-day
# transfer of §3, and they are re-checked periodically (§5a).
BASIC_TIERS = (EXTREME_POVERTY, DIBAO)

URBAN, RURAL = "urban", "rural"
AREAS = (URBAN, RURAL)
AREA_LABELS = {URBAN: "城市", RURAL: "农村"}

LABOUR_CAPACITIES = ("none", "partial", "full")
LABOUR_LABELS = {"none": "无劳动能力", "partial": "部分劳动能力", "full": "有劳动能力"}

DISABILITY_CATEGORIES = ("physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple")
DISABILITY_LABELS = {
    "physical": "肢体",
    "visual": "视力",
    "hearing": "听力",
    "speech": "言语",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重",
}
GRADE_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}

MONITORING_KINDS = ("unstable", "edge", "sudden")
MONITORING_LABELS = {"unstable": "脱贫不稳定户", "edge": "边缘易致贫户", "sudden": "突发严重困难户"}


def tier_priority(tier: str | None) -> int:
    """0 for 特困 … 4 for 其他; None (no tier) sorts last."""
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def money(value: Decimal) -> Decimal:
    """Round to the fen, half up."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> str:
    return f"{money(value)}"


def per_capita_text(value: Decimal) -> str:
    """A per-capita figure for explanations: two decimals when exact, otherwise up to four so
    an unrounded comparison never reads as "5280.00 < 5280.00"."""
    if value == money(value):
        return yuan(value)
    text = f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


# --- input and result -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFacts:
    age: int
    labour_capacity: str = "full"
    disability_grade: int | None = None
    disability_category: str | None = None
    serious_illness: bool = False
    has_able_supporter: bool = False
    employed: bool = False
    own_income: Decimal = Decimal("0")
    label: str = ""  # how the explanation names this member (e.g. the name); default "成员 N"


@dataclass(frozen=True)
class HouseholdFacts:
    area: str
    household_income: Decimal
    rigid_expenditure: Decimal
    property_within_limits: bool
    members: tuple[MemberFacts, ...]
    monitoring: str | None = None
    designated_other: bool = False  # "others the county designates" (tier 5)


@dataclass(frozen=True)
class Readings:
    """The configurable readings of §2 (rule-set params `readings`)."""

    elderly_age: int = 60
    minor_age: int = 18
    severe_grades: frozenset[int] = frozenset({1, 2})
    severe_grade3_categories: frozenset[str] = frozenset({"intellectual", "mental"})


@dataclass(frozen=True)
class Standards:
    """The local standards that apply to one household."""

    dibao: Decimal  # 低保 standard, yuan per person per year
    tekun: Decimal  # 特困 basic-living standard, yuan per person per year
    near_multiplier: Decimal  # 低保边缘: below multiplier × dibao
    rigid_share: Decimal  # tier 4: rigid expenditure above this share of household income
    monitoring_line: Decimal  # 防止返贫监测范围, yuan per person per year
    readings: Readings = field(default_factory=Readings)
    source: str = ""  # "驿城区·农村", "全市默认·城市", "请求指定的低保标准"

    @property
    def near_line(self) -> Decimal:
        return self.near_multiplier * self.dibao


@dataclass
class Check:
    tier: str
    passed: bool
    reason: str
    figures: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"tier": self.tier, "passed": self.passed, "reason": self.reason, "figures": self.figures}


@dataclass
class Classification:
    tier: str | None
    single_person: int | None  # member index for a single-person 低保 result
    other_single_persons: list[int]  # further members who also qualify alone (named in the explanation)
    checks: list[Check]
    explanation: list[str]
    per_capita_income: Decimal  # unrounded
    figures: dict[str, str]

    @property
    def tier_label(self) -> str:
        return TIER_LABELS.get(self.tier or "", "不属于低收入人口")


# --- the classifier ---------------------------------------------------------------------------


def is_severely_disabled(member: MemberFacts, readings: Readings) -> bool:
    """重残: certificate grade 1 or 2, or grade 3 intellectual or mental (一(一)1)."""
    grade = member.disability_grade
    if grade in readings.severe_grades:
        return True
    return grade == 3 and member.disability_category in readings.severe_grade3_categories


def holds_certificate(member: MemberFacts) -> bool:
    return member.disability_grade is not None or member.disability_category is not None


def disability_text(member: MemberFacts) -> str:
    if not holds_certificate(member):
        return "无残疾证"
    grade = GRADE_LABELS.get(member.disability_grade or 0, "等级未填")
    category = DISABILITY_LABELS.get(member.disability_category or "", "类别未填")
    return f"持{grade}{category}残疾证"


def _name(member: MemberFacts, index: int) -> str:
    return member.label or f"成员 {index + 1}"


def _join(parts: Sequence[str]) -> str:
    return "；".join(parts)


def classify_tier(facts: HouseholdFacts, std: Standards) -> tuple[str | None, int | None]:
    """The tier and the single-person member index only — the same decisions as `classify`
    without building the explanation (re-screening runs it on every household). The two are
    kept in step by the golden cases and a randomised comparison in the tests."""
    members = facts.members
    n = len(members)
    if n == 0:
        raise ValueError("a household has at least one member")
    readings = std.readings
    income = facts.household_income
    prop_ok = facts.property_within_limits
    dibao_total = std.dibao * n
    near_total = std.near_multiplier * std.dibao * n
    if n == 1:
        m = members[0]
        if (
            m.labour_capacity == "none"
            and income < std.dibao
            and prop_ok
            and not m.has_able_supporter
            and (m.age >= readings.elderly_age or holds_certificate(m) or m.age < readings.minor_age)
        ):
            return EXTREME_POVERTY, None
    if prop_ok and income < dibao_total:
        return DIBAO, None
    if prop_ok and income < near_total:
        for i, m in enumerate(members):
            if (is_severely_disabled(m, readings) or m.serious_illness) and m.own_income < std.dibao:
                return DIBAO, i
        return NEAR_DIBAO, None
    rigid = facts.rigid_expenditure
    if income - rigid < dibao_total or rigid > std.rigid_share * income:
        return RIGID_EXPENDITURE, None
    if facts.monitoring or facts.designated_other:
        return OTHER, None
    return None, None


def classify(facts: HouseholdFacts, std: Standards, *, explain: bool = True) -> Classification:
    """Check the tiers in the order of §2 (一(三)) and stop at the first that fits.

    Readings (spec §2 and api.md): "below" is strict; per-capita income is the yearly household
    income divided by the number of members, compared unrounded (we compare `income < line × n`,
    which is exact); property within limits is required for tiers 1–3 and the household's flag
    is used for single-person checks too; 特困 is tested only for a one-member household;
    single-person 低保 is tested after household 低保 fails; `monitoring: "sudden"` alone does not
    make tier 4 — it gives tier 5 when nothing else fits.
    """
    if not explain:
        tier_only, single_only = classify_tier(facts, std)
        n_members = len(facts.members)
        return Classification(tier_only, single_only, [], [], [], facts.household_income / n_members, {})
    if not facts.members:
        raise ValueError("a household has at least one member")
    readings = std.readings
    n = len(facts.members)
    income = facts.household_income
    rigid = facts.rigid_expenditure
    per_capita = income / n
    dibao_total = std.dibao * n
    near_total = std.near_line * n
    prop_ok = facts.property_within_limits
    prop_text = "家庭财产符合规定" if prop_ok else "家庭财产超出规定"
    pc_text = per_capita_text(per_capita)

    figures = {
        "members": str(n),
        "household_income": yuan(income),
        "per_capita_income": pc_text,
        "rigid_expenditure": yuan(rigid),
        "dibao_standard": yuan(std.dibao),
        "tekun_standard": yuan(std.tekun),
        "near_dibao_multiplier": str(std.near_multiplier),
        "near_dibao_line": yuan(std.near_line),
        "rigid_expenditure_share": str(std.rigid_share),
        "property_within_limits": "yes" if prop_ok else "no",
    }
    explanation = [
        f"适用标准（{std.source or '指定'}）：低保标准 {yuan(std.dibao)} 元/人·年；"
        f"低保边缘线 {std.near_multiplier} 倍 = {yuan(std.near_line)} 元/人·年。",
        f"共同生活家庭成员 {n} 人，家庭年收入 {yuan(income)} 元，人均 {pc_text} 元"
        f"（比较时使用未取整的人均值）；刚性支出 {yuan(rigid)} 元；{prop_text}。",
    ]
    if facts.monitoring:
        explanation.append(
            f"防止返贫监测对象：{MONITORING_LABELS.get(facts.monitoring, facts.monitoring)}"
            "（与类别并列的标识，本身不决定类别）。"
        )
    checks: list[Check] = []
    tier: str | None = None
    single: int | None = None
    others: list[int] = []

    # 1. 特困人员 ------------------------------------------------------------------------------
    if n != 1:
        checks.append(
            Check(
                EXTREME_POVERTY,
                False,
                f"家庭有 {n} 名成员：特困人员仅对单人户审核（一人户的成员同时满足全部条件才为特困）",
                {"members": str(n)},
            )
        )
    else:
        m = facts.members[0]
        fails: list[str] = []
        oks: list[str] = []
        if m.labour_capacity == "none":
            oks.append("无劳动能力")
        else:
            fails.append(f"有劳动能力（{LABOUR_LABELS.get(m.labour_capacity, m.labour_capacity)}）")
        if income < std.dibao and prop_ok:
            oks.append(f"无生活来源（收入 {yuan(income)} 元 < 低保标准 {yuan(std.dibao)} 元，{prop_text}）")
        elif not prop_ok:
            fails.append(f"有生活来源（{prop_text}）")
        else:
            fails.append(f"有生活来源（收入 {yuan(income)} 元 ≥ 低保标准 {yuan(std.dibao)} 元）")
        if m.has_able_supporter:
            fails.append("有履行义务能力的法定赡养、抚养、扶养义务人")
        else:
            oks.append("无法定义务人或义务人无履行能力")
        kinds = []
        if m.age >= readings.elderly_age:
            kinds.append(f"老年人（{m.age} 岁 ≥ {readings.elderly_age}）")
        if holds_certificate(m):
            kinds.append(f"残疾人（{disability_text(m)}）")
        if m.age < readings.minor_age:
            kinds.append(f"未成年人（{m.age} 岁 < {readings.minor_age}）")
        if kinds:
            oks.append("、".join(kinds))
        else:
            fails.append(
                f"不是老年人、残疾人或未成年人（{m.age} 岁，{disability_text(m)}）",
            )
        passed = not fails
        reason = ("符合：" + _join(oks)) if passed else ("不符合：" + _join(fails))
        checks.append(
            Check(EXTREME_POVERTY, passed, reason, {"age": str(m.age), "labour_capacity": m.labour_capacity})
        )
        if passed:
            tier = EXTREME_POVERTY

    # 2. 最低生活保障（含单人保） ---------------------------------------------------------------
    if tier is None:
        if income < dibao_total and prop_ok:
            checks.append(
                Check(
                    DIBAO,
                    True,
                    f"符合：人均收入 {pc_text} 元 < 低保标准 {yuan(std.dibao)} 元，且{prop_text}",
                    {"per_capita_income": pc_text, "dibao_standard": yuan(std.dibao)},
                )
            )
            tier = DIBAO
        else:
            household_reason = (
                f"家庭不符合：{prop_text}"
                if not prop_ok
                else f"家庭不符合：人均收入 {pc_text} 元 ≥ 低保标准 {yuan(std.dibao)} 元"
            )
            # 单人保 (Reading): household per capita below the near line, property within limits,
            # a severely disabled or seriously ill member whose own income is below the standard.
            single_notes: list[str] = []
            if not prop_ok:
                single_notes.append(f"单人保不适用：{prop_text}（单人保同样以家庭财产状况为准）")
            elif not income < near_total:
                single_notes.append(
                    f"单人保不适用：人均收入 {pc_text} 元 ≥ 低保边缘线 {yuan(std.near_line)} 元"
                    "（单人保只在低保边缘家庭中适用）"
                )
            else:
                qualifying: list[int] = []
                for i, m in enumerate(facts.members):
                    severe = is_severely_disabled(m, readings)
                    if not (severe or m.serious_illness):
                        continue
                    who = _name(m, i)
                    basis = []
                    if severe:
                        basis.append(f"重度残疾（{disability_text(m)}）")
                    if m.serious_illness:
                        basis.append("重病")
                    if m.own_income < std.dibao:
                        note = ""
                        if severe and m.age >= readings.minor_age and not m.employed:
                            note = "，成年无业重度残疾人"
                        qualifying.append(i)
                        single_notes.append(
                            f"{who}：{'、'.join(basis)}{note}，本人收入 {yuan(m.own_income)} 元 < "
                            f"低保标准 {yuan(std.dibao)} 元 → 符合单人保"
                        )
                    else:
                        single_notes.append(
                            f"{who}：{'、'.join(basis)}，但本人收入 {yuan(m.own_income)} 元 ≥ "
                            f"低保标准 {yuan(std.dibao)} 元 → 不符合单人保"
                        )
                if not single_notes:
                    single_notes.append("单人保不适用：没有重度残疾或重病的成员")
                if qualifying:
                    single, others = qualifying[0], qualifying[1:]
                    tier = DIBAO
            if single is not None:
                reason = (
                    f"{household_reason}；低保边缘家庭（人均 {pc_text} 元 < {yuan(std.near_line)} 元）中"
                    f"{_name(facts.members[single], single)}符合单人保：" + _join(single_notes)
                )
                checks.append(Check(DIBAO, True, reason, {"single_person": str(single)}))
            else:
                checks.append(Check(DIBAO, False, household_reason + "；" + _join(single_notes)))

    # 3. 低保边缘家庭成员 -----------------------------------------------------------------------
    if tier is None:
        if income < near_total and prop_ok:
            note = ""
            if facts.monitoring in ("unstable", "edge"):
                note = f"（含防止返贫监测对象：{MONITORING_LABELS[facts.monitoring]}）"
            checks.append(
                Check(
                    NEAR_DIBAO,
                    True,
                    f"符合：人均收入 {pc_text} 元 < 低保边缘线 {yuan(std.near_line)} 元，且{prop_text}{note}",
                    {"per_capita_income": pc_text, "near_dibao_line": yuan(std.near_line)},
                )
            )
            tier = NEAR_DIBAO
        elif not prop_ok:
            checks.append(Check(NEAR_DIBAO, False, f"不符合：{prop_text}"))
        else:
            checks.append(
                Check(
                    NEAR_DIBAO,
                    False,
                    f"不符合：人均收入 {pc_text} 元 ≥ 低保边缘线 {yuan(std.near_line)} 元",
                )
            )

    # 4. 刚性支出困难家庭成员 -------------------------------------------------------------------
    if tier is None:
        net = income - rigid
        net_pc = net / n
        share_limit = std.rigid_share * income
        by_net = net < dibao_total
        by_share = rigid > share_limit
        parts = [
            f"扣除刚性支出后人均 {per_capita_text(net_pc)} 元{' < ' if by_net else ' ≥ '}低保标准 {yuan(std.dibao)} 元",
            f"刚性支出 {yuan(rigid)} 元{' > ' if by_share else ' ≤ '}家庭收入的 {std.rigid_share} "
            f"（{yuan(share_limit)} 元）",
        ]
        fig = {"net_per_capita": per_capita_text(net_pc), "rigid_share_limit": yuan(share_limit)}
        if by_net or by_share:
            note = ""
            if facts.monitoring == "sudden":
                note = "（含防止返贫监测对象：突发严重困难户）"
            checks.append(Check(RIGID_EXPENDITURE, True, "符合：" + _join(parts) + note, fig))
            tier = RIGID_EXPENDITURE
        else:
            note = ""
            if facts.monitoring == "sudden":
                note = "；突发严重困难户标识本身不构成刚性支出困难，须满足支出条件"
            checks.append(Check(RIGID_EXPENDITURE, False, "不符合：" + _join(parts) + note, fig))

    # 5. 其他困难人员 ---------------------------------------------------------------------------
    if tier is None:
        if facts.monitoring:
            checks.append(
                Check(
                    OTHER,
                    True,
                    f"符合：防止返贫监测对象（{MONITORING_LABELS.get(facts.monitoring, facts.monitoring)}）"
                    "不符合以上各类条件",
                )
            )
            tier = OTHER
        elif facts.designated_other:
            checks.append(Check(OTHER, True, "符合：县区认定的其他特殊困难家庭"))
            tier = OTHER
        else:
            checks.append(Check(OTHER, False, "不符合：不是防止返贫监测对象，也未经县区认定为其他困难家庭"))

    for number, check in enumerate(checks, start=1):
        mark = "通过" if check.passed else "未通过"
        explanation.append(f"{number}. {TIER_LABELS[check.tier]}：{mark} — {check.reason}")
    if tier is None:
        explanation.append("结论：不属于低收入人口的任何类别。")
    elif single is not None:
        text = f"结论：{TIER_LABELS[tier]}（单人保：{_name(facts.members[single], single)}）"
        if others:
            names = "、".join(_name(facts.members[i], i) for i in others)
            text += f"；另有 {names} 也符合单人保条件，可另行申请"
        explanation.append(text + "。")
    else:
        explanation.append(f"结论：{TIER_LABELS[tier]}。")
    return Classification(tier, single, others, checks, explanation, per_capita, figures)


# --- standards out of the rule-set params -----------------------------------------------------


def readings_from_params(params: Mapping[str, Any]) -> Readings:
    r = params.get("readings") or {}
    default = Readings()
    return Readings(
        elderly_age=int(r.get("elderly_age", default.elderly_age)),
        minor_age=int(r.get("minor_age", default.minor_age)),
        severe_grades=frozenset(int(g) for g in r.get("severe_grades", default.severe_grades)),
        severe_grade3_categories=frozenset(
            r.get("severe_grade3_categories", default.severe_grade3_categories)
        ),
    )


def standards_for(
    params: Mapping[str, Any],
    *,
    area: str,
    county_code: str | None = None,
    county_name: str = "",
    dibao_override: Decimal | None = None,
) -> Standards:
    """The standards for a household of `area` in county `county_code` (None: the city-wide
    default). A county without its own entry uses the city-wide default (said in `source`);
    `dibao_override` replaces the 低保 standard (api.md `dibao_standard`)."""
    county_entry = (params.get("counties") or {}).get(county_code or "", None)
    if county_code and county_entry and area in county_entry:
        entry = county_entry[area]
        source = f"{county_name or county_code}·{AREA_LABELS[area]}"
    else:
        entry = params["city_default"][area]
        source = f"全市默认·{AREA_LABELS[area]}"
        if county_code:
            source = f"{county_name or county_code}未单独设定，采用全市默认·{AREA_LABELS[area]}"
    dibao = Decimal(str(entry["dibao"]))
    if dibao_override is not None:
        dibao = dibao_override
        source = f"请求指定的低保标准（{AREA_LABELS[area]}）"
    return Standards(
        dibao=dibao,
        tekun=Decimal(str(entry["tekun"])),
        near_multiplier=Decimal(str(params["near_dibao_multiplier"])),
        rigid_share=Decimal(str(params["rigid_expenditure_share"])),
        monitoring_line=Decimal(str(params["monitoring_line"])),
        readings=readings_from_params(params),
        source=source,
    )


# --- resident ID numbers (GB 11643-1999) ------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


@dataclass(frozen=True)
class IdCheck:
    normalized: str
    errors: list[str]
    birth_date: date | None = None
    sex: str = ""  # "M" | "F"

    @property
    def ok(self) -> bool:
        return not self.errors


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalize_id(raw: str) -> str:
    return "".join(str(raw or "").split()).upper()


def validate_id_number(raw: str, *, today: date, oldest_year: int = 1900) -> IdCheck:
    """18 characters, 17 digits and a check character (0–9 or X) that matches GB 11643, and a
    birth date (characters 7–14) that is a real date between `oldest_year` and today."""
    value = normalize_id(raw)
    if not value:
        return IdCheck(value, ["请填写公民身份号码"])
    if len(value) != 18:
        extra = "（15 位旧号码请换算为 18 位）" if len(value) == 15 else ""
        return IdCheck(value, [f"公民身份号码应为 18 位，实际 {len(value)} 位{extra}"])
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return IdCheck(value, ["公民身份号码前 17 位应为数字，最后一位为数字或 X"])
    errors: list[str] = []
    birth: date | None = None
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        errors.append(f"公民身份号码中的出生日期 {value[6:14]} 不是有效日期")
    if birth is not None and not (oldest_year <= birth.year and birth <= today):
        errors.append(f"公民身份号码中的出生日期 {birth:%Y-%m-%d} 不合理")
        birth = None
    expected = id_check_char(value[:17])
    if value[17] != expected:
        errors.append(f"公民身份号码校验位错误（应为 {expected}），请核对号码")
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdCheck(value, errors, birth if not errors else None, sex if not errors else "")


def mask_id(value: str) -> str:
    """411702********123X: the region code and the last four characters stay visible."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    digits = "".join(str(value or "").split())
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def age_on(birth: date, on: date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


# --- payment amounts (project reading: 差额发放) ----------------------------------------------


def monthly_benefit(
    *,
    tier: str | None,
    std: Standards,
    members: int,
    household_income: Decimal,
    single_person_income: Decimal | None = None,
) -> Decimal:
    """The monthly amount of basic-living assistance (§5 基本生活救助), rounded to the fen.

    Reading (the document gives no formula; national practice): 低保 pays the gap between the
    standard and the income — (standard × members − household income) / 12, for a single-person
    低保 (standard − that person's income) / 12; 特困 pays the 特困 basic-living standard / 12.
    Other tiers receive special and temporary assistance, not a monthly payment (0)."""
    if tier == EXTREME_POVERTY:
        return money(std.tekun / 12)
    if tier == DIBAO:
        if single_person_income is not None:
            gap = std.dibao - single_person_income
        else:
            gap = std.dibao * members - household_income
        return money(max(gap, Decimal("0")) / 12)
    return Decimal("0.00")


# --- periodic review (§5a) and home visits (§4) -----------------------------------------------


def review_interval_months(members: Sequence[MemberFacts], params: Mapping[str, Any]) -> tuple[int, str]:
    """Months until the next periodic review and why. Reading: yearly by default; more often
    (default every 6 months) when a member of working age can work."""
    default = int(params.get("review_months", 12))
    able_months = int(params.get("review_months_able", 6))
    low, high = params.get("working_age", [16, 60])
    able = set(params.get("able_capacities", ["full", "partial"]))
    for m in members:
        if int(low) <= m.age < int(high) and m.labour_capacity in able:
            return (
                able_months,
                f"有劳动年龄（{low}–{int(high) - 1} 岁）且有劳动能力的成员，每 {able_months} 个月复核",
            )
    return default, f"每 {default} 个月复核"


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError("unreachable")  # pragma: no cover


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), dtime.min, tzinfo=SHANGHAI)


WARNING_LEVELS = ("red", "orange", "yellow")
WARNING_LEVEL_LABELS = {"red": "红色", "orange": "橙色", "yellow": "黄色"}


def visit_due(
    raised_at: datetime,
    level: str,
    params: Mapping[str, Any],
    *,
    add_working_days: Callable[[date, int], date] | None = None,
) -> tuple[datetime, int, bool]:
    """When the township must have visited: the end (24:00 Asia/Shanghai) of the Nth day after
    the warning's local date; N from `visit_days[level]` (defaults red 3, orange 7, yellow 15).
    With `working_days: true` the N days are working days (needs `add_working_days`)."""
    days = int(params["visit_days"][level])
    local = raised_at.astimezone(SHANGHAI).date()
    working = bool(params.get("working_days", False))
    if working:
        if add_working_days is None:
            raise ValueError("working-day visits need a calendar")
        return end_of_day(add_working_days(local, days)), days, True
    return end_of_day(local + timedelta(days=days)), days, False


# --- assistance layers and types (§5 三) ------------------------------------------------------

AID_LAYERS = {
    "basic": "基本生活救助",
    "special": "专项社会救助",
    "emergency": "急难社会救助",
    "service": "服务类社会救助",
    "other": "其他救助帮扶",
    "charity": "慈善帮扶",
}
# type → (label, layer)
AID_TYPES: dict[str, tuple[str, str]] = {
    "dibao": ("低保金", "basic"),
    "tekun": ("特困人员救助供养金", "basic"),
    "medical": ("医疗救助（含疾病应急救助）", "special"),
    "education": ("教育救助", "special"),
    "housing": ("住房救助", "special"),
    "employment": ("就业救助", "special"),
    "disaster": ("受灾人员救助", "special"),
    "judicial": ("司法救助", "special"),
    "worker": ("困难职工帮扶", "special"),
    "temporary": ("临时救助", "emergency"),
    "homeless": ("生活无着流浪乞讨人员救助", "emergency"),
    "visit_service": ("访视服务", "service"),
    "care_service": ("照料服务", "service"),
    "social_work": ("专业社会工作服务", "service"),
    "heating": ("取暖救助", "other"),
    "funeral": ("殡葬费用减免", "other"),
    "voucher": ("消费券", "other"),
    "price_subsidy": ("价格临时补贴", "other"),
    "festival_visit": ("春节前走访慰问", "other"),
    "charity": ("慈善帮扶", "charity"),
}
# The monthly payment of basic-living assistance for a confirmed tier.
MONTHLY_AID_TYPE = {DIBAO: "dibao", EXTREME_POVERTY: "tekun"}


def aid_layer(aid_type: str) -> str:
    return AID_TYPES[aid_type][1]
