#!/usr/bin/env bash
# The one test command (`npm test`): static checks, then unit, integration (real PostgreSQL and
# Redis, started by scripts/services-up.sh) and end-to-end tests (the AWS SDK v3 and aws-cli against
# the embedded server, or against S3_ENDPOINT when it is set). Installs what it needs as root.
# Then stack mode: starts the test stack (scripts/test-stack.sh, its own ports and backends), runs the
# e2e files that take S3_ENDPOINT against it and the reliability tests (tests/stack), and stops it,
# also on failure. The test stack exports to telemetry backends of its own (scripts/telemetry.sh: the
# collector, Jaeger, Prometheus) and tests/telemetry checks what reached them; the collector and
# Jaeger are built once into a cache (scripts/telemetry-build.sh, ~10 minutes on a fresh machine, in
# the background while the first phases run). `npm test -- <jest args>` runs only the first jest
# pass; TEST_STACK=0 skips the stack, TEST_TELEMETRY=0 the telemetry. Prints the wall time of each
# phase and one closing line "N passed, N failed" over all runs.
#
# Node: every phase runs on Node 24 (the runtime the project targets), and the embedded e2e once
# more on Node 22 (the oldest `engines` allows) unless TEST_NODE22=0. Where the machine's Node is
# another major, scripts/node-runtime.sh installs the npm package node@24 / node@22 into a cache
# outside the repository and puts it first on PATH. Each phase prints the Node it runs on.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test] %s\n' "$*" >&2; }

# shellcheck source=scripts/node-runtime.sh
source scripts/node-runtime.sh
node24_bin=$(node_bin_dir 24)
export PATH="$node24_bin:$PATH"

# Per-phase wall time, printed at the end (phase NAME starts one and ends the previous).
timings=()
phase_name=''
phase_started=$SECONDS
phase_end() {
  [[ -n "$phase_name" ]] && timings+=("$(printf '  %4ds  %s' $((SECONDS - phase_started)) "$phase_name")")
  phase_name=''
}
phase() {
  phase_end
  phase_name=$1
  phase_started=$SECONDS
  log "$1 (node $(node --version))"
}

[[ -d node_modules ]] || { log "npm ci"; npm ci --no-audit --no-fund; }

run_stack=0
[[ $# -eq 0 && "${TEST_STACK:-1}" != 0 ]] && run_stack=1
run_telemetry=0
[[ $run_stack == 1 && "${TEST_TELEMETRY:-1}" != 0 ]] && run_telemetry=1
run_node22=0
[[ $# -eq 0 && "${TEST_NODE22:-1}" != 0 ]] && run_node22=1

# Debian packages the suites use: aws-cli for the end-to-end suite (/usr/bin/aws: another `aws` may
# come first on PATH), chromium for the drill report opened in a headless browser (tests/chaos),
# nftables for the real network partition of the stack-mode drills, python3-boto3 for the versioning
# suite driven through boto3 (/usr/bin/python3), prometheus for tests/telemetry
# (here, not in the background build below: two apt-get at once fail on dpkg's lock).
missing=()
[[ -x /usr/bin/aws ]] || missing+=(awscli)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v nft >/dev/null || missing+=(nftables)
/usr/bin/python3 -c 'import boto3' 2>/dev/null || missing+=(python3-boto3)
[[ $run_telemetry == 1 ]] && ! command -v prometheus >/dev/null && missing+=(prometheus)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- jest reports, and what the EXIT trap stops -----------------------------------------------------
results_dir=$(mktemp -d)
status=0
runs=()
stack_started=0
telemetry_build_pid=''
cleanup() {
  if [[ -n "$telemetry_build_pid" ]] && kill -0 "$telemetry_build_pid" 2>/dev/null; then
    log "stopping the telemetry build"
    kill -- "-$telemetry_build_pid" 2>/dev/null || true
  fi
  if [[ $stack_started == 1 ]]; then
    log "stopping the test stack"
    bash scripts/test-stack.sh down >>"$results_dir/test-stack.log" 2>&1 || log "test stack stop failed; see scripts/test-stack.sh down"
  fi
  rm -rf "$results_dir"
}
trap cleanup EXIT

# The Go builds take minutes on a fresh machine (nothing when cached): in their own session, so
# the trap can stop the whole build, while the next phases run.
if [[ $run_telemetry == 1 ]]; then
  log "building the telemetry backends in the background (log: scripts/telemetry-build.sh)"
  setsid bash scripts/telemetry-build.sh >"$results_dir/telemetry-build.out" 2>"$results_dir/telemetry-build.log" &
  telemetry_build_pid=$!
fi

phase "services"
# Each script prints NAME=value lines for what it started; a value already in the environment wins.
for script in scripts/services-up.sh scripts/etcd-up.sh scripts/moto-up.sh; do
  while IFS='=' read -r name value; do
    [[ -n "$name" ]] && export "$name=${!name:-$value}"
  done < <(bash "$script")
done

phase "lint and type-check"
npx biome check .
npx depcruise --config .dependency-cruiser.cjs functions layers shared gateway workers tools
npx tsc -p tsconfig.json --noEmit
# The dashboard page is browser code (DOM types): a program of its own.
npx tsc -p dashboard/tsconfig.json --noEmit

# --- jest: embedded pass, then the test stack -----------------------------------------------------
# jest_run NAME ARGS...: one jest run, its JSON report kept for the closing line.
jest_run() {
  local name=$1
  shift
  runs+=("$name")
  node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile="$results_dir/$name.json" "$@" ||
    status=1
}

# Unit, integration and e2e (an embedded server per file). The stack project is not listed here
# (jest.config.js adds it only with MOCK_S3_TEST_STACK=1).
phase "jest: unit, integration, e2e (embedded)"
# (unset, not empty: the e2e support reads an empty S3_ENDPOINT as "a server named by S3_ENDPOINT")
unset S3_ENDPOINT S3_ADMIN_ENDPOINT MOCK_S3_TEST_STACK
jest_run embedded "$@"

# The embedded e2e once more on the oldest Node `engines` allows: fetch, the HTTP parser and streams
# differ between majors, and embedded mode is what users run with the Node they have.
if [[ $run_node22 == 1 ]]; then
  if node22_bin=$(node_bin_dir 22); then
    PATH="$node22_bin:$PATH" phase "jest: e2e (embedded) on Node 22"
    PATH="$node22_bin:$PATH" jest_run e2e-node22 --selectProjects e2e
  else
    status=1
    runs+=(node22-install)
  fi
fi

# Stack mode (scripts/test-stack.sh: its own ports, PostgreSQL cluster, Redis and etcd). Skipped when
# arguments select tests, or with TEST_STACK=0.
if [[ $run_stack == 1 ]]; then
  stack_options=()
  if [[ $run_telemetry == 1 ]]; then
    phase "telemetry build (waiting for the background build)"
    if wait "$telemetry_build_pid"; then
      stack_options=(--telemetry)
    else
      log "the telemetry build failed; the stack runs without telemetry. Last lines:"
      tail -n 30 "$results_dir/telemetry-build.log" >&2
      status=1
      runs+=(telemetry-build)
    fi
    telemetry_build_pid=''
  fi
  phase "test stack up${stack_options:+ (with telemetry backends)}"
  stack_started=1
  if bash scripts/test-stack.sh up "${stack_options[@]}" 2>"$results_dir/test-stack.log"; then
    stack_env=$(bash scripts/test-stack.sh env)
    s3_endpoint=$(sed -n 's/^S3_ENDPOINT=//p' <<<"$stack_env")
    admin_endpoint=$(sed -n 's/^S3_ADMIN_ENDPOINT=//p' <<<"$stack_env")

    # Telemetry first, on a fresh stack: the reliability tests below kill and restart its parts.
    # The contract of tests/telemetry is in jest.config.js.
    if [[ ${#stack_options[@]} -gt 0 ]]; then
      phase "jest: telemetry on real backends (tests/telemetry)"
      (
        set -a
        # shellcheck source=scripts/test-stack.env
        source scripts/test-stack.env
        set +a
        while IFS= read -r line; do export "${line?}"; done < <(bash scripts/telemetry.sh env)
        MOCK_S3_TEST_TELEMETRY=1 jest_run telemetry --selectProjects telemetry --runInBand
        exit "$status"
      ) || status=1
      runs+=(telemetry)
    fi

    # The same e2e files against the stack. Only the endpoint variables: the files that start their
    # own embedded servers (fault rules are per server, persistence restarts one) ran in the embedded
    # pass and would run the same way again, so they are left out here.
    phase "jest: e2e against the test stack ($s3_endpoint)"
    mapfile -t own_servers < <(grep -rL 'useTarget' tests/e2e --include='*.test.ts')
    S3_ENDPOINT="$s3_endpoint" S3_ADMIN_ENDPOINT="$admin_endpoint" \
      jest_run e2e-stack --selectProjects e2e --testPathIgnorePatterns "${own_servers[@]}"

    # Reliability: kills and restarts parts of the stack, so one file at a time, with every setting of
    # the test stack (the contract is in jest.config.js).
    phase "jest: stack reliability (tests/stack)"
    (
      set -a
      # shellcheck source=scripts/test-stack.env
      source scripts/test-stack.env
      set +a
      jest_run stack --selectProjects stack --runInBand
      exit "$status"
    ) || status=1
    runs+=(stack)
  else
    log "the test stack did not start:"
    tail -n 30 "$results_dir/test-stack.log" >&2
    status=1
    runs+=(test-stack-up)
  fi
  phase "test stack down"
  bash scripts/test-stack.sh down >>"$results_dir/test-stack.log" 2>&1 || log "test stack stop failed"
  stack_started=0
fi
phase_end

log "timings:"
printf '%s\n' "${timings[@]}" >&2
# Each drill test of tests/chaos with its outcome and time (the drills' record in a CI log), then one
# plain closing line that any CI can read: the counts of every jest run (a run without a report
# counts as one failure).
node -e '
  const fs = require("fs");
  const [dir, ...names] = process.argv.slice(1);
  let passed = 0, failed = 0;
  const drills = [];
  for (const name of [...new Set(names)]) {
    try {
      const r = JSON.parse(fs.readFileSync(`${dir}/${name}.json`, "utf8"));
      passed += r.numPassedTests;
      failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
      for (const file of r.testResults.filter((t) => t.name.includes("/tests/chaos/"))) {
        for (const test of file.assertionResults) {
          drills.push(`  ${test.status.padEnd(7)} ${((test.duration ?? 0) / 1000).toFixed(1).padStart(5)}s  ${test.fullName}`);
        }
      }
    } catch {
      failed += 1;
    }
  }
  if (drills.length > 0) console.error(`[test] drills (tests/chaos):\n${drills.join("\n")}`);
  console.log(`${passed} passed, ${failed} failed`);
' "$results_dir" "${runs[@]}" || true
exit "$status"
