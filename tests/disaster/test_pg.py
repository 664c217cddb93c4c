"""PostgreSQL-only: the insert-only triggers, and concurrent submissions/decisions (row locks)."""

import threading
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from disaster.models import CurrentFigures, DisasterType, Event, LevelChange, Proposal, Report, ReportRow
from disaster.services import events as ev
from disaster.services import reports as rsvc
from disaster.services import response as resp
from portal.models import OrgUnit
from tests.conftest import needs_postgres
from tests.disaster.conftest import towns

pytestmark = pytest.mark.pg


def _event(persona, *codes):
    now = timezone.now() - timedelta(minutes=5)
    return ev.event_open(
        actor=persona("city_yjj"),
        type=DisasterType.objects.get(code="flood"),
        title="并发测试",
        started_at=now,
        counties=[ev.CountyStart(OrgUnit.objects.get(code=c), now) for c in codes],
    )


def _run(workers):
    errors = []

    def wrap(fn):
        def go():
            try:
                fn()
            except Exception as exc:  # collected and asserted by the test
                errors.append(exc)
            finally:
                connection.close()  # this thread's own connection

        return go

    threads = [threading.Thread(target=wrap(fn)) for fn in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.django_db
def test_reports_rows_and_decisions_are_insert_only(persona):
    needs_postgres()
    event = _event(persona, "yicheng")
    report = rsvc.report_submit(
        event=event,
        county=OrgUnit.objects.get(code="yicheng"),
        kind="initial",
        rows={towns("yicheng")[0].pk: {"affected": 1}},
        actor=persona("yicheng"),
    )
    for statement in (
        lambda: Report.objects.filter(pk=report.pk).update(description="x"),
        lambda: connection.cursor().execute("DELETE FROM disaster_report WHERE id = %s", [report.pk]),
        lambda: ReportRow.objects.filter(report=report).update(affected=2),
        lambda: connection.cursor().execute(
            "DELETE FROM disaster_reportrow WHERE report_id = %s", [report.pk]
        ),
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic():
            statement()
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_submit_from_two_tabs_files_one_report(persona):
    needs_postgres()
    event = _event(persona, "yicheng")
    county = OrgUnit.objects.get(code="yicheng")
    user = persona("yicheng")
    rows = {towns("yicheng")[0].pk: {"affected": 10, "relocated_rt": 5, "relocated_cum": 5}}

    def file():
        rsvc.report_submit(
            event=event, county=county, kind="initial", rows=rows, actor=user, client_token="same"
        )

    errors = _run([file, file, file])
    assert errors == [] or all(isinstance(e, DatabaseError) for e in errors)
    assert Report.objects.filter(client_token="same").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_counties_keep_the_aggregate_consistent(persona):
    needs_postgres()
    event = _event(persona, "yicheng", "xiping")
    jobs = []
    for code in ("yicheng", "xiping"):
        county, user = OrgUnit.objects.get(code=code), persona(code)
        rows = {t.pk: {"affected": 3} for t in towns(code)}
        jobs.append(
            lambda c=county, u=user, r=rows: rsvc.report_submit(
                event=event, county=c, kind="initial", rows=r, actor=u
            )
        )
    assert _run(jobs) == []
    assert CurrentFigures.objects.filter(event=event).count() == len(towns("yicheng")) + len(towns("xiping"))
    assert sorted(Report.objects.filter(event=event).values_list("seq", flat=True)) == [1, 1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_deciders_at_once_change_the_level_once(persona):
    needs_postgres()
    from django.contrib.auth import get_user_model

    from portal.models import Membership

    event = _event(persona, "yicheng")
    rsvc.report_submit(
        event=event,
        county=OrgUnit.objects.get(code="yicheng"),
        kind="initial",
        rows={towns("yicheng")[0].pk: {"affected": 6000, "relocated_cum": 5000}},
        actor=persona("yicheng"),
    )
    proposal = Proposal.objects.get()
    first = persona("jzw_office_deputy")
    second = get_user_model().objects.create_user(username="deputy2", password="x")
    Membership.objects.create(
        user=second, unit=OrgUnit.objects.get(code="jzw-office"), role_id="dr_office_deputy"
    )

    def decide(user):
        return lambda: resp.proposal_decide(proposal=proposal, approve=True, reason="同意", actor=user)

    errors = _run([decide(first), decide(second)])
    assert len(errors) == 1 and "已批准" in str(errors[0])
    assert LevelChange.objects.count() == 1
    assert Event.objects.get(pk=event.pk).current_level == "IV"
