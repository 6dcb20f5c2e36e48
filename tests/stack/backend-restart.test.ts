import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { s3Client, type Target, useTarget } from '../support/e2e/server.js';
import { startPostgres, startRedis, stopPostgres, stopRedis } from '../support/stack/backends.js';
import { type Load, type LoadOutcome, startLoad, unreadable } from '../support/stack/load.js';
import { isAlive, pidOf, stackUp } from '../support/stack/processes.js';
import { type StackEnv, stackEnv } from '../support/stack/stack-env.js';

jest.setTimeout(300_000);

/** The client's bound on one request: a request still open after it has hung. */
const REQUEST_TIMEOUT_MS = 20_000;
/** Errors the service may answer while a backend is down: S3 XML, 500 or 503. */
const OUTAGE_CODES = ['InternalError', 'ServiceUnavailable', 'SlowDown'];
/** Consecutive successes after the restart that count as "service resumed". */
const RESUMED_RUN = 40;

let env: StackEnv;
let target: Target;

beforeAll(async () => {
  env = stackEnv();
  target = await useTarget();
});

afterEach(async () => {
  // Whatever happened, the next test and file find both backends up and every part running.
  await startPostgres(env);
  await startRedis(env);
  await stackUp();
});

/** The service processes of the stack: a backend outage must not end any of them. */
const SERVICE_PARTS = ['front', 'offline-1', 'offline-2', 'node-1', 'node-2', 'node-3'];

afterAll(async () => {
  await target?.close();
});

/** Waits (bounded by the load's own progress) until the last `run` outcomes all succeeded. */
async function resumed(load: Load, since: number, run: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await load.progress(10);
    const after = load.since(since);
    if (after.length >= run && after.slice(-run).every((outcome) => outcome.ok)) return true;
  }
  return false;
}

const describeFailure = (outcome: LoadOutcome) => `${outcome.op} ${outcome.status ?? '-'} ${outcome.code}`;

describe.each([
  ['PostgreSQL', stopPostgres, startPostgres, true],
  ['Redis', stopRedis, startRedis, false],
] as const)('%s stopped and started again under PUT and GET load', (name, stop, start, mustFail) => {
  it('answers S3 500/503 within the timeout while it is down, resumes by itself, loses no acknowledged object', async () => {
    // Prepare
    const bucket = await target.createBucket(`${name.toLowerCase()}-restart`);
    const client = s3Client(env.endpoint, { requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS } });
    const load = startLoad({ client, bucket, workers: 4, keyPrefix: name.toLowerCase() });
    await load.progress(80);
    const pids = await Promise.all(SERVICE_PARTS.map((part) => pidOf(env, part)));

    // Act
    const downAt = load.now();
    await stop(env);
    await load.progress(24);
    await start(env);
    const upAt = load.now();
    const back = await resumed(load, upAt, RESUMED_RUN, 90_000);
    const outcomes = await load.stop();
    client.destroy();
    const lost = await unreadable(target.client, bucket, load.acknowledged);

    // Assess
    const died = SERVICE_PARTS.filter((_, i) => !isAlive(pids[i]!));
    const failures = outcomes.filter((outcome) => !outcome.ok);
    const duringOutage = outcomes.filter((outcome) => outcome.at >= downAt && outcome.at < upAt);
    expect(died).toEqual([]);
    expect(back).toBe(true);
    expect(failures.filter((f) => !(f.status === 500 || f.status === 503)).map(describeFailure)).toEqual([]);
    expect(failures.filter((f) => !OUTAGE_CODES.includes(f.code ?? '')).map(describeFailure)).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.wrongBytes)).toEqual([]);
    expect(Math.max(...outcomes.map((outcome) => outcome.ms))).toBeLessThan(REQUEST_TIMEOUT_MS);
    expect(duringOutage.length).toBeGreaterThanOrEqual(24);
    if (mustFail) expect(duringOutage.some((outcome) => !outcome.ok)).toBe(true);
    expect(load.acknowledged.size).toBeGreaterThan(RESUMED_RUN / 4);
    expect(lost).toEqual([]);
  });
});
