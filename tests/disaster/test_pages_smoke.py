from datetime import timedelta

import pytest

from disaster.models import Proposal
from disaster.services import response as resp
from tests.disaster.conftest import rows_for

pytestmark = pytest.mark.django_db


def test_pages_render(clock, open_event, submit, persona, web):
    event = open_event("yicheng", "xiping")
    submit(
        event,
        "yicheng",
        "initial",
        rows_for("yicheng", t1={"affected": 9000, "relocated_rt": 6000, "relocated_cum": 6000}),
    )
    p = Proposal.objects.get()
    resp.proposal_decide(proposal=p, approve=True, reason="同意", actor=persona("jzw_office_deputy"))
    clock.shift(timedelta(hours=1))
    report = submit(event, "xiping", "initial", rows_for("xiping", t2={"affected": 10, "deaths": 1}))
    change = p.level_change
    city = web("city_yjj")
    county = web("yicheng")
    pages = [
        (city, "/disaster/"),
        (city, "/disaster/dashboard/"),
        (city, "/disaster/events/"),
        (city, "/disaster/events/new/"),
        (city, f"/disaster/events/{event.pk}/"),
        (city, f"/disaster/events/{event.pk}/?county={report.county_id}"),
        (city, f"/disaster/reports/{report.pk}/"),
        (city, "/disaster/proposals/"),
        (city, f"/disaster/proposals/{p.pk}/"),
        (city, f"/disaster/decisions/{change.pk}/notice/"),
        (city, "/disaster/roster/"),
        (city, "/disaster/thresholds/"),
        (city, "/disaster/deadlines/"),
        (city, f"/disaster/events/{event.pk}/ledger/"),
        (county, "/disaster/events/"),
        (county, f"/disaster/events/{event.pk}/"),
        (county, f"/disaster/events/{event.pk}/file/"),
        (county, "/disaster/deadlines/"),
        (county, f"/disaster/events/{event.pk}/ledger/"),
        (county, "/"),
        (city, "/"),
        (web("admin"), "/disaster/thresholds/"),
    ]
    for client, url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        assert "<h1>" in response.content.decode()
    for fmt in ("xlsx", "csv"):
        assert city.get(f"/disaster/events/{event.pk}/export/aggregate.{fmt}?hxl=1").status_code == 200
        assert city.get(f"/disaster/events/{event.pk}/export/reports.{fmt}").status_code == 200
    assert city.get(f"/disaster/decisions/{change.pk}/notice.pdf").content.startswith(b"%PDF")
    assert city.get(f"/disaster/decisions/{change.pk}/notice.docx").content.startswith(b"PK")
