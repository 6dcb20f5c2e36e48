#!/usr/bin/env bash
# The test stack: stack mode (scripts/stack.sh) with the settings of scripts/test-stack.env, owned
# by the test command (scripts/test.sh) and isolated from `npm run stack` and the shared servers.
#
#   scripts/test-stack.sh up [--telemetry]   start what is not running (scripts/stack.sh up); empty
#                                  when stopped; --telemetry: exporting to the test telemetry backends
#                                  (scripts/telemetry.sh with the TELEMETRY_* of test-stack.env)
#   scripts/test-stack.sh down     stop it, its PostgreSQL cluster and telemetry backends included
#   scripts/test-stack.sh status   scripts/stack.sh status
#   scripts/test-stack.sh env      print the settings as NAME=value lines
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
set -a
# shellcheck source=scripts/test-stack.env
source scripts/test-stack.env
set +a

down() {
  bash scripts/stack.sh stop
  # Its telemetry backends (run dir and ports of test-stack.env), if `up --telemetry` started them,
  # and what they kept: the next run's tests read the collector's files from empty.
  bash scripts/telemetry.sh down
  rm -rf "$TELEMETRY_RUN_DIR/collector" "$TELEMETRY_RUN_DIR/prometheus/data"
  # The cluster is the test command's own: stop it even when a previous run left it running (then
  # services-up found it online and left no marker).
  if pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c && $4 ~ /^online/ {f=1} END {exit !f}'; then
    printf '[test-stack] stopping PostgreSQL %s/%s\n' "$PG_VERSION" "$PG_CLUSTER" >&2
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop -m fast
  fi
}

# A stopped test stack starts from nothing: objects, blobs, cached entries and tasks of an earlier run
# (or of another checkout, since the PostgreSQL cluster is per machine) would otherwise be repaired
# and collected by the reconcile pass under the tests' feet. A running one is left as it is.
fresh() {
  local name pid
  for name in node-1 node-2 node-3 offline-1 offline-2 front nginx; do
    pid=$(cat "$MOCK_S3_RUN_DIR/$name.pid" 2>/dev/null || true)
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && return 0
  done
  printf '[test-stack] starting from an empty stack\n' >&2
  rm -rf "$STACK_DATA_DIR/nodes" "$STACK_DATA_DIR/offline"
  MOCK_S3_RUN_DIR="$MOCK_S3_RUN_DIR" bash scripts/services-up.sh >/dev/null
  (cd / && runuser -u postgres -- psql -X -q -p "$PG_PORT" -d postgres \
    -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)")
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" flushall >/dev/null
}

case "${1:-}" in
up)
  fresh
  bash scripts/stack.sh up "${@:2}"
  ;;
down) down ;;
status) bash scripts/stack.sh status ;;
env) sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' scripts/test-stack.env | while read -r name; do printf '%s=%s\n' "$name" "${!name}"; done ;;
*)
  echo "usage: scripts/test-stack.sh up|down|status|env" >&2
  exit 2
  ;;
esac
