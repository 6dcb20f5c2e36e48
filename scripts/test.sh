#!/usr/bin/env bash
# The one test command (`npm test`): static checks, then unit, integration (real PostgreSQL and
# Redis, started by scripts/services-up.sh) and end-to-end tests (the AWS SDK v3 and aws-cli against
# the embedded server, or against S3_ENDPOINT when it is set). Installs what it needs as root.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test] %s\n' "$*" >&2; }

[[ -d node_modules ]] || { log "npm ci"; npm ci --no-audit --no-fund; }

# aws-cli for the end-to-end suite: Debian's, at /usr/bin/aws (another `aws` may come first on PATH).
if [[ ! -x /usr/bin/aws ]]; then
  log "installing awscli"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends awscli >/dev/null
fi

log "services"
# Each script prints NAME=value lines for what it started; a value already in the environment wins.
for script in scripts/services-up.sh scripts/etcd-up.sh; do
  while IFS='=' read -r name value; do
    [[ -n "$name" ]] && export "$name=${!name:-$value}"
  done < <(bash "$script")
done

log "lint and type-check"
npx biome check .
npx depcruise --config .dependency-cruiser.cjs functions layers shared gateway workers
npx tsc -p tsconfig.json --noEmit

results=$(mktemp)
status=0
node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile="$results" "$@" || status=$?
# One plain closing line that any CI can read.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed`);
' "$results" || true
rm -f "$results"
exit "$status"
