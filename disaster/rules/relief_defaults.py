"""Version 1 of the relief rule sets (plan 6.1–6.3, 7.2.5). Seeded by migration 0004; admins add
dated versions. The plan gives the winter-spring dates ("9 月开始", "10 月中旬"); it gives no time
limit for replenishing drawn stock or confirming receipt — those defaults are readings."""

from __future__ import annotations

from datetime import date

VALID_FROM = date(2024, 1, 1)

RELIEF_SUPPLIES_KEY = "disaster.relief_supplies"
WINTER_SPRING_KEY = "disaster.winter_spring"
RELIEF_AID_KEY = "disaster.relief_aid"

# 7.2.5 调用后给予补充或给予资金补偿 (no limit in the text: reading 30 calendar days);
# receipt confirmation of an allocation order (reading: 48 hours).
RELIEF_SUPPLIES_V1 = {"replenish_days": 30, "receipt_hours": 48}

# 6.3.1 "于 9 月开始组织力量深入基层…调查" → survey from 1 September, started by 30 September;
# 6.3.2 "于 10 月中旬将需救助情况…报上一级" → needs submitted by 15 October (end of day).
# open_for: "affected" — counties with a disaster event begun this year (灾区); "all" — every county.
WINTER_SPRING_V1 = {
    "survey_start": "09-01",
    "survey_started_by": "09-30",
    "needs_due": "10-15",
    "late_days": 15,
    "open_for": "affected",
}

# Which ledger rows each programme takes (6.1–6.3): transitional aid for people needing
# government aid; reconstruction for collapsed, severely and generally damaged houses (倒损 =
# 倒塌 + 损坏; general damage is repaired); winter-spring for households needing aid or whose
# house collapsed or was severely damaged. require_city_response: only events that had a city
# response may open a transitional or reconstruction programme (6.1.1/6.2.1 describe the city's
# role for those; counties run the same work for their own events, so false by default).
RELIEF_AID_V1 = {
    "transitional_categories": ["needs_aid"],
    "reconstruction_damage": ["collapsed", "severe", "general"],
    "winter_spring_households": {"needs_aid": True, "damage": ["collapsed", "severe"]},
    "require_city_response": False,
}
