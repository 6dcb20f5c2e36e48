#!/usr/bin/env bash
# Installs (if missing) and starts a single-member etcd on 127.0.0.1 for discovery and live
# configuration (stack mode, integration tests). Idempotent: a second run finds the running
# member and leaves it alone. Works as root on Debian 12, without systemd.
#   ETCD_PORT (2379, client), ETCD_PEER_PORT (2380), MOCK_S3_RUN_DIR (/tmp/mock-s3-services)
# Prints ETCD_URL=... at the end.
set -euo pipefail

ETCD_PORT="${ETCD_PORT:-2379}"
ETCD_PEER_PORT="${ETCD_PEER_PORT:-2380}"
RUN_DIR="${MOCK_S3_RUN_DIR:-/tmp/mock-s3-services}"
ETCD_URL="http://127.0.0.1:$ETCD_PORT"
NAME="mock-s3-etcd-$ETCD_PORT"
DATA_DIR="$RUN_DIR/etcd-$ETCD_PORT.data"
PID_FILE="$RUN_DIR/etcd-$ETCD_PORT.pid"
LOG_FILE="$RUN_DIR/etcd-$ETCD_PORT.log"

log() { printf '[etcd-up] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# /health answers {"health":"true"} once the member has a leader (a single member elects itself).
healthy() { curl -fsS --max-time 1 "$ETCD_URL/health" 2>/dev/null | grep -q '"health":"true"'; }

mkdir -p "$RUN_DIR"

# etcd itself, and curl for the health check (Debian's etcd-server ships no etcdctl).
missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run as root or install them"
  if ! apt-cache policy etcd-server 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if healthy; then
  log "etcd already answering on $ETCD_URL"
  echo "ETCD_URL=$ETCD_URL"
  exit 0
fi

if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  log "etcd (pid $(cat "$PID_FILE")) is starting; waiting for it"
else
  log "starting etcd on $ETCD_URL (peer port $ETCD_PEER_PORT, data $DATA_DIR)"
  # setsid: the member must outlive this script and the shell that ran it.
  setsid etcd --name "$NAME" --data-dir "$DATA_DIR" \
    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "$NAME=http://127.0.0.1:$ETCD_PEER_PORT" \
    --log-level warn >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
fi

log "waiting for etcd"
for _ in $(seq 1 100); do
  healthy && break
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || die "etcd exited; see $LOG_FILE"
  sleep 0.1
done
healthy || die "etcd does not answer on $ETCD_URL (log: $LOG_FILE)"

log "ready"
echo "ETCD_URL=$ETCD_URL"
