"""Demo data of the relief sub-app (idempotent; called by `disaster.demo.seed`): stores with
stock and allocation orders (one drawing on a county store, so an obligation is open), relief
funds from the three sources in every state, shelters open for the flood with their counts, a
verified hail event with its ledger, transitional aid and reconstruction with payments, and this
year's winter-spring relief."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from disaster.models import (
    AidBeneficiary,
    AidProgramme,
    DisasterType,
    Event,
    FundAccount,
    FundReceipt,
    SupplyItem,
    Warehouse,
)
from disaster.rules.ledger import CHECK_CODES, WEIGHTS
from disaster.services import events as ev
from disaster.services import ledger as led
from disaster.services import relief_aid as aid
from disaster.services import relief_funds as funds
from disaster.services import relief_shelters as shel
from disaster.services import relief_supplies as sup
from disaster.services import reports as rsvc
from portal.models import OrgUnit, User

HAIL = "2026年6月驿城区风雹灾害（演示）"
MARKER = "zmd-city"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def _id(seq: int) -> str:
    body = f"4117021975{(seq % 12) + 1:02d}{(seq % 27) + 1:02d}{seq % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    return body + CHECK_CODES[total % 11]


def _items() -> dict[str, int]:
    return dict(SupplyItem.objects.values_list("code", "pk"))


def _stores(flood: Event | None) -> None:
    yjj, items = _user("city_yjj"), _items()
    city = sup.warehouse_create(
        name="驻马店市市级救灾物资储备库",
        code=MARKER,
        owner=_unit("zmd"),
        address="驿城区开源大道",
        actor=yjj,
    )
    sup.stock_receive(
        warehouse=city,
        lines={
            items["tent"]: 800,
            items["folding-bed"]: 1500,
            items["quilt"]: 6000,
            items["cotton-coat"]: 3000,
            items["family-kit"]: 2000,
            items["instant-food"]: 4000,
            items["water"]: 5000,
            items["lamp"]: 120,
        },
        reason="2026 年度市级救灾物资储备采购（市粮食和物资储备局）",
        actor=yjj,
    )
    stores = {}
    for code, username in (("yicheng", "yicheng"), ("xiping", "xiping"), ("shangcai", "shangcai")):
        county = _unit(code)
        wh = sup.warehouse_create(
            name=f"{county.name}救灾物资储备库", code=f"{code}-1", owner=county, actor=_user(username)
        )
        sup.stock_receive(
            warehouse=wh,
            lines={items["tent"]: 200, items["quilt"]: 1200, items["folding-bed"]: 300, items["water"]: 800},
            reason="县级年度储备",
            actor=_user(username),
        )
        stores[code] = wh
    sup.stock_adjust(
        warehouse=stores["yicheng"],
        item=SupplyItem.objects.get(code="quilt"),
        delta=-6,
        reason="盘点：6 床受潮霉变报废",
        actor=_user("yicheng"),
    )
    if flood is None:
        return
    received = sup.order_create(
        event=flood,
        county=_unit("yicheng"),
        warehouse=city,
        destination="水屯镇第一中学安置点",
        lines={items["tent"]: 60, items["quilt"]: 400, items["water"]: 300},
        actor=yjj,
    )
    sup.order_confirm(order=received, received=None, note="", actor=_user("yicheng"))
    sup.order_create(
        event=flood,
        county=_unit("xiping"),
        warehouse=city,
        destination="出山镇政府",
        lines={items["folding-bed"]: 200, items["instant-food"]: 500},
        actor=yjj,
    )
    # the city draws on 驿城区's store for 上蔡县 (7.2.5): an obligation to replenish or compensate
    sup.order_create(
        event=flood,
        county=_unit("shangcai"),
        warehouse=stores["yicheng"],
        destination="上蔡县城关镇",
        lines={items["tent"]: 50, items["quilt"]: 300},
        actor=yjj,
    )


def _funds(flood: Event | None) -> dict[str, FundAccount]:
    czj, yjj = _user("city_czj"), _user("city_yjj")
    today = timezone.localdate()
    receipts = {}
    for key, source, purpose, amount, doc in (
        ("emergency", "central", "emergency", "5000000.00", "财建〔2026〕188号"),
        ("transitional", "provincial", "transitional", "1200000.00", "豫财社〔2026〕66号"),
        ("reconstruction", "city", "reconstruction", "2000000.00", "驻财预〔2026〕21号"),
        ("winter", "central", "winter_spring", "800000.00", "财建〔2026〕301号"),
    ):
        receipts[key] = funds.receipt_record(
            source=source,
            purpose=purpose,
            amount=amount,
            document_no=doc,
            received_on=today - timedelta(days=20),
            actor=czj,
            event=flood if key == "emergency" else None,
        )
    lots: dict[str, FundAccount] = {}

    def allocate(key: str, county: str, amount: str, state: str, reason: str) -> None:
        allocation = funds.allocation_propose(
            receipt=receipts[key],
            county=_unit(county),
            amount=amount,
            reason=reason,
            actor=yjj,
            event=flood if key == "emergency" and county != "queshan" else None,
        )
        if state == "proposed":
            return
        funds.allocation_decide(
            allocation=allocation,
            approve=state != "rejected",
            reason="同意" if state != "rejected" else "灾情核定数据不足，请补充后重报",
            actor=czj,
        )
        if state == "disbursed":
            funds.allocation_disburse(
                allocation=allocation, document_no=f"驻财社〔2026〕{allocation.pk + 30}号", actor=czj
            )
            lots[f"{county}-{key}"] = FundAccount.objects.get(allocation=allocation)

    allocate(
        "emergency",
        "yicheng",
        "1500000.00",
        "disbursed",
        "驿城区暴雨洪涝：紧急转移安置 4,000 余人，需应急生活救助",
    )
    allocate("emergency", "xiping", "1000000.00", "approved", "西平县暴雨洪涝：按核定受灾人口分配")
    allocate("emergency", "shangcai", "600000.00", "proposed", "上蔡县申请应急救助资金")
    allocate("emergency", "queshan", "200000.00", "rejected", "确山县申请")
    allocate("transitional", "yicheng", "300000.00", "disbursed", "驿城区风雹灾害过渡期生活救助")
    allocate("reconstruction", "yicheng", "600000.00", "disbursed", "驿城区风雹灾害倒损住房恢复重建")
    allocate("winter", "yicheng", "200000.00", "disbursed", "驿城区 2026 年冬春救助")
    if "yicheng-emergency" in lots:
        funds.fund_spend(
            account=lots["yicheng-emergency"],
            amount="86500.00",
            description="紧急采购饮用水、方便食品",
            spent_on=today - timedelta(days=1),
            actor=_user("yicheng"),
        )
    return lots


def _shelters(flood: Event | None) -> None:
    yicheng, xiping = _unit("yicheng"), _unit("xiping")
    made = [
        shel.shelter_create(
            name="驿城区人民公园应急避难场所",
            kind="park",
            county=yicheng,
            capacity=3000,
            address="驿城区文明路",
            actor=_user("yicheng"),
        ),
        shel.shelter_create(
            name="驻马店市体育中心",
            kind="stadium",
            county=yicheng,
            capacity=5000,
            address="驿城区雪松大道",
            actor=_user("city_yjj"),
            city_managed=True,
        ),
        shel.shelter_create(
            name="水屯镇第一中学", kind="school", county=yicheng, capacity=800, actor=_user("yicheng")
        ),
        shel.shelter_create(
            name="西平县人民广场", kind="square", county=xiping, capacity=2000, actor=_user("xiping")
        ),
        shel.shelter_create(
            name="西平县出山镇中心学校", kind="school", county=xiping, capacity=600, actor=_user("xiping")
        ),
    ]
    if flood is None:
        return
    now = timezone.now()
    for shelter, username, counts in (
        (made[0], "yicheng", [600, 1450, 1820]),
        (made[2], "yicheng", [300, 760, 860]),
        (made[3], "xiping", [200, 540]),
    ):
        start = now - timedelta(hours=26)
        shel.shelter_open(shelter=shelter, event=flood, at=start, actor=_user(username))
        for i, n in enumerate(counts):
            shel.shelter_count(
                shelter=shelter,
                occupants=n,
                at=start + timedelta(hours=4 + 8 * i),
                actor=_user(username),
                note="夜间转移" if i == 1 else "",
            )


def _hail_event() -> Event:
    """A verified hail event in 驿城区 with its relief ledger (the base of after-disaster aid)."""
    now = timezone.now()
    yicheng = _unit("yicheng")
    start = now - timedelta(days=40)
    event = ev.event_open(
        actor=_user("yicheng"),
        type=DisasterType.objects.get(code="wind_hail"),
        title=HAIL,
        started_at=start,
        description="强对流天气，冰雹大风致部分房屋倒塌、损坏。",
        counties=[ev.CountyStart(yicheng, start)],
    )
    towns = rsvc.townships_of(yicheng)
    rows = {
        towns[11].pk if len(towns) > 11 else towns[0].pk: {
            "affected": 1800,
            "needing_aid_rt": 60,
            "needing_aid_cum": 60,
            "collapsed_rooms": 9,
            "collapsed_households": 3,
            "severe_rooms": 6,
            "severe_households": 2,
            "damaged_rooms": 40,
            "damaged_households": 18,
            "direct_loss": "3650000.00",
        }
    }
    rsvc.report_submit(
        event=event,
        county=yicheng,
        kind="initial",
        rows=rows,
        actor=_user("yicheng"),
        reported_at=start + timedelta(minutes=50),
    )
    ev.event_declare_stable(event=event, actor=_user("city_yjj"), at=start + timedelta(days=2))
    rsvc.report_submit(
        event=event,
        county=yicheng,
        kind="verified",
        rows=rows,
        actor=_user("yicheng"),
        description="核报：倒塌 3 户 9 间，严重损坏 2 户 6 间，一般损坏 18 户 40 间。",
    )
    town = next(iter(rows))
    actor = _user("yicheng")
    households = [
        ("张建国", "collapsed", 4, True),
        ("李秀兰", "collapsed", 3, True),
        ("王德福", "collapsed", 5, False),
        ("赵玉梅", "severe", 2, True),
        ("孙立新", "severe", 4, False),
        ("周桂英", "general", 3, True),
        ("吴长江", "general", 2, False),
    ]
    for i, (name, damage, members, needy) in enumerate(households):
        hh = led.ledger_household_add(
            event=event,
            county=yicheng,
            actor=actor,
            data={
                "head_name": name,
                "id_number": _id(100 + i),
                "members": members,
                "township": town,
                "village": "白庄村",
                "damage": damage,
                "rooms": 3 if damage == "collapsed" else 2,
                "needs_aid": needy,
            },
        )
        if needy:
            led.ledger_person_add(
                event=event,
                county=yicheng,
                actor=actor,
                data={
                    "category": "needs_aid",
                    "name": name,
                    "gender": "M" if i % 2 == 0 else "F",
                    "age": 40 + i * 5,
                    "id_number": _id(100 + i),
                    "township": town,
                    "village": "白庄村",
                    "household": hh,
                },
            )
    return event


def _aid(hail: Event, lots: dict[str, FundAccount]) -> None:
    yicheng, county_user, yjj, czj = _unit("yicheng"), _user("yicheng"), _user("city_yjj"), _user("city_czj")
    # 6.1 transitional living aid: assessed, planned, people verified, paid
    transitional = aid.programme_open(kind="transitional", county=yicheng, event=hail, actor=yjj)
    aid.assessment_record(
        programme=transitional,
        actor=yjj,
        data={
            "persons": 4,
            "households": 4,
            "months": 3,
            "amount_needed": "7200",
            "note": "市减灾委办公室会同县应急管理局入户评估",
        },
    )
    aid.plan_record(
        programme=transitional,
        actor=czj,
        data={"per_person_month": "600.00", "months": 3, "budget": "7200", "basis": "驻财社〔2026〕45号"},
    )
    aid.beneficiaries_add_all(programme=transitional, actor=county_user)
    aid.needs_submit(programme=transitional, actor=county_user)
    first = AidBeneficiary.objects.filter(programme=transitional).order_by("pk")
    for b in first[:3]:
        aid.payment_make(beneficiary=b, amount="1800.00", actor=county_user, reference=f"一卡通-{b.pk:04d}")
    # 6.2 reconstruction: households at every step
    rebuild = aid.programme_open(kind="reconstruction", county=yicheng, event=hail, actor=county_user)
    aid.assessment_record(
        programme=rebuild,
        actor=yjj,
        data={
            "households": 7,
            "collapsed_households": 3,
            "severe_households": 2,
            "general_households": 2,
            "amount_needed": "118000",
            "note": "评估小组参考住建部门评估数据综合评估（6.2.1）",
        },
    )
    aid.plan_record(
        programme=rebuild,
        actor=czj,
        data={
            "collapsed_amount": "25000.00",
            "severe_amount": "15000.00",
            "general_amount": "4000.00",
            "budget": "113000",
            "basis": "驻财社〔2026〕52号",
        },
    )
    aid.beneficiaries_add_all(programme=rebuild, actor=county_user)
    rows = list(
        AidBeneficiary.objects.filter(programme=rebuild).select_related("ledger_household").order_by("pk")
    )
    for i, b in enumerate(rows[:5]):
        damage = b.ledger_household.damage  # type: ignore[union-attr]
        aid.beneficiary_assess(
            beneficiary=b,
            damage=damage,
            mode="rebuild" if damage != "general" else "repair",
            note="",
            actor=county_user,
        )
        if i < 4:
            standard = {"collapsed": "25000.00", "severe": "15000.00", "general": "4000.00"}[damage]
            aid.beneficiary_apply(beneficiary=b, amount=standard, actor=county_user)
            if i < 3:
                aid.beneficiary_approve(beneficiary=b, amount=standard, actor=county_user)
                b.refresh_from_db()
                half = (b.approved_amount or Decimal("0")) / 2
                aid.payment_make(beneficiary=b, amount=f"{half:.2f}", actor=county_user, reference="开工拨付")


def _winter() -> None:
    opened = aid.winter_spring_open_year()
    programme = next((p for p in opened if p.county.code == "yicheng"), None)
    if programme is None:
        programme = AidProgramme.objects.filter(
            kind="winter_spring", county__code="yicheng", year=timezone.localdate().year
        ).first()
    if programme is None or programme.status != AidProgramme.Status.OPEN:
        return
    county_user = _user("yicheng")
    aid.assessment_record(
        programme=programme,
        actor=county_user,
        data={
            "persons": 14,
            "households": 5,
            "amount_needed": "4200",
            "note": "乡镇（街道）报送，县应急管理局、财政局审核",
        },
    )
    aid.beneficiaries_add_all(programme=programme, actor=county_user)
    aid.needs_submit(programme=programme, actor=county_user)
    aid.plan_record(
        programme=programme,
        actor=_user("city_czj"),
        data={"per_person": "300.00", "budget": "4200", "basis": "驻财社〔2026〕77号"},
    )


@transaction.atomic
def seed_relief(flood_title: str) -> None:
    if Warehouse.objects.filter(code=MARKER).exists() or FundReceipt.objects.exists():
        return
    flood = Event.objects.filter(title=flood_title).first()
    _stores(flood)
    lots = _funds(flood)
    _shelters(flood)
    hail = Event.objects.filter(title=HAIL).first() or _hail_event()
    _aid(hail, lots)
    _winter()


def seed(stdout: Any = None) -> None:
    from disaster.demo import FLOOD

    seed_relief(FLOOD)
    if stdout is not None:
        stdout.write("救灾资源与灾后救助演示数据：市县储备库、资金、避难场所、过渡期救助、倒房重建、冬春救助")
