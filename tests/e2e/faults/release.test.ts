import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually, type FaultTarget, type RuleView, startFaultServer } from '../../support/e2e/faults.js';

jest.setTimeout(120_000);

/** What FAULTS.md promises: a held request is let go this soon after its rule goes. */
const RELEASE_MS = 100;
/** Every rule below would hold a request this long: far beyond what any test waits. */
const HOLD_MS = 20_000;

let target: FaultTarget;
let bucket: string;
const body = randomBytes(50_000);

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('release');
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'blob', Body: body }));
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

/** GetObject read to the end with the SDK; bounded so a request never released fails the test. */
async function sdkGet(): Promise<Buffer> {
  const got = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'blob' }), {
    abortSignal: AbortSignal.timeout(HOLD_MS / 2),
  });
  return Buffer.from((await got.Body?.transformToByteArray()) ?? []);
}

/** Resolves once the rule has fired: the request is then held by it (the firing is logged first). */
async function heldBy(rule: RuleView): Promise<void> {
  await eventually(
    () => target.faults.events({ rule: rule.id }),
    (events) => events.length > 0,
    { intervalMs: 20, timeoutMs: 10_000, what: `a firing of ${rule.id}` },
  );
}

/**
 * Starts `request`, waits until `rule` holds it, runs `release`, and measures from the moment the
 * release was sent until the request settled (with its value or its failure).
 */
async function releaseTime<T>(
  rule: RuleView,
  request: () => Promise<T>,
  release: () => Promise<unknown>,
): Promise<{ ms: number; outcome: { value?: T; error?: Error } }> {
  let settledAt = 0;
  const running = request().then(
    (value) => ({ value }),
    (error: Error) => ({ error }),
  );
  const done = running.then((outcome) => {
    settledAt = performance.now();
    return outcome;
  });
  await heldBy(rule);
  const sentAt = performance.now();
  await release();
  const outcome = await done;
  return { ms: Math.max(0, settledAt - sentAt), outcome };
}

let rules = 0;
/** A rule on this file's GETs at `point`, with an id of its own (the hit log outlives rules). */
const onGetAt = (point: string, fault: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  target.faults.addRule({
    id: `hold-${++rules}`,
    match: {
      point,
      ...(point === 'http.server' || point === 'gateway.socket' ? { operation: 'GetObject', bucket } : {}),
    },
    fault,
    ...extra,
  });

describe('held requests are released when their rule goes', () => {
  it('latency at http.server: the kill switch lets the GET go on, whole, within 100 ms', async () => {
    // Prepare
    const rule = await onGetAt('http.server', { type: 'latency', ms: HOLD_MS });

    // Act
    const { ms, outcome } = await releaseTime(rule, sdkGet, () => target.faults.killSwitch());

    // Assess
    expect(outcome.error).toBeUndefined();
    expect(outcome.value?.equals(body)).toBe(true);
    expect(ms).toBeLessThan(RELEASE_MS);
  });

  it('latency at http.server: deleting the rule lets the GET go on within 100 ms', async () => {
    // Prepare
    const rule = await onGetAt('http.server', { type: 'latency', ms: HOLD_MS });

    // Act
    const { ms, outcome } = await releaseTime(rule, sdkGet, () => target.faults.removeRule(rule.id));

    // Assess
    expect(outcome.value?.equals(body)).toBe(true);
    expect(ms).toBeLessThan(RELEASE_MS);
  });

  it('latency with a 1 s TTL holding 20 s: released at the expiry, within 100 ms of it', async () => {
    // Prepare
    const rule = await onGetAt('http.server', { type: 'latency', ms: HOLD_MS }, { ttl: '1s' });

    // Act
    const got = await sdkGet();
    const doneAt = Date.now();

    // Assess: the server's clock and ours are the same machine's
    expect(got.equals(body)).toBe(true);
    expect(doneAt - Date.parse(rule.expiresAt)).toBeLessThan(RELEASE_MS);
  });

  it('timeout at http.server: the kill switch ends it as the timeout would (closed, no response) at once', async () => {
    // Prepare
    const rule = await onGetAt('http.server', { type: 'timeout', ms: HOLD_MS });

    // Act
    const { ms, outcome } = await releaseTime(rule, sdkGet, () => target.faults.killSwitch());

    // Assess
    expect(String(outcome.error)).toMatch(/socket hang up|ECONNRESET|closed|aborted/i);
    expect(ms).toBeLessThan(RELEASE_MS);
  });

  it('stall at gateway.socket: deleting the rule sends the rest of the body within 100 ms', async () => {
    // Prepare
    const rule = await onGetAt('gateway.socket', { type: 'stall', afterBytes: 1000, ms: HOLD_MS });

    // Act
    const { ms, outcome } = await releaseTime(rule, sdkGet, () => target.faults.removeRule(rule.id));

    // Assess
    expect(outcome.value?.equals(body)).toBe(true);
    expect(ms).toBeLessThan(RELEASE_MS);
  });

  it('slow_body at gateway.socket: the kill switch sends the rest of the body within 100 ms', async () => {
    // Prepare
    const rule = await onGetAt('gateway.socket', { type: 'slow_body', chunkBytes: 1000, delayMs: HOLD_MS });

    // Act
    const { ms, outcome } = await releaseTime(rule, sdkGet, () => target.faults.killSwitch());

    // Assess
    expect(outcome.value?.equals(body)).toBe(true);
    expect(ms).toBeLessThan(RELEASE_MS);
  });

  it('timeout at gateway.socket: deleting the rule closes the connection at once', async () => {
    // Prepare
    const rule = await onGetAt('gateway.socket', { type: 'timeout', ms: HOLD_MS });

    // Act
    const { ms, outcome } = await releaseTime(rule, sdkGet, () => target.faults.removeRule(rule.id));

    // Assess
    expect(outcome.error).toBeDefined();
    expect(ms).toBeLessThan(RELEASE_MS);
  });

  it('io_latency at node.read (a port, through settle): the kill switch lets the read go on', async () => {
    // Prepare
    const rule = await onGetAt('node.read', { type: 'io_latency', ms: HOLD_MS });

    // Act
    const { ms, outcome } = await releaseTime(rule, sdkGet, () => target.faults.killSwitch());

    // Assess
    expect(outcome.value?.equals(body)).toBe(true);
    expect(ms).toBeLessThan(RELEASE_MS);
  });

  it('db_latency at db.query: deleting the rule lets the PUT go on, acknowledged and stored', async () => {
    // Prepare: a write always reaches the database (a read may be served from the cache)
    const rule = await onGetAt('db.query', { type: 'db_latency', ms: HOLD_MS });
    const put = () =>
      target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'written', Body: body }), {
        abortSignal: AbortSignal.timeout(HOLD_MS / 2),
      });

    // Act
    const { ms, outcome } = await releaseTime(rule, put, () => target.faults.removeRule(rule.id));
    const stored = await target.client.send(new GetObjectCommand({ Bucket: bucket, Key: 'written' }));

    // Assess
    expect(outcome.error).toBeUndefined();
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(ms).toBeLessThan(RELEASE_MS);
  });
});

describe('waits above the cap', () => {
  it('refuses a latency longer than the maximum TTL with a 400 naming the field and the cap', async () => {
    // Act
    const answer = await target.faults.call<{ error: { field: string; message: string } }>('POST', '/rules', {
      fault: { type: 'latency', ms: 86_400_001 },
    });

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe('fault.ms');
    expect(answer.body.error.message).toContain('86400000');
  });
});
