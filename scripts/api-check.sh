#!/usr/bin/env bash
# schemathesis against the OpenAPI description of a running demonstration node: every
# operation, generated inputs valid and invalid; fails on a server error or an answer that
# breaks the description. A fresh SQLite node on loopback, stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${KINLINK_API_CHECK_PORT:-8765}"
WORK="$(mktemp -d)"
export KINLINK_DEBUG=1 KINLINK_DEMO=1 KINLINK_SQLITE_PATH="$WORK/node.sqlite3"
export KINLINK_KEYS_DIR="$WORK/keys" KINLINK_LOG_LEVEL=WARNING
$PY manage.py migrate --no-input >/dev/null
$PY manage.py directory_load --if-empty >/dev/null
$PY manage.py load_demo >/dev/null
TOKEN="$($PY manage.py api_token_issue amina --name schemathesis --days 1)"
$PY -m waitress --listen="127.0.0.1:$PORT" --threads=4 config.wsgi:application \
  >"$WORK/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do
  $PY -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/healthz', timeout=1)" \
    2>/dev/null && break
  sleep 0.2
done
.venv/bin/schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "${KINLINK_API_CHECK_EXAMPLES:-40}" \
  --seed 2026 \
  --workers 2 \
  --max-time 150
