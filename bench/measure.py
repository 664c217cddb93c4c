"""Results and the raw-SQL side of each read."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg


@dataclass
class Result:
    scenario: str
    size: str  # data size the figure was measured at, in words
    target: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    throughput: float | None = None
    throughput_unit: str = "req/s"
    sql_p50_ms: float | None = None
    errors: int | None = None
    met: bool | None = None
    how: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.p50_ms is None or not self.sql_p50_ms:
            return None
        return self.p50_ms / self.sql_p50_ms

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ratio"] = round(self.ratio, 2) if self.ratio is not None else None
        return d


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def sql_timing(
    conn: psycopg.Connection[Any], queries: list[tuple[str, Sequence[Any]]], *, rounds: int = 30
) -> tuple[float, float]:
    """p50 and p95 in ms of running `queries` one after the other (cycling their parameter sets
    round by round) and fetching every row — the database's own time plus the wire, what the
    app can at best hope for."""
    times: list[float] = []
    for _ in range(2):  # warm the cache and the plan
        for sql, params in queries:
            conn.execute(sql, params).fetchall()
    for _ in range(rounds):
        t = time.perf_counter()
        for sql, params in queries:
            conn.execute(sql, params).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), percentile(times, 95)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value
