// ESM TypeScript under jest: run as `node --experimental-vm-modules node_modules/jest/bin/jest.js`.
//
// Projects: unit, integration, e2e (embedded server per file, or S3_ENDPOINT), and stack.
//
// `stack` (tests/stack/**/*.test.ts) drives a running stack-mode deployment and kills and restarts
// its parts, so it exists only when MOCK_S3_TEST_STACK=1: scripts/test.sh starts the test stack
// (scripts/test-stack.sh) and runs it with every variable of scripts/test-stack.env exported. By hand:
//   bash scripts/test-stack.sh up
//   set -a; source scripts/test-stack.env; set +a
//   node --experimental-vm-modules node_modules/jest/bin/jest.js tests/stack --selectProjects stack
//   bash scripts/test-stack.sh down
// The contract a file in tests/stack may rely on (all set by scripts/test-stack.env; helpers in
// tests/support/stack/):
//   S3_ENDPOINT, S3_ADMIN_ENDPOINT   the front (S3) and nginx (control plane /api/v1/, /health)
//   MOCK_S3_RUN_DIR                  pid files (<part>.pid), logs, stack.env (DATABASE_URL, REDIS_URL, ETCD_URL)
//   STACK_DATA_DIR                   node data under nodes/node-N/blobs/xx/<blobId>
//   STACK_OFFLINE_PORTS              the two serverless-offline ports ("3101 3102"), pids offline-1/2
//   STACK_NODE_PORTS                 the three storage-node ports ("7201 7202 7203"), pids node-1..3
//   PG_VERSION, PG_CLUSTER, PG_PORT  the stack's own PostgreSQL cluster (tests may restart it)
//   REDIS_PORT                       the stack's own Redis (tests may restart it)
//   ETCD_PORT, REPLICATION_FACTOR, RECONCILE_INTERVAL_MS, ORPHAN_GRACE_MS, NODE_LEASE_TTL_SECONDS
// Files in tests/stack run one at a time (`--runInBand` in test.sh): they share one stack.
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  // PGlite starts in a few seconds, longer on a loaded 2-core machine.
  testTimeout: 30_000,
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, isolatedModules: true }] },
};

const stackProject = {
  ...common,
  displayName: 'stack',
  // The stack-mode drills (tests/chaos/stack) run here too: they kill and partition the same stack.
  testMatch: ['<rootDir>/tests/stack/**/*.test.ts', '<rootDir>/tests/chaos/stack/**/*.test.ts'],
  // Kill, restart and wait for repair take minutes: the files that do set jest.setTimeout (a
  // testTimeout here would not apply: jest reads only the root one, jestjs/jest#9759).
};

export default {
  testTimeout: 30_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/tests/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/integration/global-setup.ts',
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'] },
    // Drills (tests/chaos): the drill library run against an embedded server per file, verdicts
    // asserted; the stack-mode drills are in tests/chaos/stack (the stack project).
    {
      ...common,
      displayName: 'chaos',
      // Each file sets jest.setTimeout itself (drills run for seconds): jest does not apply a
      // testTimeout given inside a project (jestjs/jest#9759), only the root one.
      testMatch: ['<rootDir>/tests/chaos/*.test.ts'],
    },
    // Headless Chromium (Debian's chromium, puppeteer-core) against an embedded server per file:
    // the dashboard, and S3 from a web page (a form POST upload, cross-origin fetch under CORS).
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/tests/browser/**/*.test.ts'] },
    ...(process.env.MOCK_S3_TEST_STACK === '1' ? [stackProject] : []),
    // Telemetry on real backends (the collector, Jaeger, Prometheus of scripts/telemetry.sh) with the
    // test stack exporting to them: only when scripts/test.sh started both (MOCK_S3_TEST_TELEMETRY=1).
    // A file there may rely on the variables of the stack project plus `scripts/telemetry.sh env`:
    // JAEGER_QUERY_URL, PROMETHEUS_URL, TELEMETRY_RUN_DIR (collector/*.jsonl); helpers in
    // tests/support/telemetry/. By hand: `bash scripts/test-stack.sh up --telemetry`, then as test.sh.
    ...(process.env.MOCK_S3_TEST_TELEMETRY === '1'
      ? [{ ...common, displayName: 'telemetry', testMatch: ['<rootDir>/tests/telemetry/**/*.test.ts'] }]
      : []),
  ],
};
