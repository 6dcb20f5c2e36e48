import { describe, expect, it } from '@jest/globals';
import { FAULT_TYPES } from '../../../../shared/faults/fault-schema.js';
import { parseRule, patchRule } from '../../../../shared/faults/parse-rule.js';
import { seedFromId } from '../../../../shared/faults/random.js';
import { FAULT_POINTS, INJECTION_POINTS, POINT_SERVICE } from '../../../../shared/faults/rule.js';
import { RuleValidationError } from '../../../../shared/faults/validation.js';
import { parseOptions, SAMPLE_FAULTS, T0 } from './fault-fixtures.js';

const MINUTE = 60_000;

/** Samples without what the origin points refuse (a body, headers, Retry-After never reach the client). */
const ORIGIN_SAMPLES: Partial<Record<string, Record<string, unknown>>> = {
  http_status: { type: 'http_status', status: 502 },
  s3_error: { type: 's3_error', code: 'SlowDown' },
};

function fieldOf(input: unknown, options = parseOptions()): string {
  try {
    parseRule(input, options);
  } catch (error) {
    if (error instanceof RuleValidationError) return error.field;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

describe('parseRule, shorthand', () => {
  it('turns the example of the issue into the canonical form with the defaults', () => {
    // Prepare
    const body = {
      service: 's3-api',
      endpoint: 'PUT /:bucket/:key',
      type: 'latency',
      value_ms: 500,
      rate: 0.5,
      ttl: '5m',
      scenario: 'half_slow_write',
    };

    // Act
    const rule = parseRule(body, parseOptions());

    // Assess
    expect(rule).toEqual({
      id: 'rule-1',
      scenario: 'half_slow_write',
      enabled: true,
      priority: 0,
      match: { point: 'http.server', service: 's3-api', endpoint: 'PUT /:bucket/:key' },
      fault: { type: 'latency', ms: 500 },
      rate: 0.5,
      after: 0,
      every: 1,
      seed: seedFromId('rule-1'),
      ttl: '5m',
      expiresAt: new Date(T0 + 5 * MINUTE).toISOString(),
      createdAt: new Date(T0).toISOString(),
      hits: 0,
    });
  });

  it('maps status and code to the fault', () => {
    // Act
    const status = parseRule({ type: 'http_status', status: 502 }, parseOptions());
    const error = parseRule(
      { type: 's3_error', code: 'SlowDown', bucket: 'photos', key: '2024/*' },
      parseOptions(),
    );

    // Assess
    expect(status.fault).toEqual({ type: 'http_status', status: 502 });
    expect(error.fault).toEqual({ type: 's3_error', code: 'SlowDown' });
    expect(error.match).toEqual({ point: 'http.server', bucket: 'photos', key: '2024/*' });
  });

  it.each([
    [{ type: 'latency', value_ms: 5, match: { point: 'http.server' } }, 'match'],
    [{ type: 'latency', value_ms: 5, priority: 2 }, 'priority'],
    [{ type: 'latency', value_ms: 5, extra: 1 }, 'extra'],
    [{ type: 'explode' }, 'type'],
    [{ type: 'latency', value_ms: -5 }, 'value_ms'],
    [{ type: 'latency' }, 'value_ms'],
    [{ type: 'drop', value_ms: 5 }, 'value_ms'],
    [{ type: 'http_status', status: 999 }, 'status'],
    [{ type: 's3_error', code: 'NoSuchThing' }, 'code'],
    [{ type: 'latency', value_ms: 5, endpoint: 'PUT bucket' }, 'endpoint'],
    [{ type: 'latency', value_ms: 5, service: 'mainframe' }, 'service'],
    [{ type: 'latency', value_ms: 5, rate: 2 }, 'rate'],
    [{ type: 'latency', value_ms: 5, ttl: '3 days' }, 'ttl'],
  ])('refuses %j naming %s', (body, field) => {
    // Act / Assess
    expect(fieldOf(body)).toBe(field);
  });
});

describe('parseRule, canonical form', () => {
  it('accepts the rule of FAULTS.md', () => {
    // Prepare
    const body = {
      id: 'slow-writes-1',
      name: 'half_slow_write',
      scenario: 'half_slow_write',
      enabled: true,
      priority: 100,
      match: {
        service: 's3-api',
        point: 'http.server',
        operation: 'PutObject',
        endpoint: 'PUT /:bucket/:key',
        bucket: 'photos',
        key: '2024/*',
        headers: { 'X-Test-Case': 't42' },
        minSize: 0,
        maxSize: 1048576,
      },
      fault: { type: 's3_error', code: 'SlowDown' },
      rate: 0.5,
      after: 0,
      times: 3,
      every: 1,
      seed: 42,
      ttl: '5m',
      window: { start: '2024-01-01T00:00:00Z', end: '2024-01-02T00:00:00Z' },
    };

    // Act
    const rule = parseRule(body, parseOptions());

    // Assess
    expect(rule.id).toBe('slow-writes-1');
    expect(rule.match.headers).toEqual({ 'x-test-case': 't42' });
    expect(rule.times).toBe(3);
    expect(rule.seed).toBe(42);
    expect(rule.window).toEqual({ start: '2024-01-01T00:00:00.000Z', end: '2024-01-02T00:00:00.000Z' });
  });

  it('applies the defaults of FAULTS.md', () => {
    // Act
    const rule = parseRule({ fault: { type: 's3_error', code: 'SlowDown' } }, parseOptions());

    // Assess
    expect(rule).toMatchObject({ enabled: true, priority: 0, rate: 1, after: 0, every: 1, ttl: '15m' });
    expect(rule.match).toEqual({ point: 'http.server' });
    expect(rule.times).toBeUndefined();
    expect(rule.seed).toBe(seedFromId(rule.id));
    expect(rule.expiresAt).toBe(new Date(T0 + 15 * MINUTE).toISOString());
  });

  it('caps the default TTL at the configured maximum', () => {
    // Act
    const rule = parseRule(
      { fault: { type: 'drop' }, match: { point: 'queue.publish' } },
      parseOptions({ maxTtlMs: MINUTE }),
    );

    // Assess
    expect(rule.ttl).toBe('1m');
    expect(rule.expiresAt).toBe(new Date(T0 + MINUTE).toISOString());
  });

  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 5 * MINUTE],
    ['2h', 2 * 60 * MINUTE],
  ])('reads the TTL %s', (ttl, ms) => {
    // Act
    const rule = parseRule({ fault: { type: 'latency', ms: 1 }, ttl }, parseOptions());

    // Assess
    expect(rule.expiresAt).toBe(new Date(T0 + ms).toISOString());
  });

  it('accepts an explicit expiresAt within the maximum', () => {
    // Act
    const rule = parseRule(
      { fault: { type: 'latency', ms: 1 }, expiresAt: new Date(T0 + MINUTE).toISOString() },
      parseOptions(),
    );

    // Assess
    expect(rule.ttl).toBeUndefined();
    expect(rule.expiresAt).toBe(new Date(T0 + MINUTE).toISOString());
  });

  const latency = { type: 'latency', ms: 1 };
  it.each([
    [[], 'body'],
    [{ fault: latency, foo: 1 }, 'foo'],
    [{}, 'fault'],
    [{ fault: { ms: 1 } }, 'fault.type'],
    [{ fault: { type: 'explode' } }, 'fault.type'],
    [{ fault: { type: 'latency' } }, 'fault.ms'],
    [{ fault: { type: 'latency', ms: -1 } }, 'fault.ms'],
    [{ fault: { type: 'latency', ms: 1.5 } }, 'fault.ms'],
    [{ fault: { type: 'latency', ms: 1, bar: 2 } }, 'fault.bar'],
    [{ fault: { type: 's3_error', code: 'NoSuchThing' } }, 'fault.code'],
    [{ fault: { type: 'reject', code: 'Nope' } }, 'fault.code'],
    [{ fault: { type: 'corrupt', mode: 'melt' }, match: { point: 'node.read' } }, 'fault.mode'],
    [{ fault: { type: 'throttle', rps: 5, per: 'planet' } }, 'fault.per'],
    [{ fault: { type: 'io_error', errno: 'eio' }, match: { point: 'node.read' } }, 'fault.errno'],
    [{ fault: { type: 'db_error', sqlstate: '4001' }, match: { point: 'db.query' } }, 'fault.sqlstate'],
    [{ fault: { type: 'http_status', status: 600 } }, 'fault.status'],
    [{ fault: { type: 'http_status', status: 500, headers: { 'bad name': 'x' } } }, 'fault.headers.bad name'],
    [{ fault: { type: 'duplicate', copies: 0 }, match: { point: 'queue.publish' } }, 'fault.copies'],
    [{ fault: { type: 'reset' }, match: { point: 'db.query' } }, 'fault.type'],
    [{ fault: latency, match: { point: 'nowhere' } }, 'match.point'],
    [{ fault: latency, match: { foo: 1 } }, 'match.foo'],
    [{ fault: latency, match: { service: 'mainframe' } }, 'match.service'],
    [{ fault: latency, match: { service: 'metadata', point: 'node.read' } }, 'match.service'],
    [{ fault: latency, match: { operation: 'Put Object' } }, 'match.operation'],
    [{ fault: latency, match: { endpoint: 'PUT bucket' } }, 'match.endpoint'],
    [{ fault: latency, match: { endpoint: 'PUT /:1bad' } }, 'match.endpoint'],
    [{ fault: latency, match: { endpoint: 'put /x' } }, 'match.endpoint'],
    [{ fault: latency, match: { endpoint: 'PUT /a /b' } }, 'match.endpoint'],
    [{ fault: latency, match: { bucket: 'pho tos' } }, 'match.bucket'],
    [{ fault: latency, match: { bucket: '' } }, 'match.bucket'],
    [{ fault: latency, match: { key: '' } }, 'match.key'],
    [{ fault: latency, match: { key: 'a\nb' } }, 'match.key'],
    [{ fault: latency, match: { node: 'node 2' } }, 'match.node'],
    [{ fault: latency, match: { headers: { 'x-a': 1 } } }, 'match.headers.x-a'],
    [{ fault: latency, match: { minSize: -1 } }, 'match.minSize'],
    [{ fault: latency, match: { minSize: 10, maxSize: 5 } }, 'match.maxSize'],
    [{ fault: latency, rate: 1.5 }, 'rate'],
    [{ fault: latency, rate: -0.1 }, 'rate'],
    [{ fault: latency, rate: '0.5' }, 'rate'],
    [{ fault: latency, after: -1 }, 'after'],
    [{ fault: latency, after: 1.5 }, 'after'],
    [{ fault: latency, times: -1 }, 'times'],
    [{ fault: latency, times: 0 }, 'times'],
    [{ fault: latency, every: 0 }, 'every'],
    [{ fault: latency, priority: 'high' }, 'priority'],
    [{ fault: latency, enabled: 'yes' }, 'enabled'],
    [{ fault: latency, seed: -1 }, 'seed'],
    [{ fault: latency, id: 'has space' }, 'id'],
    [{ fault: latency, scenario: 'a/b' }, 'scenario'],
    [{ fault: latency, ttl: '25h' }, 'ttl'],
    [{ fault: latency, ttl: '0s' }, 'ttl'],
    [{ fault: latency, ttl: 300 }, 'ttl'],
    [{ fault: latency, ttl: '5m', expiresAt: new Date(T0 + MINUTE).toISOString() }, 'expiresAt'],
    [{ fault: latency, expiresAt: new Date(T0 - 1).toISOString() }, 'expiresAt'],
    [{ fault: latency, expiresAt: new Date(T0 + 2 * 86_400_000).toISOString() }, 'expiresAt'],
    [{ fault: latency, expiresAt: 'tomorrow' }, 'expiresAt'],
    [
      { fault: latency, window: { start: '2024-01-02T00:00:00Z', end: '2024-01-01T00:00:00Z' } },
      'window.end',
    ],
    [{ fault: latency, window: { from: '2024-01-02T00:00:00Z' } }, 'window.from'],
  ])('refuses %j naming %s', (body, field) => {
    // Act / Assess
    expect(fieldOf(body)).toBe(field);
  });

  it.each(FAULT_TYPES)('accepts %s at each point it is allowed, and refuses it elsewhere', (type) => {
    // Prepare
    const allowed = FAULT_POINTS[type] as readonly string[];

    for (const { point } of INJECTION_POINTS) {
      // The origin refuses what never reaches the client (see the origin contradictions below).
      const fault = (point.startsWith('origin.') ? ORIGIN_SAMPLES[type] : undefined) ?? SAMPLE_FAULTS[type];
      const body = { fault, match: { point } };

      // Act
      const outcome = allowed.includes(point) ? parseRule(body, parseOptions()).fault : fieldOf(body);

      // Assess
      expect(outcome).toEqual(allowed.includes(point) ? fault : 'fault.type');
    }
  });

  it('names every point with its service', () => {
    // Assess
    expect(POINT_SERVICE['node.read']).toBe('storage-node');
    expect(POINT_SERVICE['http.server']).toBe('*');
    expect(INJECTION_POINTS).toHaveLength(19);
  });
});

describe('patchRule', () => {
  const base = () =>
    parseRule(
      { id: 'r1', fault: { type: 'latency', ms: 100, jitterMs: 5 }, times: 3, ttl: '5m', scenario: 's1' },
      parseOptions(),
    );
  const later = parseOptions({ now: new Date(T0 + MINUTE) });

  it('merges fault parameters and keeps counters, creation time and expiry', () => {
    // Prepare
    const rule = { ...base(), hits: 2 };

    // Act
    const patched = patchRule(rule, { fault: { ms: 300 }, rate: 0.25 }, later);

    // Assess
    expect(patched.fault).toEqual({ type: 'latency', ms: 300, jitterMs: 5 });
    expect(patched.rate).toBe(0.25);
    expect(patched).toMatchObject({
      hits: 2,
      createdAt: rule.createdAt,
      expiresAt: rule.expiresAt,
      ttl: '5m',
    });
  });

  it('replaces the fault when its type changes, and null removes a field', () => {
    // Act
    const patched = patchRule(
      base(),
      { fault: { type: 's3_error', code: 'InternalError' }, times: null },
      later,
    );

    // Assess
    expect(patched.fault).toEqual({ type: 's3_error', code: 'InternalError' });
    expect(patched.times).toBeUndefined();
  });

  it('re-arms the expiry from now on a new ttl', () => {
    // Act
    const patched = patchRule(base(), { ttl: '10m' }, later);

    // Assess
    expect(patched.ttl).toBe('10m');
    expect(patched.expiresAt).toBe(new Date(T0 + 11 * MINUTE).toISOString());
  });

  it('accepts the shorthand', () => {
    // Act
    const patched = patchRule(base(), { value_ms: 700, bucket: 'logs' }, later);

    // Assess
    expect(patched.fault).toEqual({ type: 'latency', ms: 700, jitterMs: 5 });
    expect(patched.match.bucket).toBe('logs');
  });

  it.each([
    [{ id: 'other' }, 'id'],
    [{ nope: 1 }, 'nope'],
    [{ fault: { ms: -1 } }, 'fault.ms'],
    [{ value_ms: -1 }, 'value_ms'],
    [{ value_ms: 1, match: {} }, 'match'],
    [{ fault: { type: 'reset' }, match: { point: 'db.query' } }, 'fault.type'],
  ])('refuses %j naming %s', (patch, field) => {
    // Act
    let caught: unknown;
    try {
      patchRule(base(), patch, later);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(RuleValidationError);
    expect((caught as RuleValidationError).field).toBe(field);
  });
});

describe('parseRule, parameters the point contradicts', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['node.read', { type: 'io_error', op: 'write', errno: 'EIO' }, 'fault.op'],
    ['node.write', { type: 'io_error', op: 'delete', errno: 'EIO' }, 'fault.op'],
    ['node.delete', { type: 'io_error', op: 'read', errno: 'EIO' }, 'fault.op'],
    ['db.commit.after', { type: 'commit_fail', when: 'before' }, 'fault.when'],
    ['db.commit.before', { type: 'commit_fail', when: 'after' }, 'fault.when'],
    ['http.client', { type: 'reset', afterBytes: 10 }, 'fault.afterBytes'],
    ['node.write', { type: 'partial_write', written: 1 }, 'fault.written'],
    ['storage.get', { type: 'stale_read' }, 'fault.type'],
    ['storage.get', { type: 'read_after_write_miss', ms: 100 }, 'fault.type'],
    ['storage.get', { type: 'stale_replica' }, 'fault.type'],
    ['origin.fetch.before', { type: 'http_status', status: 200 }, 'fault.status'],
    ['origin.fetch.after', { type: 'http_status', status: 304 }, 'fault.status'],
    ['origin.fetch.before', { type: 'http_status', status: 500, body: 'oops' }, 'fault.body'],
    ['origin.fetch.after', { type: 'http_status', status: 500, headers: { a: 'b' } }, 'fault.headers'],
    ['origin.fetch.before', { type: 's3_error', code: 'SlowDown', retryAfter: 3 }, 'fault.retryAfter'],
    ['origin.fetch.before', { type: 'dirty' }, 'fault.type'],
    ['origin.fetch.after', { type: 'stale' }, 'fault.type'],
    ['origin.fetch.after', { type: 'origin_unavailable' }, 'fault.type'],
    ['origin.fetch.after', { type: 'throttle', rps: 1, per: 'key' }, 'fault.type'],
    ['origin.fetch.after', { type: 'timeout' }, 'fault.type'],
    ['origin.fetch.before', { type: 'slow_body', chunkBytes: 1, delayMs: 1 }, 'fault.type'],
    ['origin.fetch.after', { type: 'dirty', mode: 'zero' }, 'fault.mode'],
    ['origin.fetch.after', { type: 'dirty', etag: 'fix' }, 'fault.etag'],
    ['http.server', { type: 'stale' }, 'fault.type'],
  ])('refuses at %s the fault %j, naming %s', (point, fault, field) => {
    // Act / Assess
    expect(fieldOf({ match: { point }, fault })).toBe(field);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['PutObject', { type: 'list_lag', ms: 100 }, 'match.operation'],
    ['ListObjectsV2', { type: 'stale_read' }, 'match.operation'],
    ['CopyObject', { type: 'read_after_write_miss', ms: 100 }, 'match.operation'],
  ])(
    'refuses a rule for %s with the fault %j, which could never fire, naming %s',
    (operation, fault, field) => {
      // Act / Assess
      expect(fieldOf({ match: { operation }, fault })).toBe(field);
    },
  );

  it.each<[string, Record<string, unknown>]>([
    ['node.read', { type: 'io_error', op: 'read', errno: 'EIO' }],
    ['node.write', { type: 'io_error', errno: 'ENOSPC' }],
    ['db.commit.after', { type: 'commit_fail', when: 'after' }],
    ['gateway.socket', { type: 'reset', afterBytes: 10 }],
    ['storage.put.after', { type: 'partial_write', written: 1 }],
    ['node.write', { type: 'partial_write', written: 0 }],
    ['origin.fetch.after', { type: 'http_status', status: 404 }],
    ['origin.fetch.before', { type: 's3_error', code: 'InternalError', message: 'disk on fire' }],
    ['origin.fetch.after', { type: 'dirty', mode: 'other_object', etag: 'match' }],
  ])('accepts at %s the agreeing fault %j', (point, fault) => {
    // Act / Assess
    expect(parseRule({ match: { point }, fault }, parseOptions()).fault).toEqual(fault);
  });
});

describe('parseRule, dirty defaults', () => {
  it('fills in mode bitflip and etag mismatch, so the canonical rule says what it does', () => {
    // Act
    const rule = parseRule(
      { match: { point: 'origin.fetch.after' }, fault: { type: 'dirty' } },
      parseOptions(),
    );

    // Assess
    expect(rule.fault).toEqual({ type: 'dirty', mode: 'bitflip', etag: 'mismatch' });
  });
});

describe('parseRule, waits capped at the maximum TTL', () => {
  const cap = 60_000;
  it.each<[string, Record<string, unknown>, string]>([
    ['http.server', { type: 'latency', ms: cap + 1 }, 'fault.ms'],
    ['http.server', { type: 'latency', ms: 10, jitterMs: cap + 1 }, 'fault.jitterMs'],
    ['http.server', { type: 'timeout', ms: cap + 1 }, 'fault.ms'],
    ['gateway.socket', { type: 'stall', afterBytes: 1, ms: cap + 1 }, 'fault.ms'],
    ['gateway.socket', { type: 'slow_body', chunkBytes: 1, delayMs: cap + 1 }, 'fault.delayMs'],
    ['node.read', { type: 'io_latency', ms: cap + 1 }, 'fault.ms'],
    ['db.query', { type: 'db_latency', ms: cap + 1 }, 'fault.ms'],
    ['queue.publish', { type: 'delay', ms: cap + 1 }, 'fault.ms'],
    ['origin.fetch.before', { type: 'timeout', ms: cap + 1 }, 'fault.ms'],
    ['origin.fetch.after', { type: 'slow_body', chunkBytes: 1, delayMs: cap + 1 }, 'fault.delayMs'],
    ['http.server', { type: 'list_lag', ms: cap + 1 }, 'fault.ms'],
    ['http.server', { type: 'read_after_write_miss', ms: cap + 1 }, 'fault.ms'],
  ])('refuses at %s %j naming %s and the cap', (point, fault, field) => {
    // Act
    let caught: unknown;
    try {
      parseRule({ match: { point }, fault }, parseOptions({ maxTtlMs: cap }));
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(RuleValidationError);
    expect((caught as RuleValidationError).field).toBe(field);
    expect((caught as RuleValidationError).message).toContain(`at most ${cap} ms`);
  });

  it('accepts a wait equal to the cap', () => {
    // Act
    const rule = parseRule({ fault: { type: 'latency', ms: 60_000 } }, parseOptions({ maxTtlMs: 60_000 }));

    // Assess
    expect(rule.fault).toEqual({ type: 'latency', ms: 60_000 });
  });
});

describe('parseRule, ids from content', () => {
  it('hands the same content to newId for the same rule, and other content for another', () => {
    // Prepare
    const seen: string[] = [];
    const options = parseOptions({
      newId: (content) => {
        seen.push(content);
        return 'x';
      },
    });
    const body = { fault: { type: 'latency', ms: 5 }, seed: 7, match: { key: 'a', bucket: 'b' } };

    // Act
    parseRule(body, options);
    parseRule({ match: { bucket: 'b', key: 'a' }, seed: 7, fault: { ms: 5, type: 'latency' } }, options);
    parseRule({ ...body, seed: 8 }, options);

    // Assess
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[0]);
  });
});
