#!/usr/bin/env bash
# Stops the etcd member scripts/etcd-up.sh started (its pid file), and nothing else. Idempotent.
# Keeps the data directory, so registrations and config survive a restart until their leases lapse.
set -euo pipefail

ETCD_PORT="${ETCD_PORT:-2379}"
RUN_DIR="${MOCK_S3_RUN_DIR:-/tmp/mock-s3-services}"
PID_FILE="$RUN_DIR/etcd-$ETCD_PORT.pid"

log() { printf '[etcd-down] %s\n' "$*" >&2; }

if [[ ! -f "$PID_FILE" ]]; then
  log "no etcd started by etcd-up on port $ETCD_PORT"
  exit 0
fi
pid=$(cat "$PID_FILE")
# Only kill it if the pid still belongs to an etcd (the pid may have been reused since).
if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q etcd "/proc/$pid/comm" 2>/dev/null; then
  log "stopping etcd (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "etcd (pid $pid) still running after 5 s; sending SIGKILL"
    kill -9 "$pid"
  fi
else
  log "etcd (pid file $PID_FILE) not running"
fi
rm -f "$PID_FILE"
log "done"
