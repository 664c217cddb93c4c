"""The people of the demo and the test suite: one definition, used by `seed_demo` and by the
tests' persona fixtures (tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from portal.models import Membership, OrgUnit, Role, User

DEMO_PASSWORD = "Zmd-demo-2024"  # noqa: S105 - demo data only, printed by `make run`


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    unit_code: str | None
    role: str | None
    description: str
    superuser: bool = False


PERSONAS = [
    Persona("admin", "系统管理员", "zmd", "city_admin", "超级管理员：全部功能、管理后台", superuser=True),
    Persona("city_yjj", "市应急管理局·王科长", "yjj", "city_staff", "市应急管理局：全市灾情、救灾物资资金"),
    Persona("city_mzj", "市民政局·李科长", "mzj", "city_staff", "市民政局：全市低收入人口与救助"),
    Persona("city_gxj", "市工信局·张科长", "gxj", "city_staff", "市工信局：电子信息产业奖补审核"),
    Persona("city_czj", "市财政局·赵科长", "czj", "city_staff", "市财政局：资金审核、奖补财政审核"),
    Persona(
        "yicheng", "驿城区·刘干事", "yicheng", "county_officer", "驿城区工作人员：本区灾情报送、救助审核"
    ),
    Persona("xiping", "西平县·陈干事", "xiping", "county_officer", "西平县工作人员：本县灾情报送、救助审核"),
    Persona(
        "shuitun",
        "水屯镇·周干事",
        "yicheng-t12",
        "township_officer",
        "驿城区水屯镇工作人员：本镇救助申请、走访",
    ),
    Persona(
        "operator", "12345话务员·孙", "rx12345", "hotline_operator", "12345 话务员：受理来电、直接答复、派单"
    ),
    Persona(
        "supervisor",
        "12345值班长·吴",
        "rx12345",
        "hotline_supervisor",
        "12345 值班长：审核退回/延期、回访、督办",
    ),
    Persona("clerk_zjj", "市住建局·承办员", "zjj", "unit_clerk", "承办单位（市住建局）：签收、办理、答复"),
    Persona("clerk_power", "供电公司·承办员", "power", "unit_clerk", "承办单位（国网驻马店供电公司）"),
    Persona("auditor", "市审计局·审计员", "sjj", "auditor", "审计员：审计记录查询与导出"),
    Persona("jzw_office_deputy", "减灾委办公室副主任", "jzw-office", "dr_office_deputy", "决定四级响应"),
    Persona(
        "jzw_office_director", "减灾委办公室主任", "jzw-office", "dr_office_director", "接收四级响应报告"
    ),
    Persona("jzw_deputy", "减灾委副主任", "jzw", "dr_deputy", "决定三级响应"),
    Persona("jzw_exec_deputy", "减灾委常务副主任", "jzw", "dr_executive_deputy", "决定二级响应"),
    Persona("jzw_director", "减灾委主任", "jzw", "dr_director", "决定一级响应"),
    Persona("outsider", "无权限用户", None, None, "没有任何任职：只能登录"),
]
BY_USERNAME = {p.username: p for p in PERSONAS}


@transaction.atomic
def ensure_persona(persona: Persona, *, password: str = DEMO_PASSWORD) -> User:
    """Create (or reuse) the persona's user and membership. Idempotent."""
    user = User.objects.filter(username=persona.username).first()
    if user is None:
        user = User.objects.create_user(
            username=persona.username,
            password=password,
            display_name=persona.display_name,
            is_staff=persona.superuser,
            is_superuser=persona.superuser,
            phone=f"1380000{len(persona.username):04d}",
            email=f"{persona.username}@demo.invalid",
        )
    if persona.unit_code and persona.role:
        unit = OrgUnit.objects.get(code=persona.unit_code)
        role = Role.objects.get(code=persona.role)
        if not Membership.objects.active().filter(user=user, unit=unit, role=role).exists():
            Membership.objects.create(user=user, unit=unit, role=role, reason="演示数据")
    return user
