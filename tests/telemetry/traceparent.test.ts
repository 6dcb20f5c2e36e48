import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { eventually } from '../support/e2e/faults.js';
import { rawRequest } from '../support/e2e/http.js';
import { type Target, useTarget } from '../support/e2e/server.js';
import { exportedSpans, jaegerTrace, type ServiceSpan, telemetryEnv } from '../support/telemetry/backends.js';

/**
 * A client that sends W3C trace context (https://www.w3.org/TR/trace-context/) finds the request
 * exported under its own trace id, the front's span a child of the client's span, and the trace
 * going on through serverless-offline: the id crosses every hop instead of a new trace starting.
 */
jest.setTimeout(60_000);

const telemetry = telemetryEnv();
const SIGNAL = { timeoutMs: 20_000, intervalMs: 250 };

let target: Target;

beforeAll(async () => {
  target = await useTarget();
});

afterAll(async () => {
  await target?.close();
});

describe('a request sent with a traceparent', () => {
  it('is exported under that trace id, the front a child of the caller, through to s3-api', async () => {
    // Prepare
    const bucket = await target.createBucket('traceparent');
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');

    // Act: a plain HEAD bucket, raw HTTP (the header is the point), unsigned as the stack allows.
    const response = await rawRequest(target.endpoint, {
      method: 'HEAD',
      path: `/${bucket}`,
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(response.status).toBe(200);

    // Assess: in the collector's export and in Jaeger, under the caller's trace id.
    const wanted = ['gateway-front', 's3-api'];
    const complete = (spans: ServiceSpan[]) =>
      wanted.every((service) => spans.some((span) => span.service === service));
    const exported = await eventually(
      async () => (await exportedSpans(telemetry)).filter((span) => span.traceId === traceId),
      complete,
      { ...SIGNAL, what: `spans of ${wanted.join(', ')} under trace ${traceId} in collector/traces.jsonl` },
    );
    expect(exported.map((span) => span.service)).toEqual(expect.arrayContaining(wanted));
    const spans = await eventually(() => jaegerTrace(telemetry, traceId), complete, {
      ...SIGNAL,
      what: `spans of ${wanted.join(', ')} in Jaeger's trace ${traceId}`,
    });
    const front = spans.filter(
      (span) => span.service === 'gateway-front' && span.parentSpanId === callerSpanId,
    );
    expect(front).toHaveLength(1);
  });
});
