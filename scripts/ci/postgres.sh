#!/usr/bin/env bash
# Installs (Debian packages) and starts a local PostgreSQL, creates a test user and database, and prints
#   export MEDUI_TEST_POSTGRES_URL=postgresql+psycopg://...
# on stdout (everything else goes to stderr), so that CI can run:  eval "$(bash scripts/ci/postgres.sh)"
# Idempotent: a second run reuses the cluster, the user and the database.
set -euo pipefail

PG_USER="${MEDUI_PG_USER:-medui}"
PG_PASSWORD="${MEDUI_PG_PASSWORD:-medui}"
PG_DB="${MEDUI_PG_DB:-medui_test}"
PG_HOST=127.0.0.1

log() { echo "postgres.sh: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

server_version() {
  ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1
}

install_server() {
  if [ -n "$(server_version)" ] && [ -x "/usr/lib/postgresql/$(server_version)/bin/postgres" ]; then
    return
  fi
  log "installing postgresql (apt-get)"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

start_cluster() {
  local version="$1"
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | grep -qx "$version main"; then
    log "creating cluster $version/main"
    as_root pg_createcluster "$version" main >&2
  fi
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    log "starting cluster $version/main"
    as_root pg_ctlcluster "$version" main start >&2
  fi
  pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}'
}

wait_ready() {
  local port="$1"
  for _ in $(seq 1 30); do
    if pg_isready -q -h "$PG_HOST" -p "$port"; then return; fi
    sleep 1
  done
  log "the server on port $port did not become ready"
  exit 1
}

create_user_and_db() {
  local port="$1"
  local psql=(psql -v ON_ERROR_STOP=1 -q -p "$port" -d postgres)
  if [ -z "$(as_postgres "${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" ]; then
    log "creating user $PG_USER"
    as_postgres "${psql[@]}" -c "CREATE ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASSWORD'" >&2
  fi
  if [ -z "$(as_postgres "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]; then
    log "creating database $PG_DB"
    as_postgres "${psql[@]}" -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\"" >&2
  fi
}

main() {
  install_server
  local version port
  version="$(server_version)"
  port="$(start_cluster "$version")"
  wait_ready "$port"
  create_user_and_db "$port"
  log "PostgreSQL $version ready on $PG_HOST:$port, database $PG_DB"
  echo "export MEDUI_TEST_POSTGRES_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@$PG_HOST:$port/$PG_DB"
}

main "$@"
