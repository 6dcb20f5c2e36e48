#!/usr/bin/env bash
# Installs (if missing) and starts LocalStack's S3 on the host, without Docker, as a peer for
# `npm run bench`. Idempotent: a second run finds the running gateway and leaves it alone.
# localstack-core 2026.3.0 declares Python >= 3.10, but its S3 provider imports `warnings.deprecated`
# (localstack/utils/tagging.py), new in Python 3.13: on 3.12 the gateway starts with no services
# ("No component plugins found"). So pyenv's 3.13 is used. Its twisted gateway binds 0.0.0.0 unless
# GATEWAY_LISTEN names the interface, so it is pinned to loopback.
#   LOCALSTACK_PORT (4599; 4566 is LocalStack's default and may be taken), LOCALSTACK_VERSION (2026.3.0),
#   LOCALSTACK_PYTHON (/root/.pyenv/versions/3.13.0/bin/python3),
#   MOCK_S3_BENCH_DIR (/root/.cache/mock-s3-bench: the virtualenv, certificate, state, pid and log)
# Prints LOCALSTACK_ENDPOINT=... at the end; `localstack-up.sh stop` stops the server it started.
set -euo pipefail

PORT="${LOCALSTACK_PORT:-4599}"
VERSION="${LOCALSTACK_VERSION:-2026.3.0}"
PYTHON="${LOCALSTACK_PYTHON:-/root/.pyenv/versions/3.13.0/bin/python3}"
DIR="${MOCK_S3_BENCH_DIR:-/root/.cache/mock-s3-bench}"
VENV="$DIR/localstack-$VERSION-py$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo unknown).venv"
STATE="$DIR/localstack-$PORT.state"
PID_FILE="$DIR/localstack-$PORT.pid"
LOG_FILE="$DIR/localstack-$PORT.log"
CERT="$DIR/localstack-cert.pem"
ENDPOINT="http://127.0.0.1:$PORT"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[localstack-up] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# LocalStack's health endpoint names its services' states; anything else on the port would not.
healthy() { curl -fsS --max-time 1 "$ENDPOINT/_localstack/health" 2>/dev/null | grep -qE '"s3": "(running|available)"'; }

mkdir -p "$DIR"

if [[ "${1:-}" == stop ]]; then
  if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
    # setsid made it a process-group leader: end the group it started, nothing else.
    pid="$(cat "$PID_FILE")"
    kill -- -"$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid still running after 10 s; sending SIGKILL"
      kill -9 -- -"$pid" 2>/dev/null || true
    fi
    log "stopped pid $pid"
  fi
  # Its objects lived in memory; what it left on disk (and its log) goes with it.
  rm -rf "$PID_FILE" "$STATE" "$LOG_FILE"
  exit 0
fi

if healthy; then
  log "LocalStack already answering on $ENDPOINT"
  echo "LOCALSTACK_ENDPOINT=$ENDPOINT"
  exit 0
fi

[[ -x "$PYTHON" ]] || die "no Python >= 3.13 at $PYTHON (set LOCALSTACK_PYTHON)"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' ||
  die "$PYTHON is older than 3.13; localstack-core $VERSION imports warnings.deprecated (3.13)"

# The stamp is written after the last package is in: a half-finished install is redone.
if [[ ! -f "$VENV/.installed" ]]; then
  log "creating $VENV and installing localstack-core[base-runtime]==$VERSION (takes minutes)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  # base-runtime is the gateway (rolo, twisted, hypercorn) without the other services' packages;
  # moto-ext[s3] is what the S3 provider imports; cbor2 5.9.0 is the version 2026.3.0 runs with.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check \
    "localstack-core[base-runtime]==$VERSION" "cbor2==5.9.0" "moto-ext[s3]" service_identity >&2 ||
    { rm -rf "$VENV"; die "pip install localstack-core==$VERSION failed"; }
  touch "$VENV/.installed"
fi

# The gateway wants a certificate even when only plain HTTP is used; without one it tries to
# download LocalStack's, which this machine cannot reach.
if [[ ! -s "$CERT" ]]; then
  log "writing a self-signed certificate $CERT"
  key="$(mktemp)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=localhost' \
    -keyout "$key" -out "$CERT.crt" >/dev/null 2>&1
  cat "$key" "$CERT.crt" >"$CERT"
  rm -f "$key" "$CERT.crt"
fi

if ss -ltn 2>/dev/null | awk '{print $4}' | grep -qE "[:.]$PORT\$"; then
  if ! { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }; then
    die "port $PORT is taken by another program (see ss -ltnp); set LOCALSTACK_PORT"
  fi
fi

if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; then
  log "LocalStack (pid $(cat "$PID_FILE")) is starting; waiting for it"
else
  log "starting LocalStack S3 on $ENDPOINT (log $LOG_FILE)"
  mkdir -p "$STATE"
  # setsid: the server outlives this script; its pid is the group to stop.
  env SERVICES=s3 EAGER_SERVICE_LOADING=1 GATEWAY_SERVER=twisted GATEWAY_LISTEN="127.0.0.1:$PORT" \
    CUSTOM_SSL_CERT_PATH="$CERT" SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 \
    LOCALSTACK_HOST="127.0.0.1:$PORT" PERSISTENCE=0 DEBUG=0 \
    FILESYSTEM_ROOT="$STATE" LOCALSTACK_VOLUME_DIR="$STATE/volume" \
    setsid "$VENV/bin/python" "$HERE/localstack_loopback.py" >"$LOG_FILE" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
fi

log "waiting for LocalStack"
for _ in $(seq 1 600); do
  healthy && break
  kill -0 "$(cat "$PID_FILE")" 2>/dev/null || die "LocalStack exited; see $LOG_FILE"
  sleep 0.2
done
healthy || die "LocalStack does not answer on $ENDPOINT (log: $LOG_FILE)"
# Never leave a peer reachable from outside the machine.
if ss -ltn 2>/dev/null | awk '{print $4}' | grep -qE "^(0\.0\.0\.0|\*|\[::\]):$PORT\$"; then
  "$0" stop
  die "LocalStack listened on every interface, not only loopback; stopped it"
fi

log "ready"
echo "LOCALSTACK_ENDPOINT=$ENDPOINT"
