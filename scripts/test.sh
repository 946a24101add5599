#!/usr/bin/env bash
# make test: the whole suite on SQLite, then on PostgreSQL when one is reachable; the browser
# tests run in both legs when Debian's chromium is installed, and are reported as skipped if not.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432/wenming}"
WORKERS="${PYTEST_WORKERS:-2}"
status=0

if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  echo "== 浏览器测试：使用 $(command -v chromium || echo /usr/bin/chromium)"
else
  echo "== 浏览器测试：未安装 chromium，跳过端到端测试（apt-get install chromium）"
fi

echo "== SQLite"
env -u DATABASE_URL $PY -m pytest -n "$WORKERS" -q --durations=15 "$@" || status=1

if $PY - "$PG_URL" <<'PYEOF' 2>/dev/null
import sys, psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
psycopg.connect(url, connect_timeout=3).close()
PYEOF
then
  echo "== PostgreSQL ($PG_URL)"
  DATABASE_URL="$PG_URL" $PY -m pytest -n "$WORKERS" -q --durations=15 "$@" || status=1
else
  echo "== PostgreSQL：无法连接 $PG_URL，跳过 PostgreSQL 测试"
fi
exit $status
