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


def _api_race(calls):
    """Every call at once (a barrier), each thread on its own connection; → [(status, body)]."""
    barrier = threading.Barrier(len(calls))
    results = []

    def go(call):
        try:
            barrier.wait()
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _file_through_api(user, event, code, key=""):
    from rest_framework.test import APIClient

    county = OrgUnit.objects.get(code=code)
    payload = {
        "event": event.pk,
        "county": county.pk,
        "kind": "initial",
        "rows": [
            {"township": t.pk, "affected": 7, "relocated_rt": 2, "relocated_cum": 2} for t in towns(code)
        ],
    }

    def call():
        client = APIClient()
        client.force_authenticate(user)
        extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        response = client.post("/api/v1/disaster/reports/", payload, format="json", **extra)
        return response.status_code, response.json()

    return call


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_counties_submit_through_the_api_at_once(persona):
    needs_postgres()
    from disaster.models import EventCounty
    from disaster.services.common import K_INITIAL
    from portal.deadlines import open_deadlines
    from portal.models import Deadline

    event = _event(persona, "yicheng", "xiping")
    results = _api_race(
        [
            _file_through_api(persona("yicheng"), event, "yicheng"),
            _file_through_api(persona("xiping"), event, "xiping"),
        ]
    )
    assert [code for code, _ in results] == [201, 201], results
    assert {body["county"] for _, body in results} == {
        OrgUnit.objects.get(code="yicheng").pk,
        OrgUnit.objects.get(code="xiping").pk,
    }
    # both counties' figures are in the aggregate, none lost to the other's transaction
    towns_count = len(towns("yicheng")) + len(towns("xiping"))
    assert CurrentFigures.objects.filter(event=event).count() == towns_count
    assert (
        sum(CurrentFigures.objects.filter(event=event).values_list("affected", flat=True)) == 7 * towns_count
    )
    # each county's initial-report deadline is met exactly once, by its own report
    for ec in EventCounty.objects.filter(event=event):
        assert not open_deadlines(ec, K_INITIAL).exists()
        met = Deadline.objects.filter(subject_id=ec.pk, kind=K_INITIAL, status=Deadline.Status.MET)
        assert met.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_replays_of_one_report_key_file_one_report(persona):
    needs_postgres()
    event = _event(persona, "yicheng")
    call = _file_through_api(persona("yicheng"), event, "yicheng", key="report-1")
    results = _api_race([call] * 4)
    assert [code for code, _ in results] == [201] * 4, results
    assert len({body["id"] for _, body in results}) == 1
    assert Report.objects.filter(event=event).count() == 1
    assert ReportRow.objects.filter(report__event=event).count() == len(towns("yicheng"))
