#!/usr/bin/env bash
# Stops the moto server scripts/moto-up.sh started (its pid file), and nothing else. Idempotent.
# Keeps the virtualenv, so the next moto-up starts without reinstalling. moto keeps its queues in
# memory: they are gone after a restart.
set -euo pipefail

MOTO_PORT="${MOTO_PORT:-5055}"
RUN_DIR="${MOCK_S3_RUN_DIR:-/tmp/mock-s3-services}"
PID_FILE="$RUN_DIR/moto-$MOTO_PORT.pid"

log() { printf '[moto-down] %s\n' "$*" >&2; }

if [[ ! -f "$PID_FILE" ]]; then
  log "no moto started by moto-up on port $MOTO_PORT"
  exit 0
fi
pid=$(cat "$PID_FILE")
# Only kill it if the pid still belongs to moto_server (the pid may have been reused since); its
# comm is the interpreter or the script name, its command line names moto_server either way.
if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q moto_server; then
  log "stopping moto_server (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "moto_server (pid $pid) still running after 5 s; sending SIGKILL"
    kill -9 "$pid"
  fi
else
  log "moto_server (pid file $PID_FILE) not running"
fi
rm -f "$PID_FILE"
log "done"
