import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  type ControlErrorView,
  type FaultTarget,
  type RuleView,
  startFaultServer,
} from '../../support/e2e/faults.js';
import { rawRequest } from '../../support/e2e/http.js';

jest.setTimeout(180_000);

let target: FaultTarget;
let bucket: string;

beforeAll(async () => {
  target = await startFaultServer();
  bucket = await target.createBucket('control');
  await target.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'fixed', Body: 'fixed' }));
});

afterEach(async () => {
  await target.faults.reset();
});

afterAll(async () => {
  await target?.close();
});

const valid = {
  match: { service: 's3-api', operation: 'GetObject' },
  fault: { type: 's3_error', code: 'SlowDown' },
};

describe('validation of rules: 400 naming the field', () => {
  it.each<[string, unknown, string]>([
    ['an unknown top-level field', { ...valid, color: 'red' }, 'color'],
    ['an unknown match field', { ...valid, match: { ...valid.match, bogus: 1 } }, 'match.bogus'],
    ['an unknown fault type', { ...valid, fault: { type: 'meteor' } }, 'fault.type'],
    ['a missing required parameter', { ...valid, fault: { type: 'latency' } }, 'fault.ms'],
    ['a negative delay', { ...valid, fault: { type: 'latency', ms: -5 } }, 'fault.ms'],
    ['an unknown S3 error code', { ...valid, fault: { type: 's3_error', code: 'Nope' } }, 'fault.code'],
    ['a rate above 1', { ...valid, rate: 1.5 }, 'rate'],
    ['a bad ttl', { ...valid, ttl: 'forever' }, 'ttl'],
    ['a ttl above the maximum', { ...valid, ttl: '48h' }, 'ttl'],
    ['an unknown injection point', { ...valid, match: { point: 'disk.spin' } }, 'match.point'],
    [
      'a fault type impossible at its point',
      { match: { service: 's3-api', point: 'http.server' }, fault: { type: 'truncate', afterBytes: 1 } },
      'fault.type',
    ],
    ['a shorthand with a bad value_ms', { service: 's3-api', type: 'latency', value_ms: 'soon' }, 'value_ms'],
    ['a body mixing both forms', { service: 's3-api', type: 'latency', value_ms: 5, match: {} }, 'match'],
    ['a negative times', { ...valid, times: -1 }, 'times'],
  ])('%s', async (_label, body, field) => {
    // Act
    const answer = await target.faults.call<ControlErrorView>('POST', '/rules', body);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'ValidationError', field });
    expect(answer.body.error.message).toContain(field);
    expect(await target.faults.listRules()).toEqual([]);
  });

  it('a body that is not JSON is a 400 MalformedJSON', async () => {
    // Act
    const answer = await target.faults.call<ControlErrorView>('POST', '/rules', '{"match":');

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('MalformedJSON');
  });

  it('a second rule with the same id is a 409', async () => {
    // Prepare
    await target.faults.addRule({ ...valid, id: 'twice' });

    // Act
    const answer = await target.faults.call<ControlErrorView>('POST', '/rules', { ...valid, id: 'twice' });

    // Assess
    expect(answer.status).toBe(409);
  });

  it('the issue shorthand example is accepted verbatim and answered in canonical form', async () => {
    // Act
    const rule = await target.faults.addRule({
      service: 's3-api',
      endpoint: 'PUT /:bucket/:key',
      type: 'latency',
      value_ms: 500,
      rate: 0.5,
      ttl: '5m',
      scenario: 'half_slow_write',
    });

    // Assess
    expect(rule).toMatchObject({
      scenario: 'half_slow_write',
      enabled: true,
      priority: 0,
      match: { point: 'http.server', service: 's3-api', endpoint: 'PUT /:bucket/:key' },
      fault: { type: 'latency', ms: 500 },
      rate: 0.5,
      after: 0,
      every: 1,
      ttl: '5m',
      hits: 0,
    });
    expect(rule.id).toEqual(expect.any(String));
    const ttlMs = Date.parse(rule.expiresAt) - Date.parse(rule.createdAt);
    expect(ttlMs).toBe(5 * 60_000);
    expect(await target.faults.getRule(rule.id)).toEqual(rule);
  });
});

describe('scenarios, presets, hit log', () => {
  it('deactivate stops a scenario; activate brings it back', async () => {
    // Prepare
    await target.faults.addRule({ ...valid, scenario: 'flaky-gets', match: { ...valid.match, bucket } });
    const get = async () =>
      (await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/fixed` })).status;

    // Act
    const on = await get();
    await target.faults.deactivateScenario('flaky-gets');
    const off = await get();
    await target.faults.activateScenario('flaky-gets', { ttl: '1m' });
    const again = await get();

    // Assess
    expect([on, off, again]).toEqual([503, 200, 503]);
  });

  it('lists the ten presets', async () => {
    // Act
    const presets = await target.faults.presets();

    // Assess
    expect(presets.map((p) => p.name).sort()).toEqual(
      [
        'corruption',
        'disk-full',
        'flaky-network',
        'node-loss',
        'origin-dirty',
        'origin-outage',
        'origin-slow',
        'queue-chaos',
        'slow-disk',
        'throttling',
      ].sort(),
    );
  });

  it('the hit log is filterable by request id, and names the firing rule', async () => {
    // Prepare
    const rule = await target.faults.addRule({ ...valid, match: { ...valid.match, bucket } });

    // Act
    const response = await rawRequest(target.endpoint, { method: 'GET', path: `/${bucket}/fixed` });
    const requestId = String(response.headers['x-amz-request-id']);
    const firings = await target.faults.events({ request_id: requestId });

    // Assess
    expect(response.headers['x-mock-fault-rule']).toBe(rule.id);
    expect(firings).toEqual([
      expect.objectContaining({ ruleId: rule.id, requestId, point: 'http.server', type: 's3_error' }),
    ]);
  });
});

describe('replay', () => {
  const RULE = {
    id: 'replay-half',
    match: { service: 's3-api', operation: 'HeadObject', bucket: 'replay-bucket' },
    fault: { type: 's3_error', code: 'InternalError' },
    rate: 0.5,
    seed: 42,
  };

  /** On a fresh server: the same rule, the same 40 HEADs; which ones failed, and the hit log size. */
  async function run(): Promise<{ failed: number[]; firings: number }> {
    const server = await startFaultServer();
    try {
      await server.client.send(new CreateBucketCommand({ Bucket: 'replay-bucket' }));
      await server.client.send(new PutObjectCommand({ Bucket: 'replay-bucket', Key: 'k', Body: 'x' }));
      const rule: RuleView = await server.faults.addRule(RULE);
      const failed: number[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          await server.client.send(new HeadObjectCommand({ Bucket: 'replay-bucket', Key: 'k' }));
        } catch {
          failed.push(i);
        }
      }
      return { failed, firings: (await server.faults.events({ rule: rule.id })).length };
    } finally {
      await server.close();
    }
  }

  it('the same rules, seed and request sequence give the identical fault sequence twice', async () => {
    // Act
    const first = await run();
    const second = await run();

    // Assess
    expect(second.failed).toEqual(first.failed);
    expect(first.firings).toBe(first.failed.length);
    // rate 0.5 over 40 requests: neither none nor all.
    expect(first.failed.length).toBeGreaterThan(5);
    expect(first.failed.length).toBeLessThan(35);
  });
});
