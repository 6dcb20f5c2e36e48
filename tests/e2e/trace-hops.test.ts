import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type FaultTarget, startFaultServer } from '../support/e2e/faults.js';
import { freePort } from '../support/e2e/server.js';
import { callerTraceparent } from '../support/spans.js';
import { type OtlpReceiver, startOtlpReceiver } from '../support/telemetry/otlp-receiver.js';
import {
  collectSpans,
  OTLP_KIND_SERVER,
  OTLP_STATUS_ERROR,
  type SpanCollector,
} from '../support/telemetry/otlp-spans.js';

/**
 * One client request is one trace across processes: the socket-fault front and a storage-node
 * worker started as the stack starts them (their main.ts), each exporting over OTLP/HTTP to a
 * receiver of this file; and embedded mode's gateway span with what a socket fault did.
 */
jest.setTimeout(90_000);

const HOST = '127.0.0.1';
/** Spans leave a process within this (the batch processor's default is 5 s). */
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_METRIC_EXPORT_INTERVAL: '3600000' };

let receiver: OtlpReceiver;
let spans: SpanCollector;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  spans = collectSpans(receiver);
});

afterAll(async () => {
  await receiver?.close();
});

interface Started {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <script>` and resolves once it prints `readyMessage`. */
async function startScript(
  script: string,
  env: Record<string, string>,
  readyMessage: string,
): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', METADATA_BACKEND: 'pglite', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready:\n${output}`)), 30_000);
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-32 * 1024);
      if (output.includes(readyMessage)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  const exited = once(child, 'exit');
  await ready;
  return {
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A GET with headers on a fresh connection: status and body, or the socket error the client saw. */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status?: number; body?: string; error?: string }>((resolve) => {
    const request = httpRequest(url, { headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', (error) => resolve({ status: response.statusCode ?? 0, error: error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    request.end();
  });
}

describe('front -> storage-node worker, two processes', () => {
  let dir: string;
  let worker: Started;
  let front: Started;
  let workerPort: number;
  let frontPort: number;
  let frontMetricsPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trace-hops-'));
    [workerPort, frontPort, frontMetricsPort] = [await freePort(), await freePort(), await freePort()];
    const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...FAST_EXPORT };
    worker = await startScript(
      'workers/storage-node/main.ts',
      { NODE_ID: 'node-9', NODE_DIR: dir, NODE_PORT: String(workerPort), HOST, ...otlp },
      'storage node listening',
    );
    // The worker stands in for nginx: the front forwards every request to its upstream as it is.
    front = await startScript(
      'gateway/front/main.ts',
      {
        PORT: String(frontPort),
        HOST,
        FRONT_UPSTREAM: `http://${HOST}:${workerPort}`,
        FRONT_METRICS_PORT: String(frontMetricsPort),
        ...otlp,
      },
      'socket-fault front ready',
    );
  });

  afterAll(async () => {
    await front?.stop();
    await worker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("exports the front's and the worker's spans as one trace under the client's traceparent", async () => {
    // Prepare
    const caller = callerTraceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7');

    // Act
    const answer = await get(`http://${HOST}:${frontPort}/health`, { traceparent: caller.traceparent });
    const frontSpan = await spans.find(
      (span) => span.service === 'gateway-front' && span.traceId === caller.traceId,
    );
    const nodeSpan = await spans.find(
      (span) => span.service === 'storage-node' && span.traceId === caller.traceId,
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(frontSpan).toMatchObject({ kind: OTLP_KIND_SERVER, parentSpanId: caller.spanId });
    expect(frontSpan.attributes['http.response.status_code']).toBe(200);
    expect(nodeSpan).toMatchObject({
      kind: OTLP_KIND_SERVER,
      name: 'GET /health',
      parentSpanId: frontSpan.spanId,
    });
    expect(nodeSpan.attributes['storage.node.id']).toBe('node-9');
    expect(nodeSpan.resource['storage.node.id']).toBe('node-9');
  });

  it("serves the front's metrics on FRONT_METRICS_PORT and the worker's on its own port", async () => {
    // Act
    const frontMetrics = await get(`http://${HOST}:${frontMetricsPort}/metrics`);
    const nodeMetrics = await get(`http://${HOST}:${workerPort}/metrics`);

    // Assess
    expect(frontMetrics.status).toBe(200);
    expect(frontMetrics.body).toMatch(
      /http_requests_total\{service="gateway-front",operation="forward",method="GET",status="200"\}/,
    );
    expect(frontMetrics.body).toContain('process_resident_memory_bytes');
    expect(nodeMetrics.status).toBe(200);
    expect(nodeMetrics.body).toMatch(
      /http_requests_total\{service="storage-node",operation="getNodeHealth",method="GET",status="200"\}/,
    );
    expect(nodeMetrics.body).toContain('process_resident_memory_bytes');
  });
});

describe('embedded mode: the gateway span', () => {
  let target: FaultTarget;

  beforeAll(async () => {
    target = await startFaultServer({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, ...FAST_EXPORT },
    });
  });

  afterAll(async () => {
    await target?.close();
  });

  it("continues the client's trace, and the s3-api span is its child", async () => {
    // Prepare
    const caller = callerTraceparent('5bf92f3577b34da6a3ce929d0e0e4736', '10f067aa0ba902b7');

    // Act
    const answer = await get(`${target.endpoint}/`, { traceparent: caller.traceparent });
    const gateway = await spans.find((span) => span.service === 'gateway' && span.traceId === caller.traceId);
    const handler = await spans.find(
      (span) => span.service === 's3-api' && span.parentSpanId === gateway.spanId,
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(gateway).toMatchObject({ kind: OTLP_KIND_SERVER, name: 'GET /', parentSpanId: caller.spanId });
    expect(handler.traceId).toBe(caller.traceId);
  });

  it('exports a reset request as ERROR with outcome reset and no status code, not 200', async () => {
    // Prepare
    const rule = await target.faults.addRule({
      match: { service: 'gateway', point: 'gateway.socket', operation: 'ListBuckets' },
      fault: { type: 'reset' },
    });
    const caller = callerTraceparent('6bf92f3577b34da6a3ce929d0e0e4736', '20f067aa0ba902b7');

    // Act
    const answer = await get(`${target.endpoint}/`, { traceparent: caller.traceparent });
    const gateway = await spans.find((span) => span.service === 'gateway' && span.traceId === caller.traceId);

    // Assess
    expect(answer.error).toBe('ECONNRESET');
    expect(gateway.status).toMatchObject({ code: OTLP_STATUS_ERROR });
    expect(gateway.status.message).toContain(rule.id);
    expect(gateway.attributes['mock_s3.client_outcome']).toBe('reset');
    expect(gateway.attributes['http.response.status_code']).toBeUndefined();
  });
});
