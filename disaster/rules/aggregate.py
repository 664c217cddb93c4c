"""Aggregation of an event's reports (spec disaster.md §1, plan 4.2.2–4.2.3). Pure.

The figure of a township is the row of its LATEST CURRENT report: reports are ordered by their
position in the county's series (`seq`; a correction takes the position of the report it
supersedes), and a superseded report never counts. Cumulative values are therefore the
latest reported cumulative values — never a sum of real-time values across reports. Totals
(per county, per event) sum townships, each township counted once.

The database keeps the same result incrementally in `CurrentFigures` (updated by the submit
service); a test checks both agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from disaster.rules.indicators import ALL_FIELDS, MONEY_FIELDS


@dataclass(frozen=True)
class ReportIn:
    id: Any
    county: Any
    seq: int
    rows: Mapping[Any, Mapping[str, Any]]  # township -> values
    supersedes: Any = None


@dataclass
class Aggregate:
    townships: dict[Any, dict[str, Any]] = field(default_factory=dict)  # township -> values + "report"
    counties: dict[Any, dict[str, Any]] = field(default_factory=dict)
    total: dict[str, Any] = field(default_factory=dict)


def _zero() -> dict[str, Any]:
    return {f: (Decimal("0.00") if f in MONEY_FIELDS else 0) for f in ALL_FIELDS}


def current_reports(reports: Iterable[ReportIn]) -> list[ReportIn]:
    reports = list(reports)
    superseded = {r.supersedes for r in reports if r.supersedes is not None}
    return [r for r in reports if r.id not in superseded]


def aggregate(reports: Iterable[ReportIn]) -> Aggregate:
    latest: dict[Any, tuple[int, ReportIn]] = {}
    for report in current_reports(reports):
        for township in report.rows:
            held = latest.get(township)
            if held is None or report.seq > held[0]:
                latest[township] = (report.seq, report)
    out = Aggregate(total=_zero())
    for township, (_seq, report) in latest.items():
        values = {f: report.rows[township].get(f) or 0 for f in ALL_FIELDS}
        for money in MONEY_FIELDS:
            values[money] = Decimal(values[money])
        out.townships[township] = {**values, "report": report.id, "county": report.county}
        county = out.counties.setdefault(report.county, _zero())
        for name in ALL_FIELDS:
            county[name] += values[name]
            out.total[name] += values[name]
    return out


def level_figures(total: Mapping[str, Any]) -> dict[str, int]:
    """The inputs of `levels.assess` from aggregated cumulative values (spec §3: evaluate on the
    event's cumulative values; houses = collapsed + severely damaged)."""
    return {
        "deaths": int(total.get("deaths") or 0),
        "missing": int(total.get("missing") or 0),
        "relocated": int(total.get("relocated_cum") or 0),
        "needing_aid": int(total.get("needing_aid_cum") or 0),
        "collapsed_rooms": int(total.get("collapsed_rooms") or 0) + int(total.get("severe_rooms") or 0),
        "collapsed_households": int(total.get("collapsed_households") or 0)
        + int(total.get("severe_households") or 0),
        "drought_needing_aid": int(total.get("drought_aid_cum") or 0),
    }
