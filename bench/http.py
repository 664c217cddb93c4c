"""The app's real HTTP stack (gunicorn, sync workers) and wrk to drive it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import db

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: int  # non-2xx/3xx answers, socket errors and timeouts
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(database: str, workers: int) -> Iterator[str]:
    """Serve the app on a free port for the duration of the block; yields the base URL."""
    port = free_port()
    env = {**os.environ, **db.django_env(database), "DJANGO_SETTINGS_MODULE": "portal.settings"}
    log = open(ROOT / "bench" / "results" / "gunicorn.log", "a")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError("gunicorn exited; see bench/results/gunicorn.log")
            try:
                urllib.request.urlopen(base + "/open311/v2/discovery.json", timeout=5).read()  # noqa: S310 (our http URL)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


LUA = r"""
local requests = %(requests)s
local counter = %(offset)d
request = function()
  counter = counter + 1
  local r = requests[(counter %% #requests) + 1]
  local body = r.body
  if body then body = string.gsub(body, "{n}", tostring(counter)) end
  return wrk.format(r.method, r.path, r.headers, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.stderr:write(string.format(
    '{"requests":%%d,"duration_us":%%d,"errors":%%d,"p50_us":%%d,"p95_us":%%d,"p99_us":%%d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _lua_string(value: str) -> str:
    return "[==[" + value + "]==]"


def lua_script(requests: list[dict[str, Any]], offset: int = 0) -> str:
    items = []
    for r in requests:
        headers = ", ".join(
            f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in r.get("headers", {}).items()
        )
        body = _lua_string(r["body"]) if r.get("body") is not None else "nil"
        items.append(
            f"{{method = {_lua_string(r.get('method', 'GET'))}, path = {_lua_string(r['path'])}, "
            f"headers = {{{headers}}}, body = {body}}}"
        )
    return LUA % {"requests": "{" + ",\n".join(items) + "}", "offset": offset}


def wrk(
    base: str,
    requests: list[dict[str, Any]],
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    warmup: int = 0,
    offset: int = 0,
) -> WrkResult:
    """Run wrk over the given requests (cycled; "{n}" in a body becomes a running number)."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(requests, offset))
        script = f.name
    try:

        def once(duration: int, start: int) -> WrkResult:
            Path(script).write_text(lua_script(requests, start))
            out = subprocess.run(
                [
                    "wrk",
                    "-t",
                    str(threads),
                    "-c",
                    str(connections),
                    "-d",
                    f"{duration}s",
                    "--timeout",
                    "10s",
                    "-s",
                    script,
                    base,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            line = [x for x in out.stderr.splitlines() if x.startswith("{")][-1]
            d = json.loads(line)
            return WrkResult(
                requests=d["requests"],
                seconds=d["duration_us"] / 1e6,
                errors=d["errors"],
                p50_ms=d["p50_us"] / 1000,
                p95_ms=d["p95_us"] / 1000,
                p99_ms=d["p99_us"] / 1000,
            )

        if warmup:
            once(warmup, offset + 10_000_000)
        return once(seconds, offset)
    finally:
        os.unlink(script)
