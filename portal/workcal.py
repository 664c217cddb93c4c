"""The working-day calendar (工作日), with the PRC statutory holidays and adjusted weekends.

Sources, first match wins:
1. admin overrides (`CalendarDay`): holidays and adjusted working days entered by hand;
2. the `chinesecalendar` package — the official State Council schedule (it knows up to 2026);
3. for a year it does not know: the `holidays` package's CN festival dates (no adjusted
   weekends), marked *provisional* — admins see a banner and the log warns until the year's
   official schedule is entered (CalendarYear.official_entered);
4. Monday–Friday.
It never raises for an unknown year.

The pure functions take an `is_working` callable so the rules (e.g. "end of the Nth working day")
are unit-tested without a database; `calendar()` gives the database-backed one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays as holidays_pkg

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

IsWorking = Callable[[date], bool]

OFFICIAL = "official"
PROVISIONAL = "provisional"
WEEKDAY = "weekday"
OVERRIDE = "override"


@lru_cache(maxsize=64)
def _package_years() -> tuple[int, int]:
    years = [d.year for d in chinese_calendar.holidays] + [d.year for d in chinese_calendar.workdays]
    return min(years), max(years)


def package_knows(year: int) -> bool:
    low, high = _package_years()
    return low <= year <= high


@lru_cache(maxsize=64)
def _provisional_holidays(year: int) -> frozenset[date]:
    try:
        return frozenset(holidays_pkg.country_holidays("CN", years=year).keys())
    except (NotImplementedError, KeyError):  # pragma: no cover - the package covers every year we use
        return frozenset()


def builtin_day(day: date) -> tuple[bool, str]:
    """Whether `day` is a working day by the packages alone, and which source said so."""
    if package_knows(day.year):
        return chinese_calendar.is_workday(day), OFFICIAL
    provisional = _provisional_holidays(day.year)
    if provisional:
        return (day.weekday() < 5 and day not in provisional), PROVISIONAL
    return day.weekday() < 5, WEEKDAY


# --- pure rules -----------------------------------------------------------------------------


def add_working_days(start: date, n: int, is_working: IsWorking) -> date:
    """The Nth working day after `start` (start itself not counted). n >= 1."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if is_working(day):
            counted += 1
    return day


def end_of_day(day: date, tz: ZoneInfo = SHANGHAI) -> datetime:
    """24:00 of `day` in `tz` (= 00:00 of the next day), as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), dtime.min, tzinfo=tz)


def due_after_working_days(
    start: datetime, n: int, is_working: IsWorking, tz: ZoneInfo = SHANGHAI
) -> datetime:
    """ "N working days from `start`": the end (24:00 local) of the Nth working day after the
    local date of `start`."""
    return end_of_day(add_working_days(start.astimezone(tz).date(), n, is_working), tz)


def add_working_hours(
    start: datetime, hours: float, is_working: IsWorking, tz: ZoneInfo = SHANGHAI
) -> datetime:
    """Add `hours` counting only time on working days (non-working days postpone the clock):
    dispatched Friday 15:00 with 24 h → due Monday 15:00 (if Monday works)."""
    remaining = timedelta(hours=hours)
    cursor = start.astimezone(tz)
    for _ in range(3660):  # at most ten years of days; guards against a calendar with no working day
        day = cursor.date()
        day_end = datetime.combine(day + timedelta(days=1), dtime.min, tzinfo=tz)
        if is_working(day):
            available = day_end - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = day_end
    raise ValueError("no working days found in ten years")


# --- database-backed calendar ---------------------------------------------------------------


class WorkCalendar:
    """Overrides from the database (cached per year for `ttl` seconds) over the packages."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._years: dict[int, tuple[float, dict[date, bool]]] = {}
        self._lock = threading.Lock()
        self._warned: set[int] = set()

    def clear(self) -> None:
        """Forget cached overrides (and which provisional years were already warned about)."""
        with self._lock:
            self._years.clear()
            self._warned.clear()

    def _overrides(self, year: int) -> dict[date, bool]:
        now = time.monotonic()
        with self._lock:
            cached = self._years.get(year)
            if cached and now - cached[0] < self.ttl:
                return cached[1]
        from portal.models import CalendarDay

        rows = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_working"))
        with self._lock:
            self._years[year] = (now, rows)
        return rows

    def day(self, day: date) -> tuple[bool, str]:
        overrides = self._overrides(day.year)
        if day in overrides:
            return overrides[day], OVERRIDE
        working, source = builtin_day(day)
        if source != OFFICIAL and day.year not in self._warned and not self._year_entered(day.year):
            self._warned.add(day.year)
            log.warning(
                "Working-day calendar for %s is %s: enter the official holiday schedule in the admin",
                day.year,
                "provisional (festival dates without adjusted weekends)"
                if source == PROVISIONAL
                else "Monday–Friday only",
            )
        return working, source

    def is_working(self, day: date) -> bool:
        return self.day(day)[0]

    def _year_entered(self, year: int) -> bool:
        from portal.models import CalendarYear

        return CalendarYear.objects.filter(year=year, official_entered=True).exists()

    def year_status(self, year: int) -> str:
        if package_knows(year) or self._year_entered(year):
            return OFFICIAL
        return PROVISIONAL if _provisional_holidays(year) else WEEKDAY

    def provisional_years(self, around: date) -> list[int]:
        """Years in use (this year and next) whose official schedule is not known yet."""
        return [y for y in (around.year, around.year + 1) if self.year_status(y) != OFFICIAL]

    # Convenience wrappers over the pure rules.
    def add_working_days(self, start: date, n: int) -> date:
        return add_working_days(start, n, self.is_working)

    def due_after_working_days(self, start: datetime, n: int) -> datetime:
        return due_after_working_days(start, n, self.is_working)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return add_working_hours(start, hours, self.is_working)


_calendar = WorkCalendar()


def calendar() -> WorkCalendar:
    return _calendar
