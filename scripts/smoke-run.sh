#!/usr/bin/env bash
# Smoke test of `make run` on this checkout: start it, wait for a deadline sweep to finish
# through Celery beat (embedded broker, no Redis), check /healthz and the login page, stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PORTAL_VAR_DIR="${PORTAL_VAR_DIR:-$(mktemp -d)/var}"
log="$PORTAL_VAR_DIR.run.log"
make run >"$log" 2>&1 &
runner=$!
stop() {
  kill -INT "$runner" 2>/dev/null || true
  if [ -f "$PORTAL_VAR_DIR/run.pids" ]; then
    for pid in $(cat "$PORTAL_VAR_DIR/run.pids"); do pkill -TERM -P "$pid" 2>/dev/null || true; kill -TERM "$pid" 2>/dev/null || true; done
  fi
  pkill -TERM -f "$PORTAL_VAR_DIR/celerybeat-schedule" 2>/dev/null || true
}
trap stop EXIT
for _ in $(seq 150); do
  if body=$(curl -fsS http://127.0.0.1:8000/healthz 2>/dev/null) && grep -q '"status": "ok"' <<<"$body"; then
    echo "healthz: $body"
    curl -fsS http://127.0.0.1:8000/accounts/login/ | grep -q "登录"
    grep -q "admin" "$PORTAL_VAR_DIR/demo-accounts.txt"
    echo "make run: portal served, demo data loaded, deadline sweep ran"
    exit 0
  fi
  sleep 2
done
echo "make run did not become healthy; last output:"; tail -40 "$log"; exit 1
