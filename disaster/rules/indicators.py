"""The indicators a county reports per township (disaster plan 4.1, 4.2.1–4.2.2).

One catalogue, used by the models (field names), the filing grid (columns), the checks, the
aggregation and the exports (labels, HXL hashtags). Pure data: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

# Indicators with a real-time value (stock at report time) and a cumulative value (total since
# the disaster began), 4.2.2. Field names: f"{code}_rt" and f"{code}_cum".
PAIRED = ("relocated", "housed", "shelters", "needing_aid", "drought_aid", "drought_water")
DROUGHT_ONLY = ("drought_aid", "drought_water")


@dataclass(frozen=True)
class Indicator:
    field: str
    label: str  # Chinese column label
    short: str  # compact grid header
    hxl: str
    unit: str = "人"
    money: bool = False
    drought_only: bool = False
    person: bool = True  # a person count (checked against the affected population)
    pair: str | None = None  # the paired indicator code, for _rt/_cum fields
    realtime: bool = False


def _pair(
    code: str, label: str, short: str, hxl: str, unit: str = "人", person: bool = True
) -> list[Indicator]:
    drought = code in DROUGHT_ONLY
    return [
        Indicator(
            f"{code}_rt",
            f"{label}（实时值）",
            f"{short}·实时",
            f"{hxl}+current",
            unit,
            drought_only=drought,
            person=person,
            pair=code,
            realtime=True,
        ),
        Indicator(
            f"{code}_cum",
            f"{label}（累计值）",
            f"{short}·累计",
            hxl,
            unit,
            drought_only=drought,
            person=person,
            pair=code,
        ),
    ]


INDICATORS: list[Indicator] = [
    Indicator("affected", "受灾人口", "受灾人口", "#affected"),
    Indicator("deaths", "因灾死亡人口", "死亡", "#affected+killed"),
    Indicator("missing", "因灾失踪人口", "失踪", "#affected+missing"),
    Indicator("trapped", "遇险被困人口", "被困", "#affected+trapped"),
    *_pair("relocated", "紧急转移安置人口", "转移安置", "#affected+displaced"),
    *_pair("housed", "集中安置人口", "集中安置", "#affected+displaced+sheltered"),
    *_pair("shelters", "集中安置点数量", "安置点", "#loc+shelter+num", unit="个", person=False),
    *_pair("needing_aid", "需紧急生活救助人口", "需救助", "#affected+inneed"),
    *_pair("drought_aid", "因旱需生活救助人口", "因旱需救助", "#affected+inneed+drought"),
    *_pair("drought_water", "因旱饮水困难需救助人口", "饮水困难", "#affected+inneed+water"),
    Indicator(
        "collapsed_rooms",
        "倒塌房屋（间）",
        "倒塌·间",
        "#indicator+houses+collapsed+rooms",
        "间",
        person=False,
    ),
    Indicator(
        "collapsed_households",
        "倒塌房屋（户）",
        "倒塌·户",
        "#indicator+houses+collapsed+households",
        "户",
        person=False,
    ),
    Indicator(
        "severe_rooms",
        "严重损坏房屋（间）",
        "严重损坏·间",
        "#indicator+houses+severe+rooms",
        "间",
        person=False,
    ),
    Indicator(
        "severe_households",
        "严重损坏房屋（户）",
        "严重损坏·户",
        "#indicator+houses+severe+households",
        "户",
        person=False,
    ),
    Indicator(
        "damaged_rooms",
        "一般损坏房屋（间）",
        "一般损坏·间",
        "#indicator+houses+damaged+rooms",
        "间",
        person=False,
    ),
    Indicator(
        "damaged_households",
        "一般损坏房屋（户）",
        "一般损坏·户",
        "#indicator+houses+damaged+households",
        "户",
        person=False,
    ),
    Indicator(
        "direct_loss",
        "直接经济损失（元）",
        "直接经济损失(元)",
        "#value+loss+cny",
        "元",
        money=True,
        person=False,
    ),
]
BY_FIELD = {i.field: i for i in INDICATORS}
COUNT_FIELDS = tuple(i.field for i in INDICATORS if not i.money)
MONEY_FIELDS = tuple(i.field for i in INDICATORS if i.money)
ALL_FIELDS = COUNT_FIELDS + MONEY_FIELDS
CUMULATIVE_FIELDS = tuple(f"{code}_cum" for code in PAIRED)
REALTIME_FIELDS = tuple(f"{code}_rt" for code in PAIRED)
# Person counts that may not exceed the affected population (4.1: 受灾人口 is the widest count).
PERSON_FIELDS_UNDER_AFFECTED = (
    "deaths",
    "missing",
    "trapped",
    *(f"{c}_cum" for c in PAIRED if c != "shelters"),
)


def indicators_for(drought: bool) -> list[Indicator]:
    """The grid columns for an event: drought indicators only for drought events."""
    return [i for i in INDICATORS if drought or not i.drought_only]
