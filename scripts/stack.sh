#!/usr/bin/env bash
# Stack mode (docs/stack.md): the whole topology on this machine, left running in the background.
#
#   scripts/stack.sh up       install what is missing, start what is not running, wait for both ports
#   scripts/stack.sh up --telemetry   the same, exporting to the backends of scripts/telemetry.sh
#                             (started first; OTLP to its collector, every /metrics scraped by its Prometheus;
#                             a later `up` that starts a part again exports the same way, until `stop`)
#   scripts/stack.sh stop     stop exactly what `up` started (pid files; backends only if it started them)
#   scripts/stack.sh status   each part: pid alive + its health URL
#
#   client -> front (HOST:PORT) -> nginx (127.0.0.1:NGINX_S3_PORT) -> serverless-offline x2 -> storage nodes x3
#   client -> nginx (HOST:ADMIN_PORT)                              -> serverless-offline x2
#
# Environment (defaults): PORT (8080), ADMIN_PORT (9000), HOST (127.0.0.1), MAX_BODY_BYTES (128 MiB),
# STACK_DATA_DIR (./.data/stack), MOCK_S3_RUN_DIR (STACK_DATA_DIR/run), MOCK_S3_BUNDLE_DIR (./.esbuild),
# STACK_OFFLINE_PORTS (3001 3002),
# STACK_NODE_PORTS (7101 7102 7103), STACK_NGINX_PORT (7180), STACK_RATE_LIMIT_RPS (0 = off),
# NODE_LEASE_TTL_SECONDS (10), PG_PORT, REDIS_PORT, ETCD_PORT (see services-up.sh, etcd-up.sh),
# QUEUE_BACKEND (redis; sqs starts moto unless SQS_ENDPOINT is set), STACK_FRONT_METRICS_PORT (9464: the
# front's /metrics, FRONT_METRICS_PORT), TELEMETRY_RUN_DIR and the ports of scripts/telemetry.sh.
# Every other variable of shared/config/env.ts (FAULTS_ENABLED, REPLICATION_FACTOR, LOG_LEVEL, ...)
# passes through to the serverless-offline instances and the front.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PORT="${PORT:-8080}"
ADMIN_PORT="${ADMIN_PORT:-9000}"
HOST="${HOST:-127.0.0.1}"
MAX_BODY_BYTES="${MAX_BODY_BYTES:-134217728}"
STACK_DATA_DIR="$(mkdir -p "${STACK_DATA_DIR:-$ROOT/.data/stack}" && cd "${STACK_DATA_DIR:-$ROOT/.data/stack}" && pwd)"
RUN_DIR="${MOCK_S3_RUN_DIR:-$STACK_DATA_DIR/run}"
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
# The handler bundles the two serverless-offline instances load (serverless.yml reads the variable).
export MOCK_S3_BUNDLE_DIR="${MOCK_S3_BUNDLE_DIR:-$ROOT/.esbuild}"
BUNDLE_DIR="$MOCK_S3_BUNDLE_DIR"
read -r -a OFFLINE_PORTS <<<"${STACK_OFFLINE_PORTS:-3001 3002}"
read -r -a NODE_PORTS <<<"${STACK_NODE_PORTS:-7101 7102 7103}"
NGINX_PORT="${STACK_NGINX_PORT:-7180}"
RATE_LIMIT_RPS="${STACK_RATE_LIMIT_RPS:-0}"
NODE_LEASE_TTL_SECONDS="${NODE_LEASE_TTL_SECONDS:-10}"
FRONT_METRICS_PORT="${STACK_FRONT_METRICS_PORT:-9464}"
ETCD_PORT="${ETCD_PORT:-2379}"
# Internal listeners are loopback only; HOST is for the two public ports.
INTERNAL_HOST=127.0.0.1
PUBLIC_HOST="$HOST"
[[ "$PUBLIC_HOST" == 0.0.0.0 || "$PUBLIC_HOST" == '::' ]] && PUBLIC_HOST=127.0.0.1
# The instances bind loopback, but clients reach their control plane through nginx on HOST: a
# mutating call naming HOST in its Host header is theirs too (shared/http/control-plane-guard.ts).
CONTROL_PLANE_NAMES="${ADMIN_ALLOWED_HOSTS:-}"
[[ "$HOST" != 0.0.0.0 && "$HOST" != '::' ]] && CONTROL_PLANE_NAMES="${CONTROL_PLANE_NAMES:+$CONTROL_PLANE_NAMES,}$HOST"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- helpers ------------------------------------------------------------------------------------
# shellcheck source=scripts/lib/pid-files.sh
source "$ROOT/scripts/lib/pid-files.sh"
http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for NAME URL SECONDS: until URL answers 2xx; gives up when the process died, when it keeps
# answering 5xx (a handler that crashes at cold start will not heal), or when time is up.
wait_for() {
  local name=$1 url=$2 seconds=$3 i code errors=0
  for ((i = 0; i < seconds * 5; i++)); do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)
    [[ $code == 2* ]] && return 0
    if [[ $code == 5* ]]; then errors=$((errors + 1)); else errors=0; fi
    if ! alive "$name"; then fail_with_log "$name exited"; fi
    ((errors < 75)) || fail_with_log "$name answers $code on $url"
    sleep 0.2
  done
  fail_with_log "$name does not answer on $url after ${seconds}s"
}

fail_with_log() {
  log "error: $1; last lines of $RUN_DIR/$name.log:"
  tail -n 15 "$RUN_DIR/$name.log" >&2 2>/dev/null || true
  exit 1
}

# start NAME CMD...: runs CMD in its own session (it outlives this script), logs and pid in RUN_DIR.
start() {
  local name=$1
  shift
  setsid "$@" >>"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

ensure_nginx() {
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "nginx is not installed; run as root or install the Debian package nginx"
  log "installing nginx (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # nginx-light has no default site that would grab port 80 via systemd here; either works.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
  # The package's own service (if an init started it) is not ours: stack mode runs its own master.
}

ensure_tools() {
  local missing=() cmd
  for cmd in curl setsid; do command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run as root or install curl and util-linux"
  log "installing curl"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null
}

NGINX_BIN() { command -v nginx 2>/dev/null || echo /usr/sbin/nginx; }

# Fills the template of gateway/nginx into the run dir; returns 1 when the config there is unchanged.
render_nginx() {
  local conf="$RUN_DIR/nginx/nginx.conf" user_line='' zone='' limit='' access_log=off
  mkdir -p "$RUN_DIR/nginx/tmp"/{body,proxy,fastcgi,uwsgi,scgi}
  if [[ $(id -u) -eq 0 ]]; then
    # As root the workers drop to nobody; they only need the temp dirs (bodies and responses stream).
    user_line='user nobody nogroup;'
    chown -R nobody:nogroup "$RUN_DIR/nginx/tmp" 2>/dev/null || true
  fi
  if [[ "$RATE_LIMIT_RPS" =~ ^[1-9][0-9]*$ ]]; then
    zone="limit_req_zone \$binary_remote_addr zone=mock_s3_rate:10m rate=${RATE_LIMIT_RPS}r/s; limit_req_status 503;"
    limit="limit_req zone=mock_s3_rate burst=$((RATE_LIMIT_RPS * 2)) nodelay;"
  fi
  [[ "${STACK_NGINX_ACCESS_LOG:-0}" == 1 ]] && access_log="$RUN_DIR/nginx/access.log"
  sed -e "s|@@RUN_DIR@@|$RUN_DIR|g" \
    -e "s|@@USER_LINE@@|$user_line|" \
    -e "s|@@ACCESS_LOG@@|$access_log|" \
    -e "s|@@OFFLINE_1@@|$INTERNAL_HOST:${OFFLINE_PORTS[0]}|" \
    -e "s|@@OFFLINE_2@@|$INTERNAL_HOST:${OFFLINE_PORTS[1]}|" \
    -e "s|@@RATE_LIMIT_ZONE@@|$zone|" \
    -e "s|@@RATE_LIMIT@@|$limit|" \
    -e "s|@@MAX_BODY_BYTES@@|$MAX_BODY_BYTES|g" \
    -e "s|@@NGINX_S3_LISTEN@@|$INTERNAL_HOST:$NGINX_PORT|g" \
    -e "s|@@ADMIN_LISTEN@@|$(listen_address "$HOST" "$ADMIN_PORT")|g" \
    gateway/nginx/nginx.conf.template >"$conf.new"
  if cmp -s "$conf.new" "$conf"; then
    rm -f "$conf.new"
    return 1
  fi
  mv "$conf.new" "$conf"
}

listen_address() {
  case "$1" in
  0.0.0.0 | '') echo "$2" ;;
  *:*) echo "[$1]:$2" ;;
  *) echo "$1:$2" ;;
  esac
}

# --- up -----------------------------------------------------------------------------------------
up() {
  [[ ${#OFFLINE_PORTS[@]} -eq 2 ]] || die "STACK_OFFLINE_PORTS must name two ports"
  ensure_tools
  ensure_nginx
  if [[ $WITH_TELEMETRY == 1 ]]; then
    telemetry_up
  elif [[ -f "$RUN_DIR/telemetry.env" ]]; then
    # A stack started with --telemetry: parts started again (after a crash, a drill's kill) export
    # where the others do.
    log "exporting as at the first start (--telemetry; $RUN_DIR/telemetry.env)"
    load_telemetry_env
  fi

  # Backends. The scripts record in RUN_DIR what they start (pid file, marker), so stop finds it.
  log "PostgreSQL and Redis (scripts/services-up.sh)"
  local env_lines
  env_lines=$(MOCK_S3_RUN_DIR="$RUN_DIR" bash scripts/services-up.sh)
  local DATABASE_URL REDIS_URL ETCD_URL
  DATABASE_URL=$(sed -n 's/^DATABASE_URL=//p' <<<"$env_lines")
  REDIS_URL=$(sed -n 's/^REDIS_URL=//p' <<<"$env_lines")
  log "etcd (scripts/etcd-up.sh)"
  ETCD_URL=$(MOCK_S3_RUN_DIR="$RUN_DIR" ETCD_PORT="$ETCD_PORT" bash scripts/etcd-up.sh | sed -n 's/^ETCD_URL=//p')
  [[ -n "$DATABASE_URL" && -n "$REDIS_URL" && -n "$ETCD_URL" ]] || die "a backend script printed no URL"
  # The task queue: Redis Streams, or SQS (moto here unless SQS_ENDPOINT names another endpoint).
  QUEUE_BACKEND="${QUEUE_BACKEND:-redis}"
  SQS_ENDPOINT="${SQS_ENDPOINT:-}"
  if [[ "$QUEUE_BACKEND" == sqs && -z "$SQS_ENDPOINT" ]]; then
    log "moto as the SQS endpoint (scripts/moto-up.sh)"
    SQS_ENDPOINT=$(bash scripts/moto-up.sh | sed -n 's/^SQS_ENDPOINT=//p')
  fi
  printf 'DATABASE_URL=%s\nREDIS_URL=%s\nETCD_URL=%s\n' "$DATABASE_URL" "$REDIS_URL" "$ETCD_URL" >"$RUN_DIR/stack.env"

  # Storage-node workers: one directory each, registered in etcd under a lease.
  local i name port
  # One esbuild build serves the serverless-offline instances, the storage nodes and the front:
  # plain JavaScript (tsx's on-the-fly output names every closure it creates, ~10% of a server's
  # CPU). A process started while others run reuses the bundles they loaded: rebuilding would
  # remove the bundle directory under a running serverless-offline (it re-resolves the handler,
  # answering ImportModuleError 500s meanwhile) and the processes would run different code.
  local running=0 process_name
  for process_name in offline-1 offline-2 front; do
    if alive "$process_name"; then running=1; fi
  done
  for i in "${!NODE_PORTS[@]}"; do
    if alive "node-$((i + 1))"; then running=1; fi
  done
  if [[ $running == 0 || ! -f "$BUNDLE_DIR/functions/s3-api/handler.js" ||
    ! -f "$BUNDLE_DIR/gateway/front/main.js" || ! -f "$BUNDLE_DIR/workers/storage-node/main.js" ||
    ! -f "$BUNDLE_DIR/dashboard/app.js" ]]; then
    log "building the bundles into $BUNDLE_DIR (scripts/build.mjs)"
    node scripts/build.mjs --outdir "$BUNDLE_DIR" --entry gateway/front/main.ts --entry workers/storage-node/main.ts \
      >>"$RUN_DIR/build.log" 2>&1 || die "build failed; see $RUN_DIR/build.log"
  fi

  for i in "${!NODE_PORTS[@]}"; do
    name="node-$((i + 1))"
    port=${NODE_PORTS[$i]}
    if alive "$name"; then
      log "$name already running (pid $(pid_of "$name"))"
      continue
    fi
    port_busy "$port" && die "port $port (for $name) is taken by another process; set STACK_NODE_PORTS"
    log "starting storage node $name on $INTERNAL_HOST:$port"
    mkdir -p "$STACK_DATA_DIR/nodes/$name"
    NODE_ID="$name" NODE_DIR="$STACK_DATA_DIR/nodes/$name" NODE_PORT="$port" HOST="$INTERNAL_HOST" \
      ETCD_URL="$ETCD_URL" NODE_LEASE_TTL_SECONDS="$NODE_LEASE_TTL_SECONDS" \
      METADATA_BACKEND=postgres DATABASE_URL="$DATABASE_URL" \
      CACHE_BACKEND=redis QUEUE_BACKEND="$QUEUE_BACKEND" SQS_ENDPOINT="$SQS_ENDPOINT" REDIS_URL="$REDIS_URL" DISCOVERY_BACKEND=etcd \
      start "$name" node --enable-source-maps "$BUNDLE_DIR/workers/storage-node/main.js"
  done
  for i in "${!NODE_PORTS[@]}"; do
    wait_for "node-$((i + 1))" "http://$INTERNAL_HOST:${NODE_PORTS[$i]}/health" 30
  done

  # serverless-offline x2, from the bundles built above.
  for i in 0 1; do
    name="offline-$((i + 1))"
    port=${OFFLINE_PORTS[$i]}
    if alive "$name"; then
      log "$name already running (pid $(pid_of "$name"))"
      continue
    fi
    port_busy "$port" && die "port $port (for $name) is taken by another process; set STACK_OFFLINE_PORTS"
    log "starting serverless-offline $name on $INTERNAL_HOST:$port"
    mkdir -p "$STACK_DATA_DIR/offline"
    HOST="$INTERNAL_HOST" LAMBDA_PORT="$((port + 1000))" SKIP_BUILD=1 MAX_BODY_BYTES="$MAX_BODY_BYTES" \
      METADATA_BACKEND=postgres DATABASE_URL="$DATABASE_URL" \
      CACHE_BACKEND=redis QUEUE_BACKEND="$QUEUE_BACKEND" SQS_ENDPOINT="$SQS_ENDPOINT" REDIS_URL="$REDIS_URL" \
      DISCOVERY_BACKEND=etcd ETCD_URL="$ETCD_URL" NODE_LEASE_TTL_SECONDS="$NODE_LEASE_TTL_SECONDS" \
      DATA_DIR="$STACK_DATA_DIR/offline" ADMIN_PORT="$ADMIN_PORT" ADMIN_ALLOWED_HOSTS="$CONTROL_PLANE_NAMES" \
      start "$name" bash scripts/offline.sh "$port"
  done
  for i in 0 1; do
    wait_for "offline-$((i + 1))" "http://$INTERNAL_HOST:${OFFLINE_PORTS[$i]}/health" 180
  done

  # nginx: its own master, config from the template (re-rendered on every `up`). A running one is
  # reloaded only when its config changed: a reload closes every idle keep-alive connection, and
  # the front may be sending on one of them at that moment.
  local nginx_changed=1
  render_nginx || nginx_changed=0
  "$(NGINX_BIN)" -t -q -e "$RUN_DIR/nginx/error.log" -c "$RUN_DIR/nginx/nginx.conf" ||
    die "nginx config test failed ($RUN_DIR/nginx/nginx.conf)"
  if alive nginx; then
    if [[ $nginx_changed == 1 ]]; then
      log "nginx already running (pid $(pid_of nginx)); reloading its changed config"
      kill -HUP "$(pid_of nginx)"
    else
      log "nginx already running (pid $(pid_of nginx)); config unchanged"
    fi
  else
    port_busy "$NGINX_PORT" && die "port $NGINX_PORT (nginx S3 listener) is taken; set STACK_NGINX_PORT"
    port_busy "$ADMIN_PORT" && die "ADMIN_PORT $ADMIN_PORT is taken by another process"
    log "starting nginx (S3 on $INTERNAL_HOST:$NGINX_PORT, control plane on $HOST:$ADMIN_PORT)"
    # nginx daemonizes and writes RUN_DIR/nginx.pid itself (the `pid` directive).
    "$(NGINX_BIN)" -e "$RUN_DIR/nginx/error.log" -c "$RUN_DIR/nginx/nginx.conf" ||
      die "nginx failed to start; see $RUN_DIR/nginx/error.log"
    for _ in $(seq 1 50); do [[ -s "$RUN_DIR/nginx.pid" ]] && break; sleep 0.1; done
  fi
  wait_for nginx "http://$PUBLIC_HOST:$ADMIN_PORT/health" 30

  # The socket-fault front: the client socket on PORT.
  if alive front; then
    log "front already running (pid $(pid_of front))"
  else
    port_busy "$PORT" && die "PORT $PORT is taken by another process"
    log "starting the socket-fault front on $HOST:$PORT"
    # It follows the fault rules in PostgreSQL + Redis (and the config switch in etcd) like the instances.
    PORT="$PORT" HOST="$HOST" ADMIN_PORT="$ADMIN_PORT" MAX_BODY_BYTES="$MAX_BODY_BYTES" FRONT_UPSTREAM="http://$INTERNAL_HOST:$NGINX_PORT" \
      FRONT_METRICS_PORT="$FRONT_METRICS_PORT" \
      METADATA_BACKEND=postgres DATABASE_URL="$DATABASE_URL" \
      CACHE_BACKEND=redis QUEUE_BACKEND="$QUEUE_BACKEND" SQS_ENDPOINT="$SQS_ENDPOINT" REDIS_URL="$REDIS_URL" \
      DISCOVERY_BACKEND=etcd ETCD_URL="$ETCD_URL" \
      start front node --enable-source-maps "$BUNDLE_DIR/gateway/front/main.js"
  fi
  # ListBuckets through the whole chain: front -> nginx -> serverless-offline -> PostgreSQL.
  wait_for front "http://$PUBLIC_HOST:$PORT/" 60

  if [[ $WITH_TELEMETRY == 1 ]]; then register_metrics_targets; fi

  cat >&2 <<EOF
[stack] ready
  S3              http://$PUBLIC_HOST:$PORT        (socket-fault front, pid $(pid_of front))
  control plane   http://$PUBLIC_HOST:$ADMIN_PORT        (nginx, pid $(pid_of nginx): / the dashboard, /api/v1/, /metrics, /health)
  nginx S3        http://$INTERNAL_HOST:$NGINX_PORT        (upstream of the front)
  offline         http://$INTERNAL_HOST:${OFFLINE_PORTS[0]} (pid $(pid_of offline-1)), http://$INTERNAL_HOST:${OFFLINE_PORTS[1]} (pid $(pid_of offline-2))
  storage nodes   $(for i in "${!NODE_PORTS[@]}"; do printf 'node-%d :%s (pid %s)  ' $((i + 1)) "${NODE_PORTS[$i]}" "$(pid_of "node-$((i + 1))")"; done)
  backends        $DATABASE_URL  $REDIS_URL  $ETCD_URL
  data            $STACK_DATA_DIR
  run dir         $RUN_DIR (pid files, logs, nginx.conf)
  telemetry       $(telemetry_line)
  stop            npm run stack:stop      status: npm run stack:status
EOF
}

# --- telemetry (scripts/telemetry.sh) -----------------------------------------------------------
# The backends first, so the first span of every process has somewhere to go; their variables are
# exported here and every process started below inherits them. The collector tails this stack's logs.
telemetry_up() {
  log "telemetry backends (scripts/telemetry.sh up)"
  MOCK_S3_RUN_DIR="$RUN_DIR" bash scripts/telemetry.sh up
  MOCK_S3_RUN_DIR="$RUN_DIR" bash scripts/telemetry.sh env >"$RUN_DIR/telemetry.env"
  load_telemetry_env
}

load_telemetry_env() {
  local line
  while IFS= read -r line; do
    [[ -n "$line" ]] && export "${line?}"
  done <"$RUN_DIR/telemetry.env"
  WITH_TELEMETRY=1
}

# Every process's /metrics, for Prometheus (file_sd, re-read within seconds).
register_metrics_targets() {
  local targets=() i
  for i in 0 1; do targets+=("offline-$((i + 1))=$INTERNAL_HOST:${OFFLINE_PORTS[$i]}"); done
  for i in "${!NODE_PORTS[@]}"; do targets+=("node-$((i + 1))=$INTERNAL_HOST:${NODE_PORTS[$i]}"); done
  [[ "$FRONT_METRICS_PORT" != 0 ]] && targets+=("front=$INTERNAL_HOST:$FRONT_METRICS_PORT")
  bash scripts/telemetry.sh targets stack "${targets[@]}"
  bash scripts/telemetry.sh targets embedded
  log "Prometheus scrapes ${targets[*]}"
}

telemetry_line() {
  if [[ $WITH_TELEMETRY == 1 ]]; then
    echo "OTLP to $OTEL_EXPORTER_OTLP_ENDPOINT; Jaeger $JAEGER_QUERY_URL, Prometheus $PROMETHEUS_URL (npm run telemetry:status)"
  else
    echo "off (npm run stack -- --telemetry)"
  fi
}

# --- stop ---------------------------------------------------------------------------------------
stop() {
  stop_one front 'gateway/front/main'
  local pid
  pid=$(pid_of nginx)
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q nginx "/proc/$pid/comm" 2>/dev/null; then
    log "stopping nginx (pid $pid)"
    "$(NGINX_BIN)" -e "$RUN_DIR/nginx/error.log" -c "$RUN_DIR/nginx/nginx.conf" -s quit 2>/dev/null || kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$RUN_DIR/nginx.pid"
  local i
  for i in 1 2; do stop_one "offline-$i" 'serverless offline'; done
  for i in "${!NODE_PORTS[@]}"; do stop_one "node-$((i + 1))" 'workers/storage-node/main'; done
  # Only what they started themselves (their pid files and markers in RUN_DIR).
  MOCK_S3_RUN_DIR="$RUN_DIR" ETCD_PORT="$ETCD_PORT" bash scripts/etcd-down.sh
  MOCK_S3_RUN_DIR="$RUN_DIR" bash scripts/services-down.sh
  # Prometheus stops scraping what is gone (the telemetry backends keep running: telemetry:down).
  bash scripts/telemetry.sh targets stack
  rm -f "$RUN_DIR/telemetry.env"
  log "stopped"
}

# The ids under /mock-s3/nodes/ in etcd, through its JSON gateway (etcdctl is another package).
registered_nodes() {
  local key end
  key=$(printf '/mock-s3/nodes/' | base64)
  end=$(printf '/mock-s3/nodes0' | base64)
  curl -fsS --max-time 2 -X POST "$1/v3/kv/range" -d "{\"key\":\"$key\",\"range_end\":\"$end\",\"keys_only\":true}" 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const kvs = JSON.parse(s || "{}").kvs ?? [];
      console.log(kvs.map((kv) => Buffer.from(kv.key, "base64").toString().slice(15)).join(" ") || "none");
    });' || echo '(etcd unreachable)'
}

# --- status -------------------------------------------------------------------------------------
status() {
  local failed=0
  # line NAME PIDNAME URL: pid alive and the health URL's answer.
  line() {
    local name=$1 pidname=$2 url=$3 pid state health
    pid=$(pid_of "$pidname")
    if [[ -z "$pidname" ]]; then
      state='(not ours)'
    elif [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      state="pid $pid"
    else
      state='not running'
      failed=1
    fi
    if health=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) && [[ $health == 2* ]]; then
      health="$health ok"
    else
      health="${health:-no answer} FAIL"
      failed=1
    fi
    printf '  %-10s %-14s %-44s %s\n' "$name" "$state" "$url" "$health"
  }
  local env_file="$RUN_DIR/stack.env" etcd_url="http://127.0.0.1:$ETCD_PORT"
  [[ -f "$env_file" ]] && etcd_url=$(sed -n 's/^ETCD_URL=//p' "$env_file")
  echo "stack status (run dir $RUN_DIR)"
  line front front "http://$PUBLIC_HOST:$PORT/"
  line nginx nginx "http://$PUBLIC_HOST:$ADMIN_PORT/health"
  line offline-1 offline-1 "http://$INTERNAL_HOST:${OFFLINE_PORTS[0]}/health"
  line offline-2 offline-2 "http://$INTERNAL_HOST:${OFFLINE_PORTS[1]}/health"
  local i
  for i in "${!NODE_PORTS[@]}"; do
    line "node-$((i + 1))" "node-$((i + 1))" "http://$INTERNAL_HOST:${NODE_PORTS[$i]}/health"
  done
  line etcd "$( [[ -f "$RUN_DIR/etcd-$ETCD_PORT.pid" ]] && echo "etcd-$ETCD_PORT")" "$etcd_url/health"
  local pg redis
  pg=$(pg_isready -h 127.0.0.1 -p "${PG_PORT:-5432}" >/dev/null 2>&1 && echo 'accepting' || echo 'FAIL')
  redis=$(redis-cli -h 127.0.0.1 -p "${REDIS_PORT:-6379}" ping 2>/dev/null || echo 'FAIL')
  printf '  %-10s %-14s %-44s %s\n' postgres "$([[ -f "$RUN_DIR/postgres.started-by-us" ]] && echo started || echo '(not ours)')" \
    "127.0.0.1:${PG_PORT:-5432}" "$pg"
  printf '  %-10s %-14s %-44s %s\n' redis "$([[ -f "$RUN_DIR/redis-${REDIS_PORT:-6379}.pid" ]] && echo "pid $(cat "$RUN_DIR/redis-${REDIS_PORT:-6379}.pid")" || echo '(not ours)')" \
    "127.0.0.1:${REDIS_PORT:-6379}" "$redis"
  [[ $pg == FAIL || $redis == FAIL ]] && failed=1
  echo "  registered storage nodes (etcd /mock-s3/nodes/): $(registered_nodes "$etcd_url")"
  return $failed
}

WITH_TELEMETRY=0
for arg in "${@:2}"; do
  case "$arg" in
  --telemetry) WITH_TELEMETRY=1 ;;
  *)
    echo "unknown option $arg; usage: scripts/stack.sh up [--telemetry] | stop | status" >&2
    exit 2
    ;;
  esac
done

case "${1:-up}" in
up) up ;;
stop) stop ;;
status) status ;;
*)
  echo "usage: scripts/stack.sh up [--telemetry] | stop | status" >&2
  exit 2
  ;;
esac
