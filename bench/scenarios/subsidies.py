"""Subsidies: the 免申即享 automatic matching of every enterprise, in-process."""

from __future__ import annotations

from bench.measure import Result, timed
from bench.scenarios.context import Context


def run(ctx: Context) -> list[Result]:
    from subsidies.services.matching import entitlements_match

    enterprises = ctx.one("SELECT count(*) FROM subsidies_enterprise")
    projects = ctx.one("SELECT count(*) FROM subsidies_project")
    seconds, run = timed(lambda: entitlements_match())
    target_s = 10 * enterprises / 10_000
    return Result(
        scenario="subsidy automatic matching (entitlements_match)",
        size=f"{enterprises:,} enterprises, {projects:,} projects",
        target="10,000 enterprises ≤ 10 s",
        p50_ms=seconds * 1000,
        throughput=enterprises / seconds,
        throughput_unit="enterprises/s",
        met=seconds <= target_s if ctx.full else None,
        how="in-process, one run" + (f"; MatchRun {run.pk}" if run is not None else "; lock busy"),
    )
