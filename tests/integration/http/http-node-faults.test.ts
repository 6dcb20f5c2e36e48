import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { createMemoryConfigSource } from '../../../shared/config/adapters/memory-config-source.js';
import { createLiveConfig } from '../../../shared/config/live-config.js';
import { createFaultEngine } from '../../../shared/faults/engine.js';
import { InjectedFault } from '../../../shared/faults/injected-fault.js';
import { HttpConnectionError } from '../../../shared/http/errors.js';
import type { HttpClient } from '../../../shared/http/http-client.js';
import { bindHttpClientSettings } from '../../../shared/http/live-settings.js';
import { createHttpClientMetrics } from '../../../shared/http/metrics.js';
import { httpClientFaultHook } from '../../../shared/injection/http-client-faults.js';
import { observeFirings } from '../../../shared/injection/observe-firing.js';
import { systemClock } from '../../../shared/runtime/clock.js';
import { createFsNode } from '../../../shared/storage/adapters/fs-node.js';
import { createHttpNode, createStorageNodeClient } from '../../../shared/storage/adapters/http-node.js';
import { newBlobId } from '../../../shared/storage/blob-id.js';
import { type StorageNode, StorageNodeUnavailableError } from '../../../shared/storage/ports.js';
import { createLogger, silentLogger } from '../../../shared/telemetry/logger.js';
import { createTracing } from '../../../shared/telemetry/tracing.js';
import { createStorageNodeServer } from '../../../workers/storage-node/server.js';

/**
 * The storage service's http node against the real storage-node worker server, in process on a
 * loopback port, with the `http.client` point wired to a real fault engine as the runtime does.
 */
const BREAKER_RESET_MS = 1000;
const received: Array<{ method: string; path: string; traceparent: string | undefined }> = [];
const logLines: Array<Record<string, unknown>> = [];
const exporter = new InMemorySpanExporter();
const tracing = createTracing({ exporter, service: 'storage' });
const registry = new Registry();
const engine = createFaultEngine({
  clock: systemClock,
  enabled: true,
  maxTtlMs: 3_600_000,
  onFire: observeFirings(
    registry,
    createLogger({ level: 'info', write: (line) => logLines.push(JSON.parse(line)) }),
  ),
});
let dir: string;
let server: Server;
let target: string;
let now = 0;
let client: HttpClient;
let disk: StorageNode;
let node: StorageNode;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'http-node-faults-'));
  disk = createFsNode({ id: 'node-1', dir, fsync: false });
  server = createStorageNodeServer(disk, silentLogger);
  server.prependListener('request', (request) => {
    received.push({
      method: request.method ?? '',
      path: request.url ?? '',
      traceparent: request.headers.traceparent as string | undefined,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createStorageNodeClient({
    metrics: createHttpClientMetrics(registry),
    faultHook: httpClientFaultHook(engine, 'storage'),
    tracer: tracing.tracer,
    backoff: { baseMs: 5, maxMs: 20 },
    breaker: { failureThreshold: 5, resetMs: BREAKER_RESET_MS },
    now: () => now,
  });
  node = createHttpNode({ id: 'node-1', baseUrl: `http://${target}`, client });
});

afterAll(async () => {
  client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await tracing.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values
    .filter((value) => Object.entries(labels).every(([label, text]) => value.labels[label] === text))
    .reduce((sum, value) => sum + value.value, 0);
}

const sent = (method: string, blobId: string) =>
  received.filter((request) => request.method === method && request.path === `/blobs/${blobId}`);

describe('http node: http.client faults through the shared HTTP client', () => {
  it('an http_status 503 rule with times=2 costs two retries; the third attempt stores the blob', async () => {
    // Prepare
    const rule = engine.addRule({
      match: { point: 'http.client', service: 'storage', node: 'node-1', endpoint: 'PUT /blobs/*' },
      fault: { type: 'http_status', status: 503 },
      times: 2,
      ttl: '1m',
    });
    const retriesBefore = await metric('retry_attempts_total', { service: 'storage', target });
    const blobId = newBlobId();
    const bytes = Buffer.from('third time lucky');

    // Act
    await node.put(blobId, bytes);

    // Assess: two injected answers, one real request, the bytes on the worker's disk
    expect(await metric('retry_attempts_total', { service: 'storage', target })).toBe(retriesBefore + 2);
    expect(sent('PUT', blobId)).toHaveLength(1);
    expect((await disk.get(blobId)).equals(bytes)).toBe(true);
    // Observable like every firing: hit log, counter, log line, span attributes
    expect(engine.events({ ruleId: rule.id })).toHaveLength(2);
    expect(engine.events({ ruleId: rule.id })[0]).toMatchObject({
      point: 'http.client',
      type: 'http_status',
    });
    expect(
      await metric('fault_injections_total', {
        service: 'storage',
        point: 'http.client',
        type: 'http_status',
      }),
    ).toBe(2);
    expect(logLines.filter((line) => line.rule_id === rule.id)).toEqual([
      expect.objectContaining({ message: 'fault injected', inject_point: 'http.client' }),
      expect.objectContaining({ message: 'fault injected', inject_point: 'http.client' }),
    ]);
    // Both firings are events on the client span that retried through them.
    const firedOn = (finished: ReadableSpan) =>
      finished.events.filter(
        (event) => event.name === 'fault.injected' && event.attributes?.['fault.rule_id'] === rule.id,
      );
    const span = exporter.getFinishedSpans().find((finished) => firedOn(finished).length > 0);
    expect(span && firedOn(span).map((event) => event.attributes?.['fault.point'])).toEqual([
      'http.client',
      'http.client',
    ]);
    expect(span?.attributes['http.response.status_code']).toBe(204);
    engine.removeRule(rule.id);
  });

  it('does not retry a 4xx: a missing blob is asked for once', async () => {
    // Prepare
    const blobId = newBlobId();
    const retriesBefore = await metric('retry_attempts_total', { target });

    // Act
    const read = node.get(blobId);

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'BlobMissingError' });
    expect(sent('GET', blobId)).toHaveLength(1);
    expect(await metric('retry_attempts_total', { target })).toBe(retriesBefore);
  });

  it('a reset rule fails the calls as an unavailable node, opens the breaker, which closes after', async () => {
    // Prepare
    const rule = engine.addRule({
      match: { point: 'http.client', node: 'node-1' },
      fault: { type: 'reset' },
      ttl: '1m',
    });
    const blobId = newBlobId();

    // Act: three attempts fail (breaker at 3 of 5 failures)
    const first = await node.put(blobId, Buffer.from('x')).catch((error: unknown) => error);

    // Assess
    expect(first).toBeInstanceOf(StorageNodeUnavailableError);
    const cause = (first as Error).cause;
    expect(cause).toBeInstanceOf(HttpConnectionError);
    expect((cause as Error).cause).toBeInstanceOf(InjectedFault);
    expect(client.breakerState(target)).toBe('closed');
    expect(sent('PUT', blobId)).toHaveLength(0);

    // Act: two more failures open it; the third attempt is refused without asking the engine
    const firingsBefore = engine.events({ ruleId: rule.id }).length;
    const second = await node.put(blobId, Buffer.from('x')).catch((error: unknown) => error);
    const refused = await node.put(blobId, Buffer.from('x')).catch((error: unknown) => error);

    // Assess
    expect(second).toBeInstanceOf(StorageNodeUnavailableError);
    expect(refused).toBeInstanceOf(StorageNodeUnavailableError);
    expect((refused as Error).cause).toMatchObject({ name: 'CircuitOpenError' });
    expect(engine.events({ ruleId: rule.id }).length - firingsBefore).toBe(2);
    expect(client.breakerState(target)).toBe('open');
    expect(await metric('circuit_breaker_open_total', { service: 'storage', target })).toBe(1);

    // Act: the fault ends, the reset time passes; the trial call succeeds
    engine.removeRule(rule.id);
    now += BREAKER_RESET_MS;
    expect(client.breakerState(target)).toBe('half-open');
    await node.put(blobId, Buffer.from('x'));

    // Assess
    expect(client.breakerState(target)).toBe('closed');
    expect(sent('PUT', blobId)).toHaveLength(1);
    expect(await metric('circuit_breaker_open_total', { service: 'storage', target })).toBe(1);
  });

  it('a timeout rule holds the attempt, then it is retried', async () => {
    // Prepare
    const rule = engine.addRule({
      match: { point: 'http.client', node: 'node-1', endpoint: 'GET /blobs/*' },
      fault: { type: 'timeout', ms: 20 },
      times: 1,
      ttl: '1m',
    });
    const blobId = newBlobId();
    await node.put(blobId, Buffer.from('patience'));

    // Act
    const read = await node.get(blobId);

    // Assess
    expect(read.toString()).toBe('patience');
    expect(engine.events({ ruleId: rule.id })).toEqual([expect.objectContaining({ type: 'timeout' })]);
    expect(sent('GET', blobId)).toHaveLength(1);
    engine.removeRule(rule.id);
  });

  it('sends traceparent: the worker sees the trace of the calling span', async () => {
    // Prepare
    const blobId = newBlobId();
    await node.put(blobId, Buffer.from('traced'));

    // Act
    const traceId = await tracing.tracer.startActiveSpan('GetObject', async (span) => {
      await node.get(blobId);
      span.end();
      return span.spanContext().traceId;
    });

    // Assess
    const [get] = sent('GET', blobId);
    expect(get?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('follows http.retries of the live config without restart', async () => {
    // Prepare
    const source = createMemoryConfigSource();
    const live = await createLiveConfig(source, {
      'storage.replicas': 1,
      'http.retries': 2,
      'http.timeoutMs': 10_000,
      'gateway.rateLimit': 0,
      'faults.enabled': true,
    });
    const unbind = bindHttpClientSettings(client, live);
    const rule = engine.addRule({
      match: { point: 'http.client', node: 'node-1', endpoint: 'PUT /blobs/*' },
      fault: { type: 'http_status', status: 503 },
      times: 1,
      ttl: '1m',
    });
    const blobId = newBlobId();

    // Act
    await source.set('http.retries', 0);
    const outcome = await node.put(blobId, Buffer.from('once')).catch((error: unknown) => error);

    // Assess: no retry left, the injected 503 is the answer
    expect(outcome).toBeInstanceOf(StorageNodeUnavailableError);
    expect(sent('PUT', blobId)).toHaveLength(0);

    // Act
    await source.set('http.retries', 2);
    await node.put(blobId, Buffer.from('once'));

    // Assess
    expect(sent('PUT', blobId)).toHaveLength(1);
    unbind();
    await live.close();
    engine.removeRule(rule.id);
  });
});
