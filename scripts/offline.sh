#!/usr/bin/env bash
# Starts one serverless-offline instance (stack mode's API Gateway emulator) on PORT, in the
# foreground, hosting every function of serverless.yml from the esbuild bundles in .esbuild/.
#
#   scripts/offline.sh PORT
#
# Environment (besides the service's own, shared/config/env.ts, passed through to the handlers):
#   HOST            bind address (127.0.0.1)
#   LAMBDA_PORT     serverless-offline's Lambda invoke API; must differ per instance (PORT + 1000)
#   MAX_BODY_BYTES  request body cap, larger bodies get S3 EntityTooLarge (128 MiB)
#   SKIP_BUILD=1    reuse the existing bundles (a second instance, a test that built them)
#   MOCK_S3_BUNDLE_DIR  where the bundles are (.esbuild; serverless.yml reads it too)
# See docs/serverless-offline.md for the flags and the patch they rely on.
set -euo pipefail

PORT="${1:-${PORT:-}}"
[[ "$PORT" =~ ^[0-9]+$ ]] || { echo "usage: scripts/offline.sh PORT" >&2; exit 2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

HOST="${HOST:-127.0.0.1}"
LAMBDA_PORT="${LAMBDA_PORT:-$((PORT + 1000))}"
export MAX_BODY_BYTES="${MAX_BODY_BYTES:-134217728}"
# osls (installed as `serverless`: serverless-offline's peer) must not phone home: these machines
# have no network.
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SLS_DEPRECATION_DISABLE='*'
# serverless-offline's own log level. At `notice` it writes two lines per request ("GET /b/k
# (λ: s3Api)", "RequestId ... Duration"), synchronously: ~10% of an instance's CPU per GET.
# STACK_OFFLINE_LOG_LEVEL=notice brings them back.
export SLS_LOG_LEVEL="${STACK_OFFLINE_LOG_LEVEL:-warning}"
# The handlers read PORT as "the S3 port"; in stack mode that is the instance's own port.
export PORT HOST

if ! grep -q 'mock-s3' node_modules/serverless-offline/src/events/http/s3Compat.js 2>/dev/null; then
  echo "[offline] serverless-offline is not patched; run: npx patch-package" >&2
  exit 1
fi

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  node scripts/build.mjs --outdir "${MOCK_S3_BUNDLE_DIR:-.esbuild}"
fi

echo "[offline] serverless-offline on http://$HOST:$PORT (lambda invoke port $LAMBDA_PORT," \
  "max body $MAX_BODY_BYTES bytes, in-process, no timeout)" >&2
# --useInProcess and --noTimeout are also in serverless.yml (custom.serverless-offline, with the
# bundle location, which has no command-line flag);
# repeated here so the command line says how the instance runs.
exec node node_modules/.bin/serverless offline start \
  --host "$HOST" --httpPort "$PORT" --lambdaPort "$LAMBDA_PORT" \
  --useInProcess --noTimeout --noPrependStageInUrl --noAuth
