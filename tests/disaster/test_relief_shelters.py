"""Emergency shelters (issue 4, 7.4.2–7.4.3): capacity and type, opening and closing for an event,
occupants over time, the city occupancy view."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, transaction

from disaster.models import Shelter, ShelterCount, ShelterPeriod
from disaster.relief_selectors import occupancy, occupancy_series
from disaster.services import relief_shelters as sh
from portal.errors import InvalidTransition, RuleViolation
from portal.models import OrgUnit

pytestmark = pytest.mark.django_db


def _shelter(persona, county="yicheng", capacity=500, name="人民公园应急避难场所", kind="park"):
    return sh.shelter_create(
        name=name,
        kind=kind,
        county=OrgUnit.objects.get(code=county),
        capacity=capacity,
        actor=persona(county),
    )


def test_register_open_count_close(clock, persona, open_event):
    event = open_event("yicheng")
    shelter = _shelter(persona)
    assert shelter.managed_by.code == "yicheng" and not shelter.is_open
    with pytest.raises(PermissionDenied):
        sh.shelter_create(
            name="x",
            kind="park",
            county=OrgUnit.objects.get(code="yicheng"),
            capacity=1,
            actor=persona("xiping"),
        )
    with pytest.raises(RuleViolation) as exc:
        sh.shelter_create(
            name="",
            kind="cave",
            county=OrgUnit.objects.get(code="yicheng"),
            capacity=0,
            actor=persona("yicheng"),
        )
    assert {"kind"} <= set(exc.value.errors)
    period = sh.shelter_open(shelter=shelter, event=event, actor=persona("yicheng"))
    with pytest.raises(InvalidTransition, match="已在启用中"):
        sh.shelter_open(shelter=shelter, event=event, actor=persona("yicheng"))
    clock.shift(timedelta(hours=2))
    sh.shelter_count(shelter=shelter, occupants=320, actor=persona("yicheng"))
    clock.shift(timedelta(hours=2))
    sh.shelter_count(shelter=shelter, occupants=560, actor=persona("yicheng"), note="周边村庄继续转移")
    # a count made earlier but entered late does not replace the newer figure
    sh.shelter_count(
        shelter=shelter, occupants=400, actor=persona("yicheng"), at=period.opened_at + timedelta(hours=3)
    )
    shelter.refresh_from_db()
    assert shelter.current_occupants == 560 and shelter.is_open and shelter.current_event == event
    with pytest.raises(RuleViolation, match="不能早于"):
        sh.shelter_count(
            shelter=shelter, occupants=1, actor=persona("yicheng"), at=period.opened_at - timedelta(minutes=1)
        )
    view = occupancy(persona("city_yjj"))
    row = view["by_county"][0]
    assert (row["county__name"], row["open"], row["occupants"], str(row["rate"])) == (
        "驿城区",
        1,
        560,
        "1.1200",
    )
    assert view["open_shelters"][0].over  # over capacity is shown, not refused
    series = occupancy_series(persona("city_yjj"), event)
    assert [n for _, n in series] == [320, 400, 560]
    clock.shift(timedelta(hours=20))
    sh.shelter_close(shelter=shelter, actor=persona("yicheng"), note="群众全部返家")
    shelter.refresh_from_db()
    period.refresh_from_db()
    assert not shelter.is_open and shelter.current_occupants == 0 and period.peak_occupants == 560
    assert ShelterCount.objects.filter(period=period).order_by("-at").first().occupants == 0
    with pytest.raises(InvalidTransition, match="未启用"):
        sh.shelter_count(shelter=shelter, occupants=3, actor=persona("yicheng"))
    # reopened for another event: a new period
    sh.shelter_open(
        shelter=shelter, event=open_event("yicheng", title="第二次过程"), actor=persona("yicheng")
    )
    assert ShelterPeriod.objects.filter(shelter=shelter).count() == 2
    # counts are insert-only
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        ShelterCount.objects.filter(shelter=shelter).update(occupants=1)


def test_a_shelter_opens_only_for_an_event_of_its_county(clock, persona, open_event):
    shelter = _shelter(persona)
    with pytest.raises(RuleViolation, match="不在该灾害过程"):
        sh.shelter_open(shelter=shelter, event=open_event("xiping"), actor=persona("yicheng"))
    with pytest.raises(PermissionDenied):
        sh.shelter_open(shelter=shelter, event=open_event("yicheng"), actor=persona("xiping"))
    # the city emergency bureau may open any county's shelter
    sh.shelter_open(shelter=shelter, event=open_event("yicheng", title="b"), actor=persona("city_yjj"))


def test_city_occupancy_view_by_county_and_jurisdiction(clock, persona, open_event):
    event = open_event("yicheng", "xiping")
    a = _shelter(persona, "yicheng", 1000, "体育中心")
    b = _shelter(persona, "xiping", 400, "西平县人民广场", "square")
    _shelter(persona, "xiping", 300, "西平县第一高中", "school")
    for s, county, n in ((a, "yicheng", 250), (b, "xiping", 100)):
        sh.shelter_open(shelter=s, event=event, actor=persona(county))
        sh.shelter_count(shelter=s, occupants=n, actor=persona(county))
    view = occupancy(persona("city_yjj"), event=event)
    assert (view["occupants"], view["open_capacity"], str(view["rate"]), view["open_count"]) == (
        350,
        1400,
        "0.2500",
        2,
    )
    whole = occupancy(persona("city_yjj"))
    xiping = next(r for r in whole["by_county"] if r["county__name"] == "西平县")
    assert (xiping["shelters"], xiping["open"], xiping["total_capacity"]) == (2, 1, 700)
    own = occupancy(persona("xiping"))
    assert [r["county__name"] for r in own["by_county"]] == ["西平县"]
    assert occupancy(persona("outsider"))["by_county"] == []
    assert Shelter.objects.count() == 3
