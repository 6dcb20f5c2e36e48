#!/usr/bin/env bash
# The test stack: stack mode (scripts/stack.sh) with the settings of scripts/test-stack.env, owned
# by the test command (scripts/test.sh) and isolated from `npm run stack` and the shared servers.
#
#   scripts/test-stack.sh up       start what is not running (scripts/stack.sh up)
#   scripts/test-stack.sh down     stop it, its PostgreSQL cluster included
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
  # The cluster is the test command's own: stop it even when a previous run left it running (then
  # services-up found it online and left no marker).
  if pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c && $4 ~ /^online/ {f=1} END {exit !f}'; then
    printf '[test-stack] stopping PostgreSQL %s/%s\n' "$PG_VERSION" "$PG_CLUSTER" >&2
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop -m fast
  fi
}

case "${1:-}" in
up) bash scripts/stack.sh up ;;
down) down ;;
status) bash scripts/stack.sh status ;;
env) sed -n 's/^\([A-Z_][A-Z0-9_]*\)=.*/\1/p' scripts/test-stack.env | while read -r name; do printf '%s=%s\n' "$name" "${!name}"; done ;;
*)
  echo "usage: scripts/test-stack.sh up|down|status|env" >&2
  exit 2
  ;;
esac
