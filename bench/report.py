"""docs/benchmarks.json (every scale's latest full run) and the generated tables of
docs/benchmarks.md (between the `bench:results` markers; the prose around them is written by hand)."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

from bench.measure import Result

ROOT = Path(__file__).resolve().parent.parent
JSON = ROOT / "docs" / "benchmarks.json"
MD = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:results -->", "<!-- /bench:results -->"


def machine() -> dict[str, Any]:
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    try:
        pg = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        pg = ""
    from bench import db

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(int(mem) / 1024 / 1024, 1),
        "postgresql": db.require_postgres(),
        "psql": pg,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def _ms(v: float | None) -> str:
    return (
        "—"
        if v is None
        else (f"{v / 1000:.1f} s" if v >= 10_000 else f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms")
    )


def line(r: Result) -> str:
    rate = "—" if r.throughput is None else f"{r.throughput:,.0f} {r.throughput_unit}"
    ratio = "—" if r.ratio is None else f"{r.ratio:.1f}×"
    met = {True: "met", False: "MISSED", None: ""}[r.met]
    return f"{r.scenario}: p50 {_ms(r.p50_ms)}, p95 {_ms(r.p95_ms)}, {rate}, raw SQL {_ms(r.sql_p50_ms)} ({ratio}), errors {r.errors} {met}"


def merge(record: dict[str, Any]) -> None:
    """Keep the latest figure of every scenario per scale: a run of some scenarios (--only)
    replaces just those."""
    data = json.loads(JSON.read_text()) if JSON.exists() else {"runs": {}}
    old = data["runs"].get(str(record["scale"]))
    if old is not None:
        fresh = {r["scenario"] for r in record["results"]}
        kept = [r for r in old["results"] if r["scenario"] not in fresh]
        record = {**record, "results": kept + record["results"]}
        order = [r["scenario"] for r in old["results"]]
        record["results"].sort(
            key=lambda r: order.index(r["scenario"]) if r["scenario"] in order else len(order)
        )
    data["runs"][str(record["scale"])] = record
    JSON.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str) + "\n")


def _row(d: dict[str, Any]) -> str:
    rate = "—" if d["throughput"] is None else f"{d['throughput']:,.0f} {d['throughput_unit']}"
    ratio = "—" if d["ratio"] is None else f"{d['ratio']:.1f}× (SQL {_ms(d['sql_p50_ms'])})"
    met = {True: "✅ met", False: "❌ missed", None: "—"}[d["met"]]
    load = d.get("extra", {}).get("loadavg_1min")
    load_note = f" | {load}" if load is not None else " | "
    errors = "" if d["errors"] in (None, 0) else f" ({d['errors']} errors)"
    return (
        f"| {d['scenario']} | {d['size']} | {_ms(d['p50_ms'])} | {_ms(d['p95_ms'])} | {rate}{errors} | {ratio} "
        f"| {d['target']} | {met}{load_note} |"
    )


def tables(data: dict[str, Any]) -> str:
    out: list[str] = []
    runs = sorted(data["runs"].values(), key=lambda r: -r["scale"])
    for run in runs:
        m = run["machine"]
        out += [
            f"### Scale {run['scale']:g} — {run['data'].get('orders', 0):,} orders, "
            f"{run['data'].get('persons', 0):,} persons (run {run['date']})",
            "",
            f"Machine: {m['cores']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, PostgreSQL {m['postgresql']}, "
            f"Python {m['python']}; database `{run['database']}`, seed {run['data'].get('seed')}.",
            "",
            "| scenario | data size | p50 | p95 | throughput | ratio to raw SQL (p50) | target | | load |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            *[_row(d) for d in run["results"]],
            "",
        ]
    if len(runs) >= 2:
        big, small = runs[0], runs[-1]
        by_name = {d["scenario"]: d for d in small["results"]}
        out += [
            f"### Growth from scale {small['scale']:g} to {big['scale']:g} "
            f"({big['data'].get('orders', 0) / max(1, small['data'].get('orders', 1)):.0f}× the data)",
            "",
            f"| scenario | p50 at {small['scale']:g} | p50 at {big['scale']:g} | growth |",
            "| --- | --- | --- | --- |",
        ]
        for d in big["results"]:
            s = by_name.get(d["scenario"])
            if s is None or not s["p50_ms"] or d["p50_ms"] is None:
                continue
            out.append(
                f"| {d['scenario']} | {_ms(s['p50_ms'])} | {_ms(d['p50_ms'])} | {d['p50_ms'] / s['p50_ms']:.2f}× |"
            )
        out.append("")
    return "\n".join(out)


def write() -> None:
    if not JSON.exists():
        return
    data = json.loads(JSON.read_text())
    text = MD.read_text() if MD.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    body = f"{START}\n<!-- generated by `python -m bench` from docs/benchmarks.json; do not edit by hand -->\n\n{tables(data)}\n{END}"
    text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: body, text, flags=re.S)
    MD.write_text(text)
    print(f"wrote {MD.relative_to(ROOT)}")
