"""Due times of the reporting obligations (spec disaster.md §2, plan 4.1.3, 4.2, 5.3.3/5.4.3).

Pure functions of aware datetimes and the parameters of the rule set
`disaster.report_deadlines`. Days are calendar days (disasters keep no office hours), so no
working-day calendar is involved. Local times (the daily cut-offs) are Asia/Shanghai.

Readings (parameters, see the rule set):
* ≥10 "dead (incl. missing) or trapped" in one county: the dead, missing and trapped counts
  are added (a person is in one of those states) — `major_threshold`;
* continuing report "every 24 h": a fixed daily cut-off — the county's report is due at
  `county_cutoff` (09:00) each day with figures to 24:00 of the day before, the city's at
  `city_cutoff` (10:00); the first one is the cut-off of the day after the initial report;
* "immediately" for a major change: `major_change_minutes` (30 min, urgent);
* drought: initial `drought_initial_hours` (2 h, as 4.2.1) after the declaration; continuing
  "at least every 10 days" (5 while a national response is active) counted from the last
  drought report; when the cycle switches, the next report is due at the earlier of the
  current due time and the switch + the new interval (switching back: last report + 10 days);
  verified `drought_verified_days` (7, as 4.2.3) after relief;
* city aggregation of verified reports: 2 days after the LAST affected county's verified report;
* a report made by phone/fax/satellite phone during an outage and logged by the receiving
  office is to be entered into the system within `backfill_hours` of the log;
* daily situation report at levels II and I: every `situation_report_hours` from activation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def at_local(day: date, clock: str) -> datetime:
    return datetime.combine(day, _clock(clock), tzinfo=SHANGHAI)


def is_major(deaths: int, missing: int, trapped: int, params: dict[str, Any]) -> bool:
    """≥ `major_threshold` dead (incl. missing) or trapped in one county (4.2.1)."""
    return deaths + missing + trapped >= int(params["major_threshold"])


def initial_due(occurred_at: datetime, *, major: bool, params: dict[str, Any]) -> datetime:
    _require_aware(occurred_at)
    hours = params["major_initial_hours"] if major else params["initial_hours"]
    return occurred_at + timedelta(hours=float(hours))


def city_review_due(received_at: datetime, params: dict[str, Any]) -> datetime:
    _require_aware(received_at)
    return received_at + timedelta(hours=float(params["city_review_hours"]))


def city_province_due(received_at: datetime, params: dict[str, Any]) -> datetime:
    _require_aware(received_at)
    return received_at + timedelta(minutes=float(params["city_province_minutes"]))


def verify_feedback_due(asked_at: datetime, params: dict[str, Any]) -> tuple[datetime, datetime]:
    """(phone feedback due, written feedback due)."""
    _require_aware(asked_at)
    return (
        asked_at + timedelta(minutes=float(params["verify_phone_minutes"])),
        asked_at + timedelta(minutes=float(params["verify_written_minutes"])),
    )


def next_cutoff_after_day_of(moment: datetime, clock: str) -> datetime:
    """The cut-off `clock` on the local day after `moment`'s local date."""
    _require_aware(moment)
    local_day = moment.astimezone(SHANGHAI).date()
    return at_local(local_day + timedelta(days=1), clock)


def first_continuing_due(initial_at: datetime, params: dict[str, Any]) -> datetime:
    return next_cutoff_after_day_of(initial_at, params["county_cutoff"])


def first_city_daily_due(first_initial_at: datetime, params: dict[str, Any]) -> datetime:
    return next_cutoff_after_day_of(first_initial_at, params["city_cutoff"])


def figures_as_of(due_at: datetime) -> datetime:
    """The statistics cut-off a daily report carries: 24:00 of the day before its due day."""
    _require_aware(due_at)
    local_day = due_at.astimezone(SHANGHAI).date()
    return datetime.combine(local_day, time(0, 0), tzinfo=SHANGHAI)


def major_change_due(received_at: datetime, params: dict[str, Any]) -> datetime:
    _require_aware(received_at)
    return received_at + timedelta(minutes=float(params["major_change_minutes"]))


def verified_due(stable_at: datetime, params: dict[str, Any], *, drought: bool = False) -> datetime:
    _require_aware(stable_at)
    days = params["drought_verified_days"] if drought else params["verified_days"]
    return stable_at + timedelta(days=float(days))


def city_aggregate_due(last_verified_at: datetime, params: dict[str, Any]) -> datetime:
    _require_aware(last_verified_at)
    return last_verified_at + timedelta(days=float(params["city_aggregate_days"]))


def drought_initial_due(declared_at: datetime, params: dict[str, Any]) -> datetime:
    _require_aware(declared_at)
    return declared_at + timedelta(hours=float(params["drought_initial_hours"]))


def drought_interval_days(params: dict[str, Any], *, national: bool) -> float:
    return float(params["drought_national_days"] if national else params["drought_continuing_days"])


def drought_next_due(last_report_at: datetime, params: dict[str, Any], *, national: bool) -> datetime:
    _require_aware(last_report_at)
    return last_report_at + timedelta(days=drought_interval_days(params, national=national))


def drought_switch_due(
    *,
    current_due: datetime | None,
    last_report_at: datetime,
    switched_at: datetime,
    params: dict[str, Any],
    national: bool,
) -> datetime:
    """The next continuing drought report when a national response starts (national=True)
    or ends (False)."""
    _require_aware(switched_at)
    if national:
        candidate = switched_at + timedelta(days=drought_interval_days(params, national=True))
        return min(current_due, candidate) if current_due is not None else candidate
    return drought_next_due(last_report_at, params, national=False)


def backfill_due(logged_at: datetime, params: dict[str, Any]) -> datetime:
    _require_aware(logged_at)
    return logged_at + timedelta(hours=float(params["backfill_hours"]))


def situation_first_due(activated_at: datetime, params: dict[str, Any]) -> datetime:
    _require_aware(activated_at)
    return activated_at + timedelta(hours=float(params["situation_report_hours"]))
