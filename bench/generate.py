"""Deterministic synthetic data at city scale (issue 9), loaded with COPY.

`generate(scale=1.0, seed=20240801)` creates the database `bench.db.db_name(scale)` from a
migrated template and fills it with (at scale 1):

* the organisation tree grown to ~200 townships and ~2,000 villages, one clerk per handling
  unit (so deadline notifications have recipients), and the benchmark superuser with an API token;
* 5,000,000 hotline orders over three years: kinds, categories, counties/townships, channels,
  and states consistent with their clocks (older orders finished, recent ones with units,
  some overdue);
* 1,000,000 open handling deadlines on those orders (`hotline.handle`), due from one day after
  generation onwards (the sweep scenario picks its `now` to make exactly N of them due);
* 1,000 historic disaster events (1–3 counties, up to 10 reports per county, one row per
  township) and one large active event over all 13 county-level areas with 60 reports per
  county, each with a row for every township, plus each township's current figures;
* 2,000,000 persons in 700,000 households with valid ID numbers;
* 10,000 enterprises with 1–3 projects each.

Every value comes from one `random.Random(seed)` per family, so the same seed and scale give
the same rows. Nothing is written to the repository.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from bench import db

DEFAULT_SEED = 20240801
ORDERS = 5_000_000
DEADLINES = 1_000_000
PERSONS = 2_000_000
HOUSEHOLDS = 700_000
HISTORIC_EVENTS = 1_000
ENTERPRISES = 10_000
TOWNSHIPS_PER_COUNTY = 15
VILLAGES_PER_TOWNSHIP = 10
BIG_EVENT_REPORTS = 60

SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强文斌海燕德胜春生金凤宏伟晓东俊杰子涵雨轩浩然欣怡思远嘉怡宇航佳琪梓萱一鸣"
PLACE_WORDS = "东西南北新安和平兴顺永丰宁富康乐泉河山林桥湖岗店集庄寨营楼铺"
ROADS = [
    "解放路",
    "中华路",
    "文明大道",
    "健康路",
    "前进路",
    "雪松路",
    "练江大道",
    "驿城大道",
    "骏马路",
    "开源大道",
]
ISSUES = [
    "路灯不亮，夜间出行不便",
    "小区楼下垃圾堆放多日无人清理",
    "自来水停水未提前通知",
    "道路破损严重，雨天积水",
    "噪音扰民，夜间施工",
    "咨询城乡居民医保缴费时间",
    "反映农民工工资被拖欠",
    "燃气费用计费有误",
    "占道经营影响通行",
    "建议增设公交站点",
    "表扬社区工作人员热心服务",
    "供暖温度不达标",
    "举报无证经营的小作坊",
    "学校周边交通拥堵",
]
# (status, weight) for orders received in the last 20 days, 20–60 days ago, and earlier.
RECENT = [
    ("received", 3),
    ("answered", 12),
    ("dispatched", 6),
    ("signed", 30),
    ("extension_requested", 1),
    ("replied", 15),
    ("called_back", 8),
    ("closed", 25),
]
MIDDLE = [("signed", 5), ("answered", 12), ("replied", 3), ("called_back", 5), ("closed", 75)]
OLD = [("answered", 12), ("handed_over", 2), ("closed", 60), ("archived", 26)]
CHANNELS = [("phone", 70), ("web", 8), ("app", 10), ("sms", 2), ("provincial_platform", 8), ("open311", 2)]
FINISHED_NO_UNIT = ("received", "answered", "handed_over")


def weighted(rng: random.Random, pairs: list[tuple[str, int]], n: int = 10_000) -> list[str]:
    """A table to draw from with rng.choice (much faster than rng.choices per row)."""
    total = sum(w for _, w in pairs)
    table: list[str] = []
    for value, weight in pairs:
        table += [value] * round(n * weight / total)
    return table


def chinese_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def id_number(region: str, birth: date, serial: int) -> str:
    """A resident ID number with a valid GB 11643 check character."""
    body = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def money(rng: random.Random, high: int) -> Decimal:
    return Decimal(rng.randrange(0, high * 100)) / 100


@dataclass
class Org:
    centre: int
    counties: list[int]
    county_code: dict[int, str]
    townships: dict[int, list[int]]  # county → townships
    township_name: dict[int, str]
    villages: dict[int, list[int]]  # township → villages
    handlers: list[int]
    admin: int
    categories: list[tuple[int, str, str]] = field(default_factory=list)  # id, default kind, name


@dataclass
class Scale:
    factor: float

    def n(self, full: int, minimum: int = 1) -> int:
        return max(minimum, round(full * self.factor))


# --- organisation and users (ORM: a few thousand rows, and OrgUnit.save keeps the paths) ------


def grow_org(rng: random.Random) -> Org:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from portal.models import Membership, OrgUnit

    User = get_user_model()
    counties = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).order_by("sort", "pk"))
    townships: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    villages: dict[int, list[int]] = {}
    for county in counties:
        existing = list(OrgUnit.objects.filter(parent=county, kind=OrgUnit.Kind.TOWNSHIP).order_by("pk"))
        for i in range(len(existing), TOWNSHIPS_PER_COUNTY):
            name = rng.choice(PLACE_WORDS) + rng.choice(PLACE_WORDS) + rng.choice("镇乡")
            unit = OrgUnit(
                name=name,
                code=f"bench-{county.code}-t{i:02d}",
                kind=OrgUnit.Kind.TOWNSHIP,
                parent=county,
                sort=i,
            )
            unit.save()
            existing.append(unit)
        townships[county.pk] = [t.pk for t in existing]
        for t in existing:
            names[t.pk] = t.name
            village_units = list(
                OrgUnit.objects.filter(parent=t, kind=OrgUnit.Kind.VILLAGE)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for j in range(len(village_units), VILLAGES_PER_TOWNSHIP):
                v = OrgUnit(
                    name=f"{rng.choice(PLACE_WORDS)}{rng.choice(PLACE_WORDS)}{'村' if j % 4 else '社区'}",
                    code=f"bench-v{t.pk}-{j:02d}",
                    kind=OrgUnit.Kind.VILLAGE,
                    parent=t,
                    sort=j,
                )
                v.save()
                village_units.append(v.pk)
            villages[t.pk] = village_units
    handlers = list(OrgUnit.objects.filter(handles_orders=True).order_by("pk").values_list("pk", flat=True))
    admin = User.objects.filter(username="bench_admin").first()
    if admin is not None:  # generating some parts again into an existing database
        return _org(counties, townships, names, villages, handlers, admin.pk)
    admin = User.objects.create_superuser("bench_admin", "bench@example.invalid", None)
    Token.objects.create(user=admin, key="bench" + "0" * 35)
    clerks = User.objects.bulk_create(
        [
            User(username=f"bench_clerk_{u}", display_name=f"承办员{u}", email=f"clerk{u}@example.invalid")
            for u in handlers
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=c, unit_id=u, role_id="unit_clerk", reason="bench")
            for c, u in zip(clerks, handlers, strict=True)
        ]
    )
    return _org(counties, townships, names, villages, handlers, admin.pk)


def _org(
    counties: list[Any],
    townships: dict[int, list[int]],
    names: dict[int, str],
    villages: dict[int, list[int]],
    handlers: list[int],
    admin: int,
) -> Org:
    from hotline.models import Category
    from hotline.services.common import CENTRE_CODE
    from portal.models import OrgUnit

    categories = [
        (c.pk, c.default_kind, c.name)
        for c in Category.objects.filter(parent__isnull=False, active=True).order_by("pk")
    ]
    return Org(
        centre=OrgUnit.objects.get(code=CENTRE_CODE).pk,
        counties=[c.pk for c in counties],
        county_code={c.pk: c.code for c in counties},
        townships=townships,
        township_name=names,
        villages=villages,
        handlers=handlers,
        admin=admin,
        categories=categories,
    )


# --- hotline ------------------------------------------------------------------------------------


def order_rows(rng: random.Random, org: Org, n: int, now: datetime):  # type: ignore[no-untyped-def]
    """`n` orders with ids 1..n, received in order over the three years before `now`."""
    start = now - timedelta(days=3 * 365)
    span = (now - timedelta(hours=1) - start).total_seconds()
    recent, middle, old = weighted(rng, RECENT), weighted(rng, MIDDLE), weighted(rng, OLD)
    channels = weighted(rng, CHANNELS)
    county_weights = [rng.randint(5, 15) for _ in org.counties]
    counties = [c for c, w in zip(org.counties, county_weights, strict=True) for _ in range(w)]
    handler_weights = [rng.randint(1, 10) for _ in org.handlers]
    handlers = [h for h, w in zip(org.handlers, handler_weights, strict=True) for _ in range(w)]
    phones = [f"13{rng.randrange(10**9):09d}" for _ in range(max(1000, n // 3))]
    for i in range(1, n + 1):
        received = start + timedelta(seconds=span * i / n + rng.random() * 60)
        age_days = (now - received).total_seconds() / 86400
        table = recent if age_days < 20 else middle if age_days < 60 else old
        status = rng.choice(table)
        category_id, default_kind, category_name = rng.choice(org.categories)
        kind = default_kind if rng.random() < 0.7 else rng.choice(KINDS)
        county = rng.choice(counties)
        township = rng.choice(org.townships[county])
        issue = rng.choice(ISSUES)
        row: dict[str, Any] = {
            "id": i,
            "channel": rng.choice(channels),
            "kind": kind,
            "subject_id": category_id,
            "caller_name": chinese_name(rng),
            "caller_phone": rng.choice(phones),
            "confidential": rng.random() < 0.02,
            "county_id": county,
            "township_id": township,
            "address": f"{org.township_name[township]}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
            "latitude": f"{32.98 + rng.uniform(-0.5, 0.5):.6f}",
            "longitude": f"{114.02 + rng.uniform(-0.6, 0.6):.6f}",
            "description": f"{category_name}：{issue}，请尽快处理。",
            "received_at": received,
            "created_at": received,
            "token": uuid.UUID(int=rng.getrandbits(128), version=4),
            "status": status,
            "status_at": received,
            "dispatch_due_at": received + timedelta(hours=2),
        }
        if status not in FINISHED_NO_UNIT:
            triaged = received + timedelta(minutes=rng.randint(5, 110))
            signed = triaged + timedelta(minutes=rng.randint(10, 240))
            limit = rng.choice((5, 10, 15))
            due = signed + timedelta(days=limit * 1.4)
            row.update(
                triaged_at=triaged,
                lead_unit_id=rng.choice(handlers),
                dispatched_at=triaged,
                sign_due_at=triaged + timedelta(hours=4),
                status_at=triaged,
            )
            if status != "dispatched":
                row.update(
                    signed_at=signed, clock_start_at=signed, limit_days=limit, due_at=due, status_at=signed
                )
            if status in ("replied", "called_back", "closed", "archived"):
                replied = signed + timedelta(days=limit * 1.4 * (rng.random() * 1.15))
                row.update(replied_at=replied, reply_late=replied > due, status_at=replied)
                if status != "replied":
                    row["satisfied"] = rng.random() < 0.9
                if status in ("closed", "archived"):
                    row["closed_at"] = replied + timedelta(days=rng.randint(1, 5))
                    row["status_at"] = row["closed_at"]
                if status == "archived":
                    row["archived_at"] = row["closed_at"] + timedelta(days=30)
        elif status in ("answered", "handed_over"):
            row.update(triaged_at=received + timedelta(minutes=rng.randint(1, 30)), status_at=received)
        yield row


KINDS = ["consultation", "help", "opinion", "suggestion", "complaint", "report", "praise"]


def deadline_rows(rng: random.Random, org: Org, n: int, orders: int, ct_order: int, now: datetime):  # type: ignore[no-untyped-def]
    """Open handling deadlines due from `now + 1 day`, evenly over 30 days, in id order."""
    base = now + timedelta(days=1)
    step = 30 * 86400 / n
    for i in range(n):
        due = base + timedelta(seconds=i * step)
        order_id = 1 + (i * 7919) % orders
        yield {
            "subject_type_id": ct_order,
            "subject_id": order_id,
            "kind": "hotline.handle",
            "title": f"办理答复：工单 {order_id}",
            "responsible_unit_id": rng.choice(org.handlers),
            "escalate_to_id": org.centre,
            "starts_at": due - timedelta(days=7),
            "due_at": due,
            "status": "open",
            "basis": "第十二条（一）",
            "url": f"/hotline/orders/{order_id}/",
            "created_at": now,
        }


# --- disaster -------------------------------------------------------------------------------------

FIGURE_FIELDS = [
    "affected",
    "deaths",
    "missing",
    "trapped",
    "relocated_rt",
    "relocated_cum",
    "housed_rt",
    "housed_cum",
    "shelters_rt",
    "shelters_cum",
    "needing_aid_rt",
    "needing_aid_cum",
    "collapsed_rooms",
    "collapsed_households",
    "severe_rooms",
    "severe_households",
    "damaged_rooms",
    "damaged_households",
]


def figures(rng: random.Random, share: float) -> dict[str, Any]:
    f = {
        "affected": int(rng.randint(100, 20000) * share),
        "deaths": int(rng.random() < 0.05 * share),
        "missing": 0,
        "trapped": int(rng.randint(0, 20) * share),
        "relocated_rt": int(rng.randint(0, 800) * share),
        "relocated_cum": int(rng.randint(0, 1500) * share),
        "housed_rt": int(rng.randint(0, 300) * share),
        "housed_cum": int(rng.randint(0, 600) * share),
        "shelters_rt": int(rng.randint(0, 5) * share),
        "shelters_cum": int(rng.randint(0, 8) * share),
        "needing_aid_rt": int(rng.randint(0, 2000) * share),
        "needing_aid_cum": int(rng.randint(0, 3000) * share),
        "collapsed_rooms": int(rng.randint(0, 40) * share),
        "collapsed_households": int(rng.randint(0, 15) * share),
        "severe_rooms": int(rng.randint(0, 80) * share),
        "severe_households": int(rng.randint(0, 30) * share),
        "damaged_rooms": int(rng.randint(0, 400) * share),
        "damaged_households": int(rng.randint(0, 150) * share),
    }
    f["direct_loss"] = Decimal(int(rng.randint(10_000, 5_000_000) * share))
    return f


def load_disaster(conn: Any, rng: random.Random, org: Org, historic: int, now: datetime) -> dict[str, int]:
    from disaster.models import CurrentFigures, Event, EventCounty, Report, ReportRow

    tables = {m: db.Table(m, now) for m in (Event, EventCounty, Report, ReportRow, CurrentFigures)}
    events: list[dict[str, Any]] = []
    ecs: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    type_ids = [r[0] for r in conn.execute("SELECT id FROM disaster_disastertype ORDER BY id").fetchall()]

    def add_event(
        event_id: int, title: str, started: datetime, counties: list[int], n_reports: int, active: bool
    ) -> None:
        events.append(
            {
                "id": event_id,
                "title": title,
                "type_id": rng.choice(type_ids),
                "started_at": started,
                "description": "",
                "opened_by_id": org.admin,
                "opened_by_unit_id": counties[0],
                "opened_at": started + timedelta(hours=1),
                "status": "active" if active else "closed",
                "closed_at": None if active else started + timedelta(days=20),
                "closed_by_id": None if active else org.admin,
                "verified_at": None if active else started + timedelta(days=15),
                "current_level": "IV" if active else None,
                "level_since": started + timedelta(hours=3) if active else None,
                "last_report_at": started + timedelta(hours=2 * n_reports),
            }
        )
        for county in counties:
            ecs.append(
                {"event_id": event_id, "county_id": county, "occurred_at": started, "joined_by_id": org.admin}
            )
            townships = org.townships[county]
            latest: dict[int, dict[str, Any]] = {}
            base = {t: figures(rng, 1.0) for t in townships}
            for seq in range(1, n_reports + 1):
                report_id = len(reports) + 1
                at = started + timedelta(hours=2 * seq)
                kind = (
                    "initial"
                    if seq == 1
                    else ("verified" if not active and seq == n_reports else "continuing")
                )
                totals: dict[str, Any] = dict.fromkeys(FIGURE_FIELDS, 0)
                totals["direct_loss"] = Decimal(0)
                for t in townships:
                    share = seq / n_reports
                    f = {
                        k: (
                            type(v)(int(v * share))
                            if k != "direct_loss"
                            else (v * Decimal(share)).quantize(Decimal("0.01"))
                        )
                        for k, v in base[t].items()
                    }
                    row_id = len(rows) + 1
                    rows.append({"id": row_id, "report_id": report_id, "township_id": t, **f})
                    latest[t] = {"report_id": report_id, "row_id": row_id, "seq": seq, **f}
                    for k in totals:
                        totals[k] += f[k]
                totals["direct_loss"] = str(totals["direct_loss"])
                reports.append(
                    {
                        "id": report_id,
                        "event_id": event_id,
                        "county_id": county,
                        "kind": kind,
                        "seq": seq,
                        "reported_at": at,
                        "submitted_at": at,
                        "figures_as_of": at,
                        "submitted_by_id": org.admin,
                        "totals": Jsonb(totals),
                        "row_count": len(townships),
                    }
                )
            for t, cur in latest.items():
                current.append({"event_id": event_id, "county_id": county, "township_id": t, **cur})

    start = now - timedelta(days=10 * 365)
    for i in range(1, historic + 1):
        started = start + timedelta(days=i * (9.5 * 365) / historic)
        counties = rng.sample(org.counties, rng.randint(1, 3))
        add_event(
            i, f"{started:%Y年%m月}第{i}号灾害过程", started, counties, rng.randint(1, 10), active=False
        )
    add_event(
        historic + 1,
        "全市特大暴雨洪涝灾害过程（基准测试）",
        now - timedelta(days=3),
        org.counties,
        BIG_EVENT_REPORTS,
        True,
    )
    with db.bulk_load(conn, [Report._meta.db_table, ReportRow._meta.db_table, CurrentFigures._meta.db_table]):
        for model, data in (
            (Event, events),
            (EventCounty, ecs),
            (Report, reports),
            (ReportRow, rows),
            (CurrentFigures, current),
        ):
            tables[model].copy(conn, data)
    for model in (Event, EventCounty, Report, ReportRow, CurrentFigures):
        db.set_sequence(conn, model._meta.db_table)
    return {
        "disaster_events": len(events),
        "disaster_reports": len(reports),
        "disaster_report_rows": len(rows),
    }


# --- assistance ----------------------------------------------------------------------------------


def assistance_rows(rng: random.Random, org: Org, households: int, persons: int, now: datetime):  # type: ignore[no-untyped-def]
    """Yields ("household" | "person" | "member", row); persons are spread over the households
    (sizes 1–6, averaging persons / households)."""
    villages = [(c, t, v) for c in org.counties for t in org.townships[c] for v in org.villages[t]]
    per_county: dict[int, int] = {}
    person_id = 0
    tiers = ["dibao"] * 8 + ["extreme_poverty"] * 2 + ["near_dibao"] * 3 + [None] * 87  # type: ignore[list-item]
    today = now.date()
    id_space = 1 << max(10, (persons + 1).bit_length())  # a power of two > persons (the multiplier is odd)
    for h in range(1, households + 1):
        county, township, village = rng.choice(villages)
        per_county[county] = per_county.get(county, 0) + 1
        tier = rng.choice(tiers)
        yield (
            "household",
            {
                "id": h,
                "code": f"{org.county_code[county]}-{per_county[county]:07d}",
                "county_id": county,
                "township_id": township,
                "village_id": village,
                "address": f"{org.township_name[township]}{rng.choice(ROADS)}{rng.randint(1, 300)}号",
                "area": "rural" if rng.random() < 0.7 else "urban",
                "phone": f"13{rng.randrange(10**9):09d}",
                "income_wage": money(rng, 30_000),
                "income_transfer": money(rng, 5_000),
                "savings": money(rng, 20_000),
                "houses": rng.randint(0, 2),
                "tier": tier,
                "tier_since": today - timedelta(days=rng.randint(30, 2000)) if tier else None,
                "created_at": now,
                "updated_at": now,
            },
        )
        # Sizes vary around the mean still needed, so the total comes out exact without one
        # giant household at the end; everyone left over keeps at least one person per household.
        left_households = households - h
        avg = (persons - person_id) / (left_households + 1)
        size = max(1, round(avg + rng.uniform(-1.5, 1.5)))
        size = min(size, persons - person_id - left_households) if left_households else persons - person_id
        region = f"4117{org.counties.index(county) + 2:02d}"
        for pos in range(size):
            person_id += 1
            # Unique ID numbers without a lookup: a bijection of the person id picks a block of
            # 14 days (different blocks never share a birth date) and the serial within it.
            k = (person_id * 7_368_787) % id_space
            birth = date(1935, 1, 1) + timedelta(days=(k // 1000) * 14 + rng.randrange(14))
            number = id_number(region, birth, k % 1000)
            yield (
                "person",
                {
                    "id": person_id,
                    "id_number": number,
                    "name": chinese_name(rng),
                    "sex": "M" if int(number[16]) % 2 else "F",
                    "birth_date": birth,
                    "labour_capacity": rng.choice(("full", "full", "full", "partial", "none")),
                    "created_at": now,
                    "updated_at": now,
                },
            )
            yield (
                "member",
                {
                    "household_id": h,
                    "person_id": person_id,
                    "relation": "head"
                    if pos == 0
                    else rng.choice(("spouse", "child", "child", "parent", "grandchild")),
                    "position": pos,
                    "active": True,
                    "joined_on": today - timedelta(days=rng.randint(30, 3000)),
                },
            )


def load_assistance(
    conn: Any, rng: random.Random, org: Org, households: int, persons: int, now: datetime
) -> dict[str, int]:
    from assistance.models import Household, Member, Person

    tables = {
        "household": db.Table(Household, now),
        "person": db.Table(Person, now),
        "member": db.Table(Member, now),
    }
    names = [Household._meta.db_table, Person._meta.db_table, Member._meta.db_table]
    buffers: dict[str, list[dict[str, Any]]] = {k: [] for k in tables}
    counts = dict.fromkeys(tables, 0)
    with db.bulk_load(conn, names):
        for kind, row in assistance_rows(rng, org, households, persons, now):
            buf = buffers[kind]
            buf.append(row)
            if len(buf) >= 50_000:
                counts[kind] += tables[kind].copy(conn, buf)
                buf.clear()
        for kind, buf in buffers.items():
            counts[kind] += tables[kind].copy(conn, buf)
    for name in names:
        db.set_sequence(conn, name)
    return {"households": counts["household"], "persons": counts["person"], "members": counts["member"]}


# --- subsidies -----------------------------------------------------------------------------------


def load_subsidies(conn: Any, rng: random.Random, org: Org, n: int, now: datetime) -> dict[str, int]:
    from subsidies.models import Enterprise, Project

    industries = [c for c, _ in Enterprise.Industry.choices]
    kinds = {"culture_tourism": "culture_tourism"}
    enterprises, projects = [], []
    for i in range(1, n + 1):
        industry = rng.choice(industries)
        enterprises.append(
            {
                "id": i,
                "credit_code": f"91411700{i:09d}X",
                "name": f"驻马店{rng.choice(PLACE_WORDS)}{rng.choice(PLACE_WORDS)}{Enterprise.Industry(industry).label}有限公司{i}",
                "industry": industry,
                "county_id": rng.choice(org.counties),
                "above_designated_size": rng.random() < 0.3,
                "software_enterprise": industry in ("software", "ai") and rng.random() < 0.5,
                "contact_name": chinese_name(rng),
                "contact_phone": f"13{rng.randrange(10**9):09d}",
            }
        )
        for j in range(rng.randint(1, 3)):
            total = Decimal(rng.randint(1, 500)) * 1_000_000
            start = now.date() - timedelta(days=rng.randint(100, 1500))
            projects.append(
                {
                    "enterprise_id": i,
                    "name": f"{enterprises[-1]['name']}项目{j + 1}",
                    "kind": kinds.get(industry, "electronic_info" if industry != "other" else "other"),
                    "status": rng.choice(("planned", "construction", "production", "operating")),
                    "total_investment": total,
                    "fixed_asset_investment": total * Decimal("0.8"),
                    "land_area_mu": Decimal(rng.randint(10, 300)),
                    "tax_per_mu": Decimal(rng.randint(0, 400_000)),
                    "capital_origin": "domestic",
                    "construction_start": start,
                    "construction_end": start + timedelta(days=720),
                    "production_started_on": start + timedelta(days=500) if rng.random() < 0.5 else None,
                    "in_statistics_db": rng.random() < 0.6,
                }
            )
    db.Table(Enterprise, now).copy(conn, enterprises)
    db.Table(Project, now).copy(conn, projects)
    db.set_sequence(conn, Enterprise._meta.db_table)
    db.set_sequence(conn, Project._meta.db_table)
    return {"enterprises": len(enterprises), "projects": len(projects)}


# --- the whole database ----------------------------------------------------------------------------


def ensure_template() -> None:
    """A migrated, empty database to copy from (migrations take a minute; CREATE DATABASE …
    TEMPLATE takes a second)."""
    import subprocess
    import sys

    if db.exists(db.TEMPLATE_DB):
        return
    with db.admin_conn() as conn:
        conn.execute(f'CREATE DATABASE "{db.TEMPLATE_DB}"')
    env = {**__import__("os").environ, **db.django_env(db.TEMPLATE_DB)}
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, check=False
    )
    if result.returncode:
        db.drop(db.TEMPLATE_DB)
        sys.exit("migrating the benchmark template database failed")


PARTS = ("orders", "deadlines", "disaster", "assistance", "subsidies")
TABLES = {
    "orders": ["hotline_order"],
    "deadlines": ["portal_deadline"],
    "disaster": [
        "disaster_event",
        "disaster_eventcounty",
        "disaster_report",
        "disaster_reportrow",
        "disaster_currentfigures",
    ],
    "assistance": ["assistance_household", "assistance_person", "assistance_member"],
    "subsidies": ["subsidies_enterprise", "subsidies_project"],
}


def generate(
    scale: float = 1.0, seed: int = DEFAULT_SEED, parts: list[str] | None = None, log: Any = print
) -> dict[str, Any]:
    """Create and fill the database for `scale` (or, with `parts`, fill only those families again
    in the existing database); returns the row counts and timings."""
    import psycopg

    name = db.db_name(scale)
    sc = Scale(scale)
    fresh = not parts or not db.exists(name)
    if fresh:
        ensure_template()
        db.create_from_template(name)
    db.setup_django(name)
    from django.contrib.contenttypes.models import ContentType

    from hotline.models import Order
    from portal.models import Deadline

    now = db.now_utc().replace(microsecond=0)
    started = time.monotonic()
    org = grow_org(random.Random(seed))
    counts: dict[str, Any] = {}
    timings: dict[str, float] = {}
    ct_order = ContentType.objects.get_for_model(Order).pk
    n_orders = sc.n(ORDERS, 1000)
    todo = list(PARTS) if fresh and not parts else [p for p in PARTS if p in (parts or PARTS)]
    with psycopg.connect(db.url(name), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb)")
        row = conn.execute("SELECT value FROM bench_meta WHERE key = 'generated'").fetchone()
        if row and not fresh:
            counts.update(row[0])
        counts.update(seed=seed, scale=scale, generated_at=now.isoformat())
        for part in todo:
            t = time.monotonic()
            if not fresh:
                conn.execute(f"TRUNCATE {', '.join(TABLES[part])} CASCADE")
            if part == "orders":
                with db.bulk_load(conn, [Order._meta.db_table]):
                    counts["orders"] = db.Table(Order, now).copy(
                        conn, order_rows(random.Random(seed + 1), org, n_orders, now)
                    )
                db.set_sequence(conn, Order._meta.db_table)
            elif part == "deadlines":
                rows = deadline_rows(
                    random.Random(seed + 2), org, sc.n(DEADLINES, 1000), n_orders, ct_order, now
                )
                with db.bulk_load(conn, [Deadline._meta.db_table]):
                    counts["open_deadlines"] = db.Table(Deadline, now).copy(conn, rows)
                db.set_sequence(conn, Deadline._meta.db_table)
            elif part == "disaster":
                counts.update(
                    load_disaster(conn, random.Random(seed + 3), org, sc.n(HISTORIC_EVENTS, 10), now)
                )
            elif part == "assistance":
                counts.update(
                    load_assistance(
                        conn, random.Random(seed + 4), org, sc.n(HOUSEHOLDS, 100), sc.n(PERSONS, 300), now
                    )
                )
            elif part == "subsidies":
                counts.update(load_subsidies(conn, random.Random(seed + 5), org, sc.n(ENTERPRISES, 100), now))
            timings[part] = time.monotonic() - t
            log(f"  {part}: {timings[part]:.0f} s")
        missing = db.restore_indexes(conn, [t for part in PARTS for t in TABLES[part]])
        if missing:
            log(f"  indexes created again: {', '.join(missing)}")
        conn.execute("VACUUM ANALYZE")
        timings["total"] = time.monotonic() - started
        counts.setdefault("timings_s", {}).update({k: round(v, 1) for k, v in timings.items()})
        counts["rows"] = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
            for part in PARTS
            for table in TABLES[part]
        }
        counts["orders"] = counts["rows"]["hotline_order"]
        counts["persons"] = counts["rows"]["assistance_person"]
        counts["townships"] = sum(len(v) for v in org.townships.values())
        counts["villages"] = sum(len(v) for v in org.villages.values())
        conn.execute(
            "INSERT INTO bench_meta VALUES ('generated', %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [Jsonb(counts)],
        )
    log(f"  total {timings['total']:.0f} s")
    return counts
