import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rawRequest } from '../support/e2e/http.js';
import { type Target, useTarget } from '../support/e2e/server.js';
import {
  eventually,
  exportedSpans,
  jaegerTrace,
  type ServiceSpan,
  telemetryEnv,
} from '../support/telemetry/backends.js';

/**
 * A client that sends W3C trace context (https://www.w3.org/TR/trace-context/) finds the request
 * exported under its own trace id, the front's span a child of the client's span, and the trace
 * going on through serverless-offline: the id crosses every hop instead of a new trace starting.
 */
jest.setTimeout(60_000);

const telemetry = telemetryEnv();
const SIGNAL_BOUND_MS = 20_000;

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
    const inJaeger = await eventually(async () => {
      const spans = await jaegerTrace(telemetry, traceId);
      return complete(spans) ? spans : undefined;
    }, SIGNAL_BOUND_MS);
    // The file exporter writes on its own schedule: Jaeger may have the spans first.
    const exportedOf = async () =>
      (await exportedSpans(telemetry)).filter((span) => span.traceId === traceId);
    const exported =
      (await eventually(async () => {
        const spans = await exportedOf();
        return complete(spans) ? spans : undefined;
      }, SIGNAL_BOUND_MS)) ?? (await exportedOf());
    expect(exported.map((span) => span.service)).toEqual(expect.arrayContaining(wanted));
    const spans = inJaeger ?? (await jaegerTrace(telemetry, traceId));
    expect([...new Set(spans.map((span) => span.service))]).toEqual(expect.arrayContaining(wanted));
    const front = spans.filter(
      (span) => span.service === 'gateway-front' && span.parentSpanId === callerSpanId,
    );
    expect(front).toHaveLength(1);
  });
});
