#!/usr/bin/env bash
# Builds the telemetry backends of `npm run telemetry` once and reuses them (scripts/telemetry.sh):
#   - the OpenTelemetry Collector, with the Collector Builder from infrastructure/telemetry/otelcol-builder.yaml
#   - Jaeger v2 (github.com/jaegertracing/jaeger/cmd/jaeger), one Go build
# into ${XDG_CACHE_HOME:-$HOME/.cache}/mock-s3-storage/telemetry/<key>/, key = hash of the manifest,
# the versions and this script's build steps: a changed manifest builds again, an unchanged one is
# reused. Prometheus is Debian's package (installed here when missing, as root).
#
# Prints NAME=path lines on stdout (OTELCOL_BIN, JAEGER_BIN, PROMETHEUS_BIN); progress on stderr.
# Each Go build takes ~4-6 minutes and up to ~2.3 GB of memory on a cold machine, so they run one
# after the other, never together. Environment: MOCK_S3_TELEMETRY_CACHE (the cache directory).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILDER_VERSION=v0.148.0
JAEGER_VERSION=v1.75.0
# The collector builder and Jaeger v1.75.0 declare go 1.25.
GO_MIN_MINOR=25
MANIFEST="$ROOT/infrastructure/telemetry/otelcol-builder.yaml"

log() { printf '[telemetry-build] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

CACHE="${MOCK_S3_TELEMETRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mock-s3-storage/telemetry}"
KEY=$( (cat "$MANIFEST"; echo "$BUILDER_VERSION $JAEGER_VERSION"; sed -n '/^# --- build steps/,$p' "${BASH_SOURCE[0]}") |
  sha256sum | cut -c1-16)
DIR="$CACHE/$KEY"
OTELCOL_BIN="$DIR/otelcol-mock-s3"
JAEGER_BIN="$DIR/jaeger"

need_go() {
  command -v go >/dev/null 2>&1 ||
    die "go is not installed: the collector and Jaeger are built from Go modules (Go >= 1.$GO_MIN_MINOR, https://go.dev/dl/; Debian's golang package is older)"
  local version minor
  version=$(go env GOVERSION)
  minor=$(sed -n 's/^go1\.\([0-9]*\).*/\1/p' <<<"$version")
  [[ -n "$minor" && "$minor" -ge "$GO_MIN_MINOR" ]] ||
    die "$version is too old: the collector builder $BUILDER_VERSION and Jaeger $JAEGER_VERSION need Go >= 1.$GO_MIN_MINOR (https://go.dev/dl/)"
}

ensure_prometheus() {
  if command -v prometheus >/dev/null 2>&1; then return 0; fi
  [[ $(id -u) -eq 0 ]] || die "prometheus is not installed; run as root or install the Debian package prometheus"
  log "installing prometheus (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # No recommends: the node exporter would be one more daemon nobody asked for.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
}

# --- build steps (part of the cache key) -------------------------------------------------------------
build_collector() {
  local work="$DIR/collector-src"
  rm -rf "$work"
  mkdir -p "$work"
  log "installing the collector builder $BUILDER_VERSION"
  GOBIN="$DIR/bin" go install "go.opentelemetry.io/collector/cmd/builder@$BUILDER_VERSION"
  cp "$MANIFEST" "$work/otelcol-builder.yaml"
  log "building the collector (infrastructure/telemetry/otelcol-builder.yaml); a few minutes"
  # output_path in the manifest is relative to the working directory.
  (cd "$work" && "$DIR/bin/builder" --config otelcol-builder.yaml)
  mv "$work/otelcol-mock-s3/otelcol-mock-s3" "$OTELCOL_BIN.tmp"
  mv "$OTELCOL_BIN.tmp" "$OTELCOL_BIN"
  rm -rf "$work"
}

build_jaeger() {
  local work="$DIR/jaeger-src"
  rm -rf "$work"
  mkdir -p "$work"
  log "building Jaeger $JAEGER_VERSION (github.com/jaegertracing/jaeger/cmd/jaeger); a few minutes"
  (
    cd "$work"
    go mod init mock-s3-storage/telemetry-jaeger >/dev/null 2>&1
    go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION"
    go build -o "$JAEGER_BIN.tmp" github.com/jaegertracing/jaeger/cmd/jaeger
  )
  mv "$JAEGER_BIN.tmp" "$JAEGER_BIN"
  rm -rf "$work"
}

main() {
  mkdir -p "$DIR"
  # One build at a time per cache (scripts/test.sh starts this in the background; a user may too).
  exec 9>"$CACHE/.lock"
  flock 9
  if [[ -x "$OTELCOL_BIN" && -x "$JAEGER_BIN" ]]; then
    log "reusing $DIR"
  else
    need_go
    local started=$SECONDS
    [[ -x "$OTELCOL_BIN" ]] || build_collector
    log "collector ready after $((SECONDS - started))s"
    [[ -x "$JAEGER_BIN" ]] || build_jaeger
    log "built in $((SECONDS - started))s: $DIR"
  fi
  ensure_prometheus
  printf 'OTELCOL_BIN=%s\nJAEGER_BIN=%s\nPROMETHEUS_BIN=%s\n' "$OTELCOL_BIN" "$JAEGER_BIN" "$(command -v prometheus)"
}

main "$@"
