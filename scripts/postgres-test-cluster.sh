#!/usr/bin/env bash
# Source this file: it makes sure a throw-away PostgreSQL cluster for the tests runs on
# 127.0.0.1:${KINLINK_TEST_PGPORT:-54329} and exports the libpq variables that point at it.
# PostgreSQL comes from Debian's packages; it refuses to run as root, so as root the cluster
# belongs to the `postgres` user.
set -euo pipefail
port="${KINLINK_TEST_PGPORT:-54329}"
data="${KINLINK_TEST_PGDATA:-/tmp/kinlink-pgtest-$port}"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "Installing PostgreSQL from Debian's packages…"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
fi
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
    as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o \
    "-p $port -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
fi

export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres PGDATABASE=kinlink PGPASSWORD=""
set +euo pipefail
