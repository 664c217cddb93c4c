"""The disaster city dashboard (HTML page) and an event's aggregate (API) through gunicorn."""

from __future__ import annotations

from bench.http import wrk
from bench.measure import Result, sql_timing
from bench.scenarios.context import Context

SUMS = ", ".join(
    f"sum({f})"
    for f in (
        "affected deaths missing trapped relocated_rt relocated_cum housed_rt housed_cum shelters_rt shelters_cum "
        "needing_aid_rt needing_aid_cum drought_aid_rt drought_aid_cum drought_water_rt drought_water_cum "
        "collapsed_rooms collapsed_households severe_rooms severe_households damaged_rooms damaged_households direct_loss"
    ).split()
)
AGGREGATE_SQL = [
    (
        "SELECT ec.*, c.* FROM disaster_eventcounty ec JOIN portal_orgunit c ON c.id = ec.county_id "
        "WHERE ec.event_id = %s ORDER BY c.sort, c.id",
        None,
    ),
    (
        f"SELECT county_id, {SUMS}, count(*) FROM disaster_currentfigures WHERE event_id = %s GROUP BY county_id",
        None,
    ),
]
DASHBOARD_SQL = [
    "SELECT * FROM disaster_event WHERE status <> 'closed' ORDER BY started_at DESC, id DESC LIMIT 50",
    "SELECT * FROM portal_orgunit WHERE kind = 'county' AND active ORDER BY sort, id",
    f"SELECT county_id, {SUMS}, count(*) FROM disaster_currentfigures WHERE event_id IN "
    "(SELECT id FROM disaster_event WHERE status <> 'closed') GROUP BY county_id",
    "SELECT county_id, count(DISTINCT event_id) FROM disaster_eventcounty WHERE event_id IN "
    "(SELECT id FROM disaster_event WHERE status <> 'closed') GROUP BY county_id",
]


def session_cookie() -> str:
    """A signed-in session for the benchmark superuser (the HTML pages use sessions)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username="bench_admin")
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}"


def run(ctx: Context) -> list[Result]:
    event = ctx.one("SELECT id FROM disaster_event WHERE status = 'active' ORDER BY id DESC LIMIT 1")
    rows = ctx.one("SELECT count(*) FROM disaster_reportrow")
    events = ctx.one("SELECT count(*) FROM disaster_event")
    townships = ctx.one("SELECT count(*) FROM disaster_currentfigures WHERE event_id = %s", [event])
    out = []
    agg_sql = sql_timing(ctx.conn, [(sql, [event]) for sql, _ in AGGREGATE_SQL])[0]
    r = wrk(
        ctx.base,
        [{"path": f"/api/v1/disaster/events/{event}/aggregate/", "headers": ctx.auth}],
        seconds=ctx.seconds(15),
        connections=1,
        warmup=ctx.seconds(3),
    )
    out.append(
        Result(
            scenario="disaster event aggregate (GET /api/v1/disaster/events/{id}/aggregate/)",
            size=f"13 counties, {townships} townships × 60 reports; {events:,} events, {rows:,} report rows",
            target="≤ 100 ms",
            p50_ms=r.p50_ms,
            p95_ms=r.p95_ms,
            throughput=r.rate,
            sql_p50_ms=agg_sql,
            errors=r.errors,
            met=r.p95_ms <= 100 and r.errors == 0,
            how=f"wrk 1 connection, {r.seconds:.0f} s",
        )
    )
    cookie = session_cookie()
    dash_sql = sql_timing(ctx.conn, [(sql, ()) for sql in DASHBOARD_SQL])[0]
    r = wrk(
        ctx.base,
        [{"path": "/disaster/dashboard/", "headers": {"Cookie": cookie}}],
        seconds=ctx.seconds(15),
        connections=1,
        warmup=ctx.seconds(3),
    )
    out.append(
        Result(
            scenario="disaster city dashboard (GET /disaster/dashboard/, HTML)",
            size=f"{events:,} events, {rows:,} report rows",
            target="≤ 100 ms",
            p50_ms=r.p50_ms,
            p95_ms=r.p95_ms,
            throughput=r.rate,
            sql_p50_ms=dash_sql,
            errors=r.errors,
            met=r.p95_ms <= 100 and r.errors == 0,
            how=f"wrk 1 connection, {r.seconds:.0f} s; raw SQL = its four data queries "
            "(the page also reads deadlines, proposals and on-time rates)",
        )
    )
    return out
