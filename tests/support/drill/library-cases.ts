import { expect } from '@jest/globals';
import type { DrillResult } from '../../../tools/drill/types.js';
import type { FaultTarget } from '../e2e/faults.js';
import { errorsOf, secondsIn } from './run-drill.js';

/** CI runs the library at this scale of its timeline: a 40 s drill takes 8 s. */
export const CI_TIME_SCALE = 0.2;

/**
 * Each drill test's own timeout: jest reads `testTimeout` from the root config only (the chaos
 * project's 180 s is not applied), and a drill with its server's checks is longer than that 30 s.
 */
export const DRILL_TEST_TIMEOUT_MS = 120_000;

/** One drill of `drills/`, the verdict it must reach and the numbers that show its point. */
export interface LibraryCase {
  readonly file: string;
  readonly exitCode: 0 | 1;
  /** Assertions on the result (and the server after it) beyond the verdict: what the drill says it shows. */
  readonly shows?: (result: DrillResult, server?: FaultTarget) => void | Promise<void>;
}

function fired(result: DrillResult, type: string): number {
  return result.firings.filter((f) => f.type === type).reduce((sum, f) => sum + f.count, 0);
}

function noViolations(result: DrillResult): void {
  expect(result.integrity?.violations ?? []).toEqual([]);
  expect(result.integrity?.acknowledgedWrites ?? 0).toBeGreaterThan(0);
}

function retries(result: DrillResult): number {
  return result.operations.reduce((sum, row) => sum + row.retries, 0);
}

/** The drills every mode can run, grouped by the chaos test file that runs them. */
export const EMBEDDED_CASES = {
  consistency: [
    {
      file: 'read-after-write-miss.yaml',
      exitCode: 0,
      shows: (result) => {
        expect(errorsOf(secondsIn(result, 'during'), 'NoSuchKey')).toBeGreaterThan(0);
        expect(errorsOf(secondsIn(result, 'after'), 'NoSuchKey')).toBe(0);
        expect(fired(result, 'read_after_write_miss')).toBeGreaterThan(0);
        noViolations(result);
      },
    },
    {
      file: 'list-lag.yaml',
      exitCode: 0,
      shows: (result) => {
        expect(fired(result, 'list_lag')).toBeGreaterThan(0);
        noViolations(result);
      },
    },
    {
      file: 'stale-read.yaml',
      exitCode: 0,
      shows: (result) => {
        expect(fired(result, 'stale_read')).toBeGreaterThan(0);
        noViolations(result);
      },
    },
  ],
  nodes: [
    {
      file: 'node-down.yaml',
      exitCode: 0,
      shows: (result) => {
        expect(fired(result, 'node_down')).toBeGreaterThan(0);
        noViolations(result);
      },
    },
    {
      file: 'queue-backlog.yaml',
      exitCode: 0,
      shows: (result) => {
        const pending = result.serverSeries.queuePending;
        // The backlog grew past the probe's bound during the fault, and drained by the end.
        expect(Math.max(...pending.map((s) => s.value))).toBeGreaterThan(20);
        expect(pending[pending.length - 1]?.value).toBeLessThanOrEqual(20);
      },
    },
  ],
  metadata: [
    {
      file: 'slow-database.yaml',
      exitCode: 0,
      shows: (result) => expect(fired(result, 'db_latency')).toBeGreaterThan(0),
    },
    {
      file: 'failing-database.yaml',
      exitCode: 0,
      shows: (result) => {
        expect(fired(result, 'db_error')).toBeGreaterThan(0);
        expect(retries(result)).toBeGreaterThan(0);
        noViolations(result);
      },
    },
    {
      file: 'cache-loss.yaml',
      exitCode: 0,
      shows: (result) => {
        expect(fired(result, 'cache_miss')).toBeGreaterThan(0);
        noViolations(result);
      },
    },
  ],
  client: [
    {
      file: 'throttling-storm.yaml',
      exitCode: 0,
      shows: (result) => {
        expect(errorsOf(secondsIn(result, 'before'), 'SlowDown')).toBe(0);
        expect(fired(result, 's3_error')).toBeGreaterThan(0);
        // The SDK's backoff at work: retries in the report, most SlowDowns never reach the app.
        expect(retries(result)).toBeGreaterThan(errorsOf(result.series, 'SlowDown'));
      },
    },
    {
      file: 'flaky-network.yaml',
      exitCode: 0,
      shows: (result) => {
        expect(result.firings.reduce((sum, f) => sum + f.count, 0)).toBeGreaterThan(0);
        noViolations(result);
      },
    },
  ],
  origin: [
    {
      file: 'origin-failure.yaml',
      exitCode: 0,
      shows: async (result, server) => {
        expect(result.load.origin).toEqual({ bucket: `${result.load.bucket}-origin`, keys: 2000 });
        // Each misbehaviour happened, at the origin's fault points.
        expect(fired(result, 'latency')).toBeGreaterThan(0);
        expect(fired(result, 'dirty')).toBeGreaterThan(0);
        expect(fired(result, 'origin_unavailable')).toBeGreaterThan(0);
        // The outage answered 503 (retryable), never 404: the objects may exist.
        expect(errorsOf(secondsIn(result, 'during'), 'ServiceUnavailable')).toBeGreaterThan(0);
        expect(errorsOf(result.series, 'NoSuchKey')).toBe(0);
        // Dirty answers were refused and retried: the SDK absorbed them.
        expect(retries(result)).toBeGreaterThan(0);
        // No wrong bytes served or cached, no client PUT overwritten by a write-back.
        noViolations(result);
        expect(result.integrity?.readsChecked ?? 0).toBeGreaterThan(100);
        // The reads went to the origin (the server's own count), and the origin is detached after.
        if (server === undefined) throw new Error('origin-failure is checked against its embedded server');
        const metrics = await (await fetch(`${server.adminEndpoint}/metrics`)).text();
        const fetched = new RegExp(
          `^origin_requests_total\\{[^}]*bucket="${result.load.bucket}"[^}]*result="fetched"[^}]*\\} (\\d+)`,
          'm',
        ).exec(metrics);
        expect(Number(fetched?.[1] ?? 0)).toBeGreaterThan(100);
        const origins = await fetch(`${server.adminEndpoint}/api/v1/origins/${result.load.bucket}`);
        expect(origins.status).toBe(404);
      },
    },
  ],
} as const satisfies Record<string, readonly LibraryCase[]>;

/** The drills that need stack mode (tests/chaos/stack). */
export const STACK_CASES: readonly LibraryCase[] = [
  {
    file: 'node-kill.yaml',
    exitCode: 0,
    shows: (result) => {
      expect(result.steps.map((s) => s.ok)).toEqual([true, true]);
      noViolations(result);
    },
  },
  {
    file: 'network-isolation.yaml',
    exitCode: 0,
    shows: (result) => {
      expect(result.steps.map((s) => s.ok)).toEqual([true, true]);
      noViolations(result);
    },
  },
];
