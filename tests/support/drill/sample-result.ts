/**
 * A realistic drill result for report tests (and anyone who needs a DrillResult): a 60-second drill
 * of 16 closed-loop SDK clients where a SlowDown storm on PutObject runs from 10 s to 40 s, node-2 is
 * killed at 20 s, and the drill's rules are cleared at 40 s. The error_rate probe (judged `during`)
 * is violated and the integrity check found two violations (one lost write, one resurrected delete),
 * so the verdict is `failed`. Typed against DrillResult: a change of the contract breaks it loudly.
 * Every number is computed, not random, so a test can rely on them.
 */

import type {
  DrillResult,
  FiringSummary,
  IntegrityReport,
  ProbeResult,
  StepRecord,
} from '../../../tools/drill/types.js';
import type { LatencySummary, SecondSample } from '../../../tools/load/types.js';

const DURATION_MS = 60_000;
const STORM = { fromS: 10, toS: 40 } as const;
const NODE_KILLED_S = 20;

const DRILL_FILE = `name: slowdown-storm-node-loss
description: a SlowDown storm on PutObject, then node-2 killed, while 16 SDK clients write and read
seed: 42
load:
  duration: 60s
  concurrency: 16
  keys: 2000
  size: 1KiB..64KiB
  mix: { put: 40, get: 50, list: 5, delete: 5 }
  client: sdk
  bucket: drill-{run}
steady_state:
  - probe: error_rate
    max: 0.05
    during: true
  - probe: latency_p99
    max: 250ms
  - probe: queue_pending
    max: 500
  - probe: integrity
method:
  - at: 10s
    rules:
      - { match: { operation: PutObject }, fault: { type: s3_error, code: SlowDown }, rate: 0.6 }
  - at: 20s
    action: kill_node
    node: node-2
  - at: 40s
    action: clear
recovery: 20s
rollback: always
`;

function latencyAt(t: number): LatencySummary {
  // The storm makes the SDK back off and retry: latency climbs while it lasts, more once the node is gone.
  const storm = t >= STORM.fromS && t < STORM.toS;
  const nodeLost = t >= NODE_KILLED_S && t < STORM.toS;
  const p50 = 8 + (t % 3) + (storm ? 30 : 0) + (nodeLost ? 15 : 0);
  return {
    p50,
    p95: p50 * 3 + 4,
    p99: p50 * 5 + 10 + (storm ? (t - STORM.fromS) * 4 : 0),
    max: p50 * 8 + 25 + (storm ? 180 : 0),
  };
}

function secondAt(t: number): SecondSample {
  const storm = t >= STORM.fromS && t < STORM.toS;
  const nodeLost = t >= NODE_KILLED_S && t < STORM.toS;
  const ops = t === 0 ? 180 : storm ? 300 - (nodeLost ? 40 : 0) : 400 + (t % 5) * 6;
  const slowDown = storm ? 80 + (t % 4) * 5 : 0;
  const internal = nodeLost ? 6 + (t % 3) : 0;
  const reset = t === NODE_KILLED_S ? 4 : 0;
  const errorsByCode: Record<string, number> = {};
  if (slowDown > 0) errorsByCode.SlowDown = slowDown;
  if (internal > 0) errorsByCode.InternalError = internal;
  if (reset > 0) errorsByCode.ECONNRESET = reset;
  return {
    t,
    ops,
    errors: slowDown + internal + reset,
    errorsByCode,
    latency: latencyAt(t),
    retries: storm ? slowDown * 2 : 0,
    inFlight: 16,
  };
}

const SERIES: readonly SecondSample[] = Array.from({ length: DURATION_MS / 1000 }, (_, t) => secondAt(t));

const STEPS: readonly StepRecord[] = [
  {
    index: 0,
    atMs: 10_000,
    appliedAtMs: 10_012,
    action: 'rules',
    label: 'rules: PutObject s3_error SlowDown 60%',
    ok: true,
    detail: '1 rule (id r-7f3a)',
  },
  {
    index: 1,
    atMs: 20_000,
    appliedAtMs: 20_031,
    action: 'kill_node',
    label: 'kill_node node-2',
    ok: true,
    detail: 'node-2 SIGKILL (pid 4411)',
  },
  {
    index: 2,
    atMs: 40_000,
    appliedAtMs: 40_008,
    action: 'clear',
    label: 'clear',
    ok: true,
    detail: 'removed 1 rule (r-7f3a)',
  },
];

const PROBES: readonly ProbeResult[] = [
  {
    spec: { probe: 'error_rate', max: 0.05, during: true },
    label: 'error_rate <= 0.05',
    ok: false,
    windows: [
      { window: 'before', value: 0, threshold: 0.05, ok: true, detail: '0 of 2902 operations failed' },
      {
        window: 'during',
        value: 0.3389,
        threshold: 0.05,
        ok: false,
        detail: '0.3389 > 0.05 (2779 of 8200 operations)',
        violatedAtMs: 10_412,
      },
      { window: 'after', value: 0, threshold: 0.05, ok: true, detail: '0 of 8240 operations failed' },
    ],
  },
  {
    spec: { probe: 'latency_p99', max: 250, during: false },
    label: 'latency_p99 <= 250ms',
    ok: true,
    windows: [
      { window: 'before', value: 60, threshold: 250, ok: true, detail: 'p99 60ms over 2902 operations' },
      { window: 'after', value: 60, threshold: 250, ok: true, detail: 'p99 60ms over 8240 operations' },
    ],
  },
  {
    spec: { probe: 'queue_pending', max: 500, during: false },
    label: 'queue_pending <= 500',
    ok: true,
    windows: [
      { window: 'before', value: 3, threshold: 500, ok: true, detail: 'at most 3 pending' },
      { window: 'after', value: 12, threshold: 500, ok: true, detail: 'last sample 12 pending' },
    ],
  },
  {
    spec: { probe: 'integrity' },
    label: 'integrity',
    ok: false,
    windows: [
      {
        window: 'after',
        value: 2,
        threshold: 0,
        ok: false,
        detail: '2 violations (1 lost, 1 resurrected) over 1873 keys',
        violatedAtMs: 21_840,
      },
    ],
  },
];

const INTEGRITY: IntegrityReport = {
  keysChecked: 1873,
  acknowledgedWrites: 7712,
  acknowledgedDeletes: 951,
  readsChecked: 9610,
  violations: [
    {
      kind: 'lost',
      key: 'r-20261207-0000-a1b2/k1042',
      detail: 'acknowledged 3f2a9c… at 21.84s, read back: 404 NoSuchKey',
      requestIds: ['req-00a1', 'req-93f0'],
      rules: [],
      atMs: 21_840,
    },
    {
      kind: 'resurrected',
      key: 'r-20261207-0000-a1b2/k77',
      detail: 'acknowledged deleted at 33.10s, still readable after recovery (sha 9b1e04…)',
      requestIds: ['req-51c2', 'req-93f7'],
      rules: ['r-7f3a'],
      atMs: 33_100,
    },
  ],
  unverifiable: ['r-20261207-0000-a1b2/k1999'],
};

const FIRINGS: readonly FiringSummary[] = [
  {
    ruleId: 'r-7f3a',
    point: 's3.request',
    type: 's3_error',
    count: 7905,
    firstAtMs: 10_019,
    lastAtMs: 39_994,
  },
];

/** Sampled once a second, 250 ms into it; `t` is ms from the start of load, as the queue sampler records it. */
const QUEUE_PENDING: readonly { t: number; value: number }[] = SERIES.map(({ t }) => ({
  t: t * 1000 + 250,
  // Node loss delays replica repair tasks: the backlog grows while node-2 is down, then drains.
  value:
    t < NODE_KILLED_S ? 3 : t < STORM.toS ? 3 + (t - NODE_KILLED_S) * 14 : Math.max(12, 283 - (t - 40) * 18),
}));

/** A realistic failed 60-second drill result; `overrides` replace top-level fields. */
export function sampleDrillResult(overrides: Partial<DrillResult> = {}): DrillResult {
  const result: DrillResult = {
    schema: 'mock-s3/drill-result@1',
    name: 'slowdown-storm-node-loss',
    description: 'a SlowDown storm on PutObject, then node-2 killed, while 16 SDK clients write and read',
    verdict: 'failed',
    exitCode: 1,
    reason:
      'error_rate during: 0.3389 > 0.05 (2779 of 8200 operations), first at 10.41s; integrity: 2 violations (1 lost, 1 resurrected)',
    runId: 'r-20261207-0000-a1b2',
    seed: 42,
    startedAt: '2026-12-07T00:00:00.000Z',
    endedAt: '2026-12-07T00:01:01.250Z',
    target: 'http://127.0.0.1:8080',
    admin: 'http://127.0.0.1:9000',
    mode: 'embedded',
    client: 'sdk',
    loop: { kind: 'closed', concurrency: 16 },
    load: {
      durationMs: DURATION_MS,
      elapsedMs: 60_180,
      keys: 2000,
      size: { min: 1024, max: 65_536 },
      mix: { put: 40, get: 50, list: 5, delete: 5 },
      bucket: 'drill-r-20261207-0000-a1b2',
      keyPrefix: 'r-20261207-0000-a1b2/',
    },
    command:
      'mock-s3 drill run drills/slowdown-storm-node-loss.yaml --target http://127.0.0.1:8080 --admin http://127.0.0.1:9000',
    versions: { mockS3: '0.1.0', node: 'v20.19.0', awsSdk: '3.1178.0' },
    windows: [
      { name: 'warmup', fromMs: 0, toMs: 3000 },
      { name: 'before', fromMs: 3000, toMs: 10_000 },
      { name: 'during', fromMs: 10_000, toMs: 40_000 },
      { name: 'after', fromMs: 40_000, toMs: 60_180 },
    ],
    steps: STEPS,
    faultWindows: [
      { fromMs: 10_012, toMs: 40_008, label: 'rules: PutObject s3_error SlowDown 60%' },
      { fromMs: 20_031, toMs: 60_180, label: 'kill_node node-2' },
    ],
    series: SERIES,
    serverSeries: { queuePending: QUEUE_PENDING },
    operations: [
      {
        operation: 'put',
        ops: 8136,
        errors: 2697,
        errorRate: 0.3315,
        retries: 5270,
        latency: { p50: 31, p95: 140, p99: 210, max: 612 },
      },
      {
        operation: 'get',
        ops: 10_170,
        errors: 71,
        errorRate: 0.007,
        retries: 0,
        latency: { p50: 9, p95: 38, p99: 71, max: 240 },
      },
      {
        operation: 'list',
        ops: 1017,
        errors: 5,
        errorRate: 0.0049,
        retries: 0,
        latency: { p50: 14, p95: 52, p99: 90, max: 190 },
      },
      {
        operation: 'delete',
        ops: 1017,
        errors: 6,
        errorRate: 0.0059,
        retries: 0,
        latency: { p50: 7, p95: 30, p99: 55, max: 160 },
      },
    ],
    probes: PROBES,
    integrity: INTEGRITY,
    firings: FIRINGS,
    rollback: ['removed 0 rules (none left)', 'started node-2 (pid 4502)'],
    drillFile: DRILL_FILE,
  };
  return { ...result, ...overrides };
}
