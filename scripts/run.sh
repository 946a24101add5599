#!/usr/bin/env bash
# make run: migrate, load the demo once, start a task worker and the web server, print the logins.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export WENMING_DEMO="${WENMING_DEMO:-1}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

$PY manage.py migrate --noinput -v0
$PY manage.py seed_demo --if-empty
$PY manage.py collectstatic --noinput -v0

$PY manage.py worker &
worker_pid=$!
trap 'kill $worker_pid 2>/dev/null || true; wait $worker_pid 2>/dev/null || true' EXIT INT TERM

$PY manage.py demo_logins
echo
echo "文明创建工作平台已启动：http://${HOST}:${PORT}/   （Ctrl+C 停止）"
.venv/bin/granian --interface wsgi --host "$HOST" --port "$PORT" --workers 1 --blocking-threads 8 \
  --log-level warning wenming.wsgi:application
