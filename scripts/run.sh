#!/usr/bin/env bash
# Start the Celery worker with embedded beat (filesystem broker: no Redis) and the web server.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG="${DEBUG:-true}"
VAR="${PORTAL_VAR_DIR:-var}"
mkdir -p "${CELERY_BROKER_DIR:-$VAR/celery-broker}/processed"

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "正在停止 …"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

.venv/bin/celery -A portal worker -B --pool=solo --loglevel=INFO \
  --schedule "$VAR/celerybeat-schedule" >"$VAR/celery.log" 2>&1 &
pids+=($!)
echo "Celery worker + beat 已启动（日志：$VAR/celery.log）"

$PY manage.py runserver 127.0.0.1:8000 &
pids+=($!)
echo "${pids[@]}" >"$VAR/run.pids"
sleep 2
echo
echo "门户已启动：http://127.0.0.1:8000/   （Ctrl-C 停止全部进程）"
cat "$VAR/demo-accounts.txt" 2>/dev/null || true
wait -n "${pids[@]}"
