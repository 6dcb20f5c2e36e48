#!/usr/bin/env bash
# Stops what scripts/services-up.sh started: the Redis it daemonized (pid file) and the
# PostgreSQL cluster, only if services-up was the one that started it. Idempotent.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
REDIS_PORT="${REDIS_PORT:-6379}"
RUN_DIR="${MOCK_S3_RUN_DIR:-/tmp/mock-s3-services}"

log() { printf '[services-down] %s\n' "$*" >&2; }

pid_file="$RUN_DIR/redis-$REDIS_PORT.pid"
if [[ -f "$pid_file" ]]; then
  pid=$(cat "$pid_file")
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping redis-server (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  else
    log "redis-server (pid file $pid_file) not running"
  fi
  rm -f "$pid_file"
else
  log "no Redis started by services-up on port $REDIS_PORT"
fi

marker="$RUN_DIR/postgres.started-by-us"
if [[ -f "$marker" ]]; then
  log "stopping PostgreSQL $PG_VERSION/$PG_CLUSTER"
  if ! out=$(pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop -m fast 2>&1); then
    grep -qi 'not running' <<<"$out" || { log "pg_ctlcluster stop failed: $out"; exit 1; }
  fi
  rm -f "$marker"
else
  log "PostgreSQL was not started by services-up; leaving it alone"
fi
log "done"
