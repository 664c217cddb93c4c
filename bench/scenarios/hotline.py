"""Hotline intake (POST) and the filtered order list, through gunicorn."""

from __future__ import annotations

import json
from datetime import timedelta

from bench.http import wrk
from bench.measure import Result, sql_timing
from bench.scenarios.context import Context

LIST_SQL = """
SELECT o.*, s.*, u.*, c.*
FROM hotline_order o
LEFT JOIN hotline_category s ON s.id = o.subject_id
LEFT JOIN portal_orgunit u ON u.id = o.lead_unit_id
LEFT JOIN portal_orgunit c ON c.id = o.county_id
WHERE {where}
ORDER BY {order}
LIMIT 51
"""
OVERDUE = "(o.reply_late OR (o.replied_at IS NULL AND o.due_at < now()))"


def intake(ctx: Context) -> Result:
    """≥ 200 orders/s sustained for 60 s with no errors: POST /api/v1/hotline/orders/."""
    codes = [
        r[0]
        for r in ctx.rows(
            "SELECT code FROM hotline_category WHERE parent_id IS NOT NULL AND active ORDER BY id"
        )
    ]
    counties = [
        r[0] for r in ctx.rows("SELECT id FROM portal_orgunit WHERE kind = 'county' ORDER BY sort, id")
    ]
    requests = []
    for i, code in enumerate(codes):
        body = {
            "kind": "help",
            "subject": code,
            "county": counties[i % len(counties)],
            "caller_name": "基准测试",
            "caller_phone": "1390000{n}",
            "address": "解放路{n}号",
            "description": "路灯不亮，夜间出行不便（基准测试第{n}单）",
        }
        requests.append(
            {
                "method": "POST",
                "path": "/api/v1/hotline/orders/",
                "headers": {**ctx.auth, "Content-Type": "application/json"},
                "body": json.dumps(body, ensure_ascii=False),
            }
        )
    before = ctx.one("SELECT count(*) FROM hotline_order")
    r = wrk(ctx.base, requests, seconds=ctx.seconds(60), connections=8, threads=2, warmup=ctx.seconds(5))
    created = ctx.one("SELECT count(*) FROM hotline_order") - before
    return Result(
        scenario="hotline intake (POST /api/v1/hotline/orders/)",
        size=f"{before:,} orders",
        target="≥ 200 orders/s for 60 s, no errors",
        p50_ms=r.p50_ms,
        p95_ms=r.p95_ms,
        throughput=r.rate,
        throughput_unit="orders/s",
        errors=r.errors,
        met=r.rate >= 200 and r.errors == 0 and r.seconds >= 59,
        how=f"wrk 2 threads × 8 connections, {r.seconds:.0f} s after warm-up; {created:,} orders created (warm-up included)",
    )


def order_list(ctx: Context) -> Result:
    """Filtered list (unit, status, overdue, date range): p95 ≤ 50 ms at 5 M, ratio ≤ 3."""
    now = ctx.one("SELECT max(received_at) FROM hotline_order")
    units = [
        r[0]
        for r in ctx.rows(
            "SELECT lead_unit_id FROM hotline_order WHERE lead_unit_id IS NOT NULL AND id %% 97 = 0 "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 6"
        )
    ]
    day = (now + timedelta(hours=8)).date()  # Asia/Shanghai
    last90 = (day - timedelta(days=90), day)
    old = (day - timedelta(days=700), day - timedelta(days=670))
    variants: list[tuple[str, str, list[object]]] = []
    for u in units:
        variants += [
            (f"lead_unit={u}&status=signed", "o.lead_unit_id = %s AND o.status IN ('signed')", [u]),
            (f"lead_unit={u}&overdue=true", f"o.lead_unit_id = %s AND {OVERDUE}", [u]),
            (
                f"status=signed,dispatched&overdue=true&received_after={last90[0]}&received_before={last90[1]}",
                f"o.status IN ('signed', 'dispatched') AND {OVERDUE} AND o.received_at >= %s::date::timestamp AT TIME ZONE 'Asia/Shanghai' "
                "AND o.received_at < (%s::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'",
                [last90[0], last90[1]],
            ),
            (
                f"lead_unit={u}&status=closed,archived&received_after={old[0]}&received_before={old[1]}",
                "o.lead_unit_id = %s AND o.status IN ('closed', 'archived') AND o.received_at >= %s::date::timestamp AT TIME ZONE 'Asia/Shanghai' "
                "AND o.received_at < (%s::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'",
                [u, old[0], old[1]],
            ),
        ]
    requests = [{"path": f"/api/v1/hotline/orders/?{q}", "headers": ctx.auth} for q, _, _ in variants]
    r = wrk(ctx.base, requests, seconds=ctx.seconds(20), connections=1, warmup=ctx.seconds(3))
    # The best hand-written form of a past month's list sorts the month's rows (id + 0: no
    # backward walk of the primary key through every newer order); the others walk the key.
    sql_p50s = [
        sql_timing(
            ctx.conn,
            [(LIST_SQL.format(where=w, order="o.id + 0 DESC" if "closed" in q else "o.id DESC"), p)],
            rounds=10,
        )[0]
        for q, w, p in variants
    ]
    sql_p50 = sorted(sql_p50s)[len(sql_p50s) // 2]
    orders = ctx.meta["orders"]
    met = r.p95_ms <= 50 and r.p50_ms / sql_p50 <= 3 and r.errors == 0
    return Result(
        scenario="filtered order list (GET /api/v1/hotline/orders/?…)",
        size=f"{orders:,} orders",
        target="p95 ≤ 50 ms at 5 M orders, ratio ≤ 3",
        p50_ms=r.p50_ms,
        p95_ms=r.p95_ms,
        throughput=r.rate,
        sql_p50_ms=sql_p50,
        errors=r.errors,
        met=met if ctx.full else None,
        how=f"wrk 1 connection, {r.seconds:.0f} s, {len(variants)} filter combinations "
        "(unit+status, unit+overdue, status+overdue+90 days, unit+status+old month); first page of 50",
    )


def run(ctx: Context) -> list[Result]:
    return [order_list(ctx), intake(ctx)]
