"""The shared deadline engine: create, meet, cancel, reschedule, sweep (reminders, overdue,
escalation, recurrence) — idempotent under re-runs and rollbacks."""

from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.db import transaction

from portal import deadlines
from portal.deadlines import (
    deadline_cancel,
    deadline_create,
    deadline_meet,
    deadline_reschedule,
    deadline_sweep,
    register_kind,
)
from portal.errors import InvalidTransition
from portal.models import Deadline, JobHeartbeat, Notification, OrgUnit, OutboxMessage

T0 = datetime.fromisoformat("2025-06-02T08:00:00+08:00")


@pytest.fixture
def county(db):
    return OrgUnit.objects.get(code="yicheng")


@pytest.fixture
def people(persona):
    return {"county": persona("yicheng"), "city": persona("city_yjj"), "other": persona("xiping")}


def make(county, **kw):
    args = dict(
        subject=county,
        kind="test.report",
        title="初报",
        responsible_unit=county,
        due_at=T0 + timedelta(hours=2),
        starts_at=T0,
    )
    args.update(kw)
    return deadline_create(**args)


def test_create_is_idempotent_and_defaults(county):
    first = make(county)
    again = make(county)
    assert first.pk == again.pk
    assert Deadline.objects.count() == 1
    assert first.escalate_to.code == "zmd"  # default: the parent unit
    assert first.remind_at == T0 + timedelta(hours=1, minutes=30)  # a quarter of the period before


def test_naive_due_time_is_refused(county):
    with pytest.raises(ValueError):
        make(county, due_at=datetime(2025, 6, 2, 10, 0))


def test_sweep_reminds_then_marks_overdue_and_escalates(county, people):
    city = OrgUnit.objects.get(code="yjj")
    d = make(county, escalate_to=city)
    assert deadline_sweep(now=T0 + timedelta(minutes=10))["reminded"] == 0
    result = deadline_sweep(now=T0 + timedelta(hours=1, minutes=31))
    assert result["reminded"] == 1
    assert Notification.objects.filter(recipient=people["county"], title__startswith="即将到期").count() == 1
    assert not Notification.objects.filter(recipient=people["other"]).exists()

    result = deadline_sweep(now=T0 + timedelta(hours=2, seconds=1))
    d.refresh_from_db()
    assert result["overdue"] == 1
    assert d.status == Deadline.Status.OVERDUE and d.overdue_at is not None
    assert Notification.objects.filter(recipient=people["county"], level="urgent").count() == 1
    escalation = Notification.objects.get(recipient=people["city"])
    assert escalation.title.startswith("督办：驿城区")
    assert JobHeartbeat.objects.get(name="deadline_sweep").last_finished_at is not None


def test_sweep_twice_repeats_nothing(county, people):
    make(county)
    now = T0 + timedelta(hours=3)
    deadline_sweep(now=now)
    count = Notification.objects.count()
    assert deadline_sweep(now=now) == {"reminded": 0, "overdue": 0, "notifications": 0, "spawned": 0}
    assert Notification.objects.count() == count


def test_sweep_killed_halfway_loses_and_repeats_nothing(county, people):
    """The claim and its notifications share a transaction: a crash while writing the
    notifications rolls back the claim too, and the next sweep does the work exactly once."""
    d = make(county)
    now = T0 + timedelta(hours=3)
    with mock.patch.object(deadlines, "_notify_bulk", side_effect=RuntimeError("worker killed")):
        with pytest.raises(RuntimeError):
            deadline_sweep(now=now)
    d.refresh_from_db()
    assert d.status == Deadline.Status.OPEN
    assert Notification.objects.count() == 0
    deadline_sweep(now=now)
    d.refresh_from_db()
    assert d.status == Deadline.Status.OVERDUE
    assert Notification.objects.filter(recipient=people["county"]).count() == 1


def test_meet_on_time_and_late(county):
    d = make(county)
    deadline_meet(subject=county, kind="test.report", at=T0 + timedelta(hours=1))
    d.refresh_from_db()
    assert d.status == Deadline.Status.MET and not d.was_late

    late = make(county, kind="test.late")
    deadline_sweep(now=T0 + timedelta(hours=5))
    deadline_meet(subject=county, kind="test.late", at=T0 + timedelta(hours=6))
    late.refresh_from_db()
    assert late.status == Deadline.Status.MET and late.overdue_at is not None and late.was_late


def test_meet_uses_the_real_time_given(county):
    """A report made by phone during an outage and entered later gets on-time credit."""
    d = make(county)
    deadline_sweep(now=T0 + timedelta(hours=4))  # the system marked it overdue meanwhile
    deadline_meet(subject=county, kind="test.report", at=T0 + timedelta(hours=1, minutes=50))
    d.refresh_from_db()
    assert d.met_at == T0 + timedelta(hours=1, minutes=50)
    assert d.met_at <= d.due_at


def test_recurring_daily_obligation_spawns_next_when_met_or_missed(county):
    d = make(county, kind="test.daily", due_at=T0 + timedelta(hours=1), recurrence={"every_seconds": 86400})
    deadline_meet(subject=county, kind="test.daily", at=T0)
    nxt = Deadline.objects.get(previous=d)
    assert nxt.due_at == d.due_at + timedelta(days=1) and nxt.status == Deadline.Status.OPEN
    # Missed: the sweep marks it overdue and still creates the following day's obligation.
    deadline_sweep(now=nxt.due_at + timedelta(minutes=1))
    third = Deadline.objects.get(previous=nxt)
    assert third.due_at == nxt.due_at + timedelta(days=1)
    # Running the sweep again does not create a second "next".
    deadline_sweep(now=nxt.due_at + timedelta(minutes=2))
    assert Deadline.objects.filter(kind="test.daily").count() == 3


def test_recurring_catches_up_after_downtime(county):
    make(county, kind="test.daily", due_at=T0 + timedelta(hours=1), recurrence={"every_days": 1})
    result = deadline_sweep(now=T0 + timedelta(days=3, hours=2))
    # T0+1h, +1d, +2d, +3d are all past: four overdue, and the next one (+4d) is open.
    assert result["overdue"] == 4
    assert Deadline.objects.filter(kind="test.daily", status="open").count() == 1


def test_yearly_recurrence(county):
    d = make(
        county,
        kind="test.yearly",
        due_at=datetime.fromisoformat("2025-10-16T00:00:00+08:00"),
        recurrence={"yearly": True},
    )
    deadline_meet(subject=county, kind="test.yearly", at=datetime.fromisoformat("2025-10-10T10:00:00+08:00"))
    nxt = Deadline.objects.get(previous=d)
    assert nxt.due_at == datetime.fromisoformat("2026-10-16T00:00:00+08:00")


def test_cancel_stops_open_ones_but_never_hides_overdue(county):
    make(county, kind="a")
    make(county, kind="b")
    deadline_sweep(now=T0 + timedelta(hours=3))
    make(county, kind="c", due_at=T0 + timedelta(days=2))
    assert deadline_cancel(subject=county, reason="灾情稳定") == 1
    assert set(Deadline.objects.values_list("kind", "status")) == {
        ("a", "overdue"),
        ("b", "overdue"),
        ("c", "cancelled"),
    }


def test_reschedule_moves_open_deadline_only(county, people):
    d = make(county)
    moved = deadline_reschedule(
        deadline=d, due_at=T0 + timedelta(days=3), reason="延期获批", actor=people["city"]
    )
    assert moved.due_at == T0 + timedelta(days=3) and moved.reminded_at is None
    deadline_sweep(now=T0 + timedelta(days=4))
    with pytest.raises(InvalidTransition):
        deadline_reschedule(
            deadline=d, due_at=T0 + timedelta(days=9), reason="再次延期", actor=people["city"]
        )


def test_kind_hooks_and_sms(county, people):
    seen = []
    register_kind("test.urgent", sms=True, on_overdue=lambda rows: seen.extend(r.pk for r in rows))
    d = make(county, kind="test.urgent")
    deadline_sweep(now=T0 + timedelta(hours=3))
    assert seen == [d.pk]
    assert OutboxMessage.objects.filter(channel="sms", to=people["county"].phone).count() == 1


def test_deadlines_for_user_and_dashboard(county, people, web):
    make(county, title="续报：暴雨")
    page = web("yicheng").get("/").content.decode()
    assert "续报：暴雨" in page
    assert "续报：暴雨" not in web("xiping").get("/").content.decode()
    assert "续报：暴雨" in web("yicheng").get("/deadlines/").content.decode()


@pytest.mark.pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_take_disjoint_rows(persona):
    """Two sweeps in parallel threads on PostgreSQL: each deadline is marked and notified once."""
    import threading

    from django.db import connection

    from tests.conftest import needs_postgres

    needs_postgres()
    persona("yicheng")
    county = OrgUnit.objects.get(code="yicheng")
    for i in range(300):
        make(county, kind=f"test.many.{i}")
    results = []

    def run():
        try:
            results.append(deadline_sweep(now=T0 + timedelta(hours=3), batch=25))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["overdue"] for r in results) == 300
    assert Notification.objects.count() == 300
    assert Deadline.objects.filter(status="overdue").count() == 300
    with transaction.atomic():
        assert deadline_sweep(now=T0 + timedelta(hours=3))["overdue"] == 0
