"""PostgreSQL-only: the row locks of the report services under real concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from portal.errors import InvalidTransition
from supervision import services
from supervision.models import Indicator, Report, ReportObligation
from tests.conftest import needs_postgres
from tests.supervision.conftest import at, obligation_of

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _race(n: int, action) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait()
        try:
            action(i)
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_concurrent_filings_of_one_obligation_create_one_report(open_period, user):
    needs_postgres()
    open_period(at(2026, 11, 25, 10), "B05")
    clerk = user("sup_fgw")
    ob = obligation_of("B05", "fgw")
    values = {i.pk: "90" for i in Indicator.objects.filter(task__code="B05")}

    def file(i: int) -> None:
        services.report_submit(obligation=ob, actor=clerk, narrative=f"第{i}次提交", values=values)

    assert _race(4, file) == ["ok", "refused", "refused", "refused"]
    assert Report.objects.filter(obligation=ob).count() == 1
    assert ReportObligation.objects.get(pk=ob.pk).current_report is not None


def test_concurrent_corrections_keep_one_current_version(open_period, user):
    needs_postgres()
    open_period(at(2026, 11, 25, 10), "B07")
    clerk = user("sup_zwfw")
    ob = obligation_of("B07", "zwfw")
    first = services.report_submit(obligation=ob, actor=clerk, narrative="原报告")

    def correct(i: int) -> None:
        services.report_correct(report=first, actor=clerk, reason=f"更正{i}", narrative=f"更正{i}")

    assert _race(3, correct) == ["ok", "refused", "refused"]
    assert list(
        Report.objects.filter(obligation=ob).order_by("version").values_list("version", "is_current")
    ) == [
        (1, False),
        (2, True),
    ]
