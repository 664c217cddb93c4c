"""Demo data for the hotline (called by `manage.py seed_demo`; idempotent): a few handling-unit
clerks, knowledge entries, orders in every state of the life cycle, missed calls in the
callback queue, an outage incident."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline import services
from hotline.models import CallRecord, KnowledgeEntry, Order
from hotline.services.knowledge import entry_create
from portal.models import OrgUnit
from portal.personas import Persona, ensure_persona

PERSONAS = [
    Persona(
        "clerk_cgj", "市城市管理局·承办员", "cgj", "unit_clerk", "承办单位（市城市管理局）：签收、办理、答复"
    ),
    Persona(
        "clerk_yicheng", "驿城区政府·承办员", "yicheng", "unit_clerk", "承办单位（驿城区人民政府）：本区工单"
    ),
]

KNOWLEDGE = [
    (
        "住房公积金怎么提取？",
        "职工购买、建造、翻建、大修自住住房，或租房自住的，可申请提取住房公积金；可在住房公积金App线上办理。",
        "zjj",
    ),
    (
        "夜间施工噪音扰民怎么办？",
        "夜间22时至次日6时禁止进行产生环境噪声污染的建筑施工作业（抢修、抢险除外）。请说明具体地址，我们转住建部门处理。",
        "zjj",
    ),
    (
        "停电了多久能恢复？",
        "计划停电提前公告；故障停电请拨打95598报修，城区抢修人员45分钟内到达现场。",
        "power",
    ),
    (
        "家里停水怎么办？",
        "请先确认是否为计划停水（见供水公司公告）；突发停水请拨打供水公司服务热线，或由12345转办。",
        "water",
    ),
    ("燃气有异味怎么办？", "立即关闭燃气阀门、开窗通风，不要开关电器，到室外拨打燃气公司抢修电话。", "gas"),
    ("路灯不亮找谁？", "城区道路路灯由市城市管理局负责维护，请说明具体路段和灯杆编号。", "cgj"),
    ("占道经营怎么投诉？", "占道经营由城市管理部门处理，请说明具体位置和时间段。", "cgj"),
    (
        "医保异地就医如何备案？",
        "参保人员可通过国家医保服务平台App或当地医保经办窗口办理异地就医备案。",
        "ybj",
    ),
]

ORDERS = [
    # (state, kind, subject, description, address, lead code, confidential)
    (
        "received",
        "complaint",
        "urban-management",
        "【演示】小区门口垃圾三天没人清运",
        "驿城区文明路12号",
        "cgj",
        False,
    ),
    (
        "dispatched",
        "help",
        "urban-road",
        "【演示】雪松路与解放路交叉口路面塌陷",
        "驿城区雪松路",
        "cgj",
        False,
    ),
    (
        "signed",
        "complaint",
        "urban-construction",
        "【演示】工地夜间施工噪音扰民",
        "驿城区解放路88号",
        "zjj",
        False,
    ),
    ("signed", "report", "urban-housing", "【演示】物业擅自提高停车费", "驿城区橡林街道某小区", "zjj", True),
    ("return_requested", "help", "urban-road", "【演示】人行道地砖松动", "驿城区开源大道", "zjj", False),
    (
        "extension_requested",
        "suggestion",
        "urban-housing",
        "【演示】建议老旧小区加装电梯",
        "驿城区西园街道",
        "zjj",
        False,
    ),
    ("replied", "consultation", "urban-housing", "【演示】咨询公积金贷款额度", "", "zjj", False),
    (
        "called_back",
        "opinion",
        "urban-management",
        "【演示】对城区共享单车乱停放的意见",
        "驿城区中华路",
        "cgj",
        False,
    ),
    ("closed", "help", "urban-management", "【演示】路灯不亮已一周", "驿城区前进路", "cgj", False),
    ("answered", "consultation", "government", "【演示】咨询营业执照办理地点", "", "", False),
]


def _drive(order: Order, state: str, lead: OrgUnit, people: dict[str, Any]) -> None:
    op, sup = people["operator"], people["supervisor"]
    clerk = people["clerk_zjj"] if lead.code == "zjj" else people["clerk_cgj"]
    if state == "received":
        return
    if state == "answered":
        services.order_answer(
            order=order, actor=op, content="营业执照可在市民之家一楼商事登记窗口或网上办理。"
        )
        return
    services.order_dispatch(order=order, actor=op, lead_unit=lead)
    if state == "dispatched":
        return
    services.order_sign(order=order, actor=clerk, unit=lead)
    if state == "signed":
        return
    if state == "return_requested":
        services.order_return(
            order=order,
            actor=clerk,
            unit=lead,
            reason="人行道维护不属于本单位职责",
            basis="市政设施管理职责分工",
            suggested_unit=OrgUnit.objects.get(code="cgj"),
        )
        return
    if state == "extension_requested":
        services.order_request_extension(order=order, actor=clerk, unit=lead, days=5, reason="需征求业主意见")
        return
    services.order_reply(
        order=order, actor=clerk, unit=lead, content="已核实并处理，处理结果已电话告知诉求人。"
    )
    if state == "replied":
        return
    services.order_callback(order=order, actor=sup, satisfied=True, note="诉求人表示满意")
    if state == "called_back":
        return
    services.order_close(order=order, actor=sup)


@transaction.atomic
def seed(stdout: Any = None) -> list[tuple[str, str]]:
    accounts = [(p.username, p.description) for p in PERSONAS]
    people = {p.username: ensure_persona(p) for p in PERSONAS}
    from portal.personas import BY_USERNAME

    for name in ("operator", "supervisor", "clerk_zjj", "admin"):
        people[name] = ensure_persona(BY_USERNAME[name])
    if not KnowledgeEntry.objects.exists():
        for question, answer, unit_code in KNOWLEDGE:
            unit = OrgUnit.objects.filter(code=unit_code).first()
            if unit is not None:
                entry_create(actor=people["admin"], question=question, answer=answer, owner_unit=unit)
    if not Order.objects.filter(description__startswith="【演示】").exists():
        yicheng = OrgUnit.objects.get(code="yicheng")
        for state, kind, subject, description, address, lead_code, confidential in ORDERS:
            order = services.order_create(
                actor=people["operator"],
                kind=kind,
                subject=subject,
                description=description,
                caller_name="演示来电人",
                caller_phone="13800138000",
                confidential=confidential,
                county=yicheng,
                address=address,
            )
            lead = OrgUnit.objects.get(code=lead_code) if lead_code else yicheng
            _drive(order, state, lead, people)
        services.order_create(
            actor=people["operator"],
            kind="help",
            subject="outage-power",
            description="【演示】驿城区东风街道大面积停电",
            caller_phone="13800138001",
            county=yicheng,
            address="东风街道",
        )
    if not CallRecord.objects.exists():
        now = timezone.now()
        rows = []
        for i in range(40):
            started = now - timedelta(minutes=15 * i)
            answered = i % 12 != 5
            rows.append(
                CallRecord(
                    external_id=f"DEMO-{i:03d}",
                    phone=f"1390000{i:04d}",
                    started_at=started,
                    answered=answered,
                    answered_at=started + timedelta(seconds=5 + i % 20) if answered else None,
                    callback_state="" if answered else CallRecord.Callback.PENDING,
                )
            )
        CallRecord.objects.bulk_create(rows)
    if stdout is not None:
        stdout.write(
            f"  12345热线：{Order.objects.count()} 张工单，{KnowledgeEntry.objects.count()} 条知识库条目"
        )
    return accounts
