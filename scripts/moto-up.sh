#!/usr/bin/env bash
# Installs (if missing) and starts moto's server on 127.0.0.1: a real SQS endpoint for the SQS task
# queue (QUEUE_BACKEND=sqs) in the integration tests and in stack mode. Idempotent: a second run
# finds the running server and leaves it alone. Works as root on Debian 12, without systemd.
#   MOTO_PORT (5055; 5000 is often taken, 4566 is LocalStack's), MOTO_VERSION (5.2.5),
#   MOCK_S3_RUN_DIR (/tmp/mock-s3-services: the virtualenv, pid and log files live there)
# Prints SQS_ENDPOINT=... at the end.
set -euo pipefail

MOTO_PORT="${MOTO_PORT:-5055}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
RUN_DIR="${MOCK_S3_RUN_DIR:-/tmp/mock-s3-services}"
SQS_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
# One virtualenv per moto version: changing the pin builds a fresh one instead of upgrading in place.
VENV="$RUN_DIR/moto-$MOTO_VERSION.venv"
PID_FILE="$RUN_DIR/moto-$MOTO_PORT.pid"
LOG_FILE="$RUN_DIR/moto-$MOTO_PORT.log"

log() { printf '[moto-up] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# moto's own API answers JSON here; another server on the port would not, so this also tells
# "moto is up" from "the port is taken by something else".
healthy() { curl -fsS --max-time 1 "$SQS_ENDPOINT/moto-api/data.json" 2>/dev/null | grep -q '^{'; }

mkdir -p "$RUN_DIR"

if healthy; then
  log "moto already answering on $SQS_ENDPOINT"
  echo "SQS_ENDPOINT=$SQS_ENDPOINT"
  exit 0
fi

# Debian's python3 (not a pyenv shim that may come first on PATH) with venv/ensurepip, and curl.
PYTHON=/usr/bin/python3
missing=()
if [[ ! -x "$PYTHON" ]]; then
  missing+=(python3 python3-venv)
elif ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=(python3-venv)
fi
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run as root or install them"
  if ! apt-cache policy python3-venv 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -x "$VENV/bin/moto_server" ]]; then
  log "creating $VENV and installing moto[server]==$MOTO_VERSION"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2 ||
    { rm -rf "$VENV"; die "pip install moto[server]==$MOTO_VERSION failed"; }
fi

if ss -ltn 2>/dev/null | awk '{print $4}' | grep -qE "[:.]$MOTO_PORT\$"; then
  if ! { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }; then
    die "port $MOTO_PORT is taken by another program (see ss -ltnp); set MOTO_PORT to a free port"
  fi
fi

if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  log "moto (pid $(cat "$PID_FILE")) is starting; waiting for it"
else
  log "starting moto_server on $SQS_ENDPOINT (log $LOG_FILE)"
  # setsid: the server must outlive this script and the shell that ran it.
  setsid "$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
fi

log "waiting for moto"
for _ in $(seq 1 150); do
  healthy && break
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || die "moto_server exited; see $LOG_FILE"
  sleep 0.1
done
healthy || die "moto does not answer on $SQS_ENDPOINT (log: $LOG_FILE)"

log "ready"
echo "SQS_ENDPOINT=$SQS_ENDPOINT"
