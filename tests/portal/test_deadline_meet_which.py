"""deadline_meet(which="period") and was_late judged by the real time of fulfilment."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.deadlines import deadline_create, deadline_meet, deadline_sweep
from portal.models import Deadline, OrgUnit

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 7, 1, 9, 0, tzinfo=TZ)


def _daily(county):
    with time_machine.travel(START - timedelta(hours=5), tick=False):
        deadline_create(
            subject=county,
            kind="test.daily",
            title="续报",
            responsible_unit=county,
            due_at=START,
            recurrence={"every_seconds": 86400},
        )


@pytest.mark.django_db
def test_period_meets_the_occurrence_whose_period_contains_the_time():
    county = OrgUnit.objects.get(code="yicheng")
    _daily(county)
    # 1 July 09:00 passes unmet: overdue, 2 July's occurrence spawned (period 1 July 09:00 → 2 July 09:00).
    deadline_sweep(now=START + timedelta(minutes=1))
    assert Deadline.objects.get(due_at=START).status == Deadline.Status.OVERDUE
    second = Deadline.objects.get(due_at=START + timedelta(days=1))
    assert second.starts_at == START
    # A report on 2 July at 08:00 fulfils 2 July's occurrence only; 1 July stays overdue-open.
    closed = deadline_meet(subject=county, kind="test.daily", at=START + timedelta(hours=23), which="period")
    assert [d.due_at for d in closed] == [START + timedelta(days=1)]
    second.refresh_from_db()
    assert second.status == Deadline.Status.MET and second.was_late is False
    assert Deadline.objects.get(due_at=START).status == Deadline.Status.OVERDUE
    # 3 July's occurrence exists (spawned on meeting) and starts at 2 July 09:00.
    third = Deadline.objects.get(due_at=START + timedelta(days=2))
    assert third.status == Deadline.Status.OPEN
    # Another report at 08:30 on 2 July is not in 3 July's period: it closes 1 July late.
    closed = deadline_meet(
        subject=county, kind="test.daily", at=START + timedelta(hours=23, minutes=30), which="period"
    )
    assert [d.due_at for d in closed] == [START]
    first = Deadline.objects.get(due_at=START)
    assert first.status == Deadline.Status.MET and first.was_late is True
    third.refresh_from_db()
    assert third.status == Deadline.Status.OPEN  # never fulfilled in advance


@pytest.mark.django_db
def test_period_before_any_period_started_closes_nothing():
    county = OrgUnit.objects.get(code="yicheng")
    _daily(county)
    closed = deadline_meet(subject=county, kind="test.daily", at=START - timedelta(hours=6), which="period")
    assert closed == []
    assert Deadline.objects.get(kind="test.daily").status == Deadline.Status.OPEN


@pytest.mark.django_db
def test_met_with_a_real_time_before_due_is_on_time_even_after_an_overdue_mark():
    county = OrgUnit.objects.get(code="xiping")
    due = datetime(2026, 7, 1, 12, 0, tzinfo=TZ)
    with time_machine.travel(due - timedelta(hours=2), tick=False):
        deadline_create(
            subject=county, kind="test.initial", title="初报", responsible_unit=county, due_at=due
        )
    deadline_sweep(now=due + timedelta(hours=3))  # the link was down: the system saw nothing
    made_by_phone = due - timedelta(minutes=30)
    deadline_meet(subject=county, kind="test.initial", at=made_by_phone)
    row = Deadline.objects.get(kind="test.initial")
    assert row.status == Deadline.Status.MET
    assert row.overdue_at is not None
    assert row.met_at == made_by_phone
    assert row.was_late is False


@pytest.mark.django_db
def test_unknown_which_is_an_error():
    county = OrgUnit.objects.get(code="xiping")
    with pytest.raises(ValueError):
        deadline_meet(subject=county, kind="x", which="latest")
