"""Run the scenarios against one generated database and record the results."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg

from bench import db, http, report
from bench.measure import Result
from bench.scenarios import assistance, deadlines, disaster, hotline, open311, subsidies
from bench.scenarios.context import Context

WORKERS = 4  # "several workers" on 2 cores; the Open311 comparison uses 2 as the peer did

# name → (needs a server with this many workers, or 0 for in-process; function)
SCENARIOS: dict[str, tuple[int, Callable[[Context], Any]]] = {
    "sweep": (0, deadlines.run),
    "rescreen": (0, assistance.run_inprocess),
    "match": (0, subsidies.run),
    "list": (WORKERS, hotline.order_list),
    "disaster": (WORKERS, disaster.run),
    "search": (WORKERS, assistance.run),
    "intake": (WORKERS, hotline.intake),
    "open311": (2, open311.run),
}


def run(scale: float, *, only: list[str], quick: bool) -> None:
    name = db.db_name(scale)
    db.setup_django(name)
    unknown = set(only) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}")
    with psycopg.connect(db.url(name), autocommit=True) as conn:
        meta = conn.execute("SELECT value FROM bench_meta WHERE key = 'generated'").fetchone()[0]
        ctx = Context(database=name, scale=scale, meta=meta, conn=conn, quick=quick)
        results: list[Result] = []
        for workers in sorted({w for w, _ in SCENARIOS.values()}):
            chosen = [(n, fn) for n, (w, fn) in SCENARIOS.items() if w == workers and (not only or n in only)]
            if not chosen:
                continue
            if workers:
                with http.gunicorn(name, workers) as base:
                    ctx.base = base
                    results += _each(ctx, chosen)
                ctx.base = ""
            else:
                results += _each(ctx, chosen)
    record = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "database": name,
        "quick": quick,
        "data": meta,
        "machine": report.machine(),
        "results": [r.as_dict() for r in results],
    }
    out = http.ROOT / "bench" / "results" / f"{name}-{int(time.time())}.json"
    out.write_text(json.dumps(record, ensure_ascii=False, indent=1, default=str))
    print(f"results: {out.relative_to(http.ROOT)}")
    if not quick:
        report.merge(record)
        report.write()


def _each(ctx: Context, chosen: list[tuple[str, Callable[[Context], Any]]]) -> list[Result]:
    out: list[Result] = []
    for name, fn in chosen:
        print(f"  {name} …", flush=True)
        # The machine is shared: the load average at the start says how quiet it was.
        load = round(os.getloadavg()[0], 1)
        got = fn(ctx)
        for r in got if isinstance(got, list) else [got]:
            r.extra["loadavg_1min"] = load
            r.extra["at"] = datetime.now(UTC).isoformat(timespec="seconds")
            out.append(r)
            print("   ", report.line(r), flush=True)
    return out
