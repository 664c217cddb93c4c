"""The deadline sweep (portal.deadlines.deadline_sweep) in-process: 10,000 (and 1,000) of the
open deadlines fall due; its cost should follow the number due, not the number open."""

from __future__ import annotations

from datetime import datetime

from bench.measure import Result, timed
from bench.scenarios.context import Context


def reset(ctx: Context) -> None:
    """Undo a sweep: the generated deadlines open again, its notifications gone."""
    ctx.conn.execute(
        "UPDATE portal_deadline SET status = 'open', overdue_at = NULL, escalated_at = NULL "
        "WHERE kind = 'hotline.handle' AND status = 'overdue'"
    )
    ctx.conn.execute("DELETE FROM portal_outboxmessage")
    ctx.conn.execute("DELETE FROM portal_notification")
    ctx.conn.execute("VACUUM ANALYZE portal_deadline")
    ctx.conn.execute("VACUUM ANALYZE portal_notification")


def run(ctx: Context) -> list[Result]:
    from portal.deadlines import deadline_sweep

    open_count = ctx.one("SELECT count(*) FROM portal_deadline WHERE status = 'open'")
    out = []
    for due in (1_000, 10_000):
        reset(ctx)
        # The generated deadlines are due one after another: sweeping "as of" the due time of
        # the N-th makes exactly N of them due.
        now: datetime = ctx.one(
            "SELECT due_at FROM portal_deadline WHERE status = 'open' ORDER BY due_at OFFSET %s LIMIT 1",
            [due - 1],
        )
        seconds, totals = timed(lambda now=now: deadline_sweep(now=now))
        out.append(
            Result(
                scenario=f"deadline sweep, {due:,} due",
                size=f"{open_count:,} open deadlines",
                target="≤ 2 s with 10,000 due of 1 M open; grows with due, not open",
                p50_ms=seconds * 1000,
                throughput=totals["overdue"] / seconds,
                throughput_unit="deadlines/s",
                met=(seconds <= 2 and totals["overdue"] == due) if due == 10_000 and ctx.full else None,
                how=f"in-process deadline_sweep(now=…), one run; marked overdue {totals['overdue']:,}, "
                f"{totals['notifications']:,} notifications",
                extra=totals,
            )
        )
    reset(ctx)
    return out
