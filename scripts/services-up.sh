#!/usr/bin/env bash
# Installs (if missing) and starts the real PostgreSQL and Redis used by integration tests.
# Idempotent: running it twice leaves one PostgreSQL cluster and one Redis running.
# Works as root on Debian 12. Ports and run dir can be overridden:
#   PG_PORT (5432), REDIS_PORT (6379), PG_VERSION (15), DB_NAME (mocks3_test),
#   MOCK_S3_RUN_DIR (/tmp/mock-s3-services)
# Prints the env lines DATABASE_URL=... and REDIS_URL=... at the end.
set -euo pipefail

PG_VERSION="${PG_VERSION:-15}"
PG_CLUSTER="${PG_CLUSTER:-main}"
PG_PORT="${PG_PORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
RUN_DIR="${MOCK_S3_RUN_DIR:-/tmp/mock-s3-services}"
DB_ROLE=mocks3
DB_PASSWORD=mocks3
DB_NAME="${DB_NAME:-mocks3_test}"

log() { printf '[services-up] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

mkdir -p "$RUN_DIR"
# The postgres user runs psql from here; it must be able to enter the working directory.
cd /

# --- packages -------------------------------------------------------------------------------
apt_updated=0
ensure_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing packages (${missing[*]}); run as root or install them"
  if [[ $apt_updated -eq 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_packages postgresql redis-server redis-tools

as_postgres() { runuser -u postgres -- "$@"; }
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres -tA "$@"; }

# --- PostgreSQL -----------------------------------------------------------------------------
if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {found=1} END {exit !found}'; then
  log "creating PostgreSQL $PG_VERSION cluster $PG_CLUSTER on port $PG_PORT"
  pg_createcluster "$PG_VERSION" "$PG_CLUSTER" --port "$PG_PORT" >/dev/null
fi

cluster_port=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $3}')
cluster_status=$(pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}')

if [[ "$cluster_port" != "$PG_PORT" ]]; then
  if [[ "$cluster_status" == online* ]]; then
    die "cluster $PG_VERSION/$PG_CLUSTER is running on port $cluster_port, not $PG_PORT; stop it or set PG_PORT=$cluster_port"
  fi
  log "setting cluster $PG_VERSION/$PG_CLUSTER port to $PG_PORT"
  pg_conftool "$PG_VERSION" "$PG_CLUSTER" set port "$PG_PORT"
fi

if [[ "$cluster_status" == online* ]]; then
  log "PostgreSQL $PG_VERSION/$PG_CLUSTER already running on port $PG_PORT"
else
  log "starting PostgreSQL $PG_VERSION/$PG_CLUSTER on port $PG_PORT"
  # Another run may have started it between the check and here: "already running" is fine.
  if ! out=$(pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start 2>&1); then
    grep -qi 'already running' <<<"$out" || die "pg_ctlcluster failed: $out"
  fi
  touch "$RUN_DIR/postgres.started-by-us"
fi

log "waiting for PostgreSQL"
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL does not answer on 127.0.0.1:$PG_PORT"

log "ensuring role $DB_ROLE and database $DB_NAME"
psql_admin <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_ROLE') THEN
    CREATE ROLE $DB_ROLE LOGIN PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_ROLE LOGIN PASSWORD '$DB_PASSWORD';
  END IF;
END
\$\$;
SQL
if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]]; then
  psql_admin -c "CREATE DATABASE $DB_NAME OWNER $DB_ROLE ENCODING 'UTF8' TEMPLATE template0"
fi

# --- Redis ----------------------------------------------------------------------------------
if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  log "Redis already answering on 127.0.0.1:$REDIS_PORT"
else
  log "starting redis-server on 127.0.0.1:$REDIS_PORT (no persistence)"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --pidfile "$RUN_DIR/redis-$REDIS_PORT.pid" \
    --logfile "$RUN_DIR/redis-$REDIS_PORT.log" --dir "$RUN_DIR"
fi

log "waiting for Redis"
for _ in $(seq 1 60); do
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
  sleep 0.2
done
redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG ||
  die "Redis does not answer on 127.0.0.1:$REDIS_PORT (log: $RUN_DIR/redis-$REDIS_PORT.log)"

log "ready"
echo "DATABASE_URL=postgres://$DB_ROLE:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME"
echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
