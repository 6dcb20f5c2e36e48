import { describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { createFaultEngine, type FaultEngine } from '../../../../shared/faults/engine.js';
import type { Firing } from '../../../../shared/faults/hit-log.js';
import { InjectedFault } from '../../../../shared/faults/injected-fault.js';
import { FAULT_EVENT_NAME, observeFirings } from '../../../../shared/injection/observe-firing.js';
import { withOriginFaults } from '../../../../shared/injection/origin-faults.js';
import {
  type OriginAnswer,
  type OriginClient,
  OriginError,
  type OriginObject,
} from '../../../../shared/origin/ports.js';
import { systemClock } from '../../../../shared/runtime/clock.js';
import { checksumBase64, md5Hex } from '../../../../shared/s3/checksums.js';
import { createLogger } from '../../../../shared/telemetry/logger.js';
import { createTracing } from '../../../../shared/telemetry/tracing.js';
import { DAY_MS } from '../faults/fault-fixtures.js';

const BUCKET = 'local-bucket';

function objectOf(text: string, extra: Partial<OriginObject> = {}): OriginObject {
  const body = Buffer.from(text);
  return {
    body,
    etag: `"${md5Hex(body)}"`,
    lastModified: new Date('2026-01-02T03:04:05Z'),
    headers: { contentType: 'text/plain' },
    userMetadata: { owner: 'origin' },
    ...extra,
  };
}

/** An origin in memory: what it holds now, and how many GETs reached it. */
class FakeOrigin implements OriginClient {
  readonly objects = new Map<string, OriginObject>();
  gets = 0;

  async get(key: string, { signal }: { signal: AbortSignal }): Promise<OriginAnswer> {
    if (signal.aborted) throw new OriginError('timeout', 'aborted');
    this.gets += 1;
    const object = this.objects.get(key);
    return object === undefined ? { found: false } : { found: true, object };
  }

  close(): void {}
}

function setup(onFire?: (firing: Firing) => void) {
  const engine = createFaultEngine({
    clock: systemClock,
    enabled: true,
    maxTtlMs: DAY_MS,
    ...(onFire === undefined ? {} : { onFire }),
  });
  const origin = new FakeOrigin();
  const client = withOriginFaults(origin, engine, { bucket: BUCKET, clock: systemClock });
  const get = (key: string, signal = AbortSignal.timeout(5_000)) => client.get(key, { signal });
  return { engine, origin, client, get };
}

function addRule(engine: FaultEngine, point: 'before' | 'after', fault: Record<string, unknown>, extra = {}) {
  return engine.addRule({ match: { service: 'origin', point: `origin.fetch.${point}` }, fault, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<OriginError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OriginError) return error;
    throw error;
  }
  throw new Error('the fetch did not fail');
}

const found = (answer: OriginAnswer): OriginObject => {
  if (!answer.found) throw new Error('expected the object, got no such object');
  return answer.object;
};

describe('withOriginFaults, origin.fetch.before', () => {
  it('origin_unavailable fails as a refused connection, the origin untouched, the firing logged', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('hello'));
    addRule(engine, 'before', { type: 'origin_unavailable' }, { id: 'down' });

    // Act
    const error = await failure(get('k'));

    // Assess
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain('connection refused');
    expect(error.cause).toBeInstanceOf(InjectedFault);
    expect(origin.gets).toBe(0);
    expect(engine.events()).toMatchObject([
      { ruleId: 'down', point: 'origin.fetch.before', type: 'origin_unavailable', service: 'origin' },
    ]);
  });

  it('matches on the local bucket and the key, operation GetObject', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('a/1', objectOf('one'));
    origin.objects.set('b/1', objectOf('two'));
    engine.addRule({
      match: { point: 'origin.fetch.before', bucket: BUCKET, key: 'a/*', operation: 'GetObject' },
      fault: { type: 'origin_unavailable' },
    });

    // Act
    const other = await get('b/1');
    const error = await failure(get('a/1'));

    // Assess
    expect(found(other).body.toString()).toBe('two');
    expect(error.kind).toBe('unreachable');
  });

  it('latency delays the fetch by its ms', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('hello'));
    addRule(engine, 'before', { type: 'latency', ms: 150 });
    const started = Date.now();

    // Act
    const answer = await get('k');

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(found(answer).body.toString()).toBe('hello');
  });

  it('latency longer than the fetch timeout fails as a timeout when the fetch gives up', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('hello'));
    addRule(engine, 'before', { type: 'latency', ms: 60_000 });
    const started = Date.now();

    // Act
    const error = await failure(get('k', AbortSignal.timeout(100)));

    // Assess
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(origin.gets).toBe(0);
  });

  it('timeout without ms holds the fetch until its own timeout, then fails as one', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('hello'));
    addRule(engine, 'before', { type: 'timeout' });
    const started = Date.now();

    // Act
    const error = await failure(get('k', AbortSignal.timeout(200)));

    // Assess
    const waited = Date.now() - started;
    expect(error.kind).toBe('timeout');
    expect(error.cause).toBeInstanceOf(InjectedFault);
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(2_000);
    expect(origin.gets).toBe(0);
  });

  it('timeout with ms holds that long when it is shorter than the fetch timeout', async () => {
    // Prepare
    const { engine, get } = setup();
    addRule(engine, 'before', { type: 'timeout', ms: 100 });
    const started = Date.now();

    // Act
    const error = await failure(get('k', AbortSignal.timeout(10_000)));

    // Assess
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('throttle answers as a throttling origin above its rate', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('hello'));
    addRule(engine, 'before', { type: 'throttle', rps: 1, per: 'bucket' });

    // Act
    const first = await get('k');
    const error = await failure(get('k'));

    // Assess
    expect(found(first).body.toString()).toBe('hello');
    expect(error.kind).toBe('throttled');
    expect(error.details).toEqual({ status: 503, code: 'SlowDown' });
    expect(origin.gets).toBe(1);
  });
});

describe('withOriginFaults, error answers as the origin would give them', () => {
  it.each<['before' | 'after', Record<string, unknown>, string, Record<string, unknown>]>([
    ['before', { type: 'http_status', status: 500 }, 'status', { status: 500 }],
    ['after', { type: 'http_status', status: 502 }, 'status', { status: 502 }],
    ['before', { type: 'http_status', status: 503 }, 'throttled', { status: 503 }],
    ['after', { type: 'http_status', status: 429 }, 'throttled', { status: 429 }],
    ['before', { type: 'http_status', status: 403 }, 'status', { status: 403 }],
    ['before', { type: 's3_error', code: 'SlowDown' }, 'throttled', { status: 503, code: 'SlowDown' }],
    ['after', { type: 's3_error', code: 'InternalError' }, 'status', { status: 500, code: 'InternalError' }],
    ['before', { type: 's3_error', code: 'AccessDenied' }, 'status', { status: 403, code: 'AccessDenied' }],
  ])('at %s, %j fails as OriginError %s with %j', async (point, fault, kind, details) => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('hello'));
    addRule(engine, point, fault);

    // Act
    const error = await failure(get('k'));

    // Assess
    expect(error.kind).toBe(kind);
    expect(error.details).toEqual(details);
    expect(error.message).toContain(String(details.status));
    expect(error.cause).toBeInstanceOf(InjectedFault);
    expect(origin.gets).toBe(point === 'before' ? 0 : 1);
  });

  it.each<['before' | 'after', Record<string, unknown>]>([
    ['before', { type: 'http_status', status: 404 }],
    ['after', { type: 'http_status', status: 404 }],
    ['before', { type: 's3_error', code: 'NoSuchKey' }],
    ['after', { type: 's3_error', code: 'NoSuchKey' }],
  ])('at %s, %j answers that the origin has no such object', async (point, fault) => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('hello'));
    addRule(engine, point, fault);

    // Act
    const answer = await get('k');

    // Assess
    expect(answer).toEqual({ found: false });
  });

  it('an answer a fault made up at before never reaches origin.fetch.after (the origin was not asked)', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('hello'));
    addRule(engine, 'before', { type: 'http_status', status: 404 }, { id: 'gone' });
    addRule(engine, 'after', { type: 'http_status', status: 500 }, { id: 'broken' });

    // Act
    const answer = await get('k');

    // Assess
    expect(answer).toEqual({ found: false });
    expect(engine.events().map((firing) => firing.ruleId)).toEqual(['gone']);
  });

  it("s3_error's message is in the failure's message", async () => {
    // Prepare
    const { engine, get } = setup();
    addRule(engine, 'before', { type: 's3_error', code: 'InternalError', message: 'disk on fire' });

    // Act
    const error = await failure(get('k'));

    // Assess
    expect(error.message).toContain('disk on fire');
    expect(error.message).toContain('answered 500 InternalError');
  });
});

describe('withOriginFaults, origin.fetch.after', () => {
  it('slow_body holds the answer ceil(size / chunkBytes) * delayMs', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('x'.repeat(1000)));
    addRule(engine, 'after', { type: 'slow_body', chunkBytes: 300, delayMs: 50 });
    const started = Date.now();

    // Act
    const answer = await get('k');

    // Assess: four chunks of 300 bytes for 1000 bytes
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(found(answer).body.length).toBe(1000);
  });

  it('slow_body is cut short by the fetch timeout, which fails as one', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('x'.repeat(1000)));
    addRule(engine, 'after', { type: 'slow_body', chunkBytes: 1, delayMs: 1_000 });
    const started = Date.now();

    // Act
    const error = await failure(get('k', AbortSignal.timeout(150)));

    // Assess
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('slow_body on an empty body, which cannot drip, is no firing', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('empty', objectOf(''));
    addRule(engine, 'after', { type: 'slow_body', chunkBytes: 1, delayMs: 10_000 }, { id: 'drip' });

    // Act
    const answer = await get('empty');

    // Assess
    expect(found(answer).body.length).toBe(0);
    expect(engine.events()).toEqual([]);
    expect(engine.getRule('drip')?.hits).toBe(0);
  });

  it('dirty bitflip with etag mismatch flips one bit and keeps the origin ETag and checksum', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    const clean = objectOf('abcdef', {
      checksum: {
        algorithm: 'CRC32',
        value: checksumBase64('CRC32', Buffer.from('abcdef')),
        type: 'FULL_OBJECT',
      },
    });
    origin.objects.set('k', clean);
    addRule(engine, 'after', { type: 'dirty' });

    // Act
    const object = found(await get('k'));

    // Assess
    expect(object.body.toString()).toBe('abceef');
    expect(object.etag).toBe(clean.etag);
    expect(object.checksum).toEqual(clean.checksum);
    expect(object.headers).toEqual(clean.headers);
    expect(clean.body.toString()).toBe('abcdef');
  });

  it('dirty truncate with etag match cuts the body to half and recomputes ETag and full-object checksum', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set(
      'k',
      objectOf('abcdef', {
        checksum: {
          algorithm: 'SHA256',
          value: checksumBase64('SHA256', Buffer.from('abcdef')),
          type: 'FULL_OBJECT',
        },
      }),
    );
    addRule(engine, 'after', { type: 'dirty', mode: 'truncate', etag: 'match' });

    // Act
    const object = found(await get('k'));

    // Assess
    expect(object.body.toString()).toBe('abc');
    expect(object.etag).toBe(`"${md5Hex(Buffer.from('abc'))}"`);
    expect(object.checksum).toEqual({
      algorithm: 'SHA256',
      value: checksumBase64('SHA256', Buffer.from('abc')),
      type: 'FULL_OBJECT',
    });
  });

  it('dirty with etag match drops a composite checksum, which the wrong bytes cannot have', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set(
      'k',
      objectOf('abcdef', {
        etag: '"0123456789abcdef0123456789abcdef-2"',
        checksum: { algorithm: 'SHA256', value: 'AAAA-2', type: 'COMPOSITE' },
      }),
    );
    addRule(engine, 'after', { type: 'dirty', etag: 'match' });

    // Act
    const object = found(await get('k'));

    // Assess
    expect(object.checksum).toBeUndefined();
    expect(object.etag).toBe(`"${md5Hex(object.body)}"`);
  });

  it("dirty other_object serves the body of another key the origin served lately, under this key's headers", async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('first', objectOf('first body'));
    origin.objects.set('second', objectOf('second body', { headers: { contentType: 'application/json' } }));
    await get('first');
    addRule(engine, 'after', { type: 'dirty', mode: 'other_object', etag: 'match' });

    // Act
    const object = found(await get('second'));

    // Assess
    expect(object.body.toString()).toBe('first body');
    expect(object.etag).toBe(`"${md5Hex(Buffer.from('first body'))}"`);
    expect(object.headers).toEqual({ contentType: 'application/json' });
  });

  it('dirty other_object with no other object seen is no firing, and its times are not spent', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('only', objectOf('only body'));
    origin.objects.set('next', objectOf('next body'));
    addRule(engine, 'after', { type: 'dirty', mode: 'other_object' }, { id: 'swap', times: 1 });

    // Act
    const alone = found(await get('only'));
    const swapped = found(await get('next'));

    // Assess
    expect(alone.body.toString()).toBe('only body');
    expect(swapped.body.toString()).toBe('only body');
    expect(engine.events().map((firing) => firing.ruleId)).toEqual(['swap']);
  });

  it('dirty on an empty body, or on no such object, is no firing', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('empty', objectOf(''));
    addRule(engine, 'after', { type: 'dirty', mode: 'bitflip' });
    addRule(engine, 'after', { type: 'dirty', mode: 'truncate' });

    // Act
    const empty = found(await get('empty'));
    const missing = await get('missing');

    // Assess
    expect(empty.body.length).toBe(0);
    expect(missing).toEqual({ found: false });
    expect(engine.events()).toEqual([]);
  });

  it('the after event carries the body size, so a rule can aim at large objects', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('small', objectOf('tiny'));
    origin.objects.set('large', objectOf('y'.repeat(2048)));
    engine.addRule({
      match: { point: 'origin.fetch.after', minSize: 1024 },
      fault: { type: 'http_status', status: 500 },
    });

    // Act
    const small = await get('small');
    const error = await failure(get('large'));

    // Assess
    expect(found(small).body.toString()).toBe('tiny');
    expect(error.details.status).toBe(500);
  });
});

describe('withOriginFaults, stale', () => {
  it('answers what the origin answered before for the key, once the origin changed it', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('version 1'));
    await get('k');
    origin.objects.set('k', objectOf('version 2'));
    addRule(engine, 'before', { type: 'stale' }, { id: 'old' });

    // Act
    const answer = await get('k');

    // Assess
    expect(found(answer).body.toString()).toBe('version 1');
    expect(engine.events()).toMatchObject([{ ruleId: 'old', type: 'stale', point: 'origin.fetch.before' }]);
  });

  it('keeps answering the older version after the newer one was fetched', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('version 1'));
    await get('k');
    origin.objects.set('k', objectOf('version 2'));
    await get('k');
    addRule(engine, 'before', { type: 'stale' });

    // Act
    const answer = await get('k');

    // Assess
    expect(found(answer).body.toString()).toBe('version 1');
  });

  it("answers the origin's former 404 for a key created since", async () => {
    // Prepare
    const { engine, origin, get } = setup();
    await get('new');
    origin.objects.set('new', objectOf('created'));
    addRule(engine, 'before', { type: 'stale' });

    // Act
    const answer = await get('new');

    // Assess
    expect(answer).toEqual({ found: false });
  });

  it('gives its firing back when the fetch times out before anything was served (in a latency)', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('version 1'));
    await get('k');
    origin.objects.set('k', objectOf('version 2'));
    addRule(engine, 'before', { type: 'stale' }, { id: 'old', times: 1 });
    addRule(engine, 'before', { type: 'latency', ms: 60_000 }, { id: 'slow', priority: 10 });

    // Act
    const error = await failure(get('k', AbortSignal.timeout(100)));
    engine.removeRule('slow');
    const answer = await get('k');

    // Assess
    expect(error.kind).toBe('timeout');
    expect(found(answer).body.toString()).toBe('version 1');
    expect(engine.events().filter((firing) => firing.ruleId === 'old')).toHaveLength(1);
  });

  it('with nothing remembered, or the same answer as now, is no firing and its times are not spent', async () => {
    // Prepare
    const { engine, origin, get } = setup();
    origin.objects.set('k', objectOf('version 1'));
    addRule(engine, 'before', { type: 'stale' }, { id: 'old', times: 1 });

    // Act
    const first = await get('k');
    const same = await get('k');
    origin.objects.set('k', objectOf('version 2'));
    const changed = await get('k');

    // Assess
    expect(found(first).body.toString()).toBe('version 1');
    expect(found(same).body.toString()).toBe('version 1');
    expect(found(changed).body.toString()).toBe('version 1');
    expect(engine.events()).toHaveLength(1);
    expect(origin.gets).toBe(3);
  });
});

describe('withOriginFaults, observability', () => {
  it('each firing is a fault.injected event on the span active around the fetch (the fetch span)', async () => {
    // Prepare
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ exporter, service: 'storage' });
    const logger = createLogger({ level: 'error', write: () => undefined });
    const { engine, origin, get } = setup(observeFirings(new Registry(), logger));
    origin.objects.set('k', objectOf('version 1'));
    await get('k');
    origin.objects.set('k', objectOf('version 2'));
    addRule(engine, 'before', { type: 'stale' }, { id: 'old', scenario: 'origin-drill' });
    addRule(engine, 'after', { type: 'latency', ms: 1 }, { id: 'slow' });

    // Act
    await tracing.tracer.startActiveSpan('origin GET', async (span) => {
      await get('k');
      span.end();
    });

    // Assess
    const span = exporter.getFinishedSpans().find((s) => s.name === 'origin GET');
    const events = (span?.events ?? []).filter((event) => event.name === FAULT_EVENT_NAME);
    expect(events.map((event) => event.attributes)).toMatchObject([
      {
        'fault.rule_id': 'old',
        'fault.type': 'stale',
        'fault.point': 'origin.fetch.before',
        'fault.scenario': 'origin-drill',
      },
      { 'fault.rule_id': 'slow', 'fault.type': 'latency', 'fault.point': 'origin.fetch.after' },
    ]);
    await tracing.shutdown();
  });

  it('remembers answers within its byte budget: an evicted key is no other object to serve', async () => {
    // Prepare
    const engine = createFaultEngine({ clock: systemClock, enabled: true, maxTtlMs: DAY_MS });
    const origin = new FakeOrigin();
    const client = withOriginFaults(origin, engine, { bucket: BUCKET, clock: systemClock, memoryBytes: 16 });
    origin.objects.set('a', objectOf('aaaaaaaaaa'));
    origin.objects.set('b', objectOf('bbbbbbbbbb'));
    await client.get('a', { signal: AbortSignal.timeout(1_000) });
    await client.get('b', { signal: AbortSignal.timeout(1_000) });
    addRule(engine, 'after', { type: 'dirty', mode: 'other_object' });

    // Act: 'a' was forgotten to make room for 'b', and 'b' is the key itself
    const answer = await client.get('b', { signal: AbortSignal.timeout(1_000) });

    // Assess
    expect(found(answer).body.toString()).toBe('bbbbbbbbbb');
    expect(engine.events()).toEqual([]);
  });
});
