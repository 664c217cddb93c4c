"""Demo data for `manage.py seed_demo` (idempotent): a developing flood across 驿城区, 西平县 and
上蔡县 with reports, a correction, a back-entered phone report, a level IV response with its
tasks and notice and a pending upgrade proposal; a drought in 正阳县; an on-duty roster."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from disaster.models import DisasterType, Event, Proposal
from disaster.services import events as ev
from disaster.services import reports as rsvc
from disaster.services import response as resp
from disaster.services.reports import townships_of
from portal.models import OrgUnit, User
from portal.personas import Persona, ensure_persona

FLOOD = "2026年汛期驿城区、西平县、上蔡县暴雨洪涝（演示）"
DROUGHT = "正阳县夏季干旱（演示）"
APP_PERSONAS = [
    Persona(
        "shangcai",
        "上蔡县·赵干事",
        "shangcai",
        "county_officer",
        "上蔡县工作人员：本县灾情报送（无乡镇数据时按全县一行）",
    ),
    Persona("zhengyang", "正阳县·钱干事", "zhengyang", "county_officer", "正阳县工作人员：旱情报送"),
]


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _rows(county: OrgUnit, scale: int, *, drought: bool = False) -> dict[int, dict[str, Any]]:
    rows = {}
    for i, town in enumerate(townships_of(county)[:6]):
        k = scale * (6 - i)
        if drought:
            rows[town.pk] = {
                "affected": k * 30,
                "drought_aid_rt": k * 6,
                "drought_aid_cum": k * 8,
                "drought_water_rt": k * 3,
                "drought_water_cum": k * 4,
                "direct_loss": f"{k * 1500}.00",
            }
        else:
            rows[town.pk] = {
                "affected": k * 40,
                "relocated_rt": k * 8,
                "relocated_cum": k * 10,
                "housed_rt": k * 3,
                "housed_cum": k * 4,
                "shelters_rt": max(i, 1),
                "shelters_cum": max(i, 1) + 1,
                "needing_aid_rt": k * 5,
                "needing_aid_cum": k * 6,
                "collapsed_rooms": k // 2,
                "collapsed_households": k // 5,
                "severe_rooms": k // 3,
                "severe_households": k // 8,
                "damaged_rooms": k,
                "damaged_households": k // 2,
                "direct_loss": f"{k * 12000}.00",
            }
    return rows


@transaction.atomic
def _flood() -> None:
    if Event.objects.filter(title=FLOOD).exists():
        return
    now = timezone.now()
    office = _user("city_yjj")
    start = now - timedelta(hours=30)
    yicheng, xiping, shangcai, suiping = (
        OrgUnit.objects.get(code=c) for c in ("yicheng", "xiping", "shangcai", "suiping")
    )
    event = ev.event_open(
        actor=office,
        type=DisasterType.objects.get(code="flood"),
        title=FLOOD,
        started_at=start,
        description="7月中旬持续强降雨，多地内涝，部分村庄进水。",
        counties=[ev.CountyStart(c, start) for c in (yicheng, xiping, shangcai)],
    )
    rsvc.report_submit(
        event=event,
        county=yicheng,
        kind="initial",
        rows=_rows(yicheng, 20),
        actor=_user("yicheng"),
        description="暴雨致多个街道内涝，已组织转移群众。",
    )
    rsvc.report_submit(
        event=event, county=xiping, kind="initial", rows=_rows(xiping, 10), actor=_user("xiping")
    )
    # 上蔡县 lost its network: its initial report went by satellite phone, logged by the city.
    log = rsvc.phone_report_log(
        event=event,
        county=shangcai,
        kind="initial",
        channel="sat_phone",
        made_at=start + timedelta(minutes=90),
        summary="卫星电话报告：全县受灾约 3000 人，转移 800 人，无人员伤亡。",
        actor=office,
    )
    rsvc.report_submit(
        event=event,
        county=shangcai,
        kind="initial",
        actor=_user("shangcai"),
        phone_log=log,
        rows={
            shangcai.pk: {
                "affected": 3000,
                "relocated_rt": 800,
                "relocated_cum": 800,
                "needing_aid_rt": 500,
                "needing_aid_cum": 500,
            }
        },
        outage_note="断网期间卫星电话报告，网络恢复后补录",
    )
    resp.city_report_submit(
        event=event, kind="review", text="已审核汇总三县区初报并报市政府、省应急管理厅。", actor=office
    )
    proposal = Proposal.objects.filter(event=event, status="pending").first()
    if proposal is not None:
        resp.proposal_decide(
            proposal=proposal,
            approve=True,
            reason="灾情达到四级响应启动条件，同意启动。",
            actor=_user("jzw_office_deputy"),
        )
    first = rsvc.report_submit(
        event=event, county=yicheng, kind="continuing", rows=_rows(yicheng, 40), actor=_user("yicheng")
    )
    fixed = _rows(yicheng, 40)
    first_town = next(iter(fixed))
    fixed[first_town]["deaths"] = 1
    fixed[first_town]["missing"] = 2
    rsvc.report_submit(
        event=event,
        county=yicheng,
        kind="continuing",
        rows=fixed,
        actor=_user("yicheng"),
        supersedes=first,
        correction_reason="核实后补报水屯镇死亡 1 人、失踪 2 人（先报后核）",
    )
    rsvc.report_submit(
        event=event,
        county=xiping,
        kind="continuing",
        rows=_rows(xiping, 15),
        actor=_user("xiping"),
        major_change=True,
    )
    ev.county_level_set(
        ec=event.counties.get(county=yicheng),
        level="III",
        reason="按驿城区预案启动三级响应",
        actor=_user("yicheng"),
    )
    ev.event_add_county(event=event, start=ev.CountyStart(suiping, start + timedelta(hours=4)), actor=office)
    rsvc.verification_request_create(
        event=event,
        target=xiping,
        question="请核实西平县出山镇转移人数与县水利局数据不一致的情况。",
        actor=office,
    )


@transaction.atomic
def _drought() -> None:
    if Event.objects.filter(title=DROUGHT).exists():
        return
    now = timezone.now()
    zhengyang = OrgUnit.objects.get(code="zhengyang")
    event = ev.event_open(
        actor=_user("zhengyang"),
        type=DisasterType.objects.get(code="drought"),
        title=DROUGHT,
        started_at=now - timedelta(days=3),
        description="县应急管理局会商气象、水利、农业农村部门，确定旱情初显。",
        counties=[ev.CountyStart(zhengyang, now - timedelta(days=3))],
    )
    rsvc.report_submit(
        event=event,
        county=zhengyang,
        kind="initial",
        rows=_rows(zhengyang, 500, drought=True),
        actor=_user("zhengyang"),
    )


@transaction.atomic
def _roster() -> None:
    from disaster.models import DutyShift

    now = timezone.now()
    for username, code in (("city_yjj", "yjj"), ("yicheng", "yicheng"), ("xiping", "xiping")):
        unit = OrgUnit.objects.get(code=code)
        if DutyShift.objects.filter(unit=unit, ends_at__gt=now).exists():
            continue
        user = _user(username)
        resp.duty_shift_add(
            unit_obj=unit,
            user=user,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=7),
            note="汛期值班（演示）",
            actor=user,
        )


def seed(stdout: Any = None) -> list[tuple[str, str]]:
    for persona in APP_PERSONAS:
        ensure_persona(persona)
    _roster()
    _flood()
    _drought()
    from disaster import relief_demo

    relief_demo.seed(stdout)
    return [(p.username, p.description) for p in APP_PERSONAS]
