from datetime import timedelta

import pytest

from disaster.models import CurrentFigures, Proposal
from disaster.services import response as resp
from portal.models import Deadline
from tests.disaster.conftest import rows_for

pytestmark = pytest.mark.django_db


def test_flow(clock, open_event, submit, persona):
    event = open_event("yicheng")
    assert Deadline.objects.filter(kind="disaster.initial_report").count() == 1
    r1 = submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1={"affected": 9000, "relocated_rt": 6000, "relocated_cum": 6000}),
    )
    assert CurrentFigures.objects.count() == 1
    p = Proposal.objects.get()
    assert p.level == "IV"
    resp.proposal_decide(proposal=p, approve=True, reason="同意", actor=persona("jzw_office_deputy"))
    event.refresh_from_db()
    assert event.current_level == "IV"
    clock.shift(timedelta(hours=3))
    r2 = submit(
        event,
        "yicheng",
        "continuing",
        rows_for("yicheng", t1={"affected": 40000, "relocated_rt": 100, "relocated_cum": 35000}),
    )
    assert Proposal.objects.filter(status="pending").get().level == "II"
    assert r2.seq == 2 and r1.seq == 1
