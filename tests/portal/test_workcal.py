from datetime import date, datetime
from pathlib import Path

import pytest

from portal import workcal
from portal.models import CalendarDay, CalendarYear
from tests.conftest import load_cases

CASES = load_cases(Path(__file__).parent / "cases" / "workdays.yaml")


@pytest.mark.parametrize("case", CASES)
def test_due_after_working_days_golden(case):
    start = datetime.fromisoformat(case["start"])
    due = workcal.due_after_working_days(start, case["days"], lambda d: workcal.builtin_day(d)[0])
    assert due == datetime.fromisoformat(case["due"])


def test_builtin_sources():
    assert workcal.builtin_day(date(2025, 10, 1)) == (False, workcal.OFFICIAL)
    assert workcal.builtin_day(date(2025, 10, 11)) == (True, workcal.OFFICIAL)  # 调休上班
    assert workcal.builtin_day(date(2027, 1, 1)) == (False, workcal.PROVISIONAL)
    assert workcal.builtin_day(date(2027, 1, 4)) == (True, workcal.PROVISIONAL)
    # A year no package knows falls back to Monday–Friday and never raises.
    assert workcal.builtin_day(date(2300, 1, 2))[0] in (True, False)


def test_add_working_hours_skips_non_working_days():
    friday = datetime.fromisoformat("2025-03-07T15:00:00+08:00")
    due = workcal.add_working_hours(friday, 24, lambda d: workcal.builtin_day(d)[0])
    assert due == datetime.fromisoformat("2025-03-10T15:00:00+08:00")
    saturday = datetime.fromisoformat("2025-03-08T10:00:00+08:00")
    due = workcal.add_working_hours(saturday, 24, lambda d: workcal.builtin_day(d)[0])
    assert due == datetime.fromisoformat("2025-03-11T00:00:00+08:00")


def test_add_working_days_rejects_zero():
    with pytest.raises(ValueError):
        workcal.add_working_days(date(2025, 1, 1), 0, lambda d: True)


@pytest.mark.django_db
def test_admin_override_wins_over_the_package():
    cal = workcal.calendar()
    assert cal.is_working(date(2025, 3, 5))
    CalendarDay.objects.create(date=date(2025, 3, 5), is_working=False, note="临时停工")
    cal.clear()
    assert cal.day(date(2025, 3, 5)) == (False, workcal.OVERRIDE)
    # An adjusted working Saturday entered by hand for a provisional year.
    CalendarDay.objects.create(date=date(2027, 2, 20), is_working=True, note="春节调休上班")
    cal.clear()
    assert cal.is_working(date(2027, 2, 20))


@pytest.mark.django_db
def test_provisional_years_until_the_official_schedule_is_entered(caplog):
    cal = workcal.calendar()
    assert cal.provisional_years(date(2026, 11, 25)) == [2027]
    with caplog.at_level("WARNING", logger="portal.workcal"):
        cal.is_working(date(2027, 3, 3))
    assert "2027" in caplog.text and "provisional" in caplog.text
    CalendarYear.objects.create(year=2027, official_entered=True)
    assert cal.provisional_years(date(2026, 11, 25)) == []


@pytest.mark.django_db
def test_admin_banner_warns_about_provisional_year(web, time_machine):
    time_machine.move_to(datetime.fromisoformat("2026-11-25T10:00:00+08:00"))
    page = web("admin").get("/").content.decode()
    assert "2027 年的国务院放假安排尚未录入" in page
    assert "尚未录入" not in web("yicheng").get("/").content.decode()
