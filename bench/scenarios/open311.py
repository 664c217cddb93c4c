"""The Open311 workload of the peer comparison: wrk 1 thread × 4 connections, 30 s after a 5 s
warm-up, gunicorn with 2 sync workers and persistent database connections (CONN_MAX_AGE)."""

from __future__ import annotations

import random
from urllib.parse import urlencode

from bench.http import wrk
from bench.measure import Result, sql_timing
from bench.scenarios.context import Context

# 6aika/issue-reporting measured with the same workload on the same kind of machine (issue 9).
PEER = {
    "post": "161 req/s (p95 34 ms) small table; 77 req/s at 50,000 rows",
    "list": "49 req/s (p95 119 ms) at 50,000 rows",
    "detail": "313 req/s (p95 18 ms)",
}
PEER_RATE = {"post": 77.0, "list": 49.0, "detail": 313.0}

LIST_SQL = """
SELECT o.*, s.*, u.*, c.* FROM hotline_order o
LEFT JOIN hotline_category s ON s.id = o.subject_id
LEFT JOIN portal_orgunit u ON u.id = o.lead_unit_id
LEFT JOIN portal_orgunit c ON c.id = o.county_id
WHERE NOT o.confidential AND o.received_at >= now() - interval '90 days' AND o.received_at <= now()
ORDER BY o.id DESC LIMIT 1000
"""
DETAIL_SQL = """
SELECT o.*, s.*, u.*, c.* FROM hotline_order o
LEFT JOIN hotline_category s ON s.id = o.subject_id
LEFT JOIN portal_orgunit u ON u.id = o.lead_unit_id
LEFT JOIN portal_orgunit c ON c.id = o.county_id
WHERE NOT o.confidential AND o.id = %s
"""


def api_key() -> str:
    from hotline.services.open311 import open311_key_issue

    return open311_key_issue(name="基准测试客户端")[1]


def run(ctx: Context) -> list[Result]:
    key = api_key()
    codes = [
        r[0]
        for r in ctx.rows(
            "SELECT code FROM hotline_category WHERE parent_id IS NOT NULL AND active AND public ORDER BY id"
        )
    ]
    orders = ctx.one("SELECT count(*) FROM hotline_order")
    max_id = ctx.one("SELECT max(id) FROM hotline_order")
    rng = random.Random(311)
    # Public orders only: a confidential one answers 404 by design, which wrk would count as an error.
    ids = [
        r[0]
        for r in ctx.rows(
            "SELECT id FROM hotline_order WHERE id = ANY(%s) AND NOT confidential ORDER BY id",
            [[rng.randint(1, max_id) for _ in range(2200)]],
        )
    ][:2000]
    rng.shuffle(ids)
    out: list[Result] = []
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    posts = [
        {
            "method": "POST",
            "path": "/open311/v2/requests.json",
            "headers": form,
            "body": urlencode(
                {
                    "api_key": key,
                    "service_code": code,
                    "description": "路灯不亮，夜间出行不便",
                    "lat": "32.98",
                    "long": "114.02",
                    "first_name": "测试",
                    "last_name": "基准",
                }
            ),
        }
        for code in codes
    ]
    lists = [{"path": "/open311/v2/requests.json"}]
    details = [{"path": f"/open311/v2/requests/{i}.json"} for i in ids]
    sql = {
        "list": sql_timing(ctx.conn, [(LIST_SQL, ())], rounds=10)[0],
        "detail": sql_timing(ctx.conn, [(DETAIL_SQL, (i,)) for i in ids[:50]], rounds=5)[0] / 50,
    }
    for name, requests, label in (
        ("post", posts, "POST requests.json (form, api_key)"),
        ("list", lists, "GET requests.json (default page: last 90 days, ≤ 1000)"),
        ("detail", details, "GET requests/{id}.json"),
    ):
        r = wrk(ctx.base, requests, seconds=ctx.seconds(30), connections=4, warmup=ctx.seconds(5))
        out.append(
            Result(
                scenario=f"Open311 {label}",
                size=f"{orders:,} orders",
                target=f"≥ 2 × peer: {PEER[name]}",
                p50_ms=r.p50_ms,
                p95_ms=r.p95_ms,
                throughput=r.rate,
                sql_p50_ms=sql.get(name),
                errors=r.errors,
                met=(r.rate >= 2 * PEER_RATE[name] and r.errors == 0) if ctx.full else None,
                how=f"wrk 1 thread × 4 connections, {r.seconds:.0f} s after 5 s warm-up; gunicorn 2 sync workers",
                extra={"peer": PEER[name]},
            )
        )
    return out
