"""Response levels (disaster plan 5.1–5.4, spec disaster.md §3): `assess(figures, params)`.

Pure: plain values in, an explained result out. The parameters come from the rule set
`disaster.response_levels` in force on the relevant date (seeded from the spec; admins add
dated versions). Readings (spec §3), all carried by the data or by this code:

* a level is triggered when ANY one of its conditions holds; the suggested level is the highest
  level triggered — "highest level whose lower threshold is met", so a value above one band's
  upper bound and below the next level's lower bound still triggers the lower level;
* "以上" is >=; upper bounds only describe bands and are not evaluated;
* relocated and needing-aid are compared with the threshold each on its own (never added);
* level IV counts deaths only (`deaths`); III–I count deaths plus missing (`deaths_missing`) —
  which indicator a level uses is simply which key its thresholds carry;
* houses: collapsed plus severely damaged, in rooms or households;
* drought share: people needing government aid / the city's agricultural population (an
  admin-set figure with an effective date, or given per call); without it (none, or 0) the
  share condition is not evaluated and the explanation says so; the ratio is compared
  unrounded and shown with 4 decimals;
* 5.5 adjustment: `factor` multiplies every threshold for one event (e.g. 0.8 in a sensitive
  area); the caller shows the unadjusted and adjusted results side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

LEVELS = ("IV", "III", "II", "I")  # low → high
RANK = {level: i + 1 for i, level in enumerate(LEVELS)}
LEVEL_ZH = {"IV": "四级", "III": "三级", "II": "二级", "I": "一级"}
INDICATORS = (
    "deaths",
    "deaths_missing",
    "relocated",
    "needing_aid",
    "collapsed_rooms",
    "collapsed_households",
    "drought_share",
    "drought_count",
)
INDICATOR_ZH = {
    "deaths": "因灾死亡人数",
    "deaths_missing": "因灾死亡和失踪人数",
    "relocated": "紧急转移安置人数",
    "needing_aid": "需紧急生活救助人数",
    "collapsed_rooms": "倒塌和严重损坏房屋（间）",
    "collapsed_households": "倒塌和严重损坏房屋（户）",
    "drought_share": "因旱需政府救助人数占全市农牧业人口比例",
    "drought_count": "因旱需政府救助人数",
}
INDICATOR_EN = {
    "deaths": "deaths",
    "deaths_missing": "deaths plus missing",
    "relocated": "people emergency relocated",
    "needing_aid": "people needing emergency living aid",
    "collapsed_rooms": "collapsed and severely damaged houses (rooms)",
    "collapsed_households": "collapsed and severely damaged houses (households)",
    "drought_share": "share of the agricultural population needing aid because of drought",
    "drought_count": "people needing government aid because of drought",
}
SHARE_PLACES = Decimal("0.0001")
UNIT_ZH = {
    "deaths": " 人",
    "deaths_missing": " 人",
    "relocated": " 人",
    "needing_aid": " 人",
    "collapsed_rooms": " 间",
    "collapsed_households": " 户",
    "drought_share": "",
    "drought_count": " 人",
}


def level_rank(level: str | None) -> int:
    return RANK.get(level or "", 0)


def level_zh(level: str | None) -> str:
    return LEVEL_ZH.get(level or "", "未启动")


def higher(a: str | None, b: str | None) -> str | None:
    return a if level_rank(a) >= level_rank(b) else b


@dataclass(frozen=True)
class Figures:
    """Cumulative figures of one disaster process (city-wide, all affected counties)."""

    deaths: int = 0
    missing: int = 0
    relocated: int = 0
    needing_aid: int = 0
    collapsed_rooms: int = 0  # collapsed + severely damaged
    collapsed_households: int = 0  # collapsed + severely damaged
    drought_needing_aid: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "deaths": self.deaths,
            "missing": self.missing,
            "relocated": self.relocated,
            "needing_aid": self.needing_aid,
            "collapsed_rooms": self.collapsed_rooms,
            "collapsed_households": self.collapsed_households,
            "drought_needing_aid": self.drought_needing_aid,
        }


@dataclass(frozen=True)
class Trigger:
    level: str
    indicator: str
    value: int | Decimal  # Decimal only for drought_share (unrounded)
    threshold: int | Decimal  # after the 5.5 factor

    def as_api(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "indicator": self.indicator,
            "value": _fmt(self.indicator, self.value),
            "threshold": _fmt(self.indicator, self.threshold),
        }


@dataclass
class Assessment:
    level: str | None
    triggered: list[Trigger]
    factor: Decimal
    share: Decimal | None  # unrounded drought share, None when not evaluated
    share_evaluated: bool
    agricultural_population: int | None
    lines_zh: list[str] = field(default_factory=list)
    lines_en: list[str] = field(default_factory=list)

    def explanation(self, lang: str = "zh") -> list[str]:
        return list(self.lines_en if lang.startswith("en") else self.lines_zh)

    def triggered_api(self) -> list[dict[str, Any]]:
        return [t.as_api() for t in self.triggered]


def _fmt(indicator: str, value: int | Decimal) -> int | str:
    if indicator == "drought_share":
        return str(Decimal(value).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP))
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return str(value.normalize())
    return value


def _show(indicator: str, value: int | Decimal) -> str:
    if indicator == "drought_share":
        pct = (Decimal(value) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return f"{pct}%"
    formatted = _fmt(indicator, value)
    return f"{formatted:,}" if isinstance(formatted, int) else str(formatted)


def _threshold(raw: Any, factor: Decimal) -> Decimal:
    return Decimal(str(raw)) * factor


def assess(
    figures: Figures,
    params: dict[str, Any],
    *,
    agricultural_population: int | None = None,
    factor: Decimal | str | int = 1,
) -> Assessment:
    """Evaluate `figures` against the level table in `params` (a `disaster.response_levels`
    rule-set version). `agricultural_population` overrides the configured figure when given
    (not None). `factor` (5.5) multiplies every threshold."""
    factor = Decimal(str(factor))
    if factor <= 0:
        raise ValueError("factor must be positive")
    population = agricultural_population
    if population is None:
        configured = params.get("agricultural_population")
        population = int(configured) if configured is not None else None
    share_evaluated = bool(population)
    share: Decimal | None = None
    if share_evaluated and population:
        share = Decimal(figures.drought_needing_aid) / Decimal(population)
    values: dict[str, int | Decimal | None] = {
        "deaths": figures.deaths,
        "deaths_missing": figures.deaths + figures.missing,
        "relocated": figures.relocated,
        "needing_aid": figures.needing_aid,
        "collapsed_rooms": figures.collapsed_rooms,
        "collapsed_households": figures.collapsed_households,
        "drought_share": share,
        "drought_count": figures.drought_needing_aid,
    }
    triggered: list[Trigger] = []
    by_level = {row["level"]: row.get("thresholds", {}) for row in params["levels"]}
    for level_code in LEVELS:
        thresholds = by_level.get(level_code, {})
        for indicator in INDICATORS:
            raw = thresholds.get(indicator)
            value = values[indicator]
            if raw is None or value is None:
                continue
            limit = _threshold(raw, factor)
            if Decimal(value) >= limit:
                shown_limit: int | Decimal = limit
                if indicator != "drought_share" and limit == limit.to_integral_value():
                    shown_limit = int(limit)
                triggered.append(Trigger(level_code, indicator, value, shown_limit))
    level: str | None = None
    for trigger in triggered:
        level = higher(trigger.level, level)
    result = Assessment(
        level=level,
        triggered=triggered,
        factor=factor,
        share=share,
        share_evaluated=share_evaluated,
        agricultural_population=population,
    )
    _explain(result, figures)
    return result


def _explain(result: Assessment, figures: Figures) -> None:
    zh, en = result.lines_zh, result.lines_en
    zh.append(
        f"灾情（整个灾害过程累计值）：死亡 {figures.deaths} 人、失踪 {figures.missing} 人；紧急转移安置 {figures.relocated} 人；需紧急生活救助 {figures.needing_aid} 人；"
        f"倒塌和严重损坏房屋 {figures.collapsed_rooms} 间、{figures.collapsed_households} 户；因旱需政府救助 {figures.drought_needing_aid} 人。"
    )
    en.append(
        f"Figures (cumulative for the whole process): {figures.deaths} dead, {figures.missing} missing; "
        f"{figures.relocated} relocated; {figures.needing_aid} needing emergency aid; collapsed and severely "
        f"damaged houses {figures.collapsed_rooms} rooms, {figures.collapsed_households} households; "
        f"{figures.drought_needing_aid} needing government aid because of drought."
    )
    if result.factor != 1:
        zh.append(f"按 5.5 调整启动条件：各项标准乘以系数 {result.factor.normalize()}。")
        en.append(
            f"Thresholds adjusted under 5.5: every threshold multiplied by {result.factor.normalize()}."
        )
    if result.share_evaluated and result.share is not None:
        shown = _show("drought_share", result.share)
        zh.append(
            f"全市农牧业人口按 {result.agricultural_population:,} 人计，因旱需政府救助人数占比 {shown}。"
        )
        en.append(
            f"Agricultural population taken as {result.agricultural_population:,}: drought-aid share {shown}."
        )
    else:
        zh.append("未配置（或为 0）全市农牧业人口：不评估“需政府救助人数占全市农牧业人口比例”条件。")
        en.append(
            "No agricultural population configured (or it is 0): the drought share condition is not evaluated."
        )
    for level in reversed(LEVELS):
        hits = [t for t in result.triggered if t.level == level]
        if not hits:
            continue
        parts = [
            f"{INDICATOR_ZH[t.indicator]} {_show(t.indicator, t.value)}{UNIT_ZH[t.indicator]}，"
            f"达到“{_show(t.indicator, t.threshold)}{UNIT_ZH[t.indicator]}以上”"
            for t in hits
        ]
        zh.append(f"{LEVEL_ZH[level]}响应条件满足：" + "；".join(parts) + "。")
        parts_en = [
            f"{INDICATOR_EN[t.indicator]} {_show(t.indicator, t.value)} >= {_show(t.indicator, t.threshold)}"
            for t in hits
        ]
        en.append(f"Level {level} conditions met: " + "; ".join(parts_en) + ".")
    if result.level is None:
        zh.append("未达到四级响应的任何启动条件：不建议启动市级响应。")
        en.append("No level IV condition is met: no city-level response suggested.")
    else:
        zh.append(
            f"建议启动{LEVEL_ZH[result.level]}响应（任一条件满足即可，取满足条件的最高级别；“以上”含本数）。"
        )
        en.append(
            f"Suggested level: {result.level} (any one condition suffices; the highest level triggered; "
            "thresholds are inclusive)."
        )
