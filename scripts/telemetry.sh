#!/usr/bin/env bash
# The telemetry backends on loopback (README "Observability", docs/observability.md), left running in
# the background like `npm run stack`:
#
#   scripts/telemetry.sh up       build once (scripts/telemetry-build.sh), start what is not running, wait
#   scripts/telemetry.sh down     stop what `up` started (pid files; also after a crash)
#   scripts/telemetry.sh status   each part: pid alive + its health URL; the URLs to open
#   scripts/telemetry.sh env      the variables a process needs to export here (NAME=value lines)
#   scripts/telemetry.sh targets NAME [PART=HOST:PORT ...]
#                                 the processes Prometheus scrapes /metrics of, as file NAME (no
#                                 PART: the file is removed); the stack scripts call it
#
#   services --OTLP--> collector (:4317 gRPC, :4318 HTTP) --> Jaeger (OTLP :14317) + files under RUN_DIR/collector/
#   Prometheus (:9090) --scrapes--> every process's /metrics (RUN_DIR/prometheus/targets/*.json)
#   Jaeger's query API on :16686 (a build from Go modules has no UI assets: its page is a placeholder)
#
# Environment (defaults): TELEMETRY_RUN_DIR (./.telemetry: pid files, logs, the collector's JSONL
# files, Prometheus's data), TELEMETRY_OTLP_GRPC_PORT (4317), TELEMETRY_OTLP_HTTP_PORT (4318),
# TELEMETRY_COLLECTOR_HEALTH_PORT (13133), TELEMETRY_COLLECTOR_METRICS_PORT (8888),
# JAEGER_OTLP_GRPC_PORT (14317), JAEGER_OTLP_HTTP_PORT (14318), JAEGER_QUERY_PORT (16686),
# JAEGER_QUERY_GRPC_PORT (16685), JAEGER_HEALTH_PORT (13134), JAEGER_METRICS_PORT (8889),
# PROMETHEUS_PORT (9090), TELEMETRY_STACK_LOGS (the stack's log files the collector tails:
# MOCK_S3_RUN_DIR/*.log, as scripts/stack.sh would place them).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RUN_DIR="$(realpath -m "${TELEMETRY_RUN_DIR:-$ROOT/.telemetry}")"
export TELEMETRY_RUN_DIR="$RUN_DIR"
export TELEMETRY_OTLP_GRPC_PORT="${TELEMETRY_OTLP_GRPC_PORT:-4317}"
export TELEMETRY_OTLP_HTTP_PORT="${TELEMETRY_OTLP_HTTP_PORT:-4318}"
export TELEMETRY_COLLECTOR_HEALTH_PORT="${TELEMETRY_COLLECTOR_HEALTH_PORT:-13133}"
export TELEMETRY_COLLECTOR_METRICS_PORT="${TELEMETRY_COLLECTOR_METRICS_PORT:-8888}"
export JAEGER_OTLP_GRPC_PORT="${JAEGER_OTLP_GRPC_PORT:-14317}"
export JAEGER_OTLP_HTTP_PORT="${JAEGER_OTLP_HTTP_PORT:-14318}"
export JAEGER_QUERY_PORT="${JAEGER_QUERY_PORT:-16686}"
export JAEGER_QUERY_GRPC_PORT="${JAEGER_QUERY_GRPC_PORT:-16685}"
export JAEGER_HEALTH_PORT="${JAEGER_HEALTH_PORT:-13134}"
export JAEGER_METRICS_PORT="${JAEGER_METRICS_PORT:-8889}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}"
STACK_RUN_DIR="${MOCK_S3_RUN_DIR:-${STACK_DATA_DIR:-$ROOT/.data/stack}/run}"
export TELEMETRY_STACK_LOGS="${TELEMETRY_STACK_LOGS:-$STACK_RUN_DIR/*.log}"
HOST=127.0.0.1

COLLECTOR_HEALTH="http://$HOST:$TELEMETRY_COLLECTOR_HEALTH_PORT/"
JAEGER_HEALTH="http://$HOST:$JAEGER_HEALTH_PORT/status"
JAEGER_URL="http://$HOST:$JAEGER_QUERY_PORT"
PROMETHEUS_URL="http://$HOST:$PROMETHEUS_PORT"

log() { printf '[telemetry] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=scripts/lib/pid-files.sh
source "$ROOT/scripts/lib/pid-files.sh"
port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# start NAME CMD...: CMD in its own session (it outlives this script), log and pid file in RUN_DIR.
start() {
  local name=$1
  shift
  setsid "$@" >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

# wait_for NAME MATCH URL SECONDS: until URL answers 2xx; stops early when the process died.
wait_for() {
  local name=$1 match=$2 url=$3 seconds=$4 i
  for ((i = 0; i < seconds * 5; i++)); do
    curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
    if ! alive "$name" "$match"; then
      log "error: $name exited; last lines of $RUN_DIR/$name.log:"
      tail -n 20 "$RUN_DIR/$name.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
  die "$name does not answer on $url after ${seconds}s; see $RUN_DIR/$name.log"
}

# writes RUN_DIR/prometheus/DIR/NAME.json (file_sd): one entry per PART=HOST:PORT, labelled part=PART.
write_targets() {
  local dir="$RUN_DIR/prometheus/$1" name=$2 entry first=1
  shift 2
  if [[ $# -eq 0 ]]; then
    rm -f "$dir/$name.json"
    return 0
  fi
  mkdir -p "$dir"
  {
    printf '['
    for entry in "$@"; do
      [[ "$entry" =~ ^([A-Za-z0-9_.-]+)=([A-Za-z0-9_.:-]+)$ ]] || die "targets: '$entry' is not PART=HOST:PORT"
      [[ $first == 1 ]] || printf ','
      first=0
      printf '{"targets":["%s"],"labels":{"part":"%s"}}' "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}"
    done
    printf ']\n'
  } >"$dir/$name.json.tmp"
  # Prometheus re-reads the file on change: replace it whole, never half-written.
  mv "$dir/$name.json.tmp" "$dir/$name.json"
}

up() {
  local binaries OTELCOL_BIN JAEGER_BIN PROMETHEUS_BIN
  binaries=$(bash scripts/telemetry-build.sh)
  OTELCOL_BIN=$(sed -n 's/^OTELCOL_BIN=//p' <<<"$binaries")
  JAEGER_BIN=$(sed -n 's/^JAEGER_BIN=//p' <<<"$binaries")
  PROMETHEUS_BIN=$(sed -n 's/^PROMETHEUS_BIN=//p' <<<"$binaries")
  mkdir -p "$RUN_DIR/collector" "$RUN_DIR/prometheus/data"

  # Jaeger first: the collector's exporter to it would log refused connections until it listens.
  if alive jaeger "$JAEGER_BIN"; then
    log "jaeger already running (pid $(pid_of jaeger))"
  else
    for port in "$JAEGER_OTLP_GRPC_PORT" "$JAEGER_OTLP_HTTP_PORT" "$JAEGER_QUERY_PORT" "$JAEGER_QUERY_GRPC_PORT"; do
      port_busy "$port" && die "port $port (Jaeger) is taken by another process; see the variables in scripts/telemetry.sh"
    done
    log "starting Jaeger (query $JAEGER_URL, OTLP gRPC $HOST:$JAEGER_OTLP_GRPC_PORT)"
    start jaeger "$JAEGER_BIN" --config "$ROOT/infrastructure/telemetry/jaeger.yaml"
  fi
  wait_for jaeger "$JAEGER_BIN" "$JAEGER_HEALTH" 60

  if alive collector "$OTELCOL_BIN"; then
    log "collector already running (pid $(pid_of collector))"
  else
    for port in "$TELEMETRY_OTLP_GRPC_PORT" "$TELEMETRY_OTLP_HTTP_PORT" "$TELEMETRY_COLLECTOR_HEALTH_PORT"; do
      port_busy "$port" && die "port $port (collector) is taken by another process; see the variables in scripts/telemetry.sh"
    done
    log "starting the collector (OTLP $HOST:$TELEMETRY_OTLP_GRPC_PORT gRPC, $HOST:$TELEMETRY_OTLP_HTTP_PORT HTTP)"
    start collector "$OTELCOL_BIN" --config "$ROOT/infrastructure/telemetry/otelcol-local.yaml"
  fi

  # The config is copied beside its targets (file_sd paths are relative to the config file).
  cp "$ROOT/infrastructure/telemetry/prometheus.yml" "$RUN_DIR/prometheus/prometheus.yml"
  write_targets targets-self telemetry "collector=$HOST:$TELEMETRY_COLLECTOR_METRICS_PORT" "jaeger=$HOST:$JAEGER_METRICS_PORT"
  # Embedded mode (`npm start`) serves every service's /metrics on its control port. A stack
  # (`stack.sh up --telemetry`) replaces this with its processes: there ADMIN_PORT is nginx, whose
  # /metrics would land on either serverless-offline instance.
  if [[ ! -f "$RUN_DIR/prometheus/targets/stack.json" ]]; then
    write_targets targets embedded "embedded=$HOST:${ADMIN_PORT:-9000}"
  fi
  if alive prometheus "$PROMETHEUS_BIN"; then
    log "prometheus already running (pid $(pid_of prometheus)); reloading its config"
    kill -HUP "$(pid_of prometheus)"
  else
    port_busy "$PROMETHEUS_PORT" && die "PROMETHEUS_PORT $PROMETHEUS_PORT is taken by another process"
    log "starting Prometheus on $PROMETHEUS_URL"
    start prometheus "$PROMETHEUS_BIN" --config.file="$RUN_DIR/prometheus/prometheus.yml" \
      --storage.tsdb.path="$RUN_DIR/prometheus/data" --storage.tsdb.retention.time=1d \
      --web.listen-address="$HOST:$PROMETHEUS_PORT"
  fi

  wait_for collector "$OTELCOL_BIN" "$COLLECTOR_HEALTH" 60
  wait_for prometheus "$PROMETHEUS_BIN" "$PROMETHEUS_URL/-/ready" 60

  cat >&2 <<EOF
[telemetry] ready
  collector    OTLP http://$HOST:$TELEMETRY_OTLP_HTTP_PORT (HTTP), $HOST:$TELEMETRY_OTLP_GRPC_PORT (gRPC); files in $RUN_DIR/collector/
  Jaeger       query API $JAEGER_URL/api/services, $JAEGER_URL/api/traces/<trace id> (no UI in this build)
  Prometheus   $PROMETHEUS_URL  (targets: $PROMETHEUS_URL/targets; API: $PROMETHEUS_URL/api/v1/query?query=up)
  export to it $(env_lines | grep -E '^(OTEL_|TRACE_LINK)' | tr '\n' ' ')
  stack        npm run stack -- --telemetry   (or export the line above before npm start)
  stop         npm run telemetry:down      status: npm run telemetry:status
EOF
}

down() {
  # Any of them may be gone already (a crash): stop_one clears its pid file either way.
  stop_one prometheus prometheus
  stop_one collector otelcol-mock-s3
  stop_one jaeger jaeger
  log "stopped"
}

status() {
  local failed=0
  line() {
    local name=$1 match=$2 url=$3 state health
    if alive "$name" "$match"; then state="pid $(pid_of "$name")"; else state='not running' failed=1; fi
    if health=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) && [[ $health == 2* ]]; then
      health="$health ok"
    else
      health="${health:-no answer} FAIL"
      failed=1
    fi
    printf '  %-11s %-13s %-44s %s\n' "$name" "$state" "$url" "$health"
  }
  echo "telemetry status (run dir $RUN_DIR)"
  line collector otelcol-mock-s3 "$COLLECTOR_HEALTH"
  line jaeger jaeger "$JAEGER_HEALTH"
  line prometheus prometheus "$PROMETHEUS_URL/-/ready"
  echo "  Jaeger API $JAEGER_URL/api/   Prometheus $PROMETHEUS_URL   collector files $RUN_DIR/collector/"
  return $failed
}

# What a process exporting here needs (OTEL_*; the dashboard's link from a firing to its trace in
# Jaeger's query API), and where the tests find the backends.
env_lines() {
  printf 'OTEL_EXPORTER_OTLP_ENDPOINT=http://%s:%s\n' "$HOST" "$TELEMETRY_OTLP_HTTP_PORT"
  printf 'TRACE_LINK_TEMPLATE=%s/api/traces/{trace_id}\n' "$JAEGER_URL"
  printf 'TELEMETRY_RUN_DIR=%s\nJAEGER_QUERY_URL=%s\nPROMETHEUS_URL=%s\n' "$RUN_DIR" "$JAEGER_URL" "$PROMETHEUS_URL"
}

case "${1:-up}" in
up) up ;;
down) down ;;
status) status ;;
env) env_lines ;;
targets)
  [[ $# -ge 2 ]] || die "usage: scripts/telemetry.sh targets NAME [PART=HOST:PORT ...]"
  shift
  write_targets targets "$@"
  ;;
*)
  echo "usage: scripts/telemetry.sh up|down|status|env|targets NAME [PART=HOST:PORT ...]" >&2
  exit 2
  ;;
esac
